/* SPDX-License-Identifier: MIT */
/*
 * One virtio-sound PCM stream: what it advertises and its state machine.
 *
 * States and the requests that move them (virtio 1.3 "PCM Command
 * Lifecycle", plus the tolerance real clients need):
 *
 *   request     accepted in                          -> new state
 *   SET_PARAMS  INITIAL PARAMS PREPARED RELEASED      -> PARAMS
 *               STOPPED (tolerated: implicit RELEASE) -> PARAMS
 *   PREPARE     PARAMS PREPARED RELEASED              -> PREPARED
 *               STOPPED (tolerated: implicit RELEASE) -> PREPARED
 *   START       PREPARED STOPPED                      -> STARTED
 *   STOP        STARTED                               -> STOPPED
 *               STOPPED (tolerated, no-op)            -> STOPPED
 *   RELEASE     PREPARED STOPPED                      -> RELEASED
 *               INITIAL PARAMS RELEASED (no-op, OK)   -> unchanged
 *   anything else: VIRTIO_SND_S_BAD_MSG, state unchanged.
 *
 * Why the tolerated ones: Linux's virtio_snd sends STOP on pause and START
 * on resume (STOPPED -> START); after a suspend the device has been reset but
 * the driver's sync_stop still sends RELEASE before its SET_PARAMS (INITIAL
 * -> RELEASE); tools such as sox send SET_PARAMS/PREPARE several times in a
 * row; a stream paused and then closed gets its next SET_PARAMS while still
 * STOPPED.
 *
 * The end is opened lazily by PREPARE (with the stored parameters) and closed
 * by RELEASE, by a SET_PARAMS that replaces the parameters, and by reset, so a
 * handle is never leaked or opened twice.
 *
 * RELEASE and the I/O layer: the specification requires the device to
 * complete every pending I/O message of the stream before it answers
 * RELEASE; Linux waits for exactly that after the reply ("failed to flush I/O
 * queue" otherwise). Every path that releases (RELEASE, implicit release)
 * therefore calls hooks->io_release(opaque, stream_id) first, and the I/O
 * layer must return from it only when it has returned all the stream's
 * buffers to the used ring (tx with status OK once consumed or dropped, rx
 * with what was captured). A reset does not call it: the rings are gone.
 *
 * Not thread-safe: the caller serializes all calls for one device.
 */
#ifndef SND_STREAM_H
#define SND_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "snd_end.h"
#include "snd_proto.h"

/* Largest buffer_bytes accepted by SET_PARAMS (Linux's default is 160 ms:
 * 384 kHz * 18 ch * 8 bytes * 160 ms is 8.8 MB). */
#define SND_STREAM_BUFFER_BYTES_MAX (32u << 20)
/* Most periods per buffer accepted. */
#define SND_STREAM_PERIODS_MAX 1024u

enum snd_stream_state {
	SND_STREAM_INITIAL = 0,
	SND_STREAM_PARAMS,
	SND_STREAM_PREPARED,
	SND_STREAM_STARTED,
	SND_STREAM_STOPPED,
	SND_STREAM_RELEASED,
};

/* How a stream is described when the device is built. */
struct snd_stream_desc {
	uint8_t direction;		/* VIRTIO_SND_D_OUTPUT or _INPUT */
	uint8_t channels_min, channels_max;
	uint64_t formats;		/* 1 << VIRTIO_SND_PCM_FMT_x */
	uint64_t rates;			/* 1 << VIRTIO_SND_PCM_RATE_x */
	uint32_t features;		/* 1 << VIRTIO_SND_PCM_F_x offered */
	uint32_t hda_fn_nid;		/* the guest's PCM device number */
	const char *end_name;		/* "hw:Loopback,0,0", "null", "wav:/path" */
	const struct snd_end_ops *end_ops;
	void *end_ctx;			/* first argument of end_ops->open */
};

struct snd_stream_hooks {
	void *opaque;
	/* Complete all pending I/O of the stream (see above). Optional. */
	void (*io_release)(void *opaque, uint32_t stream_id);
};

struct snd_stream {
	uint32_t id;
	/* advertised */
	uint8_t direction, channels_min, channels_max;
	uint64_t formats, rates;
	uint32_t features, hda_fn_nid;
	char end_name[SND_END_NAME_MAX];
	const struct snd_end_ops *end_ops;
	void *end_ctx;
	const struct snd_stream_hooks *hooks;
	/* state */
	enum snd_stream_state state;
	struct snd_end_params params;	/* valid unless INITIAL */
	void *end;			/* open end handle, or NULL */
};

/* Returns 0, or -EINVAL if the description is unusable. */
int snd_stream_init(struct snd_stream *s, uint32_t id, const struct snd_stream_desc *desc,
		    const struct snd_stream_hooks *hooks);
/* Closes the end if open (no I/O hook), back to INITIAL. */
void snd_stream_reset(struct snd_stream *s);

/* Control requests; each returns a VIRTIO_SND_S_x status. */
uint32_t snd_stream_set_params(struct snd_stream *s, const struct virtio_snd_pcm_set_params *req);
uint32_t snd_stream_prepare(struct snd_stream *s);
uint32_t snd_stream_start(struct snd_stream *s);
uint32_t snd_stream_stop(struct snd_stream *s);
uint32_t snd_stream_release(struct snd_stream *s);

/* PCM_INFO item for this stream. */
void snd_stream_info(const struct snd_stream *s, struct virtio_snd_pcm_info *info);

/* The device latency to report in virtio_snd_pcm_status.latency_bytes. */
uint32_t snd_stream_latency_bytes(const struct snd_stream *s);
/* True while the I/O layer should move audio (STARTED). */
bool snd_stream_running(const struct snd_stream *s);
const char *snd_stream_state_name(enum snd_stream_state state);

#endif /* SND_STREAM_H */
