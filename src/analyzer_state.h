/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the analyzer's files share, and nothing outside them may see: the
 * analyzer's state (struct analyzer), the tracked objects (block pieces,
 * freed blocks, kmaps, per-thread state), and the calls one file makes into
 * another. Readers of the analyzer use analyzer.h; never include this there.
 *
 * The files, bottom up; each calls only those above it in this list
 * (tests/host/layers.sh checks it):
 *   analyzer_state.c	the state's getters, thread table, stacks, memmap
 *   analyzer_scope.c	-m scope: watched modules, which module made an event
 *   analyzer_findings.c the findings table: finding(), fill_finding(), kinds
 *   analyzer_blocks.c	page blocks: pieces, cover bitmaps, freed map,
 *			alloc / free / split and their judges; block lookups
 *   analyzer_leaks.c	the snapshot of live blocks; leak, held_at_exit
 *   analyzer_kmap.c	kmap_high / kunmap_high: slots, pressure, kmap leaks
 *   analyzer_umap.c	user mappings: pages mapped to user space, remaps
 *   kmap_local.c	kmap_local_* kinds (kmap_local.h)
 *   analyzer_dma.c	the DMA API: mappings, coherent buffers (analyzer_dma.h)
 *   analyzer_dispatch.c set-up, event dispatch, the end
 */
#ifndef PT_ANALYZER_STATE_H
#define PT_ANALYZER_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "analyzer.h"
#include "analyzer_dma.h"
#include "kmap_local.h"
#include "u64map.h"

#define MAX_TIDS	65536
#define ALLOC_STACK	4

/* Block piece flags. */
#define BLK_COMPOUND	0x01
#define BLK_SPLIT	0x02	/* split_page(): every page is its own block */
#define BLK_MISMATCH	0x04	/* leftover of a reported order mismatch */
#define BLK_SAMPLED	0x08	/* drawn for a stack sample (cfg.sample_pages) */

/*
 * One per live buddy-aligned piece; 16 bytes, as there are millions: the
 * allocation time is kept in ms from the first allocation seen (49 days),
 * the gfp flags as an index into the analyzer's table of the values seen.
 */
struct piece {
	uint32_t ms;
	int32_t stack_id;
	uint32_t tgid;
	uint16_t gfp_idx;	/* an->gfps[gfp_idx - 1]; 0: not kept */
	uint16_t order : 4;	/* this piece (orders 0..10) */
	uint16_t orig_order : 4;	/* the allocation it came from */
	uint16_t flags : 4;
	int16_t module : 4;	/* owner (watched module index) or -1 */
};

_Static_assert(sizeof(struct piece) == 16, "struct piece grew");
_Static_assert(PT_MAX_ORDER < 16 && PT_MAX_MODULES <= 8, "piece bit fields too narrow");
#define MAX_GFPS	65535	/* distinct gfp values kept; more are reported as 0 */

/* A block freed whole at its head, for the first free site of a double free. */
struct freed {
	uint64_t caller;
	int32_t stack_id;
	uint32_t order;
};

struct kmap_ent {
	uint64_t ts;
	uint64_t caller;
	int32_t stack_id;
	uint32_t tgid;
	uint32_t count;		/* 0: was mapped and fully unmapped */
	int8_t module;
	uint8_t reported;
};

struct tid_state {
	uint64_t alloc_pfn[ALLOC_STACK];	/* mm_page_alloc awaiting its return */
	uint8_t nalloc;
	bool has_paired;
	uint64_t paired_pfn;			/* last alloc matched to a return */
	/*
	 * Inside __free_pages(head, order): the page frees that follow in
	 * [head, head + 2^order) are its. Two deep, newest last: an
	 * interrupt's API free may come between the call and its page frees.
	 */
	struct free_ctx {
		uint64_t pfn;
		uint32_t order;
		int32_t stack;			/* the API free's stack */
		uint64_t ip;			/* and its caller */
	} fctx[2];
	uint8_t nfctx;
	/*
	 * free_pages() calls judged, whose inner __free_pages() is not to be
	 * judged again. Two deep: an interrupt may free pages in this thread's
	 * name between the two probes, even through free_pages() itself.
	 */
	struct api_free {
		uint64_t pfn;			/* the page it hands on */
		bool pfn_known;			/* else the next __free_pages() */
		bool bad;			/* it was a bad_free */
	} afree[2];
	uint8_t nafree;
	bool kmap_pending;
	uint64_t kmap_ptr, kmap_ts;
	int32_t kmap_stack;
};

