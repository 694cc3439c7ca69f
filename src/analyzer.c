// SPDX-License-Identifier: GPL-2.0
/*
 * Pairs raw events into page blocks, kmaps and user mappings, and reports
 * what is wrong with them.
 *
 * Blocks are tracked by pfn coverage, not by exact (pfn, order) keys: a
 * block is a set of buddy-aligned "pieces". A free that covers part of a
 * piece splits it (the kernel itself frees the tails of a non-compound block
 * as smaller blocks when the head holds an extra reference). Because pieces
 * are aligned to their order, the piece holding a pfn is found by probing
 * the aligned head at each order.
 *
 * Orders are judged at the API entry (__free_pages, free_pages) when kprobe
 * events are present, and by comparing tracepoint orders otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer.h"
#include "kmap_local.h"

#define GFP_COMP	0x4000u		/* ___GFP_COMP on 6.1 .. 6.18 x86 */
#define VM_SHARED	0x8ull
#define VM_MAYWRITE	0x20ull
#define FAULT_FLAG_WRITE 0x1u
#define EINVAL		22
#define MAX_TIDS	65536
#define MAX_FREED	65536
#define MAX_KMAP_ENTRIES 65536
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
	uint64_t ts;
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
	bool fctx;				/* inside __free_pages(head, order) */
	uint8_t fctx_order;
	int32_t fctx_stack;			/* the API free's stack */
	uint64_t fctx_pfn;
	bool skip_free_api;			/* free_pages() judged its inner call */
	bool skip_bad;				/* ... and it was a bad_free */
	bool kmap_pending;
	uint64_t kmap_ptr, kmap_ts;
	int32_t kmap_stack;
	bool remap_pending;
	struct pt_event remap;
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
	uint64_t last_ts;
	uint64_t ts_base;		/* ns: time 0 of piece.ms */
	bool ts_based;

	struct pt_finding *f;
	unsigned int nf, capf;
	struct pt_finding *out;		/* outstanding, unscoped: not findings */
	unsigned int nout;
	struct pt_stats st;
	struct pt_klocal kl;		/* src/kmap_local.c */
};

static const char *const kind_names[PT_K_MAX] = {
	[PT_K_LEAK] = "leak",
	[PT_K_ORDER_MISMATCH] = "order_mismatch",
	[PT_K_DOUBLE_FREE] = "double_free",
	[PT_K_BAD_FREE] = "bad_free",
	[PT_K_PARTIAL_FREE] = "partial_free",
	[PT_K_TAIL_PAGE_MAPPED] = "tail_page_mapped",
	[PT_K_KMAP_LEAK] = "kmap_leak",
	[PT_K_KMAP_PARTIAL] = "kmap_partial",
	[PT_K_FREE_WHILE_KMAPPED] = "free_while_kmapped",
	[PT_K_KUNMAP_UNBALANCED] = "kunmap_unbalanced",
	[PT_K_PKMAP_PRESSURE] = "pkmap_pressure",
	[PT_K_REMAP_FAILED] = "remap_failed",
	[PT_K_EVENTS_LOST] = "events_lost",
	[PT_K_KMAP_LOCAL_ORDER] = "kmap_local_order",
	[PT_K_KUNMAP_LOCAL_BAD] = "kunmap_local_bad",
	[PT_K_KMAP_LOCAL_LEAK] = "kmap_local_leak",
	[PT_K_KMAP_ATOMIC_SLEEP] = "kmap_atomic_sleep",
	[PT_K_KMAP_LOCAL_DEPTH] = "kmap_local_depth",
};

const char *pt_kind_name(enum pt_kind k)
{
	return k < PT_K_MAX ? kind_names[k] : "unknown";
}

bool pt_kind_is_error(enum pt_kind k)
{
	return k != PT_K_KMAP_PARTIAL && k != PT_K_PKMAP_PRESSURE &&
	       k != PT_K_EVENTS_LOST && k != PT_K_KMAP_LOCAL_DEPTH;
}

static uint64_t piece_ts(const struct analyzer *an, const struct piece *p)
{
	return an->ts_base + (uint64_t)p->ms * 1000000;
}

/* piece.ms for time ts (ns): from the first allocation, saturating. */
static uint32_t piece_ms(struct analyzer *an, uint64_t ts)
{
	uint64_t ms;

	if (!an->ts_based) {
		an->ts_base = ts;
		an->ts_based = true;
	}
	ms = ts > an->ts_base ? (ts - an->ts_base) / 1000000 : 0;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/*
 * 1 - exp(-x) for x >= 0 without libm and without cancellation for small x:
 * expm1 of x / 2^n by its series, then doubled n times
 * (expm1(2a) = expm1(a) * (2 + expm1(a))).
 */
static double one_minus_exp_neg(double x)
{
	double m, t = x;
	int n = 0, i;

	while (t > 1.0 / 1024 && n < 60) {
		t /= 2;
		n++;
	}
	m = -t * (1 - t / 2 * (1 - t / 3 * (1 - t / 4 * (1 - t / 5))));
	for (i = 0; i < n; i++)
		m = m * (2 + m);
	return -m;
}

void pt_sample_thresholds(uint32_t r_pages, uint64_t thresh[PT_NR_ORDERS])
{
	unsigned int k;

	for (k = 0; k < PT_NR_ORDERS; k++) {
		double p = r_pages ? one_minus_exp_neg((double)(1u << k) / r_pages) : 1;
		double t = p * PT_SAMPLE_ONE + 0.5;

		thresh[k] = t >= PT_SAMPLE_ONE ? PT_SAMPLE_ONE : t < 1 ? 1 : (uint64_t)t;
	}
}

struct analyzer *an_new(const struct pt_config *cfg, const struct pt_kernel_info *ki,
			pt_stack_fn stack_fn, void *stack_ctx)
{
	struct analyzer *an = calloc(1, sizeof(*an));
	unsigned int i;

	if (!an)
		return NULL;
	an->cfg = *cfg;
	an->ki = *ki;
	for (i = 0; i < PT_NR_ORDERS; i++)	/* weights divide by these */
		if (!an->cfg.sample_thresh[i] || an->cfg.sample_thresh[i] > PT_SAMPLE_ONE)
			an->cfg.sample_thresh[i] = PT_SAMPLE_ONE;
	if (!an->ki.page_shift)
		an->ki.page_shift = 12;
	if (!an->cfg.pkmap_pct)
		an->cfg.pkmap_pct = 50;
	an->stack_fn = stack_fn;
	an->stack_ctx = stack_ctx;
	an->pressure_armed = true;
	an->pressure_idx = -1;
	if (an->cfg.nmodules > PT_MAX_MODULES)
		an->cfg.nmodules = PT_MAX_MODULES;
	for (i = 0; i < an->cfg.nmodules; i++)
		memcpy(an->mods[i].name, an->cfg.modules[i], PT_MODNAME_LEN);
	if (u64map_init(&an->pieces, sizeof(struct piece)) ||
	    u64map_init(&an->freed, sizeof(struct freed)) ||
	    u64map_init(&an->kmaps, sizeof(struct kmap_ent)) ||
	    u64map_init(&an->tids, sizeof(struct tid_state)) ||
	    u64map_init(&an->comms, PT_COMM_LEN) ||
	    u64map_init(&an->groups, sizeof(uint32_t)) ||
	    u64map_init(&an->gfp_ids, sizeof(uint16_t))) {
		an_free(an);
		return NULL;
	}
	/* 1 bit per pfn: 32 KiB per GiB of RAM, pages touched only where used.
	 * Without a known max_pfn, or one past 1 TiB of RAM (32 MiB of bits;
	 * a damaged recording's header), find_piece() probes. */
	if (an->ki.max_pfn && an->ki.max_pfn < (1ULL << 28)) {
		an->cover_bits = an->ki.max_pfn + 1;
		an->cover = calloc((size_t)((an->cover_bits + 63) / 64), sizeof(uint64_t));
		an->freed_cover = calloc((size_t)((an->cover_bits + 63) / 64), sizeof(uint64_t));
	}
	return an;
}

void an_free(struct analyzer *an)
{
	if (!an)
		return;
	u64map_free(&an->pieces);
	u64map_free(&an->freed);
	u64map_free(&an->kmaps);
	u64map_free(&an->tids);
	u64map_free(&an->comms);
	u64map_free(&an->groups);
	u64map_free(&an->gfp_ids);
	free(an->gfps);
	free(an->cover);
	free(an->freed_cover);
	free(an->f);
	free(an->out);
	kl_free(&an->kl);
	free(an);
}

/* ---------------------------------------------------------------- scope */

static int watched_index(const struct analyzer *an, const char *name)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (!strcmp(an->mods[i].name, name))
			return i;
	return -1;
}

