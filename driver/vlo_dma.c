// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the IOVA window and the memory-only fd.
 *
 * The device's parent carries these DMA ops, and VIRTIO_F_ACCESS_PLATFORM
 * makes virtio_ring use them, so every ring and every buffer the driver
 * hands to the device is given an address in a per-device window. The
 * backend maps the window through a memory-only fd whose fault handler
 * looks the address up: pages that are not currently mapped for the
 * device give SIGBUS.
 *
 * Streaming buffers are bounced through pages the device owns, so that the
 * backend never sees the rest of a page the driver shares with other
 * kernel data, and so that revocation is safe even though the driver
 * unmaps from atomic context, where page tables cannot be zapped: the
 * bounce pages are freed, and their IOVAs reused, only after the zap.
 *
 * Zero-copy devices (VLO_CREATE_F_ZERO_COPY) show whole-page buffers as
 * the driver's own pages instead (VLO_MAP_DIRECT): visible from publish to
 * completion, and zapped before the kernel copies the completion from the
 * backend's shadow used ring into the real one (vlo_fail.c), so the
 * driver never unmaps a page the backend can still reach.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/dma-map-ops.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/list_sort.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vlo.h"

struct vlo_memfd {
	struct vlo_dev *vlo;
	struct list_head node;		/* in vlo->memfds once mmapped */
	struct address_space *mapping;
};

static struct vlo_dev *dev_to_vlo(struct device *dev)
{
	return container_of(dev, struct vlo_dev, parent);
}

static dma_addr_t vlo_map_iova(struct vlo_dev *vlo, struct vlo_map *m)
{
	return vlo->iova_base + ((u64)m->first << PAGE_SHIFT) + m->offset;
}

static struct vlo_map *vlo_map_new(unsigned int npages, gfp_t gfp)
{
	struct vlo_map *m;

	m = kzalloc(struct_size(m, pages, npages), gfp);
	if (m) {
		m->npages = npages;
		INIT_LIST_HEAD(&m->zap);
	}
	return m;
}

static void vlo_map_free(struct vlo_map *m)
{
	unsigned int i;

	if (m->kind == VLO_MAP_COHERENT) {
		free_pages_exact(m->vaddr, (size_t)m->npages << PAGE_SHIFT);
	} else if (m->kind == VLO_MAP_DIRECT) {
		for (i = 0; i < m->npages; i++)
			put_page(m->pages[i]);
	} else {
		for (i = 0; i < m->npages; i++)
			if (m->pages[i])
				__free_page(m->pages[i]);
	}
	kfree(m);
}

/* Reserve window pages for @m and let the fault handler find it. */
static int vlo_window_insert(struct vlo_dev *vlo, struct vlo_map *m)
{
	unsigned long flags, start, i;
	int ret = 0;

	spin_lock_irqsave(&vlo->map_lock, flags);
	if (vlo->window_closed) {
		ret = -ENODEV;
		goto out;
	}
	start = bitmap_find_next_zero_area(vlo->bitmap, vlo->npages,
					   vlo->next_hint, m->npages, 0);
	if (start >= vlo->npages)
		start = bitmap_find_next_zero_area(vlo->bitmap, vlo->npages,
						   0, m->npages, 0);
	if (start >= vlo->npages) {
		ret = -ENOSPC;
		goto out;
	}
	bitmap_set(vlo->bitmap, start, m->npages);
	for (i = 0; i < m->npages; i++)
		vlo->slots[start + i] = m;
	m->first = start;
	/* Do not hand out a just-freed IOVA again at once. */
	vlo->next_hint = start + m->npages;
out:
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	return ret;
}

/* May the backend see @m's pages now? Caller holds map_lock. */
static bool vlo_map_visible(const struct vlo_map *m)
{
	return m->kind != VLO_MAP_DIRECT || m->state == VLO_DIRECT_LIVE;
}

/* The map that contains @iova, or NULL. Caller holds map_lock. */
static struct vlo_map *vlo_window_find(struct vlo_dev *vlo, dma_addr_t iova)
{
	u64 idx;

	if (iova < vlo->iova_base)
		return NULL;
	idx = (iova - vlo->iova_base) >> PAGE_SHIFT;
	if (idx >= vlo->npages)
		return NULL;
	return vlo->slots[idx];
}

/*
 * Hide the map that starts at @iova from the fault handler. Its pages and
 * IOVAs stay reserved until vlo_zap() has removed any user mapping of them.
 */
static struct vlo_map *vlo_window_take(struct vlo_dev *vlo, dma_addr_t iova,
				       enum vlo_map_kind kind)
{
	struct vlo_map *m;
	unsigned long flags, i;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, iova);
	if (m && (m->kind != kind || vlo_map_iova(vlo, m) != iova))
		m = NULL;
	if (m)
		for (i = 0; i < m->npages; i++)
			vlo->slots[m->first + i] = NULL;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	return m;
}

/* At most this many spare bounce pages per device (256 KiB with 4 KiB pages). */
#define VLO_MAX_SPARE 64

/*
 * Keep @m's bounce pages as spares, up to VLO_MAX_SPARE. Only pages that
 * nothing else holds: a page the backend pinned while it was mapped (an
 * O_DIRECT read into the window, say) is left to be freed when unpinned.
 * Caller holds map_lock; @m is zapped.
 */
static void vlo_spare_pages(struct vlo_dev *vlo, struct vlo_map *m)
{
	unsigned int i;

	for (i = 0; i < m->npages && vlo->nspare < VLO_MAX_SPARE; i++) {
		if (!m->pages[i] || page_count(m->pages[i]) != 1)
			continue;
		list_add(&m->pages[i]->lru, &vlo->spare);
		vlo->nspare++;
		m->pages[i] = NULL;
	}
}

