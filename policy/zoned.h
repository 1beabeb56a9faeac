/* SPDX-License-Identifier: MIT */
/*
 * vlo-zoned: the zone policy daemon. The core keeps the running
 * configuration (the last good zones.conf plus changes made over D-Bus)
 * and brings every zone's backend threads to it; zoned_dbus.c is the
 * org.vlo.Zones1 service on top.
 */
#ifndef ZONED_H
#define ZONED_H

#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "zone_apply.h"
#include "zone_config.h"
#include "zone_router.h"

struct zone_state {
	struct zone_run run;
	char backend_error[256];	/* why no backend pid ("" found or none) */
	uint64_t next_lookup_usec;	/* unit MainPID lookups are rate-limited */
	uint64_t next_retry_usec;	/* failed threads are retried this often */
	uint64_t fast_until_usec;	/* after a change failed threads are retried
					 * on every scan (a slice's cpuset may lag) */
	sd_bus_message *pending;	/* a Set waiting for the slice, or NULL */
	uint64_t pending_deadline_usec;
	char pending_what[128];		/* "cpus = 1", for the late reply */
	char logged[384];		/* last error logged, to log changes only */
};

struct zoned {
	sd_event *ev;
	sd_bus *bus;			/* system bus; NULL with --no-bus */
	struct zone_router *router;
	const char *config_path;
	cpu_set_t online;
	struct zone_config *file_cfg;	/* last good zones.conf */
	struct zone_config *cfg;	/* running: file_cfg + Set/Route */
	struct zone_state zs[ZONE_MAX];
	sd_event_source *timer;
	uint64_t rescan_usec;
	uint64_t generation;		/* bumped on every config change */
	char status[256];		/* last STATUS= sent */
};

/* Loads the config for the first time; -EINVAL etc. with `err'. */
int zoned_init_config(struct zoned *d, char *err, size_t errlen);

/* Re-reads the file; on error the running config stays and `err' says why. */
int zoned_reload(struct zoned *d, char *err, size_t errlen);

/* Brings one zone (or all, zone < 0) to its settings now. */
void zoned_apply(struct zoned *d, int zone);

/* The zone's settings changed: apply them to every thread again. */
void zoned_invalidate(struct zoned *d, size_t zone);

/* Answers `m' (a Set of `what' on zone i) now if applied, else when applied
 * or after 1 s; takes a reference. */
int zoned_reply_when_applied(struct zoned *d, size_t i, sd_bus_message *m, const char *what);

/* Hands the routing part of the running config to the router. */
void zoned_push_routes(struct zoned *d);

/*
 * Sets the slice's AllowedCPUs at run time through systemd, waiting for the
 * answer (at most 1 s), so the cgroup allows the threads' new CPUs first.
 */
void zoned_apply_slice(struct zoned *d, const struct zone *z);

/* A one-line state of zone i: "applied", "no backend", "error", "partial". */
const char *zoned_zone_state(const struct zoned *d, size_t i);

int zoned_start_timer(struct zoned *d);
void zoned_free(struct zoned *d);

/* zoned_dbus.c */
int zoned_dbus_start(struct zoned *d);
void zoned_dbus_emit_changed(struct zoned *d, const char *zone);

#endif /* ZONED_H */
