// SPDX-License-Identifier: MIT
/* Unit tests of sound-backend/snd_gain.c: the software volume per format. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snd_format.h"
#include "snd_gain.h"
#include "snd_proto.h"

#define HALF_CDB (-602)	/* -6.02 dB: a factor of 0.5 */

static float half(void)
{
	return snd_gain_factor(HALF_CDB, false);
}

static void test_factor(void **state)
{
	(void)state;
	assert_true(snd_gain_factor(0, false) == 1.0f);
	assert_true(snd_gain_factor(0, true) == 0.0f);
	assert_true(snd_gain_factor(-3000, true) == 0.0f);
	assert_true(fabsf(half() - 0.5f) < 0.0005f);
	assert_true(fabsf(snd_gain_factor(-6000, false) - 0.001f) < 0.00001f);
	assert_true(fabsf(snd_gain_factor(600, false) - 1.995f) < 0.001f);
}

/* Every mappable format: gain 1 leaves random bytes exactly as they were. */
static void test_identity_all_formats(void **state)
{
	uint8_t buf[256], ref[256];

	(void)state;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	memcpy(ref, buf, sizeof(buf));
	for (unsigned int f = 0; f < 64; f++) {
		unsigned int sb = snd_format_sample_bytes(f);

		if (!(snd_format_mappable_mask() & (1ull << f)))
			continue;
		snd_gain_apply(f, buf, (uint32_t)(sizeof(buf) / sb / 2), 2, 1.0f, 1.0f);
		assert_memory_equal(buf, ref, sizeof(buf));
	}
}

static void check_all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], v);
}

static void test_silence(void **state)
{
	uint8_t buf[64];

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_U8, buf, 32, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0x80);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S16, buf, 16, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S24, buf, 8, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S32, buf, 8, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_FLOAT, buf, 8, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_MU_LAW, buf, 32, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0xff);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_A_LAW, buf, 32, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0xd5);
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_DSD_U8, buf, 32, 2, 0.0f, 0.0f);
	check_all(buf, 64, 0x69);
	/* U16 LE: 0x8000 */
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_U16, buf, 16, 2, 0.0f, 0.0f);
	for (int i = 0; i < 64; i += 2) {
		assert_int_equal(buf[i], 0x00);
		assert_int_equal(buf[i + 1], 0x80);
	}
	/* U24 in 32 bits: 0x00800000 */
	memset(buf, 0x5a, sizeof(buf));
	snd_gain_apply(VIRTIO_SND_PCM_FMT_U24, buf, 8, 2, 0.0f, 0.0f);
	for (int i = 0; i < 64; i += 4)
		assert_int_equal(snd_get_le32(buf + i), 0x00800000);
}

/* The muted zero-decoded value of every mappable format decodes to 0. */
static void test_silence_all_formats_stable(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	for (unsigned int f = 0; f < 64; f++) {
		unsigned int sb = snd_format_sample_bytes(f);

		if (!(snd_format_mappable_mask() & (1ull << f)))
			continue;
		memset(a, 0x33, sizeof(a));
		snd_gain_silence(f, a, (uint32_t)(sizeof(a) / sb), 1);
		memcpy(b, a, sizeof(b));
		/* silence scaled is still the same silence */
		if (snd_gain_scalable(f))
			snd_gain_apply(f, b, (uint32_t)(sizeof(b) / sb), 1, 0.3f, 0.3f);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void test_s16_half_and_saturation(void **state)
{
	int16_t s[6] = { 1000, -1000, 32767, -32768, 1, 0 };
	int16_t t[4] = { 20000, -20000, 100, -100 };

	(void)state;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S16, s, 6, 1, 0.5f, 0.5f);
	assert_int_equal(s[0], 500);
	assert_int_equal(s[1], -500);
	assert_int_equal(s[2], 16384);	/* 16383.5 rounds away from zero */
	assert_int_equal(s[3], -16384);
	assert_int_equal(s[4], 1);	/* 0.5 rounds away from zero */
	assert_int_equal(s[5], 0);
	/* +6 dB: saturates instead of wrapping */
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S16, t, 4, 1, 2.0f, 2.0f);
	assert_int_equal(t[0], 32767);
	assert_int_equal(t[1], -32768);
	assert_int_equal(t[2], 200);
	assert_int_equal(t[3], -200);
	/* the -6.02 dB of the volume control: half, to the nearest sample */
	t[0] = 10000;
	t[1] = -10000;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S16, t, 2, 1, half(), half());
	assert_int_equal(t[0], 5000);
	assert_int_equal(t[1], -5000);
}