/* Release a map whose pages nothing can see any more: it was zapped. */
static void vlo_window_release(struct vlo_dev *vlo, struct vlo_map *m)
{
	unsigned long flags;

	spin_lock_irqsave(&vlo->map_lock, flags);
	bitmap_clear(vlo->bitmap, m->first, m->npages);
	if (m->kind == VLO_MAP_BOUNCE)
		vlo_spare_pages(vlo, m);
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	vlo_map_free(m);
}

/*
 * A page for a bounced buffer: a spare page of this device, else a new,
 * zeroed one; *@spare tells which. A spare page only ever held this
 * device's buffers, was seen through nothing but its window and was
 * zapped before it was kept, so what is left in it is what this device
 * could read then. Each period of a sound stream maps three buffers:
 * spares save allocating, clearing and freeing three pages per period.
 */
static struct page *vlo_bounce_page(struct vlo_dev *vlo, bool *spare)
{
	struct page *p = NULL;
	unsigned long flags;

	spin_lock_irqsave(&vlo->map_lock, flags);
	if (vlo->nspare) {
		p = list_first_entry(&vlo->spare, struct page, lru);
		list_del(&p->lru);
		vlo->nspare--;
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (p) {
		*spare = true;
		return p;
	}
	return alloc_page(GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN);
}

/*
 * A fault handler that found a map before it left the slots holds
 * fault_sem for reading until its PTE is in; taking it for writing once
 * waits for such handlers, so the zap that follows cannot miss their PTE.
 */
static void vlo_zap_barrier(struct vlo_dev *vlo)
{
	down_write(&vlo->fault_sem);
	up_write(&vlo->fault_sem);
}

static void vlo_zap_range(struct vlo_dev *vlo, loff_t start, loff_t len)
{
	struct vlo_memfd *mf;

	mutex_lock(&vlo->memfd_lock);
	list_for_each_entry(mf, &vlo->memfds, node)
		unmap_mapping_range(mf->mapping, start, len, 1);
	mutex_unlock(&vlo->memfd_lock);
}

/* Zap window pages [first, first + npages). */
static void vlo_zap_pages(struct vlo_dev *vlo, unsigned long first,
			  unsigned long npages)
{
	vlo_zap_range(vlo, vlo->iova_base + ((loff_t)first << PAGE_SHIFT),
		      (loff_t)npages << PAGE_SHIFT);
}

static void vlo_zap_map(struct vlo_dev *vlo, struct vlo_map *m)
{
	vlo_zap_pages(vlo, m->first, m->npages);
}

static int vlo_zap_cmp(void *priv, const struct list_head *a,
		       const struct list_head *b)
{
	const struct vlo_map *ma = list_entry(a, struct vlo_map, zap);
	const struct vlo_map *mb = list_entry(b, struct vlo_map, zap);

	return ma->first > mb->first;
}

/*
 * Zap the maps on @todo, sorted by IOVA, with one unmap_mapping_range()
 * (one TLB flush) per run of them instead of one per map. Two maps are
 * one run when every page between them is free: a free page has no PTE
 * (it was zapped before it was released). A map inserted into such a gap
 * after the check may lose PTEs it just got; it is faulted in again, so
 * zapping too much costs a fault, never correctness. Live maps between
 * two of @todo end a run, so their PTEs are not zapped.
 */
static void vlo_zap_list(struct vlo_dev *vlo, struct list_head *todo)
{
	unsigned long flags, start = 0, end = 0;
	struct vlo_map *m;
	bool gap_free;

	list_sort(NULL, todo, vlo_zap_cmp);
	list_for_each_entry(m, todo, zap) {
		if (end && m->first >= end) {
			spin_lock_irqsave(&vlo->map_lock, flags);
			gap_free = find_next_bit(vlo->bitmap, m->first, end) >=
				   m->first;
			spin_unlock_irqrestore(&vlo->map_lock, flags);
			if (!gap_free) {
				vlo_zap_pages(vlo, start, end - start);
				end = 0;
			}
		}
		if (!end)
			start = m->first;
		end = max(end, m->first + m->npages);
	}
	if (end)
		vlo_zap_pages(vlo, start, end - start);
}

/* Zap the maps waiting on vlo->zaps and release them. Process context. */
static void vlo_zap_pending(struct vlo_dev *vlo)
{
	struct vlo_map *m, *next;
	unsigned long flags;
	LIST_HEAD(todo);

	spin_lock_irqsave(&vlo->map_lock, flags);
	list_splice_init(&vlo->zaps, &todo);
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (list_empty(&todo))
		return;
	vlo_zap_barrier(vlo);
	vlo_zap_list(vlo, &todo);
	list_for_each_entry_safe(m, next, &todo, zap) {
		list_del(&m->zap);
		vlo_window_release(vlo, m);
	}
}

static void vlo_zap_work(struct work_struct *work)
{
	vlo_zap_pending(container_of(work, struct vlo_dev, zap_work));
}

DEFINE_PER_CPU(struct task_struct *, vlo_call_task);

/* Queued by vlo_zap_later() on the task that wrote the call eventfd. */
static void vlo_zap_task_work(struct callback_head *cb)
{
	struct vlo_dev *vlo = container_of(cb, struct vlo_dev, zap_twork);
	unsigned long flags;

	spin_lock_irqsave(&vlo->map_lock, flags);
	vlo->zap_task = NULL;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	vlo_zap_pending(vlo);
	vlo_put(vlo);
	module_put(THIS_MODULE);
}

/*
 * Whether this unmap's zap can run on the current task's return to user
 * space. Only in a call hook run by this very task (vlo_call_task; the
 * hook holds its queue's lock, which keeps it on this CPU even where that
 * lock sleeps): the task is in its write of the call eventfd, which
 * returns at once, so the zap comes before the writer, normally the
 * backend, can touch memory again, with the backend's mm loaded and not
 * lazy: its TLB flush invalidates the zapped pages only. A kernel
 * worker's zap instead leaves the borrowed mm for init_mm, and the
 * backend's next run on that CPU flushes its whole TLB, every period.
 * Interrupts, kernel threads, io_uring workers and exiting tasks never
 * get there.
 */
static bool vlo_zap_on_return(struct vlo_dev *vlo)
{
	return this_cpu_read(vlo_call_task) == current && !in_interrupt() &&
	       !(current->flags & (PF_KTHREAD | PF_IO_WORKER | PF_EXITING)) &&
	       !vlo->window_closed;
}

/*
 * Unmap may run in atomic context, where zapping is impossible: defer.
 * A completion's unmap (in the backend's write of its call eventfd) is
 * zapped on that task's return to user space, where vlo_zap_on_return()
 * allows; later unmaps by the same task before it returns join that zap.
 * Any other unmap goes to a work item on this CPU, so at least the zap
 * stays off the CPUs of other zones when the unmapping task is pinned.
 */
static void vlo_zap_later(struct vlo_dev *vlo, struct vlo_map *m)
{
	unsigned long flags;
	bool queue_twork = false, batched = false;

	spin_lock_irqsave(&vlo->map_lock, flags);
	list_add_tail(&m->zap, &vlo->zaps);
	if (vlo->zap_task == current) {
		batched = true;
	} else if (!vlo->zap_task && vlo_zap_on_return(vlo)) {
		vlo->zap_task = current;
		queue_twork = true;
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (batched)
		return;
	if (queue_twork) {
		/* It runs on this task's return, not before we are done here. */
		init_task_work(&vlo->zap_twork, vlo_zap_task_work);
		if (!task_work_add(current, &vlo->zap_twork, TWA_RESUME)) {
			/* The device and the work's code outlive the work. */
			kref_get(&vlo->kref);
			__module_get(THIS_MODULE);
			return;
		}
		spin_lock_irqsave(&vlo->map_lock, flags);
		vlo->zap_task = NULL;
		spin_unlock_irqrestore(&vlo->map_lock, flags);
	}
	queue_work(system_wq, &vlo->zap_work);
}

/*
 * Copy @len bytes at @off of a bounced buffer between the driver's pages
 * and the bounce pages, which are not contiguous.
 */
static void vlo_bounce_copy(struct vlo_map *m, size_t off, size_t len,
			    bool to_device)
{
	while (len) {
		size_t wpos = m->offset + off;
		phys_addr_t p = m->orig + off;
		size_t boff = offset_in_page(wpos);
		size_t ooff = offset_in_page(p);
		size_t n = min3(len, PAGE_SIZE - boff, PAGE_SIZE - ooff);
		char *b = kmap_local_page(m->pages[wpos >> PAGE_SHIFT]);
		char *o = kmap_local_page(pfn_to_page(PHYS_PFN(p)));

		if (to_device)
			memcpy(b + boff, o + ooff, n);
		else
			memcpy(o + ooff, b + boff, n);
		kunmap_local(o);
		kunmap_local(b);
		off += n;
		len -= n;
	}
}

/* Zero the bytes of a bounced buffer in its bounce pages. */
static void vlo_bounce_clear(struct vlo_map *m)
{
	size_t off = 0, len = m->size;

	while (len) {
		size_t wpos = m->offset + off;
		size_t boff = offset_in_page(wpos);
		size_t n = min(len, PAGE_SIZE - boff);

		memzero_page(m->pages[wpos >> PAGE_SHIFT], boff, n);
		off += n;
		len -= n;
	}
}

static bool vlo_dir_to_device(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static bool vlo_dir_from_device(enum dma_data_direction dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/*
 * Zero-copy: may the whole pages at @phys be shown to the backend as they
 * are? Only buffers that are exactly whole pages (nothing else of the
 * kernel's shares them), of ordinary memory: never slab (kmalloc) pages,
 * reserved pages or highmem, nor pages without a reference count of their
 * own (the inner pages of a non-compound higher-order allocation), which
 * get_page() and put_page() would free.
 */
static bool vlo_direct_ok(phys_addr_t phys, size_t size)
{
	unsigned long pfn = PHYS_PFN(phys), i;
	struct page *p;

	if (offset_in_page(phys) || !PAGE_ALIGNED(size))
		return false;
	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		if (!pfn_valid(pfn + i))
			return false;
		p = pfn_to_page(pfn + i);
		if (PageSlab(p) || PageReserved(p) || PageHighMem(p) ||
		    !page_count(p))
			return false;
	}
	return true;
}

/*
 * Map the driver's pages themselves, PENDING: not visible until the
 * kernel sees them published (vlo_direct_publish()). Each page is held
 * until the map is released. Only buffers the device reads come here
 * (vlo_map_page()).
 */
static dma_addr_t vlo_map_direct(struct vlo_dev *vlo, phys_addr_t phys,
				 size_t size, enum dma_data_direction dir)
{
	unsigned int npages = size >> PAGE_SHIFT, i;
	struct vlo_map *m;

	m = vlo_map_new(npages, GFP_ATOMIC | __GFP_NOWARN);
	if (!m)
		return DMA_MAPPING_ERROR;
	m->kind = VLO_MAP_DIRECT;
	m->state = VLO_DIRECT_PENDING;
	m->dir = dir;
	m->size = size;
	m->orig = phys;
	for (i = 0; i < npages; i++) {
		m->pages[i] = pfn_to_page(PHYS_PFN(phys) + i);
		get_page(m->pages[i]);
	}
	if (vlo_window_insert(vlo, m)) {
		vlo_map_free(m);
		return DMA_MAPPING_ERROR;
	}
	return vlo_map_iova(vlo, m);
}

static dma_addr_t vlo_map_page(struct device *dev, struct page *page,
			       unsigned long offset, size_t size,
			       enum dma_data_direction dir, unsigned long attrs)
{
	struct vlo_dev *vlo = dev_to_vlo(dev);
	phys_addr_t phys = page_to_phys(page) + offset;
	unsigned int in_page = offset_in_page(phys);
	unsigned int npages, i;
	bool spare = false;
	struct vlo_map *m;

	if (!size || size > VLO_MAX_MAP || dir == DMA_NONE)
		return DMA_MAPPING_ERROR;
	/* Requests publish their head after mapping: account for it now. */
	if (vlo->tracked)
		vlo_track_all(vlo);
	/*
	 * A buffer only for the device to fill stays bounced: its page holds
	 * what the device must not see (a page cache page's last owner's
	 * data), and clearing it would destroy what the driver still keeps
	 * there (virtio_snd maps a capture period again while the
	 * application has not read it yet).
	 */
	if (vlo->zero_copy && dir != DMA_FROM_DEVICE && vlo_direct_ok(phys, size))
		return vlo_map_direct(vlo, phys, size, dir);
	npages = DIV_ROUND_UP(in_page + size, PAGE_SIZE);
	m = vlo_map_new(npages, GFP_ATOMIC | __GFP_NOWARN);
	if (!m)
		return DMA_MAPPING_ERROR;
	m->kind = VLO_MAP_BOUNCE;
	m->dir = dir;
	m->offset = in_page;
	m->size = size;
	m->orig = phys;
	/*
	 * New pages are zeroed: the rest of a bounce page must not carry old
	 * kernel data. Spare pages carry this device's own old data.
	 */
	for (i = 0; i < npages; i++) {
		m->pages[i] = vlo_bounce_page(vlo, &spare);
		if (!m->pages[i])
			goto fail;
	}
	if (vlo_dir_to_device(dir) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		vlo_bounce_copy(m, 0, size, true);
	else if (spare)
		/* What the driver copies back: the device's or zeros, as before. */
		vlo_bounce_clear(m);
	if (vlo_window_insert(vlo, m))
		goto fail;
	return vlo_map_iova(vlo, m);
fail:
	vlo_map_free(m);
	return DMA_MAPPING_ERROR;
}

/*
 * Unmap a direct map, if @addr is one. A completed chain's maps were
 * zapped before the driver saw the completion, and unpublished ones were
 * never visible: both are released at once. One still hidden is released
 * by its zap. One still live is unmapped without a completion the kernel
 * saw (after a revoke that is expected; otherwise a driver path this
 * module does not know): it is zapped as soon as possible.
 */
static bool vlo_unmap_direct(struct vlo_dev *vlo, dma_addr_t addr)
{
	struct vlo_map *m;
	unsigned long flags, i;
	bool revoked;
	u8 state;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, addr);
	if (!m || m->kind != VLO_MAP_DIRECT || vlo_map_iova(vlo, m) != addr) {
		spin_unlock_irqrestore(&vlo->map_lock, flags);
		return false;
	}
	for (i = 0; i < m->npages; i++)
		vlo->slots[m->first + i] = NULL;
	state = m->state;
	if (state == VLO_DIRECT_HIDDEN)
		m->unmapped = true;
	revoked = vlo->window_revoked;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	switch (state) {
	case VLO_DIRECT_HIDDEN:
		break;
	case VLO_DIRECT_LIVE:
		if (!revoked)
			dev_warn_ratelimited(&vlo->parent,
					     "zero-copy: IOVA %pad unmapped before its completion\n",
					     &addr);
		vlo_zap_later(vlo, m);
		break;
	default:
		vlo_window_release(vlo, m);
	}
	return true;
}

static void vlo_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct vlo_dev *vlo = dev_to_vlo(dev);
	struct vlo_map *m;

	if (vlo->zero_copy && vlo_unmap_direct(vlo, addr))
		return;
	m = vlo_window_take(vlo, addr, VLO_MAP_BOUNCE);
	if (!m) {
		dev_err_ratelimited(dev, "unmap of unknown IOVA %pad\n", &addr);
		return;
	}
	if (vlo_dir_from_device(m->dir) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		vlo_bounce_copy(m, 0, min(size, m->size), false);
	vlo_zap_later(vlo, m);
}

static int vlo_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i, j;

	for_each_sg(sgl, sg, nents, i) {
		sg_dma_address(sg) = vlo_map_page(dev, sg_page(sg), sg->offset,
						  sg->length, dir, attrs);
		if (sg_dma_address(sg) == DMA_MAPPING_ERROR)
			goto fail;
		sg_dma_len(sg) = sg->length;
	}
	return nents;
fail:
	for_each_sg(sgl, sg, i, j)
		vlo_unmap_page(dev, sg_dma_address(sg), sg_dma_len(sg), dir,
			       attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return -ENOMEM;
}

static void vlo_unmap_sg(struct device *dev, struct scatterlist *sgl,
			 int nents, enum dma_data_direction dir,
			 unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlo_unmap_page(dev, sg_dma_address(sg), sg_dma_len(sg), dir,
			       attrs);
}

/* Copy part of a bounced buffer; @to_device chooses the direction. */
static void vlo_sync(struct device *dev, dma_addr_t addr, size_t size,
		     bool to_device)
{
	struct vlo_dev *vlo = dev_to_vlo(dev);
	struct vlo_map *m;
	unsigned long flags;
	u64 off;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, addr);
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	/* The driver owns the mapping: it cannot go away under a sync. */
	if (!m || m->kind != VLO_MAP_BOUNCE)
		return;
	off = addr - vlo_map_iova(vlo, m);
	if (addr < vlo_map_iova(vlo, m) || off > m->size ||
	    size > m->size - off)
		return;
	vlo_bounce_copy(m, off, size, to_device);
}

static void vlo_sync_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
			     enum dma_data_direction dir)
{
	if (vlo_dir_from_device(dir))
		vlo_sync(dev, addr, size, false);
}

static void vlo_sync_for_device(struct device *dev, dma_addr_t addr,
				size_t size, enum dma_data_direction dir)
{
	if (vlo_dir_to_device(dir))
		vlo_sync(dev, addr, size, true);
}

static void vlo_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlo_sync_for_cpu(dev, sg_dma_address(sg), sg_dma_len(sg), dir);
}

