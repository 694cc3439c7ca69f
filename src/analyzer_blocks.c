// SPDX-License-Identifier: GPL-2.0
/*
 * Page blocks: the pieces that track them, the cover bitmaps, the freed
 * map, the memmap (struct page * <-> pfn), and the handlers of allocation,
 * free and split_page() with their judges (order_mismatch, double_free,
 * bad_free, partial_free). kmaps and user mappings of these pages are
 * judged in analyzer_kmap.c and analyzer_umap.c, not here.
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
#include "analyzer_state.h"

#define GFP_COMP	0x4000u		/* ___GFP_COMP on 6.1 .. 6.18 x86 */
#define MAX_FREED	65536

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

struct piece *find_piece(const struct analyzer *an, uint64_t pfn, uint64_t *head)
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

static bool page_live(const struct analyzer *an, uint64_t pfn)
{
	uint64_t h;

	return find_piece(an, pfn, &h) != NULL;
}

/* ----------------------------------------------------------- freed map */

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

/* ------------------------------------------------------------ handlers */

void on_page_alloc(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	unsigned int order = e->order;
	uint64_t pfn = e->kmem.pfn, i, n, h;
	struct piece tmpl = { 0 };
	int module;

	if (pfn + (1ULL << order) - 1 > an->max_pfn_seen)
		an->max_pfn_seen = pfn + (1ULL << order) - 1;
	/* A block BPF kept and handed over (PT_F_SYNTH) has no return to
	 * pair with: not on any thread's list. */
	if (t && !(e->flags & PT_F_SYNTH)) {
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

void on_alloc_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_find(an, e->tid);

	if (!t || !t->nalloc)
		return;
	t->paired_pfn = t->alloc_pfn[--t->nalloc];
	t->has_paired = true;
	learn_memmap(an, e->alloc_ret.page, t->paired_pfn);
}

void on_gfp_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_find(an, e->tid);
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
	if (e->gfp_ret.addr < (pfn << an->ki.page_shift))
		return;
	if (!an->direct_known) {
		an->direct_base = e->gfp_ret.addr - (pfn << an->ki.page_shift);
		an->direct_known = true;
	}
}

static void report_double_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn,
			       const struct freed *fr, const char *why)
{
	struct pt_finding *f;
	int module;

	f = scoped_finding(an, PT_K_DOUBLE_FREE, mix(e->ip, e->stack_id), e, -1, &module);
	if (!f)
		return;
	if (f->count == 1) {
		fill_finding(an, f, pfn, NULL, e, module);
		f->free_order = e->order;
		f->order = fr ? fr->order : e->order;
		f->pages = 1ULL << e->order;
		if (fr) {
			f->stack_id = fr->stack_id;
			f->caller = fr->caller;
		}
		snprintf(f->note, sizeof(f->note), "%s", why);
	}
}

/* Thread t is inside an API free of pfn: the page frees that follow are its. */
static void free_ctx_start(struct tid_state *t, const struct pt_event *e, uint64_t pfn)
{
	struct free_ctx *c;

	if (t->nfctx == sizeof(t->fctx) / sizeof(t->fctx[0])) {	/* the oldest has ended */
		t->fctx[0] = t->fctx[1];
		t->nfctx--;
	}
	c = &t->fctx[t->nfctx++];
	c->pfn = pfn;
	c->order = e->order > PT_MAX_ORDER ? PT_MAX_ORDER : e->order;
	c->stack = e->stack_id;
	c->ip = e->ip;
}

/* Is thread t inside an API free of the block at head? */
static bool free_ctx_at(const struct tid_state *t, uint64_t head)
{
	int i;

	for (i = (t ? t->nfctx : 0) - 1; i >= 0; i--)
		if (t->fctx[i].pfn == head)
			return true;
	return false;
}

/* The API free of thread t whose pages include pfn, newest first; NULL: none. */
static const struct free_ctx *free_ctx_of(const struct tid_state *t, uint64_t pfn)
{
	int i;

	for (i = (t ? t->nfctx : 0) - 1; i >= 0; i--)
		if (pfn >= t->fctx[i].pfn && pfn - t->fctx[i].pfn < (1ULL << t->fctx[i].order))
			return &t->fctx[i];
	return NULL;
}

/*
 * An API free found the page's refcount already 0. Only the kernel's own
 * refcount proves a double free: a page we saw freed may have been
 * reallocated by a path without mm_page_alloc (bulk allocation), so "freed
 * before" alone is not enough. A tail of a live block is not one. True when
 * reported.
 */
