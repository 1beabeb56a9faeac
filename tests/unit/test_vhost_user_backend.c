// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka: lib/vhost-user's backend server (vhost_user_backend.c) driven by a
 * scripted frontend over its UNIX socket, with a fake two-queue device that
 * completes every request at once. Covers the handshake, a ring that runs
 * (kick -> device -> used ring -> call), GET_VRING_BASE, and what a hostile
 * frontend may send: refused with REPLY_ACK, or the connection dropped and
 * the next frontend served; and the SIGBUS guard (vhost_user_guard.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "vhost_user_backend.h"
#include "vhost_user_guard.h"

#define DEV_FEATURE (1ULL << 0)
#define MEM_SIZE 0x10000UL
#define GPA 0x100000ULL		/* driver addresses */
#define UVA 0x7f0000000ULL	/* frontend addresses, deliberately different */
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000
#define BUF 0x3000

struct fake_dev {
	atomic_int kicks, resets, served;
};

static uint64_t f_features(void *o) { (void)o; return DEV_FEATURE; }
static uint32_t f_queue_num(void *o) { (void)o; return 2; }
static uint32_t f_get_config(void *o, uint8_t *buf, uint32_t cap)
{
	(void)o;
	for (uint32_t i = 0; i < 8 && i < cap; i++)
		buf[i] = (uint8_t)(0xa0 + i);
	return 8 < cap ? 8 : cap;
}
static void f_kick(void *o, struct vhu_backend *b, uint32_t q)
{
	struct fake_dev *d = o;
	struct vq_elem *e = malloc(sizeof(*e));

	atomic_fetch_add(&d->kicks, 1);
	while (e && vhu_backend_pop(b, q, e) == 1) {
		vhu_backend_push(b, q, e->head, 4);
		atomic_fetch_add(&d->served, 1);
	}
	free(e);
}
static void f_reset(void *o) { atomic_fetch_add(&((struct fake_dev *)o)->resets, 1); }

static const struct vhu_dev_ops fake_ops = {
	.features = f_features, .queue_num = f_queue_num, .get_config = f_get_config,
	.kick = f_kick, .reset = f_reset,
};

struct env {
	char dir[64], path[96];
	struct fake_dev dev;
	struct vhu_backend *b;
	pthread_t thread;
	volatile int stop;
	int sock;		/* the test's frontend connection */
	int memfd;
	uint8_t *mem;		/* the test's view of the memory */
};

static void *run(void *arg)
{
	struct env *e = arg;

	vhu_backend_run(e->b, &e->stop, -1);
	return NULL;
}

/* When set, the next setup's backend declines indirect descriptors. */
static bool setup_no_indirect;

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vhu_backend_config cfg = { .ops = &fake_ops, .name = "test",
					  .no_indirect_desc = setup_no_indirect };
	int lfd;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/vhub.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/s", e->dir);
	lfd = vhu_listen_unix(e->path);
	assert_true(lfd >= 0);
	cfg.opaque = &e->dev;
	e->b = vhu_backend_create(&cfg, lfd);
	assert_non_null(e->b);
	assert_int_equal(pthread_create(&e->thread, NULL, run, e), 0);
	e->sock = vhu_connect(e->path);
	assert_true(e->sock >= 0);
	e->memfd = memfd_create("vhub", MFD_CLOEXEC);
	assert_true(e->memfd >= 0);
	assert_int_equal(ftruncate(e->memfd, MEM_SIZE), 0);
	e->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, e->memfd, 0);
	assert_true(e->mem != MAP_FAILED);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	close(e->sock);
	e->stop = 1;
	pthread_join(e->thread, NULL);
	vhu_backend_destroy(e->b);
	munmap(e->mem, MEM_SIZE);
	close(e->memfd);
	unlink(e->path);
	rmdir(e->dir);
	free(e);
	return 0;
}

/* Send m; receive its reply (own or REPLY_ACK) into *r. */
static int call(struct env *e, struct vhu_msg *m, struct vhu_msg *r)
{
	const char *why;

	assert_int_equal(vhu_send(e->sock, m), 0);
	return vhu_recv(e->sock, r, VHU_FROM_BACKEND, 2000, &why);
}

static uint64_t get_u64(struct env *e, uint32_t req)
{
	struct vhu_msg m, r;

	vhu_msg_init(&m, req);
	assert_int_equal(call(e, &m, &r), 0);
	assert_int_equal(r.request, req);
	return r.payload.u64;
}

