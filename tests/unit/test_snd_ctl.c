// SPDX-License-Identifier: MIT
/*
 * Unit tests of the control queue (sound-backend/snd_ctl.c) on a device
 * built by sound-backend/snd_device.c: every request, good and malformed;
 * the replies Linux 6.12's virtio_snd needs to probe; control values, TLV
 * and the event queue; device creation checks and reset.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snd_ctl.h"
#include "snd_device.h"
#include "test_snd_fake_end.h"

#define OK VIRTIO_SND_S_OK
#define BAD VIRTIO_SND_S_BAD_MSG
#define NOTSUPP VIRTIO_SND_S_NOT_SUPP
#define BIT(n) (UINT64_C(1) << (n))
#define RESP_MAX 8192

struct fixture {
	struct fake_end end[2];
	struct snd_device *d;
	uint8_t resp[RESP_MAX];
	int events_queued;
	int ctl_changed;
	uint32_t last_ctl;
	int io_releases;
};

static void on_event(void *opaque)
{
	((struct fixture *)opaque)->events_queued++;
}

static void on_ctl(void *opaque, uint32_t id)
{
	struct fixture *fx = opaque;

	fx->ctl_changed++;
	fx->last_ctl = id;
}

static void on_io_release(void *opaque, uint32_t sid)
{
	(void)sid;
	((struct fixture *)opaque)->io_releases++;
}

static void fill_streams(struct fixture *fx, struct snd_stream_desc s[2])
{
	s[0] = (struct snd_stream_desc){
		.direction = VIRTIO_SND_D_OUTPUT, .channels_min = 2, .channels_max = 2,
		.formats = BIT(VIRTIO_SND_PCM_FMT_S16) | BIT(VIRTIO_SND_PCM_FMT_S32),
		.rates = BIT(VIRTIO_SND_PCM_RATE_48000), .hda_fn_nid = 0,
		.end_name = "hw:Loopback,0,0", .end_ops = &fake_end_ops, .end_ctx = &fx->end[0],
	};
	s[1] = (struct snd_stream_desc){
		.direction = VIRTIO_SND_D_INPUT, .channels_min = 1, .channels_max = 2,
		.formats = BIT(VIRTIO_SND_PCM_FMT_S16),
		.rates = BIT(VIRTIO_SND_PCM_RATE_44100) | BIT(VIRTIO_SND_PCM_RATE_48000),
		.hda_fn_nid = 0, .end_name = "wav:/tmp/in.wav", .end_ops = &fake_end_ops,
		.end_ctx = &fx->end[1],
	};
}

static const struct snd_jack_desc jacks[2] = {
	{ .hda_fn_nid = 0, .defconf = 0x01214010, .caps = 0x1c, .connected = true,
	  .remappable = true },
	{ .hda_fn_nid = 0, .defconf = 0x01a19020, .caps = 0x24, .connected = false },
};

static int setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	struct snd_stream_desc s[2];
	struct snd_device_desc desc = {
		.streams = s, .n_streams = 2, .jacks = jacks, .n_jacks = 2,
		.chmaps = true, .controls = true,
		.hooks = { .opaque = fx, .event_queued = on_event, .ctl_changed = on_ctl,
			   .io_release = on_io_release },
	};

	fill_streams(fx, s);
	assert_int_equal(snd_device_create(&desc, &fx->d), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	snd_device_destroy(fx->d);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx->end[i].live, 0);
		assert_int_equal(fx->end[i].opens, fx->end[i].closes);
		assert_int_equal(fx->end[i].misuse, 0);
	}
	test_free(fx);
	return 0;
}

/* --- request builders ---------------------------------------------------- */

static size_t call(struct fixture *fx, const void *req, size_t len, size_t cap)
{
	assert_true(cap <= RESP_MAX);
	memset(fx->resp, 0xa5, sizeof(fx->resp));
	return snd_ctl_handle(fx->d, req, len, fx->resp, cap);
}

static uint32_t status(const struct fixture *fx)
{
	return snd_get_le32(fx->resp);
}

/* Send, expect a status-only reply with `want'. */
static void expect_status(struct fixture *fx, const void *req, size_t len, size_t cap,
			  uint32_t want)
{
	size_t n = call(fx, req, len, cap);

	if (status(fx) != want)
		fail_msg("code 0x%x len %zu: status 0x%x, want 0x%x",
			 req && len >= 4 ? snd_get_le32(req) : 0, len, status(fx), want);
	assert_int_equal(n, 4);
	/* nothing written past the status */
	if (cap > 4)
		assert_int_equal(fx->resp[4], 0xa5);
}

static void query(uint8_t req[16], uint32_t code, uint32_t start, uint32_t count, uint32_t size)
{
	snd_put_le32(req, code);
	snd_put_le32(req + 4, start);
	snd_put_le32(req + 8, count);
	snd_put_le32(req + 12, size);
}

static void hdr8(uint8_t req[8], uint32_t code, uint32_t id)
{
	snd_put_le32(req, code);
	snd_put_le32(req + 4, id);
}

static void set_params(uint8_t req[24], uint32_t sid, uint8_t channels, uint8_t format,
		       uint8_t rate, uint32_t buffer, uint32_t period)
{
	memset(req, 0, 24);
	hdr8(req, VIRTIO_SND_R_PCM_SET_PARAMS, sid);
	snd_put_le32(req + 8, buffer);
	snd_put_le32(req + 12, period);
	req[20] = channels;
	req[21] = format;
	req[22] = rate;
}

static uint32_t pcm(struct fixture *fx, uint32_t code, uint32_t sid)
{
	uint8_t req[8];

	hdr8(req, code, sid);
	assert_int_equal(call(fx, req, sizeof(req), 4), 4);
	return status(fx);
}

/* --- configuration and the driver's probe -------------------------------- */