static void vlo_sync_sg_for_device(struct device *dev,
				   struct scatterlist *sgl, int nents,
				   enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlo_sync_for_device(dev, sg_dma_address(sg), sg_dma_len(sg),
				    dir);
}

/* Rings: pages the device owns, mapped whole into the window. */
static void *vlo_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		       gfp_t gfp, unsigned long attrs)
{
	struct vlo_dev *vlo = dev_to_vlo(dev);
	gfp_t mgfp = gfpflags_allow_blocking(gfp) ? GFP_KERNEL : GFP_ATOMIC;
	unsigned int npages, i;
	struct vlo_map *m;
	void *vaddr;

	size = PAGE_ALIGN(size);
	if (!size || size > vlo->iova_size)
		return NULL;
	npages = size >> PAGE_SHIFT;
	m = vlo_map_new(npages, mgfp);
	if (!m)
		return NULL;
	gfp &= ~(__GFP_COMP | __GFP_HIGHMEM | __GFP_DMA | __GFP_DMA32);
	vaddr = alloc_pages_exact(size, gfp | __GFP_ZERO);
	if (!vaddr) {
		kfree(m);
		return NULL;
	}
	m->kind = VLO_MAP_COHERENT;
	m->dir = DMA_BIDIRECTIONAL;
	m->size = size;
	m->vaddr = vaddr;
	for (i = 0; i < npages; i++)
		m->pages[i] = virt_to_page(vaddr + ((size_t)i << PAGE_SHIFT));
	if (vlo_window_insert(vlo, m)) {
		vlo_map_free(m);
		return NULL;
	}
	*handle = vlo_map_iova(vlo, m);
	return vaddr;
}

