// SPDX-License-Identifier: MIT
/* Volume and switch control elements; see snd_controls.h. */
#include "snd_controls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ACCESS(bit) (1u << VIRTIO_SND_CTL_ACCESS_##bit)

static void init_common(struct snd_control *c, uint32_t stream_id, uint32_t hda_fn_nid,
			uint32_t index)
{
	memset(c, 0, sizeof(*c));
	c->stream_id = stream_id;
	c->hda_fn_nid = hda_fn_nid;
	c->index = index;
	c->count = 1;
}

int snd_control_init_volume(struct snd_control *c, uint32_t stream_id, uint32_t hda_fn_nid,
			    uint8_t direction, uint32_t index,
			    const struct snd_volume_scale *scale)
{
	int64_t max_cdb;

	if (!scale || !scale->step_cdb || scale->step_cdb > 0xffff || !scale->steps ||
	    scale->steps > INT32_MAX)
		return -EINVAL;
	max_cdb = (int64_t)scale->min_cdb + (int64_t)scale->step_cdb * scale->steps;
	if (max_cdb > INT32_MAX)
		return -EINVAL;

	init_common(c, stream_id, hda_fn_nid, index);
	snprintf(c->name, sizeof(c->name), "%s",
		 direction == VIRTIO_SND_D_INPUT ? "Capture Volume" : "PCM Playback Volume");
	c->role = VIRTIO_SND_CTL_ROLE_VOLUME;
	c->type = VIRTIO_SND_CTL_TYPE_INTEGER;
	c->access = ACCESS(READ) | ACCESS(WRITE) | ACCESS(TLV_READ);
	c->min = 0;
	c->max = (int32_t)scale->steps;
	c->step = 1;
	c->scale = *scale;
	/* 0 dB if the range has it, else the top. */
	c->value[0] = c->max;
	if (scale->min_cdb <= 0 && max_cdb >= 0 && -scale->min_cdb % (int32_t)scale->step_cdb == 0)
		c->value[0] = -scale->min_cdb / (int32_t)scale->step_cdb;

	snd_put_le32(c->tlv + 0, SND_TLV_DB_SCALE);
	snd_put_le32(c->tlv + 4, 8);
	snd_put_le32(c->tlv + 8, (uint32_t)scale->min_cdb);
	snd_put_le32(c->tlv + 12, (scale->step_cdb & 0xffff) |
				       (scale->min_is_mute ? SND_TLV_DB_SCALE_MUTE : 0));
	c->tlv_bytes = 16;
	return 0;
}

void snd_control_init_switch(struct snd_control *c, uint32_t stream_id, uint32_t hda_fn_nid,
			     uint8_t direction, uint32_t index)
{
	init_common(c, stream_id, hda_fn_nid, index);
	snprintf(c->name, sizeof(c->name), "%s",
		 direction == VIRTIO_SND_D_INPUT ? "Capture Switch" : "PCM Playback Switch");
	c->role = VIRTIO_SND_CTL_ROLE_MUTE;
	c->type = VIRTIO_SND_CTL_TYPE_BOOLEAN;
	c->access = ACCESS(READ) | ACCESS(WRITE);
	c->min = 0;
	c->max = 1;
	c->step = 1;
	c->value[0] = 1;
}

void snd_control_info(const struct snd_control *c, struct virtio_snd_ctl_info *info)
{
	memset(info, 0, sizeof(*info));
	snd_put_le32(&info->hdr.hda_fn_nid, c->hda_fn_nid);
	snd_put_le32(&info->role, c->role);
	snd_put_le32(&info->type, c->type);
	snd_put_le32(&info->access, c->access);
	snd_put_le32(&info->count, c->count);
	snd_put_le32(&info->index, c->index);
	memcpy(info->name, c->name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = 0;
	if (c->type == VIRTIO_SND_CTL_TYPE_INTEGER) {
		snd_put_le32(&info->value.integer.min, (uint32_t)c->min);
		snd_put_le32(&info->value.integer.max, (uint32_t)c->max);
		snd_put_le32(&info->value.integer.step, (uint32_t)c->step);
	}
}

void snd_control_read(const struct snd_control *c, struct virtio_snd_ctl_value *v)
{
	memset(v, 0, sizeof(*v));
	for (uint32_t i = 0; i < c->count && i < SND_CONTROL_COUNT_MAX; i++)
		snd_put_le32(&v->value.integer[i], (uint32_t)c->value[i]);
}

int snd_control_set(struct snd_control *c, const int32_t *values, uint32_t n)
{
	int changed = 0;

	if (!values || n != c->count || n > SND_CONTROL_COUNT_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (values[i] < c->min || values[i] > c->max)
			return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (c->value[i] != values[i])
			changed = 1;
		c->value[i] = values[i];
	}
	return changed;
}

int snd_control_write(struct snd_control *c, const struct virtio_snd_ctl_value *v)
{
	int32_t vals[SND_CONTROL_COUNT_MAX];

	for (uint32_t i = 0; i < c->count && i < SND_CONTROL_COUNT_MAX; i++)
		vals[i] = (int32_t)snd_get_le32(&v->value.integer[i]);
	return snd_control_set(c, vals, c->count);
}

bool snd_control_readable(const struct snd_control *c)
{
	return c->access & ACCESS(READ);
}

bool snd_control_writable(const struct snd_control *c)
{
	return c->access & ACCESS(WRITE);
}

bool snd_control_tlv_readable(const struct snd_control *c)
{
	return (c->access & ACCESS(TLV_READ)) && c->tlv_bytes;
}

int32_t snd_control_volume_cdb(const struct snd_control *c, bool *muted)
{
	int64_t cdb = (int64_t)c->scale.min_cdb + (int64_t)c->scale.step_cdb * c->value[0];

	if (muted)
		*muted = c->scale.min_is_mute && c->value[0] == c->min;
	return (int32_t)cdb;
}
