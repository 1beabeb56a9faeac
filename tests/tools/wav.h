/* SPDX-License-Identifier: MIT */
/*
 * Minimal RIFF/WAVE reading and writing for the test tools: PCM 8/16/24/32
 * bit and IEEE float 32 bit, interleaved. The whole data chunk is kept in
 * memory; test files are seconds long.
 *
 * S24_LE (24 valid bits in a 32-bit little-endian container) has two WAV
 * spellings, both read: the one aplay/arecord (alsa-utils) use, a plain PCM
 * fmt chunk with 24 bits per sample and a block align of 4 bytes per
 * channel (also what aplay needs to play it as S24_LE: it reads an
 * extensible 32-bit container as S32_LE whatever the valid bits say), and
 * WAVE_FORMAT_EXTENSIBLE with a 32-bit container and 24 valid bits (what
 * the backend's wav: end writes). wav_header writes the first.
 */
#ifndef VLO_TESTS_WAV_H
#define VLO_TESTS_WAV_H

#include <stddef.h>
#include <stdint.h>

enum wav_format {
	WAV_U8,       /* PCM, 8 bit unsigned */
	WAV_S16_LE,   /* PCM, 16 bit */
	WAV_S24_3LE,  /* PCM, 24 bit packed in 3 bytes */
	WAV_S32_LE,   /* PCM, 32 bit */
	WAV_FLOAT_LE, /* IEEE float, 32 bit */
	WAV_S24_LE,   /* PCM, 24 bit in the low bytes of 32 (see above) */
};

struct wav {
	enum wav_format format;
	uint32_t rate;
	uint16_t channels;
	size_t frames;
	uint8_t *data; /* frames * wav_frame_bytes() bytes */
};

/* Bytes of one sample of this format. */
unsigned int wav_sample_bytes(enum wav_format f);
/* Bytes of one frame (all channels). */
size_t wav_frame_bytes(const struct wav *w);
/* Format from an ALSA-style name (S16_LE, S24_3LE, S24_LE, S32_LE, U8, FLOAT_LE). */
int wav_format_from_name(const char *name, enum wav_format *f);
const char *wav_format_name(enum wav_format f);

/*
 * Parse a WAV file image. Returns 0, or -1 with a reason in err (errlen
 * bytes). On success w->data points into a new allocation the caller frees
 * with wav_free(). A data chunk cut short (a capture stopped mid-write) is
 * accepted and truncated to whole frames.
 */
int wav_parse(const uint8_t *buf, size_t len, struct wav *w, char *err, size_t errlen);
int wav_read_file(const char *path, struct wav *w, char *err, size_t errlen);
/* Serialise the header (44 bytes) for w into hdr. */
void wav_header(const struct wav *w, uint8_t hdr[44]);
int wav_write_file(const char *path, const struct wav *w, char *err, size_t errlen);
void wav_free(struct wav *w);
/* Sample value of a frame and channel, scaled to -1.0 .. 1.0. */
double wav_sample(const struct wav *w, size_t frame, unsigned int channel);

#endif
