// SPDX-License-Identifier: GPL-2.0
/* vhost-user frontend: the adapter's side of the control protocol. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devtype.h"
#include "frontend.h"

const char *fe_state_name(enum fe_state s)
{
	switch (s) {
	case FE_IDLE: return "idle";
	case FE_READY: return "ready";
	case FE_RUNNING: return "running";
	default: return "failed";
	}
}

void fe_init(struct frontend *fe, int sock, int timeout_ms)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = sock;
	fe->timeout_ms = timeout_ms;
	fe->state = FE_IDLE;
}

bool fe_has_protocol(const struct frontend *fe, unsigned int bit)
{
	return fe->protocol & VHU_BIT(bit);
}

static int fail(struct frontend *fe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	fe->state = FE_FAILED;
	return -1;
}

static int io_fail(struct frontend *fe, const char *what, uint32_t req, int r,
		   const char *why)
{
	if (r == -ECONNRESET || r == -EPIPE)
		return fail(fe, "backend closed the connection during %s", vhu_request_name(req));
	if (r == -ETIMEDOUT)
		return fail(fe, "backend did not answer %s within %d ms",
			    vhu_request_name(req), fe->timeout_ms);
	if (r == -EPROTO)
		return fail(fe, "protocol error: %s to %s: %s", what,
			    vhu_request_name(req), why ? why : "malformed");
	return fail(fe, "%s %s: %s", what, vhu_request_name(req), strerror(-r));
}

/* Send m and, if it has a reply of its own, receive it into reply. */
static int call(struct frontend *fe, struct vhu_msg *m, struct vhu_msg *reply)
{
	const char *why = NULL;
	int r;

	/* A reply that fails to arrive leaves nothing from an earlier one. */
	memset(reply, 0, sizeof(*reply));
	r = vhu_send(fe->sock, m);
	if (r)
		return io_fail(fe, "sending", m->request, r, NULL);
	r = vhu_recv(fe->sock, reply, VHU_FROM_BACKEND, fe->timeout_ms, &why);
	if (r)
		return io_fail(fe, "reply", m->request, r, why);
	if (reply->request != m->request)
		return fail(fe, "protocol error: backend answered %s with %s",
			    vhu_request_name(m->request), vhu_request_name(reply->request));
	return 0;
}

/* A request without a reply of its own: acknowledged with REPLY_ACK. */
static int post(struct frontend *fe, struct vhu_msg *m)
{
	struct vhu_msg ack;
	int r;

	if (!fe_has_protocol(fe, VHU_PROTOCOL_F_REPLY_ACK)) {
		r = vhu_send(fe->sock, m);
		return r ? io_fail(fe, "sending", m->request, r, NULL) : 0;
	}
	m->flags |= VHU_FLAG_NEED_REPLY;
	if (call(fe, m, &ack))
		return -1;
	if (ack.payload.u64)
		return fail(fe, "backend refused %s (status %" PRIu64 ")",
			    vhu_request_name(m->request), ack.payload.u64);
	return 0;
}

/* Without REPLY_ACK, a GET_FEATURES round trip proves all went through. */
static int barrier(struct frontend *fe)
{
	struct vhu_msg m, reply;

	if (fe_has_protocol(fe, VHU_PROTOCOL_F_REPLY_ACK))
		return 0;
	vhu_msg_init(&m, VHU_GET_FEATURES);
	return call(fe, &m, &reply);
}

static int get_u64(struct frontend *fe, uint32_t req, uint64_t *v)
{
	struct vhu_msg m, reply;

	vhu_msg_init(&m, req);
	if (call(fe, &m, &reply))
		return -1;
	*v = reply.payload.u64;
	return 0;
}

