/* SPDX-License-Identifier: MIT */
/*
 * CPU lists as the kernel and systemd write them: "0-1,3", "2", "0-3,8-11".
 */
#ifndef ZONE_CPULIST_H
#define ZONE_CPULIST_H

#include <sched.h>
#include <stddef.h>

/*
 * Parses `s' into `set'. Every CPU must be in `allowed' (NULL: any below
 * CPU_SETSIZE). Returns 0 or -EINVAL with a short reason in `err' ("5 is
 * not an online CPU (online: 0-1)", "3-1: range goes down").
 */
int zone_cpulist_parse(const char *s, const cpu_set_t *allowed, cpu_set_t *set, char *err,
		       size_t errlen);

/* Writes `set' as a list ("" when empty); truncates to `len'. */
void zone_cpulist_format(const cpu_set_t *set, char *buf, size_t len);

/* The CPUs online now (/sys/devices/system/cpu/online, else sched_getaffinity). */
int zone_cpus_online(cpu_set_t *set);

#endif /* ZONE_CPULIST_H */
