// SPDX-License-Identifier: GPL-2.0
/* cmocka: vhost-user message encoding, validated decoding and socket I/O. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "vhost_user.h"

static uint8_t buf[VHU_HDR_SIZE + VHU_MAX_PAYLOAD + 64];

/* Encode m and decode it back in direction dir; returns decode's result. */
static int roundtrip(const struct vhu_msg *m, struct vhu_msg *out, enum vhu_dir dir,
		     const char **why)
{
	size_t n = vhu_msg_encode(m, buf, sizeof(buf));

	assert_int_equal(n, VHU_HDR_SIZE + m->size);
	return vhu_msg_decode(out, buf, n, m->fds, m->nfds, dir, why);
}

static void expect_bad(const struct vhu_msg *m, enum vhu_dir dir, const char *substr)
{
	struct vhu_msg out;
	const char *why = NULL;

	assert_int_equal(vhu_msg_validate(m, dir, &why), -1);
	assert_non_null(why);
	if (substr && !strstr(why, substr))
		fail_msg("reason '%s' lacks '%s'", why, substr);
	/* The byte decoder agrees, when the message is encodable. */
	if (m->size <= VHU_MAX_PAYLOAD && m->nfds <= VHU_MAX_FDS) {
		size_t n = vhu_msg_encode(m, buf, sizeof(buf));

		if (n)
			assert_int_equal(vhu_msg_decode(&out, buf, n, m->fds, m->nfds, dir, &why), -1);
	}
}

static void test_u64_roundtrip(void **state)
{
	struct vhu_msg m, out;

	(void)state;
	vhu_msg_u64(&m, VHU_SET_FEATURES, 0x140000000ULL);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.request, VHU_SET_FEATURES);
	assert_int_equal(out.flags, VHU_VERSION);
	assert_int_equal(out.size, 8);
	assert_int_equal(out.payload.u64, 0x140000000ULL);
	/* header bytes on the wire: request, flags, size */
	assert_int_equal(buf[0], VHU_SET_FEATURES);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[8], 8);
}

static void test_no_payload_requests(void **state)
{
	static const uint32_t reqs[] = { VHU_GET_FEATURES, VHU_GET_PROTOCOL_FEATURES,
		VHU_GET_QUEUE_NUM, VHU_SET_OWNER, VHU_RESET_DEVICE };
	struct vhu_msg m, out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		vhu_msg_init(&m, reqs[i]);
		assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
		m.size = 8;
		expect_bad(&m, VHU_FROM_FRONTEND, "size");
	}
}

static void test_state_and_addr(void **state)
{
	struct vhu_msg m, out;

	(void)state;
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 3, 256);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.payload.state.index, 3);
	assert_int_equal(out.payload.state.num, 256);
	vhu_msg_addr(&m, 1, 0x100000, 0x101240, 0x101000);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.size, 40);
	assert_int_equal(out.payload.addr.desc, 0x100000);
	assert_int_equal(out.payload.addr.used, 0x101240);
	assert_int_equal(out.payload.addr.avail, 0x101000);
}

static void test_state_bad(void **state)
{
	struct vhu_msg m;

	(void)state;
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 0);
	expect_bad(&m, VHU_FROM_FRONTEND, "size");
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, VHU_MAX_RING_SIZE + 1);
	expect_bad(&m, VHU_FROM_FRONTEND, "size");
	vhu_msg_state(&m, VHU_SET_VRING_BASE, VHU_MAX_QUEUES, 0);
	expect_bad(&m, VHU_FROM_FRONTEND, "index");
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, 0, 2);
	expect_bad(&m, VHU_FROM_FRONTEND, "enable");
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 8);
	m.size = 4;
	expect_bad(&m, VHU_FROM_FRONTEND, "size");
	vhu_msg_addr(&m, 0, 1, 2, 3);
	m.payload.addr.flags = 2;
	expect_bad(&m, VHU_FROM_FRONTEND, "flags");
	vhu_msg_addr(&m, 0, 1, 2, 3);
	m.size = 32;
	expect_bad(&m, VHU_FROM_FRONTEND, "size");
}

