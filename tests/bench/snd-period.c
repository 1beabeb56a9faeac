// SPDX-License-Identifier: MIT
/*
 * snd-period: the completion timing of a playback PCM as an application
 * sees it. Run in the VM bench by tests/bench/guest/snd-vm-bench.sh (part
 * "timing") on a virtio card and, as the reference, on snd-aloop.
 *
 * The program writes one period of silence whenever one is free and sleeps
 * in poll() in between, which wakes it where a blocking snd_pcm_writei loop
 * would wake (period elapsed), without the kernel's write timeout (1.1
 * buffer times) that fails a blocking write in a guest that stood still.
 * At every wake-up snd_pcm_status gives the time (htstamp, CLOCK_MONOTONIC,
 * taken when the position was read) and the position (frames written minus
 * frames still queued). A virtio card moves its position only when the
 * device completes a tx request, so each wake-up at which the position
 * moved marks a completion (or several, when the guest was late): the
 * intervals between them are the completion intervals an application
 * lives with, scheduling of this program included. snd-aloop moves its
 * position on jiffies, so its row shows the guest's own timer and
 * scheduling noise (and, for a period that is not a whole number of ticks,
 * the tick quantization).
 *
 * Statistics over the wake-ups after --settle-ms: mean interval per period
 * (time over periods completed: is the pace right), p99 and max of the
 * intervals between wake-ups, and how many wake-ups saw more than one
 * period completed (late wake-ups or bunched completions). An underrun
 * fails the run: the timing around it would mean nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_opts.h"
#include "bench_pcm.h"

#define MAX_FDS 4

struct opts {
	unsigned int period_ms, periods, secs, settle_ms;
	const char *pcm;
};

static void usage(FILE *f)
{
	fputs("Usage: snd-period [OPTIONS] PCM\n"
	      "Play silence on the playback PCM, one period per wake-up, and print the\n"
	      "intervals between the wake-ups at which the device position moved.\n"
	      "\n"
	      "  --period-ms N   period (default 10)\n"
	      "  --periods N     periods in the buffer (default 16)\n"
	      "  --secs S        seconds of audio (default 10)\n"
	      "  --settle-ms N   left out at the start (default 500)\n"
	      "  -h, --help      this text\n"
	      "\n"
	      "Output: one line, \"period_ms P wakeups N periods K mean_ms M p99_ms X\n"
	      "max_ms Y multi J\" (J: wake-ups that saw more than one period done).\n"
	      "Exit status: 0 done, 1 underrun or no wake-up for 5 s, 2 bad usage,\n"
	      "3 the PCM could not be opened or written.\n",
	      f);
}

static int parse(int argc, char **argv, struct opts *o)
{
	const struct bench_opt opts[] = {
		{ "period-ms", &o->period_ms },
		{ "periods", &o->periods },
		{ "secs", &o->secs },
		{ "settle-ms", &o->settle_ms },
		{ NULL, NULL },
	};

	*o = (struct opts){ 10, 16, 10, 500, NULL };
	if (bench_parse_opts(argc, argv, opts, usage))
		return -1;
	if (argc - optind != 1 || o->periods < 2)
		return -1;
	o->pcm = argv[optind];
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Print the statistics of n intervals (sorted here) over which the position
 * moved by `periods' periods (snd-aloop moves on ticks, not by periods). */
static void report(const struct opts *o, uint64_t *iv, size_t n, double periods, unsigned int multi)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += iv[i];
	qsort(iv, n, sizeof(*iv), cmp_u64);
	printf("period_ms %u wakeups %zu periods %.1f mean_ms %.3f p99_ms %.3f max_ms %.3f multi %u\n",
	       o->period_ms, n, periods, periods > 0 ? (double)sum / 1e6 / periods : 0.0,
	       n ? (double)iv[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6 : 0.0,
	       n ? (double)iv[n - 1] / 1e6 : 0.0, multi);
}

static int play(const struct opts *o, snd_pcm_t *pcm, int16_t *chunk, snd_pcm_uframes_t period,
		uint64_t *iv, size_t max_iv)
{
	snd_pcm_uframes_t buffer = period * o->periods;
	uint64_t written = 0, total = (uint64_t)o->secs * BENCH_RATE, last_pos = 0, last_t = 0;
	uint64_t settle_ns = (uint64_t)o->settle_ms * 1000000ull, t0, moved = 0;
	unsigned int multi = 0;
	size_t n = 0;
	struct pollfd fds[MAX_FDS];
	snd_pcm_status_t *st;
	int nfds;

	snd_pcm_status_alloca(&st);
	nfds = snd_pcm_poll_descriptors(pcm, fds, MAX_FDS);
	if (nfds <= 0)
		return 3;
	for (unsigned int i = 0; i < o->periods; i++, written += period)
		if (snd_pcm_writei(pcm, chunk, period) != (snd_pcm_sframes_t)period)
			return 3;
	if (snd_pcm_start(pcm) < 0)
		return 3;
	t0 = bench_now_ns();
	while (written < total) {
		snd_htimestamp_t ts;
		snd_pcm_uframes_t avail;
		uint64_t pos, t;
		int ready = poll(fds, (nfds_t)nfds, 5000);

		if (ready < 0 && errno != EINTR)
			return 3;
		if (ready == 0) {
			fprintf(stderr, "snd-period: no period completed in 5 s\n");
			return 1;
		}
		if (snd_pcm_status(pcm, st) < 0 || snd_pcm_status_get_state(st) != SND_PCM_STATE_RUNNING) {
			fprintf(stderr, "snd-period: underrun or stopped after %llu frames\n",
				(unsigned long long)written);
			return 1;
		}
		snd_pcm_status_get_htstamp(st, &ts);
		t = bench_ts_ns(&ts);
		avail = snd_pcm_status_get_avail(st);
		pos = written + avail - buffer;
		if (pos != last_pos) {
			/* The first interval after the settle time starts at the
			 * last wake-up before it. */
			if (last_t && t - t0 > settle_ns && n < max_iv) {
				iv[n++] = t - last_t;
				moved += pos - last_pos;
				multi += pos - last_pos > period + period / 2;
			}
			last_pos = pos;
			last_t = t;
		}
		while (avail >= period) {
			snd_pcm_sframes_t got = snd_pcm_writei(pcm, chunk, period);

			if (got != (snd_pcm_sframes_t)period) {
				fprintf(stderr, "snd-period: write: %s\n",
					got < 0 ? snd_strerror((int)got) : "short");
				return got == -EPIPE ? 1 : 3;
			}
			written += period;
			avail -= period;
		}
	}
	report(o, iv, n, (double)moved / (double)period, multi);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	snd_pcm_t *pcm;
	snd_pcm_uframes_t period;
	int16_t *chunk;
	uint64_t *iv;
	size_t max_iv;
	int rc = 3;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	period = (snd_pcm_uframes_t)o.period_ms * BENCH_RATE / 1000;
	/* At most one interval per period written. */
	max_iv = (size_t)o.secs * 1000 / o.period_ms + 1;
	chunk = calloc(period, BENCH_FRAME_BYTES);
	iv = calloc(max_iv, sizeof(*iv));
	pcm = chunk && iv ? bench_pcm_open(o.pcm, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK, period,
					   o.periods)
			  : NULL;
	if (pcm) {
		rc = play(&o, pcm, chunk, period, iv, max_iv);
		snd_pcm_drop(pcm);
		snd_pcm_close(pcm);
	}
	free(iv);
	free(chunk);
	return rc;
}
