// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user messages: encoding, and decoding that validates every field
 * before the caller sees it. No I/O here (see vhost_user_io.c), so that the
 * decoder can be unit-tested and fuzzed on plain byte buffers.
 */
#include <errno.h>
#include <string.h>

#include "vhost_user.h"

const char *vhu_request_name(uint32_t request)
{
	switch (request) {
	case VHU_GET_FEATURES: return "GET_FEATURES";
	case VHU_SET_FEATURES: return "SET_FEATURES";
	case VHU_SET_OWNER: return "SET_OWNER";
	case VHU_RESET_OWNER: return "RESET_OWNER";
	case VHU_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VHU_SET_LOG_BASE: return "SET_LOG_BASE";
	case VHU_SET_LOG_FD: return "SET_LOG_FD";
	case VHU_SET_VRING_NUM: return "SET_VRING_NUM";
	case VHU_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VHU_SET_VRING_BASE: return "SET_VRING_BASE";
	case VHU_GET_VRING_BASE: return "GET_VRING_BASE";
	case VHU_SET_VRING_KICK: return "SET_VRING_KICK";
	case VHU_SET_VRING_CALL: return "SET_VRING_CALL";
	case VHU_SET_VRING_ERR: return "SET_VRING_ERR";
	case VHU_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VHU_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VHU_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
	case VHU_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	case VHU_GET_CONFIG: return "GET_CONFIG";
	case VHU_SET_CONFIG: return "SET_CONFIG";
	case VHU_RESET_DEVICE: return "RESET_DEVICE";
	case VHU_GET_MAX_MEM_SLOTS: return "GET_MAX_MEM_SLOTS";
	case VHU_SET_STATUS: return "SET_STATUS";
	case VHU_GET_STATUS: return "GET_STATUS";
	default: return "unknown";
	}
}

bool vhu_range_ok(uint64_t a, uint64_t len)
{
	return len > 0 && a <= UINT64_MAX - (len - 1);
}

/* ---- encoding ---- */

void vhu_msg_init(struct vhu_msg *m, uint32_t request)
{
	memset(m, 0, sizeof(*m));
	m->request = request;
	m->flags = VHU_VERSION;
}

void vhu_msg_u64(struct vhu_msg *m, uint32_t request, uint64_t v)
{
	vhu_msg_init(m, request);
	m->payload.u64 = v;
	m->size = sizeof(uint64_t);
}

void vhu_msg_state(struct vhu_msg *m, uint32_t request, uint32_t index, uint32_t num)
{
	vhu_msg_init(m, request);
	m->payload.state.index = index;
	m->payload.state.num = num;
	m->size = sizeof(struct vhu_vring_state);
}

void vhu_msg_addr(struct vhu_msg *m, uint32_t index, uint64_t desc, uint64_t used,
		  uint64_t avail)
{
	vhu_msg_init(m, VHU_SET_VRING_ADDR);
	m->payload.addr.index = index;
	m->payload.addr.desc = desc;
	m->payload.addr.used = used;
	m->payload.addr.avail = avail;
	m->size = sizeof(struct vhu_vring_addr);
}

void vhu_msg_vring_fd(struct vhu_msg *m, uint32_t request, uint32_t index, int fd)
{
	vhu_msg_u64(m, request, index & VHU_VRING_IDX_MASK);
	if (fd < 0) {
		m->payload.u64 |= VHU_VRING_NOFD;
	} else {
		m->fds[0] = fd;
		m->nfds = 1;
	}
}

static int check_regions(const struct vhu_region *r, unsigned int n, const char **why)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!vhu_range_ok(r[i].guest_phys_addr, r[i].memory_size) ||
		    !vhu_range_ok(r[i].userspace_addr, r[i].memory_size) ||
		    !vhu_range_ok(r[i].mmap_offset, r[i].memory_size)) {
			*why = "memory region empty or its range overflows";
			return -1;
		}
		for (j = 0; j < i; j++) {
			uint64_t a0 = r[i].guest_phys_addr, a1 = a0 + (r[i].memory_size - 1);
			uint64_t b0 = r[j].guest_phys_addr, b1 = b0 + (r[j].memory_size - 1);

			if (a0 <= b1 && b0 <= a1) {
				*why = "memory regions overlap";
				return -1;
			}
		}
	}
	return 0;
}

int vhu_msg_mem_table(struct vhu_msg *m, const struct vhu_region *regions,
		      const int *fds, unsigned int n)
{
	const char *why;
	unsigned int i;

	if (n == 0 || n > VHU_MAX_REGIONS || check_regions(regions, n, &why)) {
		errno = EINVAL;
		return -1;
	}
	vhu_msg_init(m, VHU_SET_MEM_TABLE);
	m->payload.mem.nregions = n;
	for (i = 0; i < n; i++) {
		m->payload.mem.regions[i] = regions[i];
		m->fds[i] = fds[i];
	}
	m->nfds = n;
	m->size = 8 + n * (uint32_t)sizeof(struct vhu_region);
	return 0;
}

