// SPDX-License-Identifier: MIT
/*
 * Unit tests of the WAV reader/writer and of the alignment that decides
 * whether a capture holds the played audio bit for bit. The end-to-end tests
 * trust these two to tell a pass from a failure, so their failure modes are
 * tested here: corrupt headers, truncated data, one changed sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wav.h"
#include "wavalign.h"

static struct wav make_wav(enum wav_format f, uint16_t ch, size_t frames, uint32_t seed)
{
	struct wav w = { .format = f, .rate = 48000, .channels = ch, .frames = frames };
	size_t n = frames * wav_frame_bytes(&w);

	w.data = malloc(n + 1);
	assert_non_null(w.data);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		w.data[i] = (uint8_t)(seed >> 16);
	}
	return w;
}

/* A file image: header + data, as wav_write_file would produce. */
static uint8_t *image_of(const struct wav *w, size_t *len)
{
	size_t n = w->frames * wav_frame_bytes(w);
	uint8_t *buf = malloc(44 + n);

	assert_non_null(buf);
	wav_header(w, buf);
	memcpy(buf + 44, w->data, n);
	*len = 44 + n;
	return buf;
}

static void test_roundtrip_every_format(void **state)
{
	static const enum wav_format formats[] = { WAV_U8,	   WAV_S16_LE,	 WAV_S24_3LE,
						   WAV_S32_LE, WAV_FLOAT_LE, WAV_S24_LE };
	(void)state;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct wav w = make_wav(formats[i], 3, 100, 7), r;
		size_t len;
		uint8_t *img = image_of(&w, &len);
		char err[128];

		assert_int_equal(wav_parse(img, len, &r, err, sizeof(err)), 0);
		assert_int_equal(r.format, formats[i]);
		assert_int_equal(r.channels, 3);
		assert_int_equal(r.rate, 48000);
		assert_int_equal(r.frames, 100);
		assert_memory_equal(r.data, w.data, 100 * wav_frame_bytes(&w));
		wav_free(&r);
		wav_free(&w);
		free(img);
	}
}

/* A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk, as the backend's wav: end writes. */
static size_t extensible_image(uint8_t *buf, size_t cap, uint16_t channels, uint16_t container,
			       uint16_t valid, uint16_t subformat, const uint8_t *data, size_t n)
{
	static const uint8_t guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
					       0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };
	uint16_t align = (uint16_t)(channels * container / 8);
	size_t len = 12 + 8 + 40 + 8 + n;

	assert_true(len <= cap);
	memset(buf, 0, len);
	memcpy(buf, "RIFF", 4);
	buf[4] = (uint8_t)(len - 8);
	memcpy(buf + 8, "WAVEfmt ", 8);
	buf[16] = 40;
	buf[20] = 0xfe;
	buf[21] = 0xff;
	buf[22] = (uint8_t)channels;
	buf[24] = 0x80;		/* 48000 Hz */
	buf[25] = 0xbb;
	buf[32] = (uint8_t)align;
	buf[34] = (uint8_t)container;
	buf[36] = 22;
	buf[38] = (uint8_t)valid;
	buf[44] = (uint8_t)subformat;
	memcpy(buf + 46, guid_tail, sizeof(guid_tail));
	memcpy(buf + 60, "data", 4);
	buf[64] = (uint8_t)n;
	buf[65] = (uint8_t)(n >> 8);
	memcpy(buf + 68, data, n);
	return len;
}

/*
 * S24_LE: arecord -f S24_LE writes a plain fmt chunk, 24 bits per sample,
 * block align 4 per channel (aplay plays that as S24_LE, and only that:
 * it reads an extensible 32-bit container as S32_LE); the wav: end writes
 * WAVE_FORMAT_EXTENSIBLE, 32-bit container, 24 valid bits. Both are S24_LE,
 * and wav_header writes arecord's form.
 */
