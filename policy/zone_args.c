// SPDX-License-Identifier: MIT
#include "zone_args.h"
#include "zone_cpulist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal integer in lo..hi. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;

	if (!*s || strlen(s) > 16)
		return false;
	errno = 0;
	*out = strtol(s, &end, 10);
	return !*end && !errno && *out >= lo && *out <= hi;
}

static enum zone_args_error find_zone(struct zone_config *cfg, const char *zone,
				      struct zone **z, char *err, size_t errlen)
{
	if (!zone_name_valid(zone)) {
		snprintf(err, errlen, "\"%.*s\" is not a zone name ([a-z][a-z0-9]{0,14})", 32,
			 zone);
		return ZONE_ARGS_INVALID;
	}
	*z = zone_config_find(cfg, zone);
	if (!*z) {
		snprintf(err, errlen, "no zone named %s", zone);
		return ZONE_ARGS_UNKNOWN_ZONE;
	}
	return ZONE_ARGS_OK;
}

enum zone_args_error zone_args_set(struct zone_config *cfg, const cpu_set_t *online,
				   const char *zone, const char *key, const char *value,
				   char *err, size_t errlen)
{
	enum zone_args_error e;
	struct zone *z;
	char why[160];
	long v;

	e = find_zone(cfg, zone, &z, err, errlen);
	if (e)
		return e;
	if (!strcmp(key, "cpus")) {
		cpu_set_t set;

		if (zone_cpulist_parse(value, online, &set, why, sizeof(why))) {
			snprintf(err, errlen, "cpus: %s", why);
			return ZONE_ARGS_INVALID;
		}
		z->cpus = set;
		z->has_cpus = true;
	} else if (!strcmp(key, "policy")) {
		int pol = zone_policy_parse(value);

		if (pol < 0) {
			snprintf(err, errlen, "policy: \"%.32s\" is not one of fifo, rr, other, "
				 "batch, idle", value);
			return ZONE_ARGS_INVALID;
		}
		if (zone_policy_is_rt((enum zone_policy)pol) && z->priority == 0) {
			snprintf(err, errlen, "policy: %s needs a priority; set priority (1..99) "
				 "first", value);
			return ZONE_ARGS_INVALID;
		}
		z->policy = (enum zone_policy)pol;
	} else if (!strcmp(key, "priority")) {
		if (!parse_int(value, 1, 99, &v)) {
			snprintf(err, errlen, "priority: \"%.32s\" is not in 1..99", value);
			return ZONE_ARGS_INVALID;
		}
		z->priority = (int)v;
	} else if (!strcmp(key, "nice")) {
		if (!parse_int(value, -20, 19, &v)) {
			snprintf(err, errlen, "nice: \"%.32s\" is not in -20..19", value);
			return ZONE_ARGS_INVALID;
		}
		z->nice = (int)v;
	} else if (!strcmp(key, "duck.level-db")) {
		char *end;
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (!*value || *end || errno || !isfinite(d) || strpbrk(value, "xXnN") ||
		    d < -96.0 || d > 0.0) {
			snprintf(err, errlen, "duck.level-db: \"%.32s\" is not in -96..0", value);
			return ZONE_ARGS_INVALID;
		}
		z->duck_level_db = d;
	} else {
		snprintf(err, errlen, "\"%.32s\" is not a key (cpus, policy, priority, nice, "
			 "duck.level-db)", key);
		return ZONE_ARGS_INVALID;
	}
	return ZONE_ARGS_OK;
}

enum zone_args_error zone_args_route(struct zone_config *cfg, const char *role,
				     const char *zone, char *err, size_t errlen)
{
	enum zone_args_error e;
	struct zone *z;

	if (strlen(role) >= ZONE_ITEM_MAX || !zone_item_valid(role, false)) {
		snprintf(err, errlen, "\"%.32s\" is not a role name", role);
		return ZONE_ARGS_INVALID;
	}
	e = find_zone(cfg, zone, &z, err, errlen);
	if (e)
		return e;
	for (size_t i = 0; i < z->n_roles; i++)
		if (!strcmp(z->roles[i], role))
			return ZONE_ARGS_OK;
	if (z->n_roles == ZONE_LIST_MAX) {
		snprintf(err, errlen, "zone %s has %d roles already", zone, ZONE_LIST_MAX);
		return ZONE_ARGS_INVALID;
	}
	for (size_t j = 0; j < cfg->n_zones; j++) {
		struct zone *o = &cfg->zones[j];

		for (size_t i = 0; i < o->n_roles; i++) {
			if (strcmp(o->roles[i], role))
				continue;
			memmove(o->roles[i], o->roles[i + 1], (o->n_roles - i - 1) *
				sizeof(o->roles[0]));
			o->n_roles--;
			break;
		}
	}
	snprintf(z->roles[z->n_roles++], ZONE_ITEM_MAX, "%s", role);
	return ZONE_ARGS_OK;
}
