// SPDX-License-Identifier: MIT
/* The benchmark's virtio-sound driver side; see snd_front.h. */
#include "snd_front.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_snd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhost_user.h"

/*
 * Guest memory: one memfd region. Driver (guest physical) addresses and
 * frontend (user) addresses differ on purpose, as they do behind the
 * adapter, so a backend mixing them up fails here too.
 */
#define MEM_SIZE 0x40000UL
#define GPA 0x100000ULL
#define UVA 0x7f0000000ULL
#define RING_OFF(q) ((uint64_t)(q) * 0x4000)	/* desc; avail +0x1000; used +0x2000 */
#define CTL_REQ 0x10000UL
#define CTL_RESP 0x11000UL
#define TX_SLOT(i) (0x20000UL + (uint64_t)(i) * 0x1000)	/* hdr; status +8; payload +0x40 */
#define TX_STATUS 8
#define TX_PAYLOAD 0x40
#define Q_CTL 0
#define Q_TX 2

static int fail(struct sf *sf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct sf *sf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sf->err, sizeof(sf->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* A request with REPLY_ACK (or a GET_*): the reply must come, and an ack
 * must say 0. */
static int call(struct sf *sf, struct vhu_msg *m, struct vhu_msg *r)
{
	const char *why = NULL;
	int rc = vhu_send(sf->sock, m);

	if (rc)
		return fail(sf, "sending %s: %s", vhu_request_name(m->request), strerror(-rc));
	rc = vhu_recv(sf->sock, r, VHU_FROM_BACKEND, sf->timeout_ms, &why);
	if (rc)
		return fail(sf, "reply to %s: %s", vhu_request_name(m->request),
			    why ? why : strerror(-rc));
	vhu_msg_close_fds(r);
	if (r->request != m->request)
		return fail(sf, "reply to %s is %s", vhu_request_name(m->request),
			    vhu_request_name(r->request));
	return 0;
}

static int acked(struct sf *sf, struct vhu_msg *m)
{
	struct vhu_msg r = { 0 };

	m->flags |= VHU_FLAG_NEED_REPLY;
	if (call(sf, m, &r))
		return -1;
	if (r.payload.u64)
		return fail(sf, "%s refused (%llu)", vhu_request_name(m->request),
			    (unsigned long long)r.payload.u64);
	return 0;
}

static int get_u64(struct sf *sf, uint32_t req, uint64_t *v)
{
	struct vhu_msg m, r = { 0 };

	vhu_msg_init(&m, req);
	if (call(sf, &m, &r))
		return -1;
	*v = r.payload.u64;
	return 0;
}

static int ring_setup(struct sf *sf, struct sf_ring *r, uint32_t q)
{
	uint64_t off = RING_OFF(q);
	struct vhu_msg m;

	r->index = q;
	r->desc = (struct vring_desc *)(void *)(sf->mem + off);
	r->avail = (struct vring_avail *)(void *)(sf->mem + off + 0x1000);
	r->used = (struct vring_used *)(void *)(sf->mem + off + 0x2000);
	r->kick = eventfd(0, EFD_CLOEXEC);
	r->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kick < 0 || r->call < 0)
		return fail(sf, "eventfd: %s", strerror(errno));
	vhu_msg_state(&m, VHU_SET_VRING_NUM, q, SF_QUEUE_SIZE);
	if (acked(sf, &m))
		return -1;
	vhu_msg_state(&m, VHU_SET_VRING_BASE, q, 0);
	if (acked(sf, &m))
		return -1;
	vhu_msg_addr(&m, q, UVA + off, UVA + off + 0x2000, UVA + off + 0x1000);
	if (acked(sf, &m))
		return -1;
	vhu_msg_vring_fd(&m, VHU_SET_VRING_CALL, q, r->call);
	if (acked(sf, &m))
		return -1;
	vhu_msg_vring_fd(&m, VHU_SET_VRING_KICK, q, r->kick);
	if (acked(sf, &m))
		return -1;
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, q, 1);
	return acked(sf, &m);
}

