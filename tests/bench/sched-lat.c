// SPDX-License-Identifier: MIT
/*
 * sched-lat: how late a SCHED_FIFO thread wakes up from a timed sleep. Run
 * in the VM bench by tests/bench/guest/snd-vm-bench.sh (part isolation)
 * beside the two zones, above their priorities.
 *
 * Why: a zone's backend runs SCHED_FIFO, so in the guest nothing but a
 * higher priority or the kernel itself can keep it from its CPU. When the
 * backend's ALSA end still runs dry, either the backend is at fault or the
 * whole guest stood still: under TCG a vCPU is a host thread, and the host
 * may not run it. A FIFO thread above the zones that wakes every few
 * milliseconds tells the two apart: it cannot be late by more than the
 * kernel's own latency unless the vCPU itself stopped.
 *
 * The thread sleeps --period-us with clock_nanosleep (CLOCK_MONOTONIC,
 * absolute) and measures the lateness of each wake-up; the next deadline
 * is a period after the wake-up, so a long stall counts once.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_opts.h"

struct opts {
	unsigned int secs, period_us, priority, late_ms;
};

static void usage(FILE *f)
{
	fputs("Usage: sched-lat [OPTIONS]\n"
	      "Sleep in a SCHED_FIFO thread, wake up every period, and print how late\n"
	      "the wake-ups came.\n"
	      "\n"
	      "  --secs S         how long (default 10)\n"
	      "  --period-us N    the sleep (default 5000)\n"
	      "  --priority P     SCHED_FIFO priority 1..99 (default 90)\n"
	      "  --late-ms N      count the wake-ups later than N ms (default 10)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Output: one line, \"wakeups N p99_ms X max_ms Y late_ms L late K\" (K:\n"
	      "wake-ups later than L ms), and before it one line per such wake-up,\n"
	      "\"late_at_s T ms M\" (T: seconds from the start).\n"
	      "Exit status: 0 done, 1 SCHED_FIFO refused, 2 bad usage.\n",
	      f);
}

static int parse(int argc, char **argv, struct opts *o)
{
	const struct bench_opt opts[] = {
		{ "secs", &o->secs },
		{ "period-us", &o->period_us },
		{ "priority", &o->priority },
		{ "late-ms", &o->late_ms },
		{ NULL, NULL },
	};

	*o = (struct opts){ 10, 5000, 90, 10 };
	if (bench_parse_opts(argc, argv, opts, usage))
		return -1;
	if (argc != optind || o->priority > 99)
		return -1;
	return 0;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/* Lateness histogram in 100 us steps up to 1 s (the last bucket: beyond). */
#define BUCKET_NS 100000ull
#define BUCKETS 10001

int main(int argc, char **argv)
{
	struct sched_param sp;
	struct opts o;
	uint64_t *hist, t0, next, end, max = 0, n = 0, late = 0, want, seen = 0;
	uint64_t p99 = 0;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	sp.sched_priority = (int)o.priority;
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		fprintf(stderr, "sched-lat: SCHED_FIFO %u: %s\n", o.priority, strerror(errno));
		return 1;
	}
	hist = calloc(BUCKETS, sizeof(*hist));
	if (!hist) {
		fprintf(stderr, "sched-lat: out of memory\n");
		return 1;
	}
	t0 = now_ns();
	end = t0 + (uint64_t)o.secs * 1000000000ull;
	next = t0 + (uint64_t)o.period_us * 1000ull;
	while (next < end) {
		struct timespec ts = { .tv_sec = (time_t)(next / 1000000000ull),
				       .tv_nsec = (long)(next % 1000000000ull) };
		uint64_t t, d;

		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			continue;
		t = now_ns();
		d = t > next ? t - next : 0;
		hist[d / BUCKET_NS < BUCKETS - 1 ? d / BUCKET_NS : BUCKETS - 1]++;
		n++;
		if (d > max)
			max = d;
		if (d > (uint64_t)o.late_ms * 1000000ull) {
			late++;
			printf("late_at_s %.3f ms %.3f\n", (double)(next - t0) / 1e9, (double)d / 1e6);
		}
		next = t + (uint64_t)o.period_us * 1000ull;
	}
	want = n - n / 100;	/* the p99 is the bucket holding the want-th wake-up */
	for (uint64_t b = 0; b < BUCKETS && n; b++) {
		seen += hist[b];
		if (seen >= want) {
			p99 = (b + 1) * BUCKET_NS < max ? (b + 1) * BUCKET_NS : max;
			break;
		}
	}
	printf("wakeups %llu p99_ms %.1f max_ms %.3f late_ms %u late %llu\n", (unsigned long long)n,
	       (double)p99 / 1e6, (double)max / 1e6, o.late_ms, (unsigned long long)late);
	free(hist);
	return 0;
}