static void test_config_and_features(void **state)
{
	struct fixture *fx = *state;
	struct snd_proto_config cfg;

	snd_device_config(fx->d, &cfg);
	assert_int_equal(snd_get_le32(&cfg.jacks), 2);
	assert_int_equal(snd_get_le32(&cfg.streams), 2);
	assert_int_equal(snd_get_le32(&cfg.chmaps), 3);	/* 2ch; 1ch and 2ch */
	assert_int_equal(snd_get_le32(&cfg.controls), 4);
	assert_int_equal(snd_device_features(fx->d), BIT(VIRTIO_SND_F_CTLS));
	assert_true(snd_device_ctls_enabled(fx->d));
}

/* What Linux 6.12 does at probe, with its checks (virtio_{jack,pcm,chmap,kctl}.c). */
static void test_linux_probe(void **state)
{
	struct fixture *fx = *state;
	struct snd_proto_config cfg;
	uint8_t req[16];
	size_t n;

	snd_device_config(fx->d, &cfg);

	query(req, VIRTIO_SND_R_JACK_INFO, 0, 2, sizeof(struct virtio_snd_jack_info));
	n = call(fx, req, 16, 4 + 2 * sizeof(struct virtio_snd_jack_info));
	assert_int_equal(status(fx), OK);
	assert_int_equal(n, 4 + 2 * 24);
	{
		const uint8_t *j = fx->resp + 4;

		assert_int_equal(snd_get_le32(j), 0);			/* nid */
		assert_int_equal(snd_get_le32(j + 4), 1);		/* F_REMAP */
		assert_int_equal(snd_get_le32(j + 8), 0x01214010);
		assert_int_equal(snd_get_le32(j + 12), 0x1c);
		assert_int_equal(j[16], 1);
		for (int i = 17; i < 24; i++)
			assert_int_equal(j[i], 0);
		assert_int_equal(snd_get_le32(j + 24 + 4), 0);
		assert_int_equal(j[24 + 16], 0);
	}

	query(req, VIRTIO_SND_R_PCM_INFO, 0, 2, sizeof(struct virtio_snd_pcm_info));
	n = call(fx, req, 16, 4 + 2 * 32);
	assert_int_equal(status(fx), OK);
	assert_int_equal(n, 4 + 2 * 32);
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = fx->resp + 4 + 32 * i;

		assert_int_equal(snd_get_le32(p), 0);
		assert_true(p[25] >= 1 && p[25] <= p[26]);		/* channels */
		assert_int_not_equal(snd_get_le64(p + 8), 0);		/* formats */
		assert_int_not_equal(snd_get_le64(p + 16), 0);		/* rates */
		assert_int_equal(p[24], i == 0 ? VIRTIO_SND_D_OUTPUT : VIRTIO_SND_D_INPUT);
	}
	assert_int_equal(snd_get_le64(fx->resp + 4 + 8),
			 BIT(VIRTIO_SND_PCM_FMT_S16) | BIT(VIRTIO_SND_PCM_FMT_S32));
	assert_int_equal(fx->resp[4 + 32 + 25], 1);
	assert_int_equal(fx->resp[4 + 32 + 26], 2);

	query(req, VIRTIO_SND_R_CHMAP_INFO, 0, 3, sizeof(struct virtio_snd_chmap_info));
	n = call(fx, req, 16, 4 + 3 * 24);
	assert_int_equal(status(fx), OK);
	assert_int_equal(n, 4 + 3 * 24);
	for (int i = 0; i < 3; i++) {
		const uint8_t *m = fx->resp + 4 + 24 * i;

		assert_int_equal(snd_get_le32(m), 0);	/* a stream's nid */
		assert_true(m[4] <= VIRTIO_SND_D_INPUT);
		for (int c = 0; c < m[5]; c++)
			assert_true(m[6 + c] <= VIRTIO_SND_CHMAP_BRC);
	}

	query(req, VIRTIO_SND_R_CTL_INFO, 0, 4, sizeof(struct virtio_snd_ctl_info));
	n = call(fx, req, 16, 4 + 4 * 96);
	assert_int_equal(status(fx), OK);
	assert_int_equal(n, 4 + 4 * 96);
	for (int i = 0; i < 4; i++) {
		const uint8_t *c = fx->resp + 4 + 96 * i;
		uint32_t type = snd_get_le32(c + 8), count = snd_get_le32(c + 16);

		assert_true(type <= VIRTIO_SND_CTL_TYPE_IEC958);
		assert_true(count >= 1 && count <= 128);
		assert_non_null(memchr(c + 24, 0, 44));	/* NUL-terminated name */
		/* (name, index) unique: snd_ctl_add() fails the probe otherwise */
		for (int k = 0; k < i; k++) {
			const uint8_t *o = fx->resp + 4 + 96 * k;

			assert_false(!strcmp((const char *)c + 24, (const char *)o + 24) &&
				     snd_get_le32(c + 20) == snd_get_le32(o + 20));
		}
	}
}

static void test_info_partial_and_padded(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[16];

	query(req, VIRTIO_SND_R_PCM_INFO, 1, 1, 48);
	assert_int_equal(call(fx, req, 16, 4 + 48), 4 + 48);
	assert_int_equal(status(fx), OK);
	assert_int_equal(fx->resp[4 + 24], VIRTIO_SND_D_INPUT);
	for (int i = 32; i < 48; i++)
		assert_int_equal(fx->resp[4 + i], 0);	/* padded with zeros */
	/* extra response space is left alone */
	query(req, VIRTIO_SND_R_JACK_INFO, 1, 1, 24);
	assert_int_equal(call(fx, req, 16, 200), 4 + 24);
	assert_int_equal(fx->resp[4 + 24], 0xa5);
	assert_int_equal(snd_get_le32(fx->resp + 4 + 8), 0x01a19020);
}

