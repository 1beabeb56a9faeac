/* SPDX-License-Identifier: MIT */
/*
 * The device side's view of driver memory: regions received in a vhost-user
 * SET_MEM_TABLE (driver address, size, where it is mapped here). Every
 * address a driver hands over is translated through vq_mem_translate(),
 * which refuses anything not wholly inside one region.
 */
#ifndef VLO_VQ_MEM_H
#define VLO_VQ_MEM_H

#include <stdint.h>

#define VQ_MEM_MAX_REGIONS 8

struct vq_mem_region {
	uint64_t addr;  /* driver address of the first byte */
	uint64_t size;  /* bytes, not 0 */
	uint8_t *host;  /* where the first byte is mapped in this process */
};

struct vq_mem {
	unsigned int nregions;
	struct vq_mem_region regions[VQ_MEM_MAX_REGIONS];
};

/*
 * Add a region. Returns 0, or -1 when the table is full, the region is
 * empty, wraps around the address space, or overlaps one already there.
 */
int vq_mem_add(struct vq_mem *m, uint64_t addr, uint64_t size, void *host);

/*
 * Host pointer for the len bytes at driver address addr, or NULL when any
 * of them is outside every region (or the range wraps). len 0 is checked as
 * if it were 1 byte: a zero-length buffer still needs a valid address.
 */
void *vq_mem_translate(const struct vq_mem *m, uint64_t addr, uint64_t len);

#endif
