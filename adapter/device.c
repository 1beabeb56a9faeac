// SPDX-License-Identifier: GPL-2.0
/* One adapted device: backend + kernel device, and the stages between them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "log.h"

void adev_init(struct adev *a, const struct cli *cli, const struct cli_device *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cli = cli;
	a->cfg = cfg;
	a->sock = -1;
	kdev_init(&a->kd);
	snprintf(a->name, sizeof(a->name), "%s %s", cfg->arg, cfg->socket_path);
}

void adev_down(struct adev *a)
{
	kdev_destroy(&a->kd);
	if (a->sock >= 0)
		close(a->sock);
	a->sock = -1;
	fe_init(&a->fe, -1, a->cli->timeout_ms);
	a->up = false;
}

#define ERR(...) do { snprintf(a->err, sizeof(a->err), __VA_ARGS__); goto fail; } while (0)

int adev_up(struct adev *a, int ctl)
{
	const struct devtype *t = a->cfg->type;
	const char *tname = t->name ? t->name : a->cfg->arg;
	struct kdev_params p;
	uint64_t usable, extra;
	uint32_t queues, cfgsize;
	char why[256];
	int ret = ADEV_EBACKEND;

	a->err[0] = 0;
	a->sock = vhu_connect(a->cfg->socket_path);
	if (a->sock < 0) {
		int e = -a->sock;

		a->sock = -1;
		if (e == ENOENT)
			ERR("no backend socket at %s (is the backend running?)", a->cfg->socket_path);
		if (e == ECONNREFUSED)
			ERR("nobody listens on %s (backend not running?)", a->cfg->socket_path);
		ERR("cannot connect to %s: %s", a->cfg->socket_path, strerror(e));
	}
	/* Stage 1: what the backend is. */
	fe_init(&a->fe, a->sock, a->cli->timeout_ms);
	if (fe_hello(&a->fe))
		ERR("%s", a->fe.err);
	log_debug("%s: backend features 0x%" PRIx64 ", protocol features 0x%" PRIx64 ", %" PRIu32 " queues",
		  a->name, a->fe.features, a->fe.protocol, a->fe.queue_num);
	if (!(a->fe.features & VHU_BIT(VIRTIO_F_VERSION_1)))
		ERR("backend does not offer VIRTIO_F_VERSION_1 (legacy-only backends are not supported)");
	queues = a->fe.queue_num ? a->fe.queue_num : t->default_queues;
	if (devtype_check_backend(t, a->fe.features, queues, why, sizeof(why)))
		ERR("device type mismatch: %s: is it a %s backend?", why, tname);
	/*
	 * The driver is offered what the backend has, minus what it must not
	 * see: the vhost-user protocol bit, ACCESS_PLATFORM (the kernel adds
	 * its own), device bits whose config we cannot provide.
	 */
	usable = a->fe.features & ~VHU_BIT(VHU_F_PROTOCOL_FEATURES) &
		 ~VHU_BIT(VIRTIO_F_ACCESS_PLATFORM) &
		 (~DEVTYPE_DEVICE_BITS | t->usable_features);
	cfgsize = devtype_config_size(t, usable);
	if (fe_get_config(&a->fe, cfgsize))
		ERR("%s", a->fe.err);
	if (t->check_config &&
	    t->check_config(a->fe.config, cfgsize, usable, why, sizeof(why)))
		ERR("device type mismatch: %s: is it a %s backend?", why, tname);
	/* Stage 2: the kernel device, fixed from here on. */
	memset(&p, 0, sizeof(p));
	p.device_id = t->id;
	p.features = usable;
	p.num_queues = queues;
	p.queue_size = a->cli->queue_size ? a->cli->queue_size : t->queue_size;
	p.timeout_ms = (uint32_t)a->cli->timeout_ms;
	p.iova_size = a->cli->iova_size;
	p.config_size = cfgsize;
	p.config = a->fe.config;
	p.label = a->cfg->label;
	if (a->cfg->zero_copy)
		p.flags |= VLO_CREATE_F_ZERO_COPY;
	if (a->cfg->stall_ms >= 0)
		p.stall_ms = (uint32_t)a->cfg->stall_ms;
	else if (t->id == VIRTIO_ID_BLOCK || t->id == VIRTIO_ID_RNG)
		p.stall_ms = CLI_DEFAULT_STALL_MS;
	if (kdev_create(&a->kd, ctl, &p, why, sizeof(why))) {
		ret = ADEV_EKERNEL;
		ERR("%s", why);
	}
	extra = a->kd.c.offered_features & ~VHU_BIT(VIRTIO_F_ACCESS_PLATFORM) &
		~a->fe.features;
	if (extra) {
		ret = ADEV_EKERNEL;
		ERR("the kernel offers features 0x%" PRIx64 " the backend lacks", extra);
	}
	a->up = true;
	a->ever_up = true;
	a->waiting = false;
	log_msg("%s: vlo%u up (virtio id %u, %u queue%s, features 0x%" PRIx64 ")",
		a->name, a->kd.c.index, t->id, queues, queues == 1 ? "" : "s",
		(uint64_t)a->kd.c.offered_features);
	return ADEV_OK;
