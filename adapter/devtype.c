// SPDX-License-Identifier: GPL-2.0
/* The device types the adapter knows, and how to recognise their backends. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devtype.h"
#include "uapi/virtio_loopback.h"

/* virtio-blk feature bits (virtio spec 5.2.3) */
#define BLK_F_SECURE_ERASE	16
#define BLK_F_ZONED		17
#define BLK_F_BLK_SIZE		6
#define BLK_F_SEG_MAX		2
#define BLK_CONFIG_BASE		60	/* up to write_zeroes_may_unmap + pad */
#define BLK_CONFIG_SECURE	72	/* + secure erase fields */

/* virtio-sound: le32 jacks, streams, chmaps (+ le32 controls with CTLS) */
#define SND_F_CTLS		0

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t blk_config_size(uint64_t f)
{
	return (f & (1ULL << BLK_F_SECURE_ERASE)) ? BLK_CONFIG_SECURE : BLK_CONFIG_BASE;
}

static int blk_check(const uint8_t *cfg, uint32_t size, uint64_t f, char *why,
		     size_t len)
{
	if (size < 24)
		return 0;
	if (f & (1ULL << BLK_F_BLK_SIZE)) {
		uint32_t bs = le32_at(cfg + 20);

		if (bs < 512 || bs > 65536 || (bs & (bs - 1))) {
			snprintf(why, len, "block size %" PRIu32 " in its config is not one a block device has", bs);
			return -1;
		}
	}
	if ((f & (1ULL << BLK_F_SEG_MAX)) && le32_at(cfg + 12) == 0) {
		snprintf(why, len, "seg_max 0 in its config");
		return -1;
	}
	return 0;
}

static uint32_t snd_config_size(uint64_t f)
{
	return (f & (1ULL << SND_F_CTLS)) ? 16 : 12;
}

static int snd_check(const uint8_t *cfg, uint32_t size, uint64_t f, char *why,
		     size_t len)
{
	uint32_t jacks, streams, chmaps;

	(void)f;
	if (size < 12)
		return 0;
	jacks = le32_at(cfg);
	streams = le32_at(cfg + 4);
	chmaps = le32_at(cfg + 8);
	/* Linux's virtio_snd refuses a card without streams. */
	if (streams == 0 || streams > 1024 || jacks > 1024 || chmaps > 1024) {
		snprintf(why, len, "config says %" PRIu32 " jacks, %" PRIu32
			 " streams, %" PRIu32 " chmaps: not a sound card",
			 jacks, streams, chmaps);
		return -1;
	}
	return 0;
}

static uint32_t no_config(uint64_t f)
{
	(void)f;
	return 0;
}

static const struct devtype types[] = {
	{
		.name = "sound", .id = VIRTIO_ID_SOUND,
		.min_queues = 4, .max_queues = 4, .default_queues = 4,
		/* vhost-user-sound offers no indirect descriptors: a request
		 * takes 3 or 4 entries (header, payload, status), and every
		 * stream of a direction shares the queue (virtio_snd queues up
		 * to 16 periods per stream by default) */
		.queue_size = 256,
		.known_features = 1ULL << SND_F_CTLS,
		.usable_features = 1ULL << SND_F_CTLS,
		.config_size = snd_config_size, .check_config = snd_check,
	},
	{
		.name = "blk", .id = VIRTIO_ID_BLOCK,
		.min_queues = 1, .max_queues = VLO_MAX_QUEUES, .default_queues = 1,
		.queue_size = 256,
		.known_features = 0x3ffffULL,	/* bits 0..17 */
		/* zoned needs config fields we do not fetch */
		.usable_features = 0x3ffffULL & ~(1ULL << BLK_F_ZONED),
		.config_size = blk_config_size, .check_config = blk_check,
	},
	{
		.name = "rng", .id = VIRTIO_ID_RNG,
		.min_queues = 1, .max_queues = 1, .default_queues = 1,
		.queue_size = 64,
		.config_size = no_config,
	},
};

const struct devtype *devtype_lookup(const char *arg, struct devtype *custom)
{
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(arg, types[i].name))
			return &types[i];
	if (!*arg || *arg == '-')
		return NULL;
	v = strtoul(arg, &end, 0);
	if (*end || v == 0 || v > 0xffff)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].id == v)
			return &types[i];
	memset(custom, 0, sizeof(*custom));
	custom->id = (uint32_t)v;
	custom->min_queues = 1;
	custom->max_queues = VLO_MAX_QUEUES;
	custom->default_queues = 1;
	custom->queue_size = 256;
	custom->known_features = DEVTYPE_DEVICE_BITS;
	custom->usable_features = DEVTYPE_DEVICE_BITS;
	custom->config_size = NULL;
	return custom;
}

uint32_t devtype_config_size(const struct devtype *t, uint64_t features)
{
	return t->config_size ? t->config_size(features) : t->config_bytes;
}

int devtype_check_backend(const struct devtype *t, uint64_t features,
			  uint32_t queues, char *why, size_t len)
{
	uint64_t foreign = features & DEVTYPE_DEVICE_BITS & ~t->known_features;

	if (foreign) {
		snprintf(why, len, "backend offers device feature bits 0x%" PRIx64
			 " that a %s device does not define", foreign,
			 t->name ? t->name : "this");
		return -1;
	}
	if (queues < t->min_queues || queues > t->max_queues) {
		if (t->min_queues == t->max_queues)
			snprintf(why, len, "backend has %" PRIu32 " queues, a %s device has %" PRIu32,
				 queues, t->name ? t->name : "this", t->min_queues);
		else
			snprintf(why, len, "backend has %" PRIu32 " queues, a %s device has %" PRIu32 " to %" PRIu32,
				 queues, t->name ? t->name : "this", t->min_queues, t->max_queues);
		return -1;
	}
	return 0;
}
