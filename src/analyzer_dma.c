// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA API judge: streaming page and scatterlist mappings and coherent
 * buffers (bpf/dma.bpf.h), paired by (kind, device, handle). Its findings:
 * dma_bad_unmap (an unmap of what is not mapped: unmapped already, or under
 * -m never mapped), dma_unmap_mismatch (another size or direction than the
 * map's), dma_free_mismatch (a coherent buffer freed with another size),
 * dma_free_while_mapped (a page given back to the allocator while a device
 * may still write into it; the dispatcher routes page frees here) and, at
 * the end under -m, dma_leak or dma_held_at_exit. It reads the block
 * lookups of analyzer_blocks.c, calls no other judge and prints nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer_state.h"

#define MAX_PENDING_DMA	4096	/* kprobe mode: calls awaiting their return */
#define MAX_GONE_DMA	65536	/* unmapped handles remembered for a second unmap */
#define MAX_DMA_PAGES	1024	/* pages of one mapping indexed for page frees */
#define MAX_SG_STAGED	1024	/* lists whose entries came, awaiting their map */

/* A page free seen while a mapping covers the page: its key and how many. */
struct dma_pfn {
	uint64_t key;
	uint32_t n;
	uint32_t pad;
};

/* kprobe mode: a thread's calls awaiting their return (map_pending()). */
struct dma_pending {
	struct pt_event call[2];
	uint32_t n;
};

int dma_init(struct pt_dma *d)
{
	memset(d, 0, sizeof(*d));
	if (u64map_init(&d->maps, sizeof(struct pt_dma_map)) ||
	    u64map_init(&d->gone, sizeof(struct pt_dma_gone)) ||
	    u64map_init(&d->pfns, sizeof(struct dma_pfn)) ||
	    u64map_init(&d->devs, PT_MODNAME_LEN) ||
	    u64map_init(&d->pending, sizeof(struct dma_pending)) ||
	    u64map_init(&d->sgstage, sizeof(struct pt_dma_sg_pages)) ||
	    u64map_init(&d->sgpages, sizeof(struct pt_dma_sg_pages))) {
		dma_free(d);
		return -1;
	}
	return 0;
}

void dma_free(struct pt_dma *d)
{
	if (d->maps.keys)
		u64map_free(&d->maps);
	if (d->gone.keys)
		u64map_free(&d->gone);
	if (d->pfns.keys)
		u64map_free(&d->pfns);
	if (d->devs.keys)
		u64map_free(&d->devs);
	if (d->pending.keys)
		u64map_free(&d->pending);
	if (d->sgstage.keys)
		u64map_free(&d->sgstage);
	if (d->sgpages.keys)
		u64map_free(&d->sgpages);
}

bool dma_kind(enum pt_kind k)
{
	return k >= PT_K_DMA_LEAK && k <= PT_K_DMA_FREE_MISMATCH;
}

const char *pt_dma_dir_name(uint32_t dir)
{
	static const char *const names[] = { "bidirectional", "to_device", "from_device", "none" };

	return dir < 4 ? names[dir] : "unknown";
}

static uint64_t dma_key(uint32_t api, uint64_t dev, uint64_t handle)
{
	uint64_t k = mix(mix(mix(0xd3a0c0deULL, api), dev), handle);

	return k == U64MAP_EMPTY ? k - 1 : k;
}

static uint32_t api_of(const struct pt_event *e)
{
	switch (e->type) {
	case PT_EV_DMA_MAP_SG:
	case PT_EV_DMA_UNMAP_SG:
	case PT_EV_DMA_SG_ENT:
		return PT_DMA_SG;
	case PT_EV_DMA_ALLOC:
	case PT_EV_DMA_FREE:
		return (e->flags & PT_F_DMA_PAGES) ? PT_DMA_ALLOC_PAGES : PT_DMA_COHERENT;
	default:
		return PT_DMA_PAGE;
	}
}

/* Bytes a mapping stands for in the usage lists (sg: its entries' lengths,
 * 0 where they were not read). */
static uint64_t map_bytes(const struct pt_dma_map *m)
{
	return m->bytes * m->count;
}

/* The fields every DMA finding has: the mapping's side, its owner. */
static void fill_dma(struct pt_finding *f, const struct pt_dma_map *m, uint64_t dev,
		     uint64_t handle, uint32_t api, int module)
{
	f->module = module;
	f->dma_dev = dev;
	f->dma_handle = handle;
	f->dma_api = api;
	if (m) {
		f->dma_size = m->size;
		f->dma_dir = m->dir;
		f->stack_id = m->stack_id;
		f->caller = m->caller;
		f->pfn = m->pfn;
		f->pages = m->npages;
		if (m->api == PT_DMA_SG)
			f->dma_sg_bytes = m->bytes;
	}
}

/* ------------------------------------------------------------ maps */

static bool map_failed(const struct pt_event *e)
{
	switch (e->type) {
	case PT_EV_DMA_MAP:
		/* DMA_MAPPING_ERROR, for a 64- or a 32-bit dma_addr_t */
		return e->dma.handle == UINT64_MAX || e->dma.handle == UINT32_MAX;
	case PT_EV_DMA_ALLOC:
		return !e->dma.page;
	default:		/* MAP_SG; its dma_map_sg_err tracepoint: ret -errno */
		return (e->flags & PT_F_DMA_SGTABLE) ? e->dma.ret < 0 : e->dma.ret <= 0;
	}
}

/* The pages of a page mapping, for page frees to find it. */
static void index_pages(struct pt_dma *d, uint64_t key, uint64_t pfn, uint32_t n, int delta)
{
	uint32_t i;

	if (pfn >= U64MAP_EMPTY - n)		/* damaged input: no key may be EMPTY */
		return;
	for (i = 0; i < n; i++) {
		struct dma_pfn *p;

		if (delta > 0) {
			p = u64map_put(&d->pfns, pfn + i, NULL);
			if (!p)
				return;
			p->key = key;
			p->n++;
		} else if ((p = u64map_get(&d->pfns, pfn + i)) && --p->n == 0) {
			u64map_del(&d->pfns, pfn + i);
		}
	}
}

/* The pages [*pfn, + n) that offset and size cover from a page. */
static uint32_t span(const struct analyzer *an, uint64_t offset, uint64_t size, uint64_t *pfn)
{
	uint64_t ps = 1ULL << an->ki.page_shift, n;

	*pfn += offset >> an->ki.page_shift;
	n = ((offset & (ps - 1)) + size + ps - 1) >> an->ki.page_shift;
	return n > MAX_DMA_PAGES ? MAX_DMA_PAGES : (uint32_t)n;
}

/* An entry of an sg list about to be mapped: staged until its MAP_SG. */
static void sg_entry(struct analyzer *an, const struct pt_event *e)
{
	struct pt_dma *d = &an->dma;
	uint64_t key = dma_key(PT_DMA_SG, e->dma.dev, e->dma.handle), pfn;
	struct pt_dma_sg_pages *sp;
	bool existed;

	if (d->sgstage.len >= MAX_SG_STAGED)
		u64map_clear(&d->sgstage);
	sp = u64map_put(&d->sgstage, key, &existed);
	if (!sp)
		return;
	/* The first entry starts the list afresh (a walk whose map never
	 * came, lost or failed without its event, is dropped). */
	if (!existed || e->dma.ret == 0)
		memset(sp, 0, sizeof(*sp));
	if (sp->n >= PT_DMA_SG_WALK)
		return;
	learn_memmap_base(an, e->dma.memmap_base);
	sp->bytes += e->dma.size;
	sp->r[sp->n].pfn = U64MAP_EMPTY;
	sp->r[sp->n].npages = 0;
	if (ptr_to_pfn(an, e->dma.page, &pfn)) {
		sp->r[sp->n].npages = span(an, e->dma.offset, e->dma.size, &pfn);
		sp->r[sp->n].pfn = pfn;
	}
	sp->n++;
}

/* An sg list mapped: its staged entries become its pages and bytes. */
static void sg_mapped(struct analyzer *an, uint64_t key, struct pt_dma_map *m)
{
	struct pt_dma *d = &an->dma;
	struct pt_dma_sg_pages *st = u64map_get(&d->sgstage, key), *sp;
	uint32_t i;

	if (!st)
		return;
	sp = u64map_put(&d->sgpages, key, NULL);
	if (sp) {
		*sp = *st;
		m->bytes = sp->bytes;
		/* (32-bit kprobes cannot say so before they walk) */
		if (sp->n >= PT_DMA_SG_WALK && m->size > sp->n)
			m->sg_more = 1;
		for (i = 0; i < sp->n && i < PT_DMA_SG_WALK; i++)
			if (sp->r[i].npages)
				index_pages(d, key, sp->r[i].pfn, sp->r[i].npages, 1);
	}
	u64map_del(&d->sgstage, key);
}

/* An sg list unmapped: its pages no longer are. */
static void sg_unmapped(struct pt_dma *d, uint64_t key)
{
	struct pt_dma_sg_pages *sp = u64map_get(&d->sgpages, key);
	uint32_t i;

	if (!sp)
		return;
	for (i = 0; i < sp->n && i < PT_DMA_SG_WALK; i++)
		if (sp->r[i].npages)
			index_pages(d, key, sp->r[i].pfn, sp->r[i].npages, -1);
	u64map_del(&d->sgpages, key);
}

static void map_done(struct analyzer *an, const struct pt_event *e)
{
	struct pt_dma *d = &an->dma;
	uint32_t api = api_of(e);
	uint64_t key, pfn = 0;
	uint32_t npages = 0;
	struct pt_dma_map *m;
	bool existed;

	key = dma_key(api, e->dma.dev, e->dma.handle);
	if (map_failed(e)) {
		d->st.failed++;
		if (api == PT_DMA_SG)
			u64map_del(&d->sgstage, key);
		return;
	}
	if (api == PT_DMA_PAGE && (e->flags & PT_F_DMA_PHYS) && !(e->flags & PT_F_DMA_MMIO)) {
		/* A dma: tracepoint's physical address: the page is its pfn. */
		pfn = e->dma.page >> an->ki.page_shift;
		npages = span(an, e->dma.page & ((1ULL << an->ki.page_shift) - 1), e->dma.size,
			      &pfn);
	} else if (api == PT_DMA_PAGE && !(e->flags & PT_F_DMA_MMIO)) {
		learn_memmap_base(an, e->dma.memmap_base);
		if (ptr_to_pfn(an, e->dma.page, &pfn))
			npages = span(an, e->dma.offset, e->dma.size, &pfn);
		else
			pfn = 0;
	}
	if (api == PT_DMA_COHERENT || api == PT_DMA_ALLOC_PAGES)
		d->st.allocs++;
	else
		d->st.maps++;
	u64map_del(&d->gone, key);
	m = u64map_put(&d->maps, key, &existed);
	if (!m)
		return;
	d->st.live++;
	if (existed && m->count) {
		/* The same page mapped again for the device: kept as a count,
		 * the first mapping's details judge the unmaps (and count). */
		m->count++;
		d->st.live_bytes += m->bytes;
		if (api == PT_DMA_SG)
			u64map_del(&d->sgstage, key);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->dev = e->dma.dev;
	m->handle = e->dma.handle;
	m->size = e->dma.size;
	m->dir = e->dma.dir;
	m->ts = e->ts;
	m->caller = e->ip;
	m->stack_id = e->stack_id;
	m->tgid = e->tgid;
	m->api = api;
	m->count = 1;
	m->module = (int8_t)module_of_event(an, e);
	m->pfn = npages ? pfn : 0;
	m->npages = npages;
	m->bytes = api == PT_DMA_SG ? 0 : e->dma.size;
	m->sg_more = !!(e->flags & PT_F_DMA_SG_MORE);
	if (npages)
		index_pages(d, key, pfn, npages, 1);
	if (api == PT_DMA_SG)
		sg_mapped(an, key, m);
	d->st.live_bytes += m->bytes;
}

/*
 * kprobe mode: an entry waits for its return (the handle, the caller), per
 * thread, two deep: an interrupt's map (a NIC refilling its ring from a
 * softirq) may come between a call's entry and its return; returns come
 * back newest first.
 */
static void map_pending(struct analyzer *an, const struct pt_event *e)
{
	struct dma_pending *p;

	if (an->dma.pending.len >= MAX_PENDING_DMA)
		u64map_clear(&an->dma.pending);
	p = u64map_put(&an->dma.pending, e->tid, NULL);
	if (!p)
		return;
	if (p->n == 2) {		/* the oldest never returned */
		p->call[0] = p->call[1];
		p->n = 1;
		an->dma.st.ret_missed++;
	}
	p->call[p->n++] = *e;
}

static void map_ret(struct analyzer *an, const struct pt_event *e)
{
	struct dma_pending *p = u64map_get(&an->dma.pending, e->tid);
	struct pt_event site;

	if (!p || !p->n) {
		an->dma.st.ret_missed++;
		return;
	}
	site = p->call[--p->n];
	if (!p->n)
		u64map_del(&an->dma.pending, e->tid);
	site.flags &= ~PT_F_DMA_PENDING;
	site.ip = e->ip;
	if (site.type == PT_EV_DMA_ALLOC) {
		site.dma.handle = e->dma.handle;
		site.dma.page = e->dma.page;
	} else if (site.type == PT_EV_DMA_MAP) {
		site.dma.handle = e->dma.handle;
	} else {
		site.dma.ret = e->dma.ret;
	}
	map_done(an, &site);
}

/* ---------------------------------------------------------- unmaps */

static const char *api_name(uint32_t api)
{
	return api == PT_DMA_SG ? "dma_unmap_sg()" : api == PT_DMA_COHERENT ? "dma_free_coherent()" :
	       api == PT_DMA_ALLOC_PAGES ? "dma_free_pages()" : "dma_unmap_page()";
}

/* An unmap of what is not mapped: again (a second unmap), or never. */
static void bad_unmap(struct analyzer *an, const struct pt_event *e, uint32_t api, uint64_t key)
{
	const struct pt_dma_gone *g = u64map_get(&an->dma.gone, key);
	int module = module_of_event(an, e), owner = g ? (int)g->pad - 1 : -1;
	const struct pt_module_range *mr;
	struct pt_finding *f;

	if (!g) {
		an->dma.st.untracked++;
		/* Never mapped: only provable for a watched module loaded while
		 * traced (it can have mapped nothing unseen); sg lists may come
		 * from calls not traced here. */
		mr = an_module(an, module);
		if (!mr || !mr->load_ts || api == PT_DMA_SG || !an->cfg.nmodules)
			return;
	}
	if (!in_scope(an, owner, module))
		return;
	f = finding(an, PT_K_DMA_BAD_UNMAP, mix(mix(e->ip, e->stack_id), api), e);
	if (!f || f->count > 1)
		return;
	fill_dma(f, NULL, e->dma.dev, e->dma.handle, api, owner >= 0 ? owner : module);
	f->dma_size2 = e->dma.size;
	f->dma_dir2 = e->dma.dir;
	f->stack_id = e->stack_id;
	f->caller = e->ip;
	f->dma_why = g ? PT_DMA_WHY_AGAIN : PT_DMA_WHY_NEVER;
	if (g) {
		f->stack_id2 = g->stack_id;
		f->caller2 = g->caller;
	}
	snprintf(f->note, sizeof(f->note), g ?
		 "%s of a DMA address that is unmapped already (a second unmap): the first unmap is free_stack" :
		 "%s of a DMA address the device never had mapped (not by this module while traced)",
		 api_name(api));
}

/* The unmap's size (sg: entries) or direction is not the map's. */
static void judge_mismatch(struct analyzer *an, const struct pt_event *e, const struct pt_dma_map *m)
{
	bool size = e->dma.size != m->size;
	bool alloc = m->api == PT_DMA_COHERENT || m->api == PT_DMA_ALLOC_PAGES;
	bool dir = !alloc && e->dma.dir != m->dir;
	enum pt_kind kind = alloc ? PT_K_DMA_FREE_MISMATCH : PT_K_DMA_UNMAP_MISMATCH;
	struct pt_finding *f;
	int module;

	if (!size && !dir)
		return;
	f = scoped_finding(an, kind, mix(mix(mix(m->stack_id, m->caller), mix(e->ip, e->stack_id)),
					 m->api), e, m->module, &module);
	if (!f || f->count > 1)
		return;
	fill_dma(f, m, m->dev, m->handle, m->api, m->module >= 0 ? m->module : module);
	f->dma_size2 = e->dma.size;
	f->dma_dir2 = e->dma.dir;
	f->stack_id2 = e->stack_id;
	f->caller2 = e->ip;
	if (alloc)
		snprintf(f->note, sizeof(f->note),
			 "%s DMA buffer of %llu bytes freed as %llu bytes: %s must get the size %s was given",
			 m->api == PT_DMA_COHERENT ? "coherent" : "dma_alloc_pages()",
			 (unsigned long long)m->size, (unsigned long long)e->dma.size,
			 m->api == PT_DMA_COHERENT ? "dma_free_coherent()" : "dma_free_pages()",
			 m->api == PT_DMA_COHERENT ? "dma_alloc_coherent()" : "dma_alloc_pages()");
	else if (m->api == PT_DMA_SG)
		snprintf(f->note, sizeof(f->note),
			 "dma_unmap_sg() with %llu entries, %s, of a list mapped with %llu, %s: unmap with the nents and direction given to dma_map_sg() (not its return value)",
			 (unsigned long long)e->dma.size, pt_dma_dir_name(e->dma.dir),
			 (unsigned long long)m->size, pt_dma_dir_name(m->dir));
	else
		snprintf(f->note, sizeof(f->note),
			 "DMA mapping of %llu bytes, %s, unmapped as %llu bytes, %s: unmap with the size and direction it was mapped with",
			 (unsigned long long)m->size, pt_dma_dir_name(m->dir),
			 (unsigned long long)e->dma.size, pt_dma_dir_name(e->dma.dir));
}

static void on_unmap(struct analyzer *an, const struct pt_event *e)
{
	struct pt_dma *d = &an->dma;
	uint32_t api = api_of(e);
	uint64_t key = dma_key(api, e->dma.dev, e->dma.handle);
	struct pt_dma_map *m = u64map_get(&d->maps, key), gone_m;
	struct pt_dma_gone *g;
	int module;

	if (!m) {
		bad_unmap(an, e, api, key);
		return;
	}
	judge_mismatch(an, e, m);
	if (api == PT_DMA_COHERENT || api == PT_DMA_ALLOC_PAGES)
		d->st.frees++;
	else
		d->st.unmaps++;
	d->st.live--;
	d->st.live_bytes -= m->bytes;
	if (--m->count)
		return;
	gone_m = *m;
	u64map_del(&d->maps, key);
	if (gone_m.npages)
		index_pages(d, key, gone_m.pfn, gone_m.npages, -1);
	if (api == PT_DMA_SG)
		sg_unmapped(d, key);
	if (d->gone.len >= MAX_GONE_DMA)
		u64map_clear(&d->gone);
	module = gone_m.module >= 0 ? gone_m.module : module_of_event(an, e);
	g = u64map_put(&d->gone, key, NULL);
	if (g) {
		g->caller = e->ip;
		g->stack_id = e->stack_id;
		g->pad = (uint32_t)(module + 1);	/* the owner, + 1 */
	}
}

void dma_event(struct analyzer *an, const struct pt_event *e, const char *name)
{
	char *n;

	switch (e->type) {
	case PT_EV_DMA_DEV:
		if (e->a0 == U64MAP_EMPTY)
			break;
		n = u64map_put(&an->dma.devs, e->a0, NULL);
		if (n && name)
			snprintf(n, PT_MODNAME_LEN, "%s", name);
		break;
	case PT_EV_DMA_MAP:
	case PT_EV_DMA_ALLOC:
	case PT_EV_DMA_MAP_SG:
		if (e->flags & PT_F_DMA_PENDING)
			map_pending(an, e);
		else
			map_done(an, e);
		break;
	case PT_EV_DMA_RET:
		map_ret(an, e);
		break;
	case PT_EV_DMA_SG_ENT:
		sg_entry(an, e);
		break;
	case PT_EV_DMA_UNMAP:
	case PT_EV_DMA_UNMAP_SG:
	case PT_EV_DMA_FREE:
		on_unmap(an, e);
		break;
	}
}

/* ------------------------------------------------- page frees, the end */

void dma_check_free(struct analyzer *an, const struct pt_event *e, uint64_t pfn, uint64_t n)
{
	struct pt_dma *d = &an->dma;
	uint64_t i;

	for (i = 0; i < n && d->pfns.len && pfn + i != U64MAP_EMPTY; i++) {
		const struct dma_pfn *p = u64map_get(&d->pfns, pfn + i);
		struct pt_dma_map *m;
		struct pt_finding *f;
		int module;

		if (!p || !(m = u64map_get(&d->maps, p->key)) || m->reported)
			continue;
		module = module_of_event(an, e);
		if (!in_scope(an, m->module, module))
			continue;
		m->reported = 1;
		f = finding(an, PT_K_DMA_FREE_WHILE_MAPPED,
			    mix(mix(m->stack_id, m->caller), e->stack_id), e);
		if (!f || f->count > 1)
			continue;
		fill_dma(f, m, m->dev, m->handle, m->api, m->module >= 0 ? m->module : module);
		f->pfn = pfn + i;
		f->stack_id2 = e->stack_id;
		f->caller2 = free_caller(an, e);
		if (m->api == PT_DMA_SG)
			snprintf(f->note, sizeof(f->note),
				 "page freed while it is still in a DMA-mapped sg list (%llu entries, %llu bytes%s, %s): the device may still write into memory the allocator hands to someone else; dma_unmap_sg() before the free",
				 (unsigned long long)m->size, (unsigned long long)m->bytes,
				 m->sg_more ? " in the entries read" : "", pt_dma_dir_name(m->dir));
		else
			snprintf(f->note, sizeof(f->note),
				 "page freed while it is still DMA-mapped (%llu bytes, %s): the device may still write into memory the allocator hands to someone else; dma_unmap_page() before the free",
				 (unsigned long long)m->size, pt_dma_dir_name(m->dir));
	}
}

/* Under -m: a watched module's mapping live at the end is leaked if the
 * module was unloaded (or it was made by an earlier load), else held. */
void dma_finish(struct analyzer *an, uint64_t now)
{
	struct pt_dma *d = &an->dma;
	size_t i;

	(void)now;
	if (!an->cfg.nmodules)
		return;
	for (i = 0; i < d->maps.cap; i++) {
		const struct pt_dma_map *m;
		const struct pt_module_range *mr;
		struct pt_finding *f;
		bool proven;
		enum pt_kind kind;

		if (!u64map_used(&d->maps, i))
			continue;
		m = u64map_val(&d->maps, i);
		mr = an_module(an, m->module);
		if (!mr)
			continue;
		proven = !mr->loaded || (mr->load_ts && m->ts < mr->load_ts);
		kind = proven ? PT_K_DMA_LEAK : PT_K_DMA_HELD_AT_EXIT;
		f = finding(an, kind, mix(mix(m->stack_id, m->caller), mix(m->dev, m->api)), NULL);
		if (!f)
			continue;
		f->dma_bytes += map_bytes(m);
		if (f->count > 1)
			continue;
		fill_dma(f, m, m->dev, m->handle, m->api, m->module);
		fill_comm(an, f, m->tgid);
		f->ts = m->ts;
		f->age_ns = an->last_ts > m->ts ? an->last_ts - m->ts : 0;
		snprintf(f->note, sizeof(f->note), proven ?
			 "DMA mapping made by the module and still mapped at its unload" :
			 "DMA mapping made by the module, which is still loaded at exit: not a leak until it is unloaded (rmmod it inside COMMAND for a verdict)");
	}
}

/* ------------------------------------------------------------ readers */

const struct pt_dma_stats *an_dma_stats(const struct analyzer *an)
{
	return &an->dma.st;
}

const char *an_dma_dev_name(const struct analyzer *an, uint64_t dev)
{
	const char *n = u64map_get(&an->dma.devs, dev);

	return n ? n : "";
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct pt_dma_usage *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->mappings != y->mappings)
		return x->mappings < y->mappings ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

int an_dma_usage(const struct analyzer *an, bool by_site, struct pt_dma_usage **out,
		 unsigned int *n)
{
	const struct pt_dma *d = &an->dma;
	struct pt_dma_usage *u = NULL;
	unsigned int nu = 0, cap = 0, j;
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < d->maps.cap; i++) {
		const struct pt_dma_map *m;
		uint64_t key;

		if (!u64map_used(&d->maps, i))
			continue;
		m = u64map_val(&d->maps, i);
		key = by_site ? mix(mix((uint64_t)(uint32_t)m->stack_id, m->caller), m->dev) : m->dev;
		/* Few devices and sites: a linear search. */
		for (j = 0; j < nu && u[j].key != key; j++)
			;
		if (j == nu) {
			if (nu == cap) {
				struct pt_dma_usage *g;

				cap = cap ? cap * 2 : 16;
				g = realloc(u, cap * sizeof(*u));
				if (!g) {
					free(u);
					return -1;
				}
				u = g;
			}
			memset(&u[nu], 0, sizeof(u[nu]));
			u[nu].key = key;
			u[nu].dev = m->dev;
			u[nu].caller = m->caller;
			u[nu].stack_id = by_site ? m->stack_id : -1;
			u[nu].module = m->module;
			nu++;
		}
		u[j].mappings += m->count;
		u[j].bytes += map_bytes(m);
	}
	if (nu)
		qsort(u, nu, sizeof(*u), by_bytes_desc);
	*out = u;
	*n = nu;
	return 0;
}
