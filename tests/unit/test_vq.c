// SPDX-License-Identifier: MIT
/*
 * Unit tests of lib/virtqueue: the device side of split virtqueues. A test
 * plays the driver: it lays out rings in a fake driver memory, offers
 * descriptor chains (good and hostile) and checks what the device takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <endian.h>
#include <linux/virtio_ring.h>

#include "vq_iov.h"
#include "vq_mem.h"
#include "vq_split.h"

#define MEM_BASE 0x100000ull /* driver address of the fake memory */
#define MEM_SIZE (1u << 20)
#define QNUM 16
#define DESC_AT (MEM_BASE)
#define AVAIL_AT (MEM_BASE + 0x10000)
#define USED_AT (MEM_BASE + 0x20000)
#define BUF_AT (MEM_BASE + 0x40000) /* data buffers from here on */

struct fixture {
	uint8_t *mem;
	struct vq_mem m;
	struct vq vq;
	struct vq_elem e;
	uint16_t avail_idx;
};

static void *host(struct fixture *f, uint64_t addr)
{
	return f->mem + (addr - MEM_BASE);
}

static struct vring_desc *desc(struct fixture *f)
{
	return host(f, DESC_AT);
}

static struct vring_avail *avail(struct fixture *f)
{
	return host(f, AVAIL_AT);
}

static struct vring_used *used(struct fixture *f)
{
	return host(f, USED_AT);
}

static void set_desc(struct vring_desc *table, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	table[i].addr = htole64(addr);
	table[i].len = htole32(len);
	table[i].flags = htole16(flags);
	table[i].next = htole16(next);
}

/* The driver makes head available. */
static void offer(struct fixture *f, uint16_t head)
{
	avail(f)->ring[f->avail_idx % QNUM] = htole16(head);
	f->avail_idx++;
	avail(f)->idx = htole16(f->avail_idx);
}

static int setup_features(void **state, bool event_idx, bool indirect)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mem = calloc(1, MEM_SIZE);
	assert_non_null(f->mem);
	assert_int_equal(vq_mem_add(&f->m, MEM_BASE, MEM_SIZE, f->mem), 0);
	assert_int_equal(vq_init(&f->vq, &f->m, QNUM, DESC_AT, AVAIL_AT, USED_AT, 0, event_idx,
				 indirect),
			 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_features(state, false, true);
}

static int setup_event_idx(void **state)
{
	return setup_features(state, true, true);
}

static int setup_no_indirect(void **state)
{
	return setup_features(state, false, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vq_fini(&f->vq);
	free(f->mem);
	free(f);
	return 0;
}

static void test_init_rejects_bad_rings(void **state)
{
	struct fixture *f = *state;
	struct vq vq;

	assert_int_equal(vq_init(&vq, &f->m, 12, DESC_AT, AVAIL_AT, USED_AT, 0, false, false), -1);
	assert_string_equal(vq.error, "queue size is not a power of 2");
	assert_int_equal(vq_init(&vq, &f->m, 0, DESC_AT, AVAIL_AT, USED_AT, 0, false, false), -1);
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT + 8, AVAIL_AT, USED_AT, 0, false, false),
			 -1);
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, AVAIL_AT + 1, USED_AT, 0, false, false),
			 -1);
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, AVAIL_AT, USED_AT + 2, 0, false, false),
			 -1);
	/* the used ring would run past the end of driver memory */
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, AVAIL_AT, MEM_BASE + MEM_SIZE - 64, 0,
				 false, false),
			 -1);
	assert_string_equal(vq.error, "ring part outside driver memory");
	assert_int_equal(vq_init(&vq, &f->m, 16, 0, AVAIL_AT, USED_AT, 0, false, false), -1);
	/* parts laid over each other: our used index would be the driver's
	 * available index (fuzz_vhost_user_backend looped on that) */
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, AVAIL_AT, AVAIL_AT, 0, false, false), -1);
	assert_string_equal(vq.error, "ring parts overlap");
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, USED_AT - 2, USED_AT, 0, false, false),
			 -1);
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, DESC_AT + 16 * 16 - 2, USED_AT, 0, false,
				 false),
			 -1);
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, AVAIL_AT, DESC_AT + 16 * 16 - 4, 0, false,
				 false),
			 -1);
	/* adjacent is fine */
	assert_int_equal(vq_init(&vq, &f->m, 16, DESC_AT, DESC_AT + 16 * 16, USED_AT, 0, false, false),
			 0);
	vq_fini(&vq);
}

