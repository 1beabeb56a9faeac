/* SPDX-License-Identifier: MIT */
/*
 * The arguments of the D-Bus calls Set and Route, checked and applied to a
 * zone configuration. Pure functions (no system access): the daemon calls
 * them on its running configuration, the fuzzer on a fixed one.
 */
#ifndef ZONE_ARGS_H
#define ZONE_ARGS_H

#include "zone_config.h"

/* What went wrong, so the D-Bus layer can pick the error name. */
enum zone_args_error {
	ZONE_ARGS_OK = 0,
	ZONE_ARGS_UNKNOWN_ZONE,		/* a valid name, but no such zone */
	ZONE_ARGS_INVALID,		/* bad key or value */
};

/*
 * Set(zone, key, value): key is cpus, policy, priority, nice or
 * duck.level-db. priority (1..99) and nice (-20..19) may be set whatever the
 * policy and are used when the policy is fifo/rr and other/batch
 * respectively; policy fifo or rr needs a priority. `cfg' changes only on
 * success; `err' gets one line otherwise.
 */
enum zone_args_error zone_args_set(struct zone_config *cfg, const cpu_set_t *online,
				   const char *zone, const char *key, const char *value,
				   char *err, size_t errlen);

/* Route(role, zone): the role moves to the zone (from any other). */
enum zone_args_error zone_args_route(struct zone_config *cfg, const char *role,
				     const char *zone, char *err, size_t errlen);

#endif /* ZONE_ARGS_H */