fail:
	adev_down(a);
	return ret;
}

static int on_driver_ok(struct adev *a, const struct vlo_event *ev)
{
	struct fe_setup s;

	kdev_setup(&a->kd, &s);
	if (a->fe.state == FE_RUNNING && fe_stop(&a->fe))
		goto fail;
	log_debug("%s: DRIVER_OK, driver features 0x%" PRIx64 ": starting the backend",
		  a->name, s.features);
	if (fe_start(&a->fe, &s))
		goto fail;
	if (kdev_ack(&a->kd, ev->seq, 0)) {
		snprintf(a->err, sizeof(a->err), "acknowledging DRIVER_OK: %s", strerror(errno));
		return -1;
	}
	log_msg("%s: vlo%u running", a->name, a->kd.c.index);
	return 0;
fail:
	snprintf(a->err, sizeof(a->err), "starting the backend: %s", a->fe.err);
	kdev_ack(&a->kd, ev->seq, -EIO);
	return -1;
}

static int on_reset(struct adev *a, const struct vlo_event *ev)
{
	int r = 0;

	log_debug("%s: driver reset the device", a->name);
	if (a->fe.state == FE_RUNNING && fe_stop(&a->fe)) {
		snprintf(a->err, sizeof(a->err), "stopping the backend: %s", a->fe.err);
		r = -1;
	}
	/* The rings are stopped (or the backend is gone): let the reset go on. */
	if (ev->seq)
		kdev_ack(&a->kd, ev->seq, 0);
	return r;
}

static int on_event(struct adev *a, const struct vlo_event *ev)
{
	switch (ev->type) {
	case VLO_EV_STATUS:
		log_debug("%s: status 0x%x", a->name, ev->status);
		if (ev->seq)
			return on_driver_ok(a, ev);
		return 0;
	case VLO_EV_RESET:
		return on_reset(a, ev);
	case VLO_EV_FEATURES:
		log_debug("%s: driver accepted features 0x%" PRIx64, a->name, (uint64_t)ev->features);
		return 0;
	case VLO_EV_QUEUE:
		log_debug("%s: queue %u: %u entries, desc 0x%" PRIx64 " avail 0x%" PRIx64 " used 0x%" PRIx64,
			  a->name, ev->queue, ev->num, (uint64_t)ev->desc,
			  (uint64_t)ev->avail, (uint64_t)ev->used);
		return 0;
	case VLO_EV_CONFIG:
		if (ev->len > sizeof(ev->data) || fe_set_config(&a->fe, ev->offset, ev->len, ev->data)) {
			snprintf(a->err, sizeof(a->err), "forwarding a config write: %s", a->fe.err);
			return -1;
		}
		return 0;
	case VLO_EV_BROKEN:
		snprintf(a->err, sizeof(a->err), "the kernel broke the device (status 0x%x)", ev->status);
		return -1;
	default:
		if (ev->seq)
			kdev_ack(&a->kd, ev->seq, 0);
		return 0;
	}
}

int adev_kernel_ready(struct adev *a)
{
	struct vlo_event ev;
	int r;

	while ((r = kdev_next_event(&a->kd, &ev)) > 0)
		if (on_event(a, &ev))
			return -1;
	if (r < 0) {
		snprintf(a->err, sizeof(a->err), "reading kernel events: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int adev_socket_ready(struct adev *a)
{
	char c;
	ssize_t n = recv(a->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0)
		snprintf(a->err, sizeof(a->err), "protocol error: backend sent a message nobody asked for");
	else if (n == 0 || errno == ECONNRESET)
		snprintf(a->err, sizeof(a->err), "backend went away");
	else if (errno == EAGAIN || errno == EINTR)
		return 0;
	else
		snprintf(a->err, sizeof(a->err), "backend socket: %s", strerror(errno));
	return -1;
}
