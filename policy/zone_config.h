/* SPDX-License-Identifier: MIT */
/*
 * The zones of /etc/vlo/zones.conf: what each zone's backend threads get
 * (CPU set, scheduling policy and priority or nice) and how the zone's
 * streams are routed (node, roles, apps, ducking).
 *
 * The parser is a pure function of the file's text and the set of CPUs
 * that may be named, so the unit tests and the fuzzer need no system.
 * Every error is one line "FILE:LINE: what", LINE counted from the SPA-JSON
 * tokenizer's position.
 */
#ifndef ZONE_CONFIG_H
#define ZONE_CONFIG_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#define ZONE_NAME_MAX 15	/* [a-z][a-z0-9]{0,14} */
#define ZONE_MAX 32
#define ZONE_LIST_MAX 16	/* roles or apps per zone */
#define ZONE_ITEM_MAX 64	/* one role or app name */
#define ZONE_STR_MAX 256	/* unit, pid file, slice, node, group */
#define ZONE_ERR_MAX 512

enum zone_policy {
	ZONE_POLICY_UNSET,	/* scheduling is left alone */
	ZONE_POLICY_OTHER,
	ZONE_POLICY_BATCH,
	ZONE_POLICY_IDLE,
	ZONE_POLICY_FIFO,
	ZONE_POLICY_RR,
};

struct zone {
	char name[ZONE_NAME_MAX + 1];
	char backend_unit[ZONE_STR_MAX];	/* "" when backend_pid_file is used */
	char backend_pid_file[ZONE_STR_MAX];
	char slice[ZONE_STR_MAX];		/* "" = none */
	bool has_cpus;				/* false: affinity left alone */
	cpu_set_t cpus;
	enum zone_policy policy;
	int priority;				/* 1..99 with fifo/rr, else 0 */
	int nice;				/* -20..19 with other/batch */
	char node[ZONE_STR_MAX];
	char roles[ZONE_LIST_MAX][ZONE_ITEM_MAX];
	size_t n_roles;
	char apps[ZONE_LIST_MAX][ZONE_ITEM_MAX];
	size_t n_apps;
	int duck_rank;				/* 0..100 */
	double duck_level_db;			/* -96..0 */
	bool safety;
};

struct zone_config {
	struct zone zones[ZONE_MAX];
	size_t n_zones;
	char group[ZONE_STR_MAX];		/* "" = root only */
};

/*
 * Parses `text' (`len' bytes, need not be NUL-terminated) named `file' in
 * errors (its base name is used). `online' is the set of CPUs a cpu list
 * may name. Returns 0, or -EINVAL with the error line in `err'. `cfg' is
 * only written on success.
 */
int zone_config_parse(const char *file, const char *text, size_t len, const cpu_set_t *online,
		      struct zone_config *cfg, char *err, size_t errlen);

/* Reads and parses a file; errors as above (also for I/O: "FILE: ..."). */
int zone_config_load(const char *path, const cpu_set_t *online, struct zone_config *cfg,
		     char *err, size_t errlen);

/* The zone named `name', or NULL. */
struct zone *zone_config_find(struct zone_config *cfg, const char *name);

/* Whether `s' is a valid zone name. */
bool zone_name_valid(const char *s);

/* Role, app, node and group names: printable ASCII, spaces only if `spaces'. */
bool zone_item_valid(const char *s, bool spaces);

/* "fifo" etc. and back; unknown names give -1. */
const char *zone_policy_name(enum zone_policy p);
int zone_policy_parse(const char *s);
static inline bool zone_policy_is_rt(enum zone_policy p)
{
	return p == ZONE_POLICY_FIFO || p == ZONE_POLICY_RR;
}

#endif /* ZONE_CONFIG_H */