static void test_vring_fd(void **state)
{
	struct vhu_msg m, out;
	int fd = eventfd(0, EFD_CLOEXEC);

	(void)state;
	vhu_msg_vring_fd(&m, VHU_SET_VRING_KICK, 5, fd);
	assert_int_equal(m.nfds, 1);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.payload.u64, 5);
	assert_int_equal(out.fds[0], fd);
	vhu_msg_vring_fd(&m, VHU_SET_VRING_ERR, 2, -1);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.payload.u64, 2 | VHU_VRING_NOFD);
	/* no-fd flag but an fd came along */
	vhu_msg_vring_fd(&m, VHU_SET_VRING_CALL, 0, -1);
	m.fds[0] = fd;
	m.nfds = 1;
	expect_bad(&m, VHU_FROM_FRONTEND, "too many");
	/* an fd was promised but none came */
	vhu_msg_vring_fd(&m, VHU_SET_VRING_CALL, 0, fd);
	m.nfds = 0;
	expect_bad(&m, VHU_FROM_FRONTEND, "missing");
	/* reserved bits */
	vhu_msg_vring_fd(&m, VHU_SET_VRING_CALL, 0, fd);
	m.payload.u64 |= 1ULL << 40;
	expect_bad(&m, VHU_FROM_FRONTEND, "reserved");
	close(fd);
}

static void region(struct vhu_region *r, uint64_t gpa, uint64_t size)
{
	r->guest_phys_addr = gpa;
	r->memory_size = size;
	r->userspace_addr = gpa;
	r->mmap_offset = gpa;
}

static void test_mem_table(void **state)
{
	struct vhu_region r[VHU_MAX_REGIONS + 1];
	int fds[VHU_MAX_REGIONS + 1];
	struct vhu_msg m, out;
	unsigned int i;

	(void)state;
	for (i = 0; i <= VHU_MAX_REGIONS; i++) {
		region(&r[i], 0x100000 + (uint64_t)i * 0x10000000, 0x4000000);
		fds[i] = 100 + (int)i;
	}
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 1), 0);
	assert_int_equal(m.size, 8 + 32);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(out.payload.mem.nregions, 1);
	assert_int_equal(out.payload.mem.regions[0].guest_phys_addr, 0x100000);
	assert_int_equal(out.payload.mem.regions[0].mmap_offset, 0x100000);
	assert_int_equal(out.payload.mem.regions[0].memory_size, 0x4000000);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, VHU_MAX_REGIONS), 0);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	/* region counts */
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 0), -1);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, VHU_MAX_REGIONS + 1), -1);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 2), 0);
	m.payload.mem.nregions = 0;
	expect_bad(&m, VHU_FROM_FRONTEND, "count");
	m.payload.mem.nregions = VHU_MAX_REGIONS + 1;
	expect_bad(&m, VHU_FROM_FRONTEND, "count");
	m.payload.mem.nregions = 3;
	expect_bad(&m, VHU_FROM_FRONTEND, "size does not match");
	/* fd count must equal the region count */
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 2), 0);
	m.nfds = 1;
	expect_bad(&m, VHU_FROM_FRONTEND, "missing");
	m.nfds = 3;
	expect_bad(&m, VHU_FROM_FRONTEND, "too many");
	/* header shorter than 8 */
	m.size = 4;
	expect_bad(&m, VHU_FROM_FRONTEND, "shorter");
}

static void test_mem_table_ranges(void **state)
{
	struct vhu_region r[2];
	int fds[2] = { 3, 4 };
	struct vhu_msg m;

	(void)state;
	region(&r[0], 0x100000, 0x1000);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 1), 0);
	/* overflowing guest address */
	m.payload.mem.regions[0].guest_phys_addr = UINT64_MAX - 0xfff + 1;
	expect_bad(&m, VHU_FROM_FRONTEND, "overflow");
	m.payload.mem.regions[0].guest_phys_addr = UINT64_MAX - 0xfff; /* ends at max: ok */
	assert_int_equal(vhu_msg_validate(&m, VHU_FROM_FRONTEND, NULL), 0);
	/* overflowing user address and mmap offset */
	region(&m.payload.mem.regions[0], 0x100000, 0x1000);
	m.payload.mem.regions[0].userspace_addr = UINT64_MAX;
	expect_bad(&m, VHU_FROM_FRONTEND, "overflow");
	region(&m.payload.mem.regions[0], 0x100000, 0x1000);
	m.payload.mem.regions[0].mmap_offset = UINT64_MAX - 10;
	expect_bad(&m, VHU_FROM_FRONTEND, "overflow");
	/* empty region */
	region(&m.payload.mem.regions[0], 0x100000, 0);
	expect_bad(&m, VHU_FROM_FRONTEND, "empty");
	/* encoder refuses these too */
	region(&r[0], UINT64_MAX, 2);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 1), -1);
	/* overlapping regions */
	region(&r[0], 0x100000, 0x2000);
	region(&r[1], 0x101000, 0x2000);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 2), -1);
	region(&r[1], 0x102000, 0x2000);
	assert_int_equal(vhu_msg_mem_table(&m, r, fds, 2), 0);
	m.payload.mem.regions[1].guest_phys_addr = 0x101fff;
	expect_bad(&m, VHU_FROM_FRONTEND, "overlap");
}