int fe_hello(struct frontend *fe)
{
	struct vhu_msg m;
	uint64_t proto = 0, qn;

	if (fe->state != FE_IDLE)
		return fail(fe, "internal: hello in state %s", fe_state_name(fe->state));
	if (get_u64(fe, VHU_GET_FEATURES, &fe->features))
		return -1;
	if (fe->features & VHU_BIT(VHU_F_PROTOCOL_FEATURES)) {
		if (get_u64(fe, VHU_GET_PROTOCOL_FEATURES, &proto))
			return -1;
		vhu_msg_u64(&m, VHU_SET_PROTOCOL_FEATURES, proto & FE_PROTOCOL_WANTED);
		if (vhu_send(fe->sock, &m))
			return fail(fe, "backend closed the connection during SET_PROTOCOL_FEATURES");
		fe->protocol = proto & FE_PROTOCOL_WANTED;
	}
	if (fe_has_protocol(fe, VHU_PROTOCOL_F_MQ)) {
		if (get_u64(fe, VHU_GET_QUEUE_NUM, &qn))
			return -1;
		if (qn == 0 || qn > FE_MAX_QUEUES)
			return fail(fe, "backend reports %" PRIu64 " queues (want 1-%d)",
				    qn, FE_MAX_QUEUES);
		fe->queue_num = (uint32_t)qn;
	}
	vhu_msg_init(&m, VHU_SET_OWNER);
	if (post(fe, &m) || barrier(fe))
		return -1;
	fe->state = FE_READY;
	return 0;
}

int fe_get_config(struct frontend *fe, uint32_t size)
{
	struct vhu_msg m, reply;

	if (fe->state != FE_READY)
		return fail(fe, "internal: get config in state %s", fe_state_name(fe->state));
	fe->config_size = 0;
	if (!size)
		return 0;
	if (!fe_has_protocol(fe, VHU_PROTOCOL_F_CONFIG))
		return fail(fe, "backend lacks the CONFIG protocol feature: cannot read its %" PRIu32 "-byte config space", size);
	if (vhu_msg_config(&m, VHU_GET_CONFIG, 0, size, 0, NULL))
		return fail(fe, "internal: config size %" PRIu32, size);
	if (call(fe, &m, &reply))
		return -1;
	if (reply.size == 0)
		return fail(fe, "backend refused to read %" PRIu32 " bytes of config space (not this device type?)", size);
	if (reply.payload.config.offset != 0 || reply.payload.config.size != size)
		return fail(fe, "protocol error: GET_CONFIG answered %" PRIu32 "+%" PRIu32 " for 0+%" PRIu32,
			    reply.payload.config.offset, reply.payload.config.size, size);
	memcpy(fe->config, reply.payload.config.region, size);
	fe->config_size = size;
	return 0;
}

static int vring_fd(struct frontend *fe, uint32_t req, uint32_t i, int fd)
{
	struct vhu_msg m;

	vhu_msg_vring_fd(&m, req, i, fd);
	return post(fe, &m);
}

static int start_queue(struct frontend *fe, const struct fe_setup *s, uint32_t i)
{
	const struct fe_queue *q = &s->q[i];
	struct vhu_msg m;

	vhu_msg_state(&m, VHU_SET_VRING_NUM, i, q->num);
	if (post(fe, &m))
		return -1;
	/* A fresh ring: packed rings start with the wrap counter set. */
	vhu_msg_state(&m, VHU_SET_VRING_BASE, i, s->packed ? 1U << 15 : 0);
	if (post(fe, &m))
		return -1;
	/* userspace_addr == IOVA in our memory table: ring addresses are IOVAs */
	vhu_msg_addr(&m, i, q->desc, q->used, q->avail);
	if (post(fe, &m))
		return -1;
	if (vring_fd(fe, VHU_SET_VRING_CALL, i, q->call) ||
	    vring_fd(fe, VHU_SET_VRING_ERR, i, s->err_fd) ||
	    vring_fd(fe, VHU_SET_VRING_KICK, i, q->kick))
		return -1;
	fe->started[i] = true;
	return 0;
}

