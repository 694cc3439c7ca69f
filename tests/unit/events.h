/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny model of what the kernel emits, for tests: each helper produces the
 * event sequence the BPF programs see for one kernel API call (amd64 layout:
 * vmemmap at VMEMMAP, direct map at DIRECT, 64-byte struct page).
 */
#ifndef PT_TEST_EVENTS_H
#define PT_TEST_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "pagetrack.h"

#define VMEMMAP		0xffffea0000000000ULL
#define DIRECT		0xffff888000000000ULL
#define PAGE_SZ		64ULL
#define GFP_KERNEL	0xcc0u
#define GFP_HIGHUSER	0x100cc2u
#define GFP_COMP_FLAG	0x4000u

#define PTR(pfn)	(VMEMMAP + (pfn) * PAGE_SZ)
#define ADDR(pfn)	(DIRECT + ((uint64_t)(pfn) << 12))

/* Stack ids the tests use; stack_ips() in the test gives their frames. */
#define STK_MODULE	1	/* has a frame inside the watched module */
#define STK_OTHER	2	/* plain kernel code */
#define STK_MODULE2	3	/* another module site */

#define MOD_BASE	0xffffffffc0a00000ULL
#define MOD_SIZE	0x4000ULL
#define MOD_IP		(MOD_BASE + 0x120)
#define MOD_IP2		(MOD_BASE + 0x340)
#define KERNEL_IP	0xffffffff81234567ULL
#define STK_INIT	4	/* has a frame in the module's init text */
#define INIT_BASE	0xffffffffc0b00000ULL
#define INIT_SIZE	0x1000ULL
#define INIT_IP		(INIT_BASE + 0x40)

typedef void (*sink_fn)(void *ctx, const struct pt_event *e, const char *modname);

struct kmodel {
	sink_fn sink;
	void *ctx;
	uint64_t ts;
	uint32_t tgid, tid;
	int32_t stack;		/* stack id for events that carry one */
	uint64_t ip;		/* caller address for API entry events */
};

/* A model whose events go to sink(ctx): pid 4242, in the watched module. */
static inline void km_init(struct kmodel *k, sink_fn sink, void *ctx)
{
	memset(k, 0, sizeof(*k));
	k->sink = sink;
	k->ctx = ctx;
	k->tgid = 4242;
	k->tid = 4242;
	k->stack = STK_MODULE;
	k->ip = MOD_IP;
}

static inline void km_emit(struct kmodel *k, uint32_t type, uint64_t a0, uint32_t order,
			   void (*fill)(struct pt_event *e, void *arg), void *arg)
{
	struct pt_event e;

	memset(&e, 0, sizeof(e));
	e.ts = (k->ts += 1000);
	e.type = type;
	e.a0 = a0;
	e.order = order;
	e.tgid = k->tgid;
	e.tid = k->tid;
	e.stack_id = k->stack;
	e.ip = k->ip;
	strcpy(e.comm, "test");
	if (fill)
		fill(&e, arg);
	k->sink(k->ctx, &e, NULL);
}

static inline void set_gfp(struct pt_event *e, void *arg)
{
	e->gfp = *(uint32_t *)arg;
}

static inline void set_flags(struct pt_event *e, void *arg)
{
	e->flags = *(uint32_t *)arg;
}

/* FREE_ADDR carrying the kernel's own memmap base, as BPF reads it. */
static inline void set_memmap(struct pt_event *e, void *arg)
{
	(void)arg;
	e->a1 = VMEMMAP;
}

static inline void set_aux(struct pt_event *e, void *arg)
{
	e->aux = *(uint32_t *)arg;
}

/* alloc_pages(gfp, order) returning pfn */
static inline void km_alloc_pages(struct kmodel *k, uint64_t pfn, uint32_t order, uint32_t gfp)
{
	km_emit(k, PT_EV_PAGE_ALLOC, pfn, order, set_gfp, &gfp);
	km_emit(k, PT_EV_ALLOC_RET, PTR(pfn), 0, NULL, NULL);
}

static inline void km_get_free_pages(struct kmodel *k, uint64_t pfn, uint32_t order, uint32_t gfp)
{
	km_alloc_pages(k, pfn, order, gfp);
	km_emit(k, PT_EV_GFP_RET, ADDR(pfn), 0, NULL, NULL);
}

/* __free_pages(page, order) where the last reference drops */
static inline void km_free_pages_api(struct kmodel *k, uint64_t pfn, uint32_t order,
				     uint32_t refcount)
{
	km_emit(k, PT_EV_FREE_PAGES, PTR(pfn), order, set_aux, &refcount);
}

static inline void km_page_free(struct kmodel *k, uint64_t pfn, uint32_t order)
{
	km_emit(k, PT_EV_PAGE_FREE, pfn, order, NULL, NULL);
}

static inline void km___free_pages(struct kmodel *k, uint64_t pfn, uint32_t order)
{
	km_free_pages_api(k, pfn, order, 1);
	km_page_free(k, pfn, order);
}

