// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user backend server: see vhost_user_backend.h. One frontend at a
 * time; every message is validated by vhu_recv() (shapes, sizes, fd counts)
 * and then checked here against the state it applies to (queue index below
 * our count, ring not running, addresses inside the memory table).
 */
#include "vhost_user_backend.h"
#include "vhost_user_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* virtio feature bits the server itself implements (lib/virtqueue). */
#define F_INDIRECT_DESC 28
#define F_EVENT_IDX 29
#define F_VERSION_1 32

#define SERVER_FEATURES                                                                       \
	(VHU_BIT(F_VERSION_1) | VHU_BIT(F_INDIRECT_DESC) | VHU_BIT(F_EVENT_IDX) |             \
	 VHU_BIT(VHU_F_PROTOCOL_FEATURES))
#define SERVER_PROTOCOL                                                                       \
	(VHU_BIT(VHU_PROTOCOL_F_MQ) | VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) |                     \
	 VHU_BIT(VHU_PROTOCOL_F_CONFIG) | VHU_BIT(VHU_PROTOCOL_F_RESET_DEVICE))

/* A wait for the rest of a message the frontend has started to send. */
#define RECV_TIMEOUT_MS 2000

struct vring {
	pthread_mutex_t lock;	/* vq, running, enabled, call (pushers race pops) */
	struct vq vq;
	bool running;		/* vq_init done: between KICK and GET_VRING_BASE */
	bool enabled;
	bool broken_reported;
	uint32_t num;		/* from SET_VRING_NUM; 0: not set */
	uint16_t base;
	bool have_addr;
	uint64_t desc, avail, used;	/* frontend addresses */
	int kick, call, err;
};

struct mapping {
	void *addr;
	size_t len;
};

struct vhu_backend {
	struct vhu_backend_config cfg;
	int listen_fd;
	int conn;
	uint64_t acked;		/* SET_FEATURES */
	uint64_t protocol;	/* SET_PROTOCOL_FEATURES */
	bool device_active;	/* a ring ran since the last device reset */
	uint32_t nq;
	struct vq_mem mem;	/* driver (guest physical) addresses */
	struct vhu_region regions[VHU_MAX_REGIONS];
	struct mapping maps[VHU_MAX_REGIONS];
	unsigned int nmaps;
	struct vring vr[VHU_BACKEND_MAX_QUEUES];
};

/* What GET_FEATURES offers: the server's bits (less those the device
 * declined) and the device's. */
static uint64_t offered_features(const struct vhu_backend *b)
{
	uint64_t server = SERVER_FEATURES;

	if (b->cfg.no_indirect_desc)
		server &= ~VHU_BIT(F_INDIRECT_DESC);
	return server | b->cfg.ops->features(b->cfg.opaque);
}

