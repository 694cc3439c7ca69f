// SPDX-License-Identifier: GPL-2.0
/*
 * The analyzer's state and its plain helpers, the bottom of the analyzer:
 * the getters of its public API, the thread table's room, stacks through
 * the caller's callback, the kernel's memmap base and struct page pointers
 * to pfns, the sampling thresholds and the loader's counts. It must not
 * judge events, make findings or call any other analyzer file: scope, the
 * findings table, the judges and the dispatcher are built on it.
 */
#include <stdlib.h>
#include <string.h>
#include "analyzer_state.h"

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

const struct pt_klocal *an_klocal(const struct analyzer *an)
{
	return &an->kl;
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

const struct pt_finding *an_outstanding(const struct analyzer *an, unsigned int *n)
{
	*n = an->nout;
	return an->out;
}

/* The kernel's own memmap base (vmemmap_base, mem_map), read by BPF: it
 * wins over one derived from paired events. */
void learn_memmap_base(struct analyzer *an, uint64_t base)
{
	if (!base || (an->memmap_known && an->memmap_base == base))
		return;
	if (an->memmap_known)
		an->st.memmap_conflicts++;
	an->memmap_base = base;
	an->memmap_known = true;
	an->memmap_kernel = true;
}

void an_set_bases(struct analyzer *an, uint64_t memmap_base, uint64_t direct_base)
{
	learn_memmap_base(an, memmap_base);
	if (direct_base) {
		an->direct_base = direct_base;
		an->direct_known = true;
	}
}

bool an_bases_known(const struct analyzer *an)
{
	return an->memmap_known && an->direct_known && an->ki.struct_page_size;
}

bool ptr_to_pfn(const struct analyzer *an, uint64_t ptr, uint64_t *pfn)
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
