// SPDX-License-Identifier: MIT
/*
 * snd-pause: play a WAV file on an ALSA PCM, pause it in mid-stream with
 * snd_pcm_pause(1), resume with snd_pcm_pause(0), play to the end, and
 * check that the pause really held the device: it played nothing while
 * paused, and the whole playback takes at least the audio's length plus the
 * pause.
 *
 * ALSA does not ask the driver where a paused stream is, so the position is
 * read just before the pause and just after the resume: a device that went
 * on playing while paused has by then played (and completed) what was
 * queued, up to the pause's length (the buffer is full after every blocking
 * write); a device that held moved only by what it played between the
 * reading and STOP and between START and the reading, which the program
 * times. The wall-time bound catches the same bug from the other side: the
 * audio a device plays while paused shortens the playback by as much. Run in the VM bench on a virtio
 * card (tests/e2e/guest/snd-pause.sh), which also checks that the backend's
 * wav: end received exactly the file's bytes.
 *
 * virtio_snd (Linux 6.12) advertises SNDRV_PCM_INFO_PAUSE and maps pause
 * to the device's STOP and release to START, keeping the periods it queued:
 * the device must hold them while stopped and play them after START.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "num_opts.h"
#include "snd_play.h"

/* How much earlier than audio + pause the playback may end: the start time
 * is read just after START, so it can only be late by a system call. */
#define EARLY_NS 50000000ull

static void usage(FILE *f)
{
	fputs("Usage: snd-pause [OPTIONS] PCM FILE.wav\n"
	      "Play FILE.wav on the ALSA playback PCM (e.g. hw:1,0), pause it with\n"
	      "snd_pcm_pause() after --at seconds of audio for --pause seconds, then\n"
	      "play on to the end and drain. Fails unless the stream stays paused,\n"
	      "the device position moved across the pause by no more than it could\n"
	      "play while not paused (from the reading before pause(1) to its return,\n"
	      "from the call of pause(0) to the reading after it, plus two periods),\n"
	      "and the playback, from START to the end of the drain,\n"
	      "lasts at least the audio plus the pause (less 50 ms) and at most\n"
	      "that plus --slack.\n"
	      "\n"
	      "  --at S           seconds of audio written before pausing (default 2)\n"
	      "  --pause S        length of the pause (default 1)\n"
	      "  --slack S        allowed extra time at the end (default 10)\n"
	      "  --period-ms N    period length (default 80)\n"
	      "  --periods N      periods in the buffer (default 16)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Exit status: 0 pause held and playback complete, 1 a check failed,\n"
	      "2 bad usage, 3 playback failed (open, no pause support, underrun,\n"
	      "write, drain).\n",
	      f);
}

