/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API judge's state and calls (src/analyzer_dma.c): streaming page
 * and scatterlist mappings and coherent buffers, paired by device and
 * handle, the pages they cover, and the devices' names. Judges only: it
 * prints nothing (report_dma.c shows its findings) and calls no other judge.
 */
#ifndef PT_ANALYZER_DMA_H
#define PT_ANALYZER_DMA_H

#include <stdbool.h>
#include <stdint.h>
#include "analyzer.h"
#include "u64map.h"

/* The kinds of mapping, each its own key space (ALLOC_PAGES: the buffers
 * of dma_alloc_pages(), traced by the dma: tracepoints only). */
enum pt_dma_api { PT_DMA_PAGE = 0, PT_DMA_SG = 1, PT_DMA_COHERENT = 2, PT_DMA_ALLOC_PAGES = 3 };

/* A live mapping (or a coherent buffer). */
struct pt_dma_map {
	uint64_t dev, handle;
	uint64_t size;			/* bytes; sg: nents */
	uint64_t bytes;			/* bytes (sg: its entries' lengths, as far as read) */
	uint64_t pfn;			/* first page mapped (page maps), else 0 */
	uint64_t ts;
	uint64_t caller;
	int32_t stack_id;
	uint32_t tgid;
	uint32_t npages;		/* pages covered (page maps), 0: unknown */
	uint32_t dir;
	uint32_t count;			/* the same (dev, handle) mapped again */
	uint8_t api;			/* enum pt_dma_api */
	int8_t module;			/* owner: watched module index, -1 none */
	uint8_t reported;		/* its page freed: said once */
	uint8_t sg_more;		/* sg: longer than BPF reads (bytes, pages: the first) */
};

/* The pages of an sg list's entries (the first PT_DMA_SG_WALK) and their bytes. */
struct pt_dma_sg_pages {
	uint32_t n;
	uint32_t pad;
	uint64_t bytes;
	struct {
		uint64_t pfn;		/* first page, U64MAP_EMPTY: unknown */
		uint32_t npages;
		uint32_t pad;
	} r[PT_DMA_SG_WALK];
};

/* A mapping unmapped, for the site of the first unmap of a second one. */
struct pt_dma_gone {
	uint64_t caller;
	int32_t stack_id;
	uint32_t pad;
};

/* Live mappings and bytes of one device or one call site. */
struct pt_dma_usage {
	uint64_t key;			/* dev, or the site's stack id + caller */
	uint64_t dev;
	uint64_t caller;
	int32_t stack_id;
	int module;
	uint64_t mappings, bytes;
};

struct pt_dma_stats {
	uint64_t maps, unmaps;		/* page and sg mappings made, unmapped */
	uint64_t allocs, frees;		/* coherent buffers */
	uint64_t live, live_bytes;	/* mappings and buffers live now */
	uint64_t untracked;		/* unmaps and frees of what was made before
					 * tracing (or by an untraced call) */
	uint64_t failed;		/* maps that failed (DMA_MAPPING_ERROR, 0) */
	uint64_t ret_missed;		/* kprobe mode: a return without its entry, or an
					 * entry whose return never came */
};

struct pt_dma {
	struct u64map maps;		/* key(api, dev, handle) -> struct pt_dma_map */
	struct u64map gone;		/* key -> struct pt_dma_gone */
	struct u64map pfns;		/* pfn -> key of a live page mapping over it */
	struct u64map devs;		/* dev -> name[PT_MODNAME_LEN] */
	struct u64map pending;		/* tid -> its calls awaiting DMA_RET (kprobe mode) */
	struct u64map sgstage;		/* key -> struct pt_dma_sg_pages: entries of a list
					 * not yet mapped (DMA_SG_ENT before its MAP_SG) */
	struct u64map sgpages;		/* key -> struct pt_dma_sg_pages of a live sg mapping */
	struct pt_dma_stats st;
};

int dma_init(struct pt_dma *d);
void dma_free(struct pt_dma *d);
bool dma_kind(enum pt_kind k);

/* analyzer_dma.c's calls for the dispatcher. */
void dma_event(struct analyzer *an, const struct pt_event *e, const char *name);
/* Pages [pfn, pfn + n) freed by e: any still DMA-mapped is a finding. */
void dma_check_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn, uint64_t n);
/* At the end: what the watched modules still have mapped. */
void dma_finish(struct analyzer *an, uint64_t now);

/* For reporters. */
const struct pt_dma_stats *an_dma_stats(const struct analyzer *an);
/* The device's name, "" if never sent. */
const char *an_dma_dev_name(const struct analyzer *an, uint64_t dev);
/*
 * Live mappings grouped by device (by_site false) or by call site, most
 * bytes first; *out is malloc'ed, free it.
 */
int an_dma_usage(const struct analyzer *an, bool by_site, struct pt_dma_usage **out,
		 unsigned int *n);
const char *pt_dma_dir_name(uint32_t dir);

#endif
