// SPDX-License-Identifier: MIT
/* The PCM stream state machine; see snd_stream.h for the transition table. */
#include "snd_stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "snd_format.h"

int snd_stream_init(struct snd_stream *s, uint32_t id, const struct snd_stream_desc *desc,
		    const struct snd_stream_hooks *hooks)
{
	memset(s, 0, sizeof(*s));
	if (!desc || !desc->end_ops || !desc->end_ops->open || !desc->end_ops->close)
		return -EINVAL;
	if (desc->direction != VIRTIO_SND_D_OUTPUT && desc->direction != VIRTIO_SND_D_INPUT)
		return -EINVAL;
	if (!desc->channels_min || desc->channels_min > desc->channels_max ||
	    desc->channels_max > SND_FORMAT_CHANNELS_MAX)
		return -EINVAL;
	if (!desc->formats || (desc->formats & ~snd_format_mappable_mask()))
		return -EINVAL;
	if (!desc->rates || (desc->rates & ~snd_rate_mappable_mask()))
		return -EINVAL;
	if (!desc->end_name || !desc->end_name[0] ||
	    strlen(desc->end_name) >= sizeof(s->end_name))
		return -EINVAL;

	s->id = id;
	s->direction = desc->direction;
	s->channels_min = desc->channels_min;
	s->channels_max = desc->channels_max;
	s->formats = desc->formats;
	s->rates = desc->rates;
	s->features = desc->features;
	s->hda_fn_nid = desc->hda_fn_nid;
	snprintf(s->end_name, sizeof(s->end_name), "%s", desc->end_name);
	s->end_ops = desc->end_ops;
	s->end_ctx = desc->end_ctx;
	s->hooks = hooks;
	s->state = SND_STREAM_INITIAL;
	return 0;
}

static void close_end(struct snd_stream *s)
{
	if (s->end) {
		s->end_ops->close(s->end);
		s->end = NULL;
	}
}

/* Pending I/O first (the reply must follow it), then the end. */
static void release(struct snd_stream *s)
{
	if (s->hooks && s->hooks->io_release)
		s->hooks->io_release(s->hooks->opaque, s->id);
	close_end(s);
}

void snd_stream_reset(struct snd_stream *s)
{
	if (s->end && s->state == SND_STREAM_STARTED && s->end_ops->stop)
		s->end_ops->stop(s->end);
	close_end(s);
	memset(&s->params, 0, sizeof(s->params));
	s->state = SND_STREAM_INITIAL;
}

/* Decode and check a SET_PARAMS request; 0 if acceptable. */
static int check_params(const struct snd_stream *s, const struct virtio_snd_pcm_set_params *req,
			struct snd_end_params *p)
{
	uint32_t buffer = snd_get_le32(&req->buffer_bytes);
	uint32_t period = snd_get_le32(&req->period_bytes);
	uint32_t features = snd_get_le32(&req->features);
	uint32_t frame;

	if (req->channels < s->channels_min || req->channels > s->channels_max)
		return -1;
	if (req->format >= 64 || !((s->formats >> req->format) & 1))
		return -1;
	if (req->rate >= 64 || !((s->rates >> req->rate) & 1))
		return -1;
	if (features & ~s->features)
		return -1;
	frame = snd_format_frame_bytes(req->format, req->channels);
	if (!frame || !period || !buffer || buffer > SND_STREAM_BUFFER_BYTES_MAX)
		return -1;
	if (period % frame || buffer % period || buffer / period > SND_STREAM_PERIODS_MAX)
		return -1;

	memset(p, 0, sizeof(*p));
	p->stream_id = s->id;
	p->direction = s->direction;
	p->channels = req->channels;
	p->vformat = req->format;
	p->vrate = req->rate;
	p->format = snd_format_to_alsa(req->format);
	p->rate_hz = snd_rate_to_hz(req->rate);
	p->frame_bytes = frame;
	p->buffer_bytes = buffer;
	p->period_bytes = period;
	p->features = features;
	return 0;
}

uint32_t snd_stream_set_params(struct snd_stream *s, const struct virtio_snd_pcm_set_params *req)
{
	struct snd_end_params p;

	switch (s->state) {
	case SND_STREAM_INITIAL:
	case SND_STREAM_PARAMS:
	case SND_STREAM_PREPARED:
	case SND_STREAM_RELEASED:
	case SND_STREAM_STOPPED:
		break;
	default:
		return VIRTIO_SND_S_BAD_MSG;
	}
	if (check_params(s, req, &p))
		return VIRTIO_SND_S_BAD_MSG;
	/* Buffers the driver queued for the old parameters go back first. */
	if (s->state == SND_STREAM_STOPPED || s->state == SND_STREAM_PREPARED)
		release(s);
	s->params = p;
	s->state = SND_STREAM_PARAMS;
	return VIRTIO_SND_S_OK;
}

