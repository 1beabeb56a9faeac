/* SPDX-License-Identifier: MIT */
/*
 * Events waiting for a buffer on the event queue (jack plugged/unplugged,
 * control changed, PCM xrun). Bounded, and coalescing so that it cannot
 * overflow with a capacity of one slot per source: a newer jack event
 * replaces a queued one for the same jack (the driver only needs the latest
 * state), CTL_NOTIFY masks for the same control are OR-ed together, and an
 * identical PCM event is not queued twice.
 */
#ifndef SND_EVENTS_H
#define SND_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "snd_proto.h"

struct snd_event_slot {
	uint32_t code;
	uint32_t data;	/* jack id, stream id, or control id | mask << 16 */
};

struct snd_events {
	struct snd_event_slot *slots;
	uint32_t cap, head, count;
};

/* Returns 0 or -ENOMEM / -EINVAL (cap 0). */
int snd_events_init(struct snd_events *q, uint32_t cap);
void snd_events_fini(struct snd_events *q);
void snd_events_clear(struct snd_events *q);

/* Each returns 0, or -ENOSPC if the queue is full and nothing coalesced. */
int snd_events_push_jack(struct snd_events *q, uint32_t jack_id, bool connected);
int snd_events_push_ctl(struct snd_events *q, uint16_t control_id, uint16_t mask);
int snd_events_push_pcm(struct snd_events *q, uint32_t code, uint32_t stream_id);

uint32_t snd_events_pending(const struct snd_events *q);
/* Take the oldest event in wire format (8 bytes); false if none. */
bool snd_events_pop(struct snd_events *q, struct virtio_snd_event *out);

#endif /* SND_EVENTS_H */
