// SPDX-License-Identifier: MIT
/* Opening a PCM for the timing benchmarks: see bench_pcm.h. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_pcm.h"

snd_pcm_t *bench_pcm_open(const char *name, snd_pcm_stream_t stream, int mode,
			  snd_pcm_uframes_t period, unsigned int periods)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_t *pcm = NULL;
	snd_pcm_uframes_t boundary;
	const char *what = "open";
	int rc;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	rc = snd_pcm_open(&pcm, name, stream, mode);
	if (rc < 0)
		goto fail;
#define STEP(call, label)       \
	do {                    \
		what = (label); \
		rc = (call);    \
		if (rc < 0)     \
			goto fail; \
	} while (0)
	STEP(snd_pcm_hw_params_any(pcm, hw), "no configuration");
	STEP(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "access");
	STEP(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "format");
	STEP(snd_pcm_hw_params_set_channels(pcm, hw, BENCH_CHANNELS), "channels");
	STEP(snd_pcm_hw_params_set_rate(pcm, hw, BENCH_RATE, 0), "rate");
	STEP(snd_pcm_hw_params_set_period_size(pcm, hw, period, 0), "period size");
	STEP(snd_pcm_hw_params_set_buffer_size(pcm, hw, period * periods), "buffer size");
	STEP(snd_pcm_hw_params(pcm, hw), "hw params");
	STEP(snd_pcm_sw_params_current(pcm, sw), "sw params");
	STEP(snd_pcm_sw_params_get_boundary(sw, &boundary), "boundary");
	STEP(snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary), "start threshold");
	STEP(snd_pcm_sw_params_set_avail_min(pcm, sw, period), "avail min");
	STEP(snd_pcm_sw_params_set_tstamp_mode(pcm, sw, SND_PCM_TSTAMP_ENABLE), "tstamp mode");
	STEP(snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC),
	     "tstamp type");
	STEP(snd_pcm_sw_params(pcm, sw), "sw params");
#undef STEP
	return pcm;
fail:
	fprintf(stderr, "%s: %s: %s\n", name, what, snd_strerror(rc));
	if (pcm)
		snd_pcm_close(pcm);
	return NULL;
}

uint64_t bench_ts_ns(const snd_htimestamp_t *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