static void test_info_malformed(void **state)
{
	static const struct {
		uint32_t code, n, size;
	} kinds[] = {
		{ VIRTIO_SND_R_JACK_INFO, 2, 24 },
		{ VIRTIO_SND_R_PCM_INFO, 2, 32 },
		{ VIRTIO_SND_R_CHMAP_INFO, 3, 24 },
		{ VIRTIO_SND_R_CTL_INFO, 4, 96 },
	};
	struct fixture *fx = *state;
	uint8_t req[32];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint32_t code = kinds[k].code, n = kinds[k].n, size = kinds[k].size;

		memset(req, 0, sizeof(req));
		query(req, code, 0, n, size);
		expect_status(fx, req, 4, RESP_MAX, BAD);
		expect_status(fx, req, 15, RESP_MAX, BAD);
		expect_status(fx, req, 17, RESP_MAX, BAD);
		query(req, code, 0, 0, size);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, n, 1, size);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 1, n, size);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, n + 1, size);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0xffffffffu, 2, size);		/* start + count wraps */
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 1, 0xffffffffu, size);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, n, size - 1);		/* smaller than the item */
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, n, 0);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, 1, SND_CTL_INFO_SIZE_MAX + 1);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, 1, 0xffffffffu);
		expect_status(fx, req, 16, RESP_MAX, BAD);
		query(req, code, 0, n, size);			/* reply does not fit */
		expect_status(fx, req, 16, 4 + n * size - 1, BAD);
		expect_status(fx, req, 16, 4, BAD);
		assert_int_equal(call(fx, req, 16, 4 + n * size), 4 + n * size);
		assert_int_equal(status(fx), OK);
		query(req, code, n - 1, 1, SND_CTL_INFO_SIZE_MAX);	/* largest size */
		assert_int_equal(call(fx, req, 16, 4 + SND_CTL_INFO_SIZE_MAX),
				 4 + SND_CTL_INFO_SIZE_MAX);
		assert_int_equal(status(fx), OK);
	}
}

static void test_jack_remap(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[20];

	memset(req, 0, sizeof(req));
	hdr8(req, VIRTIO_SND_R_JACK_REMAP, 0);
	snd_put_le32(req + 8, 3);
	snd_put_le32(req + 12, 5);
	expect_status(fx, req, 16, 4, OK);
	assert_int_equal(fx->d->jacks[0].association, 3);
	assert_int_equal(fx->d->jacks[0].sequence, 5);
	hdr8(req, VIRTIO_SND_R_JACK_REMAP, 1);		/* not remappable */
	expect_status(fx, req, 16, 4, NOTSUPP);
	hdr8(req, VIRTIO_SND_R_JACK_REMAP, 2);
	expect_status(fx, req, 16, 4, BAD);
	hdr8(req, VIRTIO_SND_R_JACK_REMAP, 0xffffffffu);
	expect_status(fx, req, 16, 4, BAD);
	hdr8(req, VIRTIO_SND_R_JACK_REMAP, 0);
	expect_status(fx, req, 8, 4, BAD);
	expect_status(fx, req, 15, 4, BAD);
	expect_status(fx, req, 17, 4, BAD);
	/* a reset forgets remaps */
	snd_device_reset(fx->d);
	assert_int_equal(fx->d->jacks[0].association, 0);
}

/* --- PCM ----------------------------------------------------------------- */

static void test_pcm_lifecycle(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[24];

	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 0), OK);
	assert_int_equal(fx->end[0].opens, 1);
	assert_string_equal(fx->end[0].last_name, "hw:Loopback,0,0");
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_START, 0), OK);
	assert_true(snd_stream_running(snd_device_stream(fx->d, 0)));
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_STOP, 0), OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_RELEASE, 0), OK);
	assert_int_equal(fx->io_releases, 1);
	assert_int_equal(fx->end[0].live, 0);

	/* the capture stream, independently */
	set_params(req, 1, 1, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_44100, 4410 * 2, 441 * 2);
	expect_status(fx, req, 24, 4, OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 1), OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_START, 1), OK);
	assert_int_equal(fx->end[1].last_params.direction, VIRTIO_SND_D_INPUT);
	assert_int_equal(fx->end[1].last_params.rate_hz, 44100);
	assert_int_equal(fx->end[0].live, 0);
	assert_int_equal(fx->end[1].live, 1);

	/* illegal transitions come back as BAD_MSG */
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_RELEASE, 1), BAD);	/* started */
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_START, 0), BAD);	/* released */
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_STOP, 0), BAD);
	expect_status(fx, req, 24, 4, BAD);				/* started */
	/* parameters another stream would take are refused here */
	set_params(req, 0, 1, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, BAD);		/* stream 0 is stereo only */
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_44100, 7680, 1920);
	expect_status(fx, req, 24, 4, BAD);		/* 44.1 kHz not offered on 0 */
}

static void test_pcm_malformed(void **state)
{
	static const uint32_t codes[] = { VIRTIO_SND_R_PCM_PREPARE, VIRTIO_SND_R_PCM_RELEASE,
					  VIRTIO_SND_R_PCM_START, VIRTIO_SND_R_PCM_STOP };
	struct fixture *fx = *state;
	uint8_t req[32];

	memset(req, 0, sizeof(req));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		hdr8(req, codes[i], 2);
		expect_status(fx, req, 8, 4, BAD);
		hdr8(req, codes[i], 0xffffffffu);
		expect_status(fx, req, 8, 4, BAD);
		hdr8(req, codes[i], 0);
		expect_status(fx, req, 7, 4, BAD);
		expect_status(fx, req, 4, 4, BAD);
		expect_status(fx, req, 9, 4, BAD);
		expect_status(fx, req, 24, 4, BAD);
	}
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 23, 4, BAD);
	expect_status(fx, req, 25, 4, BAD);
	expect_status(fx, req, 8, 4, BAD);
	set_params(req, 2, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, BAD);
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_U8, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, BAD);
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1922);
	expect_status(fx, req, 24, 4, BAD);
	assert_int_equal(snd_device_stream(fx->d, 0)->state, SND_STREAM_INITIAL);
	assert_null(snd_device_stream(fx->d, 2));
}