int sf_open(struct sf *sf, int sock, int timeout_ms)
{
	const uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | VHU_BIT(VHU_F_PROTOCOL_FEATURES);
	const uint64_t want_proto = VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) | VHU_BIT(VHU_PROTOCOL_F_MQ);
	struct vhu_region reg = { .guest_phys_addr = GPA, .memory_size = MEM_SIZE,
				  .userspace_addr = UVA, .mmap_offset = 0 };
	uint64_t features, proto, nq;
	struct vhu_msg m;

	memset(sf, 0, sizeof(*sf));
	sf->sock = sock;
	sf->timeout_ms = timeout_ms;
	sf->ctl.kick = sf->ctl.call = sf->tx.kick = sf->tx.call = -1;
	sf->memfd = memfd_create("snd-bench", MFD_CLOEXEC);
	if (sf->memfd < 0 || ftruncate(sf->memfd, MEM_SIZE))
		return fail(sf, "memfd: %s", strerror(errno));
	sf->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, sf->memfd, 0);
	if (sf->mem == MAP_FAILED) {
		sf->mem = NULL;
		return fail(sf, "mmap: %s", strerror(errno));
	}
	if (get_u64(sf, VHU_GET_FEATURES, &features) ||
	    get_u64(sf, VHU_GET_PROTOCOL_FEATURES, &proto))
		return -1;
	if ((features & want) != want || (proto & want_proto) != want_proto)
		return fail(sf, "backend lacks features: %#llx of %#llx, protocol %#llx of %#llx",
			    (unsigned long long)features, (unsigned long long)want,
			    (unsigned long long)proto, (unsigned long long)want_proto);
	vhu_msg_u64(&m, VHU_SET_PROTOCOL_FEATURES, want_proto);
	if (vhu_send(sf->sock, &m))
		return fail(sf, "sending SET_PROTOCOL_FEATURES");
	if (get_u64(sf, VHU_GET_QUEUE_NUM, &nq))
		return -1;
	if (nq < 4)
		return fail(sf, "backend has %llu queues, virtio-sound needs 4",
			    (unsigned long long)nq);
	vhu_msg_init(&m, VHU_SET_OWNER);
	if (acked(sf, &m))
		return -1;
	/* No EVENT_IDX, no INDIRECT_DESC: flag-based notification, plain
	 * chains, as simple and as deterministic as a driver can be. */
	vhu_msg_u64(&m, VHU_SET_FEATURES, want);
	if (acked(sf, &m))
		return -1;
	if (vhu_msg_mem_table(&m, &reg, &sf->memfd, 1))
		return fail(sf, "bad memory table");
	if (acked(sf, &m))
		return -1;
	if (ring_setup(sf, &sf->ctl, Q_CTL) || ring_setup(sf, &sf->tx, Q_TX))
		return -1;
	return 0;
}

static int kick(struct sf *sf, struct sf_ring *r)
{
	uint64_t one = 1;

	/* The device's hint (VRING_USED_F_NO_NOTIFY while it is popping
	 * anyway) is honoured as a driver honours it. */
	if (__atomic_load_n(&r->used->flags, __ATOMIC_ACQUIRE) & VRING_USED_F_NO_NOTIFY)
		return 0;
	if (write(r->kick, &one, sizeof(one)) != (ssize_t)sizeof(one))
		return fail(sf, "kick: %s", strerror(errno));
	return 0;
}

