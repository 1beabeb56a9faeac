// SPDX-License-Identifier: MIT
/*
 * snd-pace: play a WAV file on an ALSA PCM and measure the rate at which the
 * device consumes it, in frames per second of CLOCK_MONOTONIC, over the
 * steady state of the stream. Run in the VM bench on a virtio card
 * (tests/e2e/guest/snd-two-cards.sh); see usage() for the options.
 *
 * Why the measurement is sound on a loaded TCG host:
 *  - It measures what the user hears: the position of the device (frames
 *    it completed; virtio_snd advances it by a period when the backend says
 *    the period was played), not how long a program took. Start-up (the
 *    buffer is filled before START) and drain are outside the window: the
 *    window starts --settle seconds after the stream runs and ends with the
 *    last write.
 *  - Samples are taken right after each blocking write returns, that is
 *    right after the device completed a period, when the position is the
 *    freshest; a sample whose system call took more than 2 ms (the program
 *    was descheduled) is dropped.
 *  - Position and time come from the same guest, and the backend (which
 *    runs in the guest) paces on the same CLOCK_MONOTONIC against an
 *    absolute origin: a late wake-up delays one completion, not the ones
 *    after it.
 *  - What a busy host does to it: the whole guest stands still now and
 *    then (TCG runs every vCPU on one host thread that other VMs compete
 *    with). The guest's clock goes on meanwhile, so the backend's end,
 *    which holds only a few periods, runs dry and its clock restarts: the
 *    position falls behind real time by a step, as on real hardware when a
 *    process is starved. That is the host's doing, not the backend's. A
 *    monitor thread notes every time the guest stood still (a 10 ms sleep
 *    that ends more than --stall-ms late). Samples taken during a stall or
 *    just after it are left out (they lag until the backend caught up),
 *    and the stream is cut into stretches at every stall long enough for
 *    the end to have run dry (--split-ms). One least-squares slope is
 *    fitted to the stretches, each with its own offset, so steps between
 *    stretches do not count; samples far off the line (a late wake-up the
 *    monitor missed) are dropped and the line fitted again.
 *  - A backend that plays at the wrong rate (fast, slow, unpaced) tilts
 *    every clean stretch and fails; so does one whose end runs dry while
 *    the guest did not stand still. Checked by hand with such builds (see
 *    tests/e2e/snd-two-cards.test).
 *  - Exit 4 (try again) only when the clean stretches add up to less than
 *    --min-window because the guest stood still: the script plays again.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num_opts.h"
#include "snd_play.h"

static void usage(FILE *f)
{
	fputs("Usage: snd-pace [OPTIONS] PCM FILE.wav\n"
	      "Play FILE.wav on the ALSA playback PCM (e.g. hw:1,0) with blocking\n"
	      "writes of one period, sample the device position after each write,\n"
	      "and print the rate at which the device consumed frames over the\n"
	      "steady state of the stream (after --settle seconds of running, up\n"
	      "to the last write; the drain does not count), fitted over the\n"
	      "stretches in which the guest did not stand still.\n"
	      "\n"
	      "  --period-ms N    period length (default 80)\n"
	      "  --periods N      periods in the buffer (default 16)\n"
	      "  --settle S       seconds of running left out at the start (default 0.5)\n"
	      "  --min-window S   clean seconds needed for a verdict (default 2)\n"
	      "  --min-stretch S  shortest clean stretch used (default 0.8)\n"
	      "  --stall-ms MS    a wake-up this late means the guest stood still\n"
	      "                   (default 50, at least 20)\n"
	      "  --split-ms MS    a stall this long may have lost time: the stream\n"
	      "                   is cut there (default 150)\n"
	      "  --tolerance PCT  allowed deviation from the file's rate (default 2)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Output: two lines, the rate (\"PCM: RATE frames/s, ratio R over W s of\n"
	      "N clean stretches ...\") and how long the guest stood still.\n"
	      "Exit status: 0 the rate is within the tolerance, 1 it is not (or more\n"
	      "audio was consumed than real time allows), 2 bad usage, 3 playback\n"
	      "failed (open, underrun, write, drain) or the steady state was too\n"
	      "short although the guest never stood still, 4 the guest stood still\n"
	      "so often that less than --min-window was clean: try again.\n",
	      f);
}

/*
 * The stall monitor: a thread that asks to wake every 10 ms and notes when
 * it woke late. A TCG guest on a busy host stands still now and then (the
 * whole VM, or the guest's CPUs are busy emulating others); the backend is
 * then late as well and can run dry, which loses time that no device
 * could make up. The program records stalls so that a slow rate can be
 * told apart from a starved guest (see main).
 */