void an_module_range(struct analyzer *an, const char *name, uint64_t base, uint64_t size)
{
	int i = watched_index(an, name);

	if (i < 0)
		return;
	an->mods[i].base = base;
	an->mods[i].size = size;
	an->mods[i].loaded = true;
	an->mods[i].seen_loaded = true;
}

static bool in_range(uint64_t ip, uint64_t base, uint64_t size)
{
	return size && ip >= base && ip - base < size;
}

/* Core text first: a later module's core may lie where an init text was. */
static int module_at(const struct analyzer *an, uint64_t ip, bool past_init)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (in_range(ip, an->mods[i].base, an->mods[i].size))
			return i;
	for (i = 0; i < an->cfg.nmodules; i++) {
		const struct pt_module_range *m = &an->mods[i];

		if ((m->init_live || past_init) && in_range(ip, m->init_base, m->init_size))
			return i;
	}
	return -1;
}

int an_module_of_ip(const struct analyzer *an, uint64_t ip)
{
	return module_at(an, ip, true);
}

bool an_module_ip_init(const struct analyzer *an, int idx, uint64_t ip)
{
	const struct pt_module_range *m = an_module(an, idx);

	return m && !in_range(ip, m->base, m->size) && in_range(ip, m->init_base, m->init_size);
}

bool an_stack(const struct analyzer *an, int32_t id, struct pt_stack *out)
{
	out->nr = 0;
	out->ips = NULL;
	if (id < 0 || !an->stack_fn)
		return false;
	return an->stack_fn(an->stack_ctx, id, out);
}

/* The watched module whose exit function thread tid is running, or -1. */
static int module_exiting(const struct analyzer *an, uint32_t tid)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (an->mods[i].exiting && an->mods[i].exit_tid == tid)
			return i;
	return -1;
}

static bool free_event(const struct pt_event *e)
{
	return e->type == PT_EV_FREE_PAGES || e->type == PT_EV_FREE_ADDR ||
	       e->type == PT_EV_KUNMAP;
}

static int module_frame(const struct analyzer *an, const struct pt_event *e);

/*
 * Which watched module, if any, is on this event's stack (or is its caller).
 * A free the module's exit function makes as its last call is a tail call:
 * no frame of the module is left, but the thread is still in its exit.
 */
static int module_of_event(const struct analyzer *an, const struct pt_event *e)
{
	int m = module_frame(an, e);

	return m < 0 && free_event(e) ? module_exiting(an, e->tid) : m;
}

/* Where a free was called from: the immediate caller, or the exit function
 * that tail-called it. */
static uint64_t free_caller(const struct analyzer *an, const struct pt_event *e)
{
	int m = module_exiting(an, e->tid);

	if (m < 0 || !an->mods[m].exit_fn || module_frame(an, e) >= 0)
		return e->ip;
	return an->mods[m].exit_fn;
}

static int module_frame(const struct analyzer *an, const struct pt_event *e)
{
	struct pt_stack s;
	unsigned int i;
	int m;

	if (!an->cfg.nmodules)
		return -1;
	if (e->ip && (m = module_at(an, e->ip, false)) >= 0)
		return m;
	if (an_stack(an, e->stack_id, &s))
		for (i = 0; i < s.nr; i++)
			if ((m = module_at(an, s.ips[i], false)) >= 0)
				return m;
	return -1;
}

/* In scope: no -m given, or the owning block or the event's code is watched. */
static bool in_scope(const struct analyzer *an, int owner, int ev_module)
{
	return !an->cfg.nmodules || owner >= 0 || ev_module >= 0;
}

/* ------------------------------------------------------------- findings */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* Find or create the finding grouped under (kind, key). */
static struct pt_finding *finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
				  const struct pt_event *e)
{
	uint64_t gk = mix(mix(0x51ed2701ULL, kind), key);
	uint32_t *slot;
	struct pt_finding *f;
	bool existed;

	if (gk == U64MAP_EMPTY)
		gk--;
	slot = u64map_put(&an->groups, gk, &existed);
	if (!slot)
		return NULL;
	if (existed) {
		f = &an->f[*slot - 1];
		f->count++;
		return f;
	}
	if (an->nf == an->capf) {
		unsigned int cap = an->capf ? an->capf * 2 : 16;
		struct pt_finding *n = realloc(an->f, cap * sizeof(*n));

		if (!n) {
			u64map_del(&an->groups, gk);
			return NULL;
		}
		an->f = n;
		an->capf = cap;
	}
	f = &an->f[an->nf++];
	*slot = an->nf;
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->error = pt_kind_is_error(kind);
	f->count = 1;
	f->module = -1;
	f->stack_id = -1;
	f->stack_id2 = -1;
	if (e) {
		f->tgid = e->tgid;
		memcpy(f->comm, e->comm, PT_COMM_LEN);
		f->ts = e->ts;
	}
	return f;
}

struct pt_finding *an_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
			      const struct pt_event *e)
{
	return finding(an, kind, key, e);
}

int an_event_module(const struct analyzer *an, const struct pt_event *e)
{
	return module_of_event(an, e);
}

const struct pt_klocal *an_klocal(const struct analyzer *an)
{
	return &an->kl;
}

const struct pt_finding *an_findings(const struct analyzer *an, unsigned int *n)
{
	*n = an->nf;
	return an->f;
}

int an_errors(const struct analyzer *an)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < an->nf; i++)
		n += an->f[i].error;
	return n;
}

const struct pt_stats *an_stats(const struct analyzer *an)
{
	return &an->st;
}

const struct pt_kernel_info *an_kernel(const struct analyzer *an)
{
	return &an->ki;
}

const struct pt_config *an_config(const struct analyzer *an)
{
	return &an->cfg;
}

const struct pt_module_range *an_module(const struct analyzer *an, int idx)
{
	return idx >= 0 && (unsigned int)idx < an->cfg.nmodules ? &an->mods[idx] : NULL;
}

/* ---------------------------------------------- struct page * <-> pfn */

static void learn_memmap(struct analyzer *an, uint64_t ptr, uint64_t pfn)
{
	uint64_t s = an->ki.struct_page_size;

	if (!s) {
		/* No BTF size: derive it from two pairs. */
		if (!an->first_ptr) {
			an->first_ptr = ptr;
			an->first_ptr_pfn = pfn;
			return;
		}
		if (pfn == an->first_ptr_pfn)
			return;
		if (pfn > an->first_ptr_pfn && ptr > an->first_ptr) {
			uint64_t dp = ptr - an->first_ptr, dn = pfn - an->first_ptr_pfn;

			if (dp % dn == 0 && dp / dn >= 16 && dp / dn <= 256)
				an->ki.struct_page_size = s = dp / dn;
		}
		if (!s)
			return;
	}
	if (!an->memmap_known) {
		an->memmap_base = ptr - pfn * s;
		an->memmap_known = true;
	} else if (an->memmap_base != ptr - pfn * s && !an->memmap_kernel) {
		an->st.memmap_conflicts++;
	}
}

/* The kernel's own memmap base (vmemmap_base, mem_map), read by BPF: it
 * wins over one derived from paired events. */
static void learn_memmap_base(struct analyzer *an, uint64_t base)
{
	if (!base || (an->memmap_known && an->memmap_base == base))
		return;
	if (an->memmap_known)
		an->st.memmap_conflicts++;
	an->memmap_base = base;
	an->memmap_known = true;
	an->memmap_kernel = true;
}

static bool ptr_to_pfn(const struct analyzer *an, uint64_t ptr, uint64_t *pfn)
{
	uint64_t s = an->ki.struct_page_size, d;

	if (!an->memmap_known || !s || ptr < an->memmap_base)
		return false;
	d = ptr - an->memmap_base;
	if (d % s)
		return false;
	*pfn = d / s;
	if (an->ki.max_pfn && *pfn > an->ki.max_pfn)
		return false;
	if (!an->ki.max_pfn && *pfn > 2 * an->max_pfn_seen + 1024)
		return false;
	return true;
}