/* Freeing coherent memory may sleep, so the zap is done at once here. */
static void vlo_free(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t handle, unsigned long attrs)
{
	struct vlo_dev *vlo = dev_to_vlo(dev);
	struct vlo_map *m;

	m = vlo_window_take(vlo, handle, VLO_MAP_COHERENT);
	if (!m || m->vaddr != vaddr) {
		dev_err_ratelimited(dev, "free of unknown IOVA %pad\n",
				    &handle);
		return;
	}
	vlo_zap_barrier(vlo);
	vlo_zap_map(vlo, m);
	vlo_window_release(vlo, m);
}

static size_t vlo_max_mapping_size(struct device *dev)
{
	return VLO_MAX_MAP;
}

const struct dma_map_ops vlo_dma_ops = {
	.alloc = vlo_alloc,
	.free = vlo_free,
	.map_page = vlo_map_page,
	.unmap_page = vlo_unmap_page,
	.map_sg = vlo_map_sg,
	.unmap_sg = vlo_unmap_sg,
	.sync_single_for_cpu = vlo_sync_for_cpu,
	.sync_single_for_device = vlo_sync_for_device,
	.sync_sg_for_cpu = vlo_sync_sg_for_cpu,
	.sync_sg_for_device = vlo_sync_sg_for_device,
	.max_mapping_size = vlo_max_mapping_size,
};