static void test_pop_chain(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 0); /* nothing offered yet */
	set_desc(desc(f), 3, BUF_AT, 8, VRING_DESC_F_NEXT, 7);
	set_desc(desc(f), 7, BUF_AT + 100, 16, VRING_DESC_F_NEXT, 1);
	set_desc(desc(f), 1, BUF_AT + 200, 4, VRING_DESC_F_WRITE, 0);
	offer(f, 3);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(f->e.head, 3);
	assert_int_equal(f->e.out_num, 2);
	assert_int_equal(f->e.in_num, 1);
	assert_ptr_equal(f->e.iov[0].iov_base, host(f, BUF_AT));
	assert_int_equal(f->e.iov[1].iov_len, 16);
	assert_ptr_equal(f->e.iov[2].iov_base, host(f, BUF_AT + 200));
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 0);
	assert_int_equal(f->vq.inflight, 1);
}

static void test_push_out_of_order(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_WRITE, 0);
	set_desc(desc(f), 1, BUF_AT + 4, 4, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	offer(f, 1);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(vq_push(&f->vq, 1, 4), 0);
	assert_int_equal(vq_push(&f->vq, 0, 2), 0);
	assert_int_equal(le16toh(used(f)->idx), 2);
	assert_int_equal(le32toh(used(f)->ring[0].id), 1);
	assert_int_equal(le32toh(used(f)->ring[0].len), 4);
	assert_int_equal(le32toh(used(f)->ring[1].id), 0);
	assert_int_equal(le32toh(used(f)->ring[1].len), 2);
	/* completing twice, or a head never taken, is refused */
	assert_int_equal(vq_push(&f->vq, 0, 2), -1);
	assert_int_equal(vq_push(&f->vq, 5, 2), -1);
	assert_int_equal(vq_push(&f->vq, 999, 2), -1);
	assert_int_equal(le16toh(used(f)->idx), 2);
	assert_int_equal(f->vq.inflight, 0);
}

/* Offer head and expect the queue to break with the given reason. */
static void expect_broken(struct fixture *f, uint16_t head, const char *why)
{
	offer(f, head);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), -1);
	assert_true(f->vq.broken);
	assert_string_equal(f->vq.error, why);
	/* broken for good: nothing more is taken */
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), -1);
}

static void test_loop(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_NEXT, 1);
	set_desc(desc(f), 1, BUF_AT, 4, VRING_DESC_F_NEXT, 0);
	expect_broken(f, 0, "loop in descriptor chain");
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_NEXT, QNUM);
	expect_broken(f, 0, "next index out of range");
}

static void test_head_out_of_range(void **state)
{
	expect_broken(*state, QNUM + 3, "available head out of range");
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(desc(f), 1, BUF_AT, 4, 0, 0);
	expect_broken(f, 0, "readable descriptor after a writable one");
}

static void test_address_outside_memory(void **state)
{
	struct fixture *f = *state;

	/* starts inside, ends one byte past the end */
	set_desc(desc(f), 0, MEM_BASE + MEM_SIZE - 8, 9, 0, 0);
	expect_broken(f, 0, "descriptor address outside driver memory");
}

static void test_address_wraps(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, UINT64_MAX - 3, 16, 0, 0);
	expect_broken(f, 0, "descriptor address outside driver memory");
}

static void test_avail_index_jump(void **state)
{
	struct fixture *f = *state;

	avail(f)->idx = htole16(QNUM + 1);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), -1);
	assert_string_equal(f->vq.error, "available index moved backwards or by more than the queue size");
}

static void test_head_offered_twice(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 2, BUF_AT, 4, 0, 0);
	offer(f, 2);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	expect_broken(f, 2, "available head is already in flight");
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	struct vring_desc *table = host(f, BUF_AT + 0x1000);

	set_desc(table, 0, BUF_AT, 12, VRING_DESC_F_NEXT, 2);
	set_desc(table, 2, BUF_AT + 64, 100, VRING_DESC_F_WRITE, 0);
	set_desc(desc(f), 5, BUF_AT + 0x1000, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 5);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(f->e.head, 5);
	assert_int_equal(f->e.out_num, 1);
	assert_int_equal(f->e.in_num, 1);
	assert_int_equal(f->e.iov[1].iov_len, 100);
}

static void test_indirect_hostile(void **state)
{
	static const struct {
		uint32_t len;
		uint16_t flags;
		uint16_t inner_flags;
		uint16_t inner_next;
		const char *why;
	} cases[] = {
		{ 40, VRING_DESC_F_INDIRECT, 0, 0, "indirect table size invalid" },
		{ 0, VRING_DESC_F_INDIRECT, 0, 0, "indirect table size invalid" },
		{ 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 0, 0,
		  "indirect descriptor with NEXT set" },
		{ 32, VRING_DESC_F_INDIRECT, VRING_DESC_F_INDIRECT, 0, "nested indirect table" },
		{ 32, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, 2, "indirect next index out of range" },
		{ 32, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, 0, "loop in indirect table" },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		void *st;
		struct fixture *f;
		struct vring_desc *table;

		setup(&st);
		f = st;
		table = host(f, BUF_AT + 0x1000);
		set_desc(table, 0, BUF_AT, 4, cases[c].inner_flags, cases[c].inner_next);
		set_desc(table, 1, BUF_AT, 4, 0, 0);
		set_desc(desc(f), 0, BUF_AT + 0x1000, cases[c].len, cases[c].flags, 1);
		expect_broken(f, 0, cases[c].why);
		teardown(&st);
	}
}