static uint64_t pfn_to_ptr(const struct analyzer *an, uint64_t pfn)
{
	return an->memmap_base + pfn * an->ki.struct_page_size;
}

static bool addr_to_pfn(const struct analyzer *an, uint64_t addr, uint64_t *pfn)
{
	if (!an->direct_known || addr < an->direct_base)
		return false;
	*pfn = (addr - an->direct_base) >> an->ki.page_shift;
	return !an->ki.max_pfn || *pfn <= an->ki.max_pfn;
}

/* --------------------------------------------------------------- pieces */

/* Sets or clears bits [pfn, pfn + n) of a pfn bitmap of cover_bits bits. */
static inline void bits_mark(const struct analyzer *an, uint64_t *bm, uint64_t pfn,
			     uint64_t n, bool on)
{
	uint64_t end, i, cnt, mask;

	if (pfn >= an->cover_bits)
		return;
	if (n == 1) {		/* most blocks are single pages */
		if (on)
			bm[pfn >> 6] |= 1ULL << (pfn & 63);
		else
			bm[pfn >> 6] &= ~(1ULL << (pfn & 63));
		return;
	}
	end = n < an->cover_bits - pfn ? pfn + n : an->cover_bits;
	for (i = pfn; i < end; i += cnt) {
		cnt = 64 - (i & 63);
		if (cnt > end - i)
			cnt = end - i;
		mask = cnt == 64 ? ~0ULL : ((1ULL << cnt) - 1) << (i & 63);
		if (on)
			bm[i >> 6] |= mask;
		else
			bm[i >> 6] &= ~mask;
	}
}

static bool bit_test(const struct analyzer *an, const uint64_t *bm, uint64_t pfn)
{
	return pfn < an->cover_bits && (bm[pfn >> 6] >> (pfn & 63) & 1);
}

/*
 * The first pfn in [q, end) to probe: the first set bit of bm, or the first
 * pfn past the bitmap (not covered by it), or end. Without bm: q.
 */
static uint64_t next_probe(const struct analyzer *an, const uint64_t *bm, uint64_t q,
			   uint64_t end)
{
	uint64_t lim = end < an->cover_bits ? end : an->cover_bits, w;

	if (!bm || q >= lim)
		return q < end ? q : end;
	while (q < lim) {
		w = bm[q >> 6] >> (q & 63);
		if (w)
			return q + __builtin_ctzll(w) < lim ? q + __builtin_ctzll(w) : lim;
		q = (q | 63) + 1;
	}
	return lim;
}

/* Sets or clears the cover bits of the piece [pfn, pfn + 2^order). */
static void cover_mark(struct analyzer *an, uint64_t pfn, unsigned int order, bool on)
{
	uint64_t n = 1ULL << order;

	if (!an->cover)
		return;
	if (pfn & (n - 1)) {
		free(an->cover);
		an->cover = NULL;
		return;
	}
	bits_mark(an, an->cover, pfn, n, on);
}

static struct piece *find_piece(const struct analyzer *an, uint64_t pfn, uint64_t *head)
{
	unsigned int o;

	if (an->cover && pfn < an->cover_bits && !bit_test(an, an->cover, pfn))
		return NULL;
	for (o = 0; o <= PT_MAX_ORDER; o++) {
		uint64_t h = pfn & ~((1ULL << o) - 1);
		struct piece *p;

		if (!an->order_live[o])
			continue;
		p = u64map_get(&an->pieces, h);
		if (p && p->order == o) {
			*head = h;
			return p;
		}
	}
	return NULL;
}

/* The index of gfp in the table of gfp values seen (a handful in practice). */
static uint16_t gfp_index(struct analyzer *an, uint32_t gfp)
{
	uint16_t *slot;
	bool existed;

	if (an->gfp_last_idx && an->gfp_last == gfp)
		return an->gfp_last_idx;
	if (an->ngfp == MAX_GFPS && !u64map_get(&an->gfp_ids, gfp))
		return 0;
	if (an->ngfp == an->capgfp) {
		uint32_t cap = an->capgfp ? an->capgfp * 2 : 16;
		uint32_t *n = realloc(an->gfps, cap * sizeof(*n));

		if (!n)
			return 0;
		an->gfps = n;
		an->capgfp = cap;
	}
	slot = u64map_put(&an->gfp_ids, gfp, &existed);
	if (!slot)
		return 0;
	if (!existed) {
		an->gfps[an->ngfp++] = gfp;
		*slot = (uint16_t)an->ngfp;
	}
	an->gfp_last = gfp;
	an->gfp_last_idx = *slot;
	return *slot;
}

static uint32_t piece_gfp(const struct analyzer *an, const struct piece *p)
{
	return p->gfp_idx ? an->gfps[p->gfp_idx - 1] : 0;
}

static void piece_add(struct analyzer *an, uint64_t pfn, const struct piece *tmpl,
		      unsigned int order)
{
	struct piece *p = u64map_put(&an->pieces, pfn, NULL);

	if (!p)
		return;
	*p = *tmpl;
	p->order = order;
	cover_mark(an, pfn, order, true);
	an->order_live[order]++;
	an->st.live_blocks++;
	an->st.live_pages += 1ULL << order;
}

static void piece_del(struct analyzer *an, uint64_t pfn, unsigned int order)
{
	if (u64map_del(&an->pieces, pfn)) {
		cover_mark(an, pfn, order, false);
		an->order_live[order]--;
		an->st.live_blocks--;
		an->st.live_pages -= 1ULL << order;
	}
}

static uint64_t orig_head(uint64_t pfn, const struct piece *p)
{
	return pfn & ~((1ULL << p->orig_order) - 1);
}

static bool page_live(const struct analyzer *an, uint64_t pfn)
{
	uint64_t h;

	return find_piece(an, pfn, &h) != NULL;
}

/* ------------------------------------------------------------ per tid */

static struct tid_state *tid_state(struct analyzer *an, uint32_t tid)
{
	if (an->tid_last && an->tid_last_id == tid)
		return an->tid_last;
	if (an->tids.len >= MAX_TIDS)
		u64map_clear(&an->tids);
	/* A put may move every entry: the cached pointer is replaced. */
	an->tid_last = u64map_put(&an->tids, tid, NULL);
	an->tid_last_id = tid;
	return an->tid_last;
}

/* The thread's state if it has any, without creating it. */
static struct tid_state *tid_find(const struct analyzer *an, uint32_t tid)
{
	if (an->tid_last && an->tid_last_id == tid)
		return an->tid_last;
	return u64map_get(&an->tids, tid);
}

static void remember_comm(struct analyzer *an, const struct pt_event *e)
{
	char *c;

	if (!e->comm[0])
		return;
	if (an->comm_last[0] && an->comm_last_tgid == e->tgid &&
	    !memcmp(an->comm_last, e->comm, PT_COMM_LEN))
		return;
	if (an->comms.len >= MAX_TIDS)
		u64map_clear(&an->comms);
	c = u64map_put(&an->comms, e->tgid, NULL);
	if (!c) {
		an->comm_last[0] = 0;
		return;
	}
	memcpy(c, e->comm, PT_COMM_LEN);
	memcpy(an->comm_last, e->comm, PT_COMM_LEN);
	an->comm_last_tgid = e->tgid;
}

static void fill_comm(const struct analyzer *an, struct pt_finding *f, uint32_t tgid)
{
	const char *c = u64map_get(&an->comms, tgid);

	f->tgid = tgid;
	if (c)
		memcpy(f->comm, c, PT_COMM_LEN);
}

/* ------------------------------------------------------------ handlers */

/* Counts (and marks in freed_cover) a freed entry at head, or uncounts it. */
static void freed_account(struct analyzer *an, uint64_t head, uint32_t order, bool on)
{
	if (order > PT_MAX_ORDER)
		return;
	if (on)
		an->freed_order[order]++;
	else
		an->freed_order[order]--;
	if (an->freed_cover)
		bits_mark(an, an->freed_cover, head, 1ULL << order, on);
}

