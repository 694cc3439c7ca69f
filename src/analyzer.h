/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyzer: pairs raw events (src/pagetrack.h) into blocks, kmaps and
 * mappings and turns what is wrong into findings. Live tracing and --replay
 * feed it the same events through the same calls.
 */
#ifndef PT_ANALYZER_H
#define PT_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "pagetrack.h"
#include "u64map.h"

#define PT_MAX_MODULES	8
#define PT_MAX_ORDER	11	/* the largest order accepted (x86: 10; one more for configs that raise it) */

enum pt_arch { PT_ARCH_UNKNOWN = 0, PT_ARCH_AMD64 = 1, PT_ARCH_I386 = 2, PT_ARCH_ARMHF = 3 };

/* JSON "kind" values are a contract; keep in step with kind_names[]. */
enum pt_kind {
	PT_K_LEAK,
	PT_K_ORDER_MISMATCH,
	PT_K_DOUBLE_FREE,
	PT_K_BAD_FREE,
	PT_K_PARTIAL_FREE,
	PT_K_TAIL_PAGE_MAPPED,
	PT_K_KMAP_LEAK,
	PT_K_KMAP_PARTIAL,
	PT_K_FREE_WHILE_KMAPPED,
	PT_K_KUNMAP_UNBALANCED,
	PT_K_PKMAP_PRESSURE,
	PT_K_REMAP_FAILED,
	PT_K_EVENTS_LOST,
	PT_K_KMAP_LOCAL_ORDER,		/* src/kmap_local.c */
	PT_K_KUNMAP_LOCAL_BAD,
	PT_K_KMAP_LOCAL_LEAK,
	PT_K_KMAP_ATOMIC_SLEEP,
	PT_K_KMAP_LOCAL_DEPTH,
	PT_K_HELD_AT_EXIT,		/* -m: held at exit, module still loaded */
	PT_K_DMA_LEAK,			/* src/analyzer_dma.c */
	PT_K_DMA_HELD_AT_EXIT,
	PT_K_DMA_BAD_UNMAP,
	PT_K_DMA_UNMAP_MISMATCH,
	PT_K_DMA_FREE_WHILE_MAPPED,
	PT_K_DMA_FREE_MISMATCH,
	PT_K_MAX,
};

const char *pt_kind_name(enum pt_kind k);
bool pt_kind_is_error(enum pt_kind k);

/* Facts about the traced kernel; recorded in the record header. */
struct pt_kernel_info {
	uint32_t arch;			/* enum pt_arch */
	uint32_t page_shift;		/* 12 */
	uint32_t struct_page_size;	/* sizeof(struct page), from BTF */
	uint32_t last_pkmap;		/* 0: no HIGHMEM */
	uint64_t max_pfn;		/* highest pfn of any zone, 0 if unknown */
	char release[64];		/* uname -r */
};

struct pt_config {
	bool api_events;		/* kprobe events present: judge at API entry */
	bool pid_filtered;		/* allocations of other processes unseen */
	unsigned int pkmap_pct;		/* pkmap_pressure threshold, % of LAST_PKMAP */
	uint64_t kmap_wait_ns;		/* a kmap_high slower than this waited */
	unsigned int nmodules;
	char modules[PT_MAX_MODULES][PT_MODNAME_LEN];
	/* Allocation stacks sampled by pages (pagetrack.h), 0: all unwound.
	 * Sites then report Σ 2^k / p_k over their sampled blocks. */
	uint32_t sample_pages;
	uint64_t sample_thresh[PT_NR_ORDERS];
};

#define PT_SAMPLE_ONE	(1ULL << 32)	/* threshold of p = 1 */

/* thresh[k] = p_k * 2^32, p_k = 1 - exp(-2^k / r_pages), at least 1. */
void pt_sample_thresholds(uint32_t r_pages, uint64_t thresh[PT_NR_ORDERS]);

/* A stack as the analyzer sees it; ips[0] is the innermost frame. */
struct pt_stack {
	uint32_t nr;
	const uint64_t *ips;
};

/*
 * A finding's message. The longest, remap_failed's copy-on-write advice with
 * four 64-bit values in hex, is 216 bytes; tail_page_mapped's 197 and
 * events_lost's with two 20-digit counts 176. Over twice the longest, so that no
 * message is ever cut (tests/unit: test_longest_messages fills every field).
 */
#define PT_NOTE_LEN	512

/* Supplies stacks by kernel stack id (live: map lookup; replay: the file). */
typedef bool (*pt_stack_fn)(void *ctx, int32_t id, struct pt_stack *out);

