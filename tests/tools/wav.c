// SPDX-License-Identifier: MIT
#include "wav.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAVE_FORMAT_PCM 1
#define WAVE_FORMAT_IEEE_FLOAT 3
#define WAVE_FORMAT_EXTENSIBLE 0xfffe

unsigned int wav_sample_bytes(enum wav_format f)
{
	switch (f) {
	case WAV_U8:
		return 1;
	case WAV_S16_LE:
		return 2;
	case WAV_S24_3LE:
		return 3;
	case WAV_S32_LE:
	case WAV_FLOAT_LE:
	case WAV_S24_LE:
		return 4;
	}
	return 0;
}

size_t wav_frame_bytes(const struct wav *w)
{
	return (size_t)wav_sample_bytes(w->format) * w->channels;
}

static const struct {
	const char *name;
	enum wav_format format;
} format_names[] = {
	{ "U8", WAV_U8 },           { "S16_LE", WAV_S16_LE },     { "S24_3LE", WAV_S24_3LE },
	{ "S32_LE", WAV_S32_LE },   { "FLOAT_LE", WAV_FLOAT_LE }, { "S24_LE", WAV_S24_LE },
};

int wav_format_from_name(const char *name, enum wav_format *f)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i].name) == 0) {
			*f = format_names[i].format;
			return 0;
		}
	}
	return -1;
}

const char *wav_format_name(enum wav_format f)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (format_names[i].format == f)
			return format_names[i].name;
	return "?";
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/*
 * bits: bits per sample as the fmt chunk says; valid: the extensible valid
 * bits (= bits for a plain chunk); container: block align / channels, in
 * bytes. 24 bits in a 4-byte container is S24_LE in both spellings.
 */
static int format_from_fmt(uint16_t tag, uint16_t bits, uint16_t valid, unsigned int container,
			   enum wav_format *f)
{
	if (tag == WAVE_FORMAT_IEEE_FLOAT && bits == 32 && valid == 32) {
		*f = WAV_FLOAT_LE;
		return 0;
	}
	if (tag != WAVE_FORMAT_PCM)
		return -1;
	if (valid == 24 && container == 4 && (bits == 24 || bits == 32)) {
		*f = WAV_S24_LE;
		return 0;
	}
	if (valid != bits)
		return -1;
	switch (bits) {
	case 8:
		*f = WAV_U8;
		return 0;
	case 16:
		*f = WAV_S16_LE;
		return 0;
	case 24:
		*f = WAV_S24_3LE;
		return 0;
	case 32:
		*f = WAV_S32_LE;
		return 0;
	}
	return -1;
}

int wav_parse(const uint8_t *buf, size_t len, struct wav *w, char *err, size_t errlen)
{
	size_t pos = 12;
	int have_fmt = 0;

	memset(w, 0, sizeof(*w));
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return fail(err, errlen, "not a RIFF/WAVE file");
	while (pos + 8 <= len) {
		const uint8_t *ck = buf + pos;
		size_t cklen = le32(ck + 4);
		size_t avail = len - pos - 8;

		if (memcmp(ck, "fmt ", 4) == 0) {
			uint16_t tag, bits, valid, align;

			if (cklen < 16 || avail < 16)
				return fail(err, errlen, "fmt chunk too short");
			tag = le16(ck + 8);
			w->channels = le16(ck + 10);
			w->rate = le32(ck + 12);
			align = le16(ck + 20);
			bits = le16(ck + 22);
			valid = bits;
			if (tag == WAVE_FORMAT_EXTENSIBLE && cklen >= 40 && avail >= 40) {
				valid = le16(ck + 8 + 18);
				tag = le16(ck + 8 + 24); /* first two bytes of the subformat GUID */
			}
			if (w->channels == 0 || w->rate == 0)
				return fail(err, errlen, "zero channels or rate");
			if (format_from_fmt(tag, bits, valid, align / w->channels, &w->format) != 0)
				return fail(err, errlen, "unsupported sample format");
			if (le16(ck + 20) != wav_frame_bytes(w))
				return fail(err, errlen, "block align does not match format");
			have_fmt = 1;
		} else if (memcmp(ck, "data", 4) == 0) {
			size_t fb;

			if (!have_fmt)
				return fail(err, errlen, "data chunk before fmt chunk");
			fb = wav_frame_bytes(w);
			/* arecord writes 0x7fffffff-ish sizes until it closes the file. */
			if (cklen > avail)
				cklen = avail;
			w->frames = cklen / fb;
			w->data = malloc(w->frames * fb + 1);
			if (!w->data)
				return fail(err, errlen, "out of memory");
			memcpy(w->data, ck + 8, w->frames * fb);
			return 0;
		}
		if (cklen > avail)
			break;
		pos += 8 + cklen + (cklen & 1);
	}
	return fail(err, errlen, have_fmt ? "no data chunk" : "no fmt chunk");
}

