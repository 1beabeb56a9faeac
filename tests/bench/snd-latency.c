// SPDX-License-Identifier: MIT
/*
 * snd-latency: how long a frame written to a playback PCM takes to show up
 * on a capture PCM that loops it back (snd-aloop), against the delay ALSA
 * told the writer (snd_pcm_status delay) at the moment it wrote it. Run in
 * the VM bench by tests/bench/guest/snd-vm-bench.sh (part "latency") on a
 * virtio card whose backend plays to hw:Loopback,0,N and on
 * hw:Loopback,0,N itself, both captured from hw:Loopback,1,N.
 *
 * How the measurement is made, and why it is honest:
 *  - The capture runs first and keeps running, so it has a single time
 *    base: capture frame f is available at T0 + (f + 1) / rate. Each time
 *    the program services the capture it takes snd_pcm_status (tstamps on
 *    CLOCK_MONOTONIC, bench_pcm.h): time t_i and frames captured so far
 *    f_i. snd-aloop moves its position on jiffies, so t_i - f_i / rate lies
 *    between T0 and T0 + one tick, and the program wakes right after ticks
 *    (period interrupts come from that timer): the smallest value within
 *    one second of the click is T0 for that click, and a late wake-up or a
 *    guest that stood still only makes a value larger, never smaller.
 *    Resolution: one tick (4 ms at HZ=250), the same on both paths.
 *  - The playback is kept full (a period is written whenever one is free,
 *    like aplay); the writer never blocks (poll), so the kernel's
 *    1.1-buffer write timeout cannot fail it. A click is one full-scale
 *    frame at the start of a period-long write, every --gap-ms, after
 *    --settle-ms of silence. Right before that write, snd_pcm_status gives
 *    its time t_w and the delay d_w: what ALSA tells the application about
 *    when the first frame of the write will be heard.
 *  - measured = T0 + (f_click + 1) / rate - t_w; reported = d_w / rate,
 *    printed with its part beyond the ring (d_w - (buffer - avail)): the
 *    driver's extra delay, which virtio_snd takes from the device's
 *    latency_bytes of the last completed request.
 *    On the direct path (snd-aloop playback) both sides move on the same
 *    jiffies, so measured and reported agree to a tick: that run calibrates
 *    the method. Everything the virtio path adds shows up as the
 *    difference between the two paths, and whatever virtio_snd's delay
 *    (buffer fill + the device's latency_bytes) gets wrong as measured
 *    minus reported.
 *  - Clicks are matched in order; a playback underrun, a capture overrun,
 *    or a click count that does not match fails the run (exit 1) instead of
 *    pairing the wrong clicks. An extra click is an underrun too: when the
 *    playback side of snd-aloop runs dry for longer than its buffer, it
 *    copies stale ring content (old clicks) to the capture before the
 *    underrun is noticed.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_opts.h"
#include "bench_pcm.h"

#define CLICK_LEVEL 30000
#define DETECT_LEVEL 16000
#define MAX_FDS 8
#define NS 1000000000ll

struct opts {
	unsigned int period_ms, periods, clicks, gap_ms, settle_ms, timeout_s;
	const char *play, *capt;
};

struct click {
	uint64_t t_w;		/* CLOCK_MONOTONIC ns of the status before the write */
	long delay;		/* frames ALSA reported then */
	long ring;		/* of which still in the ring (buffer - avail) */
	uint64_t cap_frame;	/* capture frame it showed up at */
};

struct sample {
	uint64_t t;		/* ns */
	uint64_t frames;	/* frames captured by then */
};

struct run {
	struct opts o;
	snd_pcm_t *play, *capt;
	snd_pcm_uframes_t period;
	int16_t *chunk;		/* one period, playback and capture */
	struct click *clicks;
	unsigned int written, seen;
	uint64_t chunks;	/* periods written after the prefill */
	uint64_t captured, last_detect;
	struct sample *samples;
	size_t n_samples, cap_samples;
};

static void usage(FILE *f)
{
	fputs("Usage: snd-latency [OPTIONS] PLAYBACK CAPTURE\n"
	      "Play silence with one full-scale click every --gap-ms on the PCM PLAYBACK\n"
	      "(kept full), capture CAPTURE (its loopback, started first), and print for\n"
	      "each click the time from its write to its appearance in the capture and\n"
	      "the delay ALSA reported to the writer right before the write.\n"
	      "\n"
	      "  --period-ms N   period of both PCMs (default 10)\n"
	      "  --periods N     periods in the playback buffer (default 4)\n"
	      "  --clicks N      clicks (default 20)\n"
	      "  --gap-ms N      between clicks, a multiple of the period (default 200)\n"
	      "  --settle-ms N   silence before the first click (default 500)\n"
	      "  --timeout S     give up after S seconds (default 60)\n"
	      "  -h, --help      this text\n"
	      "\n"
	      "Output: one line per click, \"click I measured_ms M reported_ms R\n"
	      "device_ms D\" (D: the part of R beyond the ring buffer, the driver's\n"
	      "extra delay; virtio_snd's is the device's latency_bytes).\n"
	      "Exit status: 0 done, 1 the measurement failed (underrun, overrun, clicks\n"
	      "lost or timeout), 2 bad usage, 3 a PCM could not be opened or written.\n",
	      f);
}