static void test_u8(void **state)
{
	uint8_t u[5] = { 0x80, 0xc0, 0x40, 0xff, 0x00 };

	(void)state;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_U8, u, 5, 1, 0.5f, 0.5f);
	assert_int_equal(u[0], 0x80);
	assert_int_equal(u[1], 0xa0);	/* +64 -> +32 */
	assert_int_equal(u[2], 0x60);	/* -64 -> -32 */
	assert_int_equal(u[3], 0xc0);	/* 127 -> 63.5 -> 64 */
	assert_int_equal(u[4], 0x40);	/* -128 -> -64 */
	u[0] = 0xf0;
	u[1] = 0x10;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_U8, u, 2, 1, 4.0f, 4.0f);
	assert_int_equal(u[0], 0xff);
	assert_int_equal(u[1], 0x00);
}

/* S24 in a 32-bit container: low 24 bits, sign from bit 23, whatever the
 * top byte held; written back sign-extended. */
static void test_s24_container(void **state)
{
	uint8_t b[16];

	(void)state;
	snd_put_le32(b, 0xfff00000u);		/* -1048576, sign-extended */
	snd_put_le32(b + 4, 0x00f00000u);	/* the same, top byte left 0 */
	snd_put_le32(b + 8, 0xab100000u);	/* +1048576, junk top byte */
	snd_put_le32(b + 12, 0x007fffffu);	/* max */
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S24, b, 4, 1, 0.5f, 0.5f);
	assert_int_equal(snd_get_le32(b), 0xfff80000u);
	assert_int_equal(snd_get_le32(b + 4), 0xfff80000u);
	assert_int_equal(snd_get_le32(b + 8), 0x00080000u);
	assert_int_equal(snd_get_le32(b + 12), 0x00400000u);
	snd_put_le32(b, 0x00600000u);
	snd_put_le32(b + 4, 0xffa00000u);
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S24, b, 2, 1, 2.0f, 2.0f);
	assert_int_equal(snd_get_le32(b), 0x007fffffu);
	assert_int_equal(snd_get_le32(b + 4), 0xff800000u);
}

static void test_s24_3_and_s32(void **state)
{
	uint8_t b[6] = { 0x00, 0x00, 0xc0, 0x00, 0x00, 0x40 };	/* -4194304, +4194304 */
	int32_t s[3] = { INT32_MAX, INT32_MIN, -2000000000 };

	(void)state;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S24_3, b, 2, 1, 0.5f, 0.5f);
	assert_int_equal(b[2], 0xe0);
	assert_int_equal(b[5], 0x20);
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S32, s, 3, 1, 0.5f, 0.5f);
	assert_int_equal(s[0], 1073741824);
	assert_int_equal(s[1], -1073741824);
	assert_int_equal(s[2], -1000000000);
	snd_gain_apply(VIRTIO_SND_PCM_FMT_S32, s, 3, 1, 4.0f, 4.0f);
	assert_int_equal(s[0], INT32_MAX);
	assert_int_equal(s[1], INT32_MIN);
	assert_int_equal(s[2], INT32_MIN);
}

static void test_float(void **state)
{
	float f[4] = { 0.5f, -0.8f, 0.9f, -0.9f };

	(void)state;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_FLOAT, f, 4, 1, 0.5f, 0.5f);
	assert_true(f[0] == 0.25f);
	assert_true(f[1] == -0.4f);
	f[2] = 0.9f;
	f[3] = -0.9f;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_FLOAT, f + 2, 2, 1, 2.0f, 2.0f);
	assert_true(f[2] == 1.0f);
	assert_true(f[3] == -1.0f);
	double d[2] = { 0.5, -0.25 };
	snd_gain_apply(VIRTIO_SND_PCM_FMT_FLOAT64, d, 2, 1, 0.5f, 0.5f);
	assert_true(d[0] == 0.25);
	assert_true(d[1] == -0.125);
}

/* G.711: halving a loud code gives a code that decodes to about half. */
static void test_g711(void **state)
{
	uint8_t m[2] = { 0x80, 0x00 };	/* mu-law: +32124, -32124 */
	uint8_t a[2] = { 0xaa, 0x2a };	/* A-law: +32256, -32256 */

	(void)state;
	snd_gain_apply(VIRTIO_SND_PCM_FMT_MU_LAW, m, 2, 1, 0.5f, 0.5f);
	/* +16062 encodes in segment 6 (decoded 15996 or 16124) */
	assert_int_equal(m[0], 0x90);
	assert_int_equal(m[1], 0x10);
	snd_gain_apply(VIRTIO_SND_PCM_FMT_A_LAW, a, 2, 1, 0.5f, 0.5f);
	assert_int_equal(a[0], 0xba);	/* segment 6, top mantissa: 16128 */
	assert_int_equal(a[1], 0x3a);
}

