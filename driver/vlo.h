/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-loopback: internal definitions shared by the module's files.
 */
#ifndef VLO_H
#define VLO_H

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/virtio.h>
#include <linux/virtio_ring.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "uapi/virtio_loopback.h"

#define VLO_MAX_DEVICES		1024
#define VLO_EVENT_RING		256
/* Window offset of the first IOVA: 0 is never a valid ring or buffer. */
#define VLO_IOVA_BASE		SZ_1M
/* Largest single streaming mapping; bounce pages are allocated atomically. */
#define VLO_MAX_MAP		SZ_1M

struct vlo_dev;

/* An eventfd whose signal runs a function in the kernel (as KVM's irqfd). */
struct vlo_hook {
	wait_queue_entry_t wait;
	poll_table pt;
	struct eventfd_ctx *ctx;
	/* Runs in the signaller's context, with interrupts disabled. */
	void (*fire)(struct vlo_hook *hook);
};

/*
 * What the device side of a split ring holds, seen from the kernel: which
 * heads the driver made available and the device has not used. Kept for
 * devices whose in-flight requests the module fails itself when the
 * backend is gone (see vlo_fail.c).
 */
struct vlo_track {
	struct vring vring;
	unsigned int num;
	u16 avail_seen;		/* avail entries accounted for */
	u16 used_seen;		/* used entries checked */
	u16 used_last;		/* used_seen at the last stall check */
	unsigned long idle_at;	/* jiffies: last seen idle or progressing */
	bool lost;		/* bookkeeping impossible: cannot fail */
	bool stopped;		/* the driver reset the device */
	/* Zero-copy: the backend's used ring; vring.used is the kernel's. */
	struct vring_used *shadow;
	u8 inflight[];		/* per head */
};

struct vlo_queue {
	struct vlo_dev *vlo;
	unsigned int index;
	/* Protects vq: callbacks run under it, del_vqs clears vq under it. */
	spinlock_t lock;
	struct virtqueue *vq;
	struct eventfd_ctx __rcu *kick;
	unsigned long kick_pending;	/* bit 0: kicked with no eventfd */
	struct work_struct kick_work;
	struct vlo_hook call;
	spinlock_t track_lock;		/* track and its contents */
	struct vlo_track *track;
	/* Zero-copy: the shadow used ring the backend writes. */
	struct vring_used *shadow;
	dma_addr_t shadow_iova;
	size_t shadow_size;
};

enum vlo_map_kind {
	VLO_MAP_BOUNCE,		/* device-owned copy of a driver buffer */
	VLO_MAP_COHERENT,	/* device-owned allocation (vrings) */
	VLO_MAP_DIRECT,		/* zero-copy: the driver's own whole pages */
};

/*
 * A direct map is visible to the backend only while LIVE: from the moment
 * the kernel sees it in a published chain until a used entry for that
 * chain is accepted. It is then hidden and zapped, in process context,
 * before the entry is copied into the real used ring, so the driver never
 * sees a completion (and never unmaps) while the backend can still reach
 * its pages.
 */
enum vlo_direct_state {
	VLO_DIRECT_PENDING,	/* mapped, not yet seen published */
	VLO_DIRECT_LIVE,	/* published: the backend may fault it in */
	VLO_DIRECT_HIDDEN,	/* completed: waits for its zap */
	VLO_DIRECT_ZAPPED,	/* no PTE left; may be published again */
};

/* One range of the IOVA window and the pages the backend sees there. */
struct vlo_map {
	enum vlo_map_kind kind;
	enum dma_data_direction dir;
	unsigned long first;	/* first window page */
	unsigned int npages;
	unsigned int offset;	/* of the buffer in its first page */
	unsigned int ro_pages;	/* leading pages the device may only read */
	size_t size;
	phys_addr_t orig;	/* bounce, direct: the driver's buffer */
	u8 state;		/* direct: enum vlo_direct_state */
	bool unmapped;		/* direct: the driver unmapped it while hidden */
	void *vaddr;		/* coherent: kernel address */
	struct list_head zap;
	struct page *pages[];
};

struct vlo_dev {
	struct kref kref;
	int index;
	struct device parent;		/* carries the DMA ops */
	struct virtio_device vdev;

	/* Fixed at create. */
	u32 num_queues;
	u32 max_queue_size;
	u32 config_size;
	u64 offered;
	unsigned long timeout;		/* jiffies */
	bool fail_inflight;		/* the module fails requests itself */
	bool zero_copy;			/* VLO_CREATE_F_ZERO_COPY */
	bool tracked;			/* queues keep a struct vlo_track */
	char label[VLO_LABEL_MAX];	/* sysfs "label" of the parent */
	unsigned long stall;		/* jiffies; 0: no stall check */
	struct delayed_work stall_work;

	struct mutex lock;		/* ioctls; start vs. kill */
	bool started;
	bool registered;
	struct work_struct start_work;
	struct work_struct break_work;

