// SPDX-License-Identifier: MIT
/* Host card jack controls -> virtio-sound jacks; see host_jacks.h. */
#include "host_jacks.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>

#include "snd_jackmap.h"

struct card_ctl {
	int card;
	snd_ctl_t *ctl;
};

struct jack {
	unsigned int ctl;	/* index into ctls */
	unsigned int numid;
	bool connected;		/* last reported */
};

struct host_jacks {
	struct card_ctl ctls[SND_DEVICE_STREAMS_MAX];
	unsigned int n_ctls;
	struct jack jacks[SND_DEVICE_JACKS_MAX];
	struct snd_jack_desc descs[SND_DEVICE_JACKS_MAX];
	uint32_t n_jacks;
	char name[64];
};

/* The stream of `card' a jack of direction dir belongs to, or -1. */
static int stream_for(const struct host_jack_stream *s, uint32_t n, int card, uint8_t dir)
{
	int any = -1;

	for (uint32_t i = 0; i < n; i++) {
		if (s[i].card != card)
			continue;
		if (s[i].direction == dir)
			return (int)i;
		if (any < 0)
			any = (int)i;
	}
	return any;
}

static int read_bool(snd_ctl_t *ctl, unsigned int numid, bool *on)
{
	snd_ctl_elem_value_t *v;
	int rc;

	snd_ctl_elem_value_alloca(&v);
	snd_ctl_elem_value_set_numid(v, numid);
	rc = snd_ctl_elem_read(ctl, v);
	if (rc < 0)
		return rc;
	*on = snd_ctl_elem_value_get_boolean(v, 0);
	return 0;
}

/* Add the jack controls of one card. */
static void scan_card(struct host_jacks *h, unsigned int ci, const struct host_jack_stream *s,
		      uint32_t n)
{
	snd_ctl_t *ctl = h->ctls[ci].ctl;
	snd_ctl_elem_list_t *list;
	snd_ctl_elem_info_t *info;
	unsigned int count;

	snd_ctl_elem_list_alloca(&list);
	snd_ctl_elem_info_alloca(&info);
	if (snd_ctl_elem_list(ctl, list) < 0)
		return;
	count = snd_ctl_elem_list_get_count(list);
	if (!count || snd_ctl_elem_list_alloc_space(list, count) < 0)
		return;
	if (snd_ctl_elem_list(ctl, list) < 0)
		goto out;
	for (unsigned int i = 0; i < snd_ctl_elem_list_get_used(list); i++) {
		const char *name = snd_ctl_elem_list_get_name(list, i);
		unsigned int numid = snd_ctl_elem_list_get_numid(list, i);
		bool on = false;
		int si;

		if (snd_ctl_elem_list_get_interface(list, i) != SND_CTL_ELEM_IFACE_CARD ||
		    !snd_jackmap_is_jack_name(name))
			continue;
		snd_ctl_elem_info_set_numid(info, numid);
		if (snd_ctl_elem_info(ctl, info) < 0 ||
		    snd_ctl_elem_info_get_type(info) != SND_CTL_ELEM_TYPE_BOOLEAN ||
		    !snd_ctl_elem_info_is_readable(info))
			continue;
		si = stream_for(s, n, h->ctls[ci].card, snd_jackmap_direction(name));
		if (si < 0 || read_bool(ctl, numid, &on) < 0)
			continue;
		if (h->n_jacks == SND_DEVICE_JACKS_MAX) {
			fprintf(stderr, "%s: card %d: more than %d jacks, \"%s\" left out\n",
				h->name, h->ctls[ci].card, SND_DEVICE_JACKS_MAX, name);
			continue;
		}
		snd_jackmap_desc(name, s[si].nid, on, &h->descs[h->n_jacks]);
		h->jacks[h->n_jacks] = (struct jack){ .ctl = ci, .numid = numid, .connected = on };
		h->n_jacks++;
		fprintf(stderr, "%s: card %d \"%s\" (%s) is jack %u of PCM device %u\n", h->name,
			h->ctls[ci].card, name, on ? "connected" : "disconnected", h->n_jacks - 1,
			s[si].nid);
	}
out:
	snd_ctl_elem_list_free_space(list);
}

