// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a hostile driver's rings for lib/virtqueue. The input
 * becomes the start of driver memory (descriptor table, then the available
 * ring, then indirect tables and buffers); the device takes and completes
 * whatever it is offered. Any crash, sanitizer report or hang is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vq_split.h"

#define QNUM 8
#define MEM_BASE 0x10000u
#define MEM_SIZE 8192u
#define DESC_OFF 0u      /* 8 * 16 bytes */
#define AVAIL_OFF 128u   /* 6 + 2 * 8 bytes */
#define USED_OFF 256u    /* 6 + 8 * 8 bytes */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[MEM_SIZE] __attribute__((aligned(64)));
	static struct vq_elem e;
	struct vq_mem m = { 0 };
	struct vq vq;
	uint8_t opts;

	if (size < 1)
		return 0;
	opts = data[0];
	data++;
	size--;
	memset(mem, 0, sizeof(mem));
	/* the input fills desc + avail; the used ring is the device's, skip it */
	memcpy(mem, data, size < USED_OFF ? size : USED_OFF);
	if (size > USED_OFF + 70)
		memcpy(mem + USED_OFF + 70, data + USED_OFF + 70,
		       size - USED_OFF - 70 < MEM_SIZE - USED_OFF - 70 ? size - USED_OFF - 70 :
									MEM_SIZE - USED_OFF - 70);
	if (vq_mem_add(&m, MEM_BASE, MEM_SIZE, mem) != 0)
		abort();
	if (vq_init(&vq, &m, QNUM, MEM_BASE + DESC_OFF, MEM_BASE + AVAIL_OFF, MEM_BASE + USED_OFF,
		    (uint16_t)(opts >> 2), opts & 1, opts & 2) != 0)
		abort();
	for (int i = 0; i < 4 * QNUM; i++) {
		size_t in = 0;

		if (vq_pop(&vq, &m, &e) != 1)
			break;
		/* touch every byte the device was given, as a device would */
		for (unsigned int s = 0; s < e.out_num + e.in_num; s++) {
			volatile uint8_t *p = e.iov[s].iov_base;

			for (size_t b = 0; b < e.iov[s].iov_len; b++)
				(void)p[b];
			if (s >= e.out_num)
				in += e.iov[s].iov_len;
		}
		if (vq_push(&vq, e.head, (uint32_t)in) != 0)
			abort(); /* a head just taken must complete */
		vq_should_notify(&vq);
	}
	vq_set_notify(&vq, true);
	vq_fini(&vq);
	return 0;
}