static bool config_range_ok(uint32_t offset, uint32_t size)
{
	return size <= VHU_MAX_CONFIG && offset <= VHU_MAX_CONFIG - size;
}

int vhu_msg_config(struct vhu_msg *m, uint32_t request, uint32_t offset,
		   uint32_t size, uint32_t flags, const void *data)
{
	if ((request != VHU_GET_CONFIG && request != VHU_SET_CONFIG) ||
	    !config_range_ok(offset, size)) {
		errno = EINVAL;
		return -1;
	}
	vhu_msg_init(m, request);
	m->payload.config.offset = offset;
	m->payload.config.size = size;
	m->payload.config.flags = flags;
	if (data && size)
		memcpy(m->payload.config.region, data, size);
	m->size = VHU_CONFIG_HDR_SIZE + size;
	return 0;
}

void vhu_msg_make_reply(struct vhu_msg *reply, const struct vhu_msg *req)
{
	vhu_msg_init(reply, req->request);
	reply->flags = VHU_VERSION | VHU_FLAG_REPLY;
}

size_t vhu_msg_encode(const struct vhu_msg *m, uint8_t *buf, size_t len)
{
	uint32_t hdr[3] = { m->request, m->flags, m->size };

	if (m->size > VHU_MAX_PAYLOAD || len < VHU_HDR_SIZE + m->size)
		return 0;
	memcpy(buf, hdr, VHU_HDR_SIZE);
	memcpy(buf + VHU_HDR_SIZE, m->payload.raw, m->size);
	return VHU_HDR_SIZE + m->size;
}

/* ---- decoding ---- */

int vhu_hdr_decode(const uint8_t *buf, size_t len, uint32_t *request,
		   uint32_t *flags, uint32_t *size)
{
	uint32_t hdr[3];

	if (len < VHU_HDR_SIZE)
		return -1;
	memcpy(hdr, buf, VHU_HDR_SIZE);
	if ((hdr[1] & VHU_VERSION_MASK) != VHU_VERSION || (hdr[1] & ~VHU_FLAGS_KNOWN))
		return -1;
	if (hdr[2] > VHU_MAX_PAYLOAD)
		return -1;
	*request = hdr[0];
	*flags = hdr[1];
	*size = hdr[2];
	return 0;
}

#define FAIL(reason) do { *why = (reason); return -1; } while (0)

static int check_size(const struct vhu_msg *m, uint32_t want, const char **why)
{
	if (m->size != want)
		FAIL("payload size does not match the request");
	return 0;
}

static int check_config(const struct vhu_msg *m, const char **why)
{
	const struct vhu_config *c = &m->payload.config;

	if (m->size < VHU_CONFIG_HDR_SIZE)
		FAIL("config payload shorter than its header");
	if (!config_range_ok(c->offset, c->size))
		FAIL("config offset/size out of range");
	if (m->size != VHU_CONFIG_HDR_SIZE + c->size)
		FAIL("config payload size does not match its size field");
	return 0;
}