static void test_pcm_end_failure_is_io_err(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[24];

	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S32, VIRTIO_SND_PCM_RATE_48000, 7680 * 2, 1920 * 2);
	expect_status(fx, req, 24, 4, OK);
	fx->end[0].fail_open = 1;
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 0), VIRTIO_SND_S_IO_ERR);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 0), OK);
	assert_int_equal(fx->end[0].last_params.format, SND_PCM_FORMAT_S32_LE);
}

/* --- channel maps -------------------------------------------------------- */

static void test_chmap_contents(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[16];
	const uint8_t *m = fx->resp + 4;

	query(req, VIRTIO_SND_R_CHMAP_INFO, 0, 3, 24);
	assert_int_equal(call(fx, req, 16, 4 + 72), 4 + 72);
	/* output stereo */
	assert_int_equal(m[4], VIRTIO_SND_D_OUTPUT);
	assert_int_equal(m[5], 2);
	assert_int_equal(m[6], VIRTIO_SND_CHMAP_FL);
	assert_int_equal(m[7], VIRTIO_SND_CHMAP_FR);
	assert_int_equal(m[8], 0);
	/* input mono, then stereo */
	assert_int_equal(m[24 + 4], VIRTIO_SND_D_INPUT);
	assert_int_equal(m[24 + 5], 1);
	assert_int_equal(m[24 + 6], VIRTIO_SND_CHMAP_MONO);
	assert_int_equal(m[48 + 5], 2);
}

static void test_chmaps_for_eight_channels(void **state)
{
	struct fake_end end;
	struct snd_stream_desc s = {
		.direction = VIRTIO_SND_D_OUTPUT, .channels_min = 1, .channels_max = 18,
		.formats = BIT(VIRTIO_SND_PCM_FMT_S16), .rates = BIT(VIRTIO_SND_PCM_RATE_48000),
		.end_name = "null", .end_ops = &fake_end_ops, .end_ctx = &end,
	};
	struct snd_device_desc desc = { .streams = &s, .n_streams = 1, .chmaps = true };
	struct snd_device *d;

	(void)state;
	fake_end_clear(&end);
	assert_int_equal(snd_device_create(&desc, &d), 0);
	assert_int_equal(d->n_chmaps, 8);	/* 1..8 only */
	assert_int_equal(d->chmaps[7].channels, 8);
	assert_int_equal(d->chmaps[7].positions[7], VIRTIO_SND_CHMAP_SR);
	assert_int_equal(d->chmaps[5].positions[5], VIRTIO_SND_CHMAP_LFE);
	assert_int_equal(d->n_controls, 0);
	assert_int_equal(snd_device_features(d), 0);
	snd_device_destroy(d);
}

/* --- control elements ---------------------------------------------------- */

static void test_ctl_info_contents(void **state)
{
	static const char *const names[4] = { "PCM Playback Volume", "PCM Playback Switch",
					      "Capture Volume", "Capture Switch" };
	struct fixture *fx = *state;
	uint8_t req[16];

	query(req, VIRTIO_SND_R_CTL_INFO, 0, 4, 96);
	assert_int_equal(call(fx, req, 16, 4 + 4 * 96), 4 + 4 * 96);
	for (int i = 0; i < 4; i++) {
		const uint8_t *c = fx->resp + 4 + 96 * i;
		int vol = !(i & 1);

		assert_int_equal(snd_get_le32(c), 0);	/* nid of the stream */
		assert_string_equal((const char *)c + 24, names[i]);
		assert_int_equal(snd_get_le32(c + 4),
				 vol ? VIRTIO_SND_CTL_ROLE_VOLUME : VIRTIO_SND_CTL_ROLE_MUTE);
		assert_int_equal(snd_get_le32(c + 8),
				 vol ? VIRTIO_SND_CTL_TYPE_INTEGER : VIRTIO_SND_CTL_TYPE_BOOLEAN);
		assert_int_equal(snd_get_le32(c + 12),
				 1u << VIRTIO_SND_CTL_ACCESS_READ | 1u << VIRTIO_SND_CTL_ACCESS_WRITE |
					 (vol ? 1u << VIRTIO_SND_CTL_ACCESS_TLV_READ : 0));
		assert_int_equal(snd_get_le32(c + 16), 1);	/* count */
		assert_int_equal(snd_get_le32(c + 20), 0);	/* index */
		if (vol) {
			assert_int_equal(snd_get_le32(c + 72), 0);	/* min */
			assert_int_equal(snd_get_le32(c + 76), 120);	/* max */
			assert_int_equal(snd_get_le32(c + 80), 1);	/* step */
		} else {
			for (int b = 72; b < 96; b++)
				assert_int_equal(c[b], 0);
		}
	}
	assert_int_equal(snd_device_control_of(fx->d, 1, VIRTIO_SND_CTL_ROLE_MUTE), 3);
	assert_int_equal(snd_device_control_of(fx->d, 2, VIRTIO_SND_CTL_ROLE_MUTE), -1);
}

static void test_ctl_index_per_direction(void **state)
{
	struct fake_end end;
	struct snd_stream_desc s[3];
	struct snd_device_desc desc = { .streams = s, .n_streams = 3, .controls = true };
	struct snd_device *d;

	(void)state;
	fake_end_clear(&end);
	for (int i = 0; i < 3; i++)
		s[i] = (struct snd_stream_desc){
			.direction = i == 1 ? VIRTIO_SND_D_INPUT : VIRTIO_SND_D_OUTPUT,
			.channels_min = 1, .channels_max = 2,
			.formats = BIT(VIRTIO_SND_PCM_FMT_S16),
			.rates = BIT(VIRTIO_SND_PCM_RATE_48000), .hda_fn_nid = (uint32_t)i,
			.end_name = "null", .end_ops = &fake_end_ops, .end_ctx = &end,
		};
	assert_int_equal(snd_device_create(&desc, &d), 0);
	assert_int_equal(d->n_controls, 6);
	assert_int_equal(d->controls[0].index, 0);	/* output 0 */
	assert_int_equal(d->controls[2].index, 0);	/* input 0 */
	assert_int_equal(d->controls[4].index, 1);	/* output 1 */
	assert_string_equal(d->controls[4].name, "PCM Playback Volume");
	assert_int_equal(d->controls[4].hda_fn_nid, 2);
	snd_device_destroy(d);
}

