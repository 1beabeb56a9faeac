/* SPDX-License-Identifier: MIT */
/*
 * Why SCHED_FIFO/RR was refused (EPERM) or does not run: the facts are
 * probed from the system, the explanation is a pure function of them so it
 * can be tested for every combination.
 */
#ifndef ZONE_RT_H
#define ZONE_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct zone_rt_facts {
	bool cap_sys_nice;		/* the daemon's effective capabilities */
	long rlimit_rtprio;		/* the target's RLIMIT_RTPRIO (the kernel checks
					 * the target's), -1 unknown, LONG_MAX unlimited */
	bool same_owner;		/* daemon euid is the target's uid or euid */
	bool caps_subset;		/* the target's permitted capabilities are all
					 * in the daemon's (else CAP_SYS_NICE is needed) */
	long cgroup_rt_runtime_us;	/* cgroup v1 cpu.rt_runtime_us of the target, -1 n/a */
	char cgroup[256];		/* the target's cpu cgroup path */
	bool has_global;
	long global_rt_runtime_us;	/* kernel.sched_rt_runtime_us (-1: no limit) */
};

/* Reads the facts for target process or thread `pid' (0: this process). */
void zone_rt_probe(pid_t pid, struct zone_rt_facts *f);

/*
 * Everything in `f' that blocks real-time priority `prio' (0: only what
 * blocks any scheduling change, e.g. of the CPU affinity), joined with "; ".
 * Returns the number of blockers found (0: "cause unknown" text).
 */
int zone_rt_explain(const struct zone_rt_facts *f, int prio, char *buf, size_t len);

/* Blockers that let sched_setattr succeed but starve the thread (0 if none). */
int zone_rt_warning(const struct zone_rt_facts *f, char *buf, size_t len);

#endif /* ZONE_RT_H */
