/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One adapted device: a backend connection (frontend.c) and the kernel
 * device made from it (kdev.c), and the three control stages between them.
 */
#ifndef ADAPTER_DEVICE_H
#define ADAPTER_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "frontend.h"
#include "kdev.h"

/* adev_up() results */
#define ADEV_OK		0
#define ADEV_EBACKEND	(-1)	/* missing, broken or wrong backend */
#define ADEV_EKERNEL	(-2)	/* the kernel refused */

struct adev {
	const struct cli_device *cfg;
	const struct cli *cli;
	char name[160];		/* "blk /tmp/blk.sock" for messages */
	int sock;
	struct frontend fe;
	struct kdev kd;
	bool up;		/* kernel device exists */
	bool ever_up;
	bool waiting;		/* "waiting for backend" already said */
	int64_t retry_at;	/* monotonic ms; 0: now */
	char err[400];
};

void adev_init(struct adev *a, const struct cli *cli, const struct cli_device *cfg);
/* Stages 1 and 2: connect, learn the backend, create and start the device. */
int adev_up(struct adev *a, int ctl);
/* Handle pending kernel events (stage 3 at DRIVER_OK). -1: device lost. */
int adev_kernel_ready(struct adev *a);
/* The backend socket became readable or hung up while idle: always -1. */
int adev_socket_ready(struct adev *a);
/* Tear down: close the kernel device (the kernel breaks and removes it). */
void adev_down(struct adev *a);

#endif
