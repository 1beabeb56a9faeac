// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: a virtio transport whose devices live in user space.
 *
 * /dev/virtio-loopback creates devices; each device is an anonymous file
 * owned by whoever created it, and is torn down when that file is closed.
 * The only global state is the misc device and the IDA of device numbers.
 */
#include <linux/anon_inodes.h>
#include <linux/ctype.h>
#include <linux/dma-map-ops.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/virtio_ring.h>

#include "vlo.h"

#if !defined(CONFIG_DMA_OPS) && !defined(CONFIG_ARCH_HAS_DMA_OPS)
#error "virtio-loopback needs per-device DMA ops (CONFIG_DMA_OPS)"
#endif

static DEFINE_IDA(vlo_ida);

/* ---- events ---- */

static void vlo_event_push_locked(struct vlo_dev *vlo, struct vlo_event *ev,
				  unsigned int limit)
{
	unsigned int tail;

	if (vlo->ev_count >= limit)
		return;
	tail = (vlo->ev_head + vlo->ev_count) % VLO_EVENT_RING;
	vlo->ev_ring[tail] = *ev;
	vlo->ev_count++;
}

/*
 * Never blocks: the driver may report from any context. A reader that
 * falls VLO_EVENT_RING events behind has lost track of the device, which
 * is then broken; the last slot is kept for the VLO_EV_BROKEN event.
 */
void vlo_event_push(struct vlo_dev *vlo, struct vlo_event *ev)
{
	unsigned long flags;
	bool full;

	spin_lock_irqsave(&vlo->ev_lock, flags);
	full = vlo->ev_count >= VLO_EVENT_RING - 1;
	vlo_event_push_locked(vlo, ev, VLO_EVENT_RING - 1);
	spin_unlock_irqrestore(&vlo->ev_lock, flags);
	if (full)
		queue_work(system_unbound_wq, &vlo->break_work);
	wake_up_interruptible_poll(&vlo->ev_wq, EPOLLIN | EPOLLRDNORM);
}

bool vlo_gone(struct vlo_dev *vlo)
{
	return READ_ONCE(vlo->dead) || READ_ONCE(vlo->broken);
}

/*
 * Post @ev and wait until user space acknowledges it: killable, bounded
 * by the create-time timeout, and over at once if the device dies.
 */
int vlo_event_sync(struct vlo_dev *vlo, struct vlo_event *ev)
{
	unsigned long flags;
	long left;
	int ret;

	if (vlo_gone(vlo))
		return -ENODEV;
	mutex_lock(&vlo->sync_lock);
	spin_lock_irqsave(&vlo->ev_lock, flags);
	if (++vlo->next_seq == 0)
		vlo->next_seq = 1;
	ev->seq = vlo->next_seq;
	vlo->wait_seq = ev->seq;
	vlo->acked = false;
	spin_unlock_irqrestore(&vlo->ev_lock, flags);
	vlo_event_push(vlo, ev);

	left = wait_event_killable_timeout(vlo->ack_wq,
					   READ_ONCE(vlo->acked) ||
					   vlo_gone(vlo), vlo->timeout);

	spin_lock_irqsave(&vlo->ev_lock, flags);
	if (vlo->acked)
		ret = vlo->ack_result;
	else if (left < 0)
		ret = left;
	else if (vlo_gone(vlo))
		ret = -ENODEV;
	else
		ret = -ETIMEDOUT;
	vlo->wait_seq = 0;
	spin_unlock_irqrestore(&vlo->ev_lock, flags);
	mutex_unlock(&vlo->sync_lock);
	return ret;
}

static int vlo_ack(struct vlo_dev *vlo, const struct vlo_ack *ack)
{
	unsigned long flags;
	int ret = -ENOENT;

	if (ack->result > 0 || ack->result < -MAX_ERRNO)
		return -EINVAL;
	spin_lock_irqsave(&vlo->ev_lock, flags);
	if (ack->seq && ack->seq == vlo->wait_seq && !vlo->acked) {
		vlo->ack_result = ack->result;
		vlo->acked = true;
		ret = 0;
	}
	spin_unlock_irqrestore(&vlo->ev_lock, flags);
	wake_up_all(&vlo->ack_wq);
	return ret;
}

/* ---- breaking ---- */

/*
 * Mark the device broken so that its driver's requests fail instead of
 * waiting for a backend that is gone or misbehaving. Process context;
 * @why is logged unless NULL.
 */
