// SPDX-License-Identifier: MIT
/* Control queue request handling; see snd_ctl.h. */
#include "snd_ctl.h"

#include <string.h>

struct reply {
	uint8_t *buf;
	size_t cap;
};

static size_t status_only(struct reply *r, uint32_t status)
{
	snd_put_le32(r->buf, status);
	return sizeof(struct virtio_snd_hdr);
}

/* --- *_INFO queries ------------------------------------------------------ */

typedef void (*fill_item_fn)(const struct snd_device *d, uint32_t id, void *item);

static void fill_jack(const struct snd_device *d, uint32_t id, void *item)
{
	const struct snd_jack *j = &d->jacks[id];
	struct virtio_snd_jack_info info;

	memset(&info, 0, sizeof(info));
	snd_put_le32(&info.hdr.hda_fn_nid, j->desc.hda_fn_nid);
	snd_put_le32(&info.features, j->desc.remappable ? 1u << VIRTIO_SND_JACK_F_REMAP : 0);
	snd_put_le32(&info.hda_reg_defconf, j->desc.defconf);
	snd_put_le32(&info.hda_reg_caps, j->desc.caps);
	info.connected = j->desc.connected ? 1 : 0;
	memcpy(item, &info, sizeof(info));
}

static void fill_pcm(const struct snd_device *d, uint32_t id, void *item)
{
	struct virtio_snd_pcm_info info;

	snd_stream_info(&d->streams[id], &info);
	memcpy(item, &info, sizeof(info));
}

static void fill_chmap(const struct snd_device *d, uint32_t id, void *item)
{
	memcpy(item, &d->chmaps[id], sizeof(d->chmaps[id]));
}

static void fill_ctl(const struct snd_device *d, uint32_t id, void *item)
{
	struct virtio_snd_ctl_info info;

	snd_control_info(&d->controls[id], &info);
	memcpy(item, &info, sizeof(info));
}

static size_t query_info(const struct snd_device *d, const uint8_t *req, size_t req_len,
			 struct reply *r, uint32_t n_items, size_t item_size, fill_item_fn fill)
{
	uint32_t start, count, size;
	uint64_t total;

	if (req_len != sizeof(struct virtio_snd_query_info))
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	start = snd_get_le32(req + offsetof(struct virtio_snd_query_info, start_id));
	count = snd_get_le32(req + offsetof(struct virtio_snd_query_info, count));
	size = snd_get_le32(req + offsetof(struct virtio_snd_query_info, size));

	/* 64-bit arithmetic: start + count cannot wrap. */
	if (!count || (uint64_t)start + count > n_items)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	if (size < item_size || size > SND_CTL_INFO_SIZE_MAX)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	total = sizeof(struct virtio_snd_hdr) + (uint64_t)count * size;
	if (total > r->cap)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);

	for (uint32_t i = 0; i < count; i++) {
		uint8_t *item = r->buf + sizeof(struct virtio_snd_hdr) + (size_t)i * size;

		memset(item, 0, size);
		fill(d, start + i, item);
	}
	snd_put_le32(r->buf, VIRTIO_SND_S_OK);
	return (size_t)total;
}

/* --- jacks --------------------------------------------------------------- */

static size_t jack_remap(struct snd_device *d, const uint8_t *req, size_t req_len,
			 struct reply *r)
{
	uint32_t id;
	struct snd_jack *j;

	if (req_len != sizeof(struct virtio_snd_jack_remap))
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	id = snd_get_le32(req + offsetof(struct virtio_snd_jack_hdr, jack_id));
	if (id >= d->n_jacks)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	j = &d->jacks[id];
	if (!j->desc.remappable)
		return status_only(r, VIRTIO_SND_S_NOT_SUPP);
	j->association = snd_get_le32(req + offsetof(struct virtio_snd_jack_remap, association));
	j->sequence = snd_get_le32(req + offsetof(struct virtio_snd_jack_remap, sequence));
	return status_only(r, VIRTIO_SND_S_OK);
}

/* --- PCM ----------------------------------------------------------------- */

