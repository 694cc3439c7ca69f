// SPDX-License-Identifier: GPL-2.0
/*
 * Leaks: the live blocks grouped by allocation site (the snapshot interval
 * reports, metrics and the end share), and at the end, under -m, which of
 * them are proven leaked (the module unloaded) and which are only held (it
 * is still loaded). A judge: it reads the blocks and makes findings through
 * the findings table; it calls no other judge and prints nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer_state.h"

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

/* The group for key in g (grown as needed); *fresh: just made, zeroed. */
static struct pt_finding *group_of(struct u64map *groups, struct pt_finding **g,
				   unsigned int *ng, unsigned int *cap, uint64_t key, bool *fresh)
{
	uint32_t *slot;
	bool existed;

	if (key == U64MAP_EMPTY)
		key--;
	slot = u64map_put(groups, key, &existed);
	if (!slot)
		return NULL;
	*fresh = !existed;
	if (existed)
		return &(*g)[*slot];
	if (*ng == *cap) {
		unsigned int c = *cap ? *cap * 2 : 16;
		struct pt_finding *ng2 = realloc(*g, c * sizeof(**g));

		if (!ng2) {
			u64map_del(groups, key);
			return NULL;
		}
		*g = ng2;
		*cap = c;
	}
	*slot = (*ng)++;
	memset(&(*g)[*slot], 0, sizeof(**g));
	return &(*g)[*slot];
}

int an_snapshot(const struct analyzer *an, uint64_t now, uint64_t min_age_ns,
		struct pt_finding **out, unsigned int *n)
{
	struct u64map groups, heads;
	struct pt_finding *g = NULL, *f;
	unsigned int ng = 0, cap = 0;
	uint64_t kept = pt_bpf_kept(&an->st);
	bool fresh;
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
		uint64_t pfn, oh, ts;
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
		f = group_of(&groups, &g, &ng, &cap,
			     mix(mix(p->stack_id, p->orig_order), p->module), &fresh);
		if (!f)
			goto out;
		if (fresh) {
			f->kind = PT_K_LEAK;
			f->error = an->cfg.nmodules > 0;
			f->stack_id2 = -1;
			f->ts = ts;
			fill_finding(an, f, oh, p, NULL, p->module);
			fill_comm(an, f, p->tgid);
		}
		/* Blocks, not pieces: only a split block's pieces share a head
		 * (a map of every live block here doubled the peak memory). */
		if (p->order == p->orig_order)
			f->count++;
		else if (u64map_put(&heads, mix(oh, f - g), &existed) && !existed)
			f->count++;
		f->pages += 1ULL << p->order;
		if (an->cfg.sample_pages)
			f->est += (double)(1ULL << p->order) * PT_SAMPLE_ONE /
				  an->cfg.sample_thresh[p->orig_order < PT_NR_ORDERS ?
							p->orig_order : PT_NR_ORDERS - 1];
		if (now > ts && now - ts > f->age_ns)
			f->age_ns = now - ts;
	}
	/* Without stacks, the blocks kept in BPF (bpf/pair.bpf.h: order 0, no
	 * stack, no owner) join the group every such block falls in. Their
	 * ages are unknown: a --min-age listing leaves them out. (Sampled,
	 * the samples' weights stand for them already.) */
	if (kept && !an->cfg.sample_pages && !min_age_ns) {
		f = group_of(&groups, &g, &ng, &cap, mix(mix(-1, 0), -1), &fresh);
		if (!f)
			goto out;
		if (fresh) {
			f->kind = PT_K_LEAK;
			f->stack_id = f->stack_id2 = -1;
			f->module = -1;
		}
		f->count += kept;
		f->pages += kept;
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

/*
 * Whether a group of blocks still allocated at the end is proven leaked:
 * its module was unloaded, or the blocks come from an earlier load of it.
 * A module still loaded may yet free what it holds (held_at_exit).
 */
static bool leak_proven(const struct analyzer *an, const struct pt_finding *g, uint64_t now)
{
	const struct pt_module_range *m = an_module(an, g->module);
	uint64_t oldest = now > g->age_ns ? now - g->age_ns : 0, load_ms;

	if (!m || !m->loaded)
		return true;
	/* Blocks keep their time in whole ms from ts_base: one from the ms of
	 * the load itself may be of this life, and is not proven. */
	if (m->load_ts <= an->ts_base)
		return false;
	load_ms = (m->load_ts - an->ts_base) / 1000000;
	return oldest < an->ts_base + load_ms * 1000000;
}

/* Module scope: what an unloaded module still holds is leaked, what a loaded
 * one holds is held_at_exit. Unscoped: listed apart. */
void finish_leaks(struct analyzer *an, uint64_t now)
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
		bool proven = leak_proven(an, &g[i], now);
		enum pt_kind kind = proven ? PT_K_LEAK : PT_K_HELD_AT_EXIT;
		struct pt_finding *f = finding(an, kind,
					       mix(mix(g[i].stack_id, g[i].order), g[i].module), NULL);

		if (!f)
			continue;
		*f = g[i];
		f->kind = kind;
		f->error = pt_kind_is_error(kind);
		snprintf(f->note, sizeof(f->note), proven ?
			 "allocated by the module and still allocated at its unload" :
			 "allocated by the module, which is still loaded at exit: not a leak until it is unloaded (rmmod it inside COMMAND for a verdict)");
	}
	free(g);
}
