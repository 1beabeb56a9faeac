// SPDX-License-Identifier: MIT
/*
 * snd-micro: host-side micro-benchmark of vhost-user-sound, without a VM.
 * One run, one line of key=value results on stdout; tests/bench/snd-bench
 * repeats runs, takes medians and prints the table.
 *
 *   snd-micro backend [OPTIONS] -- COMMAND...
 *     creates a listening UNIX socket, starts COMMAND (the backend, maybe
 *     under valgrind) with that socket as fd 3 (so: "... --fd 3 ..."), and
 *     drives it as a virtio-sound driver would (snd_front.c): one playback
 *     stream, 48 kHz stereo S16, 10 ms periods; then pushes
 *     warmup + messages tx periods, `depth' in flight, and reports the
 *     measured part: wall time, requests/s, the backend's CPU time (all its
 *     threads, /proc/PID/task/TID/schedstat) and, with --intervals, the
 *     intervals between completions as the driver sees them. Then STOP,
 *     RELEASE, SIGTERM; the backend must exit 0.
 *   snd-micro pingpong [OPTIONS] [-- PREFIX...]
 *     the floor: an eventfd round trip to a child process (this program,
 *     run as "pong", under PREFIX if given), waited for the same way
 *     (poll, then read), with its CPU time.
 *
 * Options: --messages N (measured requests or round trips, default 20000),
 * --warmup N (before measuring, default 100), --depth N (tx requests in
 * flight, default 1), --period-bytes N (default 1920), --intervals,
 * --timeout-ms N (bound on each wait and on the child's exit, default
 * 5000), --rt-priority N (this process, the driver, runs SCHED_FIFO N; the
 * children are set back to SCHED_OTHER: the backend has its own option).
 * Exit 0 only when every request completed with status OK and the child
 * exited 0; otherwise a reason on stderr and exit 1 (2: usage).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_snd.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snd_front.h"
#include "vhost_user.h"
#include "vhost_user_backend.h"

struct opts {
	unsigned long messages, warmup;
	unsigned int depth, period_bytes;
	int timeout_ms;
	int intervals;
	int rt_priority;	/* this process's SCHED_FIFO priority, 0: none */
	char **cmd;		/* after "--" */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What the child's threads used so far: CPU time (schedstat's run time)
 * and context switches (voluntary and not: each sleep and wake-up). */
struct usage {
	uint64_t cpu_ns, switches;
};

static void add_task(pid_t pid, const char *tid, struct usage *u)
{
	char f[96], line[128];
	unsigned long long v;
	FILE *fp;

	snprintf(f, sizeof(f), "/proc/%d/task/%.32s/schedstat", (int)pid, tid);
	fp = fopen(f, "r");
	if (!fp)
		return;		/* the thread just ended */
	if (fscanf(fp, "%llu", &v) == 1)
		u->cpu_ns += v;
	fclose(fp);
	snprintf(f, sizeof(f), "/proc/%d/task/%.32s/status", (int)pid, tid);
	fp = fopen(f, "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			u->switches += v;
	fclose(fp);
}

static struct usage usage_of(pid_t pid)
{
	struct usage u = { 0, 0 };
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return u;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		add_task(pid, de->d_name, &u);
	}
	closedir(d);
	return u;
}

/* The common part of a result line. */
static void print_usage(unsigned long messages, uint64_t wall, struct usage u0, struct usage u1)
{
	printf("messages=%lu wall_ns=%llu rps=%.1f cpu_ns=%llu cpu_ns_per_msg=%.0f"
	       " switches_per_msg=%.2f",
	       messages, (unsigned long long)wall,
	       messages && wall ? messages * 1e9 / (double)wall : 0.0,
	       (unsigned long long)(u1.cpu_ns - u0.cpu_ns),
	       messages ? (double)(u1.cpu_ns - u0.cpu_ns) / (double)messages : 0.0,
	       messages ? (double)(u1.switches - u0.switches) / (double)messages : 0.0);
}

/* Bounded wait for the child's exit; 0 only for exit status 0. */
static int reap_child(pid_t pid, int timeout_ms, const char *what)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "snd-micro: waitpid %s: %s\n", what, strerror(errno));
			return -1;
		}
		if (now_ns() > end) {
			fprintf(stderr, "snd-micro: %s did not exit within %d ms; killed\n", what,
				timeout_ms);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(5000);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		fprintf(stderr, "snd-micro: %s exited with %d\n", what, WEXITSTATUS(st));
	else
		fprintf(stderr, "snd-micro: %s killed by signal %d\n", what, WTERMSIG(st));
	return -1;
}

