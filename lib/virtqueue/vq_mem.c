// SPDX-License-Identifier: MIT
#include "vq_mem.h"

#include <stddef.h>

int vq_mem_add(struct vq_mem *m, uint64_t addr, uint64_t size, void *host)
{
	if (m->nregions >= VQ_MEM_MAX_REGIONS || size == 0 || addr + size < addr || !host)
		return -1;
	for (unsigned int i = 0; i < m->nregions; i++) {
		const struct vq_mem_region *r = &m->regions[i];

		if (addr < r->addr + r->size && r->addr < addr + size)
			return -1;
	}
	m->regions[m->nregions++] = (struct vq_mem_region){ addr, size, host };
	return 0;
}

void *vq_mem_translate(const struct vq_mem *m, uint64_t addr, uint64_t len)
{
	if (len == 0)
		len = 1;
	if (addr + len < addr)
		return NULL;
	for (unsigned int i = 0; i < m->nregions; i++) {
		const struct vq_mem_region *r = &m->regions[i];

		/* written so that nothing overflows: addr >= r->addr first */
		if (addr >= r->addr && addr - r->addr < r->size && len <= r->size - (addr - r->addr))
			return r->host + (addr - r->addr);
	}
	return NULL;
}
