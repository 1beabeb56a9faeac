/* SPDX-License-Identifier: MIT */
/*
 * Keeps every thread of one backend process at its zone's settings: scans
 * /proc/PID/task, applies the settings to threads it has not handled for
 * the current settings (new threads, or all of them after a change), reads
 * each back to confirm, and records the result per thread.
 */
#ifndef ZONE_APPLY_H
#define ZONE_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "zone_sched.h"

struct zone_thread {
	pid_t tid;
	unsigned int gen;		/* settings generation last applied */
	int err;			/* 0 or the negative errno */
	bool seen;			/* in the last scan */
	struct zone_thread_state st;	/* read back after applying */
};

struct zone_run {
	pid_t pid;			/* the backend process, 0 none */
	unsigned int gen;		/* bumped on every change of settings */
	struct zone_thread *threads;
	size_t n_threads, cap;
	size_t n_ok;			/* threads confirmed at the settings */
	char error[384];		/* "" or why some thread is not at them */
	char warning[160];		/* applied, but e.g. RT is throttled to 0 */
};

/* Settings changed: every thread gets them again on the next apply. */
void zone_run_invalidate(struct zone_run *r);

/*
 * Brings the threads of `pid' to `t'. A new pid forgets the old threads.
 * Threads already handled for this generation are skipped, except failed
 * ones when `retry_failed'. Returns the number of threads not at the
 * settings (their reason in r->error), or a negative errno when the task
 * list cannot be read (the process is gone).
 */
int zone_run_apply(struct zone_run *r, pid_t pid, const struct zone_sched_target *t,
		   bool retry_failed);

/* The process went away or has no backend: forget its threads. */
void zone_run_reset(struct zone_run *r);

void zone_run_free(struct zone_run *r);

#endif /* ZONE_APPLY_H */
