/* SPDX-License-Identifier: MIT */
/*
 * Opening an ALSA PCM the way the timing benchmarks of the VM bench need it
 * (snd-latency, snd-period): 48 kHz stereo S16, interleaved, the period and
 * buffer asked for exactly (a benchmark whose period silently moved would
 * report the wrong thing), and status timestamps taken at every position
 * update on CLOCK_MONOTONIC, so snd_pcm_status's htstamp says when the
 * position (and delay) it reports was read, on the clock the program uses.
 */
#ifndef BENCH_PCM_H
#define BENCH_PCM_H

#include <alsa/asoundlib.h>
#include <stdint.h>

#define BENCH_RATE 48000u
#define BENCH_CHANNELS 2u
#define BENCH_FRAME_BYTES 4u	/* S16_LE stereo */

/*
 * Open `name' for `stream' with `mode' (0 or SND_PCM_NONBLOCK), periods of
 * `period' frames and a buffer of `periods' periods. The stream does not
 * start by itself (start threshold beyond the buffer): the caller starts it
 * with snd_pcm_start. The wake-up threshold is one period. NULL after
 * printing a one-line reason to stderr.
 */
snd_pcm_t *bench_pcm_open(const char *name, snd_pcm_stream_t stream, int mode,
			  snd_pcm_uframes_t period, unsigned int periods);

/* A status timestamp in ns. */
uint64_t bench_ts_ns(const snd_htimestamp_t *ts);
uint64_t bench_now_ns(void);

#endif
