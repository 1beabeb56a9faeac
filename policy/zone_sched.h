/* SPDX-License-Identifier: MIT */
/*
 * One thread's CPU set and scheduling: set with sched_setaffinity and
 * sched_setattr, read back with sched_getaffinity and sched_getattr.
 */
#ifndef ZONE_SCHED_H
#define ZONE_SCHED_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "zone_config.h"

/* What every thread of a zone's backend should have. */
struct zone_sched_target {
	bool has_cpus;			/* false: affinity left alone */
	cpu_set_t cpus;
	enum zone_policy policy;	/* UNSET: scheduling left alone */
	int priority;			/* used with fifo/rr */
	int nice;			/* used with other/batch */
};

/* What a thread has, read back from the kernel. */
struct zone_thread_state {
	cpu_set_t cpus;
	enum zone_policy policy;	/* UNSET for a policy we do not name (deadline) */
	int priority;
	int nice;
};

void zone_sched_target_of(const struct zone *z, struct zone_sched_target *t);

int zone_thread_read(pid_t tid, struct zone_thread_state *st);

/* Whether `st' is what `t' asks for (only the parts `t' sets). */
bool zone_thread_matches(const struct zone_sched_target *t, const struct zone_thread_state *st);

/*
 * Applies `t' to thread `tid'. Returns 0 or the negative errno of the first
 * call that failed, named in *failed ("sched_setaffinity", "sched_setattr").
 */
int zone_thread_apply(pid_t tid, const struct zone_sched_target *t, const char **failed);

/* "fifo/80", "other/nice 5", "idle", "-" (unset), for tables. */
void zone_sched_describe(enum zone_policy pol, int priority, int nice, char *buf, size_t len);

#endif /* ZONE_SCHED_H */