static int parse(int argc, char **argv, struct opts *o)
{
	const struct bench_opt opts[] = {
		{ "period-ms", &o->period_ms },
		{ "periods", &o->periods },
		{ "clicks", &o->clicks },
		{ "gap-ms", &o->gap_ms },
		{ "settle-ms", &o->settle_ms },
		{ "timeout", &o->timeout_s },
		{ NULL, NULL },
	};

	*o = (struct opts){ 10, 4, 20, 200, 500, 60, NULL, NULL };
	if (bench_parse_opts(argc, argv, opts, usage))
		return -1;
	if (argc - optind != 2 || o->periods < 2 || o->gap_ms % o->period_ms ||
	    o->settle_ms % o->period_ms || o->gap_ms < 2 * o->period_ms)
		return -1;
	o->play = argv[optind];
	o->capt = argv[optind + 1];
	return 0;
}

/* Remember a capture position; 0 or -1 when out of memory. */
static int add_sample(struct run *r, uint64_t t, uint64_t frames)
{
	if (r->n_samples == r->cap_samples) {
		size_t n = r->cap_samples ? 2 * r->cap_samples : 4096;
		struct sample *s = realloc(r->samples, n * sizeof(*s));

		if (!s)
			return -1;
		r->samples = s;
		r->cap_samples = n;
	}
	r->samples[r->n_samples++] = (struct sample){ t, frames };
	return 0;
}

/* Read what the capture has, note when, and find clicks. 0, 1 failed. */
static int service_capture(struct run *r)
{
	snd_pcm_status_t *st;
	snd_htimestamp_t ts;
	snd_pcm_uframes_t avail;
	uint64_t gap = (uint64_t)r->o.gap_ms * BENCH_RATE / 1000;

	snd_pcm_status_alloca(&st);
	if (snd_pcm_status(r->capt, st) < 0 || snd_pcm_status_get_state(st) != SND_PCM_STATE_RUNNING) {
		fprintf(stderr, "snd-latency: capture overrun or stopped\n");
		return 1;
	}
	snd_pcm_status_get_htstamp(st, &ts);
	avail = snd_pcm_status_get_avail(st);
	if (add_sample(r, bench_ts_ns(&ts), r->captured + avail)) {
		fprintf(stderr, "snd-latency: out of memory\n");
		return 1;
	}
	while (avail) {
		snd_pcm_uframes_t want = avail < r->period ? avail : r->period;
		snd_pcm_sframes_t got = snd_pcm_readi(r->capt, r->chunk, want);

		if (got == -EAGAIN)
			break;
		if (got < 0) {
			fprintf(stderr, "snd-latency: capture: %s\n", snd_strerror((int)got));
			return 1;
		}
		for (snd_pcm_sframes_t i = 0; i < got; i++) {
			int v = r->chunk[i * BENCH_CHANNELS];
			uint64_t f = r->captured + (uint64_t)i;

			if ((v > DETECT_LEVEL || v < -DETECT_LEVEL) &&
			    (!r->seen || f >= r->last_detect + gap / 2)) {
				/* snd-aloop replays stale ring content when
				 * its playback side ran dry for longer than its
				 * buffer (a guest that stood still): an
				 * underrun upstream, seen before it is noticed. */
				if (r->seen == r->written) {
					fprintf(stderr, "snd-latency: a click nobody wrote at capture frame %llu "
						"(stale audio replayed: an underrun of the loopback's playback)\n",
						(unsigned long long)f);
					return 1;
				}
				r->clicks[r->seen++].cap_frame = f;
				r->last_detect = f;
			}
		}
		r->captured += (uint64_t)got;
		avail -= (snd_pcm_uframes_t)got;
	}
	return 0;
}

/* Write a period for every free one; a click where one is due. 0, 1 failed,
 * 3 write error. */
static int service_playback(struct run *r)
{
	snd_pcm_status_t *st;
	snd_htimestamp_t ts;
	uint64_t settle = r->o.settle_ms / r->o.period_ms, gap = r->o.gap_ms / r->o.period_ms;

	snd_pcm_status_alloca(&st);
	for (;;) {
		snd_pcm_sframes_t got;
		bool click;

		if (snd_pcm_status(r->play, st) < 0 || snd_pcm_status_get_state(st) != SND_PCM_STATE_RUNNING) {
			fprintf(stderr, "snd-latency: playback underrun or stopped\n");
			return 1;
		}
		if (snd_pcm_status_get_avail(st) < r->period)
			return 0;
		click = r->written < r->o.clicks && r->chunks >= settle && (r->chunks - settle) % gap == 0;
		memset(r->chunk, 0, r->period * BENCH_FRAME_BYTES);
		if (click) {
			snd_pcm_status_get_htstamp(st, &ts);
			r->clicks[r->written].t_w = bench_ts_ns(&ts);
			r->clicks[r->written].delay = snd_pcm_status_get_delay(st);
			r->clicks[r->written].ring =
				(long)(r->period * r->o.periods) - (long)snd_pcm_status_get_avail(st);
			r->chunk[0] = r->chunk[1] = CLICK_LEVEL;
		}
		got = snd_pcm_writei(r->play, r->chunk, r->period);
		if (got != (snd_pcm_sframes_t)r->period) {
			fprintf(stderr, "snd-latency: playback write: %s\n",
				got < 0 ? snd_strerror((int)got) : "short");
			return got == -EPIPE ? 1 : 3;
		}
		r->written += click;
		r->chunks++;
	}
}