/* A request with REPLY_ACK: the backend's status (0 = done). */
static uint64_t acked(struct env *e, struct vhu_msg *m)
{
	struct vhu_msg r;

	m->flags |= VHU_FLAG_NEED_REPLY;
	assert_int_equal(call(e, m, &r), 0);
	assert_int_equal(r.request, m->request);
	return r.payload.u64;
}

static void hello(struct env *e)
{
	struct vhu_msg m;

	vhu_msg_u64(&m, VHU_SET_PROTOCOL_FEATURES, get_u64(e, VHU_GET_PROTOCOL_FEATURES));
	assert_int_equal(vhu_send(e->sock, &m), 0);
	vhu_msg_init(&m, VHU_SET_OWNER);
	assert_int_equal(acked(e, &m), 0);
}

static void test_handshake(void **state)
{
	struct env *e = *state;
	uint64_t f = get_u64(e, VHU_GET_FEATURES), p;
	struct vhu_msg m, r;

	assert_true(f & (1ULL << 32));			/* VERSION_1 */
	assert_true(f & (1ULL << 28));			/* INDIRECT_DESC */
	assert_true(f & (1ULL << 29));			/* EVENT_IDX */
	assert_true(f & VHU_BIT(VHU_F_PROTOCOL_FEATURES));
	assert_true(f & DEV_FEATURE);
	p = get_u64(e, VHU_GET_PROTOCOL_FEATURES);
	assert_int_equal(p, VHU_BIT(VHU_PROTOCOL_F_MQ) | VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) |
			    VHU_BIT(VHU_PROTOCOL_F_CONFIG) | VHU_BIT(VHU_PROTOCOL_F_RESET_DEVICE));
	hello(e);
	assert_int_equal(get_u64(e, VHU_GET_QUEUE_NUM), 2);
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 2, 4, 0, NULL), 0);
	assert_int_equal(call(e, &m, &r), 0);
	assert_int_equal(r.payload.config.size, 4);
	assert_int_equal(r.payload.config.region[0], 0xa2);
	/* beyond the config space: an empty reply, the connection stays */
	assert_int_equal(vhu_msg_config(&m, VHU_GET_CONFIG, 4, 8, 0, NULL), 0);
	assert_int_equal(call(e, &m, &r), 0);
	assert_int_equal(r.size, 0);
	/* unknown feature bits, protocol bits: refused */
	vhu_msg_u64(&m, VHU_SET_FEATURES, 1ULL << 40);
	assert_int_not_equal(acked(e, &m), 0);
	vhu_msg_u64(&m, VHU_SET_FEATURES, f);
	assert_int_equal(acked(e, &m), 0);
}

/* A device that declines INDIRECT_DESC: not offered, and refused. */
static int setup_without_indirect(void **state)
{
	int r;

	setup_no_indirect = true;
	r = setup(state);
	setup_no_indirect = false;
	return r;
}

static void test_no_indirect(void **state)
{
	struct env *e = *state;
	uint64_t f = get_u64(e, VHU_GET_FEATURES);
	struct vhu_msg m;

	assert_false(f & (1ULL << 28));			/* INDIRECT_DESC */
	assert_true(f & (1ULL << 29));			/* the rest as ever */
	assert_true(f & DEV_FEATURE);
	hello(e);
	vhu_msg_u64(&m, VHU_SET_FEATURES, f | (1ULL << 28));
	assert_int_not_equal(acked(e, &m), 0);
	vhu_msg_u64(&m, VHU_SET_FEATURES, f);
	assert_int_equal(acked(e, &m), 0);
}

static void mem_table(struct env *e, uint64_t mmap_offset, uint64_t expect)
{
	struct vhu_region reg = { .guest_phys_addr = GPA, .memory_size = MEM_SIZE,
				  .userspace_addr = UVA, .mmap_offset = mmap_offset };
	struct vhu_msg m;

	assert_int_equal(vhu_msg_mem_table(&m, &reg, &e->memfd, 1), 0);
	assert_int_equal(acked(e, &m), expect);
}

static void wait_for(atomic_int *v, int want)
{
	for (int i = 0; i < 200 && atomic_load(v) < want; i++)
		usleep(10000);
	assert_true(atomic_load(v) >= want);
}

/* Negotiate `features' and start queue 0 (8 entries at DESC/AVAIL/USED,
 * base 0) with the given call and kick eventfds; not enabled yet. */