static void test_indirect_inside_chain(void **state)
{
	struct fixture *f = *state;

	set_desc(host(f, BUF_AT + 0x1000), 0, BUF_AT, 4, 0, 0);
	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_NEXT, 1);
	set_desc(desc(f), 1, BUF_AT + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	expect_broken(f, 0, "indirect descriptor inside a chain");
}

static void test_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;

	set_desc(host(f, BUF_AT + 0x1000), 0, BUF_AT, 4, 0, 0);
	set_desc(desc(f), 0, BUF_AT + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	expect_broken(f, 0, "indirect descriptor without INDIRECT_DESC");
}

static void test_too_many_segments(void **state)
{
	struct fixture *f = *state;
	unsigned int n = VQ_MAX_SEGS + 1;
	struct vring_desc *table = host(f, BUF_AT + 0x10000);

	for (unsigned int i = 0; i < n; i++)
		set_desc(table, i, BUF_AT, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	set_desc(desc(f), 0, BUF_AT + 0x10000, n * 16, VRING_DESC_F_INDIRECT, 0);
	expect_broken(f, 0, "request has too many segments");
}

static void test_notify_flags(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(vq_push(&f->vq, 0, 4), 0);
	assert_true(vq_should_notify(&f->vq));
	avail(f)->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	assert_false(vq_should_notify(&f->vq));

	/* kicks off, then on again with a request that arrived meanwhile */
	assert_false(vq_set_notify(&f->vq, false));
	assert_true(le16toh(used(f)->flags) & VRING_USED_F_NO_NOTIFY);
	assert_false(vq_set_notify(&f->vq, true));
	offer(f, 0);
	assert_true(vq_set_notify(&f->vq, true));
	assert_false(le16toh(used(f)->flags) & VRING_USED_F_NO_NOTIFY);
}

/*
 * An available index that went back behind what was taken (a lying
 * driver, or rings whose parts alias through two mappings of the same
 * memory, which no address check sees): "more requests" there made the
 * kick loop pop nothing and ask again for ever. Now the queue breaks.
 */
static void test_notify_index_behind(void **state)
{
	struct fixture *f = *state;

	set_desc(desc(f), 0, BUF_AT, 4, 0, 0);
	offer(f, 0);
	assert_false(vq_set_notify(&f->vq, false));
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	avail(f)->idx = htole16(0);
	assert_false(vq_set_notify(&f->vq, true));
	assert_true(f->vq.broken);
	assert_string_equal(f->vq.error, "available index moved backwards or by more than the queue size");
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), -1);
}

/* An index more than a ring ahead, seen when kicks come back on. */
static void test_notify_index_jump(void **state)
{
	struct fixture *f = *state;

	assert_false(vq_set_notify(&f->vq, false));
	avail(f)->idx = htole16(QNUM + 1);
	assert_false(vq_set_notify(&f->vq, true));
	assert_string_equal(f->vq.error, "available index moved backwards or by more than the queue size");
}

static void test_notify_event_idx(void **state)
{
	struct fixture *f = *state;
	uint16_t *used_event = (uint16_t *)&avail(f)->ring[QNUM];
	uint16_t *avail_event = (uint16_t *)&used(f)->ring[QNUM];

	for (uint16_t i = 0; i < 4; i++)
		set_desc(desc(f), i, BUF_AT + i * 8u, 8, VRING_DESC_F_WRITE, 0);
	for (uint16_t i = 0; i < 4; i++)
		offer(f, i);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	/* the device asks to be kicked when entry 4 is offered */
	assert_int_equal(le16toh(*avail_event), 4);

	/* the driver wants an interrupt once used index passes 2 */
	*used_event = htole16(2);
	assert_int_equal(vq_push(&f->vq, 0, 8), 0);
	assert_true(vq_should_notify(&f->vq)); /* first notification: always */
	assert_int_equal(vq_push(&f->vq, 1, 8), 0);
	assert_false(vq_should_notify(&f->vq)); /* used idx 2: event 2 not crossed */
	assert_int_equal(vq_push(&f->vq, 2, 8), 0);
	assert_true(vq_should_notify(&f->vq)); /* used idx 3 crossed event 2 */
	assert_false(vq_should_notify(&f->vq)); /* nothing new */
}

