/* SPDX-License-Identifier: MIT */
/*
 * The virtio-sound device model, transport-independent: configuration
 * (jacks, streams, chmaps, controls), the items PCM_INFO/JACK_INFO/
 * CHMAP_INFO/CTL_INFO describe, the streams' state machines, the control
 * values and the event queue. snd_ctl.c answers the control queue from it;
 * the vhost-user/virtqueue layer owns the rings and moves the bytes.
 *
 * Linkage by hda_fn_nid (Linux's virtio_snd makes one ALSA PCM device per
 * nid, numbered by it, holding every stream with that nid as a substream):
 * each channel map and control carries its stream's nid and direction, and
 * every jack must name the nid of some stream. nid < SND_DEVICE_NID_MAX
 * (kernels built without dynamic minors allow only 8 PCM devices: 0..7).
 *
 * Not thread-safe: the caller serializes every call for one device
 * (including snd_ctl_handle and the device-side setters below). The hooks
 * are called with that serialization in place and must not call back into
 * the device.
 */
#ifndef SND_DEVICE_H
#define SND_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "snd_controls.h"
#include "snd_events.h"
#include "snd_proto.h"
#include "snd_stream.h"

#define SND_DEVICE_STREAMS_MAX 64
#define SND_DEVICE_JACKS_MAX 64
#define SND_DEVICE_NID_MAX 32
/* Channel maps are generated for 1..8 channels (ALSA's standard layouts). */
#define SND_DEVICE_CHMAP_CHANNELS_MAX 8

struct snd_jack_desc {
	uint32_t hda_fn_nid;
	uint32_t defconf;	/* HDA pin default configuration (7.3.3.31) */
	uint32_t caps;		/* HDA pin capabilities (7.3.4.9) */
	bool connected;
	bool remappable;	/* offer VIRTIO_SND_JACK_F_REMAP */
};

struct snd_jack {
	struct snd_jack_desc desc;
	uint32_t association, sequence;	/* last JACK_REMAP */
};

struct snd_device_hooks {
	void *opaque;
	/* An event is waiting: push it into the event queue when a buffer is
	 * available (snd_device_event_pop). Optional. */
	void (*event_queued)(void *opaque);
	/* The driver wrote a new value into a control (apply the gain). */
	void (*ctl_changed)(void *opaque, uint32_t control_id);
	/* Complete the stream's pending I/O before RELEASE is answered. */
	void (*io_release)(void *opaque, uint32_t stream_id);
};

struct snd_device_desc {
	const struct snd_stream_desc *streams;
	uint32_t n_streams;
	const struct snd_jack_desc *jacks;
	uint32_t n_jacks;
	bool chmaps;		/* standard channel maps for every stream */
	bool controls;		/* volume + switch per stream (VIRTIO_SND_F_CTLS) */
	const struct snd_volume_scale *volume;	/* NULL: SND_VOLUME_SCALE_DEFAULT */
	struct snd_device_hooks hooks;
};

struct snd_device {
	struct snd_stream *streams;
	uint32_t n_streams;
	struct snd_jack *jacks;
	uint32_t n_jacks;
	struct virtio_snd_chmap_info *chmaps;	/* wire format, ready to copy */
	uint32_t n_chmaps;
	struct snd_control *controls;	/* 2 per stream: volume, switch */
	uint32_t n_controls;
	struct snd_events events;
	struct snd_device_hooks hooks;
	struct snd_stream_hooks stream_hooks;
	uint64_t features_offered;	/* device-specific bits (VIRTIO_SND_F_CTLS) */
	uint64_t features_acked;
};

/* Returns 0 and *out, or -EINVAL (inconsistent description) / -ENOMEM. */
int snd_device_create(const struct snd_device_desc *desc, struct snd_device **out);
/* Resets (closing every end) and frees. NULL is fine. */
void snd_device_destroy(struct snd_device *d);

/* The 16-byte configuration space, little-endian. */
void snd_device_config(const struct snd_device *d, struct snd_proto_config *cfg);
/* Device-specific feature bits offered; the transport adds VERSION_1 etc. */
uint64_t snd_device_features(const struct snd_device *d);
/* What the driver acked: without VIRTIO_SND_F_CTLS the CTL_* requests are
 * answered NOT_SUPP and no CTL_NOTIFY is queued. Default: all offered. */
void snd_device_set_acked_features(struct snd_device *d, uint64_t acked);
bool snd_device_ctls_enabled(const struct snd_device *d);
/* Device reset: every stream back to INITIAL (ends closed), remaps and the
 * event queue cleared. Control values and jack states are kept. */
void snd_device_reset(struct snd_device *d);

struct snd_stream *snd_device_stream(struct snd_device *d, uint32_t stream_id);

/* Device side: the host card's jack changed. 0, -EINVAL or -ENOSPC. */
int snd_device_jack_set_connected(struct snd_device *d, uint32_t jack_id, bool connected);
/* Device side: set a control's value; a change queues CTL_NOTIFY.
 * Returns 1 changed, 0 unchanged, -EINVAL. */
int snd_device_ctl_set(struct snd_device *d, uint32_t control_id, const int32_t *values,
		       uint32_t n);
/* Control id of a stream's VIRTIO_SND_CTL_ROLE_VOLUME/_MUTE control, or -1. */
int snd_device_control_of(const struct snd_device *d, uint32_t stream_id, uint32_t role);
/* Gain to apply to a stream: dB * 100 and muted (switch off or volume at a
 * mute minimum). 0 dB, not muted, when the device has no controls.
 * Returns 0 or -EINVAL (bad stream id). */
int snd_device_stream_gain(const struct snd_device *d, uint32_t stream_id, int32_t *cdb,
			   bool *muted);
/* Device side: PCM event (VIRTIO_SND_EVT_PCM_XRUN ...) for a stream. */
int snd_device_pcm_event(struct snd_device *d, uint32_t code, uint32_t stream_id);

/* Event queue: take the oldest pending event (8 bytes, wire format). */
bool snd_device_event_pop(struct snd_device *d, struct virtio_snd_event *ev);
uint32_t snd_device_events_pending(const struct snd_device *d);

/* Internal to snd_ctl.c: queue CTL_NOTIFY(mask) if controls are enabled. */
void snd_device_notify_ctl(struct snd_device *d, uint32_t control_id, uint16_t mask);

/* HDA pin default configuration from its parts (for jack descriptions). */
uint32_t snd_jack_defconf(uint32_t connectivity, uint32_t location, uint32_t device,
			  uint32_t conn_type, uint32_t color, uint32_t association,
			  uint32_t sequence);

#endif /* SND_DEVICE_H */
