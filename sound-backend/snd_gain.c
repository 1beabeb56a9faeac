// SPDX-License-Identifier: MIT
/* Software gain per sample format; see snd_gain.h. */
#include "snd_gain.h"

#include <endian.h>
#include <math.h>
#include <string.h>

#include "snd_proto.h"

enum kind { K_NONE, K_INT, K_FLOAT, K_DOUBLE, K_MULAW, K_ALAW, K_DSD, K_IEC958 };

struct fmt {
	enum kind kind;
	uint8_t bytes;		/* container */
	uint8_t bits;		/* K_INT: significant bits, in the low bits */
	bool is_signed;
};

static const struct fmt formats[] = {
	[VIRTIO_SND_PCM_FMT_MU_LAW] = { K_MULAW, 1, 8, false },
	[VIRTIO_SND_PCM_FMT_A_LAW] = { K_ALAW, 1, 8, false },
	[VIRTIO_SND_PCM_FMT_S8] = { K_INT, 1, 8, true },
	[VIRTIO_SND_PCM_FMT_U8] = { K_INT, 1, 8, false },
	[VIRTIO_SND_PCM_FMT_S16] = { K_INT, 2, 16, true },
	[VIRTIO_SND_PCM_FMT_U16] = { K_INT, 2, 16, false },
	[VIRTIO_SND_PCM_FMT_S18_3] = { K_INT, 3, 18, true },
	[VIRTIO_SND_PCM_FMT_U18_3] = { K_INT, 3, 18, false },
	[VIRTIO_SND_PCM_FMT_S20_3] = { K_INT, 3, 20, true },
	[VIRTIO_SND_PCM_FMT_U20_3] = { K_INT, 3, 20, false },
	[VIRTIO_SND_PCM_FMT_S24_3] = { K_INT, 3, 24, true },
	[VIRTIO_SND_PCM_FMT_U24_3] = { K_INT, 3, 24, false },
	[VIRTIO_SND_PCM_FMT_S20] = { K_INT, 4, 20, true },
	[VIRTIO_SND_PCM_FMT_U20] = { K_INT, 4, 20, false },
	[VIRTIO_SND_PCM_FMT_S24] = { K_INT, 4, 24, true },
	[VIRTIO_SND_PCM_FMT_U24] = { K_INT, 4, 24, false },
	[VIRTIO_SND_PCM_FMT_S32] = { K_INT, 4, 32, true },
	[VIRTIO_SND_PCM_FMT_U32] = { K_INT, 4, 32, false },
	[VIRTIO_SND_PCM_FMT_FLOAT] = { K_FLOAT, 4, 32, true },
	[VIRTIO_SND_PCM_FMT_FLOAT64] = { K_DOUBLE, 8, 64, true },
	[VIRTIO_SND_PCM_FMT_DSD_U8] = { K_DSD, 1, 8, false },
	[VIRTIO_SND_PCM_FMT_DSD_U16] = { K_DSD, 2, 16, false },
	[VIRTIO_SND_PCM_FMT_DSD_U32] = { K_DSD, 4, 32, false },
	[VIRTIO_SND_PCM_FMT_IEC958_SUBFRAME] = { K_IEC958, 4, 32, false },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

/* DSD's idle pattern (a 1-bit stream with no DC). */
#define DSD_SILENCE 0x69
#define MULAW_SILENCE 0xff
#define ALAW_SILENCE 0xd5
/* IEC958 subframe (ALSA's layout): audio in bits 4..27, parity in bit 31. */
#define IEC958_AUDIO 0x0ffffff0u
#define IEC958_PARITY 0x80000000u

static const struct fmt *fmt_of(unsigned int vformat)
{
	return vformat < N_FORMATS && formats[vformat].kind != K_NONE ? &formats[vformat] : NULL;
}

float snd_gain_factor(int32_t cdb, bool muted)
{
	if (muted)
		return 0.0f;
	if (cdb == 0)
		return 1.0f;
	return powf(10.0f, (float)cdb / 2000.0f);
}

bool snd_gain_scalable(unsigned int vformat)
{
	const struct fmt *f = fmt_of(vformat);

	return f && f->kind != K_DSD && f->kind != K_IEC958;
}

/* ---- G.711 (16-bit linear <-> 8-bit), from the ITU-T G.711 segment rules */

#define MULAW_BIAS 0x84
#define MULAW_CLIP 32635

static int16_t mulaw_decode(uint8_t u)
{
	int v, exp, mant;

	u = (uint8_t)~u;
	exp = (u >> 4) & 7;
	mant = u & 0x0f;
	v = (((mant << 3) + MULAW_BIAS) << exp) - MULAW_BIAS;
	return (int16_t)(u & 0x80 ? -v : v);
}

static uint8_t mulaw_encode(int v)
{
	int sign = 0, exp = 7, mask;

	if (v < 0) {
		sign = 0x80;
		v = -v;
	}
	if (v > MULAW_CLIP)
		v = MULAW_CLIP;
	v += MULAW_BIAS;
	for (mask = 0x4000; !(v & mask) && exp > 0; mask >>= 1)
		exp--;
	return (uint8_t)~(sign | exp << 4 | ((v >> (exp + 3)) & 0x0f));
}

static int16_t alaw_decode(uint8_t a)
{
	int seg, mant, m;

	a ^= 0x55;
	seg = (a >> 4) & 7;
	mant = a & 0x0f;
	m = seg ? ((mant << 1) + 33) << (seg - 1) : (mant << 1) + 1;
	m <<= 3;
	return (int16_t)(a & 0x80 ? m : -m);
}

static uint8_t alaw_encode(int v)
{
	int sign = 0x80, m, seg = 0;

	if (v < 0) {
		sign = 0;
		v = -v;
	}
	if (v > 32767)
		v = 32767;
	m = v >> 3;	/* 13-bit magnitude, 0..4095 */
	if (m < 32)
		return (uint8_t)((sign | (m >> 1)) ^ 0x55);
	for (int t = m >> 5; t; t >>= 1)
		seg++;
	return (uint8_t)((sign | seg << 4 | ((m >> seg) & 0x0f)) ^ 0x55);
}

/* ---- little-endian containers */

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Scale an integer sample in [lo, hi]: round to nearest, saturate. */
static int64_t scale_int(int64_t v, double g, int64_t lo, int64_t hi)
{
	double y = (double)v * g;

	if (y >= (double)hi)
		return hi;
	if (y <= (double)lo)
		return lo;
	return (int64_t)(y + (y >= 0 ? 0.5 : -0.5));
}

static void scale_sample(const struct fmt *f, uint8_t *p, double g)
{
	switch (f->kind) {
	case K_INT: {
		uint64_t mask = f->bits == 64 ? ~0ull : (1ull << f->bits) - 1;
		int64_t half = (int64_t)1 << (f->bits - 1);
		uint64_t raw = get_le(p, f->bytes) & mask;
		int64_t v;

		if (f->is_signed)
			v = (int64_t)(raw ^ (uint64_t)half) - half;	/* sign-extend */
		else
			v = (int64_t)raw - half;
		v = scale_int(v, g, -half, half - 1);
		put_le(p, f->is_signed ? (uint64_t)v : (uint64_t)(v + half), f->bytes);
		break;
	}
	case K_FLOAT: {
		uint32_t bits = (uint32_t)get_le(p, 4);
		float x;

		memcpy(&x, &bits, 4);
		x = (float)(x * g);
		/* Only a gain above 1 can push a sample past full scale. */
		if (g > 1.0 && x > 1.0f)
			x = 1.0f;
		else if (g > 1.0 && x < -1.0f)
			x = -1.0f;
		memcpy(&bits, &x, 4);
		put_le(p, bits, 4);
		break;
	}
	case K_DOUBLE: {
		uint64_t bits = get_le(p, 8);
		double x;

		memcpy(&x, &bits, 8);
		x *= g;
		if (g > 1.0 && x > 1.0)
			x = 1.0;
		else if (g > 1.0 && x < -1.0)
			x = -1.0;
		memcpy(&bits, &x, 8);
		put_le(p, bits, 8);
		break;
	}
	case K_MULAW:
		*p = mulaw_encode((int)scale_int(mulaw_decode(*p), g, -32768, 32767));
		break;
	case K_ALAW:
		*p = alaw_encode((int)scale_int(alaw_decode(*p), g, -32768, 32767));
		break;
	default:	/* bitstreams: only muting applies */
		break;
	}
}

void snd_gain_silence(unsigned int vformat, void *buf, uint32_t frames, uint32_t channels)
{
	const struct fmt *f = fmt_of(vformat);
	size_t n = (size_t)frames * channels;
	uint8_t *p = buf;

	if (!f)
		return;
	switch (f->kind) {
	case K_INT:
		if (f->is_signed) {
			memset(p, 0, n * f->bytes);
		} else {
			for (size_t i = 0; i < n; i++)
				put_le(p + i * f->bytes, 1ull << (f->bits - 1), f->bytes);
		}
		break;
	case K_MULAW:
		memset(p, MULAW_SILENCE, n);
		break;
	case K_ALAW:
		memset(p, ALAW_SILENCE, n);
		break;
	case K_DSD:
		memset(p, DSD_SILENCE, n * f->bytes);
		break;
	case K_IEC958:
		for (size_t i = 0; i < n; i++) {
			uint32_t w = (uint32_t)get_le(p + 4 * i, 4) & ~(IEC958_AUDIO | IEC958_PARITY);

			/* even parity over bits 4..31 */
			if (__builtin_parity(w & ~0xfu))
				w |= IEC958_PARITY;
			put_le(p + 4 * i, w, 4);
		}
		break;
	default:	/* floats: +0.0 is all zero bits */
		memset(p, 0, n * f->bytes);
		break;
	}
}

void snd_gain_apply(unsigned int vformat, void *buf, uint32_t frames, uint32_t channels,
		    float g0, float g1)
{
	const struct fmt *f = fmt_of(vformat);
	uint8_t *p = buf;

	if (!f || !frames || !channels)
		return;
	if (g0 == g1 && g0 == 1.0f)
		return;		/* the bit-exact path */
	if (g0 == g1 && g0 == 0.0f) {
		snd_gain_silence(vformat, buf, frames, channels);
		return;
	}
	if (!snd_gain_scalable(vformat))
		return;
	for (uint32_t i = 0; i < frames; i++) {
		double g = g0 == g1 ? g0 : g0 + ((double)g1 - g0) * i / frames;

		for (uint32_t c = 0; c < channels; c++, p += f->bytes)
			scale_sample(f, p, g);
	}
}

/* ---- ramps */

void snd_gain_ramp_init(struct snd_gain_ramp *r, float g, uint32_t len)
{
	r->cur = r->target = g;
	r->len = len ? len : 1;
	r->pos = r->len;
}

static float ramp_at(const struct snd_gain_ramp *r, uint32_t pos)
{
	if (pos >= r->len)
		return r->target;
	return r->cur + (r->target - r->cur) * (float)pos / (float)r->len;
}

void snd_gain_ramp_process(struct snd_gain_ramp *r, float target, unsigned int vformat,
			   uint32_t channels, void *buf, uint32_t frames)
{
	const struct fmt *f = fmt_of(vformat);
	uint32_t k = 0;

	if (target != r->target) {
		r->cur = ramp_at(r, r->pos);
		r->target = target;
		r->pos = 0;
	}
	if (!f)
		return;
	if (r->pos < r->len) {
		k = r->len - r->pos < frames ? r->len - r->pos : frames;
		snd_gain_apply(vformat, buf, k, channels, ramp_at(r, r->pos),
			       ramp_at(r, r->pos + k));
	}
	if (k < frames)
		snd_gain_apply(vformat, (uint8_t *)buf + (size_t)k * channels * f->bytes,
			       frames - k, channels, r->target, r->target);
}

void snd_gain_ramp_advance(struct snd_gain_ramp *r, uint32_t frames)
{
	if (r->pos >= r->len)
		return;
	r->pos = frames >= r->len - r->pos ? r->len : r->pos + frames;
	if (r->pos >= r->len)
		r->cur = r->target;
}