static void test_bitstreams_only_muted(void **state)
{
	uint8_t d[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, ref[8];
	uint8_t iec[4];

	(void)state;
	memcpy(ref, d, 8);
	snd_gain_apply(VIRTIO_SND_PCM_FMT_DSD_U8, d, 8, 1, 0.5f, 0.5f);
	assert_memory_equal(d, ref, 8);
	/* IEC958: audio bits cleared, preamble/V/U/C kept, parity even */
	snd_put_le32(iec, 0x7abcdef1u);
	snd_gain_silence(VIRTIO_SND_PCM_FMT_IEC958_SUBFRAME, iec, 1, 1);
	assert_int_equal(snd_get_le32(iec) & 0x7ffffff0u, 0x70000000u);
	assert_int_equal(__builtin_parity(snd_get_le32(iec) & ~0xfu), 0);
	assert_int_equal(snd_get_le32(iec) & 0xf, 0x1);
}

/* A ramp goes from the old gain to the new one within `len' frames, without
 * a jump, and is then exact (identity or silence). */
static void test_ramp(void **state)
{
	struct snd_gain_ramp r;
	int16_t s[400];
	int prev;

	(void)state;
	snd_gain_ramp_init(&r, 1.0f, 100);
	for (int i = 0; i < 400; i++)
		s[i] = 10000;
	snd_gain_ramp_process(&r, 1.0f, VIRTIO_SND_PCM_FMT_S16, 1, s, 50);
	snd_gain_ramp_advance(&r, 50);
	for (int i = 0; i < 50; i++)
		assert_int_equal(s[i], 10000);
	/* mute: 100 frames of fade, then zeros */
	snd_gain_ramp_process(&r, 0.0f, VIRTIO_SND_PCM_FMT_S16, 1, s + 50, 60);
	snd_gain_ramp_advance(&r, 60);
	snd_gain_ramp_process(&r, 0.0f, VIRTIO_SND_PCM_FMT_S16, 1, s + 110, 290);
	snd_gain_ramp_advance(&r, 290);
	assert_int_equal(s[50], 10000);
	prev = s[50];
	for (int i = 51; i < 150; i++) {
		assert_true(s[i] <= prev);
		assert_true(prev - s[i] <= 101);	/* no step bigger than 1% */
		prev = s[i];
	}
	for (int i = 150; i < 400; i++)
		assert_int_equal(s[i], 0);
	/* back up to 0 dB: exact again after the ramp */
	for (int i = 0; i < 400; i++)
		s[i] = 1234;
	snd_gain_ramp_process(&r, 1.0f, VIRTIO_SND_PCM_FMT_S16, 1, s, 400);
	snd_gain_ramp_advance(&r, 400);
	assert_int_equal(s[0], 0);
	assert_true(s[50] > 500 && s[50] < 700);
	for (int i = 100; i < 400; i++)
		assert_int_equal(s[i], 1234);
}

/* A partial advance (the end took fewer frames) keeps the ramp position. */
static void test_ramp_partial(void **state)
{
	struct snd_gain_ramp r;
	int16_t a[100], b[100];

	(void)state;
	snd_gain_ramp_init(&r, 1.0f, 100);
	for (int i = 0; i < 100; i++)
		a[i] = b[i] = 20000;
	snd_gain_ramp_process(&r, 0.5f, VIRTIO_SND_PCM_FMT_S16, 1, a, 100);
	snd_gain_ramp_advance(&r, 40);
	/* the same bytes again from frame 40: same gains as the first pass */
	snd_gain_ramp_process(&r, 0.5f, VIRTIO_SND_PCM_FMT_S16, 1, b + 40, 60);
	for (int i = 40; i < 100; i++)
		assert_int_equal(a[i], b[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factor),
		cmocka_unit_test(test_identity_all_formats),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_silence_all_formats_stable),
		cmocka_unit_test(test_s16_half_and_saturation),
		cmocka_unit_test(test_u8),
		cmocka_unit_test(test_s24_container),
		cmocka_unit_test(test_s24_3_and_s32),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_g711),
		cmocka_unit_test(test_bitstreams_only_muted),
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_ramp_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