static void start_ring(struct env *e, uint64_t features, int callfd, int kick)
{
	struct vhu_msg m;

	hello(e);
	vhu_msg_u64(&m, VHU_SET_FEATURES, features | VHU_BIT(VHU_F_PROTOCOL_FEATURES));
	assert_int_equal(acked(e, &m), 0);
	mem_table(e, 0, 0);
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 8);
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_state(&m, VHU_SET_VRING_BASE, 0, 0);
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_addr(&m, 0, UVA + DESC, UVA + USED, UVA + AVAIL);
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_vring_fd(&m, VHU_SET_VRING_CALL, 0, callfd);
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_vring_fd(&m, VHU_SET_VRING_KICK, 0, kick);
	assert_int_equal(acked(e, &m), 0);
}

static void test_ring_runs(void **state)
{
	struct env *e = *state;
	struct vring_desc *desc = (void *)(e->mem + DESC);
	struct vring_avail *avail = (void *)(e->mem + AVAIL);
	struct vring_used *used = (void *)(e->mem + USED);
	int kick = eventfd(0, EFD_CLOEXEC), callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct vhu_msg m, r;
	uint64_t v;

	start_ring(e, 1ULL << 32, callfd, kick);
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, 0, 1);
	assert_int_equal(acked(e, &m), 0);
	wait_for(&e->dev.kicks, 1);	/* enabling looks for requests once */

	/* one writable buffer at a driver address */
	desc[0].addr = GPA + BUF;
	desc[0].len = 64;
	desc[0].flags = VRING_DESC_F_WRITE;
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	v = 1;
	assert_int_equal(write(kick, &v, sizeof(v)), sizeof(v));
	wait_for(&e->dev.served, 1);
	assert_int_equal(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(used->ring[0].id, 0);
	assert_int_equal(used->ring[0].len, 4);
	assert_int_equal(read(callfd, &v, sizeof(v)), sizeof(v));

	/* stop: the device is reset, the base is where the ring stopped */
	vhu_msg_state(&m, VHU_GET_VRING_BASE, 0, 0);
	assert_int_equal(call(e, &m, &r), 0);
	assert_int_equal(r.payload.state.num, 1);
	assert_true(atomic_load(&e->dev.resets) >= 1);
	close(kick);
	close(callfd);
}

/*
 * RESET_DEVICE: the device is reset, the rings stop (a request posted
 * afterwards is not served), and the same frontend can negotiate and start
 * the ring again.
 */
static void test_reset_device(void **state)
{
	struct env *e = *state;
	struct vring_desc *desc = (void *)(e->mem + DESC);
	struct vring_avail *avail = (void *)(e->mem + AVAIL);
	struct vring_used *used = (void *)(e->mem + USED);
	int kick = eventfd(0, EFD_CLOEXEC), callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct vhu_msg m;
	int resets;
	uint64_t v = 1;

	start_ring(e, 1ULL << 32, callfd, kick);
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, 0, 1);
	assert_int_equal(acked(e, &m), 0);
	desc[0] = (struct vring_desc){ .addr = GPA + BUF, .len = 64, .flags = VRING_DESC_F_WRITE };
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	assert_int_equal(write(kick, &v, sizeof(v)), sizeof(v));
	wait_for(&e->dev.served, 1);

	resets = atomic_load(&e->dev.resets);
	vhu_msg_init(&m, VHU_RESET_DEVICE);
	assert_int_equal(acked(e, &m), 0);
	assert_int_equal(atomic_load(&e->dev.resets), resets + 1);
	/* Stopped: a new request and a kick are not served. */
	avail->ring[1] = 0;
	__atomic_store_n(&avail->idx, 2, __ATOMIC_RELEASE);
	assert_int_equal(write(kick, &v, sizeof(v)), sizeof(v));
	usleep(100000);
	assert_int_equal(atomic_load(&e->dev.served), 1);
	assert_int_equal(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), 1);

	/* A fresh start after the reset, as a driver that probes again. */
	memset(e->mem + AVAIL, 0, 64);
	memset(e->mem + USED, 0, 128);
	close(kick);
	close(callfd);
	kick = eventfd(0, EFD_CLOEXEC);
	callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	start_ring(e, 1ULL << 32, callfd, kick);
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, 0, 1);
	assert_int_equal(acked(e, &m), 0);
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	assert_int_equal(write(kick, &v, sizeof(v)), sizeof(v));
	wait_for(&e->dev.served, 2);
	assert_int_equal(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), 1);
	close(kick);
	close(callfd);
}