/* free_pages(addr, order) -> __free_pages(virt_to_page(addr), order) */
static inline void km_free_pages_addr(struct kmodel *k, uint64_t addr, uint64_t pfn,
				      uint32_t order)
{
	km_emit(k, PT_EV_FREE_ADDR, addr, order, NULL, NULL);
	km___free_pages(k, pfn, order);
}

static inline void set_a1(struct pt_event *e, void *arg)
{
	e->a1 = *(uint64_t *)arg;
	e->a0 = 0;
}

static inline void km_kmap(struct kmodel *k, uint64_t pfn)
{
	uint64_t vaddr = 0xfff00000ULL + pfn;

	km_emit(k, PT_EV_KMAP, PTR(pfn), 0, NULL, NULL);
	km_emit(k, PT_EV_KMAP_RET, 0, 0, set_a1, &vaddr);
}

static inline void km_kunmap(struct kmodel *k, uint64_t pfn)
{
	km_emit(k, PT_EV_KUNMAP, PTR(pfn), 0, NULL, NULL);
}

struct remap_args {
	uint64_t start, end, flags, addr, pfn;
	uint32_t size;
};

static inline void set_remap(struct pt_event *e, void *arg)
{
	struct remap_args *r = arg;

	e->a0 = r->start;
	e->a1 = r->end;
	e->a2 = r->flags;
	e->a3 = r->addr;
	e->a4 = r->pfn;
	e->aux = r->size;
}

static inline void set_ret(struct pt_event *e, void *arg)
{
	e->ret = *(int32_t *)arg;
}

static inline void km_remap(struct kmodel *k, struct remap_args *r, int32_t ret)
{
	km_emit(k, PT_EV_REMAP, 0, 0, set_remap, r);
	km_emit(k, PT_EV_REMAP_RET, 0, 0, set_ret, &ret);
}

struct user_map_args {
	uint64_t uaddr, vm_flags;
	uint32_t fault_flags;
};

static inline void set_user_map(struct pt_event *e, void *arg)
{
	struct user_map_args *u = arg;

	e->a1 = u->uaddr;
	e->a2 = u->vm_flags;
	e->aux = u->fault_flags;
}

static inline void km_user_map(struct kmodel *k, uint64_t pfn, uint64_t vm_flags)
{
	struct user_map_args u = { 0x7f0000000000ULL + (pfn << 12), vm_flags, 0 };

	km_emit(k, PT_EV_USER_MAP, PTR(pfn), 0, set_user_map, &u);
}

static inline void km_split(struct kmodel *k, uint64_t pfn, uint32_t order)
{
	km_emit(k, PT_EV_SPLIT, PTR(pfn), order, NULL, NULL);
}

static inline void set_sig(struct pt_event *e, void *arg)
{
	e->aux = 7;
	e->tgid = *(uint32_t *)arg;
}

static inline void km_sigbus(struct kmodel *k, uint32_t tgid)
{
	km_emit(k, PT_EV_SIGNAL, 0, 0, set_sig, &tgid);
}

/* xorshift64*: a fixed-seed stand-in for BPF's bpf_get_prandom_u32() */
static inline uint32_t km_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dULL) >> 32);
}

static inline void set_sampled(struct pt_event *e, void *arg)
{
	e->gfp = GFP_KERNEL;
	if (*(bool *)arg)
		e->flags = PT_F_SAMPLED;
	else
		e->stack_id = -1;
}

/* mm_page_alloc as BPF emits it with stacks sampled by pages (thresh as
 * from pt_sample_thresholds): a stack only when the block is drawn. */
static inline void km_alloc_sampled(struct kmodel *k, uint64_t pfn, uint32_t order,
				    const uint64_t *thresh, uint64_t *seed)
{
	bool drawn = km_rand(seed) < thresh[order];

	km_emit(k, PT_EV_PAGE_ALLOC, pfn, order, set_sampled, &drawn);
}

/*
 * One site (STK_MODULE) leaks `leak` pages in order-0 blocks from pfn 2^21
 * up, amid another site's (STK_OTHER) churn: 4 blocks allocated and freed
 * per leaked page, every 8th of them order 3. Tracepoint events only.
 */
static inline void km_sampled_leak_run(struct kmodel *k, const uint64_t *thresh,
				       uint64_t leak, uint64_t seed)
{
	uint64_t i, j, s = seed | 1;

	for (i = 0; i < leak; i++) {
		k->stack = STK_MODULE;
		km_alloc_sampled(k, (1ULL << 21) + i, 0, thresh, &s);
		k->stack = STK_OTHER;
		for (j = 0; j < 4; j++) {
			uint32_t order = (i * 4 + j) % 8 ? 0 : 3;

			km_alloc_sampled(k, 0x10000 + j * 8, order, thresh, &s);
			k->stack = -1;
			km_page_free(k, 0x10000 + j * 8, order);
			k->stack = STK_OTHER;
		}
	}
}

#endif
