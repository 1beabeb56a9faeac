/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of one device: VLO_IOC_CREATE with what the backend
 * offers, one kick and one call eventfd per queue and an error eventfd
 * (created here, shared with the backend), the memory fd, START, and the
 * events the kernel reports (features, queues, status, config, reset).
 */
#ifndef ADAPTER_KDEV_H
#define ADAPTER_KDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend.h"
#include "uapi/virtio_loopback.h"

struct kdev_params {
	uint32_t device_id;
	uint64_t features;	/* device features, already filtered */
	uint32_t num_queues;
	uint32_t queue_size;
	uint32_t timeout_ms;
	uint64_t iova_size;
	uint32_t config_size;
	const uint8_t *config;
	const char *label;	/* NULL or a valid label (cli checked it) */
	uint32_t stall_ms;	/* 0: no stall bound */
	uint32_t flags;		/* VLO_CREATE_F_* */
};

struct kdev {
	int dev;		/* the device fd; -1 when none */
	int mem;
	int err;
	struct vlo_create c;	/* what create returned */
	uint32_t nq;
	struct fe_queue q[FE_MAX_QUEUES];
	uint64_t acked;		/* VLO_EV_FEATURES */
	uint8_t status;
};

void kdev_init(struct kdev *k);
/* Create, wire eventfds and memory, START. 0, or -1 with a reason. */
int kdev_create(struct kdev *k, int ctl, const struct kdev_params *p,
		char *why, size_t len);
/* Next event: 1 got one (already applied to k), 0 none pending, -1 error. */
int kdev_next_event(struct kdev *k, struct vlo_event *ev);
int kdev_ack(struct kdev *k, uint32_t seq, int result);
/* Closing the device fd breaks and removes the device. */
void kdev_destroy(struct kdev *k);
/* What fe_start needs, from the kernel's view. */
void kdev_setup(const struct kdev *k, struct fe_setup *s);

#endif