static void freed_clear(struct analyzer *an)
{
	size_t i;

	if (an->freed_cover)
		for (i = 0; i < an->freed.cap; i++)
			if (u64map_used(&an->freed, i))
				freed_account(an, an->freed.keys[i],
					      ((struct freed *)u64map_val(&an->freed, i))->order,
					      false);
	u64map_clear(&an->freed);
	memset(an->freed_order, 0, sizeof(an->freed_order));
}

static void freed_del(struct analyzer *an, uint64_t head)
{
	struct freed fr;

	if (u64map_remove(&an->freed, head, &fr))
		freed_account(an, head, fr.order, false);
}

static void forget_freed_range(struct analyzer *an, uint64_t pfn, unsigned int order)
{
	uint64_t i, n = 1ULL << order;
	unsigned int o, top;

	if (!an->freed.len)
		return;
	/* Heads inside the new block, and any freed block containing it. */
	for (i = next_probe(an, an->freed_cover, pfn, pfn + n); i < pfn + n && an->freed.len;
	     i = next_probe(an, an->freed_cover, i + 1, pfn + n))
		freed_del(an, i);
	/* Only orders some freed block has can contain it, and only where
	 * freed_cover says a freed block still lies. */
	for (top = PT_MAX_ORDER; top > order && !an->freed_order[top]; top--)
		;
	if (an->freed_cover && pfn < an->cover_bits && !bit_test(an, an->freed_cover, pfn))
		return;
	for (o = order + 1; o <= top && an->freed.len; o++) {
		uint64_t h = pfn & ~((1ULL << o) - 1);
		struct freed *fr = u64map_get(&an->freed, h);

		if (fr && fr->order >= o)
			freed_del(an, h);
	}
}

static void on_page_alloc(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	unsigned int order = e->order;
	uint64_t pfn = e->a0, i, n, h;
	struct piece tmpl = { 0 };
	int module;

	if (order > PT_MAX_ORDER || pfn > UINT64_MAX - (1ULL << order)) {
		an->st.bad_events++;
		return;
	}
	if (pfn + (1ULL << order) - 1 > an->max_pfn_seen)
		an->max_pfn_seen = pfn + (1ULL << order) - 1;
	if (t) {
		if (t->nalloc == ALLOC_STACK) {
			for (i = 1; i < ALLOC_STACK; i++)
				t->alloc_pfn[i - 1] = t->alloc_pfn[i];
			t->nalloc--;
		}
		t->alloc_pfn[t->nalloc++] = pfn;
	}
	forget_freed_range(an, pfn, order);

	/* Pages we still hold as live were freed where we could not see it. */
	n = 1ULL << order;
	if (an->st.live_blocks) {
		struct piece *p = find_piece(an, pfn, &h);

		if (p) {
			an->st.stale_blocks++;
			an->st.stale_pages += 1ULL << p->order;
			piece_del(an, h, p->order);
		}
		for (i = next_probe(an, an->cover, pfn + 1, pfn + n) - pfn;
		     i < n && an->st.live_blocks;
		     i = next_probe(an, an->cover, pfn + i + 1, pfn + n) - pfn) {
			p = find_piece(an, pfn + i, &h);
			if (p && h >= pfn) {
				an->st.stale_blocks++;
				an->st.stale_pages += 1ULL << p->order;
				piece_del(an, h, p->order);
			}
		}
	}

	/* A kernel cache's page, allocated while the module asked it for an
	 * object, is the cache's. */
	module = (e->flags & PT_F_KERNEL_OWNED) ? -1 : module_of_event(an, e);
	if (!in_scope(an, -1, module)) {
		an->st.out_of_scope++;
		return;
	}
	tmpl.ms = piece_ms(an, e->ts);
	tmpl.stack_id = e->stack_id;
	tmpl.tgid = e->tgid;
	tmpl.gfp_idx = gfp_index(an, e->gfp);
	tmpl.orig_order = order;
	tmpl.flags = (e->gfp & GFP_COMP) ? BLK_COMPOUND : 0;
	if (e->flags & PT_F_SAMPLED)
		tmpl.flags |= BLK_SAMPLED;
	tmpl.module = module;
	piece_add(an, pfn, &tmpl, order);
	an->st.allocs++;
	an->st.alloc_pages += 1ULL << order;
}

static void on_alloc_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);

	if (!t || !t->nalloc)
		return;
	t->paired_pfn = t->alloc_pfn[--t->nalloc];
	t->has_paired = true;
	learn_memmap(an, e->a0, t->paired_pfn);
}

static void on_gfp_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	uint64_t pfn = 0;

	if (!t)
		return;
	if (t->has_paired)
		pfn = t->paired_pfn;
	else if (t->nalloc)	/* no __alloc_pages return probe */
		pfn = t->alloc_pfn[--t->nalloc];
	else
		return;
	t->has_paired = false;
	if (e->a0 < (pfn << an->ki.page_shift))
		return;
	if (!an->direct_known) {
		an->direct_base = e->a0 - (pfn << an->ki.page_shift);
		an->direct_known = true;
	}
}

static void report_double_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn,
			       const struct freed *fr, const char *why)
{
	int module = module_of_event(an, e);
	struct pt_finding *f;

	if (!in_scope(an, -1, module))
		return;
	f = finding(an, PT_K_DOUBLE_FREE, mix(e->ip, e->stack_id), e);
	if (!f)
		return;
	if (f->count == 1) {
		f->pfn = pfn;
		f->free_order = e->order;
		f->order = fr ? fr->order : e->order;
		f->pages = 1ULL << e->order;
		f->stack_id2 = e->stack_id;
		f->caller2 = free_caller(an, e);
		f->module = module;
		if (fr) {
			f->stack_id = fr->stack_id;
			f->caller = fr->caller;
		}
		snprintf(f->note, sizeof(f->note), "%s", why);
	}
}

/*
 * Judge a free the caller made through the API: the claimed order against
 * the allocation, and whether the block is live at all.
 */
static void judge_api_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn,
			   const char *api, bool refcount_zero)
{
	struct tid_state *t = tid_state(an, e->tid);
	struct piece *p;
	uint64_t h;

	p = find_piece(an, pfn, &h);
	/*
	 * Only the kernel's own refcount proves a double free: a page we saw
	 * freed may have been reallocated by a path without mm_page_alloc
	 * (bulk allocation), so "freed before" alone is not enough.
	 */
	if (refcount_zero && (!p || h == pfn)) {
		report_double_free(an, e, pfn, u64map_get(&an->freed, pfn),
				   "page refcount was already 0 when __free_pages() was called: the block was freed before");
		return;
	}
	if (!p) {
		an->st.untracked_frees++;
		return;
	}
	if (t) {
		t->fctx = true;
		t->fctx_pfn = pfn;
		t->fctx_order = e->order;
		t->fctx_stack = e->stack_id;
	}
	/* A whole, unsplit block freed at its head: the orders must agree. */
	if (h == pfn && orig_head(h, p) == pfn && p->order == p->orig_order &&
	    !(p->flags & BLK_SPLIT) && e->order != p->orig_order) {
		int module = module_of_event(an, e);
		struct pt_finding *f;

		if (!in_scope(an, p->module, module))
			return;
		f = finding(an, PT_K_ORDER_MISMATCH,
			    mix(mix(p->stack_id, e->ip), mix(p->orig_order, e->order)), e);
		if (!f)
			return;
		if (e->order < p->orig_order) {
			f->pages += (1ULL << p->orig_order) - (1ULL << e->order);
			p->flags |= BLK_MISMATCH;
		}
		if (f->count == 1) {
			f->pfn = pfn;
			f->order = p->orig_order;
			f->free_order = e->order;
			f->gfp = piece_gfp(an, p);
			f->stack_id = p->stack_id;
			f->stack_id2 = e->stack_id;
			f->caller2 = free_caller(an, e);
			f->module = p->module >= 0 ? p->module : module;
			fill_comm(an, f, p->tgid);
			if (e->order < p->orig_order)
				snprintf(f->note, sizeof(f->note),
					 "%s() with order %u on an order-%u block: %llu page(s) stay allocated",
					 api, e->order, p->orig_order,
					 (unsigned long long)((1ULL << p->orig_order) -
							      (1ULL << e->order)));
			else
				snprintf(f->note, sizeof(f->note),
					 "%s() with order %u on an order-%u block: frees %llu page(s) it does not own",
					 api, e->order, p->orig_order,
					 (unsigned long long)((1ULL << e->order) -
							      (1ULL << p->orig_order)));
		}
	}
}

