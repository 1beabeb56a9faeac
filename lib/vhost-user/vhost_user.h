/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user protocol: wire structures, constants, encoding, validated
 * decoding and socket I/O with file descriptors. Shared by the frontend
 * (adapter/) and backends (sound-backend/).
 *
 * Written from QEMU's docs/interop/vhost-user.rst. Every message is a 12-byte
 * header (request, flags, size) followed by `size` bytes of payload; file
 * descriptors travel as SCM_RIGHTS ancillary data with the header. Values
 * are in the host's byte order (both ends share the machine).
 *
 * Nothing here trusts the peer: vhu_msg_decode() checks the version, the
 * size against what the request carries, fd counts, region counts and
 * address ranges before any field is used.
 */
#ifndef VHOST_USER_H
#define VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requests, frontend to backend. */
enum vhu_request {
	VHU_NONE = 0,
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_LOG_BASE = 6,
	VHU_SET_LOG_FD = 7,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
	VHU_RESET_DEVICE = 34,
	VHU_GET_MAX_MEM_SLOTS = 36,
	VHU_SET_STATUS = 39,
	VHU_GET_STATUS = 40,
	VHU_REQUEST_MAX = 64,	/* exclusive bound on what we decode */
};

/* Header flags. */
#define VHU_VERSION		0x1U
#define VHU_VERSION_MASK	0x3U
#define VHU_FLAG_REPLY		(1U << 2)
#define VHU_FLAG_NEED_REPLY	(1U << 3)
#define VHU_FLAGS_KNOWN		(VHU_VERSION_MASK | VHU_FLAG_REPLY | VHU_FLAG_NEED_REPLY)

/* Feature bit in GET/SET_FEATURES that is not a virtio feature. */
#define VHU_F_PROTOCOL_FEATURES	30

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VHU_PROTOCOL_F_MQ		0
#define VHU_PROTOCOL_F_LOG_SHMFD	1
#define VHU_PROTOCOL_F_RARP		2
#define VHU_PROTOCOL_F_REPLY_ACK	3
#define VHU_PROTOCOL_F_NET_MTU		4
#define VHU_PROTOCOL_F_BACKEND_REQ	5
#define VHU_PROTOCOL_F_CROSS_ENDIAN	6
#define VHU_PROTOCOL_F_CRYPTO_SESSION	7
#define VHU_PROTOCOL_F_PAGEFAULT	8
#define VHU_PROTOCOL_F_CONFIG		9
#define VHU_PROTOCOL_F_BACKEND_SEND_FD	10
#define VHU_PROTOCOL_F_HOST_NOTIFIER	11
#define VHU_PROTOCOL_F_INFLIGHT_SHMFD	12
#define VHU_PROTOCOL_F_RESET_DEVICE	13
#define VHU_PROTOCOL_F_INBAND_NOTIFICATIONS 14
#define VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VHU_PROTOCOL_F_STATUS		16

#define VHU_BIT(n)		(1ULL << (n))

/* Limits. */
#define VHU_HDR_SIZE		12U
#define VHU_MAX_FDS		8U	/* per message (memory regions) */
#define VHU_MAX_REGIONS		8U	/* SET_MEM_TABLE without mem slots */
#define VHU_MAX_CONFIG		256U	/* config space bytes in GET/SET_CONFIG */
#define VHU_MAX_QUEUES		1024U	/* a vring index must be below this */
#define VHU_MAX_RING_SIZE	32768U

/* u64 of SET_VRING_KICK/CALL/ERR */
#define VHU_VRING_IDX_MASK	0xffULL
#define VHU_VRING_NOFD		(1ULL << 8)

/* flags of struct vhu_config: 0 = set by the frontend (the driver). */
#define VHU_CONFIG_TYPE_FRONTEND 0U

struct vhu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhu_vring_addr {
	uint32_t index;
	uint32_t flags;		/* bit 0: log */
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vhu_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhu_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhu_region regions[VHU_MAX_REGIONS];
};

#define VHU_CONFIG_HDR_SIZE	12U
struct vhu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHU_MAX_CONFIG];
};

/* Largest payload any request we know carries. */
#define VHU_MAX_PAYLOAD		(sizeof(struct vhu_memory))

