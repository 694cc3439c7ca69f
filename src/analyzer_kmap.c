// SPDX-License-Identifier: GPL-2.0
/*
 * kmap() / kunmap() of HIGHMEM pages (kmap_high, kunmap_high): the pkmap
 * slots held per page, and the findings about them: kmap_partial,
 * pkmap_pressure, kunmap_unbalanced, free_while_kmapped and, at the end,
 * kmap_leak. kmap_local_page() / kmap_atomic() are kmap_local.c's; the
 * blocks the pages belong to are analyzer_blocks.c's, read here only.
 */
#include <stdio.h>
#include <string.h>
#include "analyzer_state.h"

#define MAX_KMAP_ENTRIES 65536

void check_kmapped(struct analyzer *an, const struct pt_event *e, uint64_t pfn, uint64_t n)
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
		if (!in_scope(an, k->module, module))
			continue;
		k->reported = 1;
		f = finding(an, PT_K_FREE_WHILE_KMAPPED, mix(k->caller, e->stack_id), e);
		if (!f)
			continue;
		f->pages++;
		if (f->count == 1) {
			fill_finding(an, f, pfn + i, NULL, e, k->module >= 0 ? k->module : module);
			f->addr = pfn_to_ptr(an, pfn + i);
			f->stack_id = k->stack_id;
			f->caller = k->caller;
			snprintf(f->note, sizeof(f->note),
				 "page freed while it still holds a pkmap slot (kmap without kunmap)");
		}
	}
}

static void pressure_note(struct analyzer *an, struct pt_finding *f)
{
	uint64_t top_caller[3] = { 0 }, top_n[3] = { 0 };
	struct u64map held;		/* caller -> slots it holds */
	size_t i;
	int j, k;
	int len;

	/* One pass counts slots per caller; a second ranks them in table order. */
	if (u64map_init(&held, sizeof(uint64_t)))
		return;
	for (i = 0; i < an->kmaps.cap; i++) {
		const struct kmap_ent *e = u64map_val(&an->kmaps, i);
		uint64_t *n;

		if (!u64map_used(&an->kmaps, i) || !e->count)
			continue;
		n = u64map_put(&held, e->caller, NULL);
		if (n)
			++*n;
	}
	for (i = 0; i < an->kmaps.cap; i++) {
		const struct kmap_ent *k1 = u64map_val(&an->kmaps, i);
		const uint64_t *np;
		uint64_t n;

		if (!u64map_used(&an->kmaps, i) || !k1->count)
			continue;
		for (j = 0; j < 3; j++)
			if (top_caller[j] == k1->caller && top_n[j])
				break;
		if (j < 3 || !(np = u64map_get(&held, k1->caller)))
			continue;
		n = *np;
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
	u64map_free(&held);
	an->pressure_noted = f->extra;
	/* The caller field (symbolized by the reporter) is the top holder. */
	len = snprintf(f->note, sizeof(f->note),
		       "%llu of %u pkmap slots in use (threshold %u%%); slots held by the top callers:",
		       (unsigned long long)f->extra, an->ki.last_pkmap, an->cfg.pkmap_pct);
	for (j = 0; j < 3 && top_n[j] && len > 0 && len < (int)sizeof(f->note); j++)
		len += snprintf(f->note + len, sizeof(f->note) - len, "%s %llu",
				j ? "," : "", (unsigned long long)top_n[j]);
	f->caller = top_caller[0];
}

/*
 * A kmap_high() call: its entry event rebuilt (the page, stack and time it
 * came with) and the tracked block the page belongs to, if any.
 */
struct kmap_call {
	struct pt_event site;
	struct piece *p;	/* the page's block, NULL: not tracked */
	uint64_t pfn, head;
	int owner;		/* the block's module, -1 none */
	int module;		/* the module making the call, -1 none */
};

static void kmap_rebuild(struct analyzer *an, struct tid_state *t, const struct pt_event *e,
			 struct kmap_call *c)
{
	c->site = *e;
	c->site.kmap.page = t->kmap_ptr;
	c->site.stack_id = t->kmap_stack;
	c->site.ts = t->kmap_ts;
	c->p = NULL;
	c->head = 0;
	c->owner = -1;
	if (ptr_to_pfn(an, c->site.kmap.page, &c->pfn)) {
		c->p = find_piece(an, c->pfn, &c->head);
		if (c->p)
			c->owner = c->p->module;
	}
	c->module = module_of_event(an, &c->site);
}

/* A full table first drops the entries of pages mapped and fully unmapped. */
static void kmap_compact(struct analyzer *an)
{
	size_t i;

	if (an->kmaps.len < MAX_KMAP_ENTRIES)
		return;
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

/* One more kmap of the page: a slot taken unless it held one. False: no memory. */
static bool kmap_account(struct analyzer *an, const struct kmap_call *c, const struct pt_event *e)
{
	struct kmap_ent *k;
	bool existed;

	k = u64map_put(&an->kmaps, c->site.kmap.page, &existed);
	if (!k)
		return false;
	if (!existed || !k->count) {
		k->ts = c->site.ts;
		k->caller = e->ip;
		k->stack_id = c->site.stack_id;
		k->tgid = e->tgid;
		k->module = c->owner >= 0 ? c->owner : c->module;
		k->reported = 0;
		an->st.kmaps_live++;
		if (an->st.kmaps_live > an->st.kmaps_peak)
			an->st.kmaps_peak = an->st.kmaps_live;
	}
	k->count++;
	return true;
}

/* kmap() of the head of a multi-page block maps only its first page. */
static void judge_kmap_partial(struct analyzer *an, const struct kmap_call *c,
			       const struct pt_event *e)
{
	const struct piece *p = c->p;
	struct pt_finding *f;

	if (!p || orig_head(c->head, p) != c->pfn || p->orig_order == 0 ||
	    (p->flags & BLK_SPLIT) || !in_scope(an, c->owner, c->module))
		return;
	f = finding(an, PT_K_KMAP_PARTIAL, mix(e->ip, p->stack_id), &c->site);
	if (f && f->count == 1) {
		fill_finding(an, f, c->pfn, NULL, NULL, c->owner >= 0 ? c->owner : c->module);
		f->order = p->orig_order;
		f->pages = 1ULL << p->orig_order;
		f->addr = c->site.kmap.page;
		f->stack_id = c->site.stack_id;
		f->caller = e->ip;
		snprintf(f->note, sizeof(f->note),
			 "kmap() of an order-%u block maps only its first page; kmap each page (kmap_local_page) to reach the other %u",
			 p->orig_order, (1u << p->orig_order) - 1);
	}
}

/* pkmap occupancy over the threshold: once per episode, track the peak. */
static void judge_pkmap_pressure(struct analyzer *an, const struct kmap_call *c)
{
	uint64_t lim;
	struct pt_finding *f;

	if (!an->ki.last_pkmap)
		return;
	lim = (uint64_t)an->ki.last_pkmap * an->cfg.pkmap_pct / 100;
	if (an->st.kmaps_live > lim && an->pressure_armed && in_scope(an, c->owner, c->module)) {
		f = finding(an, PT_K_PKMAP_PRESSURE, an->pressure_idx + 1, &c->site);
		an->pressure_armed = false;
		if (f) {
			f->extra = an->st.kmaps_live;
			f->stack_id = c->site.stack_id;
			f->module = c->owner >= 0 ? c->owner : c->module;
			pressure_note(an, f);
			an->pressure_idx = f - an->f;
		}
	} else if (!an->pressure_armed && an->pressure_idx >= 0 &&
		   an->st.kmaps_live > an->f[an->pressure_idx].extra) {
		f = &an->f[an->pressure_idx];
		f->extra = an->st.kmaps_live;
		/*
		 * Ranking the holders scans every kmap. At each new peak while
		 * it fits in LAST_PKMAP slots, as a kernel's must; past that
		 * (lost kunmaps, a crafted recording) only at each 1/8 more, or
		 * a recording of n kmaps would cost n^2 scans of kmaps.
		 */
		if (f->extra <= an->ki.last_pkmap ||
		    f->extra >= an->pressure_noted + an->pressure_noted / 8)
			pressure_note(an, f);
	}
}

/* A kmap_high() completed (or its return was missed): account the slot. */
static void kmap_done(struct analyzer *an, struct tid_state *t, const struct pt_event *e)
{
	struct kmap_call c;

	t->kmap_pending = false;
	kmap_rebuild(an, t, e, &c);
	/* A missed return (on_kmap's stand-in, ip 0) says nothing of the wait. */
	if (e->ip && an->cfg.kmap_wait_ns && e->ts - c.site.ts > an->cfg.kmap_wait_ns)
		an->st.kmap_waits++;
	kmap_compact(an);
	if (!kmap_account(an, &c, e))
		return;
	judge_kmap_partial(an, &c, e);
	judge_pkmap_pressure(an, &c);
}

void on_kmap(struct analyzer *an, const struct pt_event *e)
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
		lost.kmap.vaddr = 0;
		kmap_done(an, t, &lost);
	}
	t->kmap_pending = true;
	t->kmap_ptr = e->kmap.page;
	t->kmap_ts = e->ts;
	t->kmap_stack = e->stack_id;
}

