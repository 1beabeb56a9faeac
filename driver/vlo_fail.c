// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: failing in-flight requests when the backend is gone.
 *
 * Breaking a virtqueue only stops new requests: virtqueue_get_buf()
 * returns nothing on a broken queue, and a driver that waits for every
 * request it submitted (virtio_blk: del_gendisk() in remove waits for the
 * queue to drain, and it has no request timeout in 6.1 or 6.12) then waits
 * forever. So for such devices the module does not break the queues: it
 * revokes the backend's window and becomes the device itself, answering
 * every request the backend left behind, and every later one, with an
 * error, through the used ring as a device would.
 *
 * That needs to know which heads are in flight, which only the driver
 * knows (in virtio_ring's private state). The module keeps its own count
 * of it from the ring: a head is in flight from the avail entry that
 * carries it until the used entry that returns it. Every request maps at
 * least one buffer before its head is published, and a map is a point
 * where the rings are looked at (as are kicks and calls), so no more than
 * a ring's worth of entries can pass unseen. Used entries are checked
 * before the driver is told about them: an id out of range or a head not
 * in flight breaks the device before virtio_ring sees it.
 *
 * Only split rings (packed is not offered to these devices), and only
 * devices whose error convention is known: virtio-blk, whose status is the
 * last byte of the last device-writable buffer.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <uapi/linux/virtio_blk.h>

#include "vlo.h"

bool vlo_fail_wanted(u32 device_id)
{
	return device_id == VIRTIO_ID_BLOCK;
}

/*
 * Devices whose backend answers every request soon, with nothing parked
 * for input that may never come (as virtio-snd, -console or -net park
 * theirs): requests held with none answered for the stall bound mean a
 * stuck backend. Breaking the device fails a blk request in flight; an
 * rng reader ends when the adapter removes the broken device.
 */
bool vlo_stall_wanted(u32 device_id)
{
	return device_id == VIRTIO_ID_BLOCK || device_id == VIRTIO_ID_RNG;
}

int vlo_track_start(struct vlo_queue *q, struct virtqueue *vq)
{
	unsigned int num = virtqueue_get_vring_size(vq);
	struct vlo_track *t, *old;
	unsigned long flags;

	t = kzalloc(struct_size(t, inflight, num), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->vring = *virtqueue_get_vring(vq);
	t->num = num;
	t->shadow = q->shadow;
	t->idle_at = jiffies;
	spin_lock_irqsave(&q->track_lock, flags);
	old = q->track;
	q->track = t;
	spin_unlock_irqrestore(&q->track_lock, flags);
	kfree(old);
	return 0;
}

/* The driver reset the device (@free: and deletes the ring). */
void vlo_track_stop(struct vlo_queue *q, bool free)
{
	struct vlo_track *t = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->track_lock, flags);
	if (free) {
		t = q->track;
		q->track = NULL;
	} else if (q->track) {
		q->track->stopped = true;
	}
	spin_unlock_irqrestore(&q->track_lock, flags);
	kfree(t);
}

/* Read descriptor @i of an indirect table at @table, or of the ring. */
static bool vlo_read_desc(struct vlo_dev *vlo, struct vlo_track *t,
			  u64 table, unsigned int i, struct vring_desc *d)
{
	if (!table) {
		*d = t->vring.desc[i];
		return true;
	}
	return !vlo_window_access(vlo, table + (u64)i * sizeof(*d), d,
				  sizeof(*d), false);
}

/*
 * A descriptor chain as the device sees it: from the ring, through at most
 * one indirect table. Each part is bounded by its own size (the count
 * restarts in the table: an increment after the switch once cost the table
 * its last entry, virtio-blk's status).
 */
struct vlo_chain {
	u64 table;		/* the indirect table walked, or 0: the ring */
	unsigned int i, n, steps;
	bool done;		/* nothing more to read */
	bool end;		/* a descriptor without NEXT was read */
};

static void vlo_chain_start(struct vlo_chain *c, struct vlo_track *t, u16 head)
{
	*c = (struct vlo_chain){ .i = head, .n = t->num };
}

/*
 * The chain's next descriptor, the ring's INDIRECT one included (its table
 * is a buffer too). False at the end, or at a descriptor that cannot be
 * read or a next index out of range.
 */
static bool vlo_chain_next(struct vlo_dev *vlo, struct vlo_track *t,
			   struct vlo_chain *c, struct vring_desc *d)
{
	struct virtio_device *vdev = &vlo->vdev;
	u16 flags;

	if (c->done || c->steps++ >= c->n ||
	    !vlo_read_desc(vlo, t, c->table, c->i, d)) {
		c->done = true;
		return false;
	}
	flags = virtio16_to_cpu(vdev, d->flags);
	if (!c->table && (flags & VRING_DESC_F_INDIRECT)) {
		c->table = virtio64_to_cpu(vdev, d->addr);
		c->n = virtio32_to_cpu(vdev, d->len) / sizeof(*d);
		c->i = 0;
		c->steps = 0;
	} else if (!(flags & VRING_DESC_F_NEXT)) {
		c->done = true;
		c->end = true;
	} else {
		c->i = virtio16_to_cpu(vdev, d->next);
		c->done = c->i >= c->n;
	}
	return true;
}

/*
 * Zero-copy: on publish, make the direct maps of the chain at @head
 * visible; otherwise (a used entry names it) hide them, and return true
 * if one still waits for its zap.
 */
static bool vlo_chain_walk(struct vlo_dev *vlo, struct vlo_track *t, u16 head,
			   bool publish)
{
	struct virtio_device *vdev = &vlo->vdev;
	struct vlo_chain c;
	struct vring_desc d;
	bool wait = false;
	u64 addr;

	vlo_chain_start(&c, t, head);
	while (vlo_chain_next(vlo, t, &c, &d)) {
		addr = virtio64_to_cpu(vdev, d.addr);
		/* A table of whole pages (over 8 KiB) may be direct too. */
		if (publish)
			vlo_direct_publish(vlo, addr, virtio32_to_cpu(vdev, d.len));
		else
			wait |= vlo_direct_hide(vlo, addr);
	}
	return wait;
}

/*
 * Zero-copy: check the backend's new shadow entries and copy the good ones
 * into the real used ring, which only the kernel writes; stop at the first
 * bad one. Each entry is read once (the backend may change it meanwhile).
 * When the avail side was lost, only the id's range can be checked
 * (virtio_ring still refuses a head it did not hand out).
 */
static bool vlo_track_shadow(struct vlo_dev *vlo, struct vlo_track *t)
{
	struct virtio_device *vdev = &vlo->vdev;
	struct vring_used *real = t->vring.used;
	unsigned int mask = t->num - 1;
	u16 used, p, start = t->used_seen;
	bool ok = true, wait = false;
	u32 head, len;

	used = virtio16_to_cpu(vdev, READ_ONCE(t->shadow->idx));
	smp_rmb();	/* the index before the entries it publishes */
	if ((u16)(used - t->used_seen) > t->num)
		return false;
	for (p = t->used_seen; p != used; p++) {
		head = virtio32_to_cpu(vdev, READ_ONCE(t->shadow->ring[p & mask].id));
		len = virtio32_to_cpu(vdev, READ_ONCE(t->shadow->ring[p & mask].len));
		if (head >= t->num || (!t->lost && !t->inflight[head])) {
			ok = wait;	/* a later pass decides */
			break;
		}
		/*
		 * Its direct maps must be zapped before the driver sees it, in
		 * process context: hide them, and those of the entries after
		 * it (one zap for the batch), and copy none of them now.
		 */
		if (vlo->zero_copy && vlo_chain_walk(vlo, t, head, false))
			wait = true;
		if (wait)
			continue;
		t->inflight[head] = 0;
		WRITE_ONCE(real->ring[p & mask].id, cpu_to_virtio32(vdev, head));
		WRITE_ONCE(real->ring[p & mask].len, cpu_to_virtio32(vdev, len));
		t->used_seen = p + 1;
	}
	if (t->used_seen != start) {
		smp_wmb();	/* entries before the index the driver reads */
		WRITE_ONCE(real->idx, cpu_to_virtio16(vdev, t->used_seen));
	}
	if (wait)
		queue_work(system_highpri_wq, &vlo->revoke_work);
	return ok;
}

/*
 * Account for the entries added to both rings since the last look.
 * Returns false if the used ring holds something no device may write.
 * Caller holds the queue's track_lock.
 */
static bool vlo_track_pass(struct vlo_dev *vlo, struct vlo_track *t)
{
	struct virtio_device *vdev = &vlo->vdev;
	struct vring *vr = &t->vring;
	unsigned int mask = t->num - 1;
	u16 avail, used, p;
	u32 head;

	if (t->stopped || (t->lost && !t->shadow))
		return true;
	/* Used first: whatever it returns was added before we read avail. */
	used = t->shadow ? t->used_seen :
	       virtio16_to_cpu(vdev, READ_ONCE(vr->used->idx));
	smp_rmb();	/* used idx before avail idx, as said above */
	avail = virtio16_to_cpu(vdev, READ_ONCE(vr->avail->idx));
	smp_rmb();	/* indices before the entries they publish */
	if (t->lost)
		goto shadow;
	if ((u16)(avail - t->avail_seen) > t->num) {
		t->lost = true;
		goto shadow;
	}
	for (p = t->avail_seen; p != avail; p++) {
		head = virtio16_to_cpu(vdev, READ_ONCE(vr->avail->ring[p & mask]));
		if (head >= t->num || t->inflight[head]) {
			t->lost = true;
			goto shadow;
		}
		t->inflight[head] = 1;
		if (vlo->zero_copy)
			vlo_chain_walk(vlo, t, head, true);
	}
	t->avail_seen = avail;
shadow:
	/*
	 * Once the module is the device, the shadow is the dead backend's:
	 * the real ring, which the module now writes itself, is ahead of it,
	 * and its stale entries must not complete new requests.
	 */
	if (t->shadow)
		return READ_ONCE(vlo->failing) || vlo_track_shadow(vlo, t);
	if (t->lost)
		return true;
	if ((u16)(used - t->used_seen) > t->num)
		return false;
	for (p = t->used_seen; p != used; p++) {
		head = virtio32_to_cpu(vdev, READ_ONCE(vr->used->ring[p & mask].id));
		if (head >= t->num || !t->inflight[head])
			return false;
		t->inflight[head] = 0;
		t->used_seen = p + 1;
	}
	return true;
}

static void vlo_bad_used(struct vlo_dev *vlo)
{
	set_bit(VLO_BREAK_BAD_USED, &vlo->break_why);
	queue_work(system_unbound_wq, &vlo->break_work);
}

/* Look at queue @q's rings (zero-copy: at a kick). Any context. */
void vlo_track_queue(struct vlo_queue *q)
{
	unsigned long flags;
	bool ok = true;

	spin_lock_irqsave(&q->track_lock, flags);
	if (q->track)
		ok = vlo_track_pass(q->vlo, q->track);
	spin_unlock_irqrestore(&q->track_lock, flags);
	if (!ok && !READ_ONCE(q->vlo->failing))
		vlo_bad_used(q->vlo);
}

/*
 * Zero-copy: completions whose direct maps are now zapped go to the driver.
 * Process context.
 */
void vlo_track_deliver(struct vlo_dev *vlo)
{
	unsigned int i;

	for (i = 0; i < vlo->num_queues; i++) {
		struct vlo_queue *q = &vlo->queues[i];

		spin_lock_irq(&q->lock);
		if (q->vq && vlo_track_call(q))
			vring_interrupt(0, q->vq);
		spin_unlock_irq(&q->lock);
	}
}

/* A buffer is about to be mapped: look at every ring. Any context. */
void vlo_track_all(struct vlo_dev *vlo)
{
	unsigned int i;

	for (i = 0; i < vlo->num_queues; i++)
		vlo_track_queue(&vlo->queues[i]);
}

/*
 * The backend signalled its call eventfd: may the driver look at the used
 * ring? Caller holds q->lock, irqs off.
 */
bool vlo_track_call(struct vlo_queue *q)
{
	struct vlo_dev *vlo = q->vlo;
	bool ok = true;

	if (READ_ONCE(vlo->failing))
		return false;
	spin_lock(&q->track_lock);
	if (q->track)
		ok = vlo_track_pass(vlo, q->track);
	spin_unlock(&q->track_lock);
	if (!ok)
		vlo_bad_used(vlo);
	return ok;
}

/*
 * Make the request at @head fail: virtio-blk's status is the last byte of
 * the last buffer the device may write. The descriptors are the driver's
 * (the backend can no longer touch the window), and every write goes
 * through the window, into a bounce page of a buffer mapped for the device.
 */
static void vlo_fail_head(struct vlo_dev *vlo, struct vlo_track *t, u16 head)
{
	struct virtio_device *vdev = &vlo->vdev;
	u8 err = VIRTIO_BLK_S_IOERR;
	struct vlo_chain c;
	struct vring_desc d;
	u64 status = 0;
	u16 flags;
	u32 len;

	vlo_chain_start(&c, t, head);
	while (vlo_chain_next(vlo, t, &c, &d)) {
		flags = virtio16_to_cpu(vdev, d.flags);
		len = virtio32_to_cpu(vdev, d.len);
		if (flags & VRING_DESC_F_INDIRECT)
			continue;
		if ((flags & VRING_DESC_F_WRITE) && len)
			status = virtio64_to_cpu(vdev, d.addr) + len - 1;
	}
	/* Only at the chain's real end: never into a data buffer. */
	if (c.end && status)
		vlo_window_access(vlo, status, &err, 1, true);
}

/* Return every head in flight, failed. Caller holds q->track_lock. */
static unsigned int vlo_fail_queue(struct vlo_dev *vlo, struct vlo_track *t)
{
	struct virtio_device *vdev = &vlo->vdev;
	struct vring *vr = &t->vring;
	unsigned int h, done = 0, round;
	u16 avail;

	for (round = 0; round < 4; round++) {
		/* A bad used ring is overwritten from its first bad entry. */
		vlo_track_pass(vlo, t);
		if (t->lost || t->stopped)
			break;
		for (h = 0; h < t->num; h++) {
			struct vring_used_elem *e;

			if (!t->inflight[h])
				continue;
			vlo_fail_head(vlo, t, h);
			e = &vr->used->ring[t->used_seen & (t->num - 1)];
			WRITE_ONCE(e->id, cpu_to_virtio32(vdev, h));
			WRITE_ONCE(e->len, 0);
			t->inflight[h] = 0;
			t->used_seen++;
			done++;
		}
		smp_wmb();	/* entries before the index the driver reads */
		WRITE_ONCE(vr->used->idx, cpu_to_virtio16(vdev, t->used_seen));
		/* Ask for a kick on every new request. */
		WRITE_ONCE(vr->used->flags, 0);
		WRITE_ONCE(vring_avail_event(vr),
			   cpu_to_virtio16(vdev, t->avail_seen));
		smp_mb();	/* avail_event before re-reading avail idx */
		avail = virtio16_to_cpu(vdev, READ_ONCE(vr->avail->idx));
		if (avail == t->avail_seen)
			break;
	}
	return done;
}

/*
 * The device is broken or its owner gone: from now on the module answers
 * for it. Process context.
 */
void vlo_fail_start(struct vlo_dev *vlo)
{
	vlo_window_revoke(vlo);
	queue_work(system_unbound_wq, &vlo->fail_work);
}

/* Fail what is in flight; queued again by every kick while failing. */
void vlo_fail_work(struct work_struct *work)
{
	struct vlo_dev *vlo = container_of(work, struct vlo_dev, fail_work);
	unsigned int i;
	bool lost, deliver;

	for (i = 0; i < vlo->num_queues; i++) {
		struct vlo_queue *q = &vlo->queues[i];

		spin_lock_irq(&q->lock);
		if (!q->vq) {
			spin_unlock_irq(&q->lock);
			continue;
		}
		spin_lock(&q->track_lock);
		lost = false;
		deliver = false;
		if (q->track) {
			unsigned int done = vlo_fail_queue(vlo, q->track);

			lost = q->track->lost;
			/*
			 * Good entries the backend wrote before a bad one were
			 * accepted but never delivered: the driver must see them
			 * even when nothing was left in flight to fail.
			 */
			deliver = done || (!lost && !q->track->stopped);
		}
		spin_unlock(&q->track_lock);
		if (deliver) {
			/* virtio_ring may have seen a bad entry first. */
			if (virtqueue_is_broken(q->vq))
				__virtqueue_unbreak(q->vq);
			vring_interrupt(0, q->vq);
		} else if (lost) {
			virtio_break_device(&vlo->vdev);
		}
		spin_unlock_irq(&q->lock);
		if (lost)
			dev_warn_once(&vlo->parent,
				      "queue %u: lost track of requests, they may not complete\n",
				      i);
	}
}

/*
 * A queue is stalled when requests are in flight (each avail entry gets
 * exactly one used entry, so avail_seen != used_seen) and none came back
 * since the last time it was idle or progressing, for longer than the
 * device's bound. Caller holds q->track_lock.
 */
static bool vlo_queue_stalled(struct vlo_dev *vlo, struct vlo_track *t)
{
	if (t->lost || t->stopped)
		return false;
	if (t->avail_seen == t->used_seen || t->used_seen != t->used_last) {
		t->used_last = t->used_seen;
		t->idle_at = jiffies;
		return false;
	}
	return time_after(jiffies, t->idle_at + vlo->stall);
}

/* Runs every quarter of the stall bound until the device breaks. */
void vlo_stall_work(struct work_struct *work)
{
	struct vlo_dev *vlo = container_of(to_delayed_work(work),
					   struct vlo_dev, stall_work);
	bool ok = true, stalled = false;
	unsigned long flags;
	unsigned int i;

	if (vlo_gone(vlo))
		return;
	for (i = 0; i < vlo->num_queues; i++) {
		struct vlo_queue *q = &vlo->queues[i];

		spin_lock_irqsave(&q->track_lock, flags);
		if (q->track) {
			ok &= vlo_track_pass(vlo, q->track);
			stalled |= vlo_queue_stalled(vlo, q->track);
		}
		spin_unlock_irqrestore(&q->track_lock, flags);
	}
	if (!ok && !READ_ONCE(vlo->failing)) {
		vlo_bad_used(vlo);
		return;
	}
	if (stalled) {
		vlo_break(vlo, "backend stopped answering requests");
		return;
	}
	queue_delayed_work(system_unbound_wq, &vlo->stall_work,
			   vlo->stall / 4 + 1);
}