/*
 * One message. The payload is a union of the shapes a request can have;
 * `size` is the number of payload bytes on the wire. fds are owned by the
 * message once received (vhu_msg_close_fds()); when sending they are only
 * borrowed.
 */
struct vhu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vhu_vring_state state;
		struct vhu_vring_addr addr;
		struct vhu_memory mem;
		struct vhu_config config;
		uint8_t raw[VHU_MAX_PAYLOAD];
	} payload;
	int fds[VHU_MAX_FDS];
	unsigned int nfds;
};

/* Who sent the message being decoded. */
enum vhu_dir {
	VHU_FROM_FRONTEND,	/* a request */
	VHU_FROM_BACKEND,	/* a reply */
};

/* Names for logs; "unknown" for anything else. */
const char *vhu_request_name(uint32_t request);

/* ---- encoding (frontend and backend) ---- */
void vhu_msg_init(struct vhu_msg *m, uint32_t request);
void vhu_msg_u64(struct vhu_msg *m, uint32_t request, uint64_t v);
void vhu_msg_state(struct vhu_msg *m, uint32_t request, uint32_t index, uint32_t num);
void vhu_msg_addr(struct vhu_msg *m, uint32_t index, uint64_t desc, uint64_t used,
		  uint64_t avail);
/* SET_VRING_KICK/CALL/ERR: fd < 0 sends the "no fd" flag instead. */
void vhu_msg_vring_fd(struct vhu_msg *m, uint32_t request, uint32_t index, int fd);
/* SET_MEM_TABLE; returns -1 (EINVAL) on a bad region count or range. */
int vhu_msg_mem_table(struct vhu_msg *m, const struct vhu_region *regions,
		      const int *fds, unsigned int n);
/* GET_CONFIG (data NULL: zeros) or SET_CONFIG; -1 if the range is bad. */
int vhu_msg_config(struct vhu_msg *m, uint32_t request, uint32_t offset,
		   uint32_t size, uint32_t flags, const void *data);
/* Turn a received request into its reply skeleton (same request). */
void vhu_msg_make_reply(struct vhu_msg *reply, const struct vhu_msg *req);

/*
 * Serialise header + payload into buf (at least VHU_HDR_SIZE + m->size);
 * returns the byte count.
 */
size_t vhu_msg_encode(const struct vhu_msg *m, uint8_t *buf, size_t len);

/* ---- decoding ---- */

/*
 * Parse a header; 0 on success, -1 if the version or flags are wrong or the
 * size is larger than any known payload. *size gets the payload size.
 */
int vhu_hdr_decode(const uint8_t *buf, size_t len, uint32_t *request,
		   uint32_t *flags, uint32_t *size);

/*
 * Decode and validate one whole message (header + payload) from buf, with
 * nfds descriptors that arrived with it (copied into m, not checked for
 * being open). Returns 0, or -1 with a reason in *why (static string).
 * Validation depends on direction: a request from the frontend, or a
 * reply from the backend.
 */
int vhu_msg_decode(struct vhu_msg *m, const uint8_t *buf, size_t len,
		   const int *fds, unsigned int nfds, enum vhu_dir dir,
		   const char **why);

/* Validate an already-filled message (what vhu_msg_decode() calls). */
int vhu_msg_validate(const struct vhu_msg *m, enum vhu_dir dir, const char **why);

/* Bounds helper: [a, a + len) does not wrap and len > 0. */
bool vhu_range_ok(uint64_t a, uint64_t len);

/* ---- socket I/O ---- */

/*
 * Send one message with its fds. Retries on EINTR and short writes;
 * returns 0 or -errno.
 */
int vhu_send(int sock, const struct vhu_msg *m);

/*
 * Receive and validate one message, waiting at most timeout_ms (-1: no
 * bound) for each part. Returns 0, -ETIMEDOUT, -ECONNRESET when the peer
 * closed, -EPROTO with *why set when the message is malformed, or another
 * -errno. Received fds are closed on failure and owned by m on success.
 */
int vhu_recv(int sock, struct vhu_msg *m, enum vhu_dir dir, int timeout_ms,
	     const char **why);

void vhu_msg_close_fds(struct vhu_msg *m);

/* Connect to a backend's listening socket; returns the fd or -errno. */
int vhu_connect(const char *path);

#endif /* VHOST_USER_H */
