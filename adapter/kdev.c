// SPDX-License-Identifier: GPL-2.0
/* Kernel device glue: virtio_loopback.ko's uapi, nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kdev.h"

#define VIRTIO_F_RING_PACKED 34

void kdev_init(struct kdev *k)
{
	uint32_t i;

	memset(k, 0, sizeof(*k));
	k->dev = k->mem = k->err = -1;
	for (i = 0; i < FE_MAX_QUEUES; i++)
		k->q[i].kick = k->q[i].call = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void kdev_destroy(struct kdev *k)
{
	uint32_t i;

	close_fd(&k->dev);
	close_fd(&k->mem);
	close_fd(&k->err);
	for (i = 0; i < FE_MAX_QUEUES; i++) {
		close_fd(&k->q[i].kick);
		close_fd(&k->q[i].call);
	}
	kdev_init(k);
}

#define FAIL(...) do { snprintf(why, len, __VA_ARGS__); goto fail; } while (0)

int kdev_create(struct kdev *k, int ctl, const struct kdev_params *p,
		char *why, size_t len)
{
	struct vlo_queue_fd qfd;
	uint32_t i;

	kdev_init(k);
	if (p->num_queues == 0 || p->num_queues > FE_MAX_QUEUES ||
	    p->config_size > VLO_MAX_CONFIG) {
		snprintf(why, len, "internal: %u queues, %u config bytes",
			 p->num_queues, p->config_size);
		return -1;
	}
	k->c.api_version = VLO_API_VERSION;
	k->c.device_id = p->device_id;
	k->c.device_features = p->features;
	k->c.num_queues = p->num_queues;
	k->c.max_queue_size = p->queue_size;
	k->c.config_size = p->config_size;
	k->c.timeout_ms = p->timeout_ms;
	k->c.iova_size = p->iova_size;
	if (p->config_size)
		memcpy(k->c.config, p->config, p->config_size);
	if (p->label)
		snprintf(k->c.label, sizeof(k->c.label), "%s", p->label);
	k->c.stall_ms = p->stall_ms;
	k->c.flags = p->flags;
	k->dev = ioctl(ctl, VLO_IOC_CREATE, &k->c);
	if (k->dev < 0)
		FAIL("creating the device (VLO_IOC_CREATE): %s", strerror(errno));
	fcntl(k->dev, F_SETFL, O_NONBLOCK);
	k->nq = p->num_queues;
	for (i = 0; i < k->nq; i++) {
		k->q[i].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		k->q[i].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (k->q[i].kick < 0 || k->q[i].call < 0)
			FAIL("eventfd: %s", strerror(errno));
		qfd.queue = i;
		qfd.fd = k->q[i].kick;
		if (ioctl(k->dev, VLO_IOC_SET_KICK, &qfd))
			FAIL("VLO_IOC_SET_KICK queue %u: %s", i, strerror(errno));
		qfd.fd = k->q[i].call;
		if (ioctl(k->dev, VLO_IOC_SET_CALL, &qfd))
			FAIL("VLO_IOC_SET_CALL queue %u: %s", i, strerror(errno));
	}
	k->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->err < 0)
		FAIL("eventfd: %s", strerror(errno));
	if (ioctl(k->dev, VLO_IOC_SET_ERROR, &k->err))
		FAIL("VLO_IOC_SET_ERROR: %s", strerror(errno));
	k->mem = ioctl(k->dev, VLO_IOC_GET_MEMFD);
	if (k->mem < 0)
		FAIL("VLO_IOC_GET_MEMFD: %s", strerror(errno));
	fcntl(k->mem, F_SETFD, FD_CLOEXEC);
	if (ioctl(k->dev, VLO_IOC_START))
		FAIL("VLO_IOC_START: %s", strerror(errno));
	return 0;
fail:
	kdev_destroy(k);
	return -1;
}

int kdev_next_event(struct kdev *k, struct vlo_event *ev)
{
	ssize_t n = read(k->dev, ev, sizeof(*ev));

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	if (n != sizeof(*ev)) {
		errno = EIO;
		return -1;
	}
	switch (ev->type) {
	case VLO_EV_FEATURES:
		k->acked = ev->features;
		break;
	case VLO_EV_QUEUE:
		if (ev->queue < k->nq) {
			struct fe_queue *q = &k->q[ev->queue];

			q->ready = true;
			q->num = ev->num;
			q->desc = ev->desc;
			q->avail = ev->avail;
			q->used = ev->used;
		}
		break;
	case VLO_EV_STATUS:
		k->status = (uint8_t)ev->status;
		break;
	case VLO_EV_RESET: {
		uint32_t i;

		for (i = 0; i < k->nq; i++)
			k->q[i].ready = false;
		k->status = 0;
		k->acked = 0;
		break;
	}
	default:
		break;
	}
	return 1;
}

int kdev_ack(struct kdev *k, uint32_t seq, int result)
{
	struct vlo_ack ack = { .seq = seq, .result = result };

	return ioctl(k->dev, VLO_IOC_ACK, &ack);
}

void kdev_setup(const struct kdev *k, struct fe_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->features = k->acked;
	s->packed = k->acked & (1ULL << VIRTIO_F_RING_PACKED);
	s->memfd = k->mem;
	s->iova_base = k->c.iova_base;
	s->iova_size = k->c.iova_size;
	s->err_fd = k->err;
	s->nqueues = k->nq;
	s->q = k->q;
}
