/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend (device) side of vhost-user, device-agnostic: a server that
 * accepts one frontend at a time on a listening UNIX socket, answers the
 * control messages (features, protocol features, config space, memory
 * table, vrings), maps the frontend's memory and runs the split virtqueues
 * (lib/virtqueue). What the device is comes from struct vhu_dev_ops: its
 * feature bits, queue count, config space, what to do on a kick and on a
 * reset. A second device type reuses all of it by supplying other ops.
 *
 * Threads: vhu_backend_run() and every op run on the calling thread (the
 * control thread). vhu_backend_pop()/vhu_backend_push() take a per-queue
 * lock, so a device may complete requests from other threads (audio
 * threads) while the control thread pops; they do nothing on a queue that
 * is not running. The device's reset op runs before any ring or memory
 * goes away, so it must stop such threads from touching requests.
 *
 * Nothing the frontend sends can abort the process: a malformed message
 * or a protocol violation closes the connection, resets the device and
 * the server waits for the next frontend.
 */
#ifndef VHOST_USER_BACKEND_H
#define VHOST_USER_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_user.h"
#include "vq_split.h"

#define VHU_BACKEND_MAX_QUEUES 16

struct vhu_backend;

struct vhu_dev_ops {
	/* Device-specific virtio feature bits (the server adds VERSION_1,
	 * INDIRECT_DESC unless no_indirect_desc, EVENT_IDX, PROTOCOL_FEATURES). */
	uint64_t (*features)(void *opaque);
	/* Number of virtqueues (1..VHU_BACKEND_MAX_QUEUES). */
	uint32_t (*queue_num)(void *opaque);
	/* Config space: copy up to cap bytes into buf, return its size. */
	uint32_t (*get_config)(void *opaque, uint8_t *buf, uint32_t cap);
	/* The driver wrote config bytes; 0 or -1 (refused). Optional. */
	int (*set_config)(void *opaque, uint32_t offset, const uint8_t *data, uint32_t len);
	/* What the driver acked (device bits included). Optional. */
	void (*set_features)(void *opaque, uint64_t acked);
	/* Queue q has new requests (or just started): take them with
	 * vhu_backend_pop(). */
	void (*kick)(void *opaque, struct vhu_backend *b, uint32_t q);
	/* Stop all I/O and return to the initial state: the rings and the
	 * memory are about to go away. Called on RESET_DEVICE, on the first
	 * GET_VRING_BASE of a running device, on a new memory table and on
	 * disconnect. */
	void (*reset)(void *opaque);
};

struct vhu_backend_config {
	const struct vhu_dev_ops *ops;
	void *opaque;
	const char *name;	/* prefix of log lines */
	bool verbose;		/* log every message */
	/*
	 * Do not offer INDIRECT_DESC. A driver then lays each request out in
	 * the ring's own descriptor table, which stays mapped, instead of a
	 * table it allocates per request: under virtio-loopback that table is
	 * a new bounce page the backend faults in when it pops the request,
	 * once per request (vhost-user-sound: one fault per audio period).
	 */
	bool no_indirect_desc;
};

/* Allocates the server around an already listening socket (owned from
 * now on). Returns NULL on allocation failure. */
struct vhu_backend *vhu_backend_create(const struct vhu_backend_config *cfg, int listen_fd);
/* Closes the connection (resetting the device), the socket, and frees. */
void vhu_backend_destroy(struct vhu_backend *b);

/*
 * Serve frontends until *stop becomes true (checked at least every
 * 200 ms) or stop_fd (-1: none) becomes readable. Returns 0 then, or
 * -errno when accepting fails for good. The connection is kept: calling it
 * again resumes serving (vhost-user-sound's loop does so after handling
 * the events that made its stop_fd, an epoll set, readable).
 */
int vhu_backend_run(struct vhu_backend *b, volatile int *stop, int stop_fd);

/*
 * Take the next request of queue q: 1 with *e filled, 0 when none or the
 * queue is not running, -1 when the driver broke the ring (logged once).
 */
int vhu_backend_pop(struct vhu_backend *b, uint32_t q, struct vq_elem *e);
/*
 * Complete a request of queue q and notify the driver if it wants it.
 * Safe from any thread; ignored when the queue is no longer running or the
 * head is not in flight (a completion that raced with a reset).
 */
void vhu_backend_push(struct vhu_backend *b, uint32_t q, uint16_t head, uint32_t len);
/*
 * vq_set_notify() under the queue's lock: a kick handler disables kicks,
 * pops everything, enables them again and pops once more when this
 * returns true (requests arrived in between).
 */
bool vhu_backend_notify_enable(struct vhu_backend *b, uint32_t q, bool enable);
/*
 * Have queue q's kick handler run again from the serving loop, as if the
 * driver had kicked (a write to the queue's own kick eventfd): for a kick
 * handler that stops after a bounded number of requests, so that one
 * driver that refills its ring as fast as it is served, or rings laid over
 * each other, cannot keep the loop from its other descriptors for ever.
 */
void vhu_backend_kick_later(struct vhu_backend *b, uint32_t q);

/*
 * The message dispatcher without the accept/poll loop (unit tests and the
 * fuzz target use these; vhu_backend_run does the same): adopt conn_fd, a
 * connected stream socket (owned from now on; a current frontend is dropped
 * first, -1 only drops it), then serve its messages one at a time. Returns
 * 0 when the message was handled, -1 when the connection was dropped (bad
 * message, refused request, peer gone: the device was reset) or there is
 * none. Waits for a message that has started to arrive, never forever.
 */
void vhu_backend_adopt(struct vhu_backend *b, int conn_fd);
int vhu_backend_serve_one(struct vhu_backend *b);
/* A frontend is connected (for status reports and tests). Control thread. */
bool vhu_backend_connected(const struct vhu_backend *b);

/*
 * For test programs that break the rules on purpose (tests/hostile/), what
 * the server otherwise hides: queue q's split ring as lib/virtqueue runs it
 * (vq->used is the used ring inside our mapping), the queue's kick and call
 * eventfds, and the first memory region's mapping. Returns 0, or -1 when the
 * queue is not running. Control thread only (a kick handler); the pointers
 * and fds stay the server's and are valid until the ring stops. A real
 * device never needs this.
 */
struct vhu_backend_raw {
	struct vq *vq;
	int kick, call;
	void *map;
	size_t map_len;
};
int vhu_backend_raw(struct vhu_backend *b, uint32_t q, struct vhu_backend_raw *raw);

/* Listening UNIX socket at path (a stale socket file is replaced); fd or -errno. */
int vhu_listen_unix(const char *path);

#endif /* VHOST_USER_BACKEND_H */