/* fork + exec argv with `fd' as descriptor 3 (and `fd2' as 4 if >= 0). */
static pid_t spawn(char **argv, int fd, int fd2)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	{
		struct sched_param sp = { .sched_priority = 0 };

		sched_setscheduler(0, SCHED_OTHER, &sp);
	}
	/* Out of the way first: dup2 onto itself would keep FD_CLOEXEC, and
	 * fd2 may be 3. */
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (fd < 0 || (fd2 >= 0 && (fd2 = fcntl(fd2, F_DUPFD_CLOEXEC, 10)) < 0) ||
	    dup2(fd, 3) < 0 || (fd2 >= 0 && dup2(fd2, 4) < 0))
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "snd-micro: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Intervals between successive completion times t[0..n). */
static void print_intervals(uint64_t *t, unsigned long n, uint64_t period_ns)
{
	uint64_t sum = 0;
	unsigned long k = n - 1;

	if (n < 2)
		return;
	for (unsigned long i = 0; i < k; i++) {
		t[i] = t[i + 1] - t[i];
		sum += t[i];
	}
	qsort(t, k, sizeof(*t), cmp_u64);
	printf(" period_ns=%llu intervals=%lu int_mean_ns=%llu int_min_ns=%llu int_p50_ns=%llu"
	       " int_p99_ns=%llu int_max_ns=%llu",
	       (unsigned long long)period_ns, k, (unsigned long long)(sum / k),
	       (unsigned long long)t[0], (unsigned long long)t[k / 2],
	       (unsigned long long)t[(k * 99 + 99) / 100 - 1], (unsigned long long)t[k - 1]);
}

/* The tx traffic of one run; 0 or -1. */
static int push_periods(struct sf *sf, const struct opts *o, pid_t pid)
{
	unsigned long total = o->warmup + o->messages, submitted = 0, done = 0;
	uint64_t t0 = 0, t1, *times = NULL;
	struct usage u0 = { 0, 0 }, u1;
	/* 4-byte frames at 48 kHz (run_backend's parameters) */
	const uint64_t period_ns = (uint64_t)o->period_bytes / 4 * 1000000000ull / 48000;

	if (o->intervals && o->messages < 2) {
		fprintf(stderr, "snd-micro: --intervals needs --messages 2 or more\n");
		return -1;
	}
	if (o->intervals && !(times = calloc(o->messages, sizeof(*times)))) {
		fprintf(stderr, "snd-micro: out of memory\n");
		return -1;
	}
	if (!o->warmup) {
		t0 = now_ns();
		u0 = usage_of(pid);
	}
	while (done < total) {
		int n;

		while (submitted < total && submitted - done < o->depth) {
			if (sf_tx_submit(sf))
				goto fail;
			submitted++;
		}
		n = sf_tx_wait(sf);
		if (n < 0)
			goto fail;
		t1 = now_ns();
		for (int i = 0; i < n; i++, done++) {
			if (times && done >= o->warmup)
				times[done - o->warmup] = t1;
			if (done + 1 == o->warmup) {
				t0 = t1;
				u0 = usage_of(pid);
			}
		}
	}
	t1 = now_ns();
	u1 = usage_of(pid);
	print_usage(o->messages, t1 - t0, u0, u1);
	printf(" depth=%u period_bytes=%u", o->depth, o->period_bytes);
	if (times)
		print_intervals(times, o->messages, period_ns);
	printf("\n");
	free(times);
	return 0;
fail:
	fprintf(stderr, "snd-micro: %s (after %lu of %lu completions)\n", sf->err, done, total);
	free(times);
	return -1;
}

