/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the adapter knows about each virtio device type it can be asked for:
 * queue count range, the device-specific feature bits it defines, its
 * config space size (which may depend on features) and a plausibility check
 * of the config, used to tell a backend of another type from ours.
 */
#ifndef ADAPTER_DEVTYPE_H
#define ADAPTER_DEVTYPE_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_SOUND		25

#define VIRTIO_F_VERSION_1	32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* Feature bits that belong to the device type, not the transport. */
#define DEVTYPE_DEVICE_BITS	(0x0000000000ffffffULL | 0xfffc000000000000ULL)

struct devtype {
	const char *name;		/* NULL: a numeric id given by the user */
	uint32_t id;
	uint32_t min_queues, max_queues;
	uint32_t default_queues;	/* when the backend lacks MQ */
	uint32_t queue_size;		/* ring size offered to the driver */
	uint64_t known_features;	/* device-specific bits the type defines */
	uint64_t usable_features;	/* those whose config we know how to read */
	/* Config space size for these (usable) features; NULL: config_bytes. */
	uint32_t (*config_size)(uint64_t features);
	uint32_t config_bytes;		/* numeric ids: --config-size */
	/* 0 if cfg looks like this type's config, else -1 with a reason. */
	int (*check_config)(const uint8_t *cfg, uint32_t size, uint64_t features,
			    char *why, size_t len);
};

/* By name ("sound", "blk", "rng") or number; NULL if neither. */
const struct devtype *devtype_lookup(const char *arg, struct devtype *custom);

uint32_t devtype_config_size(const struct devtype *t, uint64_t features);

/*
 * Does a backend with these features and queue count look like this type?
 * 0, or -1 with a one-line reason in why.
 */
int devtype_check_backend(const struct devtype *t, uint64_t features,
			  uint32_t queues, char *why, size_t len);

#endif
