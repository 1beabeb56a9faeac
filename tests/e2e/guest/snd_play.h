/* SPDX-License-Identifier: MIT */
/*
 * Playing a WAV file on an ALSA PCM period by period, the way aplay does,
 * for the guest programs of the VM bench (snd-pace, snd-pause): the stream
 * starts once the buffer is full, the last period is padded with silence,
 * and after every write the program can ask where the device is
 * (snd_play_position) to measure real-time behaviour from the guest side.
 *
 * Use a large buffer in the VM bench: a writer that sees no period complete
 * within 1.1 buffer times gets EIO from the kernel (pcm_lib's
 * wait_for_avail), and a TCG guest on a busy host can stand still for a
 * second.
 */
#ifndef SND_PLAY_H
#define SND_PLAY_H

#include <alsa/asoundlib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wav.h"

struct snd_play {
	snd_pcm_t *pcm;
	struct wav wav;
	size_t frame_bytes;
	snd_pcm_uframes_t period;	/* frames */
	snd_pcm_uframes_t buffer;	/* frames */
	size_t next;			/* next frame of wav to write */
	uint64_t written;		/* frames handed to ALSA, padding included */
	unsigned int xruns;
	uint8_t *pad;			/* one period of silence */
};

/* A position sample: the device had played `played' frames at `t_ns'
 * (CLOCK_MONOTONIC). */
struct snd_play_pos {
	uint64_t t_ns;
	int64_t played;
};

uint64_t snd_play_now_ns(void);

/*
 * Open PCM for playback of the WAV file at path with periods of period_ms
 * and a buffer of `periods' periods (nearest the device allows). 0, or -1
 * after printing a one-line reason to stderr.
 */
int snd_play_open(struct snd_play *p, const char *pcm, const char *path, unsigned int period_ms,
		  unsigned int periods);
/* Write the next period (padded with silence after the end of the file).
 * 1 written, 0 nothing left, -1 error (printed). An underrun is an error:
 * the end of a virtio card reopens its output on the PREPARE that would
 * follow, so nothing after it could be compared bit for bit. */
int snd_play_period(struct snd_play *p);
bool snd_play_done(const struct snd_play *p);
/*
 * Where the device is: the frames it has completed (taken off the ring:
 * frames written minus the frames still in the ring, from snd_pcm_avail),
 * and when. A virtio card completes a period when the backend has played
 * it, so this is the played position to within a period. 0, 1 if the call
 * took longer than SND_PLAY_SAMPLE_NS (the program was descheduled: the
 * time of the reading is unsure, the caller should not use it), -1 on
 * error (printed).
 */
#define SND_PLAY_SAMPLE_NS 2000000ull
int snd_play_position(struct snd_play *p, struct snd_play_pos *pos);
/* Wait until everything written was played. 0 or -1 (printed). */
int snd_play_drain(struct snd_play *p);
void snd_play_close(struct snd_play *p);

#endif