static void vlo_revoke_work(struct work_struct *work);
static void vlo_direct_zap_hidden(struct vlo_dev *vlo);

int vlo_window_init(struct vlo_dev *vlo, u64 size)
{
	vlo->iova_base = VLO_IOVA_BASE;
	vlo->iova_size = size;
	vlo->npages = size >> PAGE_SHIFT;
	spin_lock_init(&vlo->map_lock);
	INIT_LIST_HEAD(&vlo->zaps);
	INIT_LIST_HEAD(&vlo->spare);
	INIT_WORK(&vlo->zap_work, vlo_zap_work);
	INIT_LIST_HEAD(&vlo->hidden);
	INIT_WORK(&vlo->revoke_work, vlo_revoke_work);
	init_rwsem(&vlo->fault_sem);
	mutex_init(&vlo->memfd_lock);
	INIT_LIST_HEAD(&vlo->memfds);
	vlo->bitmap = bitmap_zalloc(vlo->npages, GFP_KERNEL);
	vlo->slots = kvcalloc(vlo->npages, sizeof(*vlo->slots), GFP_KERNEL);
	if (!vlo->bitmap || !vlo->slots)
		return -ENOMEM;
	return 0;
}

/*
 * The driver is gone: refuse new mappings, revoke every user mapping of
 * the window and free what the driver failed to unmap. virtio_snd, for one,
 * never detaches the event buffers still queued at removal (one per entry
 * of its event queue): one line for all of them, not one per mapping.
 */
void vlo_window_close(struct vlo_dev *vlo)
{
	struct vlo_map *m, *next;
	unsigned long flags, i, nleft = 0;
	dma_addr_t iova, first = 0;
	LIST_HEAD(left);

	spin_lock_irqsave(&vlo->map_lock, flags);
	vlo->window_closed = true;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	cancel_work_sync(&vlo->revoke_work);
	vlo_direct_zap_hidden(vlo);
	flush_work(&vlo->zap_work);
	/* Maps whose zap waits for a task's return to user space. */
	vlo_zap_pending(vlo);
	for (i = 0; i < vlo->npages; i++) {
		m = READ_ONCE(vlo->slots[i]);
		if (!m)
			continue;
		iova = vlo_map_iova(vlo, m);
		dev_dbg(&vlo->parent, "driver left IOVA %pad mapped\n", &iova);
		if (!nleft++)
			first = iova;
		m = vlo_window_take(vlo, iova, m->kind);
		if (m)
			list_add(&m->zap, &left);
	}
	if (nleft)
		dev_info(&vlo->parent,
			 "driver left %lu mappings at removal (first IOVA %pad), freed\n",
			 nleft, &first);
	vlo_zap_barrier(vlo);
	vlo_zap_range(vlo, 0, 0);
	list_for_each_entry_safe(m, next, &left, zap)
		vlo_window_release(vlo, m);
}