#define STALL_TICK_NS 10000000ull
#define STALLS_MAX 4096
struct stall {
	uint64_t t_ns, len_ns;	/* woke at t_ns, len_ns later than asked */
};
static struct stall stalls[STALLS_MAX];
static atomic_size_t nstalls;
static atomic_bool monitor_stop;
static uint64_t stall_min_ns;

static void *stall_monitor(void *arg)
{
	uint64_t want = snd_play_now_ns();

	(void)arg;
	while (!atomic_load(&monitor_stop)) {
		struct timespec ts;
		uint64_t now;

		want += STALL_TICK_NS;
		ts.tv_sec = (time_t)(want / 1000000000ull);
		ts.tv_nsec = (long)(want % 1000000000ull);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = snd_play_now_ns();
		if (now > want + stall_min_ns) {
			size_t k = atomic_load(&nstalls);

			if (k < STALLS_MAX) {
				stalls[k] = (struct stall){ now, now - want };
				atomic_store(&nstalls, k + 1);
			}
			want = now;
		}
	}
	return NULL;
}

/* Total stall time in [t0, t1]; *n and *longest get their count and the
 * longest. A stall is counted from the time the monitor should have woken. */
static uint64_t stalled_ns(uint64_t t0, uint64_t t1, size_t *n, uint64_t *longest)
{
	size_t k = atomic_load(&nstalls);
	uint64_t total = 0;

	*n = 0;
	*longest = 0;
	for (size_t i = 0; i < k; i++) {
		if (stalls[i].t_ns < t0 || stalls[i].t_ns - stalls[i].len_ns > t1)
			continue;
		(*n)++;
		total += stalls[i].len_ns;
		if (stalls[i].len_ns > *longest)
			*longest = stalls[i].len_ns;
	}
	return total;
}

struct opts {
	unsigned int period_ms, periods;
	double settle, min_window, min_seg, stall_ms, split_ms, tolerance;
};

/*
 * After a stall the backend needs a moment to catch up with what it owes
 * (it paces against absolute time), and the player to write again: samples
 * this soon after a stall may lag and are left out of the fit.
 */
#define CATCH_UP_NS 150000000ull
/* A sample this far off the fitted line (a late wake-up the monitor did not
 * see) is left out of the second fit. */
#define TRIM_S 0.02

/* Whether a stall of at least min_ns overlapped [from, to]. */
static bool stall_in(uint64_t from, uint64_t to, uint64_t min_ns)
{
	size_t k = atomic_load(&nstalls);

	/* The record is full: nothing after its last stall is known clean. */
	if (k == STALLS_MAX && to >= stalls[k - 1].t_ns)
		return true;
	for (size_t i = 0; i < k; i++)
		if (stalls[i].len_ns >= min_ns && stalls[i].t_ns >= from &&
		    stalls[i].t_ns - stalls[i].len_ns <= to)
			return true;
	return false;
}

/* Sample i's time (s) and position (frames) since the first sample. */
static double since_s(const struct snd_play_pos *s, size_t i)
{
	return (double)(s[i].t_ns - s[0].t_ns) / 1e9;
}

static double since_frames(const struct snd_play_pos *s, size_t i)
{
	return (double)(s[i].played - s[0].played);
}

/* One least-squares slope for all stretches, each with its own offset,
 * over the samples with seg[i] >= 0 (pooled within-stretch regression);
 * the stretches' means go to tm[], pm[]. 0 if nothing to fit. */
