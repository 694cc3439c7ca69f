/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API in the test kernel model (events.h): what bpf/dma.bpf.h sends
 * for one call, in the fentry form (one event with the return value) or the
 * kprobe form (the entry with PT_F_DMA_PENDING, then PT_EV_DMA_RET).
 */
#ifndef PT_TEST_DMA_EVENTS_H
#define PT_TEST_DMA_EVENTS_H

#include "events.h"

#define DMA_DEV		0xffff888004a0c010ULL	/* a struct device * */
#define DMA_TO_DEV	1
#define DMA_FROM_DEV	2
#define DMA_BIDI	0

struct dma_args {
	uint32_t type, dir, flags, offset;
	uint64_t handle, page, size;
	int32_t ret;
};

static inline void set_dma(struct pt_event *e, void *arg)
{
	const struct dma_args *d = arg;

	e->dma.dev = DMA_DEV;
	e->dma.handle = d->handle;
	e->dma.page = d->page;
	e->dma.size = d->size;
	e->dma.memmap_base = VMEMMAP;
	e->dma.dir = d->dir;
	e->dma.offset = d->offset;
	e->dma.ret = d->ret;
	e->flags = d->flags;
}

/* The device's name, once, as BPF sends it before its first event. */
static inline void km_dma_dev(struct kmodel *k, const char *name)
{
	struct pt_event e;

	memset(&e, 0, sizeof(e));
	e.ts = (k->ts += 1000);
	e.type = PT_EV_DMA_DEV;
	e.a0 = DMA_DEV;
	e.stack_id = -1;
	k->sink(k->ctx, &e, name);
}

/* dma_map_page(dev, page of pfn, 0, size, dir) returning handle. */
static inline void km_dma_map(struct kmodel *k, uint64_t pfn, uint64_t handle, uint64_t size,
			      uint32_t dir, bool kprobe)
{
	struct dma_args d = { .dir = dir, .handle = kprobe ? 0 : handle, .page = PTR(pfn),
			      .size = size, .flags = kprobe ? PT_F_DMA_PENDING : 0 };
	struct dma_args r = { .handle = handle };

	km_emit(k, PT_EV_DMA_MAP, 0, 0, set_dma, &d);
	if (kprobe)
		km_emit(k, PT_EV_DMA_RET, 0, 0, set_dma, &r);
}

static inline void km_dma_unmap(struct kmodel *k, uint64_t handle, uint64_t size, uint32_t dir)
{
	struct dma_args d = { .dir = dir, .handle = handle, .size = size };

	km_emit(k, PT_EV_DMA_UNMAP, 0, 0, set_dma, &d);
}

/* dma_map_sg(dev, sg, nents, dir) mapping ret entries. */
static inline void km_dma_map_sg(struct kmodel *k, uint64_t sg, uint64_t nents, uint32_t dir,
				 int32_t ret)
{
	struct dma_args d = { .dir = dir, .handle = sg, .size = nents, .ret = ret };

	km_emit(k, PT_EV_DMA_MAP_SG, 0, 0, set_dma, &d);
}

/* An entry of an sg list about to be mapped (bpf/dma.bpf.h's walk):
 * entry index of list sg, length len bytes of the page of pfn. */
static inline void km_dma_sg_ent(struct kmodel *k, uint64_t sg, int32_t index, uint64_t pfn,
				 uint32_t offset, uint64_t len)
{
	struct dma_args d = { .handle = sg, .page = PTR(pfn), .offset = offset, .size = len,
			      .ret = index };

	km_emit(k, PT_EV_DMA_SG_ENT, 0, 0, set_dma, &d);
}

/* dma_map_sg as bpf/dma.bpf.h sends it now: its entries first (pfns[i],
 * lens[i], n of them), then the list with PT_F_DMA_SG_ENTS. */
static inline void km_dma_map_sg_ents(struct kmodel *k, uint64_t sg, uint64_t nents, uint32_t dir,
				      int32_t ret, const uint64_t *pfns, const uint64_t *lens,
				      int n)
{
	struct dma_args d = { .dir = dir, .handle = sg, .size = nents, .ret = ret,
			      .flags = PT_F_DMA_SG_ENTS };
	int i;

	for (i = 0; i < n; i++)
		km_dma_sg_ent(k, sg, i, pfns[i], 0, lens[i]);
	km_emit(k, PT_EV_DMA_MAP_SG, 0, 0, set_dma, &d);
}

/* The dma: tracepoints' page map (tracepoint mode): the buffer's physical
 * address, not its struct page. */
static inline void km_dma_map_phys(struct kmodel *k, uint64_t phys, uint64_t handle,
				   uint64_t size, uint32_t dir)
{
	struct dma_args d = { .dir = dir, .handle = handle, .page = phys, .size = size,
			      .flags = PT_F_DMA_PHYS };

	km_emit(k, PT_EV_DMA_MAP, 0, 0, set_dma, &d);
}

static inline void km_dma_unmap_sg(struct kmodel *k, uint64_t sg, uint64_t nents, uint32_t dir)
{
	struct dma_args d = { .dir = dir, .handle = sg, .size = nents };

	km_emit(k, PT_EV_DMA_UNMAP_SG, 0, 0, set_dma, &d);
}

/* dma_alloc_coherent(dev, size, &handle) returning cpu_addr. */
static inline void km_dma_alloc(struct kmodel *k, uint64_t handle, uint64_t cpu, uint64_t size)
{
	struct dma_args d = { .handle = handle, .page = cpu, .size = size };

	km_emit(k, PT_EV_DMA_ALLOC, 0, 0, set_dma, &d);
}

static inline void km_dma_free(struct kmodel *k, uint64_t handle, uint64_t cpu, uint64_t size)
{
	struct dma_args d = { .handle = handle, .page = cpu, .size = size };

	km_emit(k, PT_EV_DMA_FREE, 0, 0, set_dma, &d);
}

#endif
