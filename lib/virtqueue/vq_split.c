// SPDX-License-Identifier: MIT
#include "vq_split.h"

#include <endian.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

/* A ring's layout (virtio 1.x, 2.7): sizes with the event-index fields. */
static uint64_t desc_bytes(uint16_t num)
{
	return 16ull * num;
}

static uint64_t avail_bytes(uint16_t num)
{
	return 6ull + 2ull * num;
}

static uint64_t used_bytes(uint16_t num)
{
	return 6ull + 8ull * num;
}

/* Loads and stores of ring fields the driver also touches. */
static uint16_t load16(const void *p, int order)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, order));
}

static void store16(void *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)p, htole16(v), order);
}

/* Do the host ranges [a, a + alen) and [b, b + blen) share a byte? */
static bool overlap(const void *a, uint64_t alen, const void *b, uint64_t blen)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	return x < y + blen && y < x + alen;
}

static int fail(struct vq *vq, const char *why)
{
	vq->broken = true;
	vq->error = why;
	return -1;
}

void vq_fini(struct vq *vq)
{
	free(vq->busy);
	memset(vq, 0, sizeof(*vq));
}

int vq_init(struct vq *vq, const struct vq_mem *m, uint16_t num, uint64_t desc, uint64_t avail,
	    uint64_t used, uint16_t base, bool event_idx, bool indirect)
{
	memset(vq, 0, sizeof(*vq));
	if (num == 0 || (num & (num - 1)) != 0)
		return fail(vq, "queue size is not a power of 2");
	if ((desc & 15) || (avail & 1) || (used & 3))
		return fail(vq, "ring part misaligned");
	vq->desc = vq_mem_translate(m, desc, desc_bytes(num));
	vq->avail = vq_mem_translate(m, avail, avail_bytes(num));
	vq->used = vq_mem_translate(m, used, used_bytes(num));
	if (!vq->desc || !vq->avail || !vq->used)
		return fail(vq, "ring part outside driver memory");
	/* Overlapping parts would have our own stores (used index, flags)
	 * "add" requests: a driver bug or an attack, never a layout. */
	if (overlap(vq->desc, desc_bytes(num), vq->avail, avail_bytes(num)) ||
	    overlap(vq->desc, desc_bytes(num), vq->used, used_bytes(num)) ||
	    overlap(vq->avail, avail_bytes(num), vq->used, used_bytes(num)))
		return fail(vq, "ring parts overlap");
	vq->busy = calloc((num + 7u) / 8u, 1);
	if (!vq->busy)
		return fail(vq, "out of memory");
	vq->num = num;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail = base;
	/* The used index continues where the driver last saw it. */
	vq->used_idx = load16(&vq->used->idx, __ATOMIC_ACQUIRE);
	vq->broken = false;
	vq->error = NULL;
	return 0;
}

/* One descriptor, copied once out of the shared table. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static struct desc read_desc(const struct vring_desc *table, unsigned int i)
{
	struct vring_desc raw;

	memcpy(&raw, &table[i], sizeof(raw));
	return (struct desc){ le64toh(raw.addr), le32toh(raw.len), le16toh(raw.flags),
			      le16toh(raw.next) };
}

/* Add one descriptor's buffer to the element; checks order and address. */
static int add_segment(struct vq *vq, const struct vq_mem *m, struct vq_elem *e,
		       const struct desc *d)
{
	unsigned int n = e->out_num + e->in_num;
	void *p;

	if (n >= VQ_MAX_SEGS)
		return fail(vq, "request has too many segments");
	if (!(d->flags & VRING_DESC_F_WRITE) && e->in_num)
		return fail(vq, "readable descriptor after a writable one");
	p = vq_mem_translate(m, d->addr, d->len);
	if (!p)
		return fail(vq, "descriptor address outside driver memory");
	if (d->flags & VRING_DESC_F_WRITE)
		e->in_num++;
	else
		e->out_num++;
	e->iov[n].iov_base = p;
	e->iov[n].iov_len = d->len;
	return 0;
}