static double pooled_slope(const struct snd_play_pos *s, const int *seg, size_t n, int nseg,
			   double *tm, double *pm)
{
	double sxy = 0, sxx = 0;

	for (int k = 0; k < nseg; k++) {
		size_t c = 0;

		tm[k] = pm[k] = 0;
		for (size_t i = 0; i < n; i++)
			if (seg[i] == k) {
				tm[k] += since_s(s, i);
				pm[k] += since_frames(s, i);
				c++;
			}
		if (c) {
			tm[k] /= (double)c;
			pm[k] /= (double)c;
		}
	}
	for (size_t i = 0; i < n; i++) {
		double x, y;

		if (seg[i] < 0)
			continue;
		x = since_s(s, i) - tm[seg[i]];
		y = since_frames(s, i) - pm[seg[i]];
		sxy += x * y;
		sxx += x * x;
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/* Drop stretches shorter than min_seg or with fewer than 4 samples (their
 * seg[] becomes -1); the seconds the others span. */
static double keep_long(const struct snd_play_pos *s, int *seg, size_t n, int nseg,
			double min_seg, size_t *kept)
{
	double covered = 0;

	*kept = 0;
	for (int k = 0; k < nseg; k++) {
		size_t c = 0, first = n, last = 0;
		double d;

		for (size_t i = 0; i < n; i++)
			if (seg[i] == k) {
				if (first == n)
					first = i;
				last = i;
				c++;
			}
		d = c ? (double)(s[last].t_ns - s[first].t_ns) / 1e9 : 0;
		if (c < 4 || d < min_seg) {
			for (size_t i = 0; i < n; i++)
				if (seg[i] == k)
					seg[i] = -1;
			continue;
		}
		covered += d;
		(*kept)++;
	}
	return covered;
}

/*
 * The rate over the clean stretches of the stream, in frames/s (0 if none).
 * A sample is left out when the guest stood still (a stall of --stall-ms
 * or more) within CATCH_UP_NS before it; the stream is cut into stretches
 * at every stall of --split-ms or more, long enough for the backend's end
 * to have run dry and lost time (a step the fit must not see). A line is
 * fitted to position against time over all stretches (one slope, an offset
 * each), samples more than TRIM_S off it are dropped, and it is fitted
 * again. *covered gets the seconds the stretches span, *nseg their count.
 */
static double clean_rate(const struct snd_play_pos *s, size_t n, const struct opts *o,
			 unsigned int file_rate, double *covered, size_t *nseg)
{
	int *seg = calloc(n, sizeof(*seg)), k = -1;
	double *tm = calloc(n, sizeof(*tm)), *pm = calloc(n, sizeof(*pm)), rate = 0;
	uint64_t stall_ns = (uint64_t)(o->stall_ms * 1e6), split_ns = (uint64_t)(o->split_ms * 1e6);
	size_t prev = n;

	*covered = 0;
	*nseg = 0;
	if (!seg || !tm || !pm)
		goto out;
	for (size_t i = 0; i < n; i++) {
		uint64_t from = s[i].t_ns > CATCH_UP_NS ? s[i].t_ns - CATCH_UP_NS : 0;

		seg[i] = -1;
		if (stall_in(from, s[i].t_ns, stall_ns))
			continue;
		if (prev == n || stall_in(s[prev].t_ns, s[i].t_ns, split_ns))
			k++;
		seg[i] = k;
		prev = i;
	}
	keep_long(s, seg, n, k + 1, o->min_seg, nseg);
	rate = pooled_slope(s, seg, n, k + 1, tm, pm);
	for (size_t i = 0; i < n; i++) {
		double x, y;

		if (seg[i] < 0)
			continue;
		x = since_s(s, i) - tm[seg[i]];
		y = since_frames(s, i) - pm[seg[i]];
		if (y - rate * x > TRIM_S * file_rate || y - rate * x < -TRIM_S * file_rate)
			seg[i] = -1;
	}
	*covered = keep_long(s, seg, n, k + 1, o->min_seg, nseg);
	rate = pooled_slope(s, seg, n, k + 1, tm, pm);
out:
	free(seg);
	free(tm);
	free(pm);
	return rate;
}


static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "period-ms", required_argument, NULL, 'p' },
		{ "periods", required_argument, NULL, 'n' },
		{ "settle", required_argument, NULL, 's' },
		{ "min-window", required_argument, NULL, 'w' },
		{ "min-stretch", required_argument, NULL, 'g' },
		{ "stall-ms", required_argument, NULL, 'l' },
		{ "split-ms", required_argument, NULL, 'x' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	*o = (struct opts){ .period_ms = 80, .periods = 16, .settle = 0.5, .min_window = 2,
			    .min_seg = 0.8, .stall_ms = 50, .split_ms = 150,
			    .tolerance = 2 };
	while ((c = num_opt_next(argc, argv, lo, usage, &v)) > 0) {
		switch (c) {
		case 'p': o->period_ms = (unsigned int)v; break;
		case 'n': o->periods = (unsigned int)v; break;
		case 's': o->settle = v; break;
		case 'w': o->min_window = v; break;
		case 'g': o->min_seg = v; break;
		case 'l': o->stall_ms = v; break;
		case 'x': o->split_ms = v; break;
		case 't': o->tolerance = v; break;
		}
	}
	if (c < 0 || argc - optind != 2 || !o->period_ms || o->periods < 2 || o->stall_ms < 20 ||
	    o->split_ms < o->stall_ms)
		return -1;
	return 0;
}

/* Bound on how late the first sample of the window can be taken after the
 * completion it reports, plus a period (see the fast check in main). */
#define FIRST_LATE_S 0.5

int main(int argc, char **argv)
{
	struct opts o;
	struct snd_play p;
	struct snd_play_pos *s, *free_s, pos;
	size_t n = 0, first = 0, cap, nseg = 0, dropped = 0;
	uint64_t t_run = 0;
	unsigned int file_rate;
	snd_pcm_uframes_t period, buffer;
	double rate, ratio, window, stalled, covered, whole;
	uint64_t longest;
	size_t nst;
	pthread_t monitor;
	int r;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (snd_play_open(&p, argv[optind], argv[optind + 1], o.period_ms, o.periods))
		return 3;
	file_rate = p.wav.rate;
	period = p.period;
	buffer = p.buffer;
	cap = p.wav.frames / p.period + 2;
	s = calloc(cap, sizeof(*s));
	if (!s) {
		fprintf(stderr, "snd-pace: out of memory\n");
		snd_play_close(&p);
		return 3;
	}
	stall_min_ns = (uint64_t)(o.stall_ms * 1e6);
	if (pthread_create(&monitor, NULL, stall_monitor, NULL)) {
		fprintf(stderr, "snd-pace: no thread\n");
		free(s);
		snd_play_close(&p);
		return 3;
	}
	while ((r = snd_play_period(&p)) == 1) {
		if (snd_pcm_state(p.pcm) != SND_PCM_STATE_RUNNING)
			continue;	/* still filling the buffer */
		r = snd_play_position(&p, &pos);
		if (r < 0)
			break;
		if (!t_run)
			t_run = pos.t_ns;
		if (r == 1)
			dropped++;
		else if (n < cap)
			s[n++] = pos;
	}
	atomic_store(&monitor_stop, true);
	pthread_join(monitor, NULL);
	if (r < 0 || snd_play_drain(&p)) {
		free(s);
		snd_play_close(&p);
		return 3;
	}
	/* The steady state starts --settle seconds after the stream ran. A
	 * device so fast that nothing is left after that is measured over
	 * all the samples: its rate is far off anyway. */
	while (first < n && s[first].t_ns < t_run + (uint64_t)(o.settle * 1e9))
		first++;
	if (n - first < 2)
		first = 0;
	n -= first;
	free_s = s;
	s += first;
	if (n < 2) {
		fprintf(stderr, "%s: no steady state to measure (%zu samples)\n", argv[optind], n);
		free(free_s);
		snd_play_close(&p);
		return 3;
	}
	window = (double)(s[n - 1].t_ns - s[0].t_ns) / 1e9;
	whole = (double)(s[n - 1].played - s[0].played) / file_rate;
	rate = clean_rate(s, n, &o, file_rate, &covered, &nseg);
	stalled = stalled_ns(s[0].t_ns, s[n - 1].t_ns, &nst, &longest) / 1e9;
	free(free_s);
	snd_play_close(&p);
	ratio = rate / file_rate;
	printf("%s: %.0f frames/s, ratio %.4f over %.2f s of %zu clean stretches (window "
	       "%.2f s, %zu samples, %zu dropped; period %lu, buffer %lu frames)\n",
	       argv[optind], rate, ratio, covered, nseg, window, n, dropped,
	       (unsigned long)period, (unsigned long)buffer);
	printf("%s: the guest stood still %.3f s of the window (%zu stalls over %.0f ms, "
	       "longest %.3f s); %.3f s of audio in the %.3f s window\n", argv[optind], stalled,
	       nst, o.stall_ms, longest / 1e9, whole, window);
	/*
	 * Fast beyond doubt, whatever the stalls: the device position never
	 * runs ahead of the backend's clock (stalls only lose time), so over
	 * the window it can gain on real time only by the lateness of the first
	 * sample and a period of completion granularity; FIRST_LATE_S bounds
	 * both. This catches a device too fast to leave a clean stretch long
	 * enough (unpaced: the file is consumed as fast as it is written).
	 */
	if (whole > (window + FIRST_LATE_S) * (1 + o.tolerance / 100)) {
		fprintf(stderr, "%s: %.3f s of audio consumed in %.3f s: faster than real time\n",
			argv[optind], whole, window);
		return 1;
	}
	if (covered < o.min_window) {
		/* Stretches too short because the guest kept standing still:
		 * nothing can be said on a host this busy. */
		if (nst) {
			fprintf(stderr, "%s: only %.2f s of the stream ran without the guest "
				"standing still (want %.2f s): not measurable now\n",
				argv[optind], covered, o.min_window);
			return 4;
		}
		fprintf(stderr, "%s: steady state of %.2f s (< %.2f s): too short to trust\n",
			argv[optind], covered, o.min_window);
		return 3;
	}
	if (ratio > 1 + o.tolerance / 100 || ratio < 1 - o.tolerance / 100) {
		fprintf(stderr, "%s: consumed %.0f frames/s while the guest ran, the file is %u Hz "
			"(want within %.1f%%)\n", argv[optind], rate, file_rate, o.tolerance);
		return 1;
	}
	return 0;
}