static bool judge_refcount_zero(struct analyzer *an, const struct pt_event *e, uint64_t pfn,
				const char *api)
{
	char why[96];
	uint64_t h;

	if (find_piece(an, pfn, &h) && h != pfn)
		return false;
	snprintf(why, sizeof(why),
		 "page refcount was already 0 when %s() was called: the block was freed before", api);
	report_double_free(an, e, pfn, u64map_get(&an->freed, pfn), why);
	return true;
}

/*
 * Judge a free the caller made through the API: the claimed order against
 * the allocation, and whether the block is live at all.
 */
static void judge_api_free(struct analyzer *an, const struct pt_event *e, struct tid_state *t,
			   uint64_t pfn, const char *api, bool refcount_zero)
{
	struct piece *p;
	uint64_t h;

	if (refcount_zero && judge_refcount_zero(an, e, pfn, api))
		return;
	p = find_piece(an, pfn, &h);
	if (!p) {
		an->st.untracked_frees++;
		return;
	}
	if (t)
		free_ctx_start(t, e, pfn);
	/* A whole, unsplit block freed at its head: the orders must agree. */
	if (h == pfn && orig_head(h, p) == pfn && p->order == p->orig_order &&
	    !(p->flags & BLK_SPLIT) && e->order != p->orig_order) {
		struct pt_finding *f;
		int module;

		f = scoped_finding(an, PT_K_ORDER_MISMATCH,
				   mix(mix(p->stack_id, e->ip), mix(p->orig_order, e->order)), e,
				   p->module, &module);
		if (!f)
			return;
		if (e->order < p->orig_order) {
			f->pages += (1ULL << p->orig_order) - (1ULL << e->order);
			p->flags |= BLK_MISMATCH;
		}
		if (f->count == 1) {
			fill_finding(an, f, pfn, p, e, p->module >= 0 ? p->module : module);
			fill_comm(an, f, p->tgid);
			f->free_order = e->order;
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

/* free_pages() of a struct page * (page pfn) where an address belongs. */
static void report_bad_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn)
{
	uint64_t h;
	struct piece *p = find_piece(an, pfn, &h);
	struct pt_finding *f;
	int module;

	f = scoped_finding(an, PT_K_BAD_FREE, mix(e->ip, e->stack_id), e, p ? p->module : -1,
			   &module);
	if (f && f->count == 1) {
		fill_finding(an, f, pfn, p, e, module >= 0 || !p ? module : p->module);
		if (p)
			fill_comm(an, f, p->tgid);
		f->addr = e->free_addr.addr;
		f->free_order = e->order;
		f->pages = 1ULL << e->order;
		snprintf(f->note, sizeof(f->note),
			 "free_pages() was handed what looks like a struct page pointer (pfn %llu), not an address; use __free_pages()",
			 (unsigned long long)pfn);
	}
}

/*
 * Remember a judged free_pages() so that its inner __free_pages() of the
 * page at pfn (any page: !pfn_known) is not judged again.
 */
static struct api_free *afree_push(struct tid_state *t, bool pfn_known, uint64_t pfn)
{
	struct api_free *a;

	if (t->nafree == sizeof(t->afree) / sizeof(t->afree[0])) {	/* the oldest was lost */
		memmove(&t->afree[0], &t->afree[1], sizeof(t->afree) - sizeof(t->afree[0]));
		t->nafree--;
	}
	a = &t->afree[t->nafree++];
	a->pfn_known = pfn_known;
	a->pfn = pfn;
	a->bad = false;
	return a;
}

/*
 * Take off the thread's list the free_pages() this __free_pages(page) is
 * the inner call of, copied to *out; false when it is a call of its own
 * (an interrupt's, say).
 */
static bool afree_pop(struct tid_state *t, bool page_known, uint64_t pfn, struct api_free *out)
{
	int i;

	for (i = t->nafree - 1; i >= 0; i--) {
		struct api_free *a = &t->afree[i];

		if (a->pfn_known && !(page_known && a->pfn == pfn))
			continue;
		*out = *a;
		memmove(a, a + 1, (t->nafree - 1 - i) * sizeof(*a));
		t->nafree--;
		return true;
	}
	return false;
}

void on_free_addr(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	uint64_t pfn, ipfn = 0;
	bool iknown;

	learn_memmap_base(an, e->free_addr.memmap_base);
	/* The page free_pages() hands on: virt_to_page(addr). */
	iknown = addr_to_pfn(an, e->free_addr.addr, &ipfn);
	if (ptr_to_pfn(an, e->free_addr.addr, &pfn)) {
		if (t)
			afree_push(t, iknown, ipfn)->bad = true;
		report_bad_free(an, e, pfn);
		return;
	}
	if (!iknown) {
		/* Not judged here: the inner __free_pages() is. */
		an->st.unjudged_frees++;
		return;
	}
	if (t)
		afree_push(t, true, ipfn);
	judge_api_free(an, e, t, ipfn, "free_pages", false);
}

void on_free_pages(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_state(an, e->tid);
	bool page_known;
	struct api_free a;
	uint64_t pfn;

	learn_memmap_base(an, e->free_pages.memmap_base);
	page_known = ptr_to_pfn(an, e->free_pages.page, &pfn);
	/* The __free_pages() that free_pages() makes was judged already. */
	if (t && t->nafree && afree_pop(t, page_known, pfn, &a)) {
		if (a.bad || !page_known)
			return;
		if (e->free_pages.refcount == 0 && judge_refcount_zero(an, e, pfn, "free_pages"))
			return;
		free_ctx_start(t, e, pfn);
		return;
	}
	if (!page_known) {
		an->st.unjudged_frees++;
		return;
	}
	judge_api_free(an, e, t, pfn, "__free_pages", e->free_pages.refcount == 0);
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
	if (free_ctx_at(t, oh) ||
	    (p->flags & (BLK_SPLIT | BLK_COMPOUND | BLK_MISMATCH)) || !page_live(an, oh))
		return;
	f = scoped_finding(an, PT_K_PARTIAL_FREE, mix(p->stack_id, p->module), e, p->module,
			   &module);
	if (!f)
		return;
	f->pages += 1ULL << order;
	if (f->count == 1) {
		fill_finding(an, f, oh, p, e, p->module);
		fill_comm(an, f, p->tgid);
		f->free_order = order;
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
		judge_api_free(an, e, tid_state(an, e->tid), pfn, "free", false);
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

/*
 * A page free as its free site: BPF unwinds few page frees (lean_frees), so
 * inside an API free, the free site is the API call's stack. On ARM32
 * always: the unwinder cannot walk out of a tracepoint there (its stack is
 * __traceiter_mm_page_free and a junk frame), while the API's entry probe
 * has the true registers; its caller comes along. e itself, or buf.
 */
const struct pt_event *page_free_site(struct analyzer *an, const struct pt_event *e,
				      struct pt_event *buf)
{
	const struct free_ctx *c;

	if ((e->stack_id < 0 || an->ki.arch == PT_ARCH_ARMHF) &&
	    (c = free_ctx_of(tid_find(an, e->tid), e->kmem.pfn)) && c->stack >= 0) {
		*buf = *e;
		buf->stack_id = c->stack;
		if (c->ip)
			buf->ip = c->ip;
		return buf;
	}
	return e;
}

void on_page_free(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_find(an, e->tid);
	unsigned int order = e->order;
	uint64_t pfn = e->kmem.pfn, end, q, h;
	struct piece *p;
	bool any = false;

	end = pfn + (1ULL << order);
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
				fr->stack_id = e->stack_id;
				fr->order = p->orig_order;
				fr->caller = e->ip;
			}
			/* Tracepoint-only: a larger free than the block at its head. */
			if (!an->cfg.api_events && h == pfn && order != p->orig_order)
				judge_api_free(an, e, tid_state(an, e->tid), pfn, "free", false);
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

void on_split(struct analyzer *an, const struct pt_event *e)
{
	uint64_t pfn, h, i;
	struct piece *p, tmpl;

	if (!ptr_to_pfn(an, e->split.page, &pfn))
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

/*
 * Order-0 blocks BPF kept as bits (bpf/pair.bpf.h), handed over just before
 * a larger free or an API free that covers them: tracked from now on, so
 * that free is judged as if they had come as events. (With PT_F_FORGET:
 * blocks kept where a free was sent; only that free's record goes.) Their task and allocation time are
 * unknown: pid 0, the handing event's time.
 */
void on_paired_live(struct analyzer *an, const struct pt_event *e)
{
	struct pt_event a = { .ts = e->ts, .type = PT_EV_PAGE_ALLOC, .stack_id = -1,
			      .flags = PT_F_SYNTH };
	uint64_t m = e->paired.mask;

	if (e->paired.base > UINT64_MAX - 64) {
		an->st.bad_events++;
		return;
	}
	/* Kept at pfns where a free was sent: that free's record is stale. */
	if (e->flags & PT_F_FORGET) {
		for (; m; m &= m - 1)
			forget_freed_range(an, e->paired.base + (unsigned int)__builtin_ctzll(m), 0);
		return;
	}
	for (; m; m &= m - 1) {
		a.kmem.pfn = e->paired.base + (unsigned int)__builtin_ctzll(m);
		on_page_alloc(an, &a);
	}
}
