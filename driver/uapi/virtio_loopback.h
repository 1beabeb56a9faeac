/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * virtio-loopback: virtio devices whose device side lives in user space.
 *
 * This is the only definition of the interface between virtio_loopback.ko
 * and user space (the adapter, tests). It is safe for C and C++, uses only
 * fixed-size types, and every structure has explicit padding so that its
 * layout is the same on 32- and 64-bit user space.
 *
 * Control device: /dev/virtio-loopback (misc, mode 0600).
 *   VLO_IOC_CREATE   create a device from struct vlo_create; returns a new
 *                    file descriptor that IS the device. Closing it (or the
 *                    owner dying) breaks the device, so its driver sees
 *                    errors, and then removes it.
 *
 * Device fd:
 *   read()/poll()    struct vlo_event records, whole records only.
 *   VLO_IOC_START    register the virtio device; returns at once, the
 *                    driver probes in the background.
 *   VLO_IOC_SET_KICK / VLO_IOC_SET_CALL   per-queue eventfds (fd -1 clears).
 *   VLO_IOC_SET_ERROR  an eventfd whose signal breaks the device.
 *   VLO_IOC_GET_MEMFD  a memory-only fd; mmap(MAP_SHARED) at offsets in
 *                    [iova_base, iova_base + iova_size) shows the vrings and
 *                    the buffers the driver has currently mapped for the
 *                    device, and nothing else: any other page gives SIGBUS.
 *                    The file offset of a byte is its IOVA.
 *   VLO_IOC_ACK      answer an event whose seq is not 0; the kernel waits at
 *                    most timeout_ms for it, then breaks the device.
 *   VLO_IOC_SET_CONFIG  update the device config space (device side).
 */
#ifndef _UAPI_LINUX_VIRTIO_LOOPBACK_H
#define _UAPI_LINUX_VIRTIO_LOOPBACK_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VLO_API_VERSION		1
#define VLO_CONTROL_DEVICE	"/dev/virtio-loopback"

/* Limits, checked at create. */
#define VLO_MAX_QUEUES		64
#define VLO_MAX_QUEUE_SIZE	32768
#define VLO_MAX_CONFIG		256
#define VLO_DEFAULT_TIMEOUT_MS	5000
#define VLO_MAX_TIMEOUT_MS	60000
#define VLO_DEFAULT_IOVA_SIZE	0x04000000ULL	/* 64 MiB */
#define VLO_MIN_IOVA_SIZE	0x00100000ULL	/* 1 MiB */
#define VLO_MAX_IOVA_SIZE	0x40000000ULL	/* 1 GiB */

/*
 * struct vlo_create.flags: 0, or:
 *
 * VLO_CREATE_F_ZERO_COPY: buffers that are whole, page-aligned pages of
 * ordinary memory are shown to the backend as the driver's own pages, not
 * copied; other buffers are bounced as without the flag. A buffer is
 * visible from when its chain is published until the used entry that
 * returns it, which the kernel sees first: the used ring of each split
 * queue is the kernel's.
 * VLO_EV_QUEUE's used IOVA then names a shadow used ring, a page-aligned
 * area of its own that the backend writes exactly as it would write the
 * used ring; the real ring (desc, avail and used) is read-only for the
 * backend. The kernel checks every shadow entry (id in range and in
 * flight, index not past what is in flight) before it copies it into the
 * real ring and runs the driver's interrupt (after revoking the chain's
 * direct pages: touching them later gives SIGBUS): a bad entry breaks the
 * device and never reaches the driver. Kicks are filtered by the kernel:
 * the backend's VRING_USED_F_NO_NOTIFY in the shadow ring's flags is
 * honoured, the driver is always asked to kick. VIRTIO_RING_F_EVENT_IDX
 * and VIRTIO_F_RING_PACKED are not offered to such devices.
 */
#define VLO_CREATE_F_ZERO_COPY	0x1U
#define VLO_CREATE_FLAGS	VLO_CREATE_F_ZERO_COPY

/*
 * struct vlo_create.label: a name that stays the same across restarts (all
 * virtio sound cards are "VirtIO SoundCard" and vloN numbers follow creation
 * order). NUL-terminated, letters, digits, '_', '-', '.'; empty for none.
 * Read back as the sysfs attribute "label" of the device's vloN parent, so
 * udev rules can name what the in-kernel driver creates below it.
 */
#define VLO_LABEL_MAX		16

/*
 * struct vlo_create.stall_ms: a backend that is alive but stopped answering
 * holds requests forever, and a driver that waits for each of them (such as
 * virtio_blk) hangs its callers. With stall_ms set, a queue that has
 * requests in flight and returns none of them for stall_ms (checked every
 * quarter of it) breaks the device: virtio-blk's requests then fail as
 * when the backend dies; a virtio-rng reader ends once the owner removes
 * the broken device. Only for these two, whose backends answer every
 * request soon; 0 (off) for any other, since their drivers park buffers
 * for input that may never come (sound: for as long as a stream is
 * stopped).
 */