uint32_t snd_stream_prepare(struct snd_stream *s)
{
	switch (s->state) {
	case SND_STREAM_PARAMS:
	case SND_STREAM_PREPARED:
	case SND_STREAM_RELEASED:
		break;
	case SND_STREAM_STOPPED:
		release(s);
		s->state = SND_STREAM_RELEASED;
		break;
	default:
		return VIRTIO_SND_S_BAD_MSG;
	}
	if (!s->end) {
		void *h = NULL;

		if (s->end_ops->open(s->end_ctx, s->end_name, &s->params, &h) || !h)
			return VIRTIO_SND_S_IO_ERR;
		s->end = h;
	}
	if (s->end_ops->prepare && s->end_ops->prepare(s->end)) {
		/* Leave it closed: the next PREPARE opens it afresh. */
		close_end(s);
		if (s->state == SND_STREAM_PREPARED)
			s->state = SND_STREAM_PARAMS;
		return VIRTIO_SND_S_IO_ERR;
	}
	s->state = SND_STREAM_PREPARED;
	return VIRTIO_SND_S_OK;
}

uint32_t snd_stream_start(struct snd_stream *s)
{
	if (s->state != SND_STREAM_PREPARED && s->state != SND_STREAM_STOPPED)
		return VIRTIO_SND_S_BAD_MSG;
	if (s->end_ops->start && s->end_ops->start(s->end))
		return VIRTIO_SND_S_IO_ERR;
	s->state = SND_STREAM_STARTED;
	return VIRTIO_SND_S_OK;
}

uint32_t snd_stream_stop(struct snd_stream *s)
{
	int rc = 0;

	if (s->state == SND_STREAM_STOPPED)
		return VIRTIO_SND_S_OK;
	if (s->state != SND_STREAM_STARTED)
		return VIRTIO_SND_S_BAD_MSG;
	if (s->end_ops->stop)
		rc = s->end_ops->stop(s->end);
	/* Stopped either way: the I/O layer must stop moving audio. */
	s->state = SND_STREAM_STOPPED;
	return rc ? VIRTIO_SND_S_IO_ERR : VIRTIO_SND_S_OK;
}

uint32_t snd_stream_release(struct snd_stream *s)
{
	switch (s->state) {
	case SND_STREAM_PREPARED:
	case SND_STREAM_STOPPED:
		release(s);
		s->state = SND_STREAM_RELEASED;
		return VIRTIO_SND_S_OK;
	case SND_STREAM_INITIAL:
	case SND_STREAM_PARAMS:
	case SND_STREAM_RELEASED:
		return VIRTIO_SND_S_OK;
	default:
		return VIRTIO_SND_S_BAD_MSG;
	}
}

void snd_stream_info(const struct snd_stream *s, struct virtio_snd_pcm_info *info)
{
	const struct snd_pcm_caps caps = {
		.formats = s->formats,
		.rates = s->rates,
		.channels_min = s->channels_min,
		.channels_max = s->channels_max,
	};

	snd_caps_to_pcm_info(&caps, s->hda_fn_nid, s->direction, s->features, info);
}

uint32_t snd_stream_latency_bytes(const struct snd_stream *s)
{
	uint32_t frames = 0;
	uint64_t bytes;

	if (!s->end || !s->end_ops->delay_frames || s->end_ops->delay_frames(s->end, &frames))
		return 0;
	bytes = (uint64_t)frames * s->params.frame_bytes;
	return bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}

bool snd_stream_running(const struct snd_stream *s)
{
	return s->state == SND_STREAM_STARTED;
}

const char *snd_stream_state_name(enum snd_stream_state state)
{
	switch (state) {
	case SND_STREAM_INITIAL:
		return "initial";
	case SND_STREAM_PARAMS:
		return "params-set";
	case SND_STREAM_PREPARED:
		return "prepared";
	case SND_STREAM_STARTED:
		return "started";
	case SND_STREAM_STOPPED:
		return "stopped";
	case SND_STREAM_RELEASED:
		return "released";
	}
	return "?";
}
