/* SPDX-License-Identifier: GPL-2.0 */
/* Command line of virtio-loopback-adapter. */
#ifndef ADAPTER_CLI_H
#define ADAPTER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devtype.h"

#define CLI_MAX_DEVICES		32
#define CLI_DEFAULT_TIMEOUT_MS	5000
#define CLI_RETRY_MS		500
/* blk-mq's own default request timeout; only blk devices can be failed. */
#define CLI_DEFAULT_STALL_MS	30000

/* Exit statuses (also in --help). */
#define EXIT_USAGE		2
#define EXIT_KERNEL		3

struct cli_device {
	const char *arg;		/* as given to --device */
	const struct devtype *type;	/* points into types or at custom */
	struct devtype custom;
	const char *socket_path;
	const char *label;		/* --label, NULL if none */
	int stall_ms;			/* --stall-timeout-ms; -1: the type's default */
	bool zero_copy;			/* --zero-copy; blk's default */
};

struct cli {
	struct cli_device dev[CLI_MAX_DEVICES];
	unsigned int ndev;
	bool reconnect;
	bool verbose;
	int timeout_ms;
	uint32_t queue_size;	/* 0: the device type's default */
	uint64_t iova_size;	/* bytes; 0: the kernel's default */
};

/* 0: run; 1: --help was asked; -1: bad usage, one line in err. */
int cli_parse(struct cli *c, int argc, char **argv, char *err, size_t len);
void cli_usage(FILE *f);

#endif
