// SPDX-License-Identifier: MIT
/*
 * Unit tests of the virtio <-> ALSA format and rate mapping
 * (sound-backend/snd_format.c), checked against alsa-lib's own idea of
 * sample sizes, and of the probe -> PCM_INFO translation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snd_format.h"

#define BIT(n) (UINT64_C(1) << (n))
#define N_VFORMATS (VIRTIO_SND_PCM_FMT_IEC958_SUBFRAME + 1)
#define N_VRATES (VIRTIO_SND_PCM_RATE_384000 + 1)

static void test_every_format_round_trips(void **state)
{
	(void)state;
	for (unsigned int v = 0; v < N_VFORMATS; v++) {
		snd_pcm_format_t a = snd_format_to_alsa(v);

		if (v == VIRTIO_SND_PCM_FMT_IMA_ADPCM) {
			/* 4-bit samples: not offered */
			assert_int_equal(a, SND_PCM_FORMAT_UNKNOWN);
			assert_int_equal(snd_format_sample_bytes(v), 0);
			assert_false(snd_format_mappable_mask() & BIT(v));
			continue;
		}
		assert_int_not_equal(a, SND_PCM_FORMAT_UNKNOWN);
		assert_int_equal(snd_format_from_alsa(a), (int)v);
		/* little-endian, as the wire format */
		assert_true(snd_pcm_format_little_endian(a) == 1 ||
			    snd_pcm_format_width(a) <= 8);
		assert_int_equal(snd_format_sample_bytes(v) * 8,
				 (unsigned int)snd_pcm_format_physical_width(a));
		assert_true(snd_format_mappable_mask() & BIT(v));
		assert_string_not_equal(snd_format_name(v), "?");
	}
}

static void test_well_known_formats(void **state)
{
	(void)state;
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_U8), SND_PCM_FORMAT_U8);
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_S16), SND_PCM_FORMAT_S16_LE);
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_S24), SND_PCM_FORMAT_S24_LE);
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_S24_3), SND_PCM_FORMAT_S24_3LE);
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_S32), SND_PCM_FORMAT_S32_LE);
	assert_int_equal(snd_format_to_alsa(VIRTIO_SND_PCM_FMT_FLOAT), SND_PCM_FORMAT_FLOAT_LE);
	assert_int_equal(snd_format_sample_bytes(VIRTIO_SND_PCM_FMT_S24), 4);
	assert_int_equal(snd_format_sample_bytes(VIRTIO_SND_PCM_FMT_S24_3), 3);
	assert_int_equal(snd_format_sample_bytes(VIRTIO_SND_PCM_FMT_FLOAT64), 8);
	assert_string_equal(snd_format_name(VIRTIO_SND_PCM_FMT_S16), "S16_LE");
}

static void test_unmappable_formats(void **state)
{
	static const snd_pcm_format_t alsa_only[] = {
		SND_PCM_FORMAT_S16_BE, SND_PCM_FORMAT_S24_BE, SND_PCM_FORMAT_FLOAT_BE,
		SND_PCM_FORMAT_U32_BE, SND_PCM_FORMAT_MPEG, SND_PCM_FORMAT_GSM,
		SND_PCM_FORMAT_SPECIAL, SND_PCM_FORMAT_IMA_ADPCM, SND_PCM_FORMAT_UNKNOWN,
		SND_PCM_FORMAT_G723_24, SND_PCM_FORMAT_DSD_U16_BE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(alsa_only) / sizeof(alsa_only[0]); i++)
		assert_int_equal(snd_format_from_alsa(alsa_only[i]), -1);
	for (unsigned int v = N_VFORMATS; v < 300; v++) {
		assert_int_equal(snd_format_to_alsa(v), SND_PCM_FORMAT_UNKNOWN);
		assert_int_equal(snd_format_sample_bytes(v), 0);
		assert_int_equal(snd_format_frame_bytes(v, 2), 0);
		assert_string_equal(snd_format_name(v), "?");
	}
	assert_int_equal(snd_format_mappable_mask() >> N_VFORMATS, 0);
}