/* A device polling the ring with kicks off: pops must not ask for kicks. */
static void test_kicks_stay_off_event_idx(void **state)
{
	struct fixture *f = *state;
	uint16_t *avail_event = (uint16_t *)&used(f)->ring[QNUM];

	for (uint16_t i = 0; i < 4; i++)
		set_desc(desc(f), i, BUF_AT + i * 8u, 8, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(le16toh(*avail_event), 1);
	assert_false(vq_set_notify(&f->vq, false));
	for (uint16_t i = 1; i < 4; i++)
		offer(f, i);
	for (int i = 1; i < 4; i++)
		assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	/* still 1: the driver, at avail index 4, does not kick */
	assert_int_equal(le16toh(*avail_event), 1);
	assert_false(vq_set_notify(&f->vq, true));
	assert_int_equal(le16toh(*avail_event), 4);
	/* popping with kicks on asks for the next one again */
	assert_int_equal(vq_push(&f->vq, 0, 8), 0);
	set_desc(desc(f), 0, BUF_AT, 8, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->m, &f->e), 1);
	assert_int_equal(le16toh(*avail_event), 5);
}

static void test_base_and_used_index(void **state)
{
	struct fixture *f = *state;
	struct vq vq;

	/* a queue resumed at base 5 with the driver's used index at 5 */
	used(f)->idx = htole16(5);
	assert_int_equal(vq_init(&vq, &f->m, QNUM, DESC_AT, AVAIL_AT, USED_AT, 5, false, false), 0);
	set_desc(desc(f), 9, BUF_AT, 4, VRING_DESC_F_WRITE, 0);
	avail(f)->ring[5] = htole16(9);
	avail(f)->idx = htole16(6);
	assert_int_equal(vq_pop(&vq, &f->m, &f->e), 1);
	assert_int_equal(f->e.head, 9);
	assert_int_equal(vq_push(&vq, 9, 1), 0);
	assert_int_equal(le32toh(used(f)->ring[5].id), 9);
	assert_int_equal(le16toh(used(f)->idx), 6);
	vq_fini(&vq);
}

static void test_mem_regions(void **state)
{
	struct vq_mem m = { 0 };
	uint8_t a[64], b[64];

	(void)state;
	assert_int_equal(vq_mem_add(&m, 0x1000, 64, a), 0);
	assert_int_equal(vq_mem_add(&m, 0x2000, 64, b), 0);
	assert_int_equal(vq_mem_add(&m, 0x1020, 64, b), -1); /* overlaps */
	assert_int_equal(vq_mem_add(&m, 0x3000, 0, b), -1);
	assert_int_equal(vq_mem_add(&m, UINT64_MAX - 8, 64, b), -1); /* wraps */
	assert_ptr_equal(vq_mem_translate(&m, 0x1000, 64), a);
	assert_ptr_equal(vq_mem_translate(&m, 0x2010, 8), b + 16);
	assert_null(vq_mem_translate(&m, 0x1001, 64));        /* one byte over */
	assert_null(vq_mem_translate(&m, 0x1030, 0x1000));    /* spans the gap */
	assert_null(vq_mem_translate(&m, 0x1040, 0));         /* just past the end */
	assert_null(vq_mem_translate(&m, 0x1000, UINT64_MAX)); /* wraps */
	assert_null(vq_mem_translate(&m, 0xfff, 1));
}

static void test_iov_offsets(void **state)
{
	uint8_t s1[3] = { 1, 2, 3 }, s2[1] = { 4 }, s3[4] = { 5, 6, 7, 8 }, out[8] = { 0 };
	struct iovec iov[3] = { { s1, 3 }, { s2, 1 }, { s3, 4 } };
	const uint8_t in[3] = { 40, 50, 60 };

	(void)state;
	assert_int_equal(vq_iov_size(iov, 3), 8);
	assert_int_equal(vq_iov_to_buf(iov, 3, 2, out, 4), 4);
	assert_memory_equal(out, ((uint8_t[]){ 3, 4, 5, 6 }), 4);
	assert_int_equal(vq_iov_to_buf(iov, 3, 6, out, 8), 2); /* short at the end */
	assert_int_equal(vq_iov_to_buf(iov, 3, 9, out, 8), 0);
	assert_int_equal(vq_iov_from_buf(iov, 3, 3, in, 3), 3);
	assert_int_equal(s2[0], 40);
	assert_int_equal(s3[0], 50);
	assert_int_equal(s3[1], 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_rejects_bad_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readable_after_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_outside_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_index_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_offered_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test(test_indirect_hostile),
		cmocka_unit_test_setup_teardown(test_indirect_inside_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect_not_negotiated, setup_no_indirect,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_many_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_index_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_index_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_event_idx, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kicks_stay_off_event_idx, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_base_and_used_index, setup, teardown),
		cmocka_unit_test(test_mem_regions),
		cmocka_unit_test(test_iov_offsets),
	};

	return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
