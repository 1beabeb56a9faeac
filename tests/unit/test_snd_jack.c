// SPDX-License-Identifier: MIT
/*
 * Unit tests of the host-jack mapping (sound-backend/snd_jackmap.c): which
 * controls are jacks, which direction and HDA description they get, and the
 * device model carrying them (fake ends): JACK_INFO reports the description
 * and the state, a change queues exactly one JACK_CONNECTED/_DISCONNECTED
 * event of that jack, and a device without host jacks advertises none.
 * The real ALSA side (host_jacks.c) is covered by tests/e2e/snd-jack.test.
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
#include "snd_jackmap.h"
#include "test_snd_fake_end.h"

#define BIT(n) (1ULL << (n))
#define DEVICE(defconf) (((defconf) >> 20) & 0xf)

static void test_names(void **state)
{
	(void)state;
	assert_true(snd_jackmap_is_jack_name("Headphone Jack"));
	assert_true(snd_jackmap_is_jack_name("HDMI/DP,pcm=3 Jack"));
	assert_false(snd_jackmap_is_jack_name(" Jack"));
	assert_false(snd_jackmap_is_jack_name("Jack"));
	assert_false(snd_jackmap_is_jack_name("Headphone Jack Mode"));
	assert_false(snd_jackmap_is_jack_name("Master Playback Volume"));
	assert_false(snd_jackmap_is_jack_name(""));
	assert_false(snd_jackmap_is_jack_name(NULL));
}

static void test_directions(void **state)
{
	(void)state;
	assert_int_equal(snd_jackmap_direction("Headphone Jack"), VIRTIO_SND_D_OUTPUT);
	assert_int_equal(snd_jackmap_direction("Line Out Jack"), VIRTIO_SND_D_OUTPUT);
	assert_int_equal(snd_jackmap_direction("Speaker Jack"), VIRTIO_SND_D_OUTPUT);
	assert_int_equal(snd_jackmap_direction("HDMI/DP,pcm=3 Jack"), VIRTIO_SND_D_OUTPUT);
	assert_int_equal(snd_jackmap_direction("Mic Jack"), VIRTIO_SND_D_INPUT);
	assert_int_equal(snd_jackmap_direction("Front Mic Jack"), VIRTIO_SND_D_INPUT);
	assert_int_equal(snd_jackmap_direction("Headset Mic Jack"), VIRTIO_SND_D_INPUT);
	assert_int_equal(snd_jackmap_direction("Line Jack"), VIRTIO_SND_D_INPUT);
	assert_int_equal(snd_jackmap_direction("Dock Jack"), VIRTIO_SND_D_OUTPUT);
}

/* The defconf device type decides the guest's label (virtio_snd): the same
 * kind of jack as on the host. */