static void test_frame_bytes(void **state)
{
	(void)state;
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_S16, 2), 4);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_S24_3, 6), 18);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_U8, 1), 1);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_FLOAT64, 18), 144);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_S16, 0), 0);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_S16, 256), 0);
	assert_int_equal(snd_format_frame_bytes(VIRTIO_SND_PCM_FMT_IMA_ADPCM, 2), 0);
}

static void test_rates(void **state)
{
	static const unsigned int hz[N_VRATES] = { 5512, 8000, 11025, 16000, 22050,
						   32000, 44100, 48000, 64000, 88200,
						   96000, 176400, 192000, 384000 };
	static const unsigned int not_virtio[] = { 0, 1, 12000, 24000, 44099, 128000,
						   352800, 705600, 768000, 0xffffffffu };

	(void)state;
	for (unsigned int v = 0; v < N_VRATES; v++) {
		assert_int_equal(snd_rate_to_hz(v), hz[v]);
		assert_int_equal(snd_rate_from_hz(hz[v]), (int)v);
		assert_true(snd_rate_mappable_mask() & BIT(v));
	}
	assert_int_equal(snd_rate_mappable_mask() >> N_VRATES, 0);
	for (unsigned int v = N_VRATES; v < 300; v++)
		assert_int_equal(snd_rate_to_hz(v), 0);
	for (size_t i = 0; i < sizeof(not_virtio) / sizeof(not_virtio[0]); i++)
		assert_int_equal(snd_rate_from_hz(not_virtio[i]), -1);
}

static uint64_t alsa_bits(const snd_pcm_format_t *f, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= BIT(f[i]);
	return m;
}

static void test_caps_from_range_probe(void **state)
{
	/* what snd-aloop reports for hw:Loopback */
	static const snd_pcm_format_t fmts[] = {
		SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S16_BE, SND_PCM_FORMAT_S24_LE,
		SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE, SND_PCM_FORMAT_U8,
		SND_PCM_FORMAT_IEC958_SUBFRAME_LE,
	};
	struct snd_probed_caps p = {
		.alsa_formats = alsa_bits(fmts, sizeof(fmts) / sizeof(fmts[0])),
		.rate_min = 8000, .rate_max = 192000,
		.channels_min = 1, .channels_max = 32,
	};
	struct snd_pcm_caps c;

	(void)state;
	assert_int_equal(snd_caps_from_probe(&p, &c), 0);
	assert_int_equal(c.formats, BIT(VIRTIO_SND_PCM_FMT_S16) | BIT(VIRTIO_SND_PCM_FMT_S24) |
					    BIT(VIRTIO_SND_PCM_FMT_S32) | BIT(VIRTIO_SND_PCM_FMT_FLOAT) |
					    BIT(VIRTIO_SND_PCM_FMT_U8) |
					    BIT(VIRTIO_SND_PCM_FMT_IEC958_SUBFRAME));
	/* 8000 .. 192000: no 5512, no 384000 */
	assert_int_equal(c.rates, snd_rate_mappable_mask() & ~BIT(VIRTIO_SND_PCM_RATE_5512) &
					  ~BIT(VIRTIO_SND_PCM_RATE_384000));
	assert_int_equal(c.channels_min, 1);
	assert_int_equal(c.channels_max, SND_FORMAT_CHANNELS_MAX);	/* clamped */
}

static void test_caps_from_list_probe(void **state)
{
	static const unsigned int rates[] = { 44100, 48000, 12000, 96000 };
	struct snd_probed_caps p = {
		.alsa_formats = BIT(SND_PCM_FORMAT_S16_LE),
		.rates = rates, .n_rates = 4,
		.rate_min = 1, .rate_max = 1000000,	/* ignored with a list */
		.channels_min = 0, .channels_max = 2,
	};
	struct snd_pcm_caps c;

	(void)state;
	assert_int_equal(snd_caps_from_probe(&p, &c), 0);
	assert_int_equal(c.formats, BIT(VIRTIO_SND_PCM_FMT_S16));
	assert_int_equal(c.rates, BIT(VIRTIO_SND_PCM_RATE_44100) | BIT(VIRTIO_SND_PCM_RATE_48000) |
					  BIT(VIRTIO_SND_PCM_RATE_96000));
	assert_int_equal(c.channels_min, 1);	/* 0 raised to 1 */
	assert_int_equal(c.channels_max, 2);
}

