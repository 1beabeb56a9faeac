// SPDX-License-Identifier: MIT
/*
 * The "wav:PATH" end, for tests. Both directions are paced in real time
 * (end_pace.c) like a device.
 *
 * Output: PATH is created (truncated) at open; every frame the end accepts
 * is appended at once, byte for byte as the guest sent it, after a WAV
 * header whose sizes are fixed up on close. The header is a plain 16-byte
 * fmt chunk where WAV has a plain form for the format and at most two
 * channels, else WAVE_FORMAT_EXTENSIBLE (container and valid bits; formats
 * WAV cannot name, such as S8 or U16, are written as PCM of their width:
 * the data chunk stays the exact bytes).
 *
 * Input: PATH is read whole at open (at most WAV_READ_MAX bytes) and must
 * hold exactly the stream's format, rate and channel count, else open fails
 * with a message saying what differs; its samples are then played in a loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "end_pace.h"
#include "snd_ends.h"
#include "snd_proto.h"

#define WAV_READ_MAX (512u << 20)
#define TAG_PCM 1
#define TAG_FLOAT 3
#define TAG_ALAW 6
#define TAG_MULAW 7
#define TAG_EXTENSIBLE 0xfffe

struct wav_end {
	struct end_pace pace;
	struct snd_end_params params;
	char path[SND_END_NAME_MAX];
	/* output */
	int fd;
	uint32_t header_len;
	uint64_t data_len;
	/* input */
	uint8_t *data;
	uint64_t frames_in_file;
	uint64_t pos;		/* next frame to read */
	uint64_t frames;
};

/* How WAV describes a virtio format: tag, container and valid bits. */
struct wav_desc {
	uint16_t tag, bits, valid;
	bool plain;	/* WAV has a non-extensible form for it */
};

static void describe(uint8_t vformat, snd_pcm_format_t format, struct wav_desc *d)
{
	d->bits = (uint16_t)(snd_format_sample_bytes(vformat) * 8);
	d->valid = (uint16_t)snd_pcm_format_width(format);
	if (d->valid <= 0 || d->valid > d->bits)
		d->valid = d->bits;
	d->tag = TAG_PCM;
	d->plain = false;
	switch (vformat) {
	case VIRTIO_SND_PCM_FMT_FLOAT:
	case VIRTIO_SND_PCM_FMT_FLOAT64:
		d->tag = TAG_FLOAT;
		d->plain = true;
		break;
	case VIRTIO_SND_PCM_FMT_A_LAW:
		d->tag = TAG_ALAW;
		d->plain = true;
		break;
	case VIRTIO_SND_PCM_FMT_MU_LAW:
		d->tag = TAG_MULAW;
		d->plain = true;
		break;
	case VIRTIO_SND_PCM_FMT_U8:
	case VIRTIO_SND_PCM_FMT_S16:
	case VIRTIO_SND_PCM_FMT_S24_3:
	case VIRTIO_SND_PCM_FMT_S32:
		d->plain = true;
		break;
	default:
		break;
	}
}

/* The virtio format a WAV fmt chunk stands for, or -1. Where WAV cannot
 * tell signed from unsigned, the WAV convention wins (8 bit is U8, wider
 * is signed). */
static int vformat_of(uint16_t tag, uint16_t bits, uint16_t valid)
{
	static const uint8_t order[] = {
		VIRTIO_SND_PCM_FMT_U8,	  VIRTIO_SND_PCM_FMT_S16,   VIRTIO_SND_PCM_FMT_S24_3,
		VIRTIO_SND_PCM_FMT_S32,	  VIRTIO_SND_PCM_FMT_S24,   VIRTIO_SND_PCM_FMT_S20,
		VIRTIO_SND_PCM_FMT_S20_3, VIRTIO_SND_PCM_FMT_S18_3, VIRTIO_SND_PCM_FMT_FLOAT,
		VIRTIO_SND_PCM_FMT_FLOAT64, VIRTIO_SND_PCM_FMT_A_LAW, VIRTIO_SND_PCM_FMT_MU_LAW,
	};

	for (size_t i = 0; i < sizeof(order); i++) {
		struct wav_desc d;

		describe(order[i], snd_format_to_alsa(order[i]), &d);
		if (d.tag == tag && d.bits == bits && d.valid == valid)
			return order[i];
	}
	return -1;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* Header for data_len bytes; returns its length (44 or 68). */
static uint32_t make_header(const struct snd_end_params *p, uint64_t data_len, uint8_t *h)
{
	static const uint8_t guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
					       0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };
	struct wav_desc d;
	bool ext;
	uint32_t fmt_len, hlen, dl = data_len > 0xffffff00u ? 0xffffff00u : (uint32_t)data_len;

	describe(p->vformat, p->format, &d);
	ext = !d.plain || p->channels > 2 || d.valid != d.bits;
	fmt_len = ext ? 40 : 16;
	hlen = 12 + 8 + fmt_len + 8;
	memset(h, 0, hlen);
	memcpy(h, "RIFF", 4);
	put32(h + 4, hlen - 8 + dl + (dl & 1));
	memcpy(h + 8, "WAVE", 4);
	memcpy(h + 12, "fmt ", 4);
	put32(h + 16, fmt_len);
	put16(h + 20, ext ? TAG_EXTENSIBLE : d.tag);
	put16(h + 22, p->channels);
	put32(h + 24, p->rate_hz);
	put32(h + 28, p->rate_hz * p->frame_bytes);
	put16(h + 32, p->frame_bytes);
	put16(h + 34, d.bits);
	if (ext) {
		put16(h + 36, 22);
		put16(h + 38, d.valid);
		put32(h + 40, 0);	/* channel mask: unspecified */
		put16(h + 44, d.tag);
		memcpy(h + 46, guid_tail, sizeof(guid_tail));
	}
	memcpy(h + hlen - 8, "data", 4);
	put32(h + hlen - 4, dl);
	return hlen;
}