struct pt_finding {
	enum pt_kind kind;
	bool error;			/* error-level (exit 1) or warning */
	uint32_t count;			/* occurrences grouped here */
	uint64_t pages;			/* pages concerned (leaked, freed, mapped) */
	uint64_t pfn;			/* an example block */
	uint32_t order;			/* allocation order */
	uint32_t free_order;		/* order the free claimed */
	uint32_t gfp;
	int32_t err;			/* remap_failed: -errno */
	uint64_t addr;			/* free_pages() argument, kmap page, ... */
	uint64_t vm_start, vm_end, vm_flags;
	uint32_t tgid;
	char comm[PT_COMM_LEN];
	uint64_t ts;			/* first occurrence */
	uint64_t age_ns;		/* leak: how long outstanding at report */
	int32_t stack_id;		/* allocation / kmap / remap site */
	int32_t stack_id2;		/* free site; kmap_local: the map stack */
	uint64_t caller;		/* return address at the site, if known */
	uint64_t caller2;
	int module;			/* watched module index, -1 none */
	uint32_t sigbus;		/* remap_failed: SIGBUS seen afterwards */
	uint32_t tgid_prev;		/* remap_failed: index + 1 of the process's previous one */
	uint64_t extra;			/* kind specific (pkmap: slots in use) */
	uint32_t samples;		/* sampled blocks behind pages, 0: exact */
	double est;			/* sampling: Σ 2^k / p_k so far */
	char note[PT_NOTE_LEN];		/* the message; never cut: see PT_NOTE_LEN */
	uint64_t caller3;		/* kmap_local: map site of the top slot */
	int32_t stack_id3;		/* kmap_local: map stack of the top slot */
	uint32_t depth, kdepth;		/* kmap_local: tracked, kernel's */
	/* DMA kinds (analyzer_dma.c): the mapping's device, handle, size
	 * (bytes; sg: entries) and direction, and those the unmap or free
	 * gave (size2, dir2); api: enum pt_dma_api; why: dma_bad_unmap's
	 * PT_DMA_WHY_*. bytes: the mappings' bytes (leaks); sg_bytes: an sg
	 * list's bytes (its entries' lengths), 0: not read. */
	uint64_t dma_dev, dma_handle;
	uint64_t dma_size, dma_size2, dma_bytes, dma_sg_bytes;
	uint32_t dma_dir, dma_dir2;
	uint32_t dma_api, dma_why;
};

/* dma_bad_unmap: the handle was never mapped, or is unmapped already. */
enum { PT_DMA_WHY_NEVER = 1, PT_DMA_WHY_AGAIN = 2 };

struct pt_module_range {
	char name[PT_MODNAME_LEN];
	uint64_t base, size;
	/* Init text, from do_init_module: code there counts as the module's
	 * while init_live; afterwards the range only names old stacks. */
	uint64_t init_base, init_size;
	uint32_t init_tid;		/* the thread running do_init_module */
	bool init_live;
	uint64_t exit_fn;		/* its exit function, 0 if unknown */
	uint32_t exit_tid;		/* the thread in delete_module, while exiting */
	bool exiting;
	bool loaded, unloaded;
	/* For the verdict: seen loaded at all while tracing (or in the
	 * recording); the last load's time (0: loaded before tracing); an
	 * init that failed (do_init_module returned init_ret) and one that
	 * succeeded (or the module was there before tracing). */
	bool seen, init_failed, init_ok;
	bool init_freed;		/* freed in its init: its return value next */
	int32_t init_ret;
	uint64_t load_ts;
};

/* What became of a watched module: checked unless never loaded or every
 * load of it failed in its init (its code never ran as a driver). */
enum pt_module_state {
	PT_MOD_NEVER_LOADED,
	PT_MOD_INIT_FAILED,
	PT_MOD_LOADED,			/* still loaded at the end */
	PT_MOD_UNLOADED,
};
enum pt_module_state pt_module_state(const struct pt_module_range *m);
const char *pt_module_state_name(enum pt_module_state st);
static inline bool pt_module_checked(const struct pt_module_range *m)
{
	enum pt_module_state st = pt_module_state(m);

	return st == PT_MOD_LOADED || st == PT_MOD_UNLOADED;
}