static void test_config(void **state)
{
	uint8_t data[16] = { 1, 2, 3, 4 };
	struct vhu_msg m, out;

	(void)state;
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 0, 60, 0, NULL), 0);
	assert_int_equal(m.size, 72);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_int_equal(vhu_msg_config(&m, VHU_SET_CONFIG, 4, 4, 0, data), 0);
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_FRONTEND, NULL), 0);
	assert_memory_equal(out.payload.config.region, data, 4);
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 0, VHU_MAX_CONFIG + 1, 0, NULL), -1);
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 0xffffffffU, 8, 0, NULL), -1);
	assert_int_equal(vhu_msg_config(&m, VHU_SET_FEATURES, 0, 8, 0, NULL), -1);
	/* size field larger than the payload / overflowing offset */
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 0, 8, 0, NULL), 0);
	m.payload.config.size = 16;
	expect_bad(&m, VHU_FROM_FRONTEND, "does not match");
	m.payload.config.size = 8;
	m.payload.config.offset = 0xfffffffcU;
	expect_bad(&m, VHU_FROM_FRONTEND, "range");
	m.payload.config.offset = 0;
	m.size = 8;
	expect_bad(&m, VHU_FROM_FRONTEND, "shorter");
	assert_int_equal(vhu_msg_config(&m, VHU_SET_CONFIG, 0, 4, 0, data), 0);
	m.payload.config.flags = 7;
	expect_bad(&m, VHU_FROM_FRONTEND, "flags");
}

static void test_replies(void **state)
{
	struct vhu_msg req, m, out;

	(void)state;
	vhu_msg_init(&req, VHU_GET_FEATURES);
	vhu_msg_make_reply(&m, &req);
	m.payload.u64 = 42;
	m.size = 8;
	assert_int_equal(roundtrip(&m, &out, VHU_FROM_BACKEND, NULL), 0);
	assert_int_equal(out.payload.u64, 42);
	/* as a request, a reply is wrong; as a reply a request is */
	expect_bad(&m, VHU_FROM_FRONTEND, "reply flag");
	expect_bad(&req, VHU_FROM_BACKEND, "reply flag");
	/* a GET_CONFIG reply of size 0 means "failed": valid */
	vhu_msg_init(&req, VHU_GET_CONFIG);
	vhu_msg_make_reply(&m, &req);
	assert_int_equal(vhu_msg_validate(&m, VHU_FROM_BACKEND, NULL), 0);
	/* a REPLY_ACK is a u64 */
	vhu_msg_init(&req, VHU_SET_MEM_TABLE);
	vhu_msg_make_reply(&m, &req);
	expect_bad(&m, VHU_FROM_BACKEND, "size");
	m.size = 8;
	assert_int_equal(vhu_msg_validate(&m, VHU_FROM_BACKEND, NULL), 0);
	/* replies carry no fds */
	m.nfds = 1;
	m.fds[0] = 0;
	expect_bad(&m, VHU_FROM_BACKEND, "too many");
	m.nfds = 0;
	/* unknown request */
	m.request = 200;
	expect_bad(&m, VHU_FROM_BACKEND, "unknown");
	/* GET_VRING_BASE reply */
	vhu_msg_state(&m, VHU_GET_VRING_BASE, 1, 7);
	m.flags |= VHU_FLAG_REPLY;
	assert_int_equal(vhu_msg_validate(&m, VHU_FROM_BACKEND, NULL), 0);
	m.payload.state.index = VHU_MAX_QUEUES;
	expect_bad(&m, VHU_FROM_BACKEND, "index");
}

static void test_header_bad(void **state)
{
	struct vhu_msg m, out;
	uint32_t hdr[3];
	const char *why;
	size_t n;

	(void)state;
	vhu_msg_u64(&m, VHU_SET_FEATURES, 1);
	m.flags = 2;	/* version 2 */
	expect_bad(&m, VHU_FROM_FRONTEND, "version");
	m.flags = VHU_VERSION | (1U << 5);
	expect_bad(&m, VHU_FROM_FRONTEND, "flags");
	vhu_msg_init(&m, 99);
	expect_bad(&m, VHU_FROM_FRONTEND, "unsupported");
	/* short buffers and length mismatches */
	vhu_msg_u64(&m, VHU_SET_FEATURES, 1);
	n = vhu_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(vhu_msg_decode(&out, buf, 5, NULL, 0, VHU_FROM_FRONTEND, &why), -1);
	assert_int_equal(vhu_msg_decode(&out, buf, n - 1, NULL, 0, VHU_FROM_FRONTEND, &why), -1);
	assert_non_null(strstr(why, "length"));
	/* a huge size in the header */
	hdr[0] = VHU_SET_FEATURES;
	hdr[1] = VHU_VERSION;
	hdr[2] = 0xffffffffU;
	memcpy(buf, hdr, sizeof(hdr));
	assert_int_equal(vhu_msg_decode(&out, buf, sizeof(buf), NULL, 0, VHU_FROM_FRONTEND, &why), -1);
	/* too many fds */
	{
		int fds[VHU_MAX_FDS + 1] = { 0 };

		n = vhu_msg_encode(&m, buf, sizeof(buf));
		assert_int_equal(vhu_msg_decode(&out, buf, n, fds, VHU_MAX_FDS + 1,
						VHU_FROM_FRONTEND, &why), -1);
		assert_non_null(strstr(why, "too many"));
	}
	/* the encoder refuses an oversized payload */
	m.size = VHU_MAX_PAYLOAD + 1;
	assert_int_equal(vhu_msg_encode(&m, buf, sizeof(buf)), 0);
	assert_string_equal(vhu_request_name(VHU_SET_MEM_TABLE), "SET_MEM_TABLE");
	assert_string_equal(vhu_request_name(1000), "unknown");
}