void on_kmap_ret(struct analyzer *an, const struct pt_event *e)
{
	struct tid_state *t = tid_find(an, e->tid);

	if (t && t->kmap_pending)
		kmap_done(an, t, e);
}

void on_kunmap(struct analyzer *an, const struct pt_event *e)
{
	struct kmap_ent *k = u64map_get(&an->kmaps, e->kmap.page);
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
	if (!ptr_to_pfn(an, e->kmap.page, &pfn))
		pfn = 0;
	else if ((p = find_piece(an, pfn, &h)))
		owner = p->module;
	if (!k && !p)
		return;
	f = scoped_finding(an, PT_K_KUNMAP_UNBALANCED, mix(e->ip, e->stack_id), e, owner, &module);
	if (f && f->count == 1) {
		f->addr = e->kmap.page;
		f->pfn = pfn;	/* the page, where its struct page pointer says (else 0) */
		f->stack_id = e->stack_id;
		f->caller = e->ip;
		f->module = owner >= 0 ? owner : module;
		snprintf(f->note, sizeof(f->note), "kunmap() of a page that is not kmapped%s",
			 k ? " (it was already kunmapped)" : "");
	}
}

void finish_kmaps(struct analyzer *an)
{
	size_t i;

	/* Holders last ranked below the peak (past LAST_PKMAP) and the slots
	 * still held as at the peak: rank them now, the note says the peak. */
	if (an->pressure_idx >= 0 && an->f[an->pressure_idx].extra != an->pressure_noted &&
	    an->st.kmaps_live == an->f[an->pressure_idx].extra)
		pressure_note(an, &an->f[an->pressure_idx]);

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

			fill_finding(an, f, ptr_to_pfn(an, an->kmaps.keys[i], &pfn) ? pfn : 0, NULL,
				     NULL, k->module);
			fill_comm(an, f, k->tgid);
			f->addr = an->kmaps.keys[i];
			f->caller = k->caller;
			f->stack_id = k->stack_id;
			f->ts = k->ts;
			snprintf(f->note, sizeof(f->note),
				 "kmap() without kunmap(): the pkmap slot stays taken (%u slots in all)",
				 an->ki.last_pkmap);
		}
	}
}