static void test_hostile(void **state)
{
	struct env *e = *state;
	int kick = eventfd(0, EFD_CLOEXEC);
	struct vhu_msg m;
	uint8_t junk[VHU_HDR_SIZE] = { 0xff, 0xff, 0, 0, 0x7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	int resets;

	hello(e);
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 5, 8);		/* no such queue */
	assert_int_not_equal(acked(e, &m), 0);
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 3);		/* not a power of 2 */
	assert_int_not_equal(acked(e, &m), 0);
	mem_table(e, 1, 1);					/* unaligned offset */
	mem_table(e, 0, 0);
	vhu_msg_state(&m, VHU_SET_VRING_NUM, 0, 8);
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_addr(&m, 0, UVA + MEM_SIZE, UVA + USED, UVA + AVAIL);	/* outside */
	assert_int_equal(acked(e, &m), 0);
	vhu_msg_vring_fd(&m, VHU_SET_VRING_KICK, 0, kick);
	assert_int_not_equal(acked(e, &m), 0);			/* cannot start */
	vhu_msg_vring_fd(&m, VHU_SET_VRING_KICK, 0, -1);		/* polling */
	assert_int_not_equal(acked(e, &m), 0);
	close(kick);

	/* garbage: the connection is dropped, the device reset ... */
	resets = atomic_load(&e->dev.resets);
	assert_int_equal(write(e->sock, junk, sizeof(junk)), sizeof(junk));
	{
		struct pollfd p = { .fd = e->sock, .events = POLLIN };
		char c;

		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(e->sock, &c, 1), 0);
	}
	wait_for(&e->dev.resets, resets + 1);
	/* ... and the next frontend is served */
	close(e->sock);
	e->sock = vhu_connect(e->path);
	assert_true(e->sock >= 0);
	assert_int_equal(get_u64(e, VHU_GET_QUEUE_NUM), 2);
}

/*
 * The kernel revokes the whole window when a frontend gives up in the middle
 * of starting the rings (the adapter's reply bound expired, the device was
 * removed). The backend then handles the rest of what was sent already:
 * SET_VRING_ENABLE looks for requests in revoked rings. That must read the
 * guard's zero pages, not crash, and the next frontend must be served.
 */
static void test_revoked_rings(void **state)
{
	struct env *e = *state;
	struct vring_desc *desc = (void *)(e->mem + DESC);
	struct vring_avail *avail = (void *)(e->mem + AVAIL);
	int kick = eventfd(0, EFD_CLOEXEC), callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct vhu_msg m;
	int kicks;

	vhu_guard_install();	/* again: cmocka took SIGBUS for each test */
	start_ring(e, (1ULL << 32) | (1ULL << 29), callfd, kick);
	/* a request waits, then every page of the window is revoked */
	desc[0].addr = GPA + BUF;
	desc[0].len = 64;
	desc[0].flags = VRING_DESC_F_WRITE;
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	vhu_guard_take_faults();
	assert_int_equal(ftruncate(e->memfd, 0), 0);
	kicks = atomic_load(&e->dev.kicks);
	vhu_msg_state(&m, VHU_SET_VRING_ENABLE, 0, 1);
	assert_int_equal(acked(e, &m), 0);
	wait_for(&e->dev.kicks, kicks + 1);
	/* the zero pages show no request; nothing was served */
	assert_int_equal(atomic_load(&e->dev.served), 0);
	assert_true(vhu_guard_take_faults() >= 1);
	/* the frontend goes; the next one is served */
	close(e->sock);
	e->sock = vhu_connect(e->path);
	assert_true(e->sock >= 0);
	assert_int_equal(get_u64(e, VHU_GET_QUEUE_NUM), 2);
	close(kick);
	close(callfd);
}

/* Pages revoked under a registered mapping (here: the file shrinks) are
 * replaced on access instead of killing the process. */
static void test_guard(void **state)
{
	int fd = memfd_create("guard", MFD_CLOEXEC);
	volatile uint8_t *p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * 4096), 0);
	p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	vhu_guard_install();
	vhu_guard_add((void *)p, 2 * 4096);
	vhu_guard_take_faults();
	p[4096] = 1;
	assert_int_equal(ftruncate(fd, 0), 0);	/* both pages now SIGBUS */
	p[4096 + 8] = 2;
	assert_int_equal(p[4096 + 8], 2);	/* a private page took the write */
	(void)p[0];
	assert_int_equal(vhu_guard_take_faults(), 2);
	vhu_guard_del((void *)p);
	munmap((void *)p, 2 * 4096);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_indirect, setup_without_indirect, teardown),
		cmocka_unit_test_setup_teardown(test_ring_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_rings, setup, teardown),
		cmocka_unit_test(test_guard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