/*
 * The backend is dead or broken: revoke every page it can see, for good.
 * The driver keeps mapping and unmapping; only the module sees those
 * pages now. Process context.
 */
void vlo_window_revoke(struct vlo_dev *vlo)
{
	unsigned long flags;

	spin_lock_irqsave(&vlo->map_lock, flags);
	vlo->window_revoked = true;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	vlo_zap_barrier(vlo);
	vlo_zap_range(vlo, 0, 0);
}

/*
 * Copy between @buf and the window at @iova, within one streaming mapping.
 * Writes only reach bounce pages (or, zero-copy, the driver's own pages)
 * of buffers the device may write. For the module acting as the device;
 * any context.
 */
int vlo_window_access(struct vlo_dev *vlo, u64 iova, void *buf, size_t len,
		      bool write)
{
	struct vlo_map *m;
	unsigned long flags;
	size_t off, n, pos;
	int ret = -EFAULT;
	char *p;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, iova);
	if (!m || (m->kind != VLO_MAP_BOUNCE && m->kind != VLO_MAP_DIRECT) ||
	    iova < vlo_map_iova(vlo, m))
		goto out;
	off = iova - vlo_map_iova(vlo, m);
	if (off > m->size || len > m->size - off)
		goto out;
	if (write ? !vlo_dir_from_device(m->dir) : !vlo_dir_to_device(m->dir))
		goto out;
	while (len) {
		pos = m->offset + off;
		n = min_t(size_t, len, PAGE_SIZE - offset_in_page(pos));
		p = kmap_local_page(m->pages[pos >> PAGE_SHIFT]);
		if (write)
			memcpy(p + offset_in_page(pos), buf, n);
		else
			memcpy(buf, p + offset_in_page(pos), n);
		kunmap_local(p);
		buf += n;
		off += n;
		len -= n;
	}
	ret = 0;
out:
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	return ret;
}

void vlo_window_free(struct vlo_dev *vlo)
{
	struct page *p, *next;

	list_for_each_entry_safe(p, next, &vlo->spare, lru) {
		list_del(&p->lru);
		__free_page(p);
	}
	kvfree(vlo->slots);
	bitmap_free(vlo->bitmap);
}

/* May the backend write page @i of @m? */
static bool vlo_map_page_writable(const struct vlo_map *m, unsigned long i)
{
	return m->dir != DMA_TO_DEVICE && i >= m->ro_pages;
}

/*
 * A split ring's descriptor table and avail ring are written by the driver
 * only, and virtio_ring trusts them (6.12's detach_buf_split reads the
 * flags back from the table), as do the module's in-flight records. The
 * rings are created with page alignment (vlo_setup_vq), so the used ring,
 * the only part the device writes, starts on a page of its own; the pages
 * before it are made read-only for the backend: later faults insert them
 * read-only, and any mapping made before this call is zapped. The driver
 * and the module still write them through their kernel addresses. With
 * @all (zero-copy: the backend writes a shadow used ring instead), the
 * used ring is read-only too.
 */
void vlo_window_protect_ring(struct vlo_dev *vlo, dma_addr_t desc,
			     dma_addr_t used, bool all)
{
	struct vlo_map *m;
	unsigned long flags;

	if (!PAGE_ALIGNED(desc) || !PAGE_ALIGNED(used) || used <= desc)
		return;
	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, desc);
	if (m && m->kind == VLO_MAP_COHERENT && vlo_map_iova(vlo, m) == desc &&
	    (used - desc) >> PAGE_SHIFT < m->npages)
		m->ro_pages = all ? m->npages : (used - desc) >> PAGE_SHIFT;
	else
		m = NULL;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (!m)
		return;
	vlo_zap_barrier(vlo);
	vlo_zap_pages(vlo, m->first, m->ro_pages);
}

/*
 * How many window pages one fault inserts at most: the faulting page and
 * the mapped pages after it (and a few before it). Window pages are handed
 * out in ascending order, so a block request's header, data pages and
 * status usually lie together, and a batch of 64 pages covers a 128 KiB
 * request (34 maps of one page each when the data is not physically
 * contiguous). Bounded so that a fault holds fault_sem, and delays a zap,
 * only briefly; also bounds the pfn array on the stack.
 */
#define VLO_FAULT_BATCH		64
#define VLO_FAULT_BEHIND	8

/*
 * Fault in the page at vmf->pgoff and, in the same call, every other page
 * of the batch around it that is currently mapped for the device (rings or
 * buffers, of any map), so that the backend takes about one fault per
 * request instead of one or two per page. Pages that are not mapped are
 * skipped and still give SIGBUS. A page inserted ahead of time is a page
 * the backend could fault in anyway at this moment: the batch reaches
 * nothing the single-page fault would refuse.
 *
 * Revocation: fault_sem is held for reading from the lookup until the last
 * PTE of the batch is in. Every path that hides maps (vlo_window_take() for
 * one map, window_revoked for the whole window) does so under map_lock
 * first, and only then takes fault_sem for writing (vlo_zap_barrier()),
 * zaps the map's whole range (or the whole window) and frees its pages.
 * For each map in the batch, either this handler's lookup under map_lock
 * ran after the map was hidden, so none of its pages are inserted, or it
 * ran before, and then the barrier waits until the whole batch is in, and
 * the zap that follows covers every page of that map that was inserted.
 * So a map is never partly inserted after its zap, and the pfns collected
 * under map_lock stay valid until the inserts are done: pages are freed,
 * and their window pages reused, only after the barrier.
 *
 * Device-writable pages (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL, rings) are
 * inserted writable at once, with the VMA's protection before write-notify
 * lowers it (vm_get_page_prot(); vlo_mem_mmap() leaves caching at its
 * default), instead of read-only and then upgraded through pfn_mkwrite.
 * That grants nothing pfn_mkwrite would not: it only checks that the map
 * is live and device-writable, which the lookup checks under the same
 * lock. Revocation never relies on write-protection; it removes the PTEs,
 * read-only or writable alike. Pages the device may only read
 * (DMA_TO_DEVICE) are inserted with vm_page_prot, read-only, and
 * pfn_mkwrite refuses to upgrade them.
 */