/* Walk an indirect table: its own chain, no nesting, bounded by its size. */
static int walk_indirect(struct vq *vq, const struct vq_mem *m, struct vq_elem *e,
			 const struct desc *d)
{
	const struct vring_desc *table;
	unsigned int count, i = 0, seen = 0;

	if (!vq->indirect)
		return fail(vq, "indirect descriptor without INDIRECT_DESC");
	if (d->flags & VRING_DESC_F_NEXT)
		return fail(vq, "indirect descriptor with NEXT set");
	if (d->len == 0 || d->len % 16 != 0 || d->len / 16 > VQ_MAX_SIZE)
		return fail(vq, "indirect table size invalid");
	if (d->addr & 15)
		return fail(vq, "indirect table misaligned");
	table = vq_mem_translate(m, d->addr, d->len);
	if (!table)
		return fail(vq, "indirect table outside driver memory");
	count = d->len / 16;
	for (;;) {
		struct desc id = read_desc(table, i);

		if (++seen > count)
			return fail(vq, "loop in indirect table");
		if (id.flags & VRING_DESC_F_INDIRECT)
			return fail(vq, "nested indirect table");
		if (add_segment(vq, m, e, &id) < 0)
			return -1;
		if (!(id.flags & VRING_DESC_F_NEXT))
			return 0;
		if (id.next >= count)
			return fail(vq, "indirect next index out of range");
		i = id.next;
	}
}

/*
 * The driver's available index: how many requests wait beyond the last
 * one taken, or -1 (queue broken) when that is more than a ring, which is
 * also what an index behind the last one taken looks like (our own store
 * moved it, with ring parts that alias, or the driver is lying).
 */
static int waiting(struct vq *vq)
{
	uint16_t n = (uint16_t)(load16(&vq->avail->idx, __ATOMIC_ACQUIRE) - vq->last_avail);

	if (n > vq->num)
		return fail(vq, "available index moved backwards or by more than the queue size");
	return n;
}

int vq_pop(struct vq *vq, const struct vq_mem *m, struct vq_elem *e)
{
	uint16_t head;
	unsigned int i, seen = 0;
	int n;

	if (vq->broken || vq->num == 0)
		return vq->broken ? -1 : 0;
	n = waiting(vq);
	if (n <= 0)
		return n;
	head = load16(&vq->avail->ring[vq->last_avail % vq->num], __ATOMIC_RELAXED);
	if (head >= vq->num)
		return fail(vq, "available head out of range");
	if (vq->busy[head / 8] & (1u << (head % 8)))
		return fail(vq, "available head is already in flight");

	e->head = head;
	e->out_num = 0;
	e->in_num = 0;
	i = head;
	for (;;) {
		struct desc d = read_desc(vq->desc, i);

		if (++seen > vq->num)
			return fail(vq, "loop in descriptor chain");
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor must be the chain's only one. */
			if (seen != 1)
				return fail(vq, "indirect descriptor inside a chain");
			if (walk_indirect(vq, m, e, &d) < 0)
				return -1;
			break;
		}
		if (add_segment(vq, m, e, &d) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= vq->num)
			return fail(vq, "next index out of range");
		i = d.next;
	}
	vq->last_avail++;
	vq->busy[head / 8] |= (uint8_t)(1u << (head % 8));
	vq->inflight++;
	if (vq->event_idx && !vq->kicks_off)
		store16(&vq->used->ring[vq->num], vq->last_avail, __ATOMIC_RELAXED);
	return 1;
}

int vq_push(struct vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *u;

	if (vq->num == 0 || head >= vq->num || !(vq->busy[head / 8] & (1u << (head % 8))))
		return -1;
	vq->busy[head / 8] &= (uint8_t)~(1u << (head % 8));
	vq->inflight--;
	u = &vq->used->ring[vq->used_idx % vq->num];
	u->id = htole32(head);
	u->len = htole32(len);
	vq->used_idx++;
	/* The entry must be visible before the index that publishes it. */
	store16(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool vq_should_notify(struct vq *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx, event;
	bool valid = vq->signalled_valid;

	if (vq->num == 0)
		return false;
	/* Our used index store against the driver's flags/event store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(&vq->avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (valid && old == now)
		return false;
	if (!valid)
		return true;
	event = load16(&vq->avail->ring[vq->num], __ATOMIC_RELAXED);
	/* vring_need_event: did the used index cross the driver's event index? */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool vq_set_notify(struct vq *vq, bool enable)
{
	if (vq->num == 0 || vq->broken)
		return false;
	vq->kicks_off = !enable;
	if (vq->event_idx) {
		if (!enable)
			return false; /* the avail event index trails us from now on */
		store16(&vq->used->ring[vq->num], vq->last_avail, __ATOMIC_RELAXED);
	} else {
		uint16_t flags = load16(&vq->used->flags, __ATOMIC_RELAXED);

		flags = enable ? (uint16_t)(flags & ~VRING_USED_F_NO_NOTIFY) :
				 (uint16_t)(flags | VRING_USED_F_NO_NOTIFY);
		store16(&vq->used->flags, flags, __ATOMIC_RELAXED);
		if (!enable)
			return false;
	}
	/* Our flag/event store against the driver's next available index store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* An index behind what we took breaks the queue here too: saying
	 * "more" would have the caller pop nothing and ask again for ever. */
	return waiting(vq) > 0;
}