struct opts {
	double at, pause, slack;
	unsigned int period_ms, periods;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "pause", required_argument, NULL, 'p' },
		{ "slack", required_argument, NULL, 's' },
		{ "period-ms", required_argument, NULL, 'm' },
		{ "periods", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	*o = (struct opts){ .at = 2, .pause = 1, .slack = 10, .period_ms = 80, .periods = 16 };
	while ((c = num_opt_next(argc, argv, lo, usage, &v)) > 0) {
		switch (c) {
		case 'a': o->at = v; break;
		case 'p': o->pause = v; break;
		case 's': o->slack = v; break;
		case 'm': o->period_ms = (unsigned int)v; break;
		case 'n': o->periods = (unsigned int)v; break;
		}
	}
	if (c < 0 || argc - optind != 2 || !o->period_ms || o->periods < 2)
		return -1;
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Wait `ns' while paused; 0, or 1 if the stream left PAUSED (printed). */
static int hold(struct snd_play *p, uint64_t ns)
{
	uint64_t t0 = snd_play_now_ns();

	while (snd_play_now_ns() - t0 < ns) {
		sleep_ns(100000000ull);
		if (snd_pcm_state(p->pcm) != SND_PCM_STATE_PAUSED) {
			fprintf(stderr, "snd-pause: state %s while paused\n",
				snd_pcm_state_name(snd_pcm_state(p->pcm)));
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct snd_play p;
	struct snd_play_pos pos;
	uint64_t t_start = 0, t_pause = 0, t_resume = 0, t_end, audio_ns, min_ns, wall;
	uint64_t t_before = 0, t_release = 0, t_after = 0;
	int64_t may_move;
	int64_t at_pause = 0, at_resume = 0;
	snd_pcm_hw_params_t *hw;
	bool paused = false;
	int r, st = 0;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (snd_play_open(&p, argv[optind], argv[optind + 1], o.period_ms, o.periods))
		return 3;
	snd_pcm_hw_params_alloca(&hw);
	if (snd_pcm_hw_params_current(p.pcm, hw) < 0 || !snd_pcm_hw_params_can_pause(hw)) {
		fprintf(stderr, "%s: the device cannot pause\n", argv[optind]);
		snd_play_close(&p);
		return 3;
	}
	audio_ns = (uint64_t)((p.wav.frames + p.period - 1) / p.period * p.period) *
		   1000000000ull / p.wav.rate;
	while ((r = snd_play_period(&p)) == 1) {
		if (!t_start && snd_pcm_state(p.pcm) == SND_PCM_STATE_RUNNING)
			t_start = snd_play_now_ns();
		if (paused || !t_start || p.written < o.at * p.wav.rate)
			continue;
		if (snd_play_position(&p, &pos) < 0 || (r = snd_pcm_pause(p.pcm, 1)) < 0) {
			fprintf(stderr, "%s: pause: %s\n", argv[optind], snd_strerror(r));
			r = -1;
			break;
		}
		t_pause = snd_play_now_ns();
		at_pause = pos.played;
		t_before = pos.t_ns;
		paused = true;
		st = hold(&p, (uint64_t)(o.pause * 1e9));
		if (st)
			break;
		t_release = snd_play_now_ns();
		if ((r = snd_pcm_pause(p.pcm, 0)) < 0) {
			fprintf(stderr, "%s: resume: %s\n", argv[optind], snd_strerror(r));
			r = -1;
			break;
		}
		t_resume = snd_play_now_ns();
		if (snd_play_position(&p, &pos) < 0) {
			r = -1;
			break;
		}
		at_resume = pos.played;
		t_after = pos.t_ns;
	}
	if (st) {
		snd_play_close(&p);
		return st;
	}
	if (r < 0 || snd_play_drain(&p)) {
		if (t_resume)
			fprintf(stderr, "%s: failed %.3f s after the resume; device position %lld "
				"before the pause, %lld just after the resume, %llu frames written\n",
				argv[optind], (double)(snd_play_now_ns() - t_resume) / 1e9,
				(long long)at_pause, (long long)at_resume,
				(unsigned long long)p.written);
		snd_play_close(&p);
		return 3;
	}
	t_end = snd_play_now_ns();
	if (!paused) {
		fprintf(stderr, "%s: the file ended before --at %.2f s\n", argv[optind], o.at);
		snd_play_close(&p);
		return 2;
	}
	wall = t_end - t_start;
	/* The device was stopped at least from the return of pause(1) to the
	 * call of pause(0). */
	min_ns = audio_ns + (t_release - t_pause) - EARLY_NS;
	/* Across the pause the device may have played only while it was not
	 * paused: from the reading before pause(1) to its return, and from the
	 * call of pause(0) to the reading after it (a host that stands still
	 * makes these longer, and the device catches up within them), plus two
	 * periods of completion granularity. */
	may_move = (int64_t)((double)(t_pause - t_before + t_after - t_release) * p.wav.rate / 1e9) +
		   2 * (int64_t)p.period;
	printf("%s: paused at frame %lld for %.3f s, resumed at frame %lld; %.3f s of audio played "
	       "in %.3f s\n", argv[optind], (long long)at_pause, (double)(t_resume - t_pause) / 1e9,
	       (long long)at_resume, (double)audio_ns / 1e9, (double)wall / 1e9);
	if (at_resume - at_pause > may_move) {
		fprintf(stderr, "%s: the device played %lld frames across the pause, more than the "
			"%lld it could while not paused: it went on while paused\n", argv[optind],
			(long long)(at_resume - at_pause), (long long)may_move);
		st = 1;
	} else if (wall < min_ns) {
		fprintf(stderr, "%s: playback took %.3f s, less than the audio plus the pause "
			"(%.3f s): the pause was played through\n", argv[optind],
			(double)wall / 1e9, (double)(min_ns + EARLY_NS) / 1e9);
		st = 1;
	} else if (wall > min_ns + EARLY_NS + (uint64_t)(o.slack * 1e9)) {
		fprintf(stderr, "%s: playback took %.3f s, more than %.1f s beyond the audio plus "
			"the pause\n", argv[optind], (double)wall / 1e9, o.slack);
		st = 1;
	}
	snd_play_close(&p);
	return st;
}
