/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API where the kernel offers only its dma: tracepoints (no
 * fentry, no kprobes): raw tracepoint programs that read the tracepoints'
 * arguments (struct device *, the scatterlist, the physical address...),
 * not their trace records, which carry the device's name only and no
 * list. Which argument is where comes from user space (src/attach_dma_tp.c
 * reads the kernel's BTF prototype of each tracepoint), in dma_tp_args.
 * They feed dma.bpf.h's emitters, so the events are those of the fentry
 * set: facts only, judged by src/analyzer_dma.c.
 *
 * Part of pagetrack.bpf.c, included there once and in order (after
 * dma.bpf.h); never a header of its own.
 */

/* Argument places + 1 by program and role (0: none), set before load. */
const volatile __u8 dma_tp_args[PT_DTP_N][PT_DTA_N];
/* DMA_ATTR_MMIO on kernels whose dma_map_phys maps MMIO too (0: none). */
const volatile __u64 dma_attr_mmio;

/*
 * Argument ROLE of program PROG. Both are constants and dma_tp_args is
 * frozen before the verifier runs, so it sees one constant offset into the
 * context: the other cases are dead code, never read. Each load is written
 * in assembly: the verifier wants ctx + constant in the load itself, and
 * the compiler would share one load among the cases, on a moved pointer.
 */
#define CTX_LOAD(ctx, i) ({						\
	__u64 __v;							\
	asm volatile("%[v] = *(u64 *)(%[c] + " #i " * 8)"		\
		     : [v] "=r"(__v) : [c] "r"(ctx));			\
	__v; })

static __always_inline __u64 tp_arg(unsigned long long *ctx, int prog, int role)
{
	switch (dma_tp_args[prog][role]) {
	case 1: return CTX_LOAD(ctx, 0);
	case 2: return CTX_LOAD(ctx, 1);
	case 3: return CTX_LOAD(ctx, 2);
	case 4: return CTX_LOAD(ctx, 3);
	case 5: return CTX_LOAD(ctx, 4);
	case 6: return CTX_LOAD(ctx, 5);
	case 7: return CTX_LOAD(ctx, 6);
	case 8: return CTX_LOAD(ctx, 7);
	}
	return 0;
}

#define TPA(role)	tp_arg(ctx, prog, PT_DTA_##role)
#define TPA_HAS(role)	(dma_tp_args[prog][PT_DTA_##role] != 0)

/* A page (or resource) mapping: the tracepoint fires after the mapping,
 * with its DMA address (DMA_MAPPING_ERROR when it failed). */
static __always_inline int tp_dma_map(unsigned long long *ctx, int prog)
{
	__u32 flags = 0;
	__u64 attrs = TPA(ATTRS);

	if (prog == PT_DTP_MAP_RES || (dma_attr_mmio && (attrs & dma_attr_mmio)))
		flags |= PT_F_DMA_MMIO;
	if (TPA_HAS(PHYS))
		return emit_dma_map(ctx, TPA(DEV), TPA(PHYS), 0, TPA(SIZE), TPA(DIR), attrs,
				    TPA(DMA), flags | PT_F_DMA_PHYS);
	return emit_dma_map(ctx, TPA(DEV), TPA(PAGE), 0, TPA(SIZE), TPA(DIR), attrs, TPA(DMA),
			    flags);
}

static __always_inline int tp_dma_unmap(unsigned long long *ctx, int prog)
{
	return emit_dma_free(ctx, PT_EV_DMA_UNMAP, TPA(DEV), TPA(DMA), TPA(SIZE), TPA(DIR),
			     TPA(ATTRS), 0, 0);
}

/* dma_map_sg fires once the list is mapped (ents > 0), dma_map_sg_err when
 * it failed (ents: -errno); nents is what the caller gave, dma_map_sgtable()
 * included (its orig_nents). */
static __always_inline int tp_dma_map_sg(unsigned long long *ctx, int prog)
{
	return emit_dma_sg(ctx, PT_EV_DMA_MAP_SG, TPA(DEV), TPA(SGL), (__u32)TPA(NENTS), TPA(DIR),
			   TPA(ATTRS), (__s32)TPA(ENTS), 0, 0);
}

static __always_inline int tp_dma_unmap_sg(unsigned long long *ctx, int prog)
{
	return emit_dma_sg(ctx, PT_EV_DMA_UNMAP_SG, TPA(DEV), TPA(SGL), (__u32)TPA(NENTS), TPA(DIR),
			   TPA(ATTRS), 0, 0, 0);
}

static __always_inline int tp_dma_alloc(unsigned long long *ctx, int prog)
{
	return emit_dma_alloc(ctx, TPA(DEV), TPA(SIZE), TPA(DMA), TPA(VIRT), TPA(GFP), TPA(ATTRS),
			      prog == PT_DTP_ALLOC_PAGES ? PT_F_DMA_PAGES : 0);
}

static __always_inline int tp_dma_free(unsigned long long *ctx, int prog)
{
	struct pt_event *e = dma_event(ctx, PT_EV_DMA_FREE, TPA(DEV), TPA(DMA), TPA(SIZE),
				       TPA(DIR), TPA(ATTRS));

	if (!e)
		return 0;
	e->dma.page = TPA(VIRT);
	if (prog == PT_DTP_FREE_PAGES)
		e->flags |= PT_F_DMA_PAGES;
	submit(e);
	return 0;
}

/* One program per (tracepoint, layout): SEC("raw_tp"), attached by name. */
#define DMA_TP_PROG(name, prog, fn)				\
SEC("raw_tp")							\
int pagetrack_tp_##name(unsigned long long *ctx)		\
{								\
	return fn(ctx, prog);					\
}

DMA_TP_PROG(dma_map, PT_DTP_MAP, tp_dma_map)
DMA_TP_PROG(dma_map_res, PT_DTP_MAP_RES, tp_dma_map)
DMA_TP_PROG(dma_unmap, PT_DTP_UNMAP, tp_dma_unmap)
DMA_TP_PROG(dma_unmap_res, PT_DTP_UNMAP_RES, tp_dma_unmap)
DMA_TP_PROG(dma_map_sg, PT_DTP_MAP_SG, tp_dma_map_sg)
DMA_TP_PROG(dma_map_sg_err, PT_DTP_MAP_SG_ERR, tp_dma_map_sg)
DMA_TP_PROG(dma_unmap_sg, PT_DTP_UNMAP_SG, tp_dma_unmap_sg)
DMA_TP_PROG(dma_alloc, PT_DTP_ALLOC, tp_dma_alloc)
DMA_TP_PROG(dma_free, PT_DTP_FREE, tp_dma_free)
DMA_TP_PROG(dma_alloc_pages, PT_DTP_ALLOC_PAGES, tp_dma_alloc)
DMA_TP_PROG(dma_free_pages, PT_DTP_FREE_PAGES, tp_dma_free)