static void blog(const struct vhu_backend *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void blog(const struct vhu_backend *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", b->cfg.name ? b->cfg.name : "vhost-user", line);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Signal an eventfd; a full counter (EAGAIN) already means "signalled". */
static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

/* ---- rings */

static void ring_stop(struct vring *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->running) {
		r->base = r->vq.last_avail;
		vq_fini(&r->vq);
		memset(&r->vq, 0, sizeof(r->vq));
	}
	r->running = false;
	pthread_mutex_unlock(&r->lock);
}

/* Back to "never set up": used on device reset and disconnect. */
static void ring_clear(struct vring *r)
{
	ring_stop(r);
	pthread_mutex_lock(&r->lock);
	r->enabled = false;
	r->broken_reported = false;
	r->num = 0;
	r->base = 0;
	r->have_addr = false;
	close_fd(&r->kick);
	close_fd(&r->call);
	close_fd(&r->err);
	pthread_mutex_unlock(&r->lock);
}

static void device_reset(struct vhu_backend *b)
{
	uint32_t i;

	/* The device first: its threads must let go of requests before the
	 * rings they belong to stop. */
	b->cfg.ops->reset(b->cfg.opaque);
	b->device_active = false;
	for (i = 0; i < VHU_BACKEND_MAX_QUEUES; i++)
		ring_clear(&b->vr[i]);
}

static void unmap_all(struct vhu_backend *b)
{
	unsigned int i;

	for (i = 0; i < b->nmaps; i++) {
		vhu_guard_del(b->maps[i].addr);
		munmap(b->maps[i].addr, b->maps[i].len);
	}
	b->nmaps = 0;
	memset(&b->mem, 0, sizeof(b->mem));
}

/* Frontend (userspace) address of a ring part -> driver address. */
static int uva_to_gpa(const struct vhu_backend *b, uint64_t uva, uint64_t *gpa)
{
	unsigned int i;

	for (i = 0; i < b->nmaps; i++) {
		const struct vhu_region *r = &b->regions[i];

		if (uva >= r->userspace_addr && uva - r->userspace_addr < r->memory_size) {
			*gpa = r->guest_phys_addr + (uva - r->userspace_addr);
			return 0;
		}
	}
	return -1;
}

static int ring_start(struct vhu_backend *b, uint32_t q)
{
	struct vring *r = &b->vr[q];
	uint64_t desc, avail, used;
	int ret;

	if (!r->num || !r->have_addr)
		return blog(b, "queue %" PRIu32 ": kick before size and addresses", q), -1;
	if (uva_to_gpa(b, r->desc, &desc) || uva_to_gpa(b, r->avail, &avail) ||
	    uva_to_gpa(b, r->used, &used))
		return blog(b, "queue %" PRIu32 ": ring outside the memory table", q), -1;
	pthread_mutex_lock(&r->lock);
	ret = vq_init(&r->vq, &b->mem, (uint16_t)r->num, desc, avail, used, r->base,
		      b->acked & VHU_BIT(F_EVENT_IDX), b->acked & VHU_BIT(F_INDIRECT_DESC));
	if (ret == 0) {
		r->running = true;
		r->broken_reported = false;
		/* Without PROTOCOL_FEATURES a ring is enabled when it starts. */
		if (!(b->acked & VHU_BIT(VHU_F_PROTOCOL_FEATURES)))
			r->enabled = true;
	}
	pthread_mutex_unlock(&r->lock);
	if (ret)
		return blog(b, "queue %" PRIu32 ": %s", q, r->vq.error ? r->vq.error : "bad ring"), -1;
	b->device_active = true;
	return 0;
}

/* The driver broke queue q's ring: say so once, with r->lock held. */
static void report_broken(struct vhu_backend *b, struct vring *r, uint32_t q)
{
	if (r->broken_reported)
		return;
	r->broken_reported = true;
	blog(b, "queue %" PRIu32 " broken by the driver: %s", q, r->vq.error ? r->vq.error : "?");
	/* The kernel breaks the device on the error eventfd. */
	signal_fd(r->err);
}

int vhu_backend_pop(struct vhu_backend *b, uint32_t q, struct vq_elem *e)
{
	struct vring *r;
	int ret = 0;

	if (q >= b->nq)
		return 0;
	r = &b->vr[q];
	pthread_mutex_lock(&r->lock);
	if (r->running && r->enabled) {
		ret = vq_pop(&r->vq, &b->mem, e);
		if (ret < 0)
			report_broken(b, r, q);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void vhu_backend_push(struct vhu_backend *b, uint32_t q, uint16_t head, uint32_t len)
{
	struct vring *r;

	if (q >= b->nq)
		return;
	r = &b->vr[q];
	pthread_mutex_lock(&r->lock);
	if (r->running && vq_push(&r->vq, head, len) == 0 && vq_should_notify(&r->vq))
		signal_fd(r->call);
	pthread_mutex_unlock(&r->lock);
}

bool vhu_backend_notify_enable(struct vhu_backend *b, uint32_t q, bool enable)
{
	struct vring *r;
	bool more = false;

	if (q >= b->nq)
		return false;
	r = &b->vr[q];
	pthread_mutex_lock(&r->lock);
	if (r->running && r->enabled) {
		more = vq_set_notify(&r->vq, enable);
		if (r->vq.broken)
			report_broken(b, r, q);
	}
	pthread_mutex_unlock(&r->lock);
	return more;
}

void vhu_backend_kick_later(struct vhu_backend *b, uint32_t q)
{
	struct vring *r;

	if (q >= b->nq)
		return;
	r = &b->vr[q];
	pthread_mutex_lock(&r->lock);
	if (r->running)
		signal_fd(r->kick);
	pthread_mutex_unlock(&r->lock);
}

int vhu_backend_raw(struct vhu_backend *b, uint32_t q, struct vhu_backend_raw *raw)
{
	struct vring *r;

	if (q >= b->nq || !b->vr[q].running || !b->nmaps)
		return -1;
	r = &b->vr[q];
	raw->vq = &r->vq;
	raw->kick = r->kick;
	raw->call = r->call;
	raw->map = b->maps[0].addr;
	raw->map_len = b->maps[0].len;
	return 0;
}

/* ---- messages */

static int send_reply(struct vhu_backend *b, struct vhu_msg *reply)
{
	int r = vhu_send(b->conn, reply);

	if (r)
		blog(b, "sending %s reply: %s", vhu_request_name(reply->request), strerror(-r));
	return r;
}

static int reply_u64(struct vhu_backend *b, const struct vhu_msg *m, uint64_t v)
{
	struct vhu_msg reply;

	vhu_msg_make_reply(&reply, m);
	reply.payload.u64 = v;
	reply.size = 8;
	return send_reply(b, &reply);
}

static int set_mem_table(struct vhu_backend *b, struct vhu_msg *m)
{
	const struct vhu_memory *mem = &m->payload.mem;
	long page = sysconf(_SC_PAGESIZE);
	uint32_t i;

	/* The rings live in the old memory: stop everything first. */
	if (b->device_active)
		device_reset(b);
	for (i = 0; i < VHU_BACKEND_MAX_QUEUES; i++)
		ring_stop(&b->vr[i]);
	unmap_all(b);
	for (i = 0; i < mem->nregions; i++) {
		const struct vhu_region *r = &mem->regions[i];
		void *p;

		if (page <= 0 || r->mmap_offset % (uint64_t)page || r->memory_size > SIZE_MAX ||
		    r->mmap_offset > (uint64_t)INT64_MAX - r->memory_size)
			goto bad;
		/* Only [mmap_offset, +size): our kernel's memory fd faults below
		 * the window, and least exposure says map no more than given. */
		p = mmap(NULL, (size_t)r->memory_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 m->fds[i], (off_t)r->mmap_offset);
		if (p == MAP_FAILED) {
			blog(b, "mmap of memory region %" PRIu32 " (0x%" PRIx64 "+0x%" PRIx64
				"): %s", i, r->mmap_offset, r->memory_size, strerror(errno));
			unmap_all(b);
			return -1;
		}
		vhu_guard_add(p, (size_t)r->memory_size);
		b->maps[b->nmaps].addr = p;
		b->maps[b->nmaps].len = (size_t)r->memory_size;
		b->regions[b->nmaps] = *r;
		b->nmaps++;
		if (vq_mem_add(&b->mem, r->guest_phys_addr, r->memory_size, p))
			goto bad;
	}
	return 0;
bad:
	blog(b, "memory region %" PRIu32 " unusable (alignment, overlap or size)", i);
	unmap_all(b);
	return -1;
}

/* Take the fd of SET_VRING_KICK/CALL/ERR (-1 for "no fd"). */
static int take_vring_fd(struct vhu_msg *m, uint32_t *q)
{
	int fd = -1;

	*q = (uint32_t)(m->payload.u64 & VHU_VRING_IDX_MASK);
	if (!(m->payload.u64 & VHU_VRING_NOFD) && m->nfds == 1) {
		fd = m->fds[0];
		m->fds[0] = -1;
		m->nfds = 0;
	}
	return fd;
}

static void kick_device(struct vhu_backend *b, uint32_t q)
{
	b->cfg.ops->kick(b->cfg.opaque, b, q);
}

/* Handle a request that has no reply of its own: 0 done, -1 refused. */
static int handle_plain(struct vhu_backend *b, struct vhu_msg *m)
{
	const struct vhu_vring_state *s = &m->payload.state;
	uint32_t q;
	int fd;

	switch (m->request) {
	case VHU_SET_OWNER:
		return 0;
	case VHU_RESET_OWNER:
	case VHU_RESET_DEVICE:
		device_reset(b);
		b->acked = 0;
		return 0;
	case VHU_SET_FEATURES: {
		uint64_t offered = offered_features(b);

		if (m->payload.u64 & ~offered)
			return blog(b, "SET_FEATURES 0x%" PRIx64 ": not offered", m->payload.u64), -1;
		b->acked = m->payload.u64;
		if (b->cfg.ops->set_features)
			b->cfg.ops->set_features(b->cfg.opaque, b->acked);
		return 0;
	}
	case VHU_SET_PROTOCOL_FEATURES:
		if (m->payload.u64 & ~SERVER_PROTOCOL)
			return blog(b, "SET_PROTOCOL_FEATURES 0x%" PRIx64 ": not offered",
				    m->payload.u64), -1;
		b->protocol = m->payload.u64;
		return 0;
	case VHU_SET_MEM_TABLE:
		return set_mem_table(b, m);
	case VHU_SET_CONFIG:
		if (!b->cfg.ops->set_config)
			return -1;
		return b->cfg.ops->set_config(b->cfg.opaque, m->payload.config.offset,
					      m->payload.config.region, m->payload.config.size);
	case VHU_SET_VRING_NUM:
	case VHU_SET_VRING_BASE:
	case VHU_SET_VRING_ADDR:
		q = m->request == VHU_SET_VRING_ADDR ? m->payload.addr.index : s->index;
		if (q >= b->nq)
			return blog(b, "%s: queue %" PRIu32 " does not exist",
				    vhu_request_name(m->request), q), -1;
		if (b->vr[q].running)
			return blog(b, "%s: queue %" PRIu32 " is running",
				    vhu_request_name(m->request), q), -1;
		if (m->request == VHU_SET_VRING_NUM) {
			if (s->num > VQ_MAX_SIZE || (s->num & (s->num - 1)))
				return blog(b, "queue size %" PRIu32 " not a power of 2", s->num), -1;
			b->vr[q].num = s->num;
		} else if (m->request == VHU_SET_VRING_BASE) {
			if (s->num > 0xffff)
				return blog(b, "vring base %" PRIu32 " too large", s->num), -1;
			b->vr[q].base = (uint16_t)s->num;
		} else {
			b->vr[q].desc = m->payload.addr.desc;
			b->vr[q].avail = m->payload.addr.avail;
			b->vr[q].used = m->payload.addr.used;
			b->vr[q].have_addr = true;
		}
		return 0;
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR: {
		struct vring *r;

		fd = take_vring_fd(m, &q);
		if (q >= b->nq) {
			close_fd(&fd);
			return blog(b, "%s: queue %" PRIu32 " does not exist",
				    vhu_request_name(m->request), q), -1;
		}
		r = &b->vr[q];
		if (m->request == VHU_SET_VRING_CALL || m->request == VHU_SET_VRING_ERR) {
			pthread_mutex_lock(&r->lock);
			if (m->request == VHU_SET_VRING_CALL) {
				close_fd(&r->call);
				r->call = fd;
			} else {
				close_fd(&r->err);
				r->err = fd;
			}
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
		/* KICK starts the ring (vhost-user.rst, "Starting and stopping
		 * rings"). Polling mode (no fd) is not supported. */
		if (fd < 0)
			return blog(b, "queue %" PRIu32 ": no kick fd (polling) not supported", q), -1;
		/* Never block the control thread on a kick that is not there. */
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		ring_stop(r);
		close_fd(&r->kick);
		r->kick = fd;
		if (ring_start(b, q))
			return -1;
		if (r->enabled)
			kick_device(b, q);
		return 0;
	}
	case VHU_SET_VRING_ENABLE:
		if (s->index >= b->nq)
			return blog(b, "SET_VRING_ENABLE: queue %" PRIu32 " does not exist",
				    s->index), -1;
		pthread_mutex_lock(&b->vr[s->index].lock);
		b->vr[s->index].enabled = s->num == 1;
		pthread_mutex_unlock(&b->vr[s->index].lock);
		/* Requests may already wait: no kick will announce them. */
		if (s->num == 1 && b->vr[s->index].running)
			kick_device(b, s->index);
		return 0;
	default:
		blog(b, "%s: not supported", vhu_request_name(m->request));
		return -1;
	}
}

/* One request: 0 to keep the connection, -1 to drop it. */
static int handle(struct vhu_backend *b, struct vhu_msg *m)
{
	struct vhu_msg reply;
	uint8_t cfg[VHU_MAX_CONFIG];
	uint32_t n;
	int r;

	if (b->cfg.verbose)
		blog(b, "<- %s", vhu_request_name(m->request));
	switch (m->request) {
	case VHU_GET_FEATURES:
		return reply_u64(b, m, offered_features(b));
	case VHU_GET_PROTOCOL_FEATURES:
		return reply_u64(b, m, SERVER_PROTOCOL);
	case VHU_GET_QUEUE_NUM:
		return reply_u64(b, m, b->nq);
	case VHU_GET_MAX_MEM_SLOTS:
		return reply_u64(b, m, VHU_MAX_REGIONS);
	case VHU_GET_CONFIG:
		vhu_msg_make_reply(&reply, m);
		n = b->cfg.ops->get_config(b->cfg.opaque, cfg, sizeof(cfg));
		if (m->payload.config.offset <= n &&
		    m->payload.config.size <= n - m->payload.config.offset &&
		    !vhu_msg_config(&reply, VHU_GET_CONFIG, m->payload.config.offset,
				    m->payload.config.size, 0, cfg + m->payload.config.offset))
			reply.flags = VHU_VERSION | VHU_FLAG_REPLY;
		else
			reply.size = 0;	/* how a backend says it cannot */
		return send_reply(b, &reply);
	case VHU_GET_VRING_BASE: {
		uint32_t q = m->payload.state.index;

		if (q >= b->nq) {
			blog(b, "GET_VRING_BASE: queue %" PRIu32 " does not exist", q);
			return -1;
		}
		/* Stopping a ring of a running device stops the device: its
		 * I/O threads hold requests of every ring. */
		if (b->device_active) {
			b->cfg.ops->reset(b->cfg.opaque);
			b->device_active = false;
		}
		ring_stop(&b->vr[q]);
		close_fd(&b->vr[q].kick);
		vhu_msg_make_reply(&reply, m);
		reply.payload.state.index = q;
		reply.payload.state.num = b->vr[q].base;
		reply.size = sizeof(reply.payload.state);
		return send_reply(b, &reply);
	}
	default:
		break;
	}
	r = handle_plain(b, m);
	if ((m->flags & VHU_FLAG_NEED_REPLY) && (b->protocol & VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK)))
		return reply_u64(b, m, r ? 1 : 0) ? -1 : 0;
	if (r)
		blog(b, "%s failed: dropping the frontend", vhu_request_name(m->request));
	return r;
}

/* ---- connection */

static void disconnect(struct vhu_backend *b)
{
	unsigned int n = vhu_guard_take_faults();

	device_reset(b);
	if (n)
		blog(b, "%u access(es) to revoked guest memory absorbed (device broken or removed)", n);
	unmap_all(b);
	b->acked = 0;
	b->protocol = 0;
	close_fd(&b->conn);
}

struct vhu_backend *vhu_backend_create(const struct vhu_backend_config *cfg, int listen_fd)
{
	struct vhu_backend *b = calloc(1, sizeof(*b));
	uint32_t i;

	if (!b)
		return NULL;
	vhu_guard_install();
	b->cfg = *cfg;
	b->listen_fd = listen_fd;
	b->conn = -1;
	b->nq = cfg->ops->queue_num(cfg->opaque);
	if (b->nq > VHU_BACKEND_MAX_QUEUES)
		b->nq = VHU_BACKEND_MAX_QUEUES;
	for (i = 0; i < VHU_BACKEND_MAX_QUEUES; i++) {
		pthread_mutex_init(&b->vr[i].lock, NULL);
		b->vr[i].kick = b->vr[i].call = b->vr[i].err = -1;
	}
	return b;
}

void vhu_backend_destroy(struct vhu_backend *b)
{
	uint32_t i;

	if (!b)
		return;
	if (b->conn >= 0)
		disconnect(b);
	close_fd(&b->listen_fd);
	for (i = 0; i < VHU_BACKEND_MAX_QUEUES; i++)
		pthread_mutex_destroy(&b->vr[i].lock);
	free(b);
}

static void serve_kick(struct vhu_backend *b, uint32_t q)
{
	uint64_t v;

	if (read(b->vr[q].kick, &v, sizeof(v)) < 0 && errno != EAGAIN && errno != EINTR) {
		blog(b, "queue %" PRIu32 ": reading the kick eventfd: %s", q, strerror(errno));
		close_fd(&b->vr[q].kick);
		return;
	}
	kick_device(b, q);
}

void vhu_backend_adopt(struct vhu_backend *b, int conn_fd)
{
	if (b->conn >= 0)
		disconnect(b);
	b->conn = conn_fd;
}

bool vhu_backend_connected(const struct vhu_backend *b)
{
	return b->conn >= 0;
}

int vhu_backend_serve_one(struct vhu_backend *b)
{
	struct vhu_msg m;
	const char *why = NULL;
	int r;

	if (b->conn < 0)
		return -1;
	r = vhu_recv(b->conn, &m, VHU_FROM_FRONTEND, RECV_TIMEOUT_MS, &why);
	if (r) {
		if (r == -ECONNRESET)
			blog(b, "frontend disconnected");
		else
			blog(b, "bad message from the frontend (%s): dropping it",
			     why ? why : strerror(-r));
		disconnect(b);
		return -1;
	}
	r = handle(b, &m);
	vhu_msg_close_fds(&m);
	if (r) {
		disconnect(b);
		return -1;
	}
	return 0;
}

int vhu_backend_run(struct vhu_backend *b, volatile int *stop, int stop_fd)
{
	struct pollfd p[2 + VHU_BACKEND_MAX_QUEUES];
	uint32_t qof[2 + VHU_BACKEND_MAX_QUEUES];

	while (!*stop) {
		unsigned int n = 0, i;
		int r;

		if (stop_fd >= 0)
			p[n++] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = b->conn >= 0 ? b->conn : b->listen_fd,
					  .events = POLLIN };
		for (i = 0; i < b->nq && b->conn >= 0; i++) {
			if (b->vr[i].kick < 0 || !b->vr[i].running)
				continue;
			qof[n] = i;
			p[n++] = (struct pollfd){ .fd = b->vr[i].kick, .events = POLLIN };
		}
		r = poll(p, n, 200);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			continue;
		i = 0;
		if (stop_fd >= 0 && p[i++].revents)
			break;
		if (p[i].revents && b->conn < 0) {
			b->conn = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (b->conn < 0) {
				if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
					continue;
				return -errno;
			}
			blog(b, "frontend connected");
			continue;
		}
		if (p[i].revents && vhu_backend_serve_one(b))
			continue;
		for (i = i + 1; i < n && b->conn >= 0; i++)
			if (p[i].revents && b->vr[qof[i]].kick == p[i].fd)
				serve_kick(b, qof[i]);
	}
	return 0;
}

int vhu_listen_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	/* A socket left by an earlier run; never remove anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
