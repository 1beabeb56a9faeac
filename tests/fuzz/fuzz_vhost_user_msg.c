// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the vhost-user message decoder, both directions.
 * Input: byte 0 picks the direction (bit 0) and how many fds came with the
 * message (bits 1-4, up to 15: more than allowed on purpose); the rest is
 * the message as it would arrive on the socket.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vhost_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[16] = { 0 };
	struct vhu_msg m, again;
	uint8_t buf[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	enum vhu_dir dir;
	unsigned int nfds;
	const char *why = NULL;
	size_t n;

	if (size < 1)
		return 0;
	dir = (data[0] & 1) ? VHU_FROM_BACKEND : VHU_FROM_FRONTEND;
	nfds = (data[0] >> 1) & 0xf;
	for (n = 0; n < nfds; n++)
		fds[n] = 100 + (int)n;
	if (vhu_msg_decode(&m, data + 1, size - 1, fds, nfds, dir, &why)) {
		if (!why)
			__builtin_trap();	/* every refusal has a reason */
		return 0;
	}
	/* Accepted: it must re-encode to the same bytes and decode again. */
	n = vhu_msg_encode(&m, buf, sizeof(buf));
	if (n != size - 1 || memcmp(buf, data + 1, n))
		__builtin_trap();
	if (vhu_msg_decode(&again, buf, n, m.fds, m.nfds, dir, &why))
		__builtin_trap();
	/* Accepted memory tables never wrap. */
	if (m.request == VHU_SET_MEM_TABLE && dir == VHU_FROM_FRONTEND) {
		uint32_t i;

		for (i = 0; i < m.payload.mem.nregions; i++)
			if (!vhu_range_ok(m.payload.mem.regions[i].guest_phys_addr,
					  m.payload.mem.regions[i].memory_size))
				__builtin_trap();
	}
	return 0;
}
