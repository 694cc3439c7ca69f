// SPDX-License-Identifier: GPL-2.0
/*
 * The analyzer's front: set-up and teardown, the event dispatch, the table
 * of findings, the snapshot of live blocks and the end of a trace. Live
 * tracing and --replay feed it the same events through the same calls.
 *
 * What each event means is decided in the handlers (analyzer_blocks.c,
 * analyzer_kmap.c, analyzer_umap.c, analyzer_scope.c, kmap_local.c); this
 * file judges nothing itself, and reads no payload but to route it.
 * Nothing here knows about BPF, files or output formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer_priv.h"

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
	[PT_K_HELD_AT_EXIT] = "held_at_exit",
};

const char *pt_kind_name(enum pt_kind k)
{
	return k < PT_K_MAX ? kind_names[k] : "unknown";
}

bool pt_kind_is_error(enum pt_kind k)
{
	return k != PT_K_KMAP_PARTIAL && k != PT_K_PKMAP_PRESSURE &&
	       k != PT_K_EVENTS_LOST && k != PT_K_KMAP_LOCAL_DEPTH &&
	       k != PT_K_HELD_AT_EXIT;
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
	/* Live and replay alike: a kmap_high() over 100 ms waited for a slot. */
	if (!an->cfg.kmap_wait_ns)
		an->cfg.kmap_wait_ns = 100 * 1000 * 1000ULL;
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
	    u64map_init(&an->remaps, sizeof(struct pt_event)) ||
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
	u64map_free(&an->remaps);
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

/*
 * The thread table is full: drop the threads in no call (nothing pending),
 * not the ones a kmap_high() sleep, an allocation or a free_pages() is
 * half-way through; only if every one is busy, all of them.
 */
void tids_make_room(struct analyzer *an)
{
	size_t i = 0;

	while (i < an->tids.cap) {
		const struct tid_state *t = u64map_val(&an->tids, i);

		if (u64map_used(&an->tids, i) && !t->nalloc && !t->nafree &&
		    !t->kmap_pending) {
			/* Deleting moves a later entry into slot i: look again. */
			u64map_del(&an->tids, an->tids.keys[i]);
			continue;
		}
		i++;
	}
	an->tid_last = NULL;		/* entries moved */
	if (an->tids.len >= MAX_TIDS)
		u64map_clear(&an->tids);
}

/* ------------------------------------------------------------- findings */

struct pt_finding *finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
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

struct pt_finding *scoped_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
				  const struct pt_event *e, int owner, int *module)
{
	*module = module_of_event(an, e);
	if (!in_scope(an, owner, *module))
		return NULL;
	return finding(an, kind, key, e);
}

void fill_finding(const struct analyzer *an, struct pt_finding *f, uint64_t pfn,
		  const struct piece *blk, const struct pt_event *fe, int module)
{
	f->pfn = pfn;
	f->module = module;
	if (blk) {
		f->order = blk->orig_order;
		f->gfp = piece_gfp(an, blk);
		f->stack_id = blk->stack_id;
	}
	if (fe) {
		f->stack_id2 = fe->stack_id;
		f->caller2 = free_caller(an, fe);
	}
}

struct pt_finding *an_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
			      const struct pt_event *e)
{
	return finding(an, kind, key, e);
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

bool an_stack(const struct analyzer *an, int32_t id, struct pt_stack *out)
{
	out->nr = 0;
	out->ips = NULL;
	if (id < 0 || !an->stack_fn)
		return false;
	return an->stack_fn(an->stack_ctx, id, out);
}


/* ---------------------------------------------------------- processes */

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

void fill_comm(const struct analyzer *an, struct pt_finding *f, uint32_t tgid)
{
	const char *c = u64map_get(&an->comms, tgid);

	f->tgid = tgid;
	if (c)
		memcpy(f->comm, c, PT_COMM_LEN);
}

/* ------------------------------------------------------------- dispatch */

/* Event types as bits, for the dispatcher's tests of a type against a set. */
#define EV_BIT(type)	(1ULL << (type))
_Static_assert(PT_EV_MAX <= 64, "event types do not fit a 64-bit set");
/* Types whose order field is an order. */
#define EV_WITH_ORDER	(EV_BIT(PT_EV_PAGE_ALLOC) | EV_BIT(PT_EV_PAGE_FREE) | \
			 EV_BIT(PT_EV_FREE_PAGES) | EV_BIT(PT_EV_FREE_ADDR) | EV_BIT(PT_EV_SPLIT))