static int run_backend(const struct opts *o)
{
	const struct sf_params p = { .period_bytes = o->period_bytes, .periods = 4,
				     .channels = 2, .vformat = VIRTIO_SND_PCM_FMT_S16,
				     .vrate = VIRTIO_SND_PCM_RATE_48000 };
	char dir[] = "/tmp/snd-micro.XXXXXX", path[64];
	/* every fd -1: sf_close is safe before sf_open */
	struct sf sf = { .sock = -1, .memfd = -1, .ctl = { .kick = -1, .call = -1 },
			 .tx = { .kick = -1, .call = -1 } };
	int lfd, sock, rc = -1;
	pid_t pid;

	if (!mkdtemp(dir)) {
		perror("snd-micro: mkdtemp");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/s", dir);
	lfd = vhu_listen_unix(path);
	if (lfd < 0) {
		fprintf(stderr, "snd-micro: listening on %s: %s\n", path, strerror(-lfd));
		rmdir(dir);
		return -1;
	}
	pid = spawn(o->cmd, lfd, -1);
	close(lfd);
	if (pid < 0) {
		perror("snd-micro: fork");
		goto out;
	}
	/* The socket listens already: connecting never races the backend. */
	sock = vhu_connect(path);
	if (sock < 0) {
		fprintf(stderr, "snd-micro: connect: %s\n", strerror(-sock));
	} else if (sf_open(&sf, sock, o->timeout_ms) || sf_start_stream(&sf, &p)) {
		fprintf(stderr, "snd-micro: setting up: %s\n", sf.err);
	} else if (!push_periods(&sf, o, pid)) {
		if (sf_stop_stream(&sf))
			fprintf(stderr, "snd-micro: stopping: %s\n", sf.err);
		else
			rc = 0;
	}
	sf_close(&sf);
	kill(pid, SIGTERM);
	if (reap_child(pid, o->timeout_ms, "the backend"))
		rc = -1;
out:
	unlink(path);
	rmdir(dir);
	return rc;
}

/* One eventfd round trip: wait for `in' (bounded), poll then read as
 * snd_front.c waits for a call. */
static int wait_efd(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	return read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : -1;
}

static int signal_efd(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : -1;
}

/* The child of "pingpong": fd 3 in, fd 4 out, count round trips. */
static int run_pong(unsigned long count, int timeout_ms)
{
	for (unsigned long i = 0; i < count; i++)
		if (wait_efd(3, timeout_ms) || signal_efd(4)) {
			fprintf(stderr, "snd-micro pong: round trip %lu failed\n", i);
			return -1;
		}
	return 0;
}

static int run_pingpong(const struct opts *o)
{
	unsigned long total = o->warmup + o->messages;
	int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	char self[PATH_MAX], count[32], tmo[32];
	char *argv[64];
	size_t n = 0;
	uint64_t t0 = 0, t1;
	struct usage u0 = { 0, 0 }, u1;
	int rc = 0;
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	if (ping < 0 || pong < 0 || len <= 0) {
		perror("snd-micro: eventfd/readlink");
		return -1;
	}
	self[len] = '\0';
	snprintf(count, sizeof(count), "%lu", total);
	snprintf(tmo, sizeof(tmo), "%d", o->timeout_ms);
	for (char **c = o->cmd; c && *c && n < 58; c++)
		argv[n++] = *c;
	argv[n++] = self;
	argv[n++] = (char *)"pong";
	argv[n++] = count;
	argv[n++] = tmo;
	argv[n] = NULL;
	pid = spawn(argv, ping, pong);
	if (pid < 0) {
		perror("snd-micro: fork");
		close(ping);
		close(pong);
		return -1;
	}
	if (!o->warmup) {
		t0 = now_ns();
		u0 = usage_of(pid);
	}
	for (unsigned long i = 0; i < total; i++) {
		if (signal_efd(ping) || wait_efd(pong, o->timeout_ms)) {
			fprintf(stderr, "snd-micro: round trip %lu of %lu failed\n", i, total);
			rc = -1;
			break;
		}
		if (i + 1 == o->warmup) {
			t0 = now_ns();
			u0 = usage_of(pid);
		}
	}
	t1 = now_ns();
	u1 = usage_of(pid);
	if (!rc) {
		print_usage(o->messages, t1 - t0, u0, u1);
		printf("\n");
	}
	if (rc)
		kill(pid, SIGKILL);
	if (reap_child(pid, o->timeout_ms, "the pong process"))
		rc = -1;
	close(ping);
	close(pong);
	return rc;
}

static int num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s ? s : "", &end, 10);
	return !s || !*s || *end || errno || *v > max ? -1 : 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	unsigned long v;

	*o = (struct opts){ .messages = 20000, .warmup = 100, .depth = 1,
			    .period_bytes = 1920, .timeout_ms = 5000 };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			o->cmd = argv + i + 1;
			break;
		}
		if (!strcmp(a, "--intervals")) {
			o->intervals = 1;
			continue;
		}
		if (i + 1 >= argc || num(argv[i + 1], 100000000, &v))
			return -1;
		i++;
		if (!strcmp(a, "--messages"))
			o->messages = v;
		else if (!strcmp(a, "--warmup"))
			o->warmup = v;
		else if (!strcmp(a, "--depth") && v >= 1 && v <= SF_MAX_DEPTH)
			o->depth = (unsigned int)v;
		else if (!strcmp(a, "--period-bytes") && v >= 4 && v <= SF_MAX_PERIOD && !(v % 4))
			o->period_bytes = (unsigned int)v;
		else if (!strcmp(a, "--timeout-ms") && v >= 1 && v <= 3600000)
			o->timeout_ms = (int)v;
		else if (!strcmp(a, "--rt-priority") && v <= 99)
			o->rt_priority = (int)v;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	unsigned long count, tmo;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "pong") && !num(argv[2], ULONG_MAX, &count) &&
	    !num(argv[3], 3600000, &tmo))
		return run_pong(count, (int)tmo) ? 1 : 0;
	if (argc < 2 || parse(argc, argv, &o)) {
		fprintf(stderr, "usage: snd-micro backend [--messages N] [--warmup N] [--depth N]\n"
				"         [--period-bytes N] [--intervals] [--timeout-ms N]"
				" [--rt-priority N] -- COMMAND...\n"
				"       snd-micro pingpong [--messages N] [--warmup N] [--timeout-ms N]"
				" [--rt-priority N] [-- PREFIX...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.rt_priority) {
		struct sched_param sp = { .sched_priority = o.rt_priority };

		/* Refused is an error: the caller asked for a driver that
		 * cannot be starved, and would misread the intervals. */
		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			fprintf(stderr, "snd-micro: SCHED_FIFO %d: %s\n", o.rt_priority,
				strerror(errno));
			return 1;
		}
	}
	if (!strcmp(argv[1], "backend") && o.cmd && o.cmd[0])
		return run_backend(&o) ? 1 : 0;
	if (!strcmp(argv[1], "pingpong"))
		return run_pingpong(&o) ? 1 : 0;
	fprintf(stderr, "snd-micro: unknown mode or missing -- COMMAND (see the source's head)\n");
	return 2;
}