struct pt_stats {
	uint64_t events[PT_EV_MAX];
	uint64_t bad_events;
	uint64_t untracked_frees;	/* frees of pages allocated before tracing */
	uint64_t unjudged_frees;	/* page pointer could not be mapped to a pfn */
	uint64_t memmap_conflicts;
	uint64_t stale_blocks;		/* tracked pages reallocated: free not seen */
	uint64_t out_of_scope;		/* allocations outside -m scope */
	uint64_t allocs, frees;		/* tracked blocks / pages freed */
	uint64_t alloc_pages;		/* pages in tracked blocks */
	uint64_t stale_pages;		/* dropped: reallocated without a seen free */
	/* Invariant: alloc_pages - frees - stale_pages == live_pages. */
	uint64_t live_blocks, live_pages;
	uint64_t kmaps_live, kmaps_peak;
	uint64_t kmap_waits;
	uint64_t kmap_ret_missed;	/* kmap_high returns the kretprobe missed */
	uint64_t lost;			/* ring buffer drops (from the loader) */
	uint64_t produced;
	/* Order-0 blocks paired in BPF (bpf/pair.bpf.h), from its counters:
	 * never events, but in the summary's totals. Handed ones came back
	 * as PT_EV_PAIRED_LIVE and are tracked above from then on. */
	uint64_t bpf_allocs, bpf_frees, bpf_stale, bpf_handed;
};

struct analyzer;

struct analyzer *an_new(const struct pt_config *cfg, const struct pt_kernel_info *ki,
			pt_stack_fn stack_fn, void *stack_ctx);
void an_free(struct analyzer *an);

/* Module text ranges (from /proc/modules live, MODULE records in replay). */
void an_module_range(struct analyzer *an, const char *name, uint64_t base, uint64_t size);

/* Feed one event; module events carry their name. */
void an_event(struct analyzer *an, const struct pt_event *e, const char *modname);

/* Lost ring-buffer events as counted by BPF. */
void an_set_lost(struct analyzer *an, uint64_t produced, uint64_t lost);

/* Blocks (of one page) BPF keeps now: paired, not freed, dropped or handed over. */
static inline uint64_t pt_bpf_kept(const struct pt_stats *st)
{
	return st->bpf_allocs - st->bpf_frees - st->bpf_stale - st->bpf_handed;
}

/* BPF's pairing counts (PT_CNT_PAIR_*), as totals so far; ignored with -m. */
void an_set_paired(struct analyzer *an, uint64_t allocs, uint64_t frees, uint64_t stale,
		   uint64_t handed);

/* True once every watched module has been loaded and unloaded again. */
bool an_watched_unloaded(const struct analyzer *an);
/* Where struct pages and the direct map live: both known (learnt from the
 * allocator's returns, or read by BPF), so returns teach nothing more. */
bool an_bases_known(const struct analyzer *an);
/* Both bases as BPF read them from the kernel's variables (0: not read). */
void an_set_bases(struct analyzer *an, uint64_t memmap_base, uint64_t direct_base);

/* End of trace at time now_ns: outstanding blocks and kmaps become findings. */
void an_finish(struct analyzer *an, uint64_t now_ns);

const struct pt_finding *an_findings(const struct analyzer *an, unsigned int *n);
/*
 * Live blocks at time now older than min_age_ns, grouped by allocation site
 * and order (kind leak), most pages first. *out is malloc'ed; free it.
 */
int an_snapshot(const struct analyzer *an, uint64_t now, uint64_t min_age_ns,
		struct pt_finding **out, unsigned int *n);
/* Without -m: still-allocated call sites at the end, most pages first. */
const struct pt_finding *an_outstanding(const struct analyzer *an, unsigned int *n);
const struct pt_stats *an_stats(const struct analyzer *an);
const struct pt_kernel_info *an_kernel(const struct analyzer *an);
const struct pt_config *an_config(const struct analyzer *an);
const struct pt_module_range *an_module(const struct analyzer *an, int idx);
/*
 * Index of the watched module whose text holds ip, or -1: its core text, or
 * its init text, also after that was freed (to name stacks taken during
 * init). Whether code counts as the module's at an event is decided when
 * the event comes, with the init text only while it is live.
 */
int an_module_of_ip(const struct analyzer *an, uint64_t ip);
/* Whether ip lies in module idx's (last) init text rather than its core. */
bool an_module_ip_init(const struct analyzer *an, int idx, uint64_t ip);
/* Stack of a finding, via the same callback the analyzer uses. */
bool an_stack(const struct analyzer *an, int32_t id, struct pt_stack *out);
int an_errors(const struct analyzer *an);

/* For src/kmap_local.c: the finding grouped under (kind, key), created on
 * first use (count 1) else counted once more; NULL when out of memory. */
struct pt_finding *an_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
			      const struct pt_event *e);
/* Watched module whose code made the event (ip, then stack), or -1. */
int an_event_module(const struct analyzer *an, const struct pt_event *e);
/* kmap_local counts (struct pt_klocal, src/kmap_local.h). */
const struct pt_klocal *an_klocal(const struct analyzer *an);

#endif