void vlo_break(struct vlo_dev *vlo, const char *why)
{
	struct vlo_event ev = { .type = VLO_EV_BROKEN };
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&vlo->state_lock, flags);
	first = !vlo->broken;
	vlo->broken = true;
	/*
	 * A broken queue returns nothing to its driver, not even what is in
	 * flight: where the module can fail requests itself, it does that
	 * instead (vlo_fail.c).
	 */
	if (vlo->fail_inflight)
		WRITE_ONCE(vlo->failing, true);
	else if (vlo->vdev_live)
		virtio_break_device(&vlo->vdev);
	spin_unlock_irqrestore(&vlo->state_lock, flags);
	wake_up_all(&vlo->ack_wq);
	if (!first)
		return;
	if (vlo->fail_inflight)
		vlo_fail_start(vlo);
	if (why)
		dev_warn(&vlo->parent, "device broken: %s\n", why);
	ev.status = READ_ONCE(vlo->status);
	spin_lock_irqsave(&vlo->ev_lock, flags);
	vlo_event_push_locked(vlo, &ev, VLO_EVENT_RING);
	spin_unlock_irqrestore(&vlo->ev_lock, flags);
	wake_up_interruptible_poll(&vlo->ev_wq, EPOLLIN | EPOLLRDNORM);
}

static void vlo_break_work(struct work_struct *work)
{
	struct vlo_dev *vlo = container_of(work, struct vlo_dev, break_work);

	const char *why = "error eventfd signalled";

	if (test_bit(VLO_BREAK_BAD_USED, &vlo->break_why))
		why = "backend wrote an invalid used ring entry";
	else if (READ_ONCE(vlo->ev_count) >= VLO_EVENT_RING - 1)
		why = "event queue overflow";
	vlo_break(vlo, why);
}

/* ---- eventfd hooks ---- */

static int vlo_hook_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vlo_hook *hook = container_of(wait, struct vlo_hook, wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		/* Called under the eventfd's wait queue lock, irqs off. */
		eventfd_ctx_do_read(hook->ctx, &cnt);
		hook->fire(hook);
	}
	return 0;
}

static void vlo_hook_queue_proc(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct vlo_hook *hook = container_of(pt, struct vlo_hook, pt);

	add_wait_queue(wqh, &hook->wait);
}

static void vlo_hook_detach(struct vlo_hook *hook)
{
	u64 cnt;

	if (!hook->ctx)
		return;
	/* Removal takes the wait queue lock: no wakeup runs after it. */
	eventfd_ctx_remove_wait_queue(hook->ctx, &hook->wait, &cnt);
	eventfd_ctx_put(hook->ctx);
	hook->ctx = NULL;
}