static void test_caps_nothing_left(void **state)
{
	static const unsigned int odd_rates[] = { 12000, 24000 };
	struct snd_probed_caps ok = {
		.alsa_formats = BIT(SND_PCM_FORMAT_S16_LE),
		.rate_min = 48000, .rate_max = 48000,
		.channels_min = 2, .channels_max = 2,
	};
	struct snd_probed_caps p;
	struct snd_pcm_caps c;

	(void)state;
	assert_int_equal(snd_caps_from_probe(&ok, &c), 0);
	assert_int_equal(c.rates, BIT(VIRTIO_SND_PCM_RATE_48000));

	p = ok; p.alsa_formats = BIT(SND_PCM_FORMAT_S16_BE) | BIT(SND_PCM_FORMAT_IMA_ADPCM);
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.alsa_formats = 0;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.rate_min = 48001; p.rate_max = 64000 - 1;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.rate_min = 400000; p.rate_max = 800000;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.rates = odd_rates; p.n_rates = 2;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.rates = NULL; p.n_rates = 2;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.channels_min = 3; p.channels_max = 2;
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	p = ok; p.channels_min = 19; p.channels_max = 24;	/* beyond a channel map */
	assert_int_equal(snd_caps_from_probe(&p, &c), -EINVAL);
	assert_int_equal(snd_caps_from_probe(NULL, &c), -EINVAL);
	assert_int_equal(snd_caps_from_probe(&ok, NULL), -EINVAL);
}

static void test_caps_to_pcm_info(void **state)
{
	struct snd_pcm_caps c = {
		.formats = BIT(VIRTIO_SND_PCM_FMT_S16) | BIT(VIRTIO_SND_PCM_FMT_FLOAT64),
		.rates = BIT(VIRTIO_SND_PCM_RATE_48000) | BIT(VIRTIO_SND_PCM_RATE_384000),
		.channels_min = 1, .channels_max = 8,
	};
	struct virtio_snd_pcm_info info;
	const uint8_t *b = (const uint8_t *)&info;

	(void)state;
	memset(&info, 0xa5, sizeof(info));
	snd_caps_to_pcm_info(&c, 0x01020304, VIRTIO_SND_D_INPUT, 0x10, &info);
	/* byte by byte, little-endian at the spec's offsets */
	assert_int_equal(b[0], 0x04);
	assert_int_equal(b[3], 0x01);
	assert_int_equal(snd_get_le32(b + 4), 0x10);
	assert_int_equal(snd_get_le64(b + 8), c.formats);
	assert_int_equal(snd_get_le64(b + 16), c.rates);
	assert_int_equal(b[24], VIRTIO_SND_D_INPUT);
	assert_int_equal(b[25], 1);
	assert_int_equal(b[26], 8);
	for (int i = 27; i < 32; i++)
		assert_int_equal(b[i], 0);	/* padding zeroed */
}

static void test_le_helpers(void **state)
{
	uint8_t buf[9] = { 0 };

	(void)state;
	snd_put_le16(buf + 1, 0x1234);
	assert_int_equal(buf[1], 0x34);
	assert_int_equal(snd_get_le16(buf + 1), 0x1234);
	snd_put_le32(buf + 1, 0x89abcdefu);
	assert_int_equal(buf[1], 0xef);
	assert_int_equal(buf[4], 0x89);
	assert_int_equal(snd_get_le32(buf + 1), 0x89abcdefu);
	snd_put_le64(buf + 1, UINT64_C(0x0102030405060708));
	assert_int_equal(buf[1], 0x08);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(snd_get_le64(buf + 1), UINT64_C(0x0102030405060708));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_format_round_trips),
		cmocka_unit_test(test_well_known_formats),
		cmocka_unit_test(test_unmappable_formats),
		cmocka_unit_test(test_frame_bytes),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_caps_from_range_probe),
		cmocka_unit_test(test_caps_from_list_probe),
		cmocka_unit_test(test_caps_nothing_left),
		cmocka_unit_test(test_caps_to_pcm_info),
		cmocka_unit_test(test_le_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