static void ctl_value_req(uint8_t req[520], uint32_t id, int32_t v)
{
	memset(req, 0, 520);
	hdr8(req, VIRTIO_SND_R_CTL_WRITE, id);
	snd_put_le32(req + 8, (uint32_t)v);
}

static int32_t ctl_read(struct fixture *fx, uint32_t id)
{
	uint8_t req[8];

	hdr8(req, VIRTIO_SND_R_CTL_READ, id);
	assert_int_equal(call(fx, req, 8, 4 + 512), 4 + 512);
	assert_int_equal(status(fx), OK);
	for (int i = 4 + 4; i < 4 + 512; i++)
		assert_int_equal(fx->resp[i], 0);
	return (int32_t)snd_get_le32(fx->resp + 4);
}

static void test_ctl_read_write(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[600];
	struct virtio_snd_event ev;
	const uint8_t *e = (const uint8_t *)&ev;
	int32_t cdb;
	bool muted;

	assert_int_equal(ctl_read(fx, 0), 120);	/* 0 dB */
	assert_int_equal(ctl_read(fx, 1), 1);	/* on */
	assert_int_equal(snd_device_stream_gain(fx->d, 0, &cdb, &muted), 0);
	assert_int_equal(cdb, 0);
	assert_false(muted);

	ctl_value_req(req, 0, 60);
	expect_status(fx, req, 520, 4, OK);
	assert_int_equal(ctl_read(fx, 0), 60);
	assert_int_equal(fx->ctl_changed, 1);
	assert_int_equal(fx->last_ctl, 0);
	assert_int_equal(snd_device_stream_gain(fx->d, 0, &cdb, &muted), 0);
	assert_int_equal(cdb, -3000);
	/* the change is announced to the other guest clients */
	assert_int_equal(snd_device_events_pending(fx->d), 1);
	assert_true(snd_device_event_pop(fx->d, &ev));
	assert_int_equal(snd_get_le32(e), VIRTIO_SND_EVT_CTL_NOTIFY);
	assert_int_equal(snd_get_le16(e + 4), 0);
	assert_int_equal(snd_get_le16(e + 6), 1u << VIRTIO_SND_CTL_EVT_MASK_VALUE);

	/* same value: OK, nothing announced */
	expect_status(fx, req, 520, 4, OK);
	assert_int_equal(fx->ctl_changed, 1);
	assert_int_equal(snd_device_events_pending(fx->d), 0);

	/* volume 0 is mute (TLV mute flag); switch off mutes */
	ctl_value_req(req, 0, 0);
	expect_status(fx, req, 520, 4, OK);
	snd_device_stream_gain(fx->d, 0, &cdb, &muted);
	assert_true(muted);
	ctl_value_req(req, 0, 120);
	expect_status(fx, req, 520, 4, OK);
	ctl_value_req(req, 1, 0);
	expect_status(fx, req, 520, 4, OK);
	snd_device_stream_gain(fx->d, 0, &cdb, &muted);
	assert_true(muted);
	assert_int_equal(cdb, 0);
	assert_int_equal(ctl_read(fx, 1), 0);

	/* out of range */
	ctl_value_req(req, 0, 121);
	expect_status(fx, req, 520, 4, BAD);
	ctl_value_req(req, 0, -1);
	expect_status(fx, req, 520, 4, BAD);
	ctl_value_req(req, 1, 2);
	expect_status(fx, req, 520, 4, BAD);
	assert_int_equal(ctl_read(fx, 0), 120);

	/* sizes: the members must be there, never more than the value */
	ctl_value_req(req, 0, 10);
	expect_status(fx, req, 8, 4, BAD);
	expect_status(fx, req, 11, 4, BAD);
	expect_status(fx, req, 521, 4, BAD);
	expect_status(fx, req, 12, 4, OK);
	assert_int_equal(ctl_read(fx, 0), 10);
	expect_status(fx, req, 4, 4, BAD);
	/* ids */
	ctl_value_req(req, 4, 1);
	expect_status(fx, req, 520, 4, BAD);
	ctl_value_req(req, 0xffffffffu, 1);
	expect_status(fx, req, 520, 4, BAD);

	/* read: sizes and reply space */
	hdr8(req, VIRTIO_SND_R_CTL_READ, 0);
	expect_status(fx, req, 9, 600, BAD);
	expect_status(fx, req, 7, 600, BAD);
	assert_int_equal(call(fx, req, 8, 8), 8);	/* one member fits */
	assert_int_equal(status(fx), OK);
	assert_int_equal(snd_get_le32(fx->resp + 4), 10);
	expect_status(fx, req, 8, 7, BAD);
	expect_status(fx, req, 8, 4, BAD);
	assert_int_equal(call(fx, req, 8, 600), 4 + 512);	/* never more than the value */
	hdr8(req, VIRTIO_SND_R_CTL_READ, 4);
	expect_status(fx, req, 8, 600, BAD);
}

static void test_ctl_not_writable_or_readable(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[520];

	/* take rights away from control 1 and check the replies */
	fx->d->controls[1].access = 0;
	ctl_value_req(req, 1, 0);
	expect_status(fx, req, 520, 4, NOTSUPP);
	hdr8(req, VIRTIO_SND_R_CTL_READ, 1);
	expect_status(fx, req, 8, 600 - 80, NOTSUPP);
}