/*
 * A backend may read an avail entry before the kernel has looked at it
 * (its kick is still on the way): a fault on a pending direct map first
 * accounts for what is published, which makes the map live if it is.
 */
static void vlo_direct_fault_pending(struct vlo_dev *vlo, unsigned long idx)
{
	unsigned long flags;
	struct vlo_map *m;
	bool pending;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo->slots[idx];
	pending = m && m->kind == VLO_MAP_DIRECT &&
		  m->state != VLO_DIRECT_LIVE;
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (pending)
		vlo_track_all(vlo);
}

static vm_fault_t vlo_mem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vlo_memfd *mf = vma->vm_file->private_data;
	struct vlo_dev *vlo = mf->vlo;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long pfns[VLO_FAULT_BATCH];
	DECLARE_BITMAP(writable, VLO_FAULT_BATCH);
	unsigned long flags, base, lo, hi, i, n;
	pgprot_t rprot, wprot;
	struct vlo_map *m;
	vm_fault_t ret, r;

	/* Window pages [lo, hi) of this VMA around the faulting one. */
	base = vlo->iova_base >> PAGE_SHIFT;
	if (vmf->pgoff < base || vmf->pgoff - base >= vlo->npages)
		return VM_FAULT_SIGBUS;
	lo = max3(vmf->pgoff - min_t(unsigned long, vmf->pgoff,
				     VLO_FAULT_BEHIND),
		  base, vma->vm_pgoff);
	hi = min3(lo + VLO_FAULT_BATCH, base + vlo->npages,
		  vma->vm_pgoff + vma_pages(vma));
	n = hi - lo;
	bitmap_zero(writable, VLO_FAULT_BATCH);
	if (vlo->zero_copy)
		vlo_direct_fault_pending(vlo, vmf->pgoff - base);

	down_read(&vlo->fault_sem);
	spin_lock_irqsave(&vlo->map_lock, flags);
	for (i = 0; i < n; i++) {
		m = vlo->window_revoked ? NULL : vlo->slots[lo + i - base];
		pfns[i] = 0;
		if (!m || !vlo_map_visible(m))
			continue;
		pfns[i] = page_to_pfn(m->pages[lo + i - base - m->first]);
		if (vlo_map_page_writable(m, lo + i - base - m->first))
			__set_bit(i, writable);
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);

	i = vmf->pgoff - lo;
	if (!pfns[i] || (write && !test_bit(i, writable))) {
		up_read(&vlo->fault_sem);
		return VM_FAULT_SIGBUS;
	}
	rprot = vma->vm_page_prot;
	wprot = vm_get_page_prot(vma->vm_flags);
	ret = vmf_insert_pfn_prot(vma, vmf->address, pfns[i],
				  test_bit(i, writable) ? wprot : rprot);
	for (i = 0; ret == VM_FAULT_NOPAGE && i < n; i++) {
		if (!pfns[i] || lo + i == vmf->pgoff)
			continue;
		r = vmf_insert_pfn_prot(vma, vma->vm_start +
					((lo + i - vma->vm_pgoff) << PAGE_SHIFT),
					pfns[i],
					test_bit(i, writable) ? wprot : rprot);
		if (r != VM_FAULT_NOPAGE)
			break;
	}
	up_read(&vlo->fault_sem);
	return ret;
}

/*
 * A buffer the driver only lends for reading stays read-only. Device-writable
 * pages are inserted writable by vlo_mem_fault(); this is only reached for
 * them when the VMA was made writable after the fault (mprotect).
 */
static vm_fault_t vlo_mem_pfn_mkwrite(struct vm_fault *vmf)
{
	struct vlo_memfd *mf = vmf->vma->vm_file->private_data;
	struct vlo_dev *vlo = mf->vlo;
	u64 iova = (u64)vmf->pgoff << PAGE_SHIFT;
	unsigned long flags;
	struct vlo_map *m;
	bool ok;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo->window_revoked ? NULL : vlo_window_find(vlo, iova);
	ok = m && vlo_map_visible(m) &&
	     vlo_map_page_writable(m, ((iova - vlo->iova_base) >> PAGE_SHIFT) -
				   m->first);
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	return ok ? 0 : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct vlo_mem_vm_ops = {
	.fault = vlo_mem_fault,
	.pfn_mkwrite = vlo_mem_pfn_mkwrite,
};

static void vlo_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
#ifdef VLO_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static int vlo_mem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vlo_memfd *mf = file->private_data;
	struct vlo_dev *vlo = mf->vlo;
	u64 first = vlo->iova_base >> PAGE_SHIFT;

	/* A private mapping would copy pages the device may revoke. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/*
	 * Offsets below the window are allowed (they are never backed, so
	 * they fault): vhost-user backends before QEMU 9.0's libvhost-user
	 * map a region from file offset 0 up to mmap_offset + size.
	 */
	if (vma->vm_pgoff > first + vlo->npages ||
	    vma_pages(vma) > first + vlo->npages - vma->vm_pgoff)
		return -EINVAL;
	vlo_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vlo_mem_vm_ops;
	mutex_lock(&vlo->memfd_lock);
	if (!mf->mapping) {
		mf->mapping = file->f_mapping;
		list_add(&mf->node, &vlo->memfds);
	}
	mutex_unlock(&vlo->memfd_lock);
	return 0;
}