static void test_descs(void **state)
{
	struct snd_jack_desc d;

	(void)state;
	assert_int_equal(snd_jackmap_desc("Headphone Jack", 3, true, &d), 0);
	assert_int_equal(d.hda_fn_nid, 3);
	assert_true(d.connected);
	assert_int_equal(DEVICE(d.defconf), 0x2);		/* HP out */
	assert_int_equal(d.defconf >> 30, 0);			/* a jack */
	assert_int_equal((d.defconf >> 8) & 0xf, 0);		/* presence detect */
	assert_true(d.caps & (1u << 2));			/* presence detect */
	assert_true(d.caps & (1u << 4));			/* output */
	assert_false(d.remappable);
	assert_int_equal(snd_jackmap_desc("Mic Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0xa);
	assert_false(d.connected);
	assert_true(d.caps & (1u << 5));			/* input */
	assert_int_equal(snd_jackmap_desc("Line Out Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0x0);
	assert_int_equal(snd_jackmap_desc("Speaker Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0x1);
	assert_int_equal(snd_jackmap_desc("Line Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0x8);
	assert_int_equal(snd_jackmap_desc("HDMI/DP,pcm=3 Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0x4);
	assert_int_equal((d.defconf >> 24) & 0x3f, 0x18);	/* HDMI location */
	assert_int_equal(snd_jackmap_desc("Dock Jack", 0, false, &d), 0);
	assert_int_equal(DEVICE(d.defconf), 0xf);		/* other */
	assert_int_equal(snd_jackmap_desc("Headphone Volume", 0, false, &d), -1);
}

/* --- the device model with mapped jacks (fake ends) */

struct fx {
	struct fake_end end[2];
	struct snd_device *d;
	int events;
	uint8_t resp[4096];
};

static void on_event(void *opaque)
{
	((struct fx *)opaque)->events++;
}

static void make_device(struct fx *f, const struct snd_jack_desc *jacks, uint32_t n_jacks)
{
	struct snd_stream_desc s[2] = {
		{ .direction = VIRTIO_SND_D_OUTPUT, .channels_min = 2, .channels_max = 2,
		  .formats = BIT(VIRTIO_SND_PCM_FMT_S16), .rates = BIT(VIRTIO_SND_PCM_RATE_48000),
		  .hda_fn_nid = 0, .end_name = "hw:Loopback,0,0", .end_ops = &fake_end_ops,
		  .end_ctx = &f->end[0] },
		{ .direction = VIRTIO_SND_D_INPUT, .channels_min = 2, .channels_max = 2,
		  .formats = BIT(VIRTIO_SND_PCM_FMT_S16), .rates = BIT(VIRTIO_SND_PCM_RATE_48000),
		  .hda_fn_nid = 0, .end_name = "hw:Loopback,1,0", .end_ops = &fake_end_ops,
		  .end_ctx = &f->end[1] },
	};
	struct snd_device_desc desc = {
		.streams = s, .n_streams = 2, .jacks = jacks, .n_jacks = n_jacks,
		.controls = true, .hooks = { .opaque = f, .event_queued = on_event },
	};

	memset(f, 0, sizeof(*f));
	assert_int_equal(snd_device_create(&desc, &f->d), 0);
}

static void jack_info(struct fx *f, uint32_t count)
{
	uint8_t q[16];
	size_t n;

	snd_put_le32(q, VIRTIO_SND_R_JACK_INFO);
	snd_put_le32(q + 4, 0);
	snd_put_le32(q + 8, count);
	snd_put_le32(q + 12, sizeof(struct virtio_snd_jack_info));
	n = snd_ctl_handle(f->d, q, sizeof(q), f->resp, sizeof(f->resp));
	assert_int_equal(n, 4 + count * sizeof(struct virtio_snd_jack_info));
	assert_int_equal(snd_get_le32(f->resp), VIRTIO_SND_S_OK);
}

static void test_device_jacks(void **state)
{
	struct snd_jack_desc j[2];
	struct snd_proto_config cfg;
	struct virtio_snd_event ev;
	struct virtio_snd_jack_info info;
	struct fx f;

	(void)state;
	assert_int_equal(snd_jackmap_desc("Headphone Jack", 0, true, &j[0]), 0);
	assert_int_equal(snd_jackmap_desc("Mic Jack", 0, false, &j[1]), 0);
	make_device(&f, j, 2);
	snd_device_config(f.d, &cfg);
	assert_int_equal(snd_get_le32(&cfg.jacks), 2);
	jack_info(&f, 2);
	memcpy(&info, f.resp + 4, sizeof(info));
	assert_int_equal(snd_get_le32(&info.hda_reg_defconf), j[0].defconf);
	assert_int_equal(snd_get_le32(&info.hda_reg_caps), j[0].caps);
	assert_int_equal(info.connected, 1);
	memcpy(&info, f.resp + 4 + sizeof(info), sizeof(info));
	assert_int_equal(info.connected, 0);

	/* unplug the headphones: one event, JACK_INFO follows */
	assert_int_equal(snd_device_jack_set_connected(f.d, 0, false), 0);
	assert_int_equal(f.events, 1);
	assert_true(snd_device_event_pop(f.d, &ev));
	assert_int_equal(snd_get_le32(&ev.hdr.code), VIRTIO_SND_EVT_JACK_DISCONNECTED);
	assert_int_equal(snd_get_le32(&ev.data), 0);
	assert_false(snd_device_event_pop(f.d, &ev));
	jack_info(&f, 2);
	memcpy(&info, f.resp + 4, sizeof(info));
	assert_int_equal(info.connected, 0);
	/* plug the mic */
	assert_int_equal(snd_device_jack_set_connected(f.d, 1, true), 0);
	assert_true(snd_device_event_pop(f.d, &ev));
	assert_int_equal(snd_get_le32(&ev.hdr.code), VIRTIO_SND_EVT_JACK_CONNECTED);
	assert_int_equal(snd_get_le32(&ev.data), 1);
	/* no such jack */
	assert_int_equal(snd_device_jack_set_connected(f.d, 2, true), -EINVAL);
	snd_device_destroy(f.d);
}

static void test_device_without_jacks(void **state)
{
	struct snd_proto_config cfg;
	uint8_t q[16];
	struct fx f;

	(void)state;
	make_device(&f, NULL, 0);
	snd_device_config(f.d, &cfg);
	assert_int_equal(snd_get_le32(&cfg.jacks), 0);
	snd_put_le32(q, VIRTIO_SND_R_JACK_INFO);
	snd_put_le32(q + 4, 0);
	snd_put_le32(q + 8, 1);
	snd_put_le32(q + 12, sizeof(struct virtio_snd_jack_info));
	snd_ctl_handle(f.d, q, sizeof(q), f.resp, sizeof(f.resp));
	assert_int_equal(snd_get_le32(f.resp), VIRTIO_SND_S_BAD_MSG);
	assert_int_equal(snd_device_jack_set_connected(f.d, 0, true), -EINVAL);
	snd_device_destroy(f.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_descs),
		cmocka_unit_test(test_device_jacks),
		cmocka_unit_test(test_device_without_jacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
