/* SPDX-License-Identifier: MIT */
/*
 * The virtio-sound device behind the vhost-user server: builds the device
 * model (snd_device.h) and the paced I/O layer (snd_io.h) from the options,
 * and plugs them into lib/vhost-user's backend as its struct vhu_dev_ops:
 * queue 0 control, 1 events, 2 tx, 3 rx.
 */
#ifndef VUS_DEVICE_H
#define VUS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "vhost_user_backend.h"
#include "vus_cli.h"

struct vus_device;

/* Probes ALSA ends and builds the device. 0, or -1 with a reason in err. */
int vus_device_create(const struct vus_opts *o, struct vus_device **out, char *err,
		      size_t errlen);
/* Destroy after the backend that used it (the backend resets it last). */
void vus_device_destroy(struct vus_device *d);

extern const struct vhu_dev_ops vus_device_ops;
/* The backend the device completes requests to (set once, before run). */
void vus_device_attach(struct vus_device *d, struct vhu_backend *b);

/*
 * Host-side events for the control thread's loop (the host cards' jack
 * controls, host_jacks.h): the descriptors to watch for input (how many, up
 * to cap; fixed from create to destroy), and what to call when one is
 * readable (on the control thread, between the server's messages): a jack
 * change is queued for the guest and sent if the event queue has a buffer.
 */
unsigned int vus_device_fds(const struct vus_device *d, int *fds, unsigned int cap);
void vus_device_service(struct vus_device *d);

/* For status lines: streams STARTED now, jacks advertised. */
unsigned int vus_device_streams_running(const struct vus_device *d);
uint32_t vus_device_jacks(const struct vus_device *d);

#endif /* VUS_DEVICE_H */