static void test_ctl_tlv(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[64];

	memset(req, 0, sizeof(req));
	hdr8(req, VIRTIO_SND_R_CTL_TLV_READ, 0);
	/* Linux offers status + the user's buffer (>= 8 bytes; alsa-lib: more) */
	assert_int_equal(call(fx, req, 8, 4 + 256), 4 + 16);
	assert_int_equal(status(fx), OK);
	assert_int_equal(snd_get_le32(fx->resp + 4), 1);		/* SNDRV_CTL_TLVT_DB_SCALE */
	assert_int_equal(snd_get_le32(fx->resp + 8), 8);		/* length */
	assert_int_equal((int32_t)snd_get_le32(fx->resp + 12), -6000);	/* -60.00 dB */
	assert_int_equal(snd_get_le32(fx->resp + 16), 50 | 0x10000);	/* 0.5 dB, mute */
	assert_int_equal(fx->resp[20], 0xa5);
	expect_status(fx, req, 8, 4 + 15, BAD);
	expect_status(fx, req, 8, 4 + 8, BAD);
	expect_status(fx, req, 12, 100, BAD);
	expect_status(fx, req, 7, 100, BAD);
	hdr8(req, VIRTIO_SND_R_CTL_TLV_READ, 1);	/* a switch has no TLV */
	expect_status(fx, req, 8, 100, NOTSUPP);
	hdr8(req, VIRTIO_SND_R_CTL_TLV_READ, 4);
	expect_status(fx, req, 8, 100, BAD);

	/* write and command: no control allows them */
	for (uint32_t code = VIRTIO_SND_R_CTL_TLV_WRITE; code <= VIRTIO_SND_R_CTL_TLV_COMMAND;
	     code++) {
		hdr8(req, code, 0);
		snd_put_le32(req + 8, 1);
		snd_put_le32(req + 12, 8);
		expect_status(fx, req, 24, 4, NOTSUPP);
		expect_status(fx, req, 8, 4, NOTSUPP);
		expect_status(fx, req, 7, 4, BAD);
		hdr8(req, code, 9);
		expect_status(fx, req, 24, 4, BAD);
	}
}

static void test_ctl_enum_items(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[16];

	hdr8(req, VIRTIO_SND_R_CTL_ENUM_ITEMS, 0);	/* not ENUMERATED */
	expect_status(fx, req, 8, 4 + 64, BAD);
	expect_status(fx, req, 9, 4 + 64, BAD);
	hdr8(req, VIRTIO_SND_R_CTL_ENUM_ITEMS, 4);
	expect_status(fx, req, 8, 4 + 64, BAD);
	expect_status(fx, req, 3, 4 + 64, BAD);
}

static void test_ctls_not_negotiated(void **state)
{
	static const uint32_t codes[] = {
		VIRTIO_SND_R_CTL_INFO, VIRTIO_SND_R_CTL_ENUM_ITEMS, VIRTIO_SND_R_CTL_READ,
		VIRTIO_SND_R_CTL_WRITE, VIRTIO_SND_R_CTL_TLV_READ, VIRTIO_SND_R_CTL_TLV_WRITE,
		VIRTIO_SND_R_CTL_TLV_COMMAND,
	};
	struct fixture *fx = *state;
	uint8_t req[16];
	int32_t v = 3;

	snd_device_set_acked_features(fx->d, 0);
	assert_false(snd_device_ctls_enabled(fx->d));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		query(req, codes[i], 0, 1, 96);
		expect_status(fx, req, 16, 200, NOTSUPP);
	}
	/* device-side changes still apply, but announce nothing */
	assert_int_equal(snd_device_ctl_set(fx->d, 0, &v, 1), 1);
	assert_int_equal(snd_device_events_pending(fx->d), 0);
	/* PCM still works */
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_RELEASE, 0), OK);
	/* a reset offers everything again */
	snd_device_reset(fx->d);
	assert_true(snd_device_ctls_enabled(fx->d));
	snd_device_set_acked_features(fx->d, ~UINT64_C(0));
	assert_int_equal(fx->d->features_acked, BIT(VIRTIO_SND_F_CTLS));
}

/* --- generic ------------------------------------------------------------- */

static void test_generic_malformed(void **state)
{
	static const uint32_t unknown[] = { 0, 3, 0x00ff, 0x0106, 0x0201, 0x0307, 0x1000,
					    0x1100, 0x1200, 0x8000, 0xffffffffu };
	struct fixture *fx = *state;
	uint8_t req[64];
	uint8_t resp[4];

	memset(req, 0, sizeof(req));
	expect_status(fx, req, 0, 4, BAD);
	expect_status(fx, req, 3, 4, BAD);
	expect_status(fx, NULL, 8, 4, BAD);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		snd_put_le32(req, unknown[i]);
		expect_status(fx, req, 64, 4, NOTSUPP);
		expect_status(fx, req, 4, 4, NOTSUPP);
	}

	/* no room for the status: nothing is done, nothing written */
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	for (size_t cap = 0; cap < 4; cap++) {
		memset(resp, 0xa5, sizeof(resp));
		assert_int_equal(snd_ctl_handle(fx->d, req, 24, resp, cap), 0);
		assert_int_equal(resp[0], 0xa5);
	}
	assert_int_equal(snd_device_stream(fx->d, 0)->state, SND_STREAM_INITIAL);
	assert_int_equal(snd_ctl_handle(fx->d, req, 24, NULL, 100), 0);
	assert_int_equal(snd_ctl_handle(NULL, req, 24, resp, 4), 0);
	/* unaligned buffers are fine */
	{
		uint8_t big[64], out[64];

		memcpy(big + 1, req, 24);
		assert_int_equal(snd_ctl_handle(fx->d, big + 1, 24, out + 3, 4), 4);
		assert_int_equal(snd_get_le32(out + 3), OK);
	}
	assert_string_equal(snd_ctl_code_name(VIRTIO_SND_R_PCM_SET_PARAMS), "PCM_SET_PARAMS");
	assert_string_equal(snd_ctl_code_name(VIRTIO_SND_R_CTL_TLV_COMMAND), "CTL_TLV_COMMAND");
	assert_string_equal(snd_ctl_code_name(0x4242), "?");
}

