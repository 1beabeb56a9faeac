// SPDX-License-Identifier: MIT
/*
 * The apply logic on the threads of this test process: CPU affinity and
 * SCHED_OTHER nice (allowed unprivileged), SCHED_FIFO where this host
 * allows it, and the explanation of a refused SCHED_FIFO (RLIMIT_RTPRIO
 * lowered and root dropped in a child).
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "zone_apply.h"
#include "zone_rt.h"

static int stop_pipe[2];
static pthread_t threads[3];
static size_t n_threads;

static void *idle_thread(void *arg)
{
	char c;

	(void)arg;
	while (read(stop_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void start_thread(void)
{
	assert_true(n_threads < 3);
	assert_int_equal(pthread_create(&threads[n_threads++], NULL, idle_thread, NULL), 0);
}

/* Calls fn(tid) for every thread of this process; returns how many. */
static int for_each_tid(void (*fn)(pid_t tid, void *arg), void *arg)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fn((pid_t)atoi(de->d_name), arg);
		n++;
	}
	closedir(d);
	return n;
}

static void check_at(pid_t tid, void *arg)
{
	const struct zone_sched_target *t = arg;
	struct zone_thread_state st;

	assert_int_equal(zone_thread_read(tid, &st), 0);
	if (!zone_thread_matches(t, &st))
		fail_msg("thread %d is not at the settings", (int)tid);
}

static int first_cpu(void)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static void test_affinity_and_nice(void **state)
{
	struct zone_sched_target t = { .has_cpus = true, .policy = ZONE_POLICY_OTHER };
	struct zone_run r = { 0 };
	cpu_set_t all, got;
	int cpu = first_cpu(), nice_now;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	errno = 0;
	nice_now = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	/* Raising nice is allowed to everyone; stay below 19 for the next step. */
	t.nice = nice_now < 17 ? nice_now + 1 : 18;
	CPU_ZERO(&t.cpus);
	CPU_SET(cpu, &t.cpus);

	start_thread();
	start_thread();
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	assert_int_equal(r.n_threads, 3);
	assert_int_equal(r.n_ok, 3);
	assert_string_equal(r.error, "");
	assert_int_equal(for_each_tid(check_at, &t), 3);

	/* A thread started later gets the settings on the next scan. */
	start_thread();
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	assert_int_equal(r.n_threads, 4);
	assert_int_equal(for_each_tid(check_at, &t), 4);

	/* Threads done for this generation are left alone ... */
	assert_int_equal(sched_setaffinity(r.threads[0].tid, sizeof(all), &all), 0);
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	assert_int_equal(sched_getaffinity(r.threads[0].tid, sizeof(got), &got), 0);
	assert_true(CPU_EQUAL(&got, &all));
	/* ... until the settings change. */
	t.nice++;
	zone_run_invalidate(&r);
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	assert_int_equal(for_each_tid(check_at, &t), 4);

	/* Back to every CPU, for the other tests. */
	t.cpus = all;
	zone_run_invalidate(&r);
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	zone_run_free(&r);
}

static void test_fifo(void **state)
{
	struct zone_sched_target t = { .policy = ZONE_POLICY_FIFO, .priority = 10 };
	struct zone_sched_target other = { .policy = ZONE_POLICY_OTHER };
	struct zone_run r = { 0 };
	int bad;

	(void)state;
	other.nice = getpriority(PRIO_PROCESS, 0);
	bad = zone_run_apply(&r, getpid(), &t, false);
	if (bad) {
		/* Not allowed here: the reason must say so. */
		assert_non_null(strstr(r.error, "real-time blocked: "));
		print_message("SCHED_FIFO not allowed on this host: %s\n", r.error);
		zone_run_free(&r);
		skip();
	}
	assert_int_equal(r.n_ok, r.n_threads);
	assert_int_equal(for_each_tid(check_at, &t), (int)r.n_threads);
	/* And back to SCHED_OTHER (always allowed for our own threads). */
	zone_run_invalidate(&r);
	assert_int_equal(zone_run_apply(&r, getpid(), &other, false), 0);
	assert_int_equal(for_each_tid(check_at, &other), (int)r.n_threads);
	zone_run_free(&r);
}

/*
 * In a child without CAP_SYS_NICE (root drops to nobody) and with
 * RLIMIT_RTPRIO 0, SCHED_FIFO is refused and the zone says why.
 */
static void test_fifo_blocked_by_rlimit(void **state)
{
	int pipefd[2], status;
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct zone_sched_target t = { .policy = ZONE_POLICY_FIFO, .priority = 10 };
		struct rlimit rl = { 0, 0 };
		struct zone_run r = { 0 };
		int ok;

		close(pipefd[0]);
		if (setrlimit(RLIMIT_RTPRIO, &rl) < 0)
			_exit(2);
		if (getuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
				      setuid(65534) < 0))
			_exit(3);
		ok = zone_run_apply(&r, getpid(), &t, false) == 1;
		if (write(pipefd[1], r.error, strlen(r.error)) < 0)
			_exit(4);
		_exit(ok ? 0 : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	msg[n > 0 ? n : 0] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("child status %d, error \"%s\"", WEXITSTATUS(status), msg);
	assert_non_null(strstr(msg, "real-time blocked: no CAP_SYS_NICE and RLIMIT_RTPRIO is 0 "
			       "(< 10)"));
}