/* ---- socket I/O ---- */

static void test_io_fds(void **state)
{
	struct vhu_region r;
	struct vhu_msg m, out;
	int sv[2], efd = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 7;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	region(&r, 0x100000, 0x4000000);
	assert_int_equal(vhu_msg_mem_table(&m, &r, &efd, 1), 0);
	assert_int_equal(vhu_send(sv[0], &m), 0);
	assert_int_equal(vhu_recv(sv[1], &out, VHU_FROM_FRONTEND, 1000, NULL), 0);
	assert_int_equal(out.nfds, 1);
	assert_int_not_equal(out.fds[0], efd);
	/* the received fd is the same eventfd */
	assert_int_equal(write(out.fds[0], &v, 8), 8);
	v = 0;
	assert_int_equal(read(efd, &v, 8), 8);
	assert_int_equal(v, 7);
	vhu_msg_close_fds(&out);
	close(efd);
	close(sv[0]);
	close(sv[1]);
}

static void test_io_errors(void **state)
{
	struct vhu_msg m, out;
	const char *why;
	int sv[2];
	uint32_t hdr[3] = { VHU_SET_FEATURES, VHU_VERSION, 8 };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* nothing arrives: timeout */
	assert_int_equal(vhu_recv(sv[1], &out, VHU_FROM_BACKEND, 50, NULL), -ETIMEDOUT);
	/* half a message, then the peer closes */
	assert_int_equal(write(sv[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	assert_int_equal(vhu_recv(sv[1], &out, VHU_FROM_FRONTEND, 500, NULL), -ECONNRESET);
	close(sv[1]);
	/* a malformed message: -EPROTO with a reason; fds closed */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 0);
	assert_int_equal(vhu_send(sv[0], &m), 0);
	assert_int_equal(vhu_recv(sv[1], &out, VHU_FROM_FRONTEND, 500, &why), -EPROTO);
	assert_non_null(strstr(why, "size"));
	/* too many fds on the wire */
	{
		union {
			char b[CMSG_SPACE((VHU_MAX_FDS + 2) * sizeof(int))];
			struct cmsghdr a;
		} ctl;
		int fds[VHU_MAX_FDS + 2];
		unsigned int i;
		uint64_t payload = 0;
		uint32_t h[3] = { VHU_SET_VRING_KICK, VHU_VERSION, 8 };
		struct iovec iov[2] = { { h, sizeof(h) }, { &payload, 8 } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		for (i = 0; i < VHU_MAX_FDS + 2; i++)
			fds[i] = eventfd(0, EFD_CLOEXEC);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(c), fds, sizeof(fds));
		assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)(sizeof(h) + 8));
		assert_int_equal(vhu_recv(sv[1], &out, VHU_FROM_FRONTEND, 500, &why), -EPROTO);
		assert_non_null(strstr(why, "too many"));
		for (i = 0; i < VHU_MAX_FDS + 2; i++)
			close(fds[i]);
	}
	/* sending to a closed peer */
	close(sv[1]);
	vhu_msg_u64(&m, VHU_SET_FEATURES, 0);
	assert_int_equal(vhu_send(sv[0], &m), -ECONNRESET);
	close(sv[0]);
	/* connecting to nothing */
	assert_int_equal(vhu_connect("/nonexistent/vhu.sock"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_roundtrip),
		cmocka_unit_test(test_no_payload_requests),
		cmocka_unit_test(test_state_and_addr),
		cmocka_unit_test(test_state_bad),
		cmocka_unit_test(test_vring_fd),
		cmocka_unit_test(test_mem_table),
		cmocka_unit_test(test_mem_table_ranges),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_header_bad),
		cmocka_unit_test(test_io_fds),
		cmocka_unit_test(test_io_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