/* --- events -------------------------------------------------------------- */

static void pop_expect(struct fixture *fx, uint32_t code, uint32_t data)
{
	struct virtio_snd_event ev;

	assert_true(snd_device_event_pop(fx->d, &ev));
	assert_int_equal(snd_get_le32(&ev.hdr.code), code);
	assert_int_equal(snd_get_le32(&ev.data), data);
}

static void test_device_side_events(void **state)
{
	struct fixture *fx = *state;
	struct virtio_snd_event ev;
	int32_t v;

	/* jack 1 plugged, jack 0 unplugged then replugged: the latest wins */
	assert_int_equal(snd_device_jack_set_connected(fx->d, 1, true), 0);
	assert_int_equal(snd_device_jack_set_connected(fx->d, 0, false), 0);
	assert_int_equal(snd_device_jack_set_connected(fx->d, 0, true), 0);
	assert_int_equal(snd_device_jack_set_connected(fx->d, 0, true), 0);	/* no change */
	assert_int_equal(snd_device_jack_set_connected(fx->d, 2, true), -EINVAL);
	/* two changes to one control: one event */
	v = 100;
	assert_int_equal(snd_device_ctl_set(fx->d, 2, &v, 1), 1);
	v = 90;
	assert_int_equal(snd_device_ctl_set(fx->d, 2, &v, 1), 1);
	assert_int_equal(snd_device_ctl_set(fx->d, 2, &v, 1), 0);
	v = 500;
	assert_int_equal(snd_device_ctl_set(fx->d, 2, &v, 1), -EINVAL);
	assert_int_equal(snd_device_ctl_set(fx->d, 2, &v, 2), -EINVAL);
	assert_int_equal(snd_device_ctl_set(fx->d, 4, &v, 1), -EINVAL);
	assert_int_equal(snd_device_pcm_event(fx->d, VIRTIO_SND_EVT_PCM_XRUN, 1), 0);
	assert_int_equal(snd_device_pcm_event(fx->d, VIRTIO_SND_EVT_PCM_XRUN, 1), 0);
	assert_int_equal(snd_device_pcm_event(fx->d, VIRTIO_SND_EVT_PCM_XRUN, 2), -EINVAL);
	assert_int_equal(snd_device_pcm_event(fx->d, VIRTIO_SND_EVT_CTL_NOTIFY, 1), -EINVAL);

	assert_int_equal(snd_device_events_pending(fx->d), 4);
	pop_expect(fx, VIRTIO_SND_EVT_JACK_CONNECTED, 1);
	pop_expect(fx, VIRTIO_SND_EVT_JACK_CONNECTED, 0);
	pop_expect(fx, VIRTIO_SND_EVT_CTL_NOTIFY, 2 | 1u << (16 + VIRTIO_SND_CTL_EVT_MASK_VALUE));
	pop_expect(fx, VIRTIO_SND_EVT_PCM_XRUN, 1);
	assert_false(snd_device_event_pop(fx->d, &ev));
	assert_true(fx->events_queued >= 4);

	/* the jack state is what JACK_INFO now reports */
	{
		uint8_t req[16];

		query(req, VIRTIO_SND_R_JACK_INFO, 0, 2, 24);
		call(fx, req, 16, 4 + 48);
		assert_int_equal(fx->resp[4 + 16], 1);
		assert_int_equal(fx->resp[4 + 24 + 16], 1);
	}
}

static void test_event_queue_bounds(void **state)
{
	struct snd_events q;
	struct virtio_snd_event ev;

	(void)state;
	assert_int_equal(snd_events_init(&q, 0), -EINVAL);
	assert_int_equal(snd_events_init(&q, 2), 0);
	assert_int_equal(snd_events_push_jack(&q, 0, true), 0);
	assert_int_equal(snd_events_push_ctl(&q, 7, 1), 0);
	assert_int_equal(snd_events_push_ctl(&q, 7, 4), 0);	/* merged */
	assert_int_equal(snd_events_push_jack(&q, 0, false), 0);	/* replaced */
	assert_int_equal(snd_events_push_jack(&q, 1, true), -ENOSPC);
	assert_int_equal(snd_events_push_pcm(&q, VIRTIO_SND_EVT_PCM_XRUN, 0), -ENOSPC);
	assert_true(snd_events_pop(&q, &ev));
	assert_int_equal(snd_get_le32(&ev.hdr.code), VIRTIO_SND_EVT_JACK_DISCONNECTED);
	/* wrap around the ring */
	assert_int_equal(snd_events_push_pcm(&q, VIRTIO_SND_EVT_PCM_PERIOD_ELAPSED, 3), 0);
	assert_true(snd_events_pop(&q, &ev));
	assert_int_equal(snd_get_le32(&ev.hdr.code), VIRTIO_SND_EVT_CTL_NOTIFY);
	assert_int_equal(snd_get_le16((const uint8_t *)&ev + 4), 7);
	assert_int_equal(snd_get_le16((const uint8_t *)&ev + 6), 5);
	assert_true(snd_events_pop(&q, &ev));
	assert_int_equal(snd_get_le32(&ev.data), 3);
	assert_false(snd_events_pop(&q, &ev));
	snd_events_fini(&q);
}

/* --- lifecycle ----------------------------------------------------------- */