static void on_free_addr(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	uint64_t pfn;

	if (t) {
		t->skip_free_api = true;
		t->skip_bad = false;
		t->fctx = false;
	}
	learn_memmap_base(an, e->a1);
	if (ptr_to_pfn(an, e->a0, &pfn)) {
		if (t)
			t->skip_bad = true;
		int module = module_of_event(an, e);
		uint64_t h;
		struct piece *p = find_piece(an, pfn, &h);
		struct pt_finding *f;

		if (!in_scope(an, p ? p->module : -1, module))
			return;
		f = finding(an, PT_K_BAD_FREE, mix(e->ip, e->stack_id), e);
		if (f && f->count == 1) {
			f->addr = e->a0;
			f->pfn = pfn;
			f->free_order = e->order;
			f->pages = 1ULL << e->order;
			f->stack_id2 = e->stack_id;
			f->caller2 = free_caller(an, e);
			f->module = module >= 0 || !p ? module : p->module;
			if (p) {
				f->order = p->orig_order;
				f->stack_id = p->stack_id;
				f->gfp = piece_gfp(an, p);
				fill_comm(an, f, p->tgid);
			}
			snprintf(f->note, sizeof(f->note),
				 "free_pages() was handed what looks like a struct page pointer (pfn %llu), not an address; use __free_pages()",
				 (unsigned long long)pfn);
		}
		return;
	}
	if (!addr_to_pfn(an, e->a0, &pfn)) {
		an->st.unjudged_frees++;
		return;
	}
	judge_api_free(an, e, pfn, "free_pages", false);
}

static void on_free_pages(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	uint64_t pfn;

	/* The __free_pages() that free_pages() makes was judged already. */
	if (t && t->skip_free_api) {
		t->skip_free_api = false;
		if (t->skip_bad)
			return;
		if (e->aux == 0 && ptr_to_pfn(an, e->a0, &pfn)) {
			uint64_t h;
			struct piece *p = find_piece(an, pfn, &h);

			if (!p || h == pfn) {
				report_double_free(an, e, pfn, u64map_get(&an->freed, pfn),
						   "page refcount was already 0 when free_pages() was called: the block was freed before");
				return;
			}
		}
		if (ptr_to_pfn(an, e->a0, &pfn)) {
			t->fctx = true;
			t->fctx_pfn = pfn;
			t->fctx_order = e->order;
			t->fctx_stack = e->stack_id;
		}
		return;
	}
	if (!ptr_to_pfn(an, e->a0, &pfn)) {
		an->st.unjudged_frees++;
		return;
	}
	judge_api_free(an, e, pfn, "__free_pages", e->aux == 0);
}

static void check_kmapped(struct analyzer *an, const struct pt_event *e, uint64_t pfn,
			  uint64_t n, int owner)
{
	uint64_t i;

	if (!an->st.kmaps_live || !an->memmap_known)
		return;
	for (i = 0; i < n; i++) {
		struct kmap_ent *k = u64map_get(&an->kmaps, pfn_to_ptr(an, pfn + i));
		struct pt_finding *f;
		int module;

		if (!k || !k->count || k->reported)
			continue;
		module = module_of_event(an, e);
		if (!in_scope(an, owner >= 0 ? owner : k->module, module))
			continue;
		k->reported = 1;
		f = finding(an, PT_K_FREE_WHILE_KMAPPED, mix(k->caller, e->stack_id), e);
		if (!f)
			continue;
		f->pages++;
		if (f->count == 1) {
			f->pfn = pfn + i;
			f->addr = pfn_to_ptr(an, pfn + i);
			f->stack_id = k->stack_id;
			f->caller = k->caller;
			f->stack_id2 = e->stack_id;
			f->caller2 = free_caller(an, e);
			f->module = owner >= 0 ? owner : (k->module >= 0 ? k->module : module);
			snprintf(f->note, sizeof(f->note),
				 "page freed while it still holds a pkmap slot (kmap without kunmap)");
		}
	}
}

/*
 * Pages [pfn, pfn + 2^order) of block piece p went back to the buddy
 * allocator. Fine inside __free_pages(head) (the kernel frees the tails of a
 * non-compound block itself), after split_page(), for compound pages, and for
 * the leftover of a reported order mismatch; otherwise, while the block's
 * head is still allocated, it is a partial free.
 */
static void judge_partial(struct analyzer *an, const struct pt_event *e,
			  const struct tid_state *t, const struct piece *p, uint64_t pfn,
			  unsigned int order)
{
	uint64_t oh = orig_head(pfn, p);
	struct pt_finding *f;
	int module;

	if (!an->cfg.api_events || pfn == oh || !p->orig_order)
		return;
	if ((t && t->fctx && t->fctx_pfn == oh) ||
	    (p->flags & (BLK_SPLIT | BLK_COMPOUND | BLK_MISMATCH)) || !page_live(an, oh))
		return;
	module = module_of_event(an, e);
	if (!in_scope(an, p->module, module))
		return;
	f = finding(an, PT_K_PARTIAL_FREE, mix(p->stack_id, p->module), e);
	if (!f)
		return;
	f->pages += 1ULL << order;
	if (f->count == 1) {
		f->pfn = oh;
		f->order = p->orig_order;
		f->free_order = order;
		f->gfp = piece_gfp(an, p);
		f->stack_id = p->stack_id;
		f->stack_id2 = e->stack_id;
		f->caller2 = free_caller(an, e);
		f->module = p->module;
		fill_comm(an, f, p->tgid);
		snprintf(f->note, sizeof(f->note),
			 "page(s) of a live non-compound order-%u block went back to the buddy allocator while its head is still allocated (tail pages refcounted one by one?)",
			 p->orig_order);
	}
}

/* A part of a live piece was freed: split it and judge the part. */
static void free_part(struct analyzer *an, const struct pt_event *e, struct tid_state *t,
		      uint64_t head, struct piece *pp, uint64_t pfn, unsigned int order)
{
	struct piece p = *pp;
	uint64_t cur = head, oh = orig_head(head, &p);
	unsigned int co = p.order;

	/* Tracepoint-only: the order freed at the head is the claimed order. */
	if (!an->cfg.api_events && pfn == oh && order > 0 && !(p.flags & BLK_SPLIT))
		judge_api_free(an, e, pfn, "free", false);
	p = *pp;	/* judging may have flagged the block */

	piece_del(an, head, p.order);
	while (co > order) {
		uint64_t half;

		co--;
		half = 1ULL << co;
		if (pfn < cur + half) {
			piece_add(an, cur + half, &p, co);
		} else {
			piece_add(an, cur, &p, co);
			cur += half;
		}
	}
	an->st.frees += 1ULL << order;
	judge_partial(an, e, t, &p, pfn, order);
}

static void on_page_free(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	unsigned int order = e->order;
	uint64_t pfn = e->a0, end, q, h;
	struct piece *p;
	bool any = false;
	struct pt_event ev;

	if (order > PT_MAX_ORDER) {
		an->st.bad_events++;
		return;
	}
	/* BPF unwinds few page frees (lean_frees): inside an API free, the
	 * free site is the API call's stack. */
	if (e->stack_id < 0 && t && t->fctx && t->fctx_stack >= 0) {
		ev = *e;
		ev.stack_id = t->fctx_stack;
		e = &ev;
	}
	end = pfn + (1ULL << order);
	check_kmapped(an, e, pfn, 1ULL << order, -1);

	p = find_piece(an, pfn, &h);
	if (p && p->order > order) {
		free_part(an, e, t, h, p, pfn, order);
		return;
	}
	for (q = pfn; q < end && an->st.live_blocks;) {
		if (q != pfn)	/* the first is the lookup above */
			p = find_piece(an, q, &h);
		if (!p || h < pfn) {
			q = next_probe(an, an->cover, q + 1, end);
			continue;
		}
		any = true;
		if (h == orig_head(h, p) && p->order == p->orig_order) {
			struct freed *fr = NULL;
			bool existed;

			/* Who freed it first: only a double free at the API
			 * (kprobes) asks, so tracepoint-only keeps nothing. */
			if (an->cfg.api_events && an->freed.len >= MAX_FREED)
				freed_clear(an);
			if (an->cfg.api_events)
				fr = u64map_put(&an->freed, h, &existed);
			if (fr) {
				if (existed)
					freed_account(an, h, fr->order, false);
				freed_account(an, h, p->orig_order, true);
				fr->ts = e->ts;
				fr->stack_id = e->stack_id;
				fr->order = p->orig_order;
				fr->caller = e->ip;
			}
			/* Tracepoint-only: a larger free than the block at its head. */
			if (!an->cfg.api_events && h == pfn && order != p->orig_order)
				judge_api_free(an, e, pfn, "free", false);
		}
		an->st.frees += 1ULL << p->order;
		q = h + (1ULL << p->order);
		{
			struct piece gone = *p;

			piece_del(an, h, gone.order);
			judge_partial(an, e, t, &gone, h, gone.order);
		}
	}
	if (!any)
		an->st.untracked_frees++;
}