static void publish(struct sf_ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % SF_QUEUE_SIZE] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	/* the kick's flag check must not pass the index store */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Bounded wait until the used index moves past r->used_idx. */
static int wait_used(struct sf *sf, struct sf_ring *r)
{
	for (;;) {
		struct pollfd p = { .fd = r->call, .events = POLLIN };
		uint64_t v;
		int n;

		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) != r->used_idx)
			return 0;
		n = poll(&p, 1, sf->timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(sf, "poll: %s", strerror(errno));
		if (n == 0)
			return fail(sf, "queue %u: no completion within %d ms (%u in flight)",
				    r->index, sf->timeout_ms, r == &sf->tx ? sf->n_in_flight : 1);
		if (read(r->call, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return fail(sf, "call eventfd: %s", strerror(errno));
	}
}

/* One control request of `len' bytes; the answer's code must be OK. */
static int ctl(struct sf *sf, const void *req, uint32_t len, const char *what)
{
	struct sf_ring *r = &sf->ctl;
	struct virtio_snd_hdr *resp = (void *)(sf->mem + CTL_RESP);
	struct vring_used_elem e;

	memcpy(sf->mem + CTL_REQ, req, len);
	resp->code = 0;
	r->desc[0] = (struct vring_desc){ .addr = GPA + CTL_REQ, .len = len,
					  .flags = VRING_DESC_F_NEXT, .next = 1 };
	r->desc[1] = (struct vring_desc){ .addr = GPA + CTL_RESP, .len = sizeof(*resp),
					  .flags = VRING_DESC_F_WRITE };
	publish(r, 0);
	if (kick(sf, r) || wait_used(sf, r))
		return -1;
	e = r->used->ring[r->used_idx % SF_QUEUE_SIZE];
	r->used_idx++;
	if (e.id != 0 || e.len != sizeof(*resp))
		return fail(sf, "%s: used entry id %u len %u", what, e.id, e.len);
	if (resp->code != VIRTIO_SND_S_OK)
		return fail(sf, "%s: status %#x", what, resp->code);
	return 0;
}

static int pcm(struct sf *sf, uint32_t code, const char *what)
{
	struct virtio_snd_pcm_hdr h = { .hdr.code = code, .stream_id = 0 };

	return ctl(sf, &h, sizeof(h), what);
}

int sf_start_stream(struct sf *sf, const struct sf_params *p)
{
	struct virtio_snd_pcm_set_params sp = {
		.hdr = { .hdr.code = VIRTIO_SND_R_PCM_SET_PARAMS, .stream_id = 0 },
		.buffer_bytes = p->period_bytes * p->periods,
		.period_bytes = p->period_bytes,
		.channels = p->channels,
		.format = p->vformat,
		.rate = p->vrate,
	};
	struct sf_ring *r = &sf->tx;

	if (!p->period_bytes || p->period_bytes > SF_MAX_PERIOD || !p->periods)
		return fail(sf, "period of %u bytes: not 1..%u", p->period_bytes, SF_MAX_PERIOD);
	sf->p = *p;
	/* Each slot's chain is laid out once: header, payload, status. */
	for (uint32_t i = 0; i < SF_MAX_DEPTH; i++) {
		uint64_t a = GPA + TX_SLOT(i);
		struct virtio_snd_pcm_xfer *x = (void *)(sf->mem + TX_SLOT(i));

		x->stream_id = 0;
		memset(sf->mem + TX_SLOT(i) + TX_PAYLOAD, 0, p->period_bytes);
		r->desc[3 * i] = (struct vring_desc){ .addr = a, .len = sizeof(*x),
						      .flags = VRING_DESC_F_NEXT,
						      .next = (uint16_t)(3 * i + 1) };
		r->desc[3 * i + 1] = (struct vring_desc){ .addr = a + TX_PAYLOAD,
							  .len = p->period_bytes,
							  .flags = VRING_DESC_F_NEXT,
							  .next = (uint16_t)(3 * i + 2) };
		r->desc[3 * i + 2] = (struct vring_desc){ .addr = a + TX_STATUS,
							  .len = sizeof(struct virtio_snd_pcm_status),
							  .flags = VRING_DESC_F_WRITE };
	}
	if (ctl(sf, &sp, sizeof(sp), "PCM_SET_PARAMS") ||
	    pcm(sf, VIRTIO_SND_R_PCM_PREPARE, "PCM_PREPARE") ||
	    pcm(sf, VIRTIO_SND_R_PCM_START, "PCM_START"))
		return -1;
	return 0;
}

int sf_stop_stream(struct sf *sf)
{
	if (pcm(sf, VIRTIO_SND_R_PCM_STOP, "PCM_STOP") ||
	    pcm(sf, VIRTIO_SND_R_PCM_RELEASE, "PCM_RELEASE"))
		return -1;
	/* RELEASE completes every pending request before it is answered. */
	if (sf_tx_reap(sf) < 0)
		return -1;
	if (sf->n_in_flight)
		return fail(sf, "%u tx requests not completed by PCM_RELEASE", sf->n_in_flight);
	return 0;
}

int sf_tx_submit(struct sf *sf)
{
	uint32_t i;
	struct virtio_snd_pcm_status *st;

	for (i = 0; i < SF_MAX_DEPTH && sf->in_flight[i]; i++)
		;
	if (i == SF_MAX_DEPTH)
		return fail(sf, "more than %u tx requests in flight", SF_MAX_DEPTH);
	st = (void *)(sf->mem + TX_SLOT(i) + TX_STATUS);
	st->status = 0;		/* not OK: the device must write it */
	st->latency_bytes = 0;
	sf->in_flight[i] = true;
	sf->n_in_flight++;
	publish(&sf->tx, (uint16_t)(3 * i));
	return kick(sf, &sf->tx);
}

int sf_tx_reap(struct sf *sf)
{
	struct sf_ring *r = &sf->tx;
	uint16_t end = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	int n = 0;

	if ((uint16_t)(end - r->used_idx) > sf->n_in_flight)
		return fail(sf, "used index moved by %u with %u in flight",
			    (uint16_t)(end - r->used_idx), sf->n_in_flight);
	for (; r->used_idx != end; r->used_idx++, n++) {
		struct vring_used_elem e = r->used->ring[r->used_idx % SF_QUEUE_SIZE];
		uint32_t i = e.id / 3;
		const struct virtio_snd_pcm_status *st;

		if (e.id % 3 || i >= SF_MAX_DEPTH || !sf->in_flight[i])
			return fail(sf, "used id %u is not a request in flight", e.id);
		if (e.len != sizeof(*st))
			return fail(sf, "tx used length %u, not %zu", e.len, sizeof(*st));
		st = (const void *)(sf->mem + TX_SLOT(i) + TX_STATUS);
		if (st->status != VIRTIO_SND_S_OK)
			return fail(sf, "tx status %#x", st->status);
		sf->in_flight[i] = false;
		sf->n_in_flight--;
		sf->completed++;
	}
	return n;
}

int sf_tx_wait(struct sf *sf)
{
	if (!sf->n_in_flight)
		return fail(sf, "waiting with nothing in flight");
	if (wait_used(sf, &sf->tx))
		return -1;
	return sf_tx_reap(sf);
}

void sf_close(struct sf *sf)
{
	int *fds[] = { &sf->sock, &sf->memfd, &sf->ctl.kick, &sf->ctl.call, &sf->tx.kick,
		       &sf->tx.call };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (sf->mem)
		munmap(sf->mem, MEM_SIZE);
	sf->mem = NULL;
}