int wav_read_file(const char *path, struct wav *w, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	memset(w, 0, sizeof(*w));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return fail(err, errlen, "out of memory");
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	r = ferror(f) ? fail(err, errlen, "read error") : wav_parse(buf, len, w, err, errlen);
	fclose(f);
	free(buf);
	return r;
}

void wav_header(const struct wav *w, uint8_t hdr[44])
{
	size_t fb = wav_frame_bytes(w);
	uint64_t bytes = (uint64_t)w->frames * fb;
	uint32_t data_len = bytes > 0xffffffffu - 36 ? 0xffffffffu - 36 : (uint32_t)bytes;

	memcpy(hdr, "RIFF", 4);
	put32(hdr + 4, 36 + data_len);
	memcpy(hdr + 8, "WAVEfmt ", 8);
	put32(hdr + 16, 16);
	put16(hdr + 20, w->format == WAV_FLOAT_LE ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
	put16(hdr + 22, w->channels);
	put32(hdr + 24, w->rate);
	put32(hdr + 28, (uint32_t)(w->rate * fb));
	put16(hdr + 32, (uint16_t)fb);
	/* S24_LE: 24 bits per sample in a 4-byte block align, as arecord writes it */
	put16(hdr + 34, (uint16_t)(w->format == WAV_S24_LE ? 24 : wav_sample_bytes(w->format) * 8));
	memcpy(hdr + 36, "data", 4);
	put32(hdr + 40, data_len);
}

int wav_write_file(const char *path, const struct wav *w, char *err, size_t errlen)
{
	uint8_t hdr[44];
	FILE *f = fopen(path, "wb");
	size_t n = w->frames * wav_frame_bytes(w);

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	wav_header(w, hdr);
	if (fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) || fwrite(w->data, 1, n, f) != n) {
		snprintf(err, errlen, "%s: write failed", path);
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void wav_free(struct wav *w)
{
	free(w->data);
	w->data = NULL;
	w->frames = 0;
}

double wav_sample(const struct wav *w, size_t frame, unsigned int channel)
{
	const uint8_t *p = w->data + frame * wav_frame_bytes(w) +
			   (size_t)channel * wav_sample_bytes(w->format);
	int32_t i;
	float f;

	switch (w->format) {
	case WAV_U8:
		return (p[0] - 128) / 128.0;
	case WAV_S16_LE:
		return (int16_t)le16(p) / 32768.0;
	case WAV_S24_3LE:
		/* sign-extend through the top byte of a 32-bit value */
		i = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24);
		return (i >> 8) / 8388608.0;
	case WAV_S24_LE:
		/* the low three bytes; the container's top byte is padding */
		i = (int32_t)(le32(p) << 8);
		return (i >> 8) / 8388608.0;
	case WAV_S32_LE:
		i = (int32_t)le32(p);
		return i / 2147483648.0;
	case WAV_FLOAT_LE:
		memcpy(&f, p, 4);
		return f;
	}
	return 0.0;
}