struct analyzer {
	struct pt_config cfg;
	struct pt_kernel_info ki;
	pt_stack_fn stack_fn;
	void *stack_ctx;

	struct u64map pieces;		/* piece head pfn -> struct piece */
	/*
	 * One bit per pfn up to max_pfn: set while a live piece covers it, so
	 * that find_piece() answers "not tracked" (most allocations) without
	 * probing the map at every order. Exact while pieces are aligned to
	 * their order (the buddy allocator's); the first unaligned piece
	 * (damaged input) turns it off for good. NULL: off.
	 */
	uint64_t *cover;
	uint64_t cover_bits;
	uint32_t order_live[PT_MAX_ORDER + 1];
	struct u64map freed;		/* original head pfn -> struct freed */
	uint32_t freed_order[PT_MAX_ORDER + 1];	/* freed entries per order */
	/*
	 * Beside cover, same size: set while a freed entry covers the pfn, so
	 * that an allocation asks the freed map only where there is one to
	 * forget. NULL: off (probe).
	 */
	uint64_t *freed_cover;
	struct u64map kmaps;		/* struct page * -> struct kmap_ent */
	struct u64map tids;		/* tid -> struct tid_state */
	struct u64map remaps;		/* tid -> its remap_pfn_range() call (struct pt_event) */
	struct u64map remap_tgids;	/* tgid -> index + 1 of its latest remap_failed
					 * finding, chained by tgid_prev: a SIGBUS visits
					 * only that process's findings */
	/* The last thread's state: events come in runs from one thread. Any
	 * change to tids goes through tid_state(), which resets this. */
	struct tid_state *tid_last;
	uint32_t tid_last_id;
	struct u64map comms;		/* tgid -> comm */
	uint32_t comm_last_tgid;	/* comms holds comm_last for it */
	char comm_last[PT_COMM_LEN];
	struct u64map groups;		/* group key -> finding index + 1 */
	struct u64map gfp_ids;		/* gfp -> index into gfps + 1 */
	uint32_t *gfps;
	uint32_t ngfp, capgfp;
	uint32_t gfp_last;		/* gfp_ids holds gfp_last_idx for it */
	uint16_t gfp_last_idx;

	bool memmap_known, direct_known;
	bool memmap_kernel;		/* memmap_base read from the kernel */
	uint64_t memmap_base, direct_base;
	uint64_t first_ptr, first_ptr_pfn;	/* to learn sizeof(struct page) */
	uint64_t max_pfn_seen;

	struct pt_module_range mods[PT_MAX_MODULES];
	bool pressure_armed;
	int pressure_idx;
	uint64_t pressure_noted;	/* slots in use when the holders were last ranked */
	uint64_t last_ts;
	uint64_t ts_base;		/* ns: time 0 of piece.ms */
	bool ts_based;

	struct pt_finding *f;
	unsigned int nf, capf;
	struct pt_finding *out;		/* outstanding, unscoped: not findings */
	unsigned int nout;
	struct pt_stats st;
	struct pt_klocal kl;		/* src/kmap_local.c */
	struct pt_dma dma;		/* src/analyzer_dma.c */
};

/* --------------------------------------------------------- shared helpers */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* In scope: no -m given, or the owning block or the event's code is watched. */
static inline bool in_scope(const struct analyzer *an, int owner, int ev_module)
{
	return !an->cfg.nmodules || owner >= 0 || ev_module >= 0;
}

static inline uint64_t orig_head(uint64_t pfn, const struct piece *p)
{
	return pfn & ~((1ULL << p->orig_order) - 1);
}

static inline uint64_t piece_ts(const struct analyzer *an, const struct piece *p)
{
	return an->ts_base + (uint64_t)p->ms * 1000000;
}

static inline uint32_t piece_gfp(const struct analyzer *an, const struct piece *p)
{
	return p->gfp_idx ? an->gfps[p->gfp_idx - 1] : 0;
}

static inline uint64_t pfn_to_ptr(const struct analyzer *an, uint64_t pfn)
{
	return an->memmap_base + pfn * an->ki.struct_page_size;
}

void tids_make_room(struct analyzer *an);

/* Every handler that keeps state asks for its thread's: the last one is kept
 * at hand. Handlers that only read it use tid_find(). */
static inline struct tid_state *tid_state(struct analyzer *an, uint32_t tid)
{
	if (an->tid_last && an->tid_last_id == tid)
		return an->tid_last;
	if (an->tids.len >= MAX_TIDS)
		tids_make_room(an);
	/* A put may move every entry: the cached pointer is replaced. */
	an->tid_last = u64map_put(&an->tids, tid, NULL);
	an->tid_last_id = tid;
	return an->tid_last;
}

