// SPDX-License-Identifier: MIT
/* Playing a WAV file period by period; see snd_play.h. */
#include "snd_play.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t snd_play_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static snd_pcm_format_t alsa_format(enum wav_format f)
{
	switch (f) {
	case WAV_U8:
		return SND_PCM_FORMAT_U8;
	case WAV_S16_LE:
		return SND_PCM_FORMAT_S16_LE;
	case WAV_S24_3LE:
		return SND_PCM_FORMAT_S24_3LE;
	case WAV_S24_LE:
		return SND_PCM_FORMAT_S24_LE;
	case WAV_S32_LE:
		return SND_PCM_FORMAT_S32_LE;
	case WAV_FLOAT_LE:
		return SND_PCM_FORMAT_FLOAT_LE;
	}
	return SND_PCM_FORMAT_UNKNOWN;
}

static int fail(const char *what, const char *pcm, int err)
{
	fprintf(stderr, "%s: %s: %s\n", pcm, what, snd_strerror(err));
	return -1;
}

static int set_hw(struct snd_play *p, const char *pcm, unsigned int period_ms,
		  unsigned int periods)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_uframes_t period = (snd_pcm_uframes_t)p->wav.rate * period_ms / 1000;
	snd_pcm_uframes_t buffer;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	if ((err = snd_pcm_hw_params_any(p->pcm, hw)) < 0)
		return fail("no hardware parameters", pcm, err);
	if ((err = snd_pcm_hw_params_set_access(p->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
		return fail("interleaved access", pcm, err);
	if ((err = snd_pcm_hw_params_set_format(p->pcm, hw, alsa_format(p->wav.format))) < 0)
		return fail(wav_format_name(p->wav.format), pcm, err);
	if ((err = snd_pcm_hw_params_set_channels(p->pcm, hw, p->wav.channels)) < 0)
		return fail("channel count", pcm, err);
	if ((err = snd_pcm_hw_params_set_rate(p->pcm, hw, p->wav.rate, 0)) < 0)
		return fail("rate", pcm, err);
	if ((err = snd_pcm_hw_params_set_period_size_near(p->pcm, hw, &period, NULL)) < 0)
		return fail("period size", pcm, err);
	buffer = period * periods;
	if ((err = snd_pcm_hw_params_set_buffer_size_near(p->pcm, hw, &buffer)) < 0)
		return fail("buffer size", pcm, err);
	if ((err = snd_pcm_hw_params(p->pcm, hw)) < 0)
		return fail("hw_params", pcm, err);
	snd_pcm_hw_params_get_period_size(hw, &p->period, NULL);
	snd_pcm_hw_params_get_buffer_size(hw, &p->buffer);
	return 0;
}

/* Start when the buffer is full (as aplay does), so the device has a whole
 * buffer of margin from the first frame on. */
static int set_sw(struct snd_play *p, const char *pcm)
{
	snd_pcm_sw_params_t *sw;
	int err;

	snd_pcm_sw_params_alloca(&sw);
	if ((err = snd_pcm_sw_params_current(p->pcm, sw)) < 0 ||
	    (err = snd_pcm_sw_params_set_start_threshold(p->pcm, sw, p->buffer)) < 0 ||
	    (err = snd_pcm_sw_params_set_avail_min(p->pcm, sw, p->period)) < 0 ||
	    (err = snd_pcm_sw_params(p->pcm, sw)) < 0)
		return fail("sw_params", pcm, err);
	return 0;
}

int snd_play_open(struct snd_play *p, const char *pcm, const char *path, unsigned int period_ms,
		  unsigned int periods)
{
	char err[256];
	int rc;

	memset(p, 0, sizeof(*p));
	if (wav_read_file(path, &p->wav, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	p->frame_bytes = wav_frame_bytes(&p->wav);
	if ((rc = snd_pcm_open(&p->pcm, pcm, SND_PCM_STREAM_PLAYBACK, 0)) < 0) {
		p->pcm = NULL;
		fail("open", pcm, rc);
		snd_play_close(p);
		return -1;
	}
	if (set_hw(p, pcm, period_ms, periods) || set_sw(p, pcm)) {
		snd_play_close(p);
		return -1;
	}
	p->pad = calloc(p->period, p->frame_bytes);
	if (!p->pad) {
		fprintf(stderr, "%s: out of memory\n", pcm);
		snd_play_close(p);
		return -1;
	}
	if (p->wav.format == WAV_U8)	/* U8 silence is 0x80 */
		memset(p->pad, 0x80, p->period * p->frame_bytes);
	return 0;
}

bool snd_play_done(const struct snd_play *p)
{
	return p->next >= p->wav.frames;
}

int snd_play_period(struct snd_play *p)
{
	size_t n = p->wav.frames - p->next;
	const uint8_t *src = p->wav.data + p->next * p->frame_bytes;
	uint8_t *last = NULL;
	snd_pcm_sframes_t got;

	if (snd_play_done(p))
		return 0;
	if (n >= p->period) {
		n = p->period;
	} else {
		/* The last, partial period: virtio_snd only sends whole
		 * periods, so pad it like aplay does. */
		last = malloc(p->period * p->frame_bytes);
		if (!last) {
			fprintf(stderr, "out of memory\n");
			return -1;
		}
		memcpy(last, src, n * p->frame_bytes);
		memcpy(last + n * p->frame_bytes, p->pad, (p->period - n) * p->frame_bytes);
		src = last;
	}
	got = snd_pcm_writei(p->pcm, src, p->period);
	free(last);
	if (got == -EPIPE) {
		p->xruns++;
		fprintf(stderr, "underrun after %llu frames\n", (unsigned long long)p->written);
		return -1;
	}
	if (got < 0)
		return fail("write", snd_pcm_name(p->pcm), (int)got);
	if ((snd_pcm_uframes_t)got != p->period) {
		fprintf(stderr, "%s: short write (%ld of %lu frames)\n", snd_pcm_name(p->pcm),
			(long)got, (unsigned long)p->period);
		return -1;
	}
	p->next += n;
	p->written += p->period;
	return 1;
}

int snd_play_position(struct snd_play *p, struct snd_play_pos *pos)
{
	uint64_t t0 = snd_play_now_ns();
	snd_pcm_sframes_t avail = snd_pcm_avail(p->pcm);

	pos->t_ns = snd_play_now_ns();
	if (avail < 0)
		return fail("avail", snd_pcm_name(p->pcm), (int)avail);
	/* Frames in the ring not yet completed: buffer - avail. */
	pos->played = (int64_t)p->written - ((int64_t)p->buffer - avail);
	/* Descheduled around the call: the time of the reading is unsure. */
	return pos->t_ns - t0 > SND_PLAY_SAMPLE_NS ? 1 : 0;
}

int snd_play_drain(struct snd_play *p)
{
	int err = snd_pcm_drain(p->pcm);

	return err < 0 ? fail("drain", snd_pcm_name(p->pcm), err) : 0;
}

void snd_play_close(struct snd_play *p)
{
	if (p->pcm)
		snd_pcm_close(p->pcm);
	p->pcm = NULL;
	free(p->pad);
	p->pad = NULL;
	wav_free(&p->wav);
}
