/* SPDX-License-Identifier: MIT */
/*
 * A minimal virtio-sound driver for benchmarks (tests/bench/snd-micro.c):
 * it plays the guest's part against a real vhost-user-sound over its UNIX
 * socket, with memfd-backed "guest memory" holding split virtqueues, and
 * nothing else between the two: no kernel module, no adapter, no VM. Only
 * the control queue (0) and the tx queue (2) are set up; one playback
 * stream (id 0) is configured, prepared and started, then tx requests
 * laid out as Linux's virtio_snd lays them out (xfer header, payload,
 * status: three descriptors) are queued and their completions reaped.
 *
 * Anything unexpected (a refused vhost-user request, a control answer
 * other than OK, a used entry for a request not in flight, a wrong used
 * length, a tx status other than OK, a wait that runs out) makes the
 * function return -1 with a reason in sf->err: the benchmark must stop
 * rather than measure a broken run.
 */
#ifndef SND_FRONT_H
#define SND_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_QUEUE_SIZE 64u
/* Three descriptors per tx request: at most this many in flight. */
#define SF_MAX_DEPTH 16u
/* Largest period one tx slot holds. */
#define SF_MAX_PERIOD 3840u

struct vring_desc;
struct vring_avail;
struct vring_used;

struct sf_ring {
	uint32_t index;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;	/* next avail index we publish */
	uint16_t used_idx;	/* next used index we reap */
	int kick, call;		/* eventfds, ours */
};

struct sf_params {
	uint32_t period_bytes;	/* 1920: 10 ms of 48 kHz stereo S16 */
	uint32_t periods;	/* guest buffer = periods * period_bytes */
	uint8_t channels, vformat, vrate;	/* VIRTIO_SND_PCM_FMT_x, _RATE_x */
};

struct sf {
	int sock, memfd;
	uint8_t *mem;
	int timeout_ms;		/* bound on every wait */
	struct sf_ring ctl, tx;
	struct sf_params p;
	bool in_flight[SF_MAX_DEPTH];
	uint32_t n_in_flight;
	uint64_t completed;
	char err[256];
};

/* On `sock', connected to the backend: negotiate, map the memory and
 * start the control and tx queues. sf owns sock from here on (sf_close).
 * 0 or -1 (sf->err). */
int sf_open(struct sf *sf, int sock, int timeout_ms);
/* PCM_SET_PARAMS, PREPARE and START of stream 0. */
int sf_start_stream(struct sf *sf, const struct sf_params *p);
/* PCM_STOP and PCM_RELEASE (the backend completes what is left). */
int sf_stop_stream(struct sf *sf);
/* Queue one tx period in a free slot; kick when the device wants it. */
int sf_tx_submit(struct sf *sf);
/* Wait (bounded) until at least one tx request completes; reap every
 * completed one, checking each. Returns the count reaped, or -1. */
int sf_tx_wait(struct sf *sf);
/* Reap without waiting: the count, or -1. */
int sf_tx_reap(struct sf *sf);
void sf_close(struct sf *sf);

#endif /* SND_FRONT_H */