int host_jacks_open(const struct host_jack_stream *streams, uint32_t n_streams,
		    const char *log_name, struct host_jacks **out)
{
	struct host_jacks *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", log_name ? log_name : "host-jacks");
	for (uint32_t i = 0; i < n_streams && h->n_ctls < SND_DEVICE_STREAMS_MAX; i++) {
		int card = streams[i].card, rc;
		char dev[32];
		bool seen = false;
		snd_ctl_t *ctl;

		for (unsigned int k = 0; k < h->n_ctls; k++)
			seen |= h->ctls[k].card == card;
		if (card < 0 || seen)
			continue;
		snprintf(dev, sizeof(dev), "hw:%d", card);
		rc = snd_ctl_open(&ctl, dev, SND_CTL_NONBLOCK);
		if (rc < 0) {
			fprintf(stderr, "%s: card %d: no jack detection (%s)\n", h->name, card,
				snd_strerror(rc));
			continue;
		}
		/* Subscribed before the values are read: no change is missed. */
		rc = snd_ctl_subscribe_events(ctl, 1);
		if (rc < 0) {
			fprintf(stderr, "%s: card %d: no jack events (%s)\n", h->name, card,
				snd_strerror(rc));
			snd_ctl_close(ctl);
			continue;
		}
		h->ctls[h->n_ctls].card = card;
		h->ctls[h->n_ctls].ctl = ctl;
		scan_card(h, h->n_ctls, streams, n_streams);
		h->n_ctls++;
	}
	/* A card without jacks is not watched. */
	for (unsigned int k = 0; k < h->n_ctls;) {
		bool used = false;

		for (uint32_t j = 0; j < h->n_jacks; j++)
			used |= h->jacks[j].ctl == k;
		if (used) {
			k++;
			continue;
		}
		snd_ctl_close(h->ctls[k].ctl);
		h->ctls[k] = h->ctls[--h->n_ctls];
		for (uint32_t j = 0; j < h->n_jacks; j++)
			if (h->jacks[j].ctl == h->n_ctls)
				h->jacks[j].ctl = k;
	}
	*out = h;
	return 0;
}

void host_jacks_close(struct host_jacks *h)
{
	if (!h)
		return;
	for (unsigned int k = 0; k < h->n_ctls; k++)
		snd_ctl_close(h->ctls[k].ctl);
	free(h);
}

uint32_t host_jacks_count(const struct host_jacks *h)
{
	return h ? h->n_jacks : 0;
}

const struct snd_jack_desc *host_jacks_descs(const struct host_jacks *h)
{
	return h ? h->descs : NULL;
}

unsigned int host_jacks_fds(const struct host_jacks *h, int *fds, unsigned int cap)
{
	unsigned int n = 0;

	for (unsigned int k = 0; h && k < h->n_ctls; k++) {
		struct pollfd p[4];
		int c = snd_ctl_poll_descriptors(h->ctls[k].ctl, p, 4);

		for (int i = 0; i < c && n < cap; i++)
			fds[n++] = p[i].fd;
	}
	return n;
}

void host_jacks_service(struct host_jacks *h,
			void (*changed)(void *opaque, uint32_t jack_id, bool connected),
			void *opaque)
{
	snd_ctl_event_t *ev;

	if (!h)
		return;
	snd_ctl_event_alloca(&ev);
	for (unsigned int k = 0; k < h->n_ctls; k++) {
		snd_ctl_t *ctl = h->ctls[k].ctl;

		while (snd_ctl_read(ctl, ev) > 0) {
			unsigned int mask, numid;

			if (snd_ctl_event_get_type(ev) != SND_CTL_EVENT_ELEM)
				continue;
			mask = snd_ctl_event_elem_get_mask(ev);
			if (mask == SND_CTL_EVENT_MASK_REMOVE || !(mask & SND_CTL_EVENT_MASK_VALUE))
				continue;
			numid = snd_ctl_event_elem_get_numid(ev);
			for (uint32_t j = 0; j < h->n_jacks; j++) {
				struct jack *jk = &h->jacks[j];
				bool on;

				if (jk->ctl != k || jk->numid != numid ||
				    read_bool(ctl, numid, &on) < 0 || on == jk->connected)
					continue;
				jk->connected = on;
				fprintf(stderr, "%s: card %d jack %u %s\n", h->name, h->ctls[k].card,
					j, on ? "connected" : "disconnected");
				changed(opaque, j, on);
			}
		}
	}
}