static int write_all(int fd, const void *buf, size_t len, off_t at)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = at >= 0 ? pwrite(fd, b, len, at) : write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= (size_t)n;
		if (at >= 0)
			at += n;
	}
	return 0;
}

static void describe_params(const struct snd_end_params *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s %u Hz %u ch", snd_format_name(p->vformat), p->rate_hz, p->channels);
}

/* Read and check the capture file. */
static int load_input(struct wav_end *e)
{
	const struct snd_end_params *p = &e->params;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0, pos = 12;
	int fd, rc = -EINVAL, vformat = -1;
	uint16_t channels = 0;
	uint32_t rate = 0, block = 0;
	char want[64];

	describe_params(p, want, sizeof(want));
	fd = open(e->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		fprintf(stderr, "wav:%s: %s\n", e->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 12 || (uint64_t)st.st_size > WAV_READ_MAX) {
		fprintf(stderr, "wav:%s: not a WAV file of at most %u MiB\n", e->path,
			WAV_READ_MAX >> 20);
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	len = got;
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		fprintf(stderr, "wav:%s: not a RIFF/WAVE file\n", e->path);
		goto out;
	}
	while (pos + 8 <= len) {
		const uint8_t *ck = buf + pos;
		uint64_t cklen = get32(ck + 4), avail = len - pos - 8;

		if (!memcmp(ck, "fmt ", 4)) {
			uint16_t tag, bits, valid;

			if (cklen < 16 || avail < 16)
				break;
			tag = get16(ck + 8);
			channels = get16(ck + 10);
			rate = get32(ck + 12);
			block = get16(ck + 20);
			bits = get16(ck + 22);
			valid = bits;
			if (tag == TAG_EXTENSIBLE && cklen >= 40 && avail >= 40) {
				valid = get16(ck + 26);
				tag = get16(ck + 32);
			} else if (channels && block % channels == 0 &&
				   block / channels * 8u > bits) {
				/* A plain header names the valid bits; the block the
				 * container (arecord -f S24_LE: 24 bits in 4 bytes). */
				bits = (uint16_t)(block / channels * 8u);
			}
			vformat = vformat_of(tag, bits, valid);
			if (vformat < 0) {
				fprintf(stderr,
					"wav:%s: sample format (tag %u, %u bits, %u valid) not "
					"usable; the stream is %s\n",
					e->path, tag, bits, valid, want);
				goto out;
			}
		} else if (!memcmp(ck, "data", 4)) {
			char have[64];
			struct snd_end_params fp = *p;

			if (vformat < 0)
				break;
			fp.vformat = (uint8_t)vformat;
			fp.channels = (uint8_t)(channels > 255 ? 255 : channels);
			fp.rate_hz = rate;
			describe_params(&fp, have, sizeof(have));
			if (vformat != p->vformat || channels != p->channels || rate != p->rate_hz ||
			    block != p->frame_bytes) {
				fprintf(stderr, "wav:%s: the file is %s, the stream is %s\n", e->path,
					have, want);
				goto out;
			}
			if (cklen > avail)
				cklen = avail;	/* a capture cut short */
			e->frames_in_file = cklen / p->frame_bytes;
			if (!e->frames_in_file) {
				fprintf(stderr, "wav:%s: no samples\n", e->path);
				goto out;
			}
			memmove(buf, ck + 8, e->frames_in_file * p->frame_bytes);
			e->data = buf;
			buf = NULL;
			rc = 0;
			goto out;
		}
		if (cklen > avail)
			break;
		pos += 8 + cklen + (cklen & 1);
	}
	fprintf(stderr, "wav:%s: no %s chunk\n", e->path, vformat < 0 ? "usable fmt" : "data");
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int wav_open(void *ctx, const char *name, const struct snd_end_params *p, void **handle)
{
	struct wav_end *e;
	uint32_t period, buffer;
	int rc;

	(void)ctx;
	if (strncmp(name, "wav:", 4) || !name[4] || !p->rate_hz || !p->frame_bytes)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = -1;
	e->params = *p;
	snprintf(e->path, sizeof(e->path), "%s", name + 4);
	snd_end_host_buffer(p, &period, &buffer);
	end_pace_init(&e->pace, p->direction == VIRTIO_SND_D_OUTPUT, p->rate_hz, period, buffer);
	if (p->direction == VIRTIO_SND_D_OUTPUT) {
		uint8_t h[68];

		e->fd = open(e->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (e->fd < 0) {
			rc = -errno;
			fprintf(stderr, "wav:%s: %s\n", e->path, strerror(errno));
			free(e);
			return rc;
		}
		e->header_len = make_header(p, 0, h);
		rc = write_all(e->fd, h, e->header_len, -1);
	} else {
		rc = load_input(e);
	}
	if (rc) {
		if (e->fd >= 0)
			close(e->fd);
		free(e->data);
		free(e);
		return rc;
	}
	*handle = e;
	return 0;
}

static int wav_prepare(void *handle)
{
	end_pace_prepare(&((struct wav_end *)handle)->pace);
	return 0;
}

static int wav_start(void *handle)
{
	end_pace_start(&((struct wav_end *)handle)->pace);
	return 0;
}

static int wav_stop(void *handle)
{
	end_pace_stop(&((struct wav_end *)handle)->pace);
	return 0;
}

static void wav_close(void *handle)
{
	struct wav_end *e = handle;

	if (e->fd >= 0) {
		uint8_t h[68];
		uint32_t hlen = make_header(&e->params, e->data_len, h);

		if (e->data_len & 1)	/* RIFF chunks are padded to even length */
			(void)write_all(e->fd, "", 1, -1);
		if (hlen != e->header_len || write_all(e->fd, h, hlen, 0))
			fprintf(stderr, "wav:%s: could not fix up the header\n", e->path);
		if (close(e->fd))
			fprintf(stderr, "wav:%s: close: %s\n", e->path, strerror(errno));
	}
	free(e->data);
	free(e);
}

static int wav_delay(void *handle, uint32_t *frames)
{
	*frames = end_pace_delay(&((struct wav_end *)handle)->pace);
	return 0;
}

static long wav_write(void *handle, const void *buf, uint32_t frames)
{
	struct wav_end *e = handle;
	uint32_t n = end_pace_avail(&e->pace, NULL);
	int rc;

	if (n > frames)
		n = frames;
	if (!n)
		return 0;
	rc = write_all(e->fd, buf, (size_t)n * e->params.frame_bytes, -1);
	if (rc) {
		fprintf(stderr, "wav:%s: write: %s\n", e->path, strerror(-rc));
		return rc;
	}
	e->data_len += (uint64_t)n * e->params.frame_bytes;
	end_pace_commit(&e->pace, n);
	e->frames += n;
	return n;
}

static long wav_read(void *handle, void *buf, uint32_t frames)
{
	struct wav_end *e = handle;
	uint64_t skipped;
	uint32_t n = end_pace_avail(&e->pace, &skipped), left;
	uint32_t fb = e->params.frame_bytes;
	uint8_t *out = buf;

	e->pos = (e->pos + skipped) % e->frames_in_file;
	if (n > frames)
		n = frames;
	for (left = n; left;) {
		uint64_t chunk = e->frames_in_file - e->pos;

		if (chunk > left)
			chunk = left;
		memcpy(out, e->data + e->pos * fb, chunk * fb);
		out += chunk * fb;
		left -= (uint32_t)chunk;
		e->pos = (e->pos + chunk) % e->frames_in_file;
	}
	end_pace_commit(&e->pace, n);
	e->frames += n;
	return n;
}

static int wav_wait(void *handle, uint32_t frames, uint64_t *ns)
{
	*ns = end_pace_wait_ns(&((struct wav_end *)handle)->pace, frames);
	return 0;
}

static int wav_stats(void *handle, struct snd_end_stats *st)
{
	struct wav_end *e = handle;

	st->frames = e->frames;
	st->xruns = e->pace.xruns;
	st->dropped = 0;	/* stop keeps the queue */
	return 0;
}

const struct snd_end_ops snd_end_wav_ops = {
	.open = wav_open,
	.prepare = wav_prepare,
	.start = wav_start,
	.stop = wav_stop,
	.close = wav_close,
	.delay_frames = wav_delay,
	.write = wav_write,
	.read = wav_read,
	.wait_ns = wav_wait,
	.stats = wav_stats,
};
