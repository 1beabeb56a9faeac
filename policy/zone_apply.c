// SPDX-License-Identifier: MIT
#include "zone_apply.h"
#include "zone_cpulist.h"
#include "zone_rt.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zone_run_invalidate(struct zone_run *r)
{
	r->gen++;
}

void zone_run_reset(struct zone_run *r)
{
	r->pid = 0;
	r->n_threads = 0;
	r->n_ok = 0;
}

void zone_run_free(struct zone_run *r)
{
	free(r->threads);
	memset(r, 0, sizeof(*r));
}

static struct zone_thread *thread_get(struct zone_run *r, pid_t tid)
{
	for (size_t i = 0; i < r->n_threads; i++)
		if (r->threads[i].tid == tid)
			return &r->threads[i];
	if (r->n_threads == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct zone_thread *n = realloc(r->threads, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->threads = n;
		r->cap = cap;
	}
	r->threads[r->n_threads] = (struct zone_thread){ .tid = tid, .gen = r->gen - 1 };
	return &r->threads[r->n_threads++];
}

/* Why thread `th' is not at `t' after applying (err from the call or not). */
static void explain(struct zone_run *r, const struct zone_thread *th,
		    const struct zone_sched_target *t, const char *failed)
{
	char want[128], got[128];

	if (th->err == -EPERM && failed && !strcmp(failed, "sched_setattr") &&
	    zone_policy_is_rt(t->policy)) {
		struct zone_rt_facts f;
		char why[300];

		zone_rt_probe(th->tid, &f);
		zone_rt_explain(&f, t->priority, why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "real-time blocked: %s", why);
	} else if (th->err == -EPERM && failed) {
		struct zone_rt_facts f;
		char why[300];

		zone_rt_probe(th->tid, &f);
		zone_rt_explain(&f, 0, why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "thread %d: %s not permitted: %s",
			 (int)th->tid, failed, why);
	} else if (th->err) {
		snprintf(r->error, sizeof(r->error), "thread %d: %s: %s", (int)th->tid,
			 failed ? failed : "read back", strerror(-th->err));
	} else if (t->has_cpus && !CPU_EQUAL(&t->cpus, &th->st.cpus)) {
		zone_cpulist_format(&t->cpus, want, sizeof(want));
		zone_cpulist_format(&th->st.cpus, got, sizeof(got));
		snprintf(r->error, sizeof(r->error), "thread %d: CPUs %s, not %s (cpuset of "
			 "its cgroup?)", (int)th->tid, got, want);
	} else {
		zone_sched_describe(t->policy, t->priority, t->nice, want, sizeof(want));
		zone_sched_describe(th->st.policy, th->st.priority, th->st.nice, got, sizeof(got));
		snprintf(r->error, sizeof(r->error), "thread %d: scheduling %s, not %s",
			 (int)th->tid, got, want);
	}
}

/* Applies to one thread and reads it back; returns whether it matches. */
static bool apply_one(struct zone_run *r, struct zone_thread *th,
		      const struct zone_sched_target *t)
{
	const char *failed = NULL;

	th->gen = r->gen;
	th->err = zone_thread_apply(th->tid, t, &failed);
	if (th->err == -ESRCH)
		return true;	/* exited meanwhile: the next scan drops it */
	if (!th->err)
		th->err = zone_thread_read(th->tid, &th->st);
	if (th->err == -ESRCH)
		return true;
	if (!th->err && zone_thread_matches(t, &th->st))
		return true;
	explain(r, th, t, failed);	/* before err is set: a mismatch says what differs */
	if (!th->err)
		th->err = -EAGAIN;	/* applied but reads back different: retried */
	return false;
}

int zone_run_apply(struct zone_run *r, pid_t pid, const struct zone_sched_target *t,
		   bool retry_failed)
{
	char path[64];
	struct dirent *de;
	int bad = 0, applied = 0;
	DIR *d;

	if (pid != r->pid) {
		zone_run_reset(r);
		r->pid = pid;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	for (size_t i = 0; i < r->n_threads; i++)
		r->threads[i].seen = false;
	while ((de = readdir(d))) {
		struct zone_thread *th;
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue;
		th = thread_get(r, (pid_t)tid);
		if (!th) {
			bad++;
			snprintf(r->error, sizeof(r->error), "out of memory");
			continue;
		}
		th->seen = true;
		if (th->gen == r->gen && !(th->err && retry_failed)) {
			bad += th->err != 0;
			continue;
		}
		applied++;
		bad += !apply_one(r, th, t);
	}
	closedir(d);

	/* Drop exited threads, count the good ones. */
	size_t n = 0;

	r->n_ok = 0;
	for (size_t i = 0; i < r->n_threads; i++) {
		if (!r->threads[i].seen)
			continue;
		r->threads[n++] = r->threads[i];
		r->n_ok += r->threads[n - 1].err == 0;
	}
	r->n_threads = n;
	/* A failure's reason stays until no thread fails any more. */
	if (!bad)
		r->error[0] = '\0';
	else if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%d thread(s) not at the settings", bad);
	if (!applied)
		return bad;
	r->warning[0] = '\0';
	if (zone_policy_is_rt(t->policy) && r->n_ok) {
		struct zone_rt_facts f;

		zone_rt_probe(pid, &f);
		zone_rt_warning(&f, r->warning, sizeof(r->warning));
	}
	return bad;
}