static void on_split(struct analyzer *an, const struct pt_event *e)
{
	uint64_t pfn, h, i;
	struct piece *p, tmpl;

	if (!ptr_to_pfn(an, e->a0, &pfn))
		return;
	p = find_piece(an, pfn, &h);
	if (!p || h != pfn || p->order == 0)
		return;
	tmpl = *p;
	tmpl.flags |= BLK_SPLIT;
	tmpl.orig_order = 0;
	/* The tracked order bounds the split, whatever the event claims. */
	piece_del(an, h, tmpl.order);
	for (i = 0; i < 1ULL << tmpl.order; i++)
		piece_add(an, pfn + i, &tmpl, 0);
}

static void on_user_map(struct analyzer *an, const struct pt_event *e)
{
	uint64_t pfn, h, oh;
	struct piece *p;
	struct pt_finding *f;
	int module;

	/* A private write fault maps a copy, not the driver's page. */
	if (!(e->flags & PT_F_USER_INSERT) && !(e->a2 & VM_SHARED) &&
	    (e->aux & FAULT_FLAG_WRITE))
		return;
	if (!ptr_to_pfn(an, e->a0, &pfn))
		return;
	p = find_piece(an, pfn, &h);
	if (!p || (p->flags & (BLK_COMPOUND | BLK_SPLIT)) || !p->orig_order)
		return;
	oh = orig_head(h, p);
	if (pfn == oh)
		return;
	module = module_of_event(an, e);
	if (!in_scope(an, p->module, module))
		return;
	f = finding(an, PT_K_TAIL_PAGE_MAPPED, mix(p->stack_id, p->module), e);
	if (!f)
		return;
	f->pages++;
	if (f->count == 1) {
		f->pfn = oh;
		f->order = p->orig_order;
		f->gfp = piece_gfp(an, p);
		f->addr = e->a1;
		f->vm_flags = e->a2;
		f->stack_id = p->stack_id;
		f->module = p->module;
		snprintf(f->note, sizeof(f->note),
			 "tail page of a non-__GFP_COMP order-%u block mapped to user space with its own reference: when unmapped it goes back to the buddy allocator on its own; allocate with __GFP_COMP or map order-0 pages",
			 p->orig_order);
	}
}

static void pressure_note(struct analyzer *an, struct pt_finding *f)
{
	uint64_t top_caller[3] = { 0 }, top_n[3] = { 0 };
	size_t i;
	int j, k;
	int len;

	/* Top holders by caller; a handful of distinct callers in practice. */
	for (i = 0; i < an->kmaps.cap; i++) {
		struct kmap_ent *k1;
		uint64_t n = 0;
		size_t m;

		if (!u64map_used(&an->kmaps, i))
			continue;
		k1 = u64map_val(&an->kmaps, i);
		if (!k1->count)
			continue;
		for (j = 0; j < 3; j++)
			if (top_caller[j] == k1->caller && top_n[j])
				break;
		if (j < 3)
			continue;
		for (m = 0; m < an->kmaps.cap; m++) {
			struct kmap_ent *k2;

			if (!u64map_used(&an->kmaps, m))
				continue;
			k2 = u64map_val(&an->kmaps, m);
			if (k2->count && k2->caller == k1->caller)
				n++;
		}
		for (j = 0; j < 3; j++) {
			if (n > top_n[j]) {
				for (k = 2; k > j; k--) {
					top_n[k] = top_n[k - 1];
					top_caller[k] = top_caller[k - 1];
				}
				top_n[j] = n;
				top_caller[j] = k1->caller;
				break;
			}
		}
	}
	/* The caller field (symbolized by the reporter) is the top holder. */
	len = snprintf(f->note, sizeof(f->note),
		       "%llu of %u pkmap slots in use (threshold %u%%); slots held by the top callers:",
		       (unsigned long long)f->extra, an->ki.last_pkmap, an->cfg.pkmap_pct);
	for (j = 0; j < 3 && top_n[j] && len > 0 && len < (int)sizeof(f->note); j++)
		len += snprintf(f->note + len, sizeof(f->note) - len, "%s %llu",
				j ? "," : "", (unsigned long long)top_n[j]);
	f->caller = top_caller[0];
}

static void kmap_done(struct analyzer *an, struct tid_state *t, const struct pt_event *ret);

static void on_kmap(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);

	if (!t)
		return;
	/*
	 * The previous kmap_high() on this thread never returned to us: its
	 * kretprobe instance was missed (kmap_high sleeps). Keep the kmap.
	 */
	if (t->kmap_pending) {
		struct pt_event lost = *e;

		an->st.kmap_ret_missed++;
		lost.type = PT_EV_KMAP_RET;
		lost.ip = 0;
		lost.a1 = 0;
		kmap_done(an, t, &lost);
	}
	t->kmap_pending = true;
	t->kmap_ptr = e->a0;
	t->kmap_ts = e->ts;
	t->kmap_stack = e->stack_id;
}

static void on_kmap_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);

	if (t && t->kmap_pending)
		kmap_done(an, t, e);
}

/* A kmap_high() completed (or its return was missed): account the slot. */
static void kmap_done(struct analyzer *an, struct tid_state *t, const struct pt_event *e)
{
	struct pt_event site;
	struct kmap_ent *k;
	struct piece *p = NULL;
	uint64_t pfn, h = 0;
	int module, owner = -1;
	bool existed;

	t->kmap_pending = false;
	site = *e;
	site.a0 = t->kmap_ptr;
	site.stack_id = t->kmap_stack;
	site.ts = t->kmap_ts;
	if (ptr_to_pfn(an, site.a0, &pfn)) {
		p = find_piece(an, pfn, &h);
		if (p)
			owner = p->module;
	}
	module = module_of_event(an, &site);

	if (an->cfg.kmap_wait_ns && e->ts - site.ts > an->cfg.kmap_wait_ns)
		an->st.kmap_waits++;

	if (an->kmaps.len >= MAX_KMAP_ENTRIES) {
		size_t i;

		for (i = 0; i < an->kmaps.cap;) {
			struct kmap_ent *z;

			if (u64map_used(&an->kmaps, i)) {
				z = u64map_val(&an->kmaps, i);
				if (!z->count) {
					u64map_del(&an->kmaps, an->kmaps.keys[i]);
					continue;	/* slot i now holds a shifted entry */
				}
			}
			i++;
		}
	}
	k = u64map_put(&an->kmaps, site.a0, &existed);
	if (!k)
		return;
	if (!existed || !k->count) {
		k->ts = site.ts;
		k->caller = e->ip;
		k->stack_id = site.stack_id;
		k->tgid = e->tgid;
		k->module = owner >= 0 ? owner : module;
		k->reported = 0;
		an->st.kmaps_live++;
		if (an->st.kmaps_live > an->st.kmaps_peak)
			an->st.kmaps_peak = an->st.kmaps_live;
	}
	k->count++;

	/* kmap() of the head of a multi-page block maps only its first page. */
	if (p && orig_head(h, p) == pfn && p->orig_order > 0 && !(p->flags & BLK_SPLIT) &&
	    in_scope(an, owner, module)) {
		struct pt_finding *f = finding(an, PT_K_KMAP_PARTIAL, mix(e->ip, p->stack_id), &site);

		if (f && f->count == 1) {
			f->pfn = pfn;
			f->order = p->orig_order;
			f->pages = 1ULL << p->orig_order;
			f->addr = site.a0;
			f->stack_id = site.stack_id;
			f->caller = e->ip;
			f->module = owner >= 0 ? owner : module;
			snprintf(f->note, sizeof(f->note),
				 "kmap() of an order-%u block maps only its first page; kmap each page (kmap_local_page) to reach the other %u",
				 p->orig_order, (1u << p->orig_order) - 1);
		}
	}

	/* pkmap occupancy over the threshold: once per episode, track the peak. */
	if (an->ki.last_pkmap) {
		uint64_t lim = (uint64_t)an->ki.last_pkmap * an->cfg.pkmap_pct / 100;

		if (an->st.kmaps_live > lim && an->pressure_armed &&
		    (in_scope(an, owner, module))) {
			struct pt_finding *f = finding(an, PT_K_PKMAP_PRESSURE, an->pressure_idx + 1, &site);

			an->pressure_armed = false;
			if (f) {
				f->extra = an->st.kmaps_live;
				f->stack_id = site.stack_id;
				f->module = owner >= 0 ? owner : module;
				pressure_note(an, f);
				an->pressure_idx = f - an->f;
			}
		} else if (!an->pressure_armed && an->pressure_idx >= 0 &&
			   an->st.kmaps_live > an->f[an->pressure_idx].extra) {
			an->f[an->pressure_idx].extra = an->st.kmaps_live;
			pressure_note(an, &an->f[an->pressure_idx]);
		}
	}
}

