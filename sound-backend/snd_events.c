// SPDX-License-Identifier: MIT
/* The coalescing event queue; see snd_events.h. */
#include "snd_events.h"

#include <errno.h>
#include <stdlib.h>

int snd_events_init(struct snd_events *q, uint32_t cap)
{
	q->slots = NULL;
	q->cap = q->head = q->count = 0;
	if (!cap)
		return -EINVAL;
	q->slots = calloc(cap, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void snd_events_fini(struct snd_events *q)
{
	free(q->slots);
	q->slots = NULL;
	q->cap = q->head = q->count = 0;
}

void snd_events_clear(struct snd_events *q)
{
	q->head = q->count = 0;
}

static struct snd_event_slot *at(struct snd_events *q, uint32_t i)
{
	return &q->slots[(q->head + i) % q->cap];
}

static int append(struct snd_events *q, uint32_t code, uint32_t data)
{
	struct snd_event_slot *e;

	if (q->count >= q->cap)
		return -ENOSPC;
	e = at(q, q->count++);
	e->code = code;
	e->data = data;
	return 0;
}

static bool is_jack(uint32_t code)
{
	return code == VIRTIO_SND_EVT_JACK_CONNECTED || code == VIRTIO_SND_EVT_JACK_DISCONNECTED;
}

int snd_events_push_jack(struct snd_events *q, uint32_t jack_id, bool connected)
{
	uint32_t code = connected ? VIRTIO_SND_EVT_JACK_CONNECTED : VIRTIO_SND_EVT_JACK_DISCONNECTED;

	for (uint32_t i = 0; i < q->count; i++) {
		struct snd_event_slot *e = at(q, i);

		if (is_jack(e->code) && e->data == jack_id) {
			e->code = code;
			return 0;
		}
	}
	return append(q, code, jack_id);
}

int snd_events_push_ctl(struct snd_events *q, uint16_t control_id, uint16_t mask)
{
	for (uint32_t i = 0; i < q->count; i++) {
		struct snd_event_slot *e = at(q, i);

		if (e->code == VIRTIO_SND_EVT_CTL_NOTIFY && (e->data & 0xffff) == control_id) {
			e->data |= (uint32_t)mask << 16;
			return 0;
		}
	}
	return append(q, VIRTIO_SND_EVT_CTL_NOTIFY, control_id | (uint32_t)mask << 16);
}

int snd_events_push_pcm(struct snd_events *q, uint32_t code, uint32_t stream_id)
{
	if (code != VIRTIO_SND_EVT_PCM_PERIOD_ELAPSED && code != VIRTIO_SND_EVT_PCM_XRUN)
		return -EINVAL;
	for (uint32_t i = 0; i < q->count; i++) {
		struct snd_event_slot *e = at(q, i);

		if (e->code == code && e->data == stream_id)
			return 0;
	}
	return append(q, code, stream_id);
}

uint32_t snd_events_pending(const struct snd_events *q)
{
	return q->count;
}

bool snd_events_pop(struct snd_events *q, struct virtio_snd_event *out)
{
	struct snd_event_slot e;
	uint8_t *b = (uint8_t *)out;

	if (!q->count)
		return false;
	e = *at(q, 0);
	q->head = (q->head + 1) % q->cap;
	q->count--;

	snd_put_le32(b, e.code);
	if (e.code == VIRTIO_SND_EVT_CTL_NOTIFY) {
		/* struct virtio_snd_ctl_event: le16 control_id, le16 mask */
		snd_put_le16(b + 4, (uint16_t)(e.data & 0xffff));
		snd_put_le16(b + 6, (uint16_t)(e.data >> 16));
	} else {
		snd_put_le32(b + 4, e.data);
	}
	return true;
}