static void test_s24_le(void **state)
{
	/* the first 44 bytes arecord 1.2.8 wrote for -f S24_LE -c 2 -r 48000 -s 10 */
	static const uint8_t arecord_hdr[44] = {
		'R', 'I', 'F', 'F', 0x74, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
		0x10, 0, 0, 0, 0x01, 0, 0x02, 0, 0x80, 0xbb, 0, 0, 0x00, 0xdc, 0x05, 0,
		0x08, 0, 0x18, 0, 'd', 'a', 't', 'a', 0x50, 0, 0, 0,
	};
	struct wav w = make_wav(WAV_S24_LE, 2, 10, 13), r;
	uint8_t img[44 + 80], ext[68 + 80], hdr[44];
	char err[128];

	(void)state;
	memcpy(img, arecord_hdr, 44);
	memcpy(img + 44, w.data, 80);
	assert_int_equal(wav_parse(img, sizeof(img), &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, WAV_S24_LE);
	assert_int_equal(r.channels, 2);
	assert_int_equal(r.frames, 10);
	assert_memory_equal(r.data, w.data, 80);
	wav_free(&r);

	wav_header(&w, hdr);
	assert_memory_equal(hdr, arecord_hdr, 44);
	assert_string_equal(wav_format_name(WAV_S24_LE), "S24_LE");

	/* the same 24 bits packed in 3 bytes stay S24_3LE */
	img[32] = 6;
	assert_int_equal(wav_parse(img, sizeof(img), &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, WAV_S24_3LE);
	wav_free(&r);

	/* extensible, 32-bit container: 24 valid bits is S24_LE, 32 is S32_LE */
	assert_int_equal(wav_parse(ext, extensible_image(ext, sizeof(ext), 2, 32, 24, 1, w.data, 80),
				   &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.format, WAV_S24_LE);
	assert_int_equal(r.frames, 10);
	assert_memory_equal(r.data, w.data, 80);
	wav_free(&r);
	assert_int_equal(wav_parse(ext, extensible_image(ext, sizeof(ext), 2, 32, 32, 1, w.data, 80),
				   &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.format, WAV_S32_LE);
	wav_free(&r);
	/* 20 valid bits (S20_LE) is not a format of these tools */
	assert_int_equal(wav_parse(ext, extensible_image(ext, sizeof(ext), 2, 32, 20, 1, w.data, 80),
				   &r, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "unsupported"));
	/* and 24 valid bits of float is nothing */
	assert_int_equal(wav_parse(ext, extensible_image(ext, sizeof(ext), 2, 32, 24, 3, w.data, 80),
				   &r, err, sizeof(err)),
			 -1);
	wav_free(&w);
}

static void test_parse_rejects_garbage(void **state)
{
	struct wav w = make_wav(WAV_S16_LE, 2, 10, 1), r;
	size_t len;
	uint8_t *img = image_of(&w, &len);
	char err[128];

	(void)state;
	assert_int_equal(wav_parse(img, 11, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "RIFF"));

	img[20] = 2; /* format tag 2 (ADPCM) */
	assert_int_equal(wav_parse(img, len, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unsupported"));
	img[20] = 1;

	img[32] = 3; /* block align that does not match 2 x 16 bit */
	assert_int_equal(wav_parse(img, len, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "block align"));
	img[32] = 4;

	img[22] = 0; /* zero channels */
	assert_int_equal(wav_parse(img, len, &r, err, sizeof(err)), -1);
	img[22] = 2;

	/* header only, no data chunk */
	assert_int_equal(wav_parse(img, 36, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no data"));

	/* chunk length pointing past the end of a fmt-less file */
	memcpy(img + 12, "junk", 4);
	img[16] = 0xff;
	img[17] = 0xff;
	assert_int_equal(wav_parse(img, len, &r, err, sizeof(err)), -1);
	assert_null(r.data);
	wav_free(&w);
	free(img);
}

static void test_parse_truncated_capture(void **state)
{
	/* arecord killed mid-write: the data length says more than the file has */
	struct wav w = make_wav(WAV_S16_LE, 2, 100, 3), r;
	size_t len;
	uint8_t *img = image_of(&w, &len);
	char err[128];

	(void)state;
	assert_int_equal(wav_parse(img, len - 6, &r, err, sizeof(err)), 0);
	assert_int_equal(r.frames, 98); /* 394 bytes hold 98 whole frames */
	assert_memory_equal(r.data, w.data, 98 * 4);
	wav_free(&r);
	wav_free(&w);
	free(img);
}

/* A capture: some silence, the reference, some silence. */
static struct wav capture_around(const struct wav *ref, size_t before, size_t after)
{
	struct wav c = *ref;
	size_t fb = wav_frame_bytes(ref);

	c.frames = before + ref->frames + after;
	c.data = calloc(c.frames, fb);
	assert_non_null(c.data);
	memcpy(c.data + before * fb, ref->data, ref->frames * fb);
	return c;
}

static void test_find_aligned(void **state)
{
	struct wav ref = make_wav(WAV_S16_LE, 2, 1000, 11);
	struct wav cap = capture_around(&ref, 4321, 77);
	struct wav_match m;

	(void)state;
	assert_int_equal(wav_find(&ref, &cap, 32, &m), WAV_FOUND_ALL);
	assert_int_equal(m.offset, 4321);
	assert_int_equal(m.matched, 1000);
	wav_free(&ref);
	wav_free(&cap);
}

static void test_find_one_changed_sample(void **state)
{
	struct wav ref = make_wav(WAV_S32_LE, 2, 1000, 5);
	struct wav cap = capture_around(&ref, 10, 10);
	struct wav_match m;

	(void)state;
	cap.data[(10 + 500) * 8 + 5] ^= 1; /* one bit of one sample of frame 500 */
	assert_int_equal(wav_find(&ref, &cap, 32, &m), WAV_FOUND_PART);
	assert_int_equal(m.offset, 10);
	assert_int_equal(m.matched, 500);
	wav_free(&ref);
	wav_free(&cap);
}

static void test_find_truncated_capture(void **state)
{
	struct wav ref = make_wav(WAV_S16_LE, 1, 1000, 9);
	struct wav cap = capture_around(&ref, 50, 0);
	struct wav_match m;

	(void)state;
	cap.frames -= 1; /* the capture stopped one frame early */
	assert_int_equal(wav_find(&ref, &cap, 32, &m), WAV_FOUND_PART);
	assert_int_equal(m.matched, 999);
	wav_free(&ref);
	wav_free(&cap);
}

static void test_find_absent_and_incompatible(void **state)
{
	struct wav ref = make_wav(WAV_S16_LE, 2, 100, 1);
	struct wav other = make_wav(WAV_S16_LE, 2, 5000, 2);
	struct wav_match m;

	(void)state;
	assert_int_equal(wav_find(&ref, &other, 32, &m), WAV_NOT_FOUND);
	other.rate = 44100;
	assert_int_equal(wav_find(&ref, &other, 32, &m), WAV_INCOMPATIBLE);
	other.rate = 48000;
	other.channels = 1;
	assert_int_equal(wav_find(&ref, &other, 32, &m), WAV_INCOMPATIBLE);
	other.channels = 2;
	other.format = WAV_S32_LE;
	other.frames = 2500;
	assert_int_equal(wav_find(&ref, &other, 32, &m), WAV_INCOMPATIBLE);
	wav_free(&ref);
	wav_free(&other);
}

static void test_find_prefers_longest_run(void **state)
{
	/* The reference's opening frames appear twice; only the second is whole. */
	struct wav ref = make_wav(WAV_S16_LE, 2, 200, 21);
	struct wav cap = capture_around(&ref, 400, 0);
	struct wav_match m;

	(void)state;
	memcpy(cap.data + 100 * 4, ref.data, 64 * 4);
	assert_int_equal(wav_find(&ref, &cap, 32, &m), WAV_FOUND_ALL);
	assert_int_equal(m.offset, 400);
	wav_free(&ref);
	wav_free(&cap);
}

static void test_sample_scaling(void **state)
{
	uint8_t s16[2] = { 0x00, 0x80 }, s24[3] = { 0xff, 0xff, 0x7f }, u8[1] = { 0 };
	uint8_t s24le[4] = { 0x00, 0x00, 0x80, 0xff };
	struct wav w = { .format = WAV_S16_LE, .rate = 8000, .channels = 1, .frames = 1,
			 .data = s16 };

	(void)state;
	assert_true(wav_sample(&w, 0, 0) == -1.0);
	w.format = WAV_S24_3LE;
	w.data = s24;
	assert_true(wav_sample(&w, 0, 0) > 0.9999 && wav_sample(&w, 0, 0) < 1.0);
	s24[2] = 0x80;
	s24[0] = s24[1] = 0;
	assert_true(wav_sample(&w, 0, 0) == -1.0);
	w.format = WAV_U8;
	w.data = u8;
	assert_true(wav_sample(&w, 0, 0) == -1.0);
	/* S24_LE: the low three bytes, whatever the padding byte holds */
	w.format = WAV_S24_LE;
	w.data = s24le;
	assert_true(wav_sample(&w, 0, 0) == -1.0);
	s24le[3] = 0x00;
	assert_true(wav_sample(&w, 0, 0) == -1.0);
	s24le[2] = 0x40;
	assert_true(wav_sample(&w, 0, 0) == 0.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_format),
		cmocka_unit_test(test_s24_le),
		cmocka_unit_test(test_parse_rejects_garbage),
		cmocka_unit_test(test_parse_truncated_capture),
		cmocka_unit_test(test_find_aligned),
		cmocka_unit_test(test_find_one_changed_sample),
		cmocka_unit_test(test_find_truncated_capture),
		cmocka_unit_test(test_find_absent_and_incompatible),
		cmocka_unit_test(test_find_prefers_longest_run),
		cmocka_unit_test(test_sample_scaling),
	};

	return cmocka_run_group_tests_name("wav", tests, NULL, NULL);
}
