// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the virtio transport, one function per config op.
 *
 * Everything the driver does is reported to user space as an event; only
 * DRIVER_OK and reset wait for an answer, and never longer than the
 * timeout fixed at create.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vlo.h"

/* Transport features the ring and this transport honour. */
#define VLO_TRANSPORT_FEATURES					\
	(BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |			\
	 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |			\
	 BIT_ULL(VIRTIO_F_VERSION_1) |				\
	 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |			\
	 BIT_ULL(VIRTIO_F_RING_PACKED) |			\
	 BIT_ULL(VIRTIO_F_IN_ORDER))

/* Device-specific feature bits: 0 to 23 and 50 up. */
#define VLO_DEVICE_FEATURES	(GENMASK_ULL(23, 0) | GENMASK_ULL(63, 50))

u64 vlo_offered_features(u64 device_features, u32 device_id, u32 flags)
{
	u64 f = (device_features & (VLO_DEVICE_FEATURES | VLO_TRANSPORT_FEATURES)) |
		BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);

	/* Failing requests in flight is done for split rings only. */
	if (vlo_fail_wanted(device_id))
		f &= ~BIT_ULL(VIRTIO_F_RING_PACKED);
	/*
	 * Zero-copy: the kernel owns the used ring and filters kicks through
	 * the shadow's flags; the driver must kick after every publish, which
	 * used flags 0 guarantee without event-idx (see vlo_notify()).
	 */
	if (flags & VLO_CREATE_F_ZERO_COPY)
		f &= ~(BIT_ULL(VIRTIO_F_RING_PACKED) |
		       BIT_ULL(VIRTIO_RING_F_EVENT_IDX));
	return f;
}

static bool vlo_config_range_ok(struct vlo_dev *vlo, unsigned int offset,
				unsigned int len)
{
	return offset <= vlo->config_size && len <= vlo->config_size - offset;
}

static void vlo_get(struct virtio_device *vdev, unsigned int offset,
		    void *buf, unsigned int len)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	unsigned long flags;

	if (!vlo_config_range_ok(vlo, offset, len)) {
		memset(buf, 0, len);
		return;
	}
	spin_lock_irqsave(&vlo->config_lock, flags);
	memcpy(buf, vlo->config + offset, len);
	spin_unlock_irqrestore(&vlo->config_lock, flags);
}

static void vlo_set(struct virtio_device *vdev, unsigned int offset,
		    const void *buf, unsigned int len)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	struct vlo_event ev = { .type = VLO_EV_CONFIG };
	unsigned long flags;
	unsigned int n;

	if (!vlo_config_range_ok(vlo, offset, len))
		return;
	spin_lock_irqsave(&vlo->config_lock, flags);
	memcpy(vlo->config + offset, buf, len);
	spin_unlock_irqrestore(&vlo->config_lock, flags);
	/* Events carry at most 8 bytes: split larger writes. */
	while (len) {
		n = min_t(unsigned int, len, sizeof(ev.data));
		ev.offset = offset;
		ev.len = n;
		memcpy(ev.data, buf, n);
		vlo_event_push(vlo, &ev);
		buf += n;
		offset += n;
		len -= n;
	}
}

static u32 vlo_generation(struct virtio_device *vdev)
{
	return READ_ONCE(vdev_to_vlo(vdev)->generation);
}

static u8 vlo_get_status(struct virtio_device *vdev)
{
	return READ_ONCE(vdev_to_vlo(vdev)->status);
}

static void vlo_set_status(struct virtio_device *vdev, u8 status)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	struct vlo_event ev = { .type = VLO_EV_STATUS, .status = status };
	u8 old = READ_ONCE(vlo->status);
	int ret;

	WRITE_ONCE(vlo->status, status);
	if (!(status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		vlo_event_push(vlo, &ev);
		return;
	}
	/* The backend must be ready before the driver's first request. */
	ret = vlo_event_sync(vlo, &ev);
	if (ret)
		vlo_break(vlo, ret == -ETIMEDOUT ? "DRIVER_OK not acknowledged" :
			  "DRIVER_OK refused");
}

static void vlo_reset(struct virtio_device *vdev)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	struct vlo_event ev = { .type = VLO_EV_RESET };
	unsigned long flags;
	unsigned int i;

	/*
	 * register_virtio_device() resets the device right after it has set
	 * up vdev's lists and locks: from now on, breaking it is safe.
	 */
	spin_lock_irqsave(&vlo->state_lock, flags);
	vlo->vdev_live = true;
	spin_unlock_irqrestore(&vlo->state_lock, flags);
	/*
	 * Wait for the backend to stop using the rings, so that the driver
	 * can reuse its buffers (a device that never left status 0 has
	 * nothing to stop). A backend that does not answer only delays
	 * this: the window is revoked when the rings are freed anyway.
	 */
	if (!READ_ONCE(vlo->status))
		vlo_event_push(vlo, &ev);
	else if (vlo_event_sync(vlo, &ev) == -ETIMEDOUT)
		dev_warn(&vlo->parent, "backend did not acknowledge reset\n");
	for (i = 0; i < vlo->num_queues; i++) {
		clear_bit(0, &vlo->queues[i].kick_pending);
		vlo_track_stop(&vlo->queues[i], false);
	}
	/* What the driver detaches now completes without a used entry. */
	if (vlo->zero_copy)
		vlo_direct_revoke_all(vlo);
	WRITE_ONCE(vlo->status, 0);
}