static void on_kunmap(struct analyzer *an, const struct pt_event *e)
{
	struct kmap_ent *k = u64map_get(&an->kmaps, e->a0);
	uint64_t pfn, h;
	struct piece *p = NULL;
	struct pt_finding *f;
	int module, owner = -1;

	if (k && k->count) {
		if (--k->count == 0) {
			an->st.kmaps_live--;
			if (!an->pressure_armed && an->ki.last_pkmap &&
			    an->st.kmaps_live * 100 < (uint64_t)an->ki.last_pkmap * an->cfg.pkmap_pct / 2)
				an->pressure_armed = true;
		}
		return;
	}
	/* Unknown kmaps may predate tracing; only a known page can be judged. */
	if (ptr_to_pfn(an, e->a0, &pfn) && (p = find_piece(an, pfn, &h)))
		owner = p->module;
	if (!k && !p)
		return;
	module = module_of_event(an, e);
	if (!in_scope(an, owner, module))
		return;
	f = finding(an, PT_K_KUNMAP_UNBALANCED, mix(e->ip, e->stack_id), e);
	if (f && f->count == 1) {
		f->addr = e->a0;
		f->stack_id = e->stack_id;
		f->caller = e->ip;
		f->module = owner >= 0 ? owner : module;
		snprintf(f->note, sizeof(f->note), "kunmap() of a page that is not kmapped%s",
			 k ? " (it was already kunmapped)" : "");
	}
}

static void on_remap(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);

	if (!t)
		return;
	t->remap_pending = true;
	t->remap = *e;
}

static void on_remap_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	const struct pt_event *r;
	struct pt_event site;
	struct pt_finding *f;
	int module;
	bool cow, partial;

	if (!t || !t->remap_pending)
		return;
	t->remap_pending = false;
	if (e->ret >= 0)
		return;
	r = &t->remap;
	site = *r;
	site.ip = e->ip;
	module = module_of_event(an, &site);
	if (!in_scope(an, -1, module))
		return;
	f = finding(an, PT_K_REMAP_FAILED, mix(mix(r->tgid, r->a0), mix(e->ip, e->ret)), &site);
	if (!f)
		return;
	f->pages += r->aux >> an->ki.page_shift;
	if (f->count > 1)
		return;
	f->err = e->ret;
	f->vm_start = r->a0;
	f->vm_end = r->a1;
	f->vm_flags = r->a2;
	f->addr = r->a3;
	f->pfn = r->a4;
	f->stack_id = r->stack_id;
	f->caller = e->ip;
	f->module = module;
	cow = !(r->a2 & VM_SHARED) && (r->a2 & VM_MAYWRITE);
	partial = r->a3 != r->a0 || r->a3 + r->aux != r->a1;
	if (e->ret == -EINVAL && cow && partial)
		snprintf(f->note, sizeof(f->note),
			 "copy-on-write mapping: remap_pfn_range() covers 0x%llx+0x%x of vma 0x%llx-0x%llx (MAP_PRIVATE, VM_MAYWRITE); remap the whole vma at once, map MAP_SHARED, or clear VM_MAYWRITE",
			 (unsigned long long)r->a3, r->aux, (unsigned long long)r->a0,
			 (unsigned long long)r->a1);
	else if (e->ret == -EINVAL)
		snprintf(f->note, sizeof(f->note),
			 "remap_pfn_range() rejected the range or pfn (-EINVAL)");
	else
		snprintf(f->note, sizeof(f->note), "remap_pfn_range() failed with %d", e->ret);
}

static void on_signal(struct analyzer *an, const struct pt_event *e)
{
	unsigned int i;

	/* SIGBUS for a process whose driver mapping failed: say so. */
	for (i = 0; i < an->nf; i++)
		if (an->f[i].kind == PT_K_REMAP_FAILED && an->f[i].tgid == e->tgid)
			an->f[i].sigbus++;
}

/* do_init_module returned on this thread: the init text it ran is gone. */
static void on_module_init_end(struct analyzer *an, const struct pt_event *e)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (an->mods[i].init_live && an->mods[i].init_tid == e->tid)
			an->mods[i].init_live = false;
}

static void on_module(struct analyzer *an, const struct pt_event *e, const char *name)
{
	int i = name ? watched_index(an, name) : -1;
	struct pt_module_range *m;

	if (e->type == PT_EV_MODULE_LOAD)
		learn_memmap_base(an, e->a4);
	if (i < 0)
		return;
	m = &an->mods[i];
	if (e->type == PT_EV_MODULE_FREE) {
		m->loaded = false;
		m->unloaded = true;
		m->init_live = false;
		m->exiting = false;
		return;
	}
	if (e->type == PT_EV_MODULE_UNLOAD) {
		m->exiting = true;
		m->exit_tid = e->tid;
		return;
	}
	m->seen_loaded = true;
	if (e->ip)
		m->exit_fn = e->ip;
	/* From do_init_module (the tracepoint's twin has no ranges). */
	if (e->a0 && e->a2 && e->a3 && e->a3 < (1ULL << 32)) {
		m->init_base = e->a2;
		m->init_size = e->a3;
		m->init_tid = e->tid;
		m->init_live = true;
	}
}

bool an_watched_unloaded(const struct analyzer *an)
{
	unsigned int i;

	if (!an->cfg.nmodules)
		return false;
	for (i = 0; i < an->cfg.nmodules; i++)
		if (!an->mods[i].unloaded || an->mods[i].loaded)
			return false;
	return true;
}