static int vlo_mem_release(struct inode *inode, struct file *file)
{
	struct vlo_memfd *mf = file->private_data;
	struct vlo_dev *vlo = mf->vlo;

	mutex_lock(&vlo->memfd_lock);
	if (mf->mapping)
		list_del(&mf->node);
	mutex_unlock(&vlo->memfd_lock);
	kfree(mf);
	vlo_put(vlo);
	return 0;
}

static const struct file_operations vlo_mem_fops = {
	.owner = THIS_MODULE,
	.mmap = vlo_mem_mmap,
	.release = vlo_mem_release,
	.llseek = noop_llseek,
};

/*
 * Each memory fd needs an inode of its own: unmap_mapping_range() works on
 * the inode's mapping, and the anon inode shared by most anon files would
 * make our zaps hit other users' mappings.
 */
static int vlo_memfd_install(struct vlo_memfd *mf)
{
#ifdef VLO_HAVE_ANON_INODE_CREATE_GETFILE
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_create_getfile("[virtio-loopback-mem]", &vlo_mem_fops,
					 mf, O_RDWR, NULL);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
#else
	return anon_inode_getfd_secure("[virtio-loopback-mem]", &vlo_mem_fops,
				       mf, O_RDWR | O_CLOEXEC, NULL);
#endif
}

int vlo_memfd_create(struct vlo_dev *vlo)
{
	struct vlo_memfd *mf;
	int fd;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->vlo = vlo;
	kref_get(&vlo->kref);
	fd = vlo_memfd_install(mf);
	if (fd < 0) {
		kfree(mf);
		vlo_put(vlo);
	}
	return fd;
}

/*
 * Zero-copy: the chain that holds [@iova, @iova + @len) was published. A
 * direct map it covers exactly becomes visible. One it covers only in
 * part (a driver that maps once and hands out pieces) is turned into an
 * ordinary bounced map while nothing can see it yet. Any context.
 */
void vlo_direct_publish(struct vlo_dev *vlo, u64 iova, u32 len)
{
	struct vlo_map *m;
	struct page **np;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, iova);
	if (!m || m->kind != VLO_MAP_DIRECT ||
	    (m->state != VLO_DIRECT_PENDING && m->state != VLO_DIRECT_ZAPPED))
		goto out;
	if (iova == vlo_map_iova(vlo, m) && len == m->size) {
		m->state = VLO_DIRECT_LIVE;
		goto out;
	}
	np = kcalloc(m->npages, sizeof(*np), GFP_ATOMIC | __GFP_NOWARN);
	if (!np)
		goto out;
	for (i = 0; i < m->npages; i++) {
		np[i] = alloc_page(GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN);
		if (!np[i])
			goto free;
	}
	for (i = 0; i < m->npages; i++) {
		if (vlo_dir_to_device(m->dir))
			copy_highpage(np[i], m->pages[i]);
		put_page(m->pages[i]);
		m->pages[i] = np[i];
		np[i] = NULL;
	}
	m->kind = VLO_MAP_BOUNCE;
free:
	for (i = 0; i < m->npages; i++)
		if (np[i])
			__free_page(np[i]);
	kfree(np);
out:
	spin_unlock_irqrestore(&vlo->map_lock, flags);
}

/*
 * Zero-copy: a used entry names the chain that holds @iova. Hide its
 * direct map, if live; true while that map still waits for its zap (the
 * entry must not reach the driver before). Any context.
 */
bool vlo_direct_hide(struct vlo_dev *vlo, u64 iova)
{
	struct vlo_map *m;
	unsigned long flags;
	bool wait = false;

	spin_lock_irqsave(&vlo->map_lock, flags);
	m = vlo_window_find(vlo, iova);
	if (m && m->kind == VLO_MAP_DIRECT) {
		if (m->state == VLO_DIRECT_LIVE) {
			m->state = VLO_DIRECT_HIDDEN;
			list_add_tail(&m->zap, &vlo->hidden);
		}
		wait = m->state == VLO_DIRECT_HIDDEN;
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	return wait;
}

/* Zap every hidden direct map; release those the driver unmapped. */
static void vlo_direct_zap_hidden(struct vlo_dev *vlo)
{
	struct vlo_map *m, *next;
	unsigned long flags;
	LIST_HEAD(todo);
	LIST_HEAD(dead);

	spin_lock_irqsave(&vlo->map_lock, flags);
	list_splice_init(&vlo->hidden, &todo);
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	if (list_empty(&todo))
		return;
	vlo_zap_barrier(vlo);
	vlo_zap_list(vlo, &todo);
	spin_lock_irqsave(&vlo->map_lock, flags);
	list_for_each_entry_safe(m, next, &todo, zap) {
		list_del_init(&m->zap);
		m->state = VLO_DIRECT_ZAPPED;
		if (m->unmapped)
			list_add_tail(&m->zap, &dead);
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	list_for_each_entry_safe(m, next, &dead, zap) {
		list_del(&m->zap);
		vlo_window_release(vlo, m);
	}
}

/* Zap what completed, then let the driver see the completions. */
static void vlo_revoke_work(struct work_struct *work)
{
	struct vlo_dev *vlo = container_of(work, struct vlo_dev, revoke_work);

	vlo_direct_zap_hidden(vlo);
	vlo_track_deliver(vlo);
}

/*
 * The driver reset the device and may now free what it had mapped without
 * completions: revoke every direct map first. Process context.
 */
void vlo_direct_revoke_all(struct vlo_dev *vlo)
{
	unsigned long flags, i;
	struct vlo_map *m;

	spin_lock_irqsave(&vlo->map_lock, flags);
	for (i = 0; i < vlo->npages; i++) {
		m = vlo->slots[i];
		if (m && m->kind == VLO_MAP_DIRECT &&
		    m->state == VLO_DIRECT_LIVE) {
			m->state = VLO_DIRECT_HIDDEN;
			list_add_tail(&m->zap, &vlo->hidden);
		}
	}
	spin_unlock_irqrestore(&vlo->map_lock, flags);
	vlo_direct_zap_hidden(vlo);
}