static void test_reset(void **state)
{
	struct fixture *fx = *state;
	uint8_t req[24];
	int32_t v = 5;

	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 0), OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_START, 0), OK);
	set_params(req, 1, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 1), OK);
	snd_device_ctl_set(fx->d, 0, &v, 1);
	assert_int_equal(snd_device_events_pending(fx->d), 1);

	snd_device_reset(fx->d);
	assert_int_equal(snd_device_stream(fx->d, 0)->state, SND_STREAM_INITIAL);
	assert_int_equal(snd_device_stream(fx->d, 1)->state, SND_STREAM_INITIAL);
	assert_int_equal(fx->end[0].live + fx->end[1].live, 0);
	assert_int_equal(fx->end[0].stops, 1);
	assert_int_equal(fx->io_releases, 0);	/* the rings are gone */
	assert_int_equal(snd_device_events_pending(fx->d), 0);
	assert_int_equal(ctl_read(fx, 0), 5);	/* values survive */
	/* after a resume the driver sends RELEASE, then SET_PARAMS again */
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_RELEASE, 0), OK);
	set_params(req, 0, 2, VIRTIO_SND_PCM_FMT_S16, VIRTIO_SND_PCM_RATE_48000, 7680, 1920);
	expect_status(fx, req, 24, 4, OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_PREPARE, 0), OK);
	assert_int_equal(pcm(fx, VIRTIO_SND_R_PCM_START, 0), OK);
	/* teardown destroys a running device: its ends must be closed */
}

static void test_create_rejects(void **state)
{
	struct fixture *fx = *state;
	struct snd_stream_desc s[2];
	struct snd_jack_desc j = { .hda_fn_nid = 5 };
	struct snd_volume_scale bad_scale = { .min_cdb = 0, .step_cdb = 0, .steps = 10 };
	struct snd_volume_scale huge_scale = { .min_cdb = INT32_MAX - 10, .step_cdb = 100,
					       .steps = 10 };
	struct snd_device_desc desc;
	struct snd_device *d = (struct snd_device *)1;

	fill_streams(fx, s);
	desc = (struct snd_device_desc){ .streams = s, .n_streams = 2 };
	assert_int_equal(snd_device_create(NULL, &d), -EINVAL);
	assert_null(d);
	desc.n_streams = SND_DEVICE_STREAMS_MAX + 1;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.n_streams = 2;
	desc.streams = NULL;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.streams = s;
	s[1].hda_fn_nid = SND_DEVICE_NID_MAX;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	s[1].hda_fn_nid = 0;
	desc.jacks = &j;			/* jack on a nid without streams */
	desc.n_jacks = 1;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.n_jacks = SND_DEVICE_JACKS_MAX + 1;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.jacks = NULL;
	desc.n_jacks = 1;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.n_jacks = 0;
	s[1].channels_min = 0;			/* fails the driver's probe */
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	s[1].channels_min = 1;
	desc.controls = true;
	desc.volume = &bad_scale;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	desc.volume = &huge_scale;
	assert_int_equal(snd_device_create(&desc, &d), -EINVAL);
	assert_null(d);
	/* no streams at all is a valid (useless) device */
	desc = (struct snd_device_desc){ .controls = true, .chmaps = true };
	assert_int_equal(snd_device_create(&desc, &d), 0);
	assert_int_equal(snd_device_features(d), 0);
	{
		uint8_t req[16];
		uint8_t resp[64];

		query(req, VIRTIO_SND_R_PCM_INFO, 0, 1, 32);
		assert_int_equal(snd_ctl_handle(d, req, 16, resp, sizeof(resp)), 4);
		assert_int_equal(snd_get_le32(resp), BAD);
	}
	snd_device_destroy(d);
	snd_device_destroy(NULL);
}

static void test_custom_volume_scale(void **state)
{
	struct fixture *fx = *state;
	struct snd_stream_desc s[2];
	struct snd_volume_scale scale = { .min_cdb = -10000, .step_cdb = 100, .steps = 50,
					  .min_is_mute = false };
	struct snd_device_desc desc = { .streams = s, .n_streams = 1, .controls = true,
					.volume = &scale };
	struct snd_device *d;
	int32_t cdb;
	bool muted;
	int32_t v = 0;

	fill_streams(fx, s);
	assert_int_equal(snd_device_create(&desc, &d), 0);
	/* -100 dB .. -50 dB: no 0 dB, starts at the top */
	assert_int_equal(d->controls[0].value[0], 50);
	assert_int_equal(snd_device_stream_gain(d, 0, &cdb, &muted), 0);
	assert_int_equal(cdb, -5000);
	snd_device_ctl_set(d, 0, &v, 1);
	snd_device_stream_gain(d, 0, &cdb, &muted);
	assert_int_equal(cdb, -10000);
	assert_false(muted);	/* no mute flag */
	assert_int_equal(snd_get_le32(d->controls[0].tlv + 12), 100);
	assert_int_equal(snd_device_stream_gain(d, 1, &cdb, &muted), -EINVAL);
	snd_device_destroy(d);

	/* a device without controls: unity gain */
	desc.controls = false;
	assert_int_equal(snd_device_create(&desc, &d), 0);
	assert_int_equal(snd_device_stream_gain(d, 0, &cdb, &muted), 0);
	assert_int_equal(cdb, 0);
	assert_false(muted);
	snd_device_destroy(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config_and_features),
		T(test_linux_probe),
		T(test_info_partial_and_padded),
		T(test_info_malformed),
		T(test_jack_remap),
		T(test_pcm_lifecycle),
		T(test_pcm_malformed),
		T(test_pcm_end_failure_is_io_err),
		T(test_chmap_contents),
		cmocka_unit_test(test_chmaps_for_eight_channels),
		T(test_ctl_info_contents),
		cmocka_unit_test(test_ctl_index_per_direction),
		T(test_ctl_read_write),
		T(test_ctl_not_writable_or_readable),
		T(test_ctl_tlv),
		T(test_ctl_enum_items),
		T(test_ctls_not_negotiated),
		T(test_generic_malformed),
		T(test_device_side_events),
		cmocka_unit_test(test_event_queue_bounds),
		T(test_reset),
		T(test_create_rejects),
		T(test_custom_volume_scale),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
