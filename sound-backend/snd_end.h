/* SPDX-License-Identifier: MIT */
/*
 * The audio "end" a virtio-sound stream is bound to: an ALSA PCM
 * ("hw:Loopback,0,0"), the paced "null" end or a "wav:/path" file. The stream
 * state machine (snd_stream.c) drives it only through these function
 * pointers, so every end plugs in the same way and the unit tests use a
 * recording fake.
 *
 * Contract, checked by the tests: every successful open() is matched by
 * exactly one close(), whatever the sequence of control requests and resets;
 * prepare/start/stop/delay_frames are only called between the two.
 */
#ifndef SND_END_H
#define SND_END_H

#include <stdint.h>

#include <alsa/asoundlib.h>

/* Longest end name, with its NUL ("wav:/some/path.wav"). */
#define SND_END_NAME_MAX 256

/* What the driver chose with PCM_SET_PARAMS, decoded. */
struct snd_end_params {
	uint32_t stream_id;
	uint8_t direction;		/* VIRTIO_SND_D_OUTPUT or _INPUT */
	uint8_t channels;
	uint8_t vformat;		/* VIRTIO_SND_PCM_FMT_x */
	uint8_t vrate;			/* VIRTIO_SND_PCM_RATE_x */
	snd_pcm_format_t format;	/* the same, for ALSA */
	unsigned int rate_hz;
	uint32_t frame_bytes;
	uint32_t buffer_bytes;		/* the guest's buffer */
	uint32_t period_bytes;		/* the guest's period: size the host buffer from it */
	uint32_t features;		/* VIRTIO_SND_PCM_F_x selected */
};

struct snd_end_ops {
	/* Open `name' for `params'; on success store a handle and return 0. */
	int (*open)(void *ctx, const char *name, const struct snd_end_params *params,
		    void **handle);
	/* Ready to start from the beginning (drop whatever is queued). */
	int (*prepare)(void *handle);
	int (*start)(void *handle);
	/* Stop now; data still queued in the end may be dropped. */
	int (*stop)(void *handle);
	void (*close)(void *handle);
	/* Frames the end holds that are not yet played (output) or not yet
	 * handed over (input): the basis of latency_bytes. Optional. */
	int (*delay_frames)(void *handle, uint32_t *frames);
};

#endif /* SND_END_H */