/* The thread's state if it has any, without creating it (then kept at hand). */
static inline struct tid_state *tid_find(struct analyzer *an, uint32_t tid)
{
	struct tid_state *t;

	if (an->tid_last && an->tid_last_id == tid)
		return an->tid_last;
	t = u64map_get(&an->tids, tid);
	if (t) {
		an->tid_last = t;
		an->tid_last_id = tid;
	}
	return t;
}

/* ---------------------------------------------------- analyzer_findings.c */

/* Find or create the finding grouped under (kind, key); count 1 when new. */
struct pt_finding *finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
			   const struct pt_event *e);
/*
 * The finding for event e under (kind, key) when it is in -m scope: owner
 * (the block's module) or *module (set: the module making e) is watched.
 * NULL when out of scope or out of memory.
 */
struct pt_finding *scoped_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
				  const struct pt_event *e, int owner, int *module);
/*
 * The fields a new finding shares with most kinds: the page or block at
 * pfn, its allocation (blk: order, gfp flags, stack; NULL: not tracked),
 * the free being judged (fe: its stack and caller; NULL: none) and the
 * watched module it is charged to. The process stays the event's unless
 * fill_comm() names another (the allocating one).
 */
void fill_finding(const struct analyzer *an, struct pt_finding *f, uint64_t pfn,
		  const struct piece *blk, const struct pt_event *fe, int module);
/* Names process tgid in f, with the comm last seen for it. */
void fill_comm(const struct analyzer *an, struct pt_finding *f, uint32_t tgid);

/* ------------------------------------------------------- analyzer_scope.c */

/* Which watched module, if any, made this event (its code, or its exit). */
int module_of_event(const struct analyzer *an, const struct pt_event *e);
/* Where a free was called from. */
uint64_t free_caller(const struct analyzer *an, const struct pt_event *e);
void on_module(struct analyzer *an, const struct pt_event *e, const char *name);
void on_module_init_end(struct analyzer *an, const struct pt_event *e);

/*
 * analyzer_blocks.c. The on_* handlers, here and below, take one event
 * each; an_event() routes them by type.
 */

struct piece *find_piece(const struct analyzer *an, uint64_t pfn, uint64_t *head);
bool ptr_to_pfn(const struct analyzer *an, uint64_t ptr, uint64_t *pfn);
/* The kernel's own memmap base, read by BPF (0: unknown). */
void learn_memmap_base(struct analyzer *an, uint64_t base);
void on_page_alloc(struct analyzer *an, const struct pt_event *e);
/* A page free as its free site (the API call's stack where the free's own
 * is missing or unusable): e itself, or buf filled. A lookup the other
 * judges may use. */
const struct pt_event *page_free_site(struct analyzer *an, const struct pt_event *e,
				      struct pt_event *buf);
/* e: the free at its site, as page_free_site() gives it (the dispatcher). */
void on_page_free(struct analyzer *an, const struct pt_event *e);
void on_alloc_ret(struct analyzer *an, const struct pt_event *e);
void on_gfp_ret(struct analyzer *an, const struct pt_event *e);
void on_free_pages(struct analyzer *an, const struct pt_event *e);
void on_free_addr(struct analyzer *an, const struct pt_event *e);
void on_split(struct analyzer *an, const struct pt_event *e);
void on_paired_live(struct analyzer *an, const struct pt_event *e);

/* -------------------------------------------------------- analyzer_kmap.c */

void on_kmap(struct analyzer *an, const struct pt_event *e);
void on_kmap_ret(struct analyzer *an, const struct pt_event *e);
void on_kunmap(struct analyzer *an, const struct pt_event *e);
/* Pages [pfn, pfn + n) freed by e: any still kmapped is a finding. */
void check_kmapped(struct analyzer *an, const struct pt_event *e, uint64_t pfn, uint64_t n);
/* At the end: kmaps never unmapped are findings. */
void finish_kmaps(struct analyzer *an);
/* At the end (analyzer_leaks.c): under -m, what the modules still hold is
 * leak or held_at_exit; without, the outstanding list. */
void finish_leaks(struct analyzer *an, uint64_t now);

/* -------------------------------------------------------- analyzer_umap.c */

void on_user_map(struct analyzer *an, const struct pt_event *e);
void on_remap(struct analyzer *an, const struct pt_event *e);
void on_remap_ret(struct analyzer *an, const struct pt_event *e);
void on_signal(struct analyzer *an, const struct pt_event *e);

#endif