static void vlo_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VLO_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

void vlo_kick_signal(struct vlo_queue *q)
{
	struct eventfd_ctx *ctx;

	rcu_read_lock();
	ctx = rcu_dereference(q->kick);
	if (ctx)
		vlo_eventfd_signal(ctx);
	else
		set_bit(0, &q->kick_pending);
	rcu_read_unlock();
}

/*
 * Zero-copy: the real used ring's flags stay 0, so the driver kicks after
 * every publish, and the backend's wish, in the shadow ring's flags, is
 * applied here. virtqueue_kick_prepare() put a full barrier between the
 * driver's avail index and this read; a backend that clears
 * VRING_USED_F_NO_NOTIFY and then re-reads the avail index (as the spec
 * asks) either sees the new entries or is kicked. The avail entries are
 * accounted for first, so no more than a ring's worth passes unseen.
 */
static bool vlo_shadow_wants_kick(struct vlo_queue *q)
{
	struct vring_used *shadow = READ_ONCE(q->shadow);

	vlo_track_queue(q);
	if (!shadow)
		return true;
	smp_mb();	/* the driver's avail index before the backend's flags */
	return !(virtio16_to_cpu(&q->vlo->vdev, READ_ONCE(shadow->flags)) &
		 VRING_USED_F_NO_NOTIFY);
}

/*
 * Called in any context. A kick from inside our call hook runs under the
 * call eventfd's lock: if user space gave the same eventfd for kick and
 * call, signalling it there would deadlock, and eventfd_signal() refuses to
 * nest in another eventfd's wakeup anyway. Such kicks go to a work item.
 */
static bool vlo_notify(struct virtqueue *vq)
{
	struct vlo_dev *vlo = vdev_to_vlo(vq->vdev);
	struct vlo_queue *q = &vlo->queues[vq->index];

	/* The module is the device now: fail what was added. */
	if (READ_ONCE(vlo->failing)) {
		queue_work(system_unbound_wq, &vlo->fail_work);
		return true;
	}
	if (vlo->zero_copy && !vlo_shadow_wants_kick(q))
		return true;
	if (eventfd_signal_allowed() &&
	    !(irqs_disabled() && atomic_read(&vlo->firing)))
		vlo_kick_signal(q);
	else
		queue_work(system_highpri_wq, &q->kick_work);
	return true;
}

/*
 * Zero-copy: the used ring the backend writes, a window area of its own
 * (device-owned pages, writable by the backend, zeroed: flags 0, index 0).
 */
static int vlo_shadow_alloc(struct vlo_dev *vlo, struct vlo_queue *q,
			    struct virtqueue *vq)
{
	unsigned int num = virtqueue_get_vring_size(vq);
	struct vring_used *shadow;
	dma_addr_t iova;
	size_t size;

	/* The ring, then avail_event (never read without event-idx). */
	size = PAGE_ALIGN(struct_size(shadow, ring, num) + sizeof(__virtio16));
	shadow = dma_alloc_coherent(&vlo->parent, size, &iova, GFP_KERNEL);
	if (!shadow)
		return -ENOMEM;
	q->shadow_iova = iova;
	q->shadow_size = size;
	WRITE_ONCE(q->shadow, shadow);
	return 0;
}

/* After the queue's track is gone: nothing reads the shadow any more. */
static void vlo_shadow_free(struct vlo_dev *vlo, struct vlo_queue *q)
{
	struct vring_used *shadow = q->shadow;

	if (!shadow)
		return;
	WRITE_ONCE(q->shadow, NULL);
	dma_free_coherent(&vlo->parent, q->shadow_size, shadow,
			  q->shadow_iova);
}

