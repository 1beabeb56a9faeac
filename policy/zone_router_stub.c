// SPDX-License-Identifier: MIT
/*
 * zone_router_stub.c: a router that routes nothing. Linked into vlo-zoned
 * only while the PipeWire router (policy/zone_router.c) is not in the tree,
 * so the daemon builds and its thread policy can be tested on its own.
 */
#include "zone_router.h"

#include <errno.h>
#include <stdlib.h>

struct zone_router {
	size_t n_zones;
};

int zone_router_new(sd_event *ev, const char *remote, struct zone_router **out)
{
	(void)ev, (void)remote;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

int zone_router_set(struct zone_router *r, const struct zone_route *zones, size_t n)
{
	(void)zones;
	r->n_zones = n;
	return 0;
}

void zone_router_stats(const struct zone_router *r, struct zone_router_stats *st)
{
	(void)r;
	*st = (struct zone_router_stats){ 0 };
}

void zone_router_free(struct zone_router *r)
{
	free(r);
}
