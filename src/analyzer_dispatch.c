// SPDX-License-Identifier: GPL-2.0
/*
 * The analyzer's top: set-up and teardown, the event dispatch and the end
 * of a trace. Live tracing and --replay feed it the same events through the
 * same calls.
 *
 * Its layers, each calling only those below it (tests/host/layers.sh):
 * analyzer_state.c (state, getters, memmap), analyzer_scope.c (-m
 * ownership), analyzer_findings.c (the findings table), the judges
 * (analyzer_blocks.c with the block lookups the others may use, then
 * analyzer_leaks.c, analyzer_kmap.c, analyzer_umap.c, kmap_local.c, which
 * never call each other), and this file, which routes each event to every
 * judge that needs it. It judges nothing itself and reads no payload but
 * to route it. Nothing here knows about BPF, files or output formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer_state.h"

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
	    u64map_init(&an->remap_tgids, sizeof(uint32_t)) ||
	    u64map_init(&an->comms, PT_COMM_LEN) ||
	    u64map_init(&an->groups, sizeof(uint32_t)) ||
	    u64map_init(&an->gfp_ids, sizeof(uint16_t)) || dma_init(&an->dma)) {
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
	u64map_free(&an->remap_tgids);
	u64map_free(&an->gfp_ids);
	free(an->gfps);
	free(an->cover);
	free(an->freed_cover);
	free(an->f);
	free(an->out);
	kl_free(&an->kl);
	dma_free(&an->dma);
	free(an);
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
 * and events that are not the thread's own doing (a hand-over of blocks
 * kept in BPF comes just before an API free's own event). */
#define EV_KEEP_FREE_CTX (EV_BIT(PT_EV_PAGE_FREE) | EV_BIT(PT_EV_FREE_PAGES) | \
			  EV_BIT(PT_EV_FREE_ADDR) | EV_BIT(PT_EV_SIGNAL) | \
			  EV_BIT(PT_EV_MODULE_LOAD) | EV_BIT(PT_EV_MODULE_FREE) | \
			  EV_BIT(PT_EV_MODULE_SYM) | EV_BIT(PT_EV_MODULE_INIT_END) | \
			  EV_BIT(PT_EV_MODULE_UNLOAD) | EV_BIT(PT_EV_PAIRED_LIVE))

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
	if (e->type == PT_EV_PAGE_ALLOC || e->type == PT_EV_KMAP || e->type == PT_EV_REMAP ||
	    e->type == PT_EV_DMA_MAP || e->type == PT_EV_DMA_ALLOC || e->type == PT_EV_DMA_MAP_SG)
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
	case PT_EV_PAGE_FREE: {
		/* Both judges see the free at its site, found once. */
		struct pt_event site;
		const struct pt_event *fe = page_free_site(an, e, &site);

		/* A page kmapped when freed: the kmap judge first (a count
		 * saves most frees the call). */
		if (an->st.kmaps_live)
			check_kmapped(an, fe, fe->kmem.pfn, 1ULL << fe->order);
		/* A page still DMA-mapped when freed: the DMA judge. */
		if (an->dma.pfns.len)
			dma_check_free(an, fe, fe->kmem.pfn, 1ULL << fe->order);
		on_page_free(an, fe);
		break;
	}
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
	case PT_EV_DMA_MAP:
	case PT_EV_DMA_UNMAP:
	case PT_EV_DMA_ALLOC:
	case PT_EV_DMA_FREE:
	case PT_EV_DMA_MAP_SG:
	case PT_EV_DMA_UNMAP_SG:
	case PT_EV_DMA_RET:
	case PT_EV_DMA_DEV:
	case PT_EV_DMA_SG_ENT:
		dma_event(an, e, modname);
		break;
	default:
		kl_event(an, &an->kl, e);
		break;
	}
}

/* ------------------------------------------------------------- the end */

void an_finish(struct analyzer *an, uint64_t now)
{
	if (!now)
		now = an->last_ts;
	finish_leaks(an, now);
	finish_kmaps(an);
	dma_finish(an, now);
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
