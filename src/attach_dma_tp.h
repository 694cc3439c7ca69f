/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dma: tracepoints' part of the attacher (bpf/dma_tp.bpf.h), for
 * kernels without fentry and kprobes: which of them this kernel has (names
 * change across versions: resolved, never assumed), where each one's
 * arguments are (its BTF prototype, btf_trace_<name>), their attachment as
 * raw tracepoints and their lines in the start-up detections. It must not
 * read or judge events.
 */
#ifndef PT_ATTACH_DMA_TP_H
#define PT_ATTACH_DMA_TP_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/btf.h>
#include "pagetrack.h"

struct pagetrack_bpf;
struct bpf_program;
struct bpf_link;

/* One raw tracepoint program: the tracepoint it goes on, or why none. */
struct dma_tp_prog {
	const char *name;		/* the tracepoint resolved, NULL: none */
	struct bpf_program *prog;
	const char *why;		/* why not attached */
	struct bpf_link *link;
};

struct dma_tp {
	bool used;			/* tracepoint mode: the set is wanted */
	struct dma_tp_prog p[PT_DTP_N];
	bool map_phys;			/* the map tracepoint gives a physical address */
	uint64_t attr_mmio;		/* DMA_ATTR_MMIO from dma_map_phys's format, 0: none */
};

/* Before load: resolve the tracepoints and their arguments (want: the
 * kernel has neither fentry nor kprobes), or switch every program off. */
void dma_tp_prepare(struct dma_tp *t, struct pagetrack_bpf *skel, const struct btf *btf, bool want);
void dma_tp_attach(struct dma_tp *t);
void dma_tp_detach(struct dma_tp *t);
/* The detections' lines for the DMA kinds in tracepoint mode. */
void dma_tp_print(const struct dma_tp *t);

#endif
