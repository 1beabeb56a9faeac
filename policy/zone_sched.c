// SPDX-License-Identifier: MIT
#include "zone_sched.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1). <linux/sched/types.h>
 * cannot be included next to glibc's <sched.h> (both define sched_param).
 */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

/* glibc 2.36 has no wrappers for these two. */
static int sched_setattr_tid(pid_t tid, struct sched_attr *a)
{
	return (int)syscall(SYS_sched_setattr, tid, a, 0u);
}

static int sched_getattr_tid(pid_t tid, struct sched_attr *a)
{
	return (int)syscall(SYS_sched_getattr, tid, a, (unsigned int)sizeof(*a), 0u);
}

static int kernel_policy(enum zone_policy p)
{
	switch (p) {
	case ZONE_POLICY_FIFO: return SCHED_FIFO;
	case ZONE_POLICY_RR: return SCHED_RR;
	case ZONE_POLICY_BATCH: return SCHED_BATCH;
	case ZONE_POLICY_IDLE: return SCHED_IDLE;
	default: return SCHED_OTHER;
	}
}

static enum zone_policy zone_policy_of(unsigned int kp)
{
	switch (kp) {
	case SCHED_OTHER: return ZONE_POLICY_OTHER;
	case SCHED_FIFO: return ZONE_POLICY_FIFO;
	case SCHED_RR: return ZONE_POLICY_RR;
	case SCHED_BATCH: return ZONE_POLICY_BATCH;
	case SCHED_IDLE: return ZONE_POLICY_IDLE;
	default: return ZONE_POLICY_UNSET;
	}
}

void zone_sched_target_of(const struct zone *z, struct zone_sched_target *t)
{
	memset(t, 0, sizeof(*t));
	t->has_cpus = z->has_cpus;
	t->cpus = z->cpus;
	t->policy = z->policy;
	t->priority = z->priority;
	t->nice = z->nice;
}

int zone_thread_read(pid_t tid, struct zone_thread_state *st)
{
	struct sched_attr a = { .size = sizeof(a) };

	if (sched_getaffinity(tid, sizeof(st->cpus), &st->cpus) < 0)
		return -errno;
	if (sched_getattr_tid(tid, &a) < 0)
		return -errno;
	st->policy = zone_policy_of(a.sched_policy);
	st->priority = (int)a.sched_priority;
	st->nice = a.sched_nice;
	return 0;
}

bool zone_thread_matches(const struct zone_sched_target *t, const struct zone_thread_state *st)
{
	if (t->has_cpus && !CPU_EQUAL(&t->cpus, &st->cpus))
		return false;
	if (t->policy == ZONE_POLICY_UNSET)
		return true;
	if (st->policy != t->policy)
		return false;
	if (zone_policy_is_rt(t->policy))
		return st->priority == t->priority;
	if (t->policy == ZONE_POLICY_OTHER || t->policy == ZONE_POLICY_BATCH)
		return st->nice == t->nice;
	return true;
}

int zone_thread_apply(pid_t tid, const struct zone_sched_target *t, const char **failed)
{
	if (t->has_cpus && sched_setaffinity(tid, sizeof(t->cpus), &t->cpus) < 0) {
		*failed = "sched_setaffinity";
		return -errno;
	}
	if (t->policy != ZONE_POLICY_UNSET) {
		struct sched_attr a = {
			.size = sizeof(a),
			.sched_policy = (unsigned int)kernel_policy(t->policy),
		};

		if (zone_policy_is_rt(t->policy))
			a.sched_priority = (unsigned int)t->priority;
		else if (t->policy != ZONE_POLICY_IDLE)
			a.sched_nice = t->nice;
		if (sched_setattr_tid(tid, &a) < 0) {
			*failed = "sched_setattr";
			return -errno;
		}
	}
	return 0;
}

void zone_sched_describe(enum zone_policy pol, int priority, int nice, char *buf, size_t len)
{
	if (pol == ZONE_POLICY_UNSET)
		snprintf(buf, len, "-");
	else if (zone_policy_is_rt(pol))
		snprintf(buf, len, "%s/%d", zone_policy_name(pol), priority);
	else if (pol == ZONE_POLICY_IDLE)
		snprintf(buf, len, "idle");
	else
		snprintf(buf, len, "%s/nice %d", zone_policy_name(pol), nice);
}
