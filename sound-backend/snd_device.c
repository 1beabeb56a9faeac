// SPDX-License-Identifier: MIT
/* The device: configuration, items, controls and events; see snd_device.h. */
#include "snd_device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ALSA-like standard layouts for 1..8 channels. */
static const uint8_t std_positions[SND_DEVICE_CHMAP_CHANNELS_MAX][SND_DEVICE_CHMAP_CHANNELS_MAX] = {
	{ VIRTIO_SND_CHMAP_MONO },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_FC },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR,
	  VIRTIO_SND_CHMAP_FC },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR,
	  VIRTIO_SND_CHMAP_FC, VIRTIO_SND_CHMAP_LFE },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR,
	  VIRTIO_SND_CHMAP_FC, VIRTIO_SND_CHMAP_LFE, VIRTIO_SND_CHMAP_RC },
	{ VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR,
	  VIRTIO_SND_CHMAP_FC, VIRTIO_SND_CHMAP_LFE, VIRTIO_SND_CHMAP_SL, VIRTIO_SND_CHMAP_SR },
};

uint32_t snd_jack_defconf(uint32_t connectivity, uint32_t location, uint32_t device,
			  uint32_t conn_type, uint32_t color, uint32_t association,
			  uint32_t sequence)
{
	return (connectivity & 0x3) << 30 | (location & 0x3f) << 24 | (device & 0xf) << 20 |
	       (conn_type & 0xf) << 16 | (color & 0xf) << 12 | (association & 0xf) << 4 |
	       (sequence & 0xf);
}

static bool nid_has_stream(const struct snd_device_desc *desc, uint32_t nid)
{
	for (uint32_t i = 0; i < desc->n_streams; i++)
		if (desc->streams[i].hda_fn_nid == nid)
			return true;
	return false;
}

static int check_desc(const struct snd_device_desc *desc)
{
	if (!desc || desc->n_streams > SND_DEVICE_STREAMS_MAX ||
	    desc->n_jacks > SND_DEVICE_JACKS_MAX)
		return -EINVAL;
	if ((desc->n_streams && !desc->streams) || (desc->n_jacks && !desc->jacks))
		return -EINVAL;
	for (uint32_t i = 0; i < desc->n_streams; i++)
		if (desc->streams[i].hda_fn_nid >= SND_DEVICE_NID_MAX)
			return -EINVAL;
	for (uint32_t i = 0; i < desc->n_jacks; i++)
		if (!nid_has_stream(desc, desc->jacks[i].hda_fn_nid))
			return -EINVAL;
	return 0;
}

static void build_chmaps(struct snd_device *d)
{
	for (uint32_t i = 0; i < d->n_streams; i++) {
		const struct snd_stream *s = &d->streams[i];

		for (uint32_t ch = s->channels_min;
		     ch <= s->channels_max && ch <= SND_DEVICE_CHMAP_CHANNELS_MAX; ch++) {
			struct virtio_snd_chmap_info *m = &d->chmaps[d->n_chmaps++];

			memset(m, 0, sizeof(*m));
			snd_put_le32(&m->hdr.hda_fn_nid, s->hda_fn_nid);
			m->direction = s->direction;
			m->channels = (uint8_t)ch;
			memcpy(m->positions, std_positions[ch - 1], ch);
		}
	}
}

static int build_controls(struct snd_device *d, const struct snd_volume_scale *scale)
{
	uint32_t index[2] = { 0, 0 };

	for (uint32_t i = 0; i < d->n_streams; i++) {
		const struct snd_stream *s = &d->streams[i];
		uint32_t idx = index[s->direction]++;

		if (snd_control_init_volume(&d->controls[d->n_controls++], i, s->hda_fn_nid,
					    s->direction, idx, scale))
			return -EINVAL;
		snd_control_init_switch(&d->controls[d->n_controls++], i, s->hda_fn_nid,
					s->direction, idx);
	}
	return 0;
}

int snd_device_create(const struct snd_device_desc *desc, struct snd_device **out)
{
	struct snd_device *d;
	uint32_t n_chmaps = 0;
	int rc;

	*out = NULL;
	rc = check_desc(desc);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->hooks = desc->hooks;
	d->stream_hooks.opaque = desc->hooks.opaque;
	d->stream_hooks.io_release = desc->hooks.io_release;

	rc = -ENOMEM;
	d->streams = calloc(desc->n_streams ? desc->n_streams : 1, sizeof(*d->streams));
	d->jacks = calloc(desc->n_jacks ? desc->n_jacks : 1, sizeof(*d->jacks));
	if (!d->streams || !d->jacks)
		goto fail;

	rc = -EINVAL;
	for (uint32_t i = 0; i < desc->n_streams; i++) {
		if (snd_stream_init(&d->streams[i], i, &desc->streams[i], &d->stream_hooks))
			goto fail;
		d->n_streams++;
		if (desc->chmaps)
			for (uint32_t ch = d->streams[i].channels_min;
			     ch <= d->streams[i].channels_max && ch <= SND_DEVICE_CHMAP_CHANNELS_MAX;
			     ch++)
				n_chmaps++;
	}
	for (uint32_t i = 0; i < desc->n_jacks; i++)
		d->jacks[i].desc = desc->jacks[i];
	d->n_jacks = desc->n_jacks;

	rc = -ENOMEM;
	d->chmaps = calloc(n_chmaps ? n_chmaps : 1, sizeof(*d->chmaps));
	d->controls = calloc(desc->controls && d->n_streams ? 2 * d->n_streams : 1,
			     sizeof(*d->controls));
	if (!d->chmaps || !d->controls)
		goto fail;
	if (desc->chmaps)
		build_chmaps(d);
	if (desc->controls) {
		const struct snd_volume_scale def = SND_VOLUME_SCALE_DEFAULT;

		rc = build_controls(d, desc->volume ? desc->volume : &def);
		if (rc)
			goto fail;
		if (d->n_controls)
			d->features_offered |= UINT64_C(1) << VIRTIO_SND_F_CTLS;
	}
	d->features_acked = d->features_offered;

	rc = snd_events_init(&d->events, d->n_jacks + d->n_controls + 2 * d->n_streams + 1);
	if (rc)
		goto fail;
	*out = d;
	return 0;

fail:
	snd_device_destroy(d);
	return rc;
}