#define VLO_MIN_STALL_MS	100
#define VLO_MAX_STALL_MS	600000

struct vlo_create {
	__u32 api_version;	/* in: VLO_API_VERSION */
	__u32 flags;		/* in: VLO_CREATE_F_* */
	__u32 device_id;	/* in: virtio device id, not 0 */
	__u32 vendor_id;	/* in */
	__u64 device_features;	/* in: features the device offers */
	__u32 num_queues;	/* in: 1..VLO_MAX_QUEUES */
	__u32 max_queue_size;	/* in: power of 2, 1..VLO_MAX_QUEUE_SIZE */
	__u32 config_size;	/* in: 0..VLO_MAX_CONFIG */
	__u32 timeout_ms;	/* in: bound on waits for user space, 0: default */
	__u64 iova_size;	/* in: IOVA window bytes, page multiple, 0: default */
	__u64 offered_features;	/* out: what the driver is offered */
	__u64 iova_base;	/* out: first IOVA, == mmap offset */
	__u32 index;		/* out: device number, as in the name vloN */
	char label[VLO_LABEL_MAX];	/* in: "" or a stable name, see above */
	__u32 stall_ms;		/* in: 0 or a stall bound, see above */
	__u32 reserved[2];	/* in: 0 */
	__u8 config[VLO_MAX_CONFIG];	/* in: initial config space */
};

/*
 * The module always offers VIRTIO_F_VERSION_1 and VIRTIO_F_ACCESS_PLATFORM
 * (so that the ring uses the DMA API and thus the IOVA window) and never
 * offers features this transport cannot honour (ring reset, notification
 * data, SR-IOV, admin queues). offered_features says what came out.
 */

struct vlo_queue_fd {
	__u32 queue;		/* queue index, < num_queues */
	__s32 fd;		/* eventfd, or -1 to clear */
};

struct vlo_ack {
	__u32 seq;		/* from struct vlo_event */
	__s32 result;		/* 0, or a negative errno: the device breaks */
};

#define VLO_CONFIG_F_NOTIFY	0x1U	/* raise a config interrupt */

struct vlo_config {
	__u32 offset;
	__u32 len;		/* offset + len <= config_size */
	__u32 flags;		/* VLO_CONFIG_F_* */
	__u32 reserved;		/* 0 */
	__u8 data[VLO_MAX_CONFIG];
};

enum vlo_event_type {
	VLO_EV_STATUS = 1,	/* status: new status byte; DRIVER_OK waits */
	VLO_EV_RESET = 2,	/* driver reset the device; waits */
	VLO_EV_FEATURES = 3,	/* features: what the driver accepted */
	VLO_EV_QUEUE = 4,	/* queue, num, desc/avail/used: ring created */
	VLO_EV_CONFIG = 5,	/* offset, len, data: driver wrote config */
	VLO_EV_BROKEN = 6,	/* status: the device is broken for good */
};

struct vlo_event {
	__u32 type;		/* enum vlo_event_type */
	__u32 seq;		/* not 0: answer with VLO_IOC_ACK */
	__u32 status;
	__u32 queue;
	__u32 num;
	__u32 offset;
	__u32 len;
	__u32 reserved;
	__u64 features;
	__u64 desc;		/* IOVAs of the ring parts */
	__u64 avail;
	__u64 used;
	__u8 data[8];
};

#define VLO_IOC_MAGIC		0xE4
#define VLO_IOC_CREATE		_IOWR(VLO_IOC_MAGIC, 0x00, struct vlo_create)
#define VLO_IOC_START		_IO(VLO_IOC_MAGIC, 0x01)
#define VLO_IOC_SET_KICK	_IOW(VLO_IOC_MAGIC, 0x02, struct vlo_queue_fd)
#define VLO_IOC_SET_CALL	_IOW(VLO_IOC_MAGIC, 0x03, struct vlo_queue_fd)
#define VLO_IOC_SET_ERROR	_IOW(VLO_IOC_MAGIC, 0x04, __s32)
#define VLO_IOC_GET_MEMFD	_IO(VLO_IOC_MAGIC, 0x05)
#define VLO_IOC_ACK		_IOW(VLO_IOC_MAGIC, 0x06, struct vlo_ack)
#define VLO_IOC_SET_CONFIG	_IOW(VLO_IOC_MAGIC, 0x07, struct vlo_config)

#endif /* _UAPI_LINUX_VIRTIO_LOOPBACK_H */
