/* SPDX-License-Identifier: MIT */
/*
 * The router's decisions, free of PipeWire: which zone a stream belongs to,
 * and which zones are ducked while others play. Kept apart so they can be
 * reasoned about (and tested) on their own.
 */
#ifndef ZONE_MATCH_H
#define ZONE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "zone_router.h"

/*
 * The zone of a stream: the first zone listing its application (name or
 * process binary), else the first listing its media role; -1 if none.
 * Roles and applications compare case-insensitively ("music" is "Music").
 * Any argument may be NULL.
 */
int zone_match_stream(const struct zone_route *zones, size_t n, const char *role,
		      const char *app_name, const char *binary);

/*
 * Ducking: among the zones that play (playing[i]), ducker[i] is set
 * to the index of a playing zone with a higher rank than zone i (the highest
 * such), or -1 when zone i is not ducked.
 */
void zone_match_ducking(const struct zone_route *zones, size_t n, const bool *playing,
			int *ducker);

#endif /* ZONE_MATCH_H */
