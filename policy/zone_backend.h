/* SPDX-License-Identifier: MIT */
/*
 * Finds a zone's backend process: the MainPID of its systemd service (over
 * the system bus) or the number in its pid file.
 */
#ifndef ZONE_BACKEND_H
#define ZONE_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>

/*
 * The pid in `path' if that process exists; 0 if the file is missing or
 * names no live process; -EINVAL (with `err') if its content is not a pid.
 */
pid_t zone_backend_pid_file(const char *path, char *err, size_t errlen);

/* MainPID of service `unit' (0: not running), or a negative errno with `err'. */
pid_t zone_backend_unit_pid(sd_bus *bus, const char *unit, char *err, size_t errlen);

/* Whether process `pid' still exists (not a zombie). */
int zone_backend_alive(pid_t pid);

#endif /* ZONE_BACKEND_H */