/* T0 of the capture around frame f (see the top comment). */
static int64_t capture_origin(const struct run *r, uint64_t f)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < r->n_samples; i++) {
		const struct sample *s = &r->samples[i];
		int64_t d = (int64_t)s->frames - (int64_t)f;
		int64_t o;

		if (d < -(int64_t)BENCH_RATE || d > (int64_t)BENCH_RATE)
			continue;
		o = (int64_t)s->t - (int64_t)(s->frames * NS / BENCH_RATE);
		if (o < best)
			best = o;
	}
	return best;
}

static int measure(struct run *r)
{
	struct pollfd fds[MAX_FDS];
	int nc, np, rc = 0;
	nfds_t nfds;
	uint64_t deadline = bench_now_ns() + (uint64_t)r->o.timeout_s * NS;

	nc = snd_pcm_poll_descriptors(r->capt, fds, MAX_FDS / 2);
	np = snd_pcm_poll_descriptors(r->play, fds + nc, MAX_FDS / 2);
	if (nc <= 0 || np <= 0) {
		fprintf(stderr, "snd-latency: no poll descriptors\n");
		return 3;
	}
	nfds = (nfds_t)nc + (nfds_t)np;
	/* The capture first: its time base must cover the whole run. */
	if (snd_pcm_start(r->capt) < 0) {
		fprintf(stderr, "snd-latency: capture start failed\n");
		return 3;
	}
	memset(r->chunk, 0, r->period * BENCH_FRAME_BYTES);
	for (unsigned int i = 0; i < r->o.periods; i++)
		if (snd_pcm_writei(r->play, r->chunk, r->period) != (snd_pcm_sframes_t)r->period) {
			fprintf(stderr, "snd-latency: prefill failed\n");
			return 3;
		}
	if (snd_pcm_start(r->play) < 0) {
		fprintf(stderr, "snd-latency: playback start failed\n");
		return 3;
	}
	while (r->seen < r->o.clicks) {
		if (bench_now_ns() > deadline) {
			fprintf(stderr, "snd-latency: timeout: %u clicks written, %u seen\n", r->written,
				r->seen);
			return 1;
		}
		if (poll(fds, nfds, (int)r->o.period_ms) < 0 && errno != EINTR)
			return 3;
		rc = service_capture(r);
		if (!rc)
			rc = service_playback(r);
		if (rc)
			return rc;
	}
	for (unsigned int i = 0; i < r->o.clicks; i++) {
		const struct click *c = &r->clicks[i];
		int64_t t0 = capture_origin(r, c->cap_frame), t;

		if (t0 == INT64_MAX) {
			fprintf(stderr, "snd-latency: no capture position near click %u\n", i + 1);
			return 1;
		}
		t = t0 + (int64_t)((c->cap_frame + 1) * NS / BENCH_RATE);
		printf("click %u measured_ms %.3f reported_ms %.3f device_ms %.3f\n", i + 1,
		       (double)(t - (int64_t)c->t_w) / 1e6, (double)c->delay * 1e3 / BENCH_RATE,
		       (double)(c->delay - c->ring) * 1e3 / BENCH_RATE);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	int rc = 3;

	if (parse(argc, argv, &r.o)) {
		usage(stderr);
		return 2;
	}
	r.period = (snd_pcm_uframes_t)r.o.period_ms * BENCH_RATE / 1000;
	r.chunk = calloc(r.period, BENCH_FRAME_BYTES);
	r.clicks = calloc(r.o.clicks, sizeof(*r.clicks));
	if (!r.chunk || !r.clicks)
		goto out;
	/* Capture buffer: two seconds, so a guest that stands still for one
	 * does not overrun it. */
	r.capt = bench_pcm_open(r.o.capt, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK, r.period,
				(2000 + r.o.period_ms - 1) / r.o.period_ms);
	if (r.capt)
		r.play = bench_pcm_open(r.o.play, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK, r.period,
					r.o.periods);
	if (r.play)
		rc = measure(&r);
out:
	if (r.play) {
		snd_pcm_drop(r.play);
		snd_pcm_close(r.play);
	}
	if (r.capt) {
		snd_pcm_drop(r.capt);
		snd_pcm_close(r.capt);
	}
	free(r.samples);
	free(r.clicks);
	free(r.chunk);
	return rc;
}