static void test_explain(void **state)
{
	struct zone_rt_facts f = {
		.cap_sys_nice = true, .rlimit_rtprio = 0, .same_owner = true, .caps_subset = true,
		.cgroup_rt_runtime_us = -1, .has_global = true, .global_rt_runtime_us = 950000,
	};
	char buf[300];

	(void)state;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "refused (EPERM) for an unknown reason");

	f.cap_sys_nice = false;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "no CAP_SYS_NICE and RLIMIT_RTPRIO is 0 (< 50)");
	f.rlimit_rtprio = 95;
	f.same_owner = false;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "no CAP_SYS_NICE and the backend runs as another user");
	f.same_owner = true;
	f.caps_subset = false;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "no CAP_SYS_NICE and the backend has capabilities the daemon "
			    "lacks");
	f.caps_subset = true;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "no CAP_SYS_NICE");
	/* Not real-time (affinity): RLIMIT_RTPRIO does not matter. */
	f.rlimit_rtprio = 0;
	assert_int_equal(zone_rt_explain(&f, 0, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "no CAP_SYS_NICE");
	f.rlimit_rtprio = 95;

	f.cap_sys_nice = true;
	f.cgroup_rt_runtime_us = 0;
	snprintf(f.cgroup, sizeof(f.cgroup), "/system.slice/x.service");
	f.global_rt_runtime_us = 0;
	assert_int_equal(zone_rt_explain(&f, 50, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "RT group scheduling: cgroup /system.slice/x.service has "
			    "cpu.rt_runtime_us = 0; kernel.sched_rt_runtime_us is 0");
	assert_int_equal(zone_rt_warning(&f, buf, sizeof(buf)), 1);
	f.global_rt_runtime_us = -1;	/* no limit */
	assert_int_equal(zone_rt_warning(&f, buf, sizeof(buf)), 0);
	/* Tiny buffers stay terminated. */
	f.cap_sys_nice = false;
	f.rlimit_rtprio = 0;
	assert_true(zone_rt_explain(&f, 50, buf, 8) > 0);
	assert_true(strlen(buf) < 8);
}

/* The probe reads this process's facts without failing. */
static void test_probe_self(void **state)
{
	struct zone_rt_facts f;
	struct rlimit rl;

	(void)state;
	zone_rt_probe(0, &f);
	assert_int_equal(getrlimit(RLIMIT_RTPRIO, &rl), 0);
	assert_int_equal(f.rlimit_rtprio, rl.rlim_cur == RLIM_INFINITY ? LONG_MAX :
			 (long)rl.rlim_cur);
	assert_true(f.same_owner);
	assert_true(f.has_global);
}

/*
 * CPUs the kernel drops from the mask (here one that does not exist; in a
 * zone, CPUs its cgroup's cpuset lacks until systemd catches up) read back
 * different: the error says which CPUs the thread is on, not a bare errno.
 */
static void test_cpus_read_back_different(void **state)
{
	struct zone_sched_target t = { .has_cpus = true, .policy = ZONE_POLICY_OTHER };
	struct zone_run r = { 0 };
	int cpu = first_cpu(), nice_now, rc;
	char want[160];
	cpu_set_t all;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	if (sysconf(_SC_NPROCESSORS_CONF) >= CPU_SETSIZE)
		skip();
	errno = 0;
	nice_now = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	t.nice = nice_now;
	CPU_ZERO(&t.cpus);
	CPU_SET(cpu, &t.cpus);
	CPU_SET(CPU_SETSIZE - 1, &t.cpus);
	/* Returns how many threads are not at the settings: all of them. */
	rc = zone_run_apply(&r, getpid(), &t, false);
	assert_int_equal(rc, (int)r.n_threads);
	assert_int_equal(r.n_ok, 0);
	snprintf(want, sizeof(want), "CPUs %d, not %d,%d (cpuset of its cgroup?)", cpu, cpu,
		 CPU_SETSIZE - 1);
	if (!strstr(r.error, want))
		fail_msg("error \"%s\" lacks \"%s\"", r.error, want);
	/* Still wrong on the retry, and still explained. */
	rc = zone_run_apply(&r, getpid(), &t, true);
	assert_int_equal(rc, (int)r.n_threads);
	assert_non_null(strstr(r.error, want));

	/* Back to every CPU, for the other tests. */
	t.cpus = all;
	zone_run_invalidate(&r);
	assert_int_equal(zone_run_apply(&r, getpid(), &t, false), 0);
	zone_run_free(&r);
}

/* A pid whose task list is gone is reported, not crashed on. */
static void test_gone(void **state)
{
	struct zone_sched_target t = { .policy = ZONE_POLICY_OTHER };
	struct zone_run r = { 0 };

	(void)state;
	assert_int_equal(zone_run_apply(&r, 999999999, &t, false), -ENOENT);
	zone_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_affinity_and_nice),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_fifo_blocked_by_rlimit),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_cpus_read_back_different),
		cmocka_unit_test(test_probe_self),
		cmocka_unit_test(test_gone),
	};
	int rc;

	if (pipe(stop_pipe) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	close(stop_pipe[1]);	/* the threads' reads end */
	for (size_t i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	return rc;
}
