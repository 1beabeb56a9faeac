/* SPDX-License-Identifier: MIT */
/*
 * The device side of a split virtqueue (virtio 1.x, little endian), for
 * vhost-user backends. Everything the driver wrote is untrusted: ring
 * indices, descriptor chains (loops, indirect tables, order of readable and
 * writable parts) and every address are checked, each descriptor is read
 * once, and a bad ring marks the queue broken instead of crashing. Not
 * thread-safe: one thread owns a queue.
 */
#ifndef VLO_VQ_SPLIT_H
#define VLO_VQ_SPLIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vq_mem.h"

#define VQ_MAX_SIZE 32768 /* largest split queue the spec allows */
#define VQ_MAX_SEGS 1024  /* segments one request may have */

struct vring_desc;
struct vring_avail;
struct vring_used;

struct vq {
	uint16_t num;            /* queue size, power of 2; 0 while not set up */
	bool event_idx;          /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;           /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;             /* the driver broke a rule; see error */
	const char *error;       /* why the queue is broken or set-up failed */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;     /* next available entry to take */
	uint16_t used_idx;       /* next used entry to fill */
	uint16_t signalled_used; /* used_idx at the last notification */
	bool signalled_valid;
	bool kicks_off;          /* vq_set_notify(false): pops leave the avail event */
	unsigned int inflight;   /* requests taken and not yet completed */
	uint8_t *busy;           /* one bit per head: taken and not completed */
};

/* A request taken from the queue: readable segments first, then writable. */
struct vq_elem {
	uint16_t head;
	unsigned int out_num; /* readable (driver to device): iov[0 .. out_num) */
	unsigned int in_num;  /* writable (device to driver): iov[out_num .. out_num + in_num) */
	struct iovec iov[VQ_MAX_SEGS];
};

/*
 * Set up a queue: size num, ring parts at driver addresses desc/avail/used,
 * translated through m; base is the first available index to take (as in
 * SET_VRING_BASE). Returns 0, or -1 with vq->error set (bad size, alignment,
 * address). vq_fini() releases what vq_init() allocated.
 */
int vq_init(struct vq *vq, const struct vq_mem *m, uint16_t num, uint64_t desc, uint64_t avail,
	    uint64_t used, uint16_t base, bool event_idx, bool indirect);
void vq_fini(struct vq *vq);

/*
 * Take the next request. Returns 1 with *e filled, 0 when none is
 * available, -1 when the driver broke a rule (the queue is then broken and
 * stays so; vq->error says why).
 */
int vq_pop(struct vq *vq, const struct vq_mem *m, struct vq_elem *e);

/*
 * Complete a request taken by vq_pop(): len bytes were written to its
 * writable part. Completions may come in any order. Returns -1 (and changes
 * nothing) for a head that is not in flight: a bug of the device code.
 */
int vq_push(struct vq *vq, uint16_t head, uint32_t len);

/* After one or more vq_push(): whether the driver wants an interrupt now. */
bool vq_should_notify(struct vq *vq);

/*
 * Ask the driver for kicks when it adds requests (true) or not (false).
 * Enabling returns true when requests arrived meanwhile: take them, as no
 * kick will announce them. With event-idx, kicks stay off across vq_pop()
 * until enabled again (a pop moves the avail event only while they are
 * on), so a device that polls the ring itself gets none at all. An
 * available index behind the last one taken (or more than a ring ahead)
 * breaks the queue and returns false.
 */
bool vq_set_notify(struct vq *vq, bool enable);

#endif