/* Types whose a0 is the pfn of a block of 2^order pages. */
#define EV_KMEM		(EV_BIT(PT_EV_PAGE_ALLOC) | EV_BIT(PT_EV_PAGE_FREE))
/* Types that do not end a thread's free context: its page and API frees,
 * and events that are not the thread's own doing. */
#define EV_KEEP_FREE_CTX (EV_BIT(PT_EV_PAGE_FREE) | EV_BIT(PT_EV_FREE_PAGES) | \
			  EV_BIT(PT_EV_FREE_ADDR) | EV_BIT(PT_EV_SIGNAL) | \
			  EV_BIT(PT_EV_MODULE_LOAD) | EV_BIT(PT_EV_MODULE_FREE) | \
			  EV_BIT(PT_EV_MODULE_SYM) | EV_BIT(PT_EV_MODULE_INIT_END) | \
			  EV_BIT(PT_EV_MODULE_UNLOAD))

void an_event(struct analyzer *an, const struct pt_event *e, const char *modname)
{
	struct tid_state *t;

	if (e->type == PT_EV_NONE || e->type >= PT_EV_MAX) {
		an->st.bad_events++;
		return;
	}
	/* Orders index per-order tables and size page loops, and a block
	 * must not wrap around the pfn space: damaged input reaches neither. */
	if (e->order > PT_MAX_ORDER && (EV_BIT(e->type) & EV_WITH_ORDER)) {
		an->st.bad_events++;
		return;
	}
	/* (The first test is implied by the second: it keeps the common case
	 * to one comparison.) */
	if (e->kmem.pfn > UINT64_MAX - (1ULL << PT_MAX_ORDER) &&
	    (EV_BIT(e->type) & EV_KMEM) && e->kmem.pfn > UINT64_MAX - (1ULL << e->order)) {
		an->st.bad_events++;
		return;
	}
	if (!(e->flags & PT_F_SYNTH))
		an->st.events[e->type]++;
	if (e->ts > an->last_ts)
		an->last_ts = e->ts;
	if (e->type == PT_EV_PAGE_ALLOC || e->type == PT_EV_KMAP || e->type == PT_EV_REMAP)
		remember_comm(an, e);

	/* A free context lasts while the same thread keeps freeing (API
	 * frees push one: an interrupt's may come between a call and its
	 * page frees). */
	if (!(EV_BIT(e->type) & EV_KEEP_FREE_CTX) && (t = tid_find(an, e->tid)))
		t->nfctx = 0;

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
	case PT_EV_PAIRED_LIVE:
		on_paired_live(an, e);
		break;
	default:
		kl_event(an, &an->kl, e);
		break;
	}
}

void an_set_paired(struct analyzer *an, uint64_t allocs, uint64_t frees, uint64_t stale,
		   uint64_t handed)
{
	/* With -m, BPF keeps only blocks it did not unwind for scope: out of
	 * scope, in no total and no leak, as the analyzer drops such blocks. */
	if (an->cfg.nmodules)
		return;
	an->st.bpf_allocs = allocs;
	an->st.bpf_frees = frees;
	an->st.bpf_stale = stale;
	an->st.bpf_handed = handed;
}

void an_set_lost(struct analyzer *an, uint64_t produced, uint64_t lost)
{
	an->st.produced = produced;
	an->st.lost = lost;
}

/* --------------------------------------------------- snapshot and finish */

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