int fe_start(struct frontend *fe, const struct fe_setup *s)
{
	struct vhu_region r;
	struct vhu_msg m;
	uint64_t f;
	uint32_t i;

	if (fe->state != FE_READY)
		return fail(fe, "internal: start in state %s", fe_state_name(fe->state));
	if (s->nqueues > FE_MAX_QUEUES)
		return fail(fe, "internal: %u queues", s->nqueues);
	/* The backend never sees ACCESS_PLATFORM: to it, IOVAs are guest memory. */
	f = s->features & ~VHU_BIT(VIRTIO_F_ACCESS_PLATFORM);
	if (f & ~fe->features)
		return fail(fe, "driver accepted features 0x%" PRIx64 " the backend does not offer",
			    f & ~fe->features);
	if (fe->features & VHU_BIT(VHU_F_PROTOCOL_FEATURES))
		f |= VHU_BIT(VHU_F_PROTOCOL_FEATURES);
	vhu_msg_u64(&m, VHU_SET_FEATURES, f);
	if (post(fe, &m))
		return -1;
	/* One region: the IOVA window, file offset == IOVA. */
	r.guest_phys_addr = s->iova_base;
	r.memory_size = s->iova_size;
	r.userspace_addr = s->iova_base;
	r.mmap_offset = s->iova_base;
	if (vhu_msg_mem_table(&m, &r, &s->memfd, 1))
		return fail(fe, "internal: bad memory window 0x%" PRIx64 "+0x%" PRIx64,
			    s->iova_base, s->iova_size);
	if (post(fe, &m))
		return -1;
	for (i = 0; i < s->nqueues; i++)
		if (s->q[i].ready && start_queue(fe, s, i))
			return -1;
	/* With protocol features rings start disabled; without, enabled. */
	if (fe->features & VHU_BIT(VHU_F_PROTOCOL_FEATURES)) {
		for (i = 0; i < s->nqueues; i++) {
			if (!fe->started[i])
				continue;
			vhu_msg_state(&m, VHU_SET_VRING_ENABLE, i, 1);
			if (post(fe, &m))
				return -1;
		}
	}
	if (barrier(fe))
		return -1;
	fe->state = FE_RUNNING;
	return 0;
}

int fe_stop(struct frontend *fe)
{
	struct vhu_msg m, reply;
	uint32_t i;

	if (fe->state != FE_RUNNING)
		return fail(fe, "internal: stop in state %s", fe_state_name(fe->state));
	for (i = 0; i < FE_MAX_QUEUES; i++) {
		if (!fe->started[i])
			continue;
		if (fe->features & VHU_BIT(VHU_F_PROTOCOL_FEATURES)) {
			vhu_msg_state(&m, VHU_SET_VRING_ENABLE, i, 0);
			if (post(fe, &m))
				return -1;
		}
		/* Stops the ring; the backend answers with where it stopped. */
		vhu_msg_state(&m, VHU_GET_VRING_BASE, i, 0);
		if (call(fe, &m, &reply))
			return -1;
		if (reply.payload.state.index != i)
			return fail(fe, "protocol error: GET_VRING_BASE for queue %" PRIu32 " answered for %" PRIu32,
				    i, reply.payload.state.index);
		fe->last_avail[i] = reply.payload.state.num;
		fe->started[i] = false;
	}
	if (fe_has_protocol(fe, VHU_PROTOCOL_F_RESET_DEVICE)) {
		vhu_msg_init(&m, VHU_RESET_DEVICE);
		if (post(fe, &m))
			return -1;
	}
	if (barrier(fe))
		return -1;
	fe->state = FE_READY;
	return 0;
}

int fe_set_config(struct frontend *fe, uint32_t offset, uint32_t len,
		  const void *data)
{
	struct vhu_msg m;

	if (fe->state != FE_READY && fe->state != FE_RUNNING)
		return fail(fe, "internal: set config in state %s", fe_state_name(fe->state));
	if (!fe_has_protocol(fe, VHU_PROTOCOL_F_CONFIG))
		return 0;
	if (vhu_msg_config(&m, VHU_SET_CONFIG, offset, len, VHU_CONFIG_TYPE_FRONTEND, data))
		return fail(fe, "driver wrote config %" PRIu32 "+%" PRIu32 ": out of range", offset, len);
	return post(fe, &m);
}