/* Hook @fd (an eventfd, or -1 for none) in place of the current one. */
static int vlo_hook_attach(struct vlo_hook *hook, int fd)
{
	struct eventfd_ctx *ctx;
	unsigned long flags;
	struct file *file;
	__poll_t events;

	if (fd == -1) {
		vlo_hook_detach(hook);
		return 0;
	}
	file = fget(fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	vlo_hook_detach(hook);
	hook->ctx = ctx;
	init_waitqueue_func_entry(&hook->wait, vlo_hook_wakeup);
	init_poll_funcptr(&hook->pt, vlo_hook_queue_proc);
	events = vfs_poll(file, &hook->pt);
	fput(file);
	/* Signalled before we listened: act on it now. */
	if (events & EPOLLIN) {
		local_irq_save(flags);
		hook->fire(hook);
		local_irq_restore(flags);
	}
	return 0;
}

/* The backend used buffers: run the ring's interrupt, no user-space hop. */
static void vlo_call_fire(struct vlo_hook *hook)
{
	struct vlo_queue *q = container_of(hook, struct vlo_queue, call);
	struct task_struct *outer;

	atomic_inc(&q->vlo->firing);
	spin_lock(&q->lock);
	outer = this_cpu_read(vlo_call_task);
	this_cpu_write(vlo_call_task, current);
	if (q->vq && (!q->vlo->tracked || vlo_track_call(q)))
		vring_interrupt(0, q->vq);
	this_cpu_write(vlo_call_task, outer);
	spin_unlock(&q->lock);
	atomic_dec(&q->vlo->firing);
}

static void vlo_err_fire(struct vlo_hook *hook)
{
	struct vlo_dev *vlo = container_of(hook, struct vlo_dev, err);

	queue_work(system_unbound_wq, &vlo->break_work);
}

static void vlo_kick_work(struct work_struct *work)
{
	vlo_kick_signal(container_of(work, struct vlo_queue, kick_work));
}

/* ---- lifetime ---- */

static void vlo_release(struct kref *kref)
{
	struct vlo_dev *vlo = container_of(kref, struct vlo_dev, kref);

	vlo_window_free(vlo);
	kfree(vlo->ev_ring);
	if (vlo->index >= 0)
		ida_free(&vlo_ida, vlo->index);
	kfree(vlo);
}

void vlo_put(struct vlo_dev *vlo)
{
	kref_put(&vlo->kref, vlo_release);
}

static void vlo_parent_release(struct device *dev)
{
	vlo_put(container_of(dev, struct vlo_dev, parent));
}

static void vlo_vdev_release(struct device *dev)
{
	vlo_put(vdev_to_vlo(dev_to_virtio(dev)));
}

/*
 * Registering probes the driver, which may wait for user space (DRIVER_OK),
 * so it runs here and VLO_IOC_START returns at once.
 */
static void vlo_start_work(struct work_struct *work)
{
	struct vlo_dev *vlo = container_of(work, struct vlo_dev, start_work);
	unsigned long flags;
	int ret;

	if (vlo_gone(vlo))
		return;
	kref_get(&vlo->kref);		/* for vlo_vdev_release() */
	ret = register_virtio_device(&vlo->vdev);
	if (ret) {
		spin_lock_irqsave(&vlo->state_lock, flags);
		vlo->vdev_live = false;
		spin_unlock_irqrestore(&vlo->state_lock, flags);
		put_device(&vlo->vdev.dev);
		vlo_break(vlo, "registration failed");
		return;
	}
	mutex_lock(&vlo->lock);
	vlo->registered = true;
	mutex_unlock(&vlo->lock);
}

/* The owner closed the device: break it first, then remove it. */
static void vlo_kill(struct vlo_dev *vlo)
{
	unsigned long flags;
	bool registered;
	unsigned int i;

	spin_lock_irqsave(&vlo->state_lock, flags);
	vlo->dead = true;
	spin_unlock_irqrestore(&vlo->state_lock, flags);
	wake_up_all(&vlo->ack_wq);
	/*
	 * Break (an ordinary close: no warning) before waiting for the start
	 * work: it may be inside the driver's probe, waiting for I/O that only
	 * failing can finish now (virtio_blk's partition scan in
	 * device_add_disk), and the owner's exit would wait for it forever.
	 */
	vlo_break(vlo, NULL);
	vlo_hook_detach(&vlo->err);
	cancel_delayed_work_sync(&vlo->stall_work);
	cancel_work_sync(&vlo->break_work);
	cancel_work_sync(&vlo->start_work);

	mutex_lock(&vlo->lock);
	registered = vlo->registered;
	vlo->registered = false;
	mutex_unlock(&vlo->lock);
	if (registered) {
		spin_lock_irqsave(&vlo->state_lock, flags);
		vlo->vdev_live = false;
		spin_unlock_irqrestore(&vlo->state_lock, flags);
		unregister_virtio_device(&vlo->vdev);
	}
	cancel_work_sync(&vlo->fail_work);
	for (i = 0; i < vlo->num_queues; i++) {
		struct vlo_queue *q = &vlo->queues[i];
		struct eventfd_ctx *kick;

		vlo_hook_detach(&q->call);
		/* The vqs are gone: nothing can kick, no RCU reader is left. */
		cancel_work_sync(&q->kick_work);
		kick = rcu_dereference_protected(q->kick, true);
		RCU_INIT_POINTER(q->kick, NULL);
		if (kick)
			eventfd_ctx_put(kick);
	}
	vlo_window_close(vlo);
	device_del(&vlo->parent);
	put_device(&vlo->parent);
}

/* ---- device fd ---- */

static ssize_t vlo_dev_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct vlo_dev *vlo = file->private_data;
	struct vlo_event ev;
	ssize_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	while (!done) {
		spin_lock_irq(&vlo->ev_lock);
		while (vlo->ev_count && count - done >= sizeof(ev)) {
			ev = vlo->ev_ring[vlo->ev_head];
			spin_unlock_irq(&vlo->ev_lock);
			/* Not consumed until copied: a fault loses nothing. */
			if (copy_to_user(buf + done, &ev, sizeof(ev)))
				return done ? done : -EFAULT;
			spin_lock_irq(&vlo->ev_lock);
			vlo->ev_head = (vlo->ev_head + 1) % VLO_EVENT_RING;
			vlo->ev_count--;
			done += sizeof(ev);
		}
		spin_unlock_irq(&vlo->ev_lock);
		if (done)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(vlo->ev_wq,
					       READ_ONCE(vlo->ev_count));
		if (ret)
			return ret;
	}
	return done;
}

