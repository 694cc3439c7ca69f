// SPDX-License-Identifier: GPL-2.0
/*
 * The findings table: kind names and severities, a finding grouped under
 * (kind, key), what every finding is filled with (block, free site, owner,
 * process). Built on the state and module scope (whether a finding is in
 * -m's scope); the judges make findings through it. It must not judge
 * events nor call a judge or the dispatcher.
 */
#include <stdlib.h>
#include <string.h>
#include "analyzer_state.h"

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
	[PT_K_DMA_LEAK] = "dma_leak",
	[PT_K_DMA_HELD_AT_EXIT] = "dma_held_at_exit",
	[PT_K_DMA_BAD_UNMAP] = "dma_bad_unmap",
	[PT_K_DMA_UNMAP_MISMATCH] = "dma_unmap_mismatch",
	[PT_K_DMA_FREE_WHILE_MAPPED] = "dma_free_while_mapped",
	[PT_K_DMA_FREE_MISMATCH] = "dma_free_mismatch",
};

const char *pt_kind_name(enum pt_kind k)
{
	return k < PT_K_MAX ? kind_names[k] : "unknown";
}

bool pt_kind_is_error(enum pt_kind k)
{
	return k != PT_K_KMAP_PARTIAL && k != PT_K_PKMAP_PRESSURE &&
	       k != PT_K_EVENTS_LOST && k != PT_K_KMAP_LOCAL_DEPTH &&
	       k != PT_K_HELD_AT_EXIT && k != PT_K_DMA_HELD_AT_EXIT;
}

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
	f->stack_id3 = -1;
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

void fill_comm(const struct analyzer *an, struct pt_finding *f, uint32_t tgid)
{
	const char *c = u64map_get(&an->comms, tgid);

	f->tgid = tgid;
	if (c)
		memcpy(f->comm, c, PT_COMM_LEN);
}
