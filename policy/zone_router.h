/* SPDX-License-Identifier: MIT */
/*
 * The PipeWire half of the zone policy: routes streams to their zone's card
 * and ducks lower-ranked zones while a higher-ranked zone plays.
 *
 * The daemon core (zone config, threads, D-Bus) knows nothing about
 * PipeWire; it hands the router the zones' routing part whenever the config
 * or a route changes, and the router applies it to live streams too. The
 * router runs on the daemon's sd-event loop (PipeWire's loop fd is added to
 * it), so no extra thread and no locking.
 *
 * PipeWire may start after the daemon or restart under it: the router keeps
 * retrying the connection and re-applies everything when it comes back.
 */
#ifndef ZONE_ROUTER_H
#define ZONE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>

/* One zone as the router sees it. Strings are copied by zone_router_set(). */
struct zone_route {
	const char *zone;		/* "driver" */
	const char *node_name;		/* the zone card's sink node.name */
	const char *const *roles;	/* media.role values routed here */
	size_t n_roles;
	const char *const *apps;	/* application.name / process.binary values */
	size_t n_apps;
	int duck_rank;			/* higher rank ducks lower ranks while it plays */
	double duck_level_db;		/* gain applied to this zone when ducked, <= 0 */
	bool safety;			/* never fall back to another zone's sink */
};

struct zone_router;

/* Counters for `zonectl list' and tests. */
struct zone_router_stats {
	bool connected;			/* to the PipeWire daemon now */
	unsigned int streams_routed;	/* streams currently targeted by a zone */
	unsigned int zones_ducked;	/* zones currently attenuated */
};

/*
 * Creates the router on `ev'. `remote' is the PipeWire remote name (NULL:
 * PIPEWIRE_REMOTE or the default). Returns 0 or a negative errno; not being
 * able to reach PipeWire yet is not an error.
 */
int zone_router_new(sd_event *ev, const char *remote, struct zone_router **out);

/* Replaces the zones; live streams are re-targeted and ducking re-evaluated. */
int zone_router_set(struct zone_router *r, const struct zone_route *zones, size_t n);

void zone_router_stats(const struct zone_router *r, struct zone_router_stats *st);

/* NULL is fine. */
void zone_router_free(struct zone_router *r);

#endif /* ZONE_ROUTER_H */