void snd_device_destroy(struct snd_device *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->n_streams; i++)
		snd_stream_reset(&d->streams[i]);
	snd_events_fini(&d->events);
	free(d->streams);
	free(d->jacks);
	free(d->chmaps);
	free(d->controls);
	free(d);
}

void snd_device_config(const struct snd_device *d, struct snd_proto_config *cfg)
{
	snd_put_le32(&cfg->jacks, d->n_jacks);
	snd_put_le32(&cfg->streams, d->n_streams);
	snd_put_le32(&cfg->chmaps, d->n_chmaps);
	snd_put_le32(&cfg->controls, d->n_controls);
}

uint64_t snd_device_features(const struct snd_device *d)
{
	return d->features_offered;
}

void snd_device_set_acked_features(struct snd_device *d, uint64_t acked)
{
	d->features_acked = acked & d->features_offered;
}

bool snd_device_ctls_enabled(const struct snd_device *d)
{
	return d->n_controls && (d->features_acked >> VIRTIO_SND_F_CTLS) & 1;
}

void snd_device_reset(struct snd_device *d)
{
	for (uint32_t i = 0; i < d->n_streams; i++)
		snd_stream_reset(&d->streams[i]);
	for (uint32_t i = 0; i < d->n_jacks; i++)
		d->jacks[i].association = d->jacks[i].sequence = 0;
	snd_events_clear(&d->events);
	d->features_acked = d->features_offered;
}

struct snd_stream *snd_device_stream(struct snd_device *d, uint32_t stream_id)
{
	return stream_id < d->n_streams ? &d->streams[stream_id] : NULL;
}

static void queued(struct snd_device *d, int rc)
{
	if (!rc && d->hooks.event_queued)
		d->hooks.event_queued(d->hooks.opaque);
}

int snd_device_jack_set_connected(struct snd_device *d, uint32_t jack_id, bool connected)
{
	int rc;

	if (jack_id >= d->n_jacks)
		return -EINVAL;
	if (d->jacks[jack_id].desc.connected == connected)
		return 0;
	d->jacks[jack_id].desc.connected = connected;
	rc = snd_events_push_jack(&d->events, jack_id, connected);
	queued(d, rc);
	return rc;
}

void snd_device_notify_ctl(struct snd_device *d, uint32_t control_id, uint16_t mask)
{
	if (!snd_device_ctls_enabled(d) || control_id >= d->n_controls)
		return;
	queued(d, snd_events_push_ctl(&d->events, (uint16_t)control_id, mask));
}

int snd_device_ctl_set(struct snd_device *d, uint32_t control_id, const int32_t *values,
		       uint32_t n)
{
	int rc;

	if (control_id >= d->n_controls)
		return -EINVAL;
	rc = snd_control_set(&d->controls[control_id], values, n);
	if (rc > 0)
		snd_device_notify_ctl(d, control_id, 1u << VIRTIO_SND_CTL_EVT_MASK_VALUE);
	return rc;
}

int snd_device_control_of(const struct snd_device *d, uint32_t stream_id, uint32_t role)
{
	for (uint32_t i = 0; i < d->n_controls; i++)
		if (d->controls[i].stream_id == stream_id && d->controls[i].role == role)
			return (int)i;
	return -1;
}

int snd_device_stream_gain(const struct snd_device *d, uint32_t stream_id, int32_t *cdb,
			   bool *muted)
{
	int vol, sw;
	bool m = false;

	if (stream_id >= d->n_streams)
		return -EINVAL;
	*cdb = 0;
	*muted = false;
	vol = snd_device_control_of(d, stream_id, VIRTIO_SND_CTL_ROLE_VOLUME);
	sw = snd_device_control_of(d, stream_id, VIRTIO_SND_CTL_ROLE_MUTE);
	if (vol >= 0) {
		*cdb = snd_control_volume_cdb(&d->controls[vol], &m);
		*muted = m;
	}
	if (sw >= 0 && d->controls[sw].value[0] == 0)
		*muted = true;
	return 0;
}

int snd_device_pcm_event(struct snd_device *d, uint32_t code, uint32_t stream_id)
{
	int rc;

	if (stream_id >= d->n_streams)
		return -EINVAL;
	rc = snd_events_push_pcm(&d->events, code, stream_id);
	queued(d, rc);
	return rc;
}

bool snd_device_event_pop(struct snd_device *d, struct virtio_snd_event *ev)
{
	return snd_events_pop(&d->events, ev);
}

uint32_t snd_device_events_pending(const struct snd_device *d)
{
	return snd_events_pending(&d->events);
}