static struct virtqueue *vlo_setup_vq(struct vlo_dev *vlo, unsigned int index,
				      vq_callback_t *callback,
				      const char *name, bool ctx)
{
	struct vlo_event ev = { .type = VLO_EV_QUEUE, .queue = index };
	struct vlo_queue *q;
	struct virtqueue *vq;

	if (index >= vlo->num_queues)
		return ERR_PTR(-ENOENT);
	q = &vlo->queues[index];
	/*
	 * Page alignment puts a split ring's used ring on a page of its own,
	 * so everything before it can be read-only for the backend (at most
	 * one more page per ring).
	 */
	vq = vring_create_virtqueue(index, vlo->max_queue_size, PAGE_SIZE,
				    &vlo->vdev, true, true, ctx, vlo_notify,
				    callback, name);
	if (!vq)
		return ERR_PTR(-ENOMEM);
	/* In a packed ring the device writes descriptors too. */
	if (!virtio_has_feature(&vlo->vdev, VIRTIO_F_RING_PACKED))
		vlo_window_protect_ring(vlo, virtqueue_get_desc_addr(vq),
					virtqueue_get_used_addr(vq),
					vlo->zero_copy);
	if (vlo->zero_copy && vlo_shadow_alloc(vlo, q, vq)) {
		vring_del_virtqueue(vq);
		return ERR_PTR(-ENOMEM);
	}
	if (vlo->tracked && vlo_track_start(q, vq)) {
		vlo_shadow_free(vlo, q);
		vring_del_virtqueue(vq);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_irq(&q->lock);
	q->vq = vq;
	spin_unlock_irq(&q->lock);
	ev.num = virtqueue_get_vring_size(vq);
	ev.desc = virtqueue_get_desc_addr(vq);
	ev.avail = virtqueue_get_avail_addr(vq);
	ev.used = q->shadow ? q->shadow_iova : virtqueue_get_used_addr(vq);
	vlo_event_push(vlo, &ev);
	return vq;
}

static void vlo_del_vqs(struct virtio_device *vdev)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	struct virtqueue *vq, *n;
	struct vlo_queue *q;

	list_for_each_entry_safe(vq, n, &vdev->vqs, list) {
		q = &vlo->queues[vq->index];
		spin_lock_irq(&q->lock);
		q->vq = NULL;
		spin_unlock_irq(&q->lock);
		vlo_track_stop(q, true);
		vlo_shadow_free(vlo, q);
		vring_del_virtqueue(vq);
	}
}

#ifdef VLO_HAVE_VIRTQUEUE_INFO
static int vlo_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			struct virtqueue *vqs[],
			struct virtqueue_info vqs_info[],
			struct irq_affinity *desc)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	unsigned int i, index = 0;

	for (i = 0; i < nvqs; i++) {
		struct virtqueue_info *info = &vqs_info[i];

		vqs[i] = NULL;
		if (!info->name)
			continue;
		vqs[i] = vlo_setup_vq(vlo, index++, info->callback, info->name,
				      info->ctx);
		if (IS_ERR(vqs[i])) {
			int ret = PTR_ERR(vqs[i]);

			vlo_del_vqs(vdev);
			return ret;
		}
	}
	return 0;
}
#else
static int vlo_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			struct virtqueue *vqs[], vq_callback_t *callbacks[],
			const char * const names[], const bool *ctx,
			struct irq_affinity *desc)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	unsigned int i, index = 0;

	for (i = 0; i < nvqs; i++) {
		vqs[i] = NULL;
		if (!names[i])
			continue;
		vqs[i] = vlo_setup_vq(vlo, index++, callbacks[i], names[i],
				      ctx ? ctx[i] : false);
		if (IS_ERR(vqs[i])) {
			int ret = PTR_ERR(vqs[i]);

			vlo_del_vqs(vdev);
			return ret;
		}
	}
	return 0;
}
#endif

/* Callbacks run under each queue's lock: taking it waits for them. */
static void vlo_synchronize_cbs(struct virtio_device *vdev)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	unsigned int i;

	for (i = 0; i < vlo->num_queues; i++) {
		spin_lock_irq(&vlo->queues[i].lock);
		spin_unlock_irq(&vlo->queues[i].lock);
	}
}

static u64 vlo_get_features(struct virtio_device *vdev)
{
	return vdev_to_vlo(vdev)->offered;
}

static int vlo_finalize_features(struct virtio_device *vdev)
{
	struct vlo_dev *vlo = vdev_to_vlo(vdev);
	struct vlo_event ev = { .type = VLO_EV_FEATURES };

	vring_transport_features(vdev);
	/* Without ACCESS_PLATFORM the ring would bypass the IOVA window. */
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1) ||
	    !__virtio_test_bit(vdev, VIRTIO_F_ACCESS_PLATFORM) ||
	    (vdev->features & ~vlo->offered))
		return -EINVAL;
	ev.features = vdev->features;
	vlo_event_push(vlo, &ev);
	return 0;
}

static const char *vlo_bus_name(struct virtio_device *vdev)
{
	return dev_name(&vdev_to_vlo(vdev)->parent);
}

/* No shared memory regions: the window is for rings and buffers only. */
static bool vlo_get_shm_region(struct virtio_device *vdev,
			       struct virtio_shm_region *region, u8 id)
{
	return false;
}

const struct virtio_config_ops vlo_config_ops = {
	.get = vlo_get,
	.set = vlo_set,
	.generation = vlo_generation,
	.get_status = vlo_get_status,
	.set_status = vlo_set_status,
	.reset = vlo_reset,
	.find_vqs = vlo_find_vqs,
	.del_vqs = vlo_del_vqs,
	.synchronize_cbs = vlo_synchronize_cbs,
	.get_features = vlo_get_features,
	.finalize_features = vlo_finalize_features,
	.bus_name = vlo_bus_name,
	.get_shm_region = vlo_get_shm_region,
};