static size_t pcm_request(struct snd_device *d, uint32_t code, const uint8_t *req,
			  size_t req_len, struct reply *r)
{
	size_t want = code == VIRTIO_SND_R_PCM_SET_PARAMS ? sizeof(struct virtio_snd_pcm_set_params)
							  : sizeof(struct virtio_snd_pcm_hdr);
	struct snd_stream *s;
	uint32_t status;

	if (req_len != want)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	s = snd_device_stream(d, snd_get_le32(req + offsetof(struct virtio_snd_pcm_hdr,
								  stream_id)));
	if (!s)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);

	switch (code) {
	case VIRTIO_SND_R_PCM_SET_PARAMS: {
		struct virtio_snd_pcm_set_params p;

		memcpy(&p, req, sizeof(p));
		status = snd_stream_set_params(s, &p);
		break;
	}
	case VIRTIO_SND_R_PCM_PREPARE:
		status = snd_stream_prepare(s);
		break;
	case VIRTIO_SND_R_PCM_RELEASE:
		status = snd_stream_release(s);
		break;
	case VIRTIO_SND_R_PCM_START:
		status = snd_stream_start(s);
		break;
	default:
		status = snd_stream_stop(s);
		break;
	}
	return status_only(r, status);
}

/* --- control elements ---------------------------------------------------- */

static size_t ctl_request(struct snd_device *d, uint32_t code, const uint8_t *req,
			  size_t req_len, struct reply *r)
{
	const size_t hdr = sizeof(struct virtio_snd_ctl_hdr);
	const size_t st = sizeof(struct virtio_snd_hdr);
	struct snd_control *c;
	uint32_t id;

	if (req_len < hdr)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	id = snd_get_le32(req + offsetof(struct virtio_snd_ctl_hdr, control_id));
	if (id >= d->n_controls)
		return status_only(r, VIRTIO_SND_S_BAD_MSG);
	c = &d->controls[id];

	switch (code) {
	case VIRTIO_SND_R_CTL_ENUM_ITEMS:
		/* Only ENUMERATED controls have items; ours have none. */
		if (req_len != hdr || c->type != VIRTIO_SND_CTL_TYPE_ENUMERATED)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		return status_only(r, VIRTIO_SND_S_NOT_SUPP);

	case VIRTIO_SND_R_CTL_READ: {
		struct virtio_snd_ctl_value v;
		size_t n = sizeof(v);

		if (req_len != hdr)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		if (!snd_control_readable(c))
			return status_only(r, VIRTIO_SND_S_NOT_SUPP);
		/* The driver offers the whole value; a shorter buffer must
		 * still hold every member. */
		if (r->cap - st < (size_t)c->count * 4)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		if (n > r->cap - st)
			n = r->cap - st;
		snd_control_read(c, &v);
		memcpy(r->buf + st, &v, n);
		snd_put_le32(r->buf, VIRTIO_SND_S_OK);
		return st + n;
	}

	case VIRTIO_SND_R_CTL_WRITE: {
		struct virtio_snd_ctl_value v;
		int rc;

		/* Linux sends the whole value; accept any length holding
		 * every member, never more than the value. */
		if (req_len < hdr + (size_t)c->count * 4 || req_len > hdr + sizeof(v))
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		if (!snd_control_writable(c))
			return status_only(r, VIRTIO_SND_S_NOT_SUPP);
		memset(&v, 0, sizeof(v));
		memcpy(&v, req + hdr, req_len - hdr);
		rc = snd_control_write(c, &v);
		if (rc < 0)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		if (rc > 0) {
			/* Linux's put() returns 0, so the ALSA core tells no
			 * other guest client: the event does. */
			snd_device_notify_ctl(d, id, 1u << VIRTIO_SND_CTL_EVT_MASK_VALUE);
			if (d->hooks.ctl_changed)
				d->hooks.ctl_changed(d->hooks.opaque, id);
		}
		return status_only(r, VIRTIO_SND_S_OK);
	}

	case VIRTIO_SND_R_CTL_TLV_READ:
		if (req_len != hdr)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		if (!snd_control_tlv_readable(c))
			return status_only(r, VIRTIO_SND_S_NOT_SUPP);
		if (r->cap - st < c->tlv_bytes)
			return status_only(r, VIRTIO_SND_S_BAD_MSG);
		memcpy(r->buf + st, c->tlv, c->tlv_bytes);
		snd_put_le32(r->buf, VIRTIO_SND_S_OK);
		return st + c->tlv_bytes;

	default: /* TLV_WRITE, TLV_COMMAND: no control of ours allows them */
		return status_only(r, VIRTIO_SND_S_NOT_SUPP);
	}
}

