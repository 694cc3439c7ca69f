/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API probes' part of the attacher (bpf/dma.bpf.h): which kernel
 * functions of the streaming and coherent DMA API this kernel lets us
 * trace, by fentry/fexit or kprobe/kretprobe (or, without both, the dma:
 * tracepoints: attach_dma_tp.h), their attachment and their line in the
 * start-up detections. It must not read or judge events.
 */
#ifndef PT_ATTACH_DMA_H
#define PT_ATTACH_DMA_H

#include <stdbool.h>
#include <bpf/btf.h>
#include "attach_dma_tp.h"
#include "kinfo.h"

struct pagetrack_bpf;
struct bpf_program;
struct bpf_link;

/* One DMA API function: its entry or return program in each set. */
struct dma_probe {
	const char *func;
	bool retprobe;			/* the kprobe set's program is a kretprobe */
	struct bpf_program *kprog;	/* kprobe set */
	struct bpf_program *fprog;	/* fentry/fexit set, NULL: kprobes only */
	bool by_fentry;
	bool wanted;
	const char *why;		/* why not attached */
	struct bpf_link *link;
};

enum { D_MAP, D_MAP_RET, D_UNMAP, D_ALLOC, D_ALLOC_RET, D_FREE, D_MAP_SG, D_MAP_SG_RET,
	D_UNMAP_SG, D_MAP_SGT, D_MAP_SGT_RET, D_NPROBES };

struct dma_attach {
	struct dma_probe p[D_NPROBES];
	const char *why;		/* the whole set is off: why */
	struct dma_tp tp;		/* tracepoint mode: the dma: tracepoints instead */
};

/* Before load: choose each program's set and target, or switch it off. */
void dma_attach_prepare(struct dma_attach *d, struct pagetrack_bpf *skel, const struct btf *btf,
			const struct ksyms *ks, bool fentry, bool kprobes);
void dma_attach_attach(struct dma_attach *d);
void dma_attach_detach(struct dma_attach *d);
/* The detections' lines for the DMA kinds. */
void dma_attach_print(const struct dma_attach *d);

#endif
