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
	static const enum wav_format formats[] = { WAV_U8, WAV_S16_LE, WAV_S24_3LE, WAV_S32_LE,
						   WAV_FLOAT_LE };
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_format),
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