void an_event(struct analyzer *an, const struct pt_event *e, const char *modname)
{
	struct tid_state *t;

	if (e->type == PT_EV_NONE || e->type >= PT_EV_MAX) {
		an->st.bad_events++;
		return;
	}
	/* Orders index per-order tables and size page loops: damaged input
	 * must not reach them. */
	if ((e->type == PT_EV_FREE_PAGES || e->type == PT_EV_FREE_ADDR ||
	     e->type == PT_EV_SPLIT) && e->order > PT_MAX_ORDER) {
		an->st.bad_events++;
		return;
	}
	if (!(e->flags & PT_F_SYNTH))
		an->st.events[e->type]++;
	if (e->ts > an->last_ts)
		an->last_ts = e->ts;
	if (e->type == PT_EV_PAGE_ALLOC || e->type == PT_EV_KMAP || e->type == PT_EV_REMAP)
		remember_comm(an, e);

	/* A free context lasts while the same thread keeps freeing. */
	if (e->type != PT_EV_PAGE_FREE && e->type != PT_EV_SIGNAL &&
	    e->type != PT_EV_MODULE_LOAD && e->type != PT_EV_MODULE_FREE &&
	    e->type != PT_EV_MODULE_SYM && e->type != PT_EV_MODULE_INIT_END &&
	    e->type != PT_EV_MODULE_UNLOAD &&
	    (t = tid_find(an, e->tid)))
		t->fctx = false;

	switch (e->type) {
	case PT_EV_PAGE_ALLOC:
		on_page_alloc(an, e);
		break;
	case PT_EV_PAGE_FREE:
		on_page_free(an, e);
		break;
	case PT_EV_ALLOC_RET:
		on_alloc_ret(an, e);
		break;
	case PT_EV_GFP_RET:
		on_gfp_ret(an, e);
		break;
	case PT_EV_FREE_PAGES:
		on_free_pages(an, e);
		break;
	case PT_EV_FREE_ADDR:
		on_free_addr(an, e);
		break;
	case PT_EV_KMAP:
		on_kmap(an, e);
		break;
	case PT_EV_KMAP_RET:
		on_kmap_ret(an, e);
		break;
	case PT_EV_KUNMAP:
		on_kunmap(an, e);
		break;
	case PT_EV_REMAP:
		on_remap(an, e);
		break;
	case PT_EV_REMAP_RET:
		on_remap_ret(an, e);
		break;
	case PT_EV_USER_MAP:
		on_user_map(an, e);
		break;
	case PT_EV_SPLIT:
		on_split(an, e);
		break;
	case PT_EV_SIGNAL:
		on_signal(an, e);
		break;
	case PT_EV_MODULE_LOAD:
	case PT_EV_MODULE_FREE:
	case PT_EV_MODULE_UNLOAD:
		on_module(an, e, modname);
		break;
	case PT_EV_MODULE_INIT_END:
		on_module_init_end(an, e);
		break;
	default:
		kl_event(an, &an->kl, e);
		break;
	}
}

void an_set_lost(struct analyzer *an, uint64_t produced, uint64_t lost)
{
	an->st.produced = produced;
	an->st.lost = lost;
}

static int by_pages_desc(const void *a, const void *b)
{
	const struct pt_finding *x = a, *y = b;

	/* Ties in a fixed order, not the hash table's: oldest first, then by
	 * allocation site, order and owner. */
	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	if (x->age_ns != y->age_ns)
		return x->age_ns < y->age_ns ? 1 : -1;
	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->module < y->module ? -1 : x->module > y->module;
}

int an_snapshot(const struct analyzer *an, uint64_t now, uint64_t min_age_ns,
		struct pt_finding **out, unsigned int *n)
{
	struct u64map groups, heads;
	struct pt_finding *g = NULL;
	unsigned int ng = 0, cap = 0;
	size_t i;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (u64map_init(&groups, sizeof(uint32_t)))
		return -1;
	if (u64map_init(&heads, 0))
		goto out;
	for (i = 0; i < an->pieces.cap; i++) {
		const struct piece *p;
		struct pt_finding *f;
		uint64_t pfn, oh, key, ts;
		uint32_t *slot;
		bool existed;

		if (!u64map_used(&an->pieces, i))
			continue;
		p = u64map_val(&an->pieces, i);
		if (p->flags & BLK_MISMATCH)
			continue;	/* counted in its order_mismatch */
		/* Sampling: sites are estimated from their sampled blocks. */
		if (an->cfg.sample_pages && !(p->flags & BLK_SAMPLED))
			continue;
		ts = piece_ts(an, p);
		if (now > ts ? now - ts < min_age_ns : min_age_ns > 0)
			continue;
		pfn = an->pieces.keys[i];
		oh = orig_head(pfn, p);
		key = mix(mix(p->stack_id, p->orig_order), p->module);
		if (key == U64MAP_EMPTY)
			key--;
		slot = u64map_put(&groups, key, &existed);
		if (!slot)
			goto out;
		if (!existed) {
			if (ng == cap) {
				unsigned int c = cap ? cap * 2 : 16;
				struct pt_finding *ng2 = realloc(g, c * sizeof(*g));

				if (!ng2)
					goto out;
				g = ng2;
				cap = c;
			}
			f = &g[ng];
			*slot = ng++;
			memset(f, 0, sizeof(*f));
			f->kind = PT_K_LEAK;
			f->error = an->cfg.nmodules > 0;
			f->stack_id = p->stack_id;
			f->stack_id2 = -1;
			f->pfn = oh;
			f->order = p->orig_order;
			f->gfp = piece_gfp(an, p);
			f->module = p->module;
			f->ts = ts;
			fill_comm(an, f, p->tgid);
		}
		f = &g[*slot];
		/* Blocks, not pieces: only a split block's pieces share a head
		 * (a map of every live block here doubled the peak memory). */
		if (p->order == p->orig_order)
			f->count++;
		else if (u64map_put(&heads, mix(oh, *slot), &existed) && !existed)
			f->count++;
		f->pages += 1ULL << p->order;
		if (an->cfg.sample_pages)
			f->est += (double)(1ULL << p->order) * PT_SAMPLE_ONE /
				  an->cfg.sample_thresh[p->orig_order < PT_NR_ORDERS ?
							p->orig_order : PT_NR_ORDERS - 1];
		if (now > ts && now - ts > f->age_ns)
			f->age_ns = now - ts;
	}
	if (an->cfg.sample_pages)
		for (i = 0; i < ng; i++) {
			g[i].samples = g[i].count;
			g[i].pages = (uint64_t)(g[i].est + 0.5);
		}
	if (ng)
		qsort(g, ng, sizeof(*g), by_pages_desc);
	*out = g;
	*n = ng;
	g = NULL;
	ret = 0;
out:
	free(g);
	u64map_free(&groups);
	if (heads.keys)
		u64map_free(&heads);
	return ret;
}

/* Module scope: what the module still holds is leaked. Unscoped: listed apart. */
static void finish_leaks(struct analyzer *an, uint64_t now)
{
	struct pt_finding *g;
	unsigned int n, i;

	if (an_snapshot(an, now, 0, &g, &n))
		return;
	if (!an->cfg.nmodules) {
		free(an->out);
		an->out = g;
		an->nout = n;
		return;
	}
	for (i = 0; i < n; i++) {
		struct pt_finding *f = finding(an, PT_K_LEAK,
					       mix(mix(g[i].stack_id, g[i].order), g[i].module), NULL);

		if (!f)
			continue;
		*f = g[i];
		snprintf(f->note, sizeof(f->note),
			 "allocated by the module and still allocated at its unload or at exit");
	}
	free(g);
}

static void finish_kmaps(struct analyzer *an)
{
	size_t i;

	for (i = 0; i < an->kmaps.cap; i++) {
		const struct kmap_ent *k;
		struct pt_finding *f;

		if (!u64map_used(&an->kmaps, i))
			continue;
		k = u64map_val(&an->kmaps, i);
		if (!k->count || k->reported || !in_scope(an, k->module, -1))
			continue;
		f = finding(an, PT_K_KMAP_LEAK, mix(k->caller, k->stack_id), NULL);
		if (!f)
			continue;
		f->pages++;
		if (f->count == 1) {
			uint64_t pfn;

			f->addr = an->kmaps.keys[i];
			if (ptr_to_pfn(an, f->addr, &pfn))
				f->pfn = pfn;
			f->caller = k->caller;
			f->stack_id = k->stack_id;
			f->module = k->module;
			f->ts = k->ts;
			fill_comm(an, f, k->tgid);
			snprintf(f->note, sizeof(f->note),
				 "kmap() without kunmap(): the pkmap slot stays taken (%u slots in all)",
				 an->ki.last_pkmap);
		}
	}
}

const struct pt_finding *an_outstanding(const struct analyzer *an, unsigned int *n)
{
	*n = an->nout;
	return an->out;
}

void an_finish(struct analyzer *an, uint64_t now)
{
	if (!now)
		now = an->last_ts;
	finish_leaks(an, now);
	finish_kmaps(an);
	if (an->st.lost) {
		struct pt_finding *f = finding(an, PT_K_EVENTS_LOST, 0, NULL);

		if (f) {
			f->extra = an->st.lost;
			snprintf(f->note, sizeof(f->note),
				 "%llu of %llu events were lost (ring buffer full): findings may be incomplete, and a lost free or kunmap shows as a false leak; raise --buffer-mb",
				 (unsigned long long)an->st.lost,
				 (unsigned long long)an->st.produced);
		}
	}
}