static int validate_request(const struct vhu_msg *m, const char **why)
{
	const struct vhu_vring_state *s = &m->payload.state;
	uint64_t v = m->payload.u64;
	unsigned int want_fds = 0;

	if (m->flags & VHU_FLAG_REPLY)
		FAIL("request has the reply flag");
	switch (m->request) {
	case VHU_GET_FEATURES:
	case VHU_GET_PROTOCOL_FEATURES:
	case VHU_GET_QUEUE_NUM:
	case VHU_SET_OWNER:
	case VHU_RESET_OWNER:
	case VHU_RESET_DEVICE:
	case VHU_GET_MAX_MEM_SLOTS:
	case VHU_GET_STATUS:
		if (check_size(m, 0, why))
			return -1;
		break;
	case VHU_SET_FEATURES:
	case VHU_SET_PROTOCOL_FEATURES:
		if (check_size(m, 8, why))
			return -1;
		break;
	case VHU_SET_STATUS:
		if (check_size(m, 8, why))
			return -1;
		if (v > 0xff)
			FAIL("status does not fit in a byte");
		break;
	case VHU_SET_VRING_NUM:
	case VHU_SET_VRING_BASE:
	case VHU_GET_VRING_BASE:
	case VHU_SET_VRING_ENABLE:
		if (check_size(m, sizeof(*s), why))
			return -1;
		if (s->index >= VHU_MAX_QUEUES)
			FAIL("vring index out of range");
		if (m->request == VHU_SET_VRING_NUM &&
		    (s->num == 0 || s->num > VHU_MAX_RING_SIZE))
			FAIL("vring size out of range");
		if (m->request == VHU_SET_VRING_ENABLE && s->num > 1)
			FAIL("vring enable is neither 0 nor 1");
		break;
	case VHU_SET_VRING_ADDR:
		if (check_size(m, sizeof(struct vhu_vring_addr), why))
			return -1;
		if (m->payload.addr.index >= VHU_MAX_QUEUES)
			FAIL("vring index out of range");
		if (m->payload.addr.flags & ~1U)
			FAIL("unknown vring address flags");
		break;
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		if (check_size(m, 8, why))
			return -1;
		if (v & ~(VHU_VRING_IDX_MASK | VHU_VRING_NOFD))
			FAIL("reserved bits set in vring fd message");
		want_fds = (v & VHU_VRING_NOFD) ? 0 : 1;
		break;
	case VHU_SET_MEM_TABLE: {
		uint32_t n;

		if (m->size < 8)
			FAIL("memory table shorter than its header");
		n = m->payload.mem.nregions;
		if (n == 0 || n > VHU_MAX_REGIONS)
			FAIL("bad memory region count");
		if (m->size != 8 + n * sizeof(struct vhu_region))
			FAIL("memory table size does not match its region count");
		if (check_regions(m->payload.mem.regions, n, why))
			return -1;
		want_fds = n;
		break;
	}
	case VHU_GET_CONFIG:
		if (check_config(m, why))
			return -1;
		break;
	case VHU_SET_CONFIG:
		if (check_config(m, why))
			return -1;
		if (m->payload.config.flags > 1)
			FAIL("unknown config flags");
		break;
	default:
		FAIL("unsupported request");
	}
	if (m->nfds != want_fds)
		FAIL(m->nfds > want_fds ? "too many file descriptors" :
		     "missing file descriptor");
	return 0;
}

static int validate_reply(const struct vhu_msg *m, const char **why)
{
	if (!(m->flags & VHU_FLAG_REPLY))
		FAIL("reply lacks the reply flag");
	if (m->flags & VHU_FLAG_NEED_REPLY)
		FAIL("reply asks for a reply");
	if (m->nfds)
		FAIL("too many file descriptors");
	switch (m->request) {
	case VHU_GET_VRING_BASE:
		if (check_size(m, sizeof(struct vhu_vring_state), why))
			return -1;
		if (m->payload.state.index >= VHU_MAX_QUEUES)
			FAIL("vring index out of range");
		return 0;
	case VHU_GET_CONFIG:
		/* Size 0 is how a backend says it failed. */
		if (m->size == 0)
			return 0;
		return check_config(m, why);
	case VHU_GET_STATUS:
		if (check_size(m, 8, why))
			return -1;
		if (m->payload.u64 > 0xff)
			FAIL("status does not fit in a byte");
		return 0;
	default:
		if (m->request == VHU_NONE || m->request >= VHU_REQUEST_MAX)
			FAIL("reply to an unknown request");
		/* GET_FEATURES & co. and every REPLY_ACK carry a u64. */
		return check_size(m, 8, why);
	}
}

int vhu_msg_validate(const struct vhu_msg *m, enum vhu_dir dir, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if ((m->flags & VHU_VERSION_MASK) != VHU_VERSION)
		FAIL("wrong protocol version");
	if (m->flags & ~VHU_FLAGS_KNOWN)
		FAIL("unknown header flags");
	if (m->size > VHU_MAX_PAYLOAD)
		FAIL("payload too large");
	if (m->nfds > VHU_MAX_FDS)
		FAIL("too many file descriptors");
	return dir == VHU_FROM_FRONTEND ? validate_request(m, why) :
					  validate_reply(m, why);
}

int vhu_msg_decode(struct vhu_msg *m, const uint8_t *buf, size_t len,
		   const int *fds, unsigned int nfds, enum vhu_dir dir,
		   const char **why)
{
	uint32_t request, flags, size;
	const char *dummy;
	unsigned int i;

	if (!why)
		why = &dummy;
	memset(m, 0, sizeof(*m));
	for (i = 0; i < VHU_MAX_FDS; i++)
		m->fds[i] = -1;
	if (len < VHU_HDR_SIZE)
		FAIL("message shorter than a header");
	if (vhu_hdr_decode(buf, len, &request, &flags, &size))
		FAIL("bad header (version, flags or size)");
	if (len - VHU_HDR_SIZE != size)
		FAIL("payload length does not match the header size");
	if (nfds > VHU_MAX_FDS)
		FAIL("too many file descriptors");
	m->request = request;
	m->flags = flags;
	m->size = size;
	memcpy(m->payload.raw, buf + VHU_HDR_SIZE, size);
	for (i = 0; i < nfds; i++)
		m->fds[i] = fds[i];
	m->nfds = nfds;
	return vhu_msg_validate(m, dir, why);
}