/* --- dispatch ------------------------------------------------------------ */

size_t snd_ctl_handle(struct snd_device *d, const void *req, size_t req_len, void *resp,
		      size_t resp_cap)
{
	struct reply r = { .buf = resp, .cap = resp_cap };
	const uint8_t *q = req;
	uint32_t code;

	if (!d || !resp || resp_cap < sizeof(struct virtio_snd_hdr))
		return 0;
	if (!req || req_len < sizeof(struct virtio_snd_hdr))
		return status_only(&r, VIRTIO_SND_S_BAD_MSG);
	code = snd_get_le32(q);

	switch (code) {
	case VIRTIO_SND_R_JACK_INFO:
		return query_info(d, q, req_len, &r, d->n_jacks, sizeof(struct virtio_snd_jack_info),
				  fill_jack);
	case VIRTIO_SND_R_JACK_REMAP:
		return jack_remap(d, q, req_len, &r);
	case VIRTIO_SND_R_PCM_INFO:
		return query_info(d, q, req_len, &r, d->n_streams, sizeof(struct virtio_snd_pcm_info),
				  fill_pcm);
	case VIRTIO_SND_R_PCM_SET_PARAMS:
	case VIRTIO_SND_R_PCM_PREPARE:
	case VIRTIO_SND_R_PCM_RELEASE:
	case VIRTIO_SND_R_PCM_START:
	case VIRTIO_SND_R_PCM_STOP:
		return pcm_request(d, code, q, req_len, &r);
	case VIRTIO_SND_R_CHMAP_INFO:
		return query_info(d, q, req_len, &r, d->n_chmaps,
				  sizeof(struct virtio_snd_chmap_info), fill_chmap);
	case VIRTIO_SND_R_CTL_INFO:
		if (!snd_device_ctls_enabled(d))
			return status_only(&r, VIRTIO_SND_S_NOT_SUPP);
		return query_info(d, q, req_len, &r, d->n_controls,
				  sizeof(struct virtio_snd_ctl_info), fill_ctl);
	case VIRTIO_SND_R_CTL_ENUM_ITEMS:
	case VIRTIO_SND_R_CTL_READ:
	case VIRTIO_SND_R_CTL_WRITE:
	case VIRTIO_SND_R_CTL_TLV_READ:
	case VIRTIO_SND_R_CTL_TLV_WRITE:
	case VIRTIO_SND_R_CTL_TLV_COMMAND:
		if (!snd_device_ctls_enabled(d))
			return status_only(&r, VIRTIO_SND_S_NOT_SUPP);
		return ctl_request(d, code, q, req_len, &r);
	default:
		return status_only(&r, VIRTIO_SND_S_NOT_SUPP);
	}
}

const char *snd_ctl_code_name(uint32_t code)
{
	switch (code) {
	case VIRTIO_SND_R_JACK_INFO:
		return "JACK_INFO";
	case VIRTIO_SND_R_JACK_REMAP:
		return "JACK_REMAP";
	case VIRTIO_SND_R_PCM_INFO:
		return "PCM_INFO";
	case VIRTIO_SND_R_PCM_SET_PARAMS:
		return "PCM_SET_PARAMS";
	case VIRTIO_SND_R_PCM_PREPARE:
		return "PCM_PREPARE";
	case VIRTIO_SND_R_PCM_RELEASE:
		return "PCM_RELEASE";
	case VIRTIO_SND_R_PCM_START:
		return "PCM_START";
	case VIRTIO_SND_R_PCM_STOP:
		return "PCM_STOP";
	case VIRTIO_SND_R_CHMAP_INFO:
		return "CHMAP_INFO";
	case VIRTIO_SND_R_CTL_INFO:
		return "CTL_INFO";
	case VIRTIO_SND_R_CTL_ENUM_ITEMS:
		return "CTL_ENUM_ITEMS";
	case VIRTIO_SND_R_CTL_READ:
		return "CTL_READ";
	case VIRTIO_SND_R_CTL_WRITE:
		return "CTL_WRITE";
	case VIRTIO_SND_R_CTL_TLV_READ:
		return "CTL_TLV_READ";
	case VIRTIO_SND_R_CTL_TLV_WRITE:
		return "CTL_TLV_WRITE";
	case VIRTIO_SND_R_CTL_TLV_COMMAND:
		return "CTL_TLV_COMMAND";
	}
	return "?";
}