static __poll_t vlo_dev_poll(struct file *file, poll_table *wait)
{
	struct vlo_dev *vlo = file->private_data;

	poll_wait(file, &vlo->ev_wq, wait);
	return READ_ONCE(vlo->ev_count) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int vlo_set_kick(struct vlo_dev *vlo, const struct vlo_queue_fd *qfd)
{
	struct eventfd_ctx *ctx = NULL, *old;
	struct vlo_queue *q;

	if (qfd->queue >= vlo->num_queues)
		return -EINVAL;
	if (qfd->fd != -1) {
		ctx = eventfd_ctx_fdget(qfd->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	q = &vlo->queues[qfd->queue];
	old = rcu_replace_pointer(q->kick, ctx, lockdep_is_held(&vlo->lock));
	if (old) {
		synchronize_rcu();
		eventfd_ctx_put(old);
	}
	/* Kicks that found no eventfd are not lost. */
	if (ctx && test_and_clear_bit(0, &q->kick_pending))
		vlo_kick_signal(q);
	return 0;
}

static int vlo_set_call(struct vlo_dev *vlo, const struct vlo_queue_fd *qfd)
{
	if (qfd->queue >= vlo->num_queues)
		return -EINVAL;
	return vlo_hook_attach(&vlo->queues[qfd->queue].call, qfd->fd);
}

static int vlo_set_config(struct vlo_dev *vlo, const struct vlo_config *cfg)
{
	unsigned long flags;
	bool notify;

	if (cfg->reserved || cfg->flags & ~VLO_CONFIG_F_NOTIFY ||
	    cfg->offset > vlo->config_size ||
	    cfg->len > vlo->config_size - cfg->offset)
		return -EINVAL;
	spin_lock_irqsave(&vlo->config_lock, flags);
	memcpy(vlo->config + cfg->offset, cfg->data, cfg->len);
	vlo->generation++;
	spin_unlock_irqrestore(&vlo->config_lock, flags);
	if (!(cfg->flags & VLO_CONFIG_F_NOTIFY))
		return 0;
	spin_lock_irqsave(&vlo->state_lock, flags);
	notify = vlo->vdev_live && !vlo->broken;
	if (notify)
		virtio_config_changed(&vlo->vdev);
	spin_unlock_irqrestore(&vlo->state_lock, flags);
	return 0;
}

static int vlo_start(struct vlo_dev *vlo)
{
	if (vlo->started)
		return -EBUSY;
	vlo->started = true;
	queue_work(system_unbound_wq, &vlo->start_work);
	if (vlo->stall)
		queue_delayed_work(system_unbound_wq, &vlo->stall_work,
				   vlo->stall / 4 + 1);
	return 0;
}

static long vlo_dev_ioctl_locked(struct vlo_dev *vlo, unsigned int cmd,
				 void __user *argp)
{
	struct vlo_queue_fd qfd;
	struct vlo_config *cfg;
	s32 fd;
	long ret;

	switch (cmd) {
	case VLO_IOC_START:
		return vlo_start(vlo);
	case VLO_IOC_SET_KICK:
	case VLO_IOC_SET_CALL:
		if (copy_from_user(&qfd, argp, sizeof(qfd)))
			return -EFAULT;
		if (qfd.fd < -1)
			return -EBADF;
		return cmd == VLO_IOC_SET_KICK ? vlo_set_kick(vlo, &qfd) :
						 vlo_set_call(vlo, &qfd);
	case VLO_IOC_SET_ERROR:
		if (get_user(fd, (s32 __user *)argp))
			return -EFAULT;
		if (fd < -1)
			return -EBADF;
		return vlo_hook_attach(&vlo->err, fd);
	case VLO_IOC_GET_MEMFD:
		return vlo_memfd_create(vlo);
	case VLO_IOC_SET_CONFIG:
		cfg = memdup_user(argp, sizeof(*cfg));
		if (IS_ERR(cfg))
			return PTR_ERR(cfg);
		ret = vlo_set_config(vlo, cfg);
		kfree(cfg);
		return ret;
	default:
		return -ENOTTY;
	}
}

static long vlo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct vlo_dev *vlo = file->private_data;
	void __user *argp = (void __user *)arg;
	struct vlo_ack ack;
	long ret;

	/* Acks must get through while the driver probes under vlo->lock. */
	if (cmd == VLO_IOC_ACK) {
		if (copy_from_user(&ack, argp, sizeof(ack)))
			return -EFAULT;
		return vlo_ack(vlo, &ack);
	}
	if (mutex_lock_killable(&vlo->lock))
		return -EINTR;
	ret = vlo_dev_ioctl_locked(vlo, cmd, argp);
	mutex_unlock(&vlo->lock);
	return ret;
}

static int vlo_dev_release(struct inode *inode, struct file *file)
{
	struct vlo_dev *vlo = file->private_data;

	vlo_kill(vlo);
	vlo_put(vlo);
	return 0;
}

static const struct file_operations vlo_dev_fops = {
	.owner = THIS_MODULE,
	.read = vlo_dev_read,
	.poll = vlo_dev_poll,
	.unlocked_ioctl = vlo_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vlo_dev_release,
	.llseek = noop_llseek,
};

/* ---- creation ---- */

/* Printable and shell-safe, so that udev rules can use it as a name. */
static bool vlo_label_valid(const char *label)
{
	size_t len = strnlen(label, VLO_LABEL_MAX);
	size_t i;

	if (len == VLO_LABEL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(label[i]) && !strchr("_-.", label[i]))
			return false;
	return true;
}

static int vlo_check_create(struct vlo_create *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			return -EINVAL;
	if (!vlo_label_valid(c->label))
		return -EINVAL;
	if (c->stall_ms && (!vlo_stall_wanted(c->device_id) ||
			    c->stall_ms < VLO_MIN_STALL_MS ||
			    c->stall_ms > VLO_MAX_STALL_MS))
		return -EINVAL;
	if (c->api_version != VLO_API_VERSION ||
	    (c->flags & ~VLO_CREATE_FLAGS) ||
	    !c->device_id || c->device_id > 0xffff ||
	    !c->num_queues || c->num_queues > VLO_MAX_QUEUES ||
	    !c->max_queue_size || c->max_queue_size > VLO_MAX_QUEUE_SIZE ||
	    !is_power_of_2(c->max_queue_size) ||
	    c->config_size > VLO_MAX_CONFIG ||
	    c->timeout_ms > VLO_MAX_TIMEOUT_MS)
		return -EINVAL;
	if (!c->iova_size)
		c->iova_size = VLO_DEFAULT_IOVA_SIZE;
	if (c->iova_size < VLO_MIN_IOVA_SIZE ||
	    c->iova_size > VLO_MAX_IOVA_SIZE ||
	    !PAGE_ALIGNED(c->iova_size))
		return -EINVAL;
	if (!c->timeout_ms)
		c->timeout_ms = VLO_DEFAULT_TIMEOUT_MS;
	return 0;
}

static void vlo_init_queue(struct vlo_dev *vlo, unsigned int i)
{
	struct vlo_queue *q = &vlo->queues[i];

	q->vlo = vlo;
	q->index = i;
	spin_lock_init(&q->lock);
	spin_lock_init(&q->track_lock);
	INIT_WORK(&q->kick_work, vlo_kick_work);
	q->call.fire = vlo_call_fire;
}

static struct vlo_dev *vlo_alloc(const struct vlo_create *c)
{
	struct vlo_dev *vlo;
	unsigned int i;

	vlo = kzalloc(struct_size(vlo, queues, c->num_queues), GFP_KERNEL);
	if (!vlo)
		return NULL;
	kref_init(&vlo->kref);
	vlo->index = -1;
	vlo->num_queues = c->num_queues;
	vlo->max_queue_size = c->max_queue_size;
	vlo->config_size = c->config_size;
	memcpy(vlo->config, c->config, c->config_size);
	vlo->offered = vlo_offered_features(c->device_features, c->device_id,
					    c->flags);
	vlo->fail_inflight = vlo_fail_wanted(c->device_id);
	vlo->zero_copy = c->flags & VLO_CREATE_F_ZERO_COPY;
	strscpy(vlo->label, c->label, sizeof(vlo->label));
	vlo->stall = c->stall_ms ? msecs_to_jiffies(c->stall_ms) : 0;
	/* The stall check counts requests in flight, as failing them does. */
	vlo->tracked = vlo->fail_inflight || vlo->zero_copy || vlo->stall;
	INIT_DELAYED_WORK(&vlo->stall_work, vlo_stall_work);
	vlo->timeout = msecs_to_jiffies(c->timeout_ms);
	mutex_init(&vlo->lock);
	INIT_WORK(&vlo->start_work, vlo_start_work);
	INIT_WORK(&vlo->break_work, vlo_break_work);
	INIT_WORK(&vlo->fail_work, vlo_fail_work);
	spin_lock_init(&vlo->state_lock);
	spin_lock_init(&vlo->config_lock);
	spin_lock_init(&vlo->ev_lock);
	init_waitqueue_head(&vlo->ev_wq);
	mutex_init(&vlo->sync_lock);
	init_waitqueue_head(&vlo->ack_wq);
	vlo->err.fire = vlo_err_fire;
	for (i = 0; i < vlo->num_queues; i++)
		vlo_init_queue(vlo, i);
	vlo->vdev.id.device = c->device_id;
	vlo->vdev.id.vendor = c->vendor_id;
	vlo->vdev.config = &vlo_config_ops;
	vlo->vdev.dev.parent = &vlo->parent;
	vlo->vdev.dev.release = vlo_vdev_release;
	/* First: vlo_window_free() needs what it sets up, even on failure. */
	if (vlo_window_init(vlo, c->iova_size))
		goto fail;
	vlo->ev_ring = kcalloc(VLO_EVENT_RING, sizeof(*vlo->ev_ring),
			       GFP_KERNEL);
	if (!vlo->ev_ring)
		goto fail;
	vlo->index = ida_alloc_max(&vlo_ida, VLO_MAX_DEVICES - 1, GFP_KERNEL);
	if (vlo->index < 0)
		goto fail;
	return vlo;
fail:
	vlo_put(vlo);
	return NULL;
}

static ssize_t label_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct vlo_dev *vlo = container_of(dev, struct vlo_dev, parent);

	return sysfs_emit(buf, "%s\n", vlo->label);
}
static DEVICE_ATTR_RO(label);

static struct attribute *vlo_parent_attrs[] = {
	&dev_attr_label.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vlo_parent);

/* The parent carries the DMA ops that place everything in the window. */
static int vlo_add_parent(struct vlo_dev *vlo, struct device *misc_dev)
{
	struct device *dev = &vlo->parent;
	int ret;

	device_initialize(dev);
	kref_get(&vlo->kref);		/* for vlo_parent_release() */
	dev->parent = misc_dev;
	dev->release = vlo_parent_release;
	dev->groups = vlo_parent_groups;
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
	set_dma_ops(dev, &vlo_dma_ops);
	ret = dev_set_name(dev, "vlo%d", vlo->index);
	if (!ret)
		ret = device_add(dev);
	if (ret)
		put_device(dev);
	return ret;
}

static long vlo_create(struct file *ctl, struct vlo_create __user *argp)
{
	struct miscdevice *misc = ctl->private_data;
	struct vlo_create *c;
	struct vlo_dev *vlo;
	long ret;

	c = memdup_user(argp, sizeof(*c));
	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = vlo_check_create(c);
	if (ret)
		goto out;
	ret = -ENOMEM;
	vlo = vlo_alloc(c);
	if (!vlo)
		goto out;
	ret = vlo_add_parent(vlo, misc->this_device);
	if (ret) {
		vlo_put(vlo);
		goto out;
	}
	c->offered_features = vlo->offered;
	c->iova_base = vlo->iova_base;
	c->index = vlo->index;
	ret = -EFAULT;
	if (copy_to_user(argp, c, sizeof(*c)))
		goto fail;
	ret = anon_inode_getfd("[virtio-loopback]", &vlo_dev_fops, vlo,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto fail;
	goto out;
fail:
	vlo_kill(vlo);
	vlo_put(vlo);
out:
	kfree(c);
	return ret;
}

static long vlo_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	if (cmd != VLO_IOC_CREATE)
		return -ENOTTY;
	return vlo_create(file, (struct vlo_create __user *)arg);
}

static const struct file_operations vlo_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vlo_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vlo_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "virtio-loopback",
	.fops = &vlo_ctl_fops,
	.mode = 0600,
};

static int __init vlo_init(void)
{
	return misc_register(&vlo_misc);
}

static void __exit vlo_exit(void)
{
	misc_deregister(&vlo_misc);
	ida_destroy(&vlo_ida);
}

module_init(vlo_init);
module_exit(vlo_exit);

MODULE_DESCRIPTION("virtio transport for devices implemented in user space");
MODULE_LICENSE("GPL");
