/* SPDX-License-Identifier: MIT */
/*
 * Command line and per-card config file of vhost-user-sound. The config
 * file holds the same options as the command line, one per line, without
 * the leading "--" ("stream playback:hw:Loopback,0,0"); '#' starts a
 * comment. Command-line options after --config override or add to it.
 */
#ifndef VUS_CLI_H
#define VUS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snd_end.h"

#define VUS_MAX_STREAMS 16
#define VUS_PATH_MAX 256

struct vus_stream_opt {
	uint8_t direction;		/* VIRTIO_SND_D_OUTPUT or _INPUT */
	char end[SND_END_NAME_MAX];	/* "hw:Loopback,0,0", "null", "wav:/x.wav" */
};

struct vus_opts {
	char socket_path[VUS_PATH_MAX];	/* "" unless --socket-path */
	int fd;				/* --fd, -1 unless given */
	bool print_capabilities;
	bool help;
	bool verbose;
	int rt_priority;		/* 0: no SCHED_FIFO */
	int host_periods;		/* 0: SND_END_HOST_PERIODS */
	char name[64];			/* log prefix */
	struct vus_stream_opt streams[VUS_MAX_STREAMS];
	unsigned int n_streams;
};

/*
 * Parse argv (and any --config file). Returns 0, or -1 with a one-line
 * reason in err. Help and --print-capabilities only set their flag (the
 * stream/socket checks are then skipped).
 */
int vus_cli_parse(int argc, char **argv, struct vus_opts *o, char *err, size_t errlen);

/* The --help text. */
void vus_cli_usage(FILE *f);

#endif /* VUS_CLI_H */