	/* state_lock protects dead, broken and vdev_live. */
	spinlock_t state_lock;
	bool dead;			/* the owner closed the device fd */
	bool broken;
	bool vdev_live;			/* virtio core initialised vdev */
	bool failing;			/* in-flight requests are failed */
	unsigned long break_why;	/* VLO_BREAK_* bits, for break_work */
	struct work_struct fail_work;

	spinlock_t config_lock;		/* config, generation */
	u32 generation;
	u8 status;
	u8 config[VLO_MAX_CONFIG];

	spinlock_t ev_lock;		/* ev_*, wait_seq, acked */
	wait_queue_head_t ev_wq;
	struct vlo_event *ev_ring;
	unsigned int ev_head;
	unsigned int ev_count;

	struct mutex sync_lock;		/* one waited-for event at a time */
	wait_queue_head_t ack_wq;
	u32 next_seq;
	u32 wait_seq;			/* under ev_lock */
	bool acked;
	int ack_result;

	struct vlo_hook err;
	atomic_t firing;		/* call hooks running vring_interrupt */

	/* The IOVA window: page i is at IOVA iova_base + i * PAGE_SIZE. */
	u64 iova_base;
	u64 iova_size;
	unsigned long npages;
	spinlock_t map_lock;		/* bitmap, slots, next_hint, zaps, spare */
	unsigned long *bitmap;		/* reserved pages, until zapped */
	struct vlo_map **slots;		/* what the backend may see */
	unsigned long next_hint;
	bool window_closed;
	bool window_revoked;		/* the backend sees nothing any more */
	struct list_head zaps;
	/* Spare bounce pages, zapped since; see vlo_bounce_page(). */
	struct list_head spare;
	unsigned int nspare;
	struct work_struct zap_work;
	/* The task whose return to user space zaps (zap_twork), or NULL. */
	struct task_struct *zap_task;
	struct callback_head zap_twork;
	/* Zero-copy: HIDDEN direct maps (on m->zap) and their zap. */
	struct list_head hidden;
	struct work_struct revoke_work;
	/* Orders fault handlers before zaps; see vlo_zap_barrier(). */
	struct rw_semaphore fault_sem;
	struct mutex memfd_lock;	/* memfds */
	struct list_head memfds;

	struct vlo_queue queues[];
};

static inline struct vlo_dev *vdev_to_vlo(struct virtio_device *vdev)
{
	return container_of(vdev, struct vlo_dev, vdev);
}

#define VLO_BREAK_ERRORFD	0	/* break_why bits */
#define VLO_BREAK_OVERFLOW	1
#define VLO_BREAK_BAD_USED	2

/* vlo_main.c */
void vlo_event_push(struct vlo_dev *vlo, struct vlo_event *ev);
int vlo_event_sync(struct vlo_dev *vlo, struct vlo_event *ev);
void vlo_break(struct vlo_dev *vlo, const char *why);
bool vlo_gone(struct vlo_dev *vlo);
void vlo_put(struct vlo_dev *vlo);

/*
 * The task whose write of a call eventfd this CPU's call hook is running
 * the driver's completions in, or NULL: see vlo_zap_later().
 */
DECLARE_PER_CPU(struct task_struct *, vlo_call_task);

/* vlo_virtio.c */
u64 vlo_offered_features(u64 device_features, u32 device_id, u32 flags);
void vlo_kick_signal(struct vlo_queue *q);
extern const struct virtio_config_ops vlo_config_ops;

/* vlo_dma.c */
extern const struct dma_map_ops vlo_dma_ops;
int vlo_window_init(struct vlo_dev *vlo, u64 size);
void vlo_window_close(struct vlo_dev *vlo);
void vlo_window_free(struct vlo_dev *vlo);
int vlo_memfd_create(struct vlo_dev *vlo);
void vlo_window_revoke(struct vlo_dev *vlo);
int vlo_window_access(struct vlo_dev *vlo, u64 iova, void *buf, size_t len,
		      bool write);
void vlo_window_protect_ring(struct vlo_dev *vlo, dma_addr_t desc,
			     dma_addr_t used, bool all);
void vlo_direct_publish(struct vlo_dev *vlo, u64 iova, u32 len);
bool vlo_direct_hide(struct vlo_dev *vlo, u64 iova);
void vlo_direct_revoke_all(struct vlo_dev *vlo);

/* vlo_fail.c */
bool vlo_fail_wanted(u32 device_id);
bool vlo_stall_wanted(u32 device_id);
int vlo_track_start(struct vlo_queue *q, struct virtqueue *vq);
void vlo_track_stop(struct vlo_queue *q, bool free);
void vlo_track_all(struct vlo_dev *vlo);
void vlo_track_queue(struct vlo_queue *q);
void vlo_track_deliver(struct vlo_dev *vlo);
bool vlo_track_call(struct vlo_queue *q);
void vlo_fail_start(struct vlo_dev *vlo);
void vlo_stall_work(struct work_struct *work);
void vlo_fail_work(struct work_struct *work);

#endif /* VLO_H */
