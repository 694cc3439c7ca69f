// SPDX-License-Identifier: GPL-2.0
/*
 * Every finding kind, and every pitfall as a negative case, from synthetic
 * event streams through the real analyzer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>
#include "analyzer.h"
#include "options.h"
#include "verdict.h"
#include "ksyms.h"
#include "periodic.h"
#include "outfile.h"
#include "events.h"
#include "stack_table.h"
#include "report.h"
#include "u64map.h"
#include "escape.h"
#include "ci.h"
#include "session.h"

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	an_event(ctx, e, modname);
}

struct fx {
	struct analyzer *an;
	struct kmodel k;
};

/* An analyzer that has seen nothing yet: struct page and direct-map bases unknown. */
static struct fx fx_cold(bool api, bool scoped, uint32_t last_pkmap)
{
	struct pt_config cfg = { .api_events = api, .pkmap_pct = 50 };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = last_pkmap,
				     .max_pfn = 1 << 22 };
	struct fx f;

	if (scoped) {
		cfg.nmodules = 1;
		strcpy(cfg.modules[0], "drv");
	}
	f.an = an_new(&cfg, &ki, stack_ips, NULL);
	assert_non_null(f.an);
	if (scoped)
		an_module_range(f.an, "drv", MOD_BASE, MOD_SIZE);
	memset(&f.k, 0, sizeof(f.k));
	f.k.sink = sink;
	f.k.ctx = f.an;
	f.k.tgid = 100;
	f.k.tid = 100;
	f.k.stack = STK_MODULE;
	f.k.ip = MOD_IP;
	return f;
}

static struct fx fx_new(bool api, bool scoped, uint32_t last_pkmap)
{
	struct fx f = fx_cold(api, scoped, last_pkmap);

	/* Teach the memmap and direct-map bases, as any allocation would. */
	km_get_free_pages(&f.k, 0x500, 0, GFP_KERNEL);
	km_free_pages_addr(&f.k, ADDR(0x500), 0x500, 0);
	return f;
}

static const struct pt_finding *only(struct fx *f, enum pt_kind kind)
{
	unsigned int n, i;
	const struct pt_finding *fs;

	an_finish(f->an, 0);
	fs = an_findings(f->an, &n);
	for (i = 0; i < n; i++)
		assert_true(strlen(fs[i].note) < sizeof(fs[i].note) - 1);	/* never cut */
	for (i = 0; i < n; i++)
		if (fs[i].kind != kind)
			fail_msg("unexpected finding %s (%s) while expecting only %s",
				 pt_kind_name(fs[i].kind), fs[i].note, pt_kind_name(kind));
	for (i = 0; i < n; i++)
		if (fs[i].kind == kind)
			return &fs[i];
	fail_msg("expected a %s finding, got none", pt_kind_name(kind));
	return NULL;
}

/* drv unloaded (module:module_free), after every event so far. */
static void unload_drv(struct fx *f)
{
	struct pt_event e = { .type = PT_EV_MODULE_FREE, .ts = f->k.ts + 1 };

	an_event(f->an, &e, "drv");
}

static void expect_none(struct fx *f)
{
	unsigned int n, i;
	const struct pt_finding *fs;

	an_finish(f->an, 0);
	fs = an_findings(f->an, &n);
	for (i = 0; i < n; i++)
		print_error("unexpected finding %s: %s\n", pt_kind_name(fs[i].kind), fs[i].note);
	assert_int_equal(n, 0);
}

static unsigned int count_kind(struct fx *f, enum pt_kind kind)
{
	unsigned int n, i, c = 0;
	const struct pt_finding *fs = an_findings(f->an, &n);

	for (i = 0; i < n; i++)
		c += fs[i].kind == kind;
	return c;
}

/* ------------------------------------------------------------ positives */

static void test_clean_alloc_free(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0x1000, 3, GFP_HIGHUSER);
	km___free_pages(&f.k, 0x1000, 3);
	expect_none(&f);
	an_free(f.an);
}

static void test_leak(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1002, 1, GFP_HIGHUSER);
	unload_drv(&f);	/* a leak is proven at the unload */
	x = only(&f, PT_K_LEAK);
	assert_int_equal(x->order, 1);
	assert_int_equal(x->pages, 2);
	assert_int_equal(x->count, 1);
	assert_int_equal(x->module, 0);
	assert_true(x->error);
	assert_int_equal(an_errors(f.an), 1);
	an_free(f.an);
}

static void test_unscoped_outstanding_is_not_a_finding(void **state)
{
	struct fx f = fx_new(true, false, 0);
	const struct pt_finding *x;
	unsigned int n;

	(void)state;
	km_alloc_pages(&f.k, 0x1002, 1, GFP_HIGHUSER);
	km_alloc_pages(&f.k, 0x1010, 3, GFP_HIGHUSER);
	expect_none(&f);
	x = an_outstanding(f.an, &n);
	assert_int_equal(n, 2);
	assert_int_equal(x[0].pages, 8);	/* most pages first */
	assert_int_equal(x[1].pages, 2);
	an_free(f.an);
}

static void test_leaks_grouped_by_site(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x2000, 0, GFP_KERNEL);
	km_alloc_pages(&f.k, 0x2001, 0, GFP_KERNEL);
	km_alloc_pages(&f.k, 0x2002, 0, GFP_KERNEL);
	unload_drv(&f);	/* a leak is proven at the unload */
	x = only(&f, PT_K_LEAK);
	assert_int_equal(x->count, 3);
	assert_int_equal(x->pages, 3);
	an_free(f.an);
}

static void test_order_mismatch_api(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&f.k, 0x1000, 2);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->order, 3);
	assert_int_equal(x->free_order, 2);
	assert_int_equal(x->pages, 4);	/* leaked */
	assert_int_equal(x->stack_id, STK_MODULE);
	assert_true(x->error);
	an_free(f.an);
}

static void test_getfree_order_mismatch(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_get_free_pages(&f.k, 0x1004, 2, GFP_KERNEL);
	km_free_pages_addr(&f.k, ADDR(0x1004), 0x1004, 1);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->order, 2);
	assert_int_equal(x->free_order, 1);
	assert_int_equal(x->pages, 2);
	assert_non_null(strstr(x->note, "free_pages()"));
	an_free(f.an);
}

/*
 * An interrupt frees a page of its own in the thread's name between
 * free_pages()'s probe and its inner __free_pages()'s (seen on armhf): the
 * inner call must still be skipped, and the interrupt's free judged alone.
 */
static void test_getfree_interrupted(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_get_free_pages(&f.k, 0x1004, 2, GFP_KERNEL);
	km_alloc_pages(&f.k, 0x2000, 0, GFP_KERNEL);
	km_get_free_pages(&f.k, 0x3000, 0, GFP_KERNEL);
	km_emit(&f.k, PT_EV_FREE_ADDR, ADDR(0x1004), 1, NULL, NULL);
	km___free_pages(&f.k, 0x2000, 0);		/* the interrupt's */
	km_free_pages_addr(&f.k, ADDR(0x3000), 0x3000, 0);	/* nested too */
	km___free_pages(&f.k, 0x1004, 1);		/* free_pages()'s own */
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->count, 1);
	assert_int_equal(x->pages, 2);
	assert_int_equal(x->free_order, 1);
	an_free(f.an);
}

static void test_order_mismatch_larger(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1000, 1, GFP_KERNEL);
	km___free_pages(&f.k, 0x1000, 2);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->order, 1);
	assert_int_equal(x->free_order, 2);
	assert_non_null(strstr(x->note, "does not own"));
	an_free(f.an);
}

static void test_order_mismatch_tracepoint_only(void **state)
{
	struct fx f = fx_new(false, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_emit(&f.k, PT_EV_PAGE_ALLOC, 0x3000, 3, set_gfp, &(uint32_t){ GFP_KERNEL });
	km_page_free(&f.k, 0x3000, 2);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->order, 3);
	assert_int_equal(x->free_order, 2);
	an_free(f.an);
}

static void test_double_free_refcount(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1000, 0, GFP_KERNEL);
	km___free_pages(&f.k, 0x1000, 0);
	km_free_pages_api(&f.k, 0x1000, 0, 0);	/* refcount already 0 */
	x = only(&f, PT_K_DOUBLE_FREE);
	assert_int_equal(x->pfn, 0x1000);
	assert_non_null(strstr(x->note, "refcount"));
	an_free(f.an);
}

static void test_double_free_via_free_pages(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_get_free_pages(&f.k, 0x1010, 1, GFP_KERNEL);
	km_free_pages_addr(&f.k, ADDR(0x1010), 0x1010, 1);
	km_emit(&f.k, PT_EV_FREE_ADDR, ADDR(0x1010), 1, NULL, NULL);
	km_free_pages_api(&f.k, 0x1010, 1, 0);
	only(&f, PT_K_DOUBLE_FREE);
	an_free(f.an);
}

/* The report names the first free, kept from the block's whole free. */
static void test_double_free_names_first_free(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1040, 2, GFP_KERNEL);
	f.k.stack = STK_MODULE2;
	km___free_pages(&f.k, 0x1040, 2);
	f.k.stack = STK_MODULE;
	km_free_pages_api(&f.k, 0x1040, 2, 0);
	x = only(&f, PT_K_DOUBLE_FREE);
	assert_int_equal(x->stack_id, STK_MODULE2);
	assert_int_equal(x->stack_id2, STK_MODULE);
	assert_int_equal(x->order, 2);
	an_free(f.an);
}

/*
 * A page of a freed order-3 block reallocated alone: the block's free is
 * forgotten, so a later "double free" of the old block names no first free
 * that is no longer true.
 */
static void test_double_free_forgets_reallocated_block(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1080, 3, GFP_KERNEL);
	f.k.stack = STK_MODULE2;
	km___free_pages(&f.k, 0x1080, 3);
	f.k.stack = STK_OTHER;
	km_alloc_pages(&f.k, 0x1083, 0, GFP_KERNEL);	/* inside the freed block */
	km___free_pages(&f.k, 0x1083, 0);
	f.k.stack = STK_MODULE;
	km_free_pages_api(&f.k, 0x1080, 3, 0);
	x = only(&f, PT_K_DOUBLE_FREE);
	assert_int_equal(x->stack_id, -1);
	assert_int_equal(x->order, 3);
	an_free(f.an);
}

/*
 * Both bases as BPF read them (an_set_bases, amd64: the allocator return
 * probes are then not attached): a free_pages() by address is judged with
 * no return ever seen. Without them it cannot be (counted unjudged).
 */
static void test_bases_read_by_bpf(void **state)
{
	const struct pt_finding *x;
	int set;

	(void)state;
	for (set = 0; set < 2; set++) {
		struct fx f = fx_cold(true, false, 0);

		if (set)
			an_set_bases(f.an, VMEMMAP, DIRECT);
		assert_int_equal(an_bases_known(f.an), set);
		km_emit(&f.k, PT_EV_PAGE_ALLOC, 0x2000, 3, NULL, NULL);
		km_emit(&f.k, PT_EV_FREE_ADDR, ADDR(0x2000), 2, NULL, NULL);
		assert_int_equal(an_stats(f.an)->unjudged_frees, !set);
		if (set) {
			x = only(&f, PT_K_ORDER_MISMATCH);
			assert_int_equal(x->pfn, 0x2000);
			assert_int_equal(x->order, 3);
			assert_int_equal(x->free_order, 2);
		}
		an_free(f.an);
	}
}

static void test_bad_free_struct_page(void **state)
{
	struct fx f = fx_new(true, true, 0);
	unsigned int n;
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1000, 3, GFP_KERNEL);
	/* free_pages((unsigned long)page, 3): a struct page * as address */
	km_emit(&f.k, PT_EV_FREE_ADDR, PTR(0x1000), 3, NULL, NULL);
	km_free_pages_api(&f.k, 0x77777, 3, 0);	/* garbage virt_to_page() */
	unload_drv(&f);	/* a leak is proven at the unload */
	an_finish(f.an, 0);
	x = an_findings(f.an, &n);
	assert_int_equal(count_kind(&f, PT_K_BAD_FREE), 1);
	assert_int_equal(x[0].kind, PT_K_BAD_FREE);
	assert_non_null(strstr(x[0].note, "struct page pointer"));
	assert_non_null(strstr(x[0].note, "__free_pages()"));
	/* The block itself was never freed: still a leak, nothing else. */
	assert_int_equal(count_kind(&f, PT_K_LEAK), 1);
	assert_int_equal(n, 2);
	an_free(f.an);
}

static void test_partial_free(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;
	unsigned int n;

	(void)state;
	km_alloc_pages(&f.k, 0x4000, 4, GFP_KERNEL);
	/* A tail page goes back to buddy by itself (put_page after unmap). */
	f.k.tid = 200;
	f.k.stack = STK_OTHER;
	f.k.ip = 0;
	km_page_free(&f.k, 0x4003, 0);
	km_page_free(&f.k, 0x4005, 0);
	unload_drv(&f);	/* a leak is proven at the unload */
	an_finish(f.an, 0);
	an_findings(f.an, &n);
	assert_int_equal(count_kind(&f, PT_K_PARTIAL_FREE), 1);
	x = an_findings(f.an, &n);
	assert_int_equal(x[0].kind, PT_K_PARTIAL_FREE);
	assert_int_equal(x[0].pages, 2);
	assert_int_equal(x[0].order, 4);
	assert_int_equal(x[0].module, 0);	/* followed the block, not the stack */
	/* The rest of the block is still the module's: leaked at the end. */
	assert_int_equal(count_kind(&f, PT_K_LEAK), 1);
	an_free(f.an);
}

static void test_partial_free_every_tail_counted(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;
	unsigned int n;
	int i;

	(void)state;
	km_get_free_pages(&f.k, 0x4100, 4, GFP_KERNEL);
	f.k.tid = 201;
	f.k.stack = STK_OTHER;
	/* munmap puts every tail page: 15 order-0 frees in any order. */
	for (i = 15; i >= 1; i--)
		km_page_free(&f.k, 0x4100 + ((i * 7) % 15) + 1, 0);
	an_finish(f.an, 0);
	x = an_findings(f.an, &n);
	assert_int_equal(count_kind(&f, PT_K_PARTIAL_FREE), 1);
	assert_int_equal(x[0].kind, PT_K_PARTIAL_FREE);
	assert_int_equal(x[0].pages, 15);
	an_free(f.an);
}

static void test_tail_page_mapped(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;
	int i;

	(void)state;
	km_get_free_pages(&f.k, 0x5000, 4, GFP_KERNEL);
	f.k.stack = -1;
	f.k.ip = 0;
	f.k.tid = 300;
	for (i = 0; i < 16; i++)
		km_user_map(&f.k, 0x5000 + i, 0xfb /* VM_SHARED */);
	km_free_pages_addr(&f.k, ADDR(0x5000), 0x5000, 4);
	x = only(&f, PT_K_TAIL_PAGE_MAPPED);
	assert_int_equal(x->pages, 15);
	assert_int_equal(x->order, 4);
	an_free(f.an);
}

static void test_compound_map_is_clean(void **state)
{
	struct fx f = fx_new(true, true, 0);
	int i;

	(void)state;
	km_get_free_pages(&f.k, 0x5000, 4, GFP_KERNEL | GFP_COMP_FLAG);
	for (i = 0; i < 16; i++)
		km_user_map(&f.k, 0x5000 + i, 0xfb);
	km_free_pages_addr(&f.k, ADDR(0x5000), 0x5000, 4);
	expect_none(&f);
	an_free(f.an);
}

static void test_kmap_leak(void **state)
{
	struct fx f = fx_new(true, true, 512);
	const struct pt_finding *x;
	unsigned int n;

	(void)state;
	km_alloc_pages(&f.k, 0x60000, 0, GFP_HIGHUSER);
	km_kmap(&f.k, 0x60000);
	unload_drv(&f);	/* a leak is proven at the unload */
	an_finish(f.an, 0);
	x = an_findings(f.an, &n);
	assert_int_equal(count_kind(&f, PT_K_KMAP_LEAK), 1);
	assert_int_equal(count_kind(&f, PT_K_LEAK), 1);	/* the page too */
	assert_int_equal(n, 2);
	(void)x;
	an_free(f.an);
}

static void test_kmap_balanced_is_clean(void **state)
{
	struct fx f = fx_new(true, true, 512);
	int i;

	(void)state;
	for (i = 0; i < 8; i++) {
		km_alloc_pages(&f.k, 0x60000 + i, 0, GFP_HIGHUSER);
		km_kmap(&f.k, 0x60000 + i);
	}
	for (i = 0; i < 8; i++) {
		km_kunmap(&f.k, 0x60000 + i);
		km___free_pages(&f.k, 0x60000 + i, 0);
	}
	expect_none(&f);
	an_free(f.an);
}

static void test_kmap_missed_return_still_counted(void **state)
{
	struct fx f = fx_new(true, true, 512);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x61000, 0, GFP_HIGHUSER);
	km_alloc_pages(&f.k, 0x61001, 0, GFP_HIGHUSER);
	/* First kmap_high's kretprobe missed (it slept), second one returns. */
	km_emit(&f.k, PT_EV_KMAP, PTR(0x61000), 0, NULL, NULL);
	km_kmap(&f.k, 0x61001);
	km_kunmap(&f.k, 0x61001);
	km___free_pages(&f.k, 0x61001, 0);
	km___free_pages(&f.k, 0x61000, 0);
	x = only(&f, PT_K_FREE_WHILE_KMAPPED);
	assert_int_equal(x->pfn, 0x61000);
	assert_int_equal(an_stats(f.an)->kmap_ret_missed, 1);
	an_free(f.an);
}

/* A kmap_high() that returned 150 ms after its entry waited for a slot; a
 * missed return 150 ms before the thread's next kmap says nothing. */
static void test_kmap_waits(void **state)
{
	struct fx f = fx_new(true, true, 512);
	uint64_t vaddr = 0xfff00000ULL + 0x62000;

	(void)state;
	km_alloc_pages(&f.k, 0x62000, 0, GFP_HIGHUSER);
	km_emit(&f.k, PT_EV_KMAP, PTR(0x62000), 0, NULL, NULL);
	f.k.ts += 150 * 1000 * 1000ULL;
	km_emit(&f.k, PT_EV_KMAP_RET, 0, 0, set_a1, &vaddr);
	assert_int_equal(an_stats(f.an)->kmap_waits, 1);
	km_emit(&f.k, PT_EV_KMAP, PTR(0x62000), 0, NULL, NULL);	/* return missed */
	f.k.ts += 150 * 1000 * 1000ULL;
	km_kmap(&f.k, 0x62000);
	assert_int_equal(an_stats(f.an)->kmap_ret_missed, 1);
	assert_int_equal(an_stats(f.an)->kmap_waits, 1);
	an_free(f.an);
}

static void test_kmap_partial(void **state)
{
	struct fx f = fx_new(true, true, 512);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x60008, 3, GFP_HIGHUSER);
	km_kmap(&f.k, 0x60008);
	km_kunmap(&f.k, 0x60008);
	km___free_pages(&f.k, 0x60008, 3);
	x = only(&f, PT_K_KMAP_PARTIAL);
	assert_false(x->error);
	assert_int_equal(x->order, 3);
	assert_int_equal(an_errors(f.an), 0);
	an_free(f.an);
}

static void test_free_while_kmapped(void **state)
{
	struct fx f = fx_new(true, true, 512);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x60010, 0, GFP_HIGHUSER);
	km_kmap(&f.k, 0x60010);
	km___free_pages(&f.k, 0x60010, 0);
	/* One root cause, one finding: not also a kmap_leak. */
	x = only(&f, PT_K_FREE_WHILE_KMAPPED);
	assert_int_equal(x->pfn, 0x60010);
	an_free(f.an);
}

/*
 * ARM32: the page free tracepoint's stack is unusable (the unwinder stops
 * in __traceiter_mm_page_free); inside __free_pages() the free site is the
 * API entry probe's stack and caller, as for kmaps.
 */
static void test_armhf_free_site_from_api(void **state)
{
	struct pt_config cfg = { .api_events = true, .pkmap_pct = 50, .nmodules = 1 };
	struct pt_kernel_info ki = { .arch = PT_ARCH_ARMHF, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = 512,
				     .max_pfn = 1 << 22 };
	const struct pt_finding *x;
	struct fx f;

	(void)state;
	strcpy(cfg.modules[0], "drv");
	f.an = an_new(&cfg, &ki, stack_ips, NULL);
	assert_non_null(f.an);
	an_module_range(f.an, "drv", MOD_BASE, MOD_SIZE);
	km_init(&f.k, sink, f.an);
	km_get_free_pages(&f.k, 0x500, 0, GFP_KERNEL);
	km_free_pages_addr(&f.k, ADDR(0x500), 0x500, 0);
	km_alloc_pages(&f.k, 0x60010, 0, GFP_HIGHUSER);
	km_kmap(&f.k, 0x60010);
	f.k.stack = STK_MODULE2;
	f.k.ip = MOD_IP2;
	km_free_pages_api(&f.k, 0x60010, 0, 1);
	f.k.stack = STK_OTHER;		/* the tracepoint's: no frame of the module */
	f.k.ip = 0;
	km_page_free(&f.k, 0x60010, 0);
	x = only(&f, PT_K_FREE_WHILE_KMAPPED);
	assert_int_equal(x->stack_id2, STK_MODULE2);
	assert_int_equal(x->caller2, MOD_IP2);
	an_free(f.an);
}

/*
 * 65 536 other threads come and go while one sleeps in kmap_high(): the
 * full thread table drops threads in no call, not the sleeping one.
 */
static void test_tid_table_full_keeps_a_pending_kmap(void **state)
{
	struct fx f = fx_new(true, true, 512);
	uint64_t vaddr = 0xfff00000ULL + 0x60030;
	uint32_t tid, me = f.k.tid;

	(void)state;
	km_alloc_pages(&f.k, 0x60030, 0, GFP_HIGHUSER);
	km_emit(&f.k, PT_EV_KMAP, PTR(0x60030), 0, NULL, NULL);
	for (tid = 1; tid <= 65536; tid++) {
		f.k.tid = 100000 + tid;
		km_alloc_pages(&f.k, 0x70000 + tid, 0, GFP_KERNEL);
		km___free_pages(&f.k, 0x70000 + tid, 0);
	}
	f.k.tid = me;
	km_emit(&f.k, PT_EV_KMAP_RET, 0, 0, set_a1, &vaddr);
	km_kunmap(&f.k, 0x60030);
	km___free_pages(&f.k, 0x60030, 0);
	expect_none(&f);
	an_free(f.an);
}

/* free_pages() before the direct map is known: its inner call is judged. */
static void test_getfree_unknown_direct_map(void **state)
{
	struct fx f = fx_cold(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1008, 2, GFP_KERNEL);	/* no __get_free_pages return */
	km_free_pages_addr(&f.k, ADDR(0x1008), 0x1008, 1);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->free_order, 1);
	assert_int_equal(x->count, 1);
	an_free(f.an);
}

static void test_kunmap_unbalanced(void **state)
{
	struct fx f = fx_new(true, true, 512);

	(void)state;
	km_alloc_pages(&f.k, 0x60020, 0, GFP_HIGHUSER);
	km_kmap(&f.k, 0x60020);
	km_kunmap(&f.k, 0x60020);
	km_kunmap(&f.k, 0x60020);	/* once too often */
	km___free_pages(&f.k, 0x60020, 0);
	only(&f, PT_K_KUNMAP_UNBALANCED);
	an_free(f.an);
}

static void test_pkmap_pressure(void **state)
{
	struct fx f = fx_new(true, true, 512);
	const struct pt_finding *x;
	int i;

	(void)state;
	for (i = 0; i < 384; i++) {
		km_alloc_pages(&f.k, 0x70000 + i, 0, GFP_HIGHUSER);
		km_kmap(&f.k, 0x70000 + i);
	}
	for (i = 0; i < 384; i++) {
		km_kunmap(&f.k, 0x70000 + i);
		km___free_pages(&f.k, 0x70000 + i, 0);
	}
	x = only(&f, PT_K_PKMAP_PRESSURE);
	assert_false(x->error);
	assert_int_equal(x->extra, 384);	/* the peak */
	assert_int_equal(x->count, 1);		/* one episode */
	assert_non_null(strstr(x->note, "384 of 512"));
	an_free(f.an);
}

static void test_remap_failed_cow(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct remap_args r = { 0x7f0000000000ULL, 0x7f0000004000ULL, 0x71, 0, 0x1234, 4096 };
	const struct pt_finding *x;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r.addr = r.start + i * 4096;
		km_remap(&f.k, &r, -22);
	}
	km_sigbus(&f.k, 100);
	x = only(&f, PT_K_REMAP_FAILED);
	assert_int_equal(x->err, -22);
	assert_int_equal(x->count, 4);
	assert_int_equal(x->pages, 4);
	assert_int_equal(x->vm_flags, 0x71);
	assert_true(x->sigbus > 0);
	assert_non_null(strstr(x->note, "copy-on-write"));
	assert_non_null(strstr(x->note, "MAP_SHARED"));
	an_free(f.an);
}

/* A SIGBUS marks only its process's remap failures so far (indexed by
 * tgid: a signal no longer scans every finding). */
static void test_remap_sigbus_per_process(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct remap_args r = { 0x7f0000000000ULL, 0x7f0000004000ULL, 0x71, 0, 0x1234, 4096 };
	const struct pt_finding *x;
	unsigned int n, i, marked = 0;

	(void)state;
	f.k.tgid = f.k.tid = 100;
	km_remap(&f.k, &r, -22);
	f.k.tgid = f.k.tid = 200;
	km_remap(&f.k, &r, -22);
	r.start += 0x10000;
	r.end += 0x10000;
	r.addr = r.start;
	km_remap(&f.k, &r, -22);
	km_sigbus(&f.k, 200);
	r.start += 0x10000;
	r.end += 0x10000;
	r.addr = r.start;
	km_remap(&f.k, &r, -22);		/* after the signal */
	an_finish(f.an, 0);
	x = an_findings(f.an, &n);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(x[i].kind, PT_K_REMAP_FAILED);
		if (x[i].sigbus) {
			assert_int_equal(x[i].tgid, 200);
			assert_true(x[i].vm_start < 0x7f0000020000ULL);
			marked++;
		}
	}
	assert_int_equal(marked, 2);
	an_free(f.an);
}

/* The longest messages, every number at its widest: none is cut. */
static void test_longest_messages(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct remap_args r = { 0xfffffffffff00000ULL, 0xfffffffffffff000ULL,
				0xfffffffffffffff7ULL /* all but VM_SHARED */, 0, 0x1234,
				0xfffff000u };
	const struct pt_finding *x;
	size_t len;

	(void)state;
	r.addr = 0xfffffffffff01000ULL;
	km_remap(&f.k, &r, -22);
	x = only(&f, PT_K_REMAP_FAILED);
	len = strlen(x->note);
	assert_true(len < sizeof(x->note) - 1);
	assert_string_equal(x->note + len - strlen("or clear VM_MAYWRITE"), "or clear VM_MAYWRITE");
	assert_non_null(strstr(x->note, "0xfffffffffff01000+0xfffff000 of vma 0xfffffffffff00000-0xfffffffffffff000"));
	an_free(f.an);

	f = fx_new(true, true, 0);
	an_set_lost(f.an, UINT64_MAX, UINT64_MAX - 1);
	x = only(&f, PT_K_EVENTS_LOST);
	len = strlen(x->note);
	assert_true(len < sizeof(x->note) - 1);
	assert_string_equal(x->note + len - strlen("raise --buffer-mb"), "raise --buffer-mb");
	an_free(f.an);

	f = fx_new(true, true, 0);
	km_get_free_pages(&f.k, 0x5000, 10, GFP_KERNEL);
	f.k.stack = -1;
	f.k.ip = 0;
	km_user_map(&f.k, 0x5001, 0xfb);
	km_free_pages_addr(&f.k, ADDR(0x5000), 0x5000, 10);
	x = only(&f, PT_K_TAIL_PAGE_MAPPED);
	len = strlen(x->note);
	assert_string_equal(x->note + len - strlen("map order-0 pages"), "map order-0 pages");
	an_free(f.an);
}

static void test_remap_shared_ok(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct remap_args r = { 0x7f0000000000ULL, 0x7f0000004000ULL, 0xfb, 0, 0x1234, 4096 };

	(void)state;
	km_remap(&f.k, &r, 0);
	expect_none(&f);
	an_free(f.an);
}

/* Outstanding series of metrics_write in PATH: count, and pages summed; fails on a repeat. */
static unsigned int metric_series(const char *path, uint64_t *pages, char *first, size_t len)
{
	char line[512], seen[16][512];
	unsigned int n = 0, i;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	*pages = 0;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		if (strncmp(line, "pagetrack_outstanding_pages{", 28) || !sp)
			continue;
		*sp = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(seen[i], line))
				fail_msg("series written twice: %s", line);
		assert_true(n < 16);
		snprintf(seen[n++], sizeof(seen[0]), "%s", line);
		if (n == 1)
			snprintf(first, len, "%s", line);
		*pages += strtoull(sp + 1, NULL, 10);
	}
	fclose(f);
	return n;
}

/* Stacks through one call site make one series per (caller, order): a repeat is dropped by scrapers. */
static void test_metrics_one_series_per_caller(void **state)
{
	struct fx f = fx_new(true, true, 0);
	char path[] = "/tmp/pt_metricsXXXXXX", first[512];
	struct ksyms ks = { 0 };
	uint64_t pages;
	int fd = mkstemp(path);
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	/* No kernel names needed: module frames print as drv+0xOFF [drv]. */
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fprintf(fp, "ffffffff81000000 T _stext\n");
	fclose(fp);
	assert_int_equal(ksyms_load(&ks, path), 0);
	km_alloc_pages(&f.k, 0x3000, 0, GFP_KERNEL);
	f.k.stack = STK_MODULE_ALT;
	km_alloc_pages(&f.k, 0x3001, 0, GFP_KERNEL);
	km_alloc_pages(&f.k, 0x3002, 0, GFP_KERNEL);
	f.k.stack = STK_MODULE2;
	f.k.ip = MOD_IP2;
	km_alloc_pages(&f.k, 0x3003, 0, GFP_KERNEL);
	f.k.stack = STK_MODULE;
	f.k.ip = MOD_IP;
	km_alloc_pages(&f.k, 0x3004, 1, GFP_KERNEL);
	assert_int_equal(metrics_write(path, f.an, &ks, 10, f.k.ts), 0);
	/* MOD_IP order 0 (3 pages, two stacks), MOD_IP order 1, MOD_IP2 order 0. */
	assert_int_equal(metric_series(path, &pages, first, sizeof(first)), 3);
	assert_int_equal(pages, 6);
	assert_non_null(strstr(first, "order=\"0\""));
	assert_null(strstr(first, "other"));
	/* --top 1: the largest, and the rest in other. */
	assert_int_equal(metrics_write(path, f.an, &ks, 1, f.k.ts), 0);
	assert_int_equal(metric_series(path, &pages, first, sizeof(first)), 2);
	assert_int_equal(pages, 6);
	/* The interval report lists the same rows: MOD_IP order 0 once, from two stacks. */
	{
		struct periodic pr = { .json = true, .top = 10 };
		size_t len = 0;
		char *buf = NULL, *p;
		FILE *mem = open_memstream(&buf, &len);
		unsigned int rows = 0;

		assert_non_null(mem);
		periodic_report(mem, &pr, f.an, &ks, f.k.ts, 1.0);
		fclose(mem);
		p = strstr(buf, "\"top_by_age\"");
		assert_non_null(p);
		*p = 0;
		for (p = buf; (p = strstr(p, "\"caller\":")); p++)
			rows++;
		assert_int_equal(rows, 3);
		assert_non_null(strstr(buf, "\"blocks\":3,\"order\":0,\"age_ms\":0,\"stacks\":2,\"caller\":\"drv+0x120 [drv]\""));
		free(buf);
	}
	unlink(path);
	ksyms_free(&ks);
	an_free(f.an);
}

static void test_events_lost(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	an_set_lost(f.an, 1000, 7);
	x = only(&f, PT_K_EVENTS_LOST);
	assert_int_equal(x->extra, 7);
	assert_false(x->error);
	an_free(f.an);
}

/* ------------------------------------------------------------- pitfalls */

static void test_pitfall_noncompound_extra_head_ref(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0x8000, 3, GFP_KERNEL);
	/* __free_pages(page, 3) with an extra head reference: the kernel
	 * frees the tails itself as order 2, 1, 0 blocks... */
	km_free_pages_api(&f.k, 0x8000, 3, 2);
	km_page_free(&f.k, 0x8004, 2);
	km_page_free(&f.k, 0x8002, 1);
	km_page_free(&f.k, 0x8001, 0);
	/* ...and the head later at order 0, from another context. */
	f.k.tid = 999;
	f.k.stack = STK_OTHER;
	km_page_free(&f.k, 0x8000, 0);
	expect_none(&f);
	an_free(f.an);
}

/* An interrupt's own __free_pages() between a non-compound block's API
 * free and the tail frees the kernel makes for it: those are still its. */
static void test_pitfall_irq_api_free_before_tails(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0x8000, 2, GFP_KERNEL);
	km_alloc_pages(&f.k, 0x2000, 0, GFP_KERNEL);
	km_free_pages_api(&f.k, 0x8000, 2, 2);
	km___free_pages(&f.k, 0x2000, 0);		/* the interrupt's */
	km_page_free(&f.k, 0x8002, 1);
	km_page_free(&f.k, 0x8001, 0);
	f.k.tid = 999;
	km_page_free(&f.k, 0x8000, 0);
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_split_page(void **state)
{
	struct fx f = fx_new(true, true, 0);
	int i;

	(void)state;
	km_alloc_pages(&f.k, 0x9000, 2, GFP_KERNEL);
	km_split(&f.k, 0x9000, 2);
	for (i = 3; i >= 0; i--)
		km___free_pages(&f.k, 0x9000 + i, 0);
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_alloc_pages_exact(void **state)
{
	struct fx f = fx_new(true, true, 0);
	int i;

	(void)state;
	/* alloc_pages_exact(3 pages): order 2, split, the 4th page freed. */
	km_get_free_pages(&f.k, 0x9100, 2, GFP_KERNEL);
	km_split(&f.k, 0x9100, 2);
	km_free_pages_addr(&f.k, ADDR(0x9103), 0x9103, 0);
	/* free_pages_exact(): page by page */
	for (i = 0; i < 3; i++)
		km_free_pages_addr(&f.k, ADDR(0x9100 + i), 0x9100 + i, 0);
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_compound_put_page(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0xa000, 2, GFP_KERNEL | GFP_COMP_FLAG);
	f.k.tid = 555;
	f.k.stack = STK_OTHER;
	km_page_free(&f.k, 0xa000, 2);	/* put_page() of the folio */
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_irq_free(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0xb000, 0, GFP_KERNEL);
	/* Freed from an interrupt on another CPU: another "tid". */
	f.k.tid = 0;
	f.k.tgid = 0;
	f.k.stack = STK_OTHER;
	km___free_pages(&f.k, 0xb000, 0);
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_pages_before_tracing(void **state)
{
	struct fx f = fx_new(true, true, 512);

	(void)state;
	/* Frees, kunmaps and maps of pages we never saw allocated. */
	km___free_pages(&f.k, 0xc000, 3);
	km_free_pages_addr(&f.k, ADDR(0xc100), 0xc100, 1);
	km_kunmap(&f.k, 0xc200);
	km_user_map(&f.k, 0xc301, 0xfb);
	expect_none(&f);
	an_free(f.an);
}

static void test_pitfall_bulk_realloc_not_double_free(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	km_alloc_pages(&f.k, 0xd000, 0, GFP_KERNEL);
	km___free_pages(&f.k, 0xd000, 0);
	/* Reallocated by a bulk allocation (no mm_page_alloc), freed again. */
	km___free_pages(&f.k, 0xd000, 0);
	expect_none(&f);
	an_free(f.an);
}

static void test_scope_ignores_other_code(void **state)
{
	struct fx f = fx_new(true, true, 0);

	(void)state;
	f.k.stack = STK_OTHER;
	f.k.ip = KERNEL_IP;
	km_alloc_pages(&f.k, 0xe000, 3, GFP_KERNEL);
	km___free_pages(&f.k, 0xe000, 2);	/* someone else's bug */
	km_alloc_pages(&f.k, 0xe100, 0, GFP_KERNEL);	/* someone else's page */
	expect_none(&f);
	an_free(f.an);
}

static void test_scope_follows_pages(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0xe200, 3, GFP_KERNEL);	/* in the module */
	f.k.stack = STK_OTHER;
	f.k.ip = KERNEL_IP;
	f.k.tid = 4242;
	km___free_pages(&f.k, 0xe200, 1);	/* freed elsewhere, wrongly */
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->module, 0);
	an_free(f.an);
}

static void test_module_unload_tracking(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct pt_event e = { .type = PT_EV_MODULE_FREE, .ts = 1 };

	(void)state;
	assert_false(an_watched_unloaded(f.an));
	an_event(f.an, &e, "other");
	assert_false(an_watched_unloaded(f.an));
	an_event(f.an, &e, "drv");
	assert_true(an_watched_unloaded(f.an));
	an_free(f.an);
}

/* do_init_module's event for drv: core and init text, on thread tid. */
static void module_load(struct fx *f, uint32_t tid, uint64_t memmap)
{
	struct pt_event e = { .type = PT_EV_MODULE_LOAD, .ts = 2, .tid = tid, .a0 = MOD_BASE,
			      .a1 = MOD_SIZE, .a2 = INIT_BASE, .a3 = INIT_SIZE, .a4 = memmap };

	an_event(f->an, &e, "drv");
}

/* Still allocated at exit, the module still loaded: no verdict yet, a warning. */
static void test_held_at_exit(void **state)
{
	struct fx f = fx_new(true, true, 0);
	const struct pt_finding *x;

	(void)state;
	km_alloc_pages(&f.k, 0x1002, 1, GFP_HIGHUSER);
	x = only(&f, PT_K_HELD_AT_EXIT);
	assert_int_equal(x->pages, 2);
	assert_int_equal(x->module, 0);
	assert_false(x->error);
	assert_int_equal(an_errors(f.an), 0);
	assert_non_null(strstr(x->note, "still loaded"));
	an_free(f.an);
}

/* A block of an earlier load of the module is leaked even if it is loaded again. */
static void test_leak_of_earlier_load(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct pt_event load = { .type = PT_EV_MODULE_LOAD };

	(void)state;
	km_alloc_pages(&f.k, 0x1002, 1, GFP_HIGHUSER);	/* first life: never freed */
	unload_drv(&f);
	/* Blocks keep their time in ms: the reload comes 5 ms later. */
	load.ts = (f.k.ts += 5000000);
	an_event(f.an, &load, "drv");
	an_module_range(f.an, "drv", MOD_BASE, MOD_SIZE);
	km_alloc_pages(&f.k, 0x2004, 2, GFP_HIGHUSER);	/* second life: still held */
	an_finish(f.an, 0);
	assert_int_equal(count_kind(&f, PT_K_LEAK), 1);
	assert_int_equal(count_kind(&f, PT_K_HELD_AT_EXIT), 1);
	assert_int_equal(an_errors(f.an), 1);
	an_free(f.an);
}

/* The verdict: what was checked, and which status wins. */
static void test_verdict(void **state)
{
	struct fx f = fx_cold(true, true, 0);	/* drv loaded before tracing */
	struct pt_command_end ok = { .status = PT_CMD_EXITED, .name = "t" };
	struct pt_command_end bad = { .status = PT_CMD_EXITED, .name = "t", .code = 3 };
	struct pt_command_end stopped = { .status = PT_CMD_STOPPED, .name = "t", .code = -15 };
	struct pt_verdict v;

	(void)state;
	an_finish(f.an, 0);
	verdict_make(&v, f.an, NULL);
	assert_int_equal(v.exit_status, PT_EXIT_OK);
	verdict_make(&v, f.an, &ok);
	assert_int_equal(v.exit_status, PT_EXIT_OK);
	verdict_make(&v, f.an, &stopped);	/* ended by us at -d: not its failure */
	assert_int_equal(v.exit_status, PT_EXIT_OK);
	verdict_make(&v, f.an, &bad);
	assert_int_equal(v.exit_status, PT_EXIT_COMMAND);
	bad.status = PT_CMD_SIGNALED;
	bad.code = 9;
	verdict_make(&v, f.an, &bad);
	assert_int_equal(v.exit_status, PT_EXIT_COMMAND);
	bad.status = PT_CMD_NOT_STARTED;
	bad.code = 2;
	verdict_make(&v, f.an, &bad);
	assert_int_equal(v.exit_status, PT_EXIT_COMMAND);
	an_free(f.an);

	/* Never loaded: nothing checked, whatever the command did. */
	{
		struct pt_config cfg = { .api_events = true, .nmodules = 2,
					 .modules = { "drv", "gone" } };
		struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
					     .struct_page_size = 64, .max_pfn = 1 << 22 };
		struct analyzer *an = an_new(&cfg, &ki, stack_ips, NULL);

		assert_non_null(an);
		an_module_range(an, "drv", MOD_BASE, MOD_SIZE);
		an_finish(an, 0);
		assert_int_equal(pt_module_state(an_module(an, 0)), PT_MOD_LOADED);
		assert_int_equal(pt_module_state(an_module(an, 1)), PT_MOD_NEVER_LOADED);
		verdict_make(&v, an, &ok);
		assert_int_equal(v.exit_status, PT_EXIT_UNCHECKED);
		assert_int_equal(v.unchecked, 1);
		/* A failed command outranks it; an error finding outranks both. */
		bad.status = PT_CMD_EXITED;
		verdict_make(&v, an, &bad);
		assert_int_equal(v.exit_status, PT_EXIT_COMMAND);
		an_free(an);
	}
}

/* A module whose every load failed in its init was not checked. */
static void test_module_init_failed(void **state)
{
	struct pt_config cfg = { .api_events = true, .nmodules = 1, .modules = { "drv" } };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .max_pfn = 1 << 22 };
	struct analyzer *an = an_new(&cfg, &ki, stack_ips, NULL);
	struct pt_event load = { .type = PT_EV_MODULE_LOAD, .ts = 2, .tid = 7, .a0 = MOD_BASE,
				 .a1 = MOD_SIZE, .a2 = INIT_BASE, .a3 = INIT_SIZE };
	struct pt_event end = { .type = PT_EV_MODULE_INIT_END, .ts = 3, .tid = 7, .ret = -12 };
	struct pt_event gone = { .type = PT_EV_MODULE_FREE, .ts = 4 };
	struct pt_verdict v;

	(void)state;
	assert_non_null(an);
	/* As the kernel does it: free_module() inside do_init_module, then
	 * its return. */
	an_event(an, &load, "drv");
	gone.ts = 3;
	an_event(an, &gone, "drv");
	end.ts = 4;
	an_event(an, &end, NULL);
	an_finish(an, 0);
	assert_int_equal(pt_module_state(an_module(an, 0)), PT_MOD_INIT_FAILED);
	assert_int_equal(an_module(an, 0)->init_ret, -12);
	verdict_make(&v, an, NULL);
	assert_int_equal(v.exit_status, PT_EXIT_UNCHECKED);
	/* Loaded again, this time successfully: checked. */
	load.ts = 5;
	end.ts = 6;
	end.tid = 7;
	end.ret = 0;
	an_event(an, &load, "drv");
	an_event(an, &end, NULL);
	assert_int_equal(pt_module_state(an_module(an, 0)), PT_MOD_LOADED);
	an_free(an);
}

/* Init text counts while do_init_module runs; its blocks stay the module's. */
static void test_scope_init_text(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct pt_event end = { .type = PT_EV_MODULE_INIT_END, .ts = 3, .tid = 7 };

	(void)state;
	f.k.stack = STK_INIT;
	f.k.ip = INIT_IP;
	km_alloc_pages(&f.k, 0xf000, 2, GFP_KERNEL);	/* before the load event: not ours */
	module_load(&f, 7, 0);
	assert_int_equal(an_module_of_ip(f.an, INIT_IP), 0);
	assert_true(an_module_ip_init(f.an, 0, INIT_IP));
	assert_false(an_module_ip_init(f.an, 0, MOD_IP));
	km_alloc_pages(&f.k, 0xf100, 3, GFP_KERNEL);	/* in init: the module's */
	end.tid = 8;					/* another thread's return */
	an_event(f.an, &end, NULL);
	km_alloc_pages(&f.k, 0xf200, 1, GFP_KERNEL);	/* init still running */
	end.tid = 7;
	an_event(f.an, &end, NULL);
	km_alloc_pages(&f.k, 0xf300, 0, GFP_KERNEL);	/* init text gone: not ours */
	f.k.stack = STK_OTHER;
	f.k.ip = KERNEL_IP;
	km___free_pages(&f.k, 0xf100, 2);		/* the init block, freed wrongly */
	km___free_pages(&f.k, 0xf000, 1);		/* not the module's block */
	unload_drv(&f);	/* a leak is proven at the unload */
	an_finish(f.an, 0);
	assert_int_equal(count_kind(&f, PT_K_ORDER_MISMATCH), 1);
	assert_int_equal(count_kind(&f, PT_K_LEAK), 1);	/* 0xf200 */
	/* Named after init is over. */
	assert_int_equal(an_module_of_ip(f.an, INIT_IP), 0);
	an_free(f.an);
}

/* free_pages() of a struct page * judged from the kernel's memmap base alone. */
static void test_bad_free_kernel_memmap(void **state)
{
	struct pt_config cfg = { .api_events = true, .nmodules = 1, .modules = { "drv" } };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .max_pfn = 1 << 22 };
	struct fx f;
	const struct pt_finding *x;

	(void)state;
	f.an = an_new(&cfg, &ki, stack_ips, NULL);
	assert_non_null(f.an);
	an_module_range(f.an, "drv", MOD_BASE, MOD_SIZE);
	km_init(&f.k, sink, f.an);
	/* No allocation was ever paired: only the kernel's base is known. */
	km_emit(&f.k, PT_EV_FREE_ADDR, PTR(0x1234), 2, set_memmap, NULL);
	x = only(&f, PT_K_BAD_FREE);
	assert_int_equal(x->pfn, 0x1234);
	assert_int_equal(x->caller2, MOD_IP);
	an_free(f.an);
}

/* A bad free the exit function makes as its last call (a tail call: no
 * frame of the module left) is the module's, named by its exit function. */
static void test_exit_tail_call(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct pt_event ld = { .type = PT_EV_MODULE_LOAD, .ts = 2, .tid = 7, .a0 = MOD_BASE,
			       .a1 = MOD_SIZE, .ip = MOD_IP2 };
	struct pt_event un = { .type = PT_EV_MODULE_UNLOAD, .ts = 3, .tid = 9 };
	const struct pt_finding *x;

	(void)state;
	an_event(f.an, &ld, "drv");
	f.k.stack = STK_OTHER;
	f.k.ip = KERNEL_IP;
	f.k.tid = 9;
	km_emit(&f.k, PT_EV_FREE_ADDR, PTR(0x2000), 1, NULL, NULL);	/* not unloading yet */
	an_event(f.an, &un, "drv");
	km_emit(&f.k, PT_EV_FREE_ADDR, PTR(0x2100), 1, NULL, NULL);
	x = only(&f, PT_K_BAD_FREE);
	assert_int_equal(x->pfn, 0x2100);
	assert_int_equal(x->module, 0);
	assert_int_equal(x->caller2, MOD_IP2);
	an_free(f.an);
}

/* A kernel cache's page allocated for the module's object is not its leak. */
static void test_kernel_owned_not_scoped(void **state)
{
	struct fx f = fx_new(true, true, 0);
	uint32_t flags = PT_F_KERNEL_OWNED;

	(void)state;
	km_emit(&f.k, PT_EV_PAGE_ALLOC, 0xf400, 0, set_flags, &flags);
	expect_none(&f);
	an_free(f.an);
}

/* Which frames make a page the kernel's though the module's call is below:
 * caches, migration and reclaim done inside that call (a CMA allocation
 * behind dma_alloc_coherent() migrating pages out of its area, seen on
 * armhf), a user page faulted in and a file's page cache. The allocator's
 * own path, the DMA layer, vmalloc, a large kmalloc, shmem and mempools
 * allocate for the module, and a fault's own steps (do_anonymous_page) are
 * not what decides: handle_mm_fault below them is. */
static void test_kernel_owned_frames(void **state)
{
	static const char *const owned[] = {
		"allocate_slab", "___slab_alloc", "__pte_alloc", "pcpu_alloc",
		"page_frag_alloc_align", "alloc_migration_target", "migrate_pages_batch",
		"compaction_alloc", "__alloc_pages_direct_reclaim", "shrink_folio_list",
		"handle_mm_fault", "filemap_alloc_folio", "page_cache_ra_unbounded",
		"__page_cache_alloc",
	};
	static const char *const not_owned[] = {
		"__alloc_pages", "__alloc_pages_slowpath", "__folio_alloc", "alloc_pages",
		"__get_free_pages", "cma_alloc", "alloc_contig_range", "dma_direct_alloc_pages",
		"__dma_direct_alloc_pages", "vmalloc", "__vmalloc_area_node", "dma_pages_run",
		"kmalloc_large", "__kmalloc_large_node", "do_anonymous_page", "shmem_alloc_folio",
		"mempool_alloc", "",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (!session_kernel_owned_frame(owned[i]))
			fail_msg("%s: not taken for the kernel's", owned[i]);
	for (i = 0; i < sizeof(not_owned) / sizeof(not_owned[0]); i++)
		if (session_kernel_owned_frame(not_owned[i]))
			fail_msg("%s: taken for the kernel's", not_owned[i]);
	assert_false(session_kernel_owned_frame(NULL));
}

/* allocated - freed - dropped == outstanding, through splits and partial frees. */
static void test_page_accounting_invariant(void **state)
{
	struct fx f = fx_new(true, false, 0);
	const struct pt_stats *st;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		uint64_t pfn = 0x10000 + i * 16;

		km_alloc_pages(&f.k, pfn, i % 5, GFP_KERNEL);
		if (i % 3 == 0)
			km___free_pages(&f.k, pfn, i % 5);
		else if (i % 3 == 1 && i % 5)
			km_page_free(&f.k, pfn + 1, 0);		/* partial */
		if (i % 7 == 0)
			km_alloc_pages(&f.k, pfn, 0, GFP_KERNEL);	/* reuse: drops stale */
		if (i % 11 == 0 && i % 5) {
			km_split(&f.k, pfn + 0, i % 5);
		}
	}
	an_finish(f.an, 0);
	st = an_stats(f.an);
	assert_true(st->alloc_pages > 0 && st->frees > 0 && st->stale_pages > 0);
	assert_int_equal(st->alloc_pages - st->frees - st->stale_pages, st->live_pages);
	an_free(f.an);
}

static void test_garbage_events(void **state)
{
	struct fx f = fx_new(true, true, 512);
	struct pt_event e;
	unsigned int i;

	(void)state;
	/* Out-of-range types and orders must be counted, never crash. */
	for (i = 0; i < 2000; i++) {
		memset(&e, 0, sizeof(e));
		e.type = i % (PT_EV_MAX + 3);
		e.order = (i * 7) % 40;
		e.a0 = i * 0x9e3779b97f4a7c15ULL;
		e.tid = i % 5;
		e.stack_id = (int)(i % 5) - 1;
		an_event(f.an, &e, "x");
	}
	an_finish(f.an, 0);
	assert_true(an_stats(f.an)->bad_events > 0);
	an_free(f.an);
}


/* Creates a file from template path holding text. */
static void temp_file(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A watched module's symbols survive a kallsyms reload without it. */
static void test_ksyms_module_cache(void **state)
{
	char path[] = "/tmp/pt_kallsymsXXXXXX", buf[128];
	struct ksyms k = { 0 };
	FILE *f;

	(void)state;
	temp_file(path, "ffffffff81000000 T _stext\n"
			"ffffffffc0001000 t ref_run\t[mymod]\n"
			"ffffffffc0001200 t ref_leak\t[mymod]\n"
			"ffffffffc0001300 t ref_exit\t[mymod]\n"
			"ffffffffc0001300 t cleanup_module\t[mymod]\n"
			"ffffffffc0003000 t other_fn\t[othermod]\n");
	assert_int_equal(ksyms_load(&k, path), 0);
	assert_string_equal(ksyms_format(&k, 0xffffffffc0001304ULL, buf, sizeof(buf)),
			    "ref_exit+0x4 [mymod]");
	assert_int_equal(ksyms_cache_module(&k, "mymod", false, 0xffffffffc0001000ULL, 0x1000), 3);
	assert_true(ksyms_module_cached(&k, "mymod", false, 0x1000));
	assert_false(ksyms_module_cached(&k, "mymod", false, 0x2000));
	assert_int_equal(ksyms_cache_module(&k, "gone", false, 0xffffffffc0005000ULL, 0x1000), 0);

	/* The module is unloaded: the new table no longer has it. */
	f = fopen(path, "w");
	fprintf(f, "ffffffff81000000 T _stext\n");
	fclose(f);
	assert_int_equal(ksyms_reload(&k, path), 0);
	assert_true(ksyms_module_cached(&k, "mymod", false, 0x1000));
	assert_string_equal(ksyms_format_module(&k, "mymod", false, 0x210, buf, sizeof(buf)),
			    "ref_leak+0x10 [mymod]");
	assert_string_equal(ksyms_format_module(&k, "mymod", false, 0x0, buf, sizeof(buf)),
			    "ref_run+0x0 [mymod]");
	assert_null(ksyms_format_module(&k, "mymod", false, 0x1000, buf, sizeof(buf)));
	assert_null(ksyms_format_module(&k, "othermod", false, 0x0, buf, sizeof(buf)));
	/* module_exit()'s alias yields to the function's own name, either order;
	 * init text is cached apart from core text. */
	assert_int_equal(ksyms_module_add(&k, "m2", false, 0x100, 0x10, "cleanup_module"), 0);
	assert_int_equal(ksyms_module_add(&k, "m2", false, 0x100, 0x10, "m2_exit"), 0);
	assert_int_equal(ksyms_module_add(&k, "m2", true, 0x80, 0x10, "m2_init"), 0);
	assert_int_equal(ksyms_module_add(&k, "m2", true, 0x80, 0x10, "init_module"), 0);
	assert_string_equal(ksyms_format_module(&k, "m2", false, 0x14, buf, sizeof(buf)),
			    "m2_exit+0x4 [m2]");
	assert_string_equal(ksyms_format_module(&k, "m2", true, 0x14, buf, sizeof(buf)),
			    "m2_init+0x4 [m2]");
	ksyms_free(&k);
	unlink(path);
}

/* kallsyms lines as the kernel writes them, and lines that are not: the
 * kernel's own symbols come sorted, the modules' after them in any order;
 * the table is sorted whole, module names read after a tab. */
static void test_ksyms_parse(void **state)
{
	char path[] = "/tmp/pt_kallsymsXXXXXX", buf[128];
	struct ksyms k = { 0 };

	(void)state;
	temp_file(path, "ffffffff81000000 T _stext\n"
			"ffffffff81000100 t early_fn\n"
			"ffffffff81000200 D vmemmap_base\n"
			"ffffffff81000300 D page_offset_base\n"
			"ffffffff81000400 W weak_fn\n"
			"ffffffffc0002000 t late_fn\t[modb]\n"
			"ffffffffc0001000 t first_fn\t[moda]\n"
			"ffffffff81000180 t between_fn\t[bpf]\n"
			"ffffffffc0001000 t init_module\t[moda]\n"
			"not a line\n"
			"ffffffff8100050 T\n"
			"ffffffffffffffff0 T too_long_an_address\n"
			"0000000000000000 T hidden_address\n");
	assert_int_equal(ksyms_load(&k, path), 0);
	assert_int_equal(k.n, 7);
	assert_int_equal(k.memmap_var, 0xffffffff81000200ULL);
	assert_string_equal(k.memmap_name, "vmemmap_base");
	assert_int_equal(k.direct_var, 0xffffffff81000300ULL);
	for (size_t i = 1; i < k.n; i++)
		assert_true(k.syms[i - 1].addr <= k.syms[i].addr);
	assert_string_equal(ksyms_format(&k, 0xffffffff81000104ULL, buf, sizeof(buf)),
			    "early_fn+0x4");
	assert_string_equal(ksyms_format(&k, 0xffffffff81000184ULL, buf, sizeof(buf)),
			    "between_fn+0x4 [bpf]");
	assert_string_equal(ksyms_format(&k, 0xffffffff81000404ULL, buf, sizeof(buf)),
			    "weak_fn+0x4");
	/* module_init()'s alias yields to the function's own name. */
	assert_string_equal(ksyms_format(&k, 0xffffffffc0001008ULL, buf, sizeof(buf)),
			    "first_fn+0x8 [moda]");
	assert_string_equal(ksyms_format(&k, 0xffffffffc0002008ULL, buf, sizeof(buf)),
			    "late_fn+0x8 [modb]");
	ksyms_free(&k);
	unlink(path);
}

/* Unnamed addresses print as [unknown], raw only when asked; an old
 * recording's "0x..." text counts as unnamed. */
static void test_ksyms_unknown_hidden(void **state)
{
	char path[] = "/tmp/pt_kallsymsXXXXXX", buf[128];
	struct ksyms k = { 0 };

	(void)state;
	temp_file(path, "ffffffff81000000 T _stext\n");
	assert_int_equal(ksyms_load(&k, path), 0);
	assert_string_equal(ksyms_format(&k, 0xffffffff81000010ULL, buf, sizeof(buf)),
			    "_stext+0x10");
	assert_string_equal(ksyms_format(&k, 0xffffffff80000000ULL, buf, sizeof(buf)),
			    "[unknown]");
	assert_null(ksyms_func(&k, 0xffffffff80000000ULL, buf, sizeof(buf)));
	assert_int_equal(ksyms_add_exact(&k, 0xffffffff90000000ULL, "0xffffffff90000000"), 0);
	assert_string_equal(ksyms_format(&k, 0xffffffff90000000ULL, buf, sizeof(buf)),
			    "[unknown]");
	k.raw_addresses = true;
	assert_int_equal(ksyms_reload(&k, path), 0);
	assert_string_equal(ksyms_format(&k, 0xffffffff80000000ULL, buf, sizeof(buf)),
			    "0xffffffff80000000");
	ksyms_free(&k);
	unlink(path);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
}

/* Private recordings and atomic rewrites never write through a link. */
static void test_outfile_links(void **state)
{
	char dir[] = "/tmp/pt_outXXXXXX", p[256], v[256], l[256], buf[64];
	struct stat st;
	mode_t old = umask(0);
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/rec", dir);
	snprintf(v, sizeof(v), "%s/victim", dir);
	snprintf(l, sizeof(l), "%s/link", dir);
	f = outfile_private(p);
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	f = fopen(v, "w");
	fputs("victim", f);
	fclose(f);
	assert_int_equal(symlink(v, l), 0);
	errno = 0;
	assert_null(outfile_private(l));
	assert_int_equal(errno, ELOOP);
	unlink(p);
	assert_int_equal(link(v, p), 0);
	errno = 0;
	assert_null(outfile_private(p));
	assert_int_equal(errno, EEXIST);

	/* The link at the target is replaced; the new file is 0644. */
	f = atomic_open(l, buf, sizeof(buf));
	assert_non_null(f);
	fputs("new", f);
	assert_int_equal(atomic_close(f, buf, l), 0);
	assert_int_equal(access(buf, F_OK), -1);
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	slurp(v, buf, sizeof(buf));
	assert_string_equal(buf, "victim");
	slurp(l, buf, sizeof(buf));
	assert_string_equal(buf, "new");
	unlink(p);
	unlink(v);
	unlink(l);
	rmdir(dir);
	umask(old);
}

/* ------------------------------------------------------------ sampling */

/* The leaking site's outstanding entry, or NULL. */
static const struct pt_finding *site(struct analyzer *an, int32_t stack_id)
{
	unsigned int n, i;
	const struct pt_finding *o = an_outstanding(an, &n);

	for (i = 0; i < n; i++)
		if (o[i].stack_id == stack_id)
			return &o[i];
	return NULL;
}

static struct analyzer *sampled_analyzer(uint32_t r)
{
	struct pt_config cfg = { .pkmap_pct = 50, .sample_pages = r };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .max_pfn = 1 << 22 };

	pt_sample_thresholds(r, cfg.sample_thresh);
	return an_new(&cfg, &ki, stack_ips, NULL);
}

/* The CI formats' scrubber: kernel addresses out of notes, per arch; user
 * addresses, gfp masks and pfns stay. */
static void test_ci_scrub(void **state)
{
	struct pt_config cfg = { .pkmap_pct = 50 };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12 };
	struct analyzer *an = an_new(&cfg, &ki, stack_ips, NULL);
	char *s;

	(void)state;
	s = ci_scrub(an, "kunmap_local() of 0xffffffffff5fb000, vma 0x7f0000000000 gfp 0xcc0 at 0x1ffffffffffffffff0.");
	assert_string_equal(s, "kunmap_local() of [kernel address], vma 0x7f0000000000 gfp 0xcc0 at [kernel address].");
	free(s);
	an_free(an);
	ki.arch = PT_ARCH_I386;
	an = an_new(&cfg, &ki, stack_ips, NULL);
	s = ci_scrub(an, "0xfff4c000 and 0xb7f00000, x0xfff4c000");
	assert_string_equal(s, "[kernel address] and 0xb7f00000, x[kernel address]");
	free(s);
	an_free(an);
}

/* p_k = 1 - exp(-2^k / R) as thresholds of 2^32: exact at the ends. */
static void test_sample_thresholds(void **state)
{
	uint64_t th[PT_NR_ORDERS];

	(void)state;
	pt_sample_thresholds(64, th);
	/* 1 - exp(-1/64) = 0.01550356; 2^32 * that = 66587296.03 */
	assert_true(th[0] >= 66587295 && th[0] <= 66587297);
	/* order 10: 1 - exp(-16) = 0.99999989: just under 2^32 */
	assert_true(th[10] < PT_SAMPLE_ONE && th[10] > PT_SAMPLE_ONE - 600);
	pt_sample_thresholds(1, th);
	assert_true(th[5] == PT_SAMPLE_ONE);	/* exp(-32) rounds to p = 1 */
}

/* One site leaking N = 16384 pages amid 4x churn, R = 32 (the default):
 * the estimate within 10 %, and the churning site gone. */
static void test_sampled_leak_estimate(void **state)
{
	struct analyzer *an = sampled_analyzer(32);
	const struct pt_finding *x;
	struct kmodel k;
	double err;

	(void)state;
	assert_non_null(an);
	km_init(&k, sink, an);
	km_sampled_leak_run(&k, an_config(an)->sample_thresh, 16384, 42);
	an_finish(an, 0);
	x = site(an, STK_MODULE);
	assert_non_null(x);
	err = ((double)x->pages - 16384) / 16384;
	print_message("sampled leak: %llu pages estimated from %u samples (error %+.1f %%)\n",
		      (unsigned long long)x->pages, x->samples, err * 100);
	assert_true(err > -0.10 && err < 0.10);
	assert_true(x->samples > 256 && x->samples < 1024);	/* ~16384/32 */
	assert_int_equal(x->samples, x->count);
	assert_null(site(an, STK_OTHER));
	/* The exact count stays in the summary. */
	assert_int_equal(an_stats(an)->live_pages, 16384);
	an_free(an);
}

/* Unsampled blocks free like any other: no stale state, no finding. */
static void test_sampled_mode_no_findings(void **state)
{
	struct analyzer *an = sampled_analyzer(16);
	unsigned int n;
	struct kmodel k;

	(void)state;
	km_init(&k, sink, an);
	km_sampled_leak_run(&k, an_config(an)->sample_thresh, 2000, 7);
	an_finish(an, 0);
	an_findings(an, &n);
	assert_int_equal(n, 0);
	assert_int_equal(an_stats(an)->stale_blocks, 0);
	an_free(an);
}

/* PAIRED_LIVE's mask (a0 is its base pfn). */
static void set_mask(struct pt_event *e, void *arg)
{
	e->paired.mask = *(uint64_t *)arg;
}

/* A FORGET hand-over: the block at a0 + bit 0 was kept where a free was sent. */
static void set_forget(struct pt_event *e, void *arg)
{
	(void)arg;
	e->paired.mask = 1;
	e->flags = PT_F_FORGET;
}

/*
 * Pairing with the API probes: a block kept where a sent free left its
 * record makes that record go (PT_F_FORGET), as the block's allocation would
 * have; a later double free there names no first free that is no longer
 * true, and the hand-over itself tracks nothing. Without it, the stale first
 * free is named.
 */
static void test_double_free_forgets_kept_realloc(void **state)
{
	const struct pt_finding *x;
	int forget;

	(void)state;
	for (forget = 0; forget < 2; forget++) {
		struct fx f = fx_new(true, true, 0);

		km_alloc_pages(&f.k, 0x1100, 0, GFP_KERNEL);
		f.k.stack = STK_MODULE2;
		km___free_pages(&f.k, 0x1100, 0);
		if (forget)
			km_emit(&f.k, PT_EV_PAIRED_LIVE, 0x1100, 0, set_forget, NULL);
		assert_int_equal(an_stats(f.an)->live_pages, 0);
		f.k.stack = STK_MODULE;
		km_free_pages_api(&f.k, 0x1100, 0, 0);
		x = only(&f, PT_K_DOUBLE_FREE);
		assert_int_equal(x->stack_id, forget ? -1 : STK_MODULE2);
		an_free(f.an);
	}
}

/*
 * Pairing in BPF: order-0 blocks kept as bits come back just before a
 * larger free covers them, and that free is judged as if they had been
 * events all along.
 */
static void test_paired_blocks_handed_over(void **state)
{
	struct fx f = fx_cold(false, false, 0);
	const struct pt_finding *x;
	uint64_t mask = 0x3;	/* 0x3000 and 0x3001 */

	(void)state;
	km_emit(&f.k, PT_EV_PAIRED_LIVE, 0x3000, 0, set_mask, &mask);
	assert_int_equal(an_stats(f.an)->live_pages, 2);
	km_page_free(&f.k, 0x3000, 1);
	x = only(&f, PT_K_ORDER_MISMATCH);
	assert_int_equal(x->pfn, 0x3000);
	assert_int_equal(x->order, 0);
	assert_int_equal(x->free_order, 1);
	assert_int_equal(an_stats(f.an)->live_pages, 0);
	/* A handed block is no received allocation; the handing event is. */
	assert_int_equal(an_stats(f.an)->events[PT_EV_PAGE_ALLOC], 0);
	assert_int_equal(an_stats(f.an)->events[PT_EV_PAIRED_LIVE], 1);
	an_free(f.an);
}

/* A damaged base that would wrap the pfn space is refused, not tracked. */
static void test_paired_bad_base(void **state)
{
	struct fx f = fx_cold(false, false, 0);
	uint64_t mask = ~0ULL;

	(void)state;
	km_emit(&f.k, PT_EV_PAIRED_LIVE, UINT64_MAX - 3, 0, set_mask, &mask);
	assert_int_equal(an_stats(f.an)->bad_events, 1);
	assert_int_equal(an_stats(f.an)->live_pages, 0);
	an_free(f.an);
}

static uint64_t summary_num(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		fail_msg("no %s in the summary", key);
	return strtoull(p + strlen(pat), NULL, 10);
}

/* Report of f in text or JSON, with probe_misses; malloc'ed. */
static char *report_text(struct fx *f, bool json, uint64_t misses)
{
	struct report_opts o = { .json = json, .attach_mode = "kprobe", .probe_misses = misses };
	struct ksyms ks = { 0 };
	size_t len = 0;
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	report_print(mem, f->an, &ks, &o);
	fclose(mem);
	return buf;
}

/* Under -m, a leak in a run whose probes missed runs may be a missed free. */
static void test_leak_with_probe_misses(void **state)
{
	struct fx f = fx_new(true, true, 0);
	char *t;

	(void)state;
	km_alloc_pages(&f.k, 0x2000, 1, GFP_KERNEL);
	unload_drv(&f);
	an_finish(f.an, 0);
	t = report_text(&f, true, 3);
	assert_non_null(strstr(t, "\"may_be_missed_free\":true,\"probe_misses\":3"));
	assert_non_null(strstr(t, "it may be a missed free: the kernel skipped 3 runs"));
	free(t);
	t = report_text(&f, false, 1);
	assert_non_null(strstr(t, "ERROR leak [drv]: allocated by the module"));
	assert_non_null(strstr(t, "it may be a missed free: the kernel skipped 1 run of"));
	free(t);
	t = report_text(&f, true, 0);
	assert_null(strstr(t, "may_be_missed_free"));
	assert_null(strstr(t, "missed free"));
	free(t);
	an_free(f.an);
}

/* The CI formats say it too: SARIF (message and properties), JUnit (the
 * failure's message and text), annotations; none of it without misses. */
static void test_leak_with_probe_misses_ci(void **state)
{
	struct fx f = fx_new(true, true, 0);
	char dir[] = "/tmp/pt_ciXXXXXX", sp[256], jp[256], buf[16384], msg[CI_MESSAGE_LEN];
	static const char words[] = "it may be a missed free: the kernel skipped 3 runs of pagetrack's programs in this run (probe_misses)";
	struct ksyms ks = { 0 };
	const struct pt_finding *x;
	char *ann = NULL;
	size_t len = 0;
	FILE *mem;

	(void)state;
	km_alloc_pages(&f.k, 0x2000, 1, GFP_KERNEL);
	unload_drv(&f);
	x = only(&f, PT_K_LEAK);
	assert_non_null(mkdtemp(dir));
	snprintf(sp, sizeof(sp), "%s/r.sarif", dir);
	snprintf(jp, sizeof(jp), "%s/r.xml", dir);
	assert_int_equal(sarif_write(sp, f.an, &ks, NULL, 3), 0);
	slurp(sp, buf, sizeof(buf));
	assert_non_null(strstr(buf, words));
	assert_non_null(strstr(buf, "\"may_be_missed_free\":true,\"probe_misses\":3"));
	assert_int_equal(junit_write(jp, f.an, &ks, NULL, 3), 0);
	slurp(jp, buf, sizeof(buf));
	assert_non_null(strstr(buf, "<failure type=\"leak\" message=\"leak [drv]: "));
	/* In the failure's message and in its text. */
	assert_non_null(strstr(strstr(buf, words) + 1, words));
	mem = open_memstream(&ann, &len);
	assert_non_null(mem);
	gh_annotations(mem, f.an, &ks, NULL, 3);
	fclose(mem);
	assert_non_null(strstr(ann, words));
	free(ann);
	assert_non_null(strstr(ci_message(f.an, &ks, x, false, 1, msg, sizeof(msg)),
			       "it may be a missed free: the kernel skipped 1 run of"));
	/* An ordinary run's files say nothing of it. */
	assert_int_equal(sarif_write(sp, f.an, &ks, NULL, 0), 0);
	slurp(sp, buf, sizeof(buf));
	assert_null(strstr(buf, "missed"));
	assert_int_equal(junit_write(jp, f.an, &ks, NULL, 0), 0);
	slurp(jp, buf, sizeof(buf));
	assert_null(strstr(buf, "missed"));
	unlink(sp);
	unlink(jp);
	rmdir(dir);
	an_free(f.an);
}

/* The CI formats' one-line message is never cut: a full note, the largest
 * counts, a caller symbol of 255 bytes and the missed-free words fit. */
static void test_ci_message_never_cut(void **state)
{
	struct fx f = fx_new(true, true, 0);
	static const char tail[] = "of pagetrack's programs in this run (probe_misses)";
	char sym[256], msg[CI_MESSAGE_LEN];
	struct ksyms ks = { 0 };
	struct pt_finding y;
	size_t len;

	(void)state;
	memset(sym, 's', sizeof(sym));
	strcpy(sym + sizeof(sym) - 1 - strlen("+0x0 [drv]"), "+0x0 [drv]");
	assert_int_equal(ksyms_add_exact(&ks, MOD_IP, sym), 0);
	km_alloc_pages(&f.k, 0x2000, 1, GFP_KERNEL);
	unload_drv(&f);
	y = *only(&f, PT_K_LEAK);
	memset(y.note, 'n', sizeof(y.note) - 1);
	y.note[sizeof(y.note) - 1] = 0;
	y.count = UINT32_MAX;
	y.pages = UINT64_MAX;
	y.order = UINT32_MAX;
	ci_message(f.an, &ks, &y, true, UINT64_MAX, msg, sizeof(msg));
	len = strlen(msg);
	assert_true(len < sizeof(msg) - 1);
	assert_string_equal(msg + len - strlen(tail), tail);
	assert_non_null(strstr(msg, "; caller sss"));
	ksyms_free(&ks);
	an_free(f.an);
}

/* The summary's totals count the blocks BPF paired, and still add up. */
static void test_paired_totals_in_summary(void **state)
{
	struct fx f = fx_cold(false, false, 0);
	struct report_opts o = { .json = true, .attach_mode = "tracepoint" };
	struct ksyms ks = { 0 };
	uint64_t mask = 0x1, a, fr, d, out;
	uint32_t gfp = GFP_KERNEL;
	size_t len = 0;
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(mem);
	km_emit(&f.k, PT_EV_PAGE_ALLOC, 0x100, 2, set_gfp, &gfp);
	km_emit(&f.k, PT_EV_PAIRED_LIVE, 0x2000, 0, set_mask, &mask);
	/* BPF kept 10: 5 freed there, 1 reallocated unseen, 1 handed over. */
	an_set_paired(f.an, 10, 5, 1, 1);
	an_finish(f.an, 0);
	report_print(mem, f.an, &ks, &o);
	fclose(mem);
	a = summary_num(buf, "pages_allocated");
	fr = summary_num(buf, "pages_freed");
	d = summary_num(buf, "pages_dropped");
	out = summary_num(buf, "outstanding_pages");
	assert_int_equal(summary_num(buf, "tracked_allocs"), 2 + 9);
	assert_int_equal(a, 4 + 1 + 9);
	assert_int_equal(fr, 5);
	assert_int_equal(d, 1);
	assert_int_equal(out, a - fr - d);
	assert_int_equal(summary_num(buf, "paired_in_bpf"), 10);
	free(buf);
	/* Without stacks, the 3 blocks BPF still keeps join the order-0 group
	 * of the handed one (no stack, no owner): 4 pages; the order-2 block
	 * has its own. Not in a --min-age listing: their ages are unknown. */
	{
		struct pt_finding *g;
		unsigned int n, i, found = 0;

		assert_int_equal(an_snapshot(f.an, 0, 0, &g, &n), 0);
		for (i = 0; i < n; i++)
			if (g[i].order == 0 && g[i].stack_id == -1) {
				assert_int_equal(g[i].pages, 1 + 3);
				found++;
			}
		assert_int_equal(found, 1);
		free(g);
		assert_int_equal(an_snapshot(f.an, 1000, 1, &g, &n), 0);
		for (i = 0; i < n; i++)
			assert_true(g[i].order != 0 || g[i].pages == 1);
		free(g);
	}
	an_free(f.an);
}

/* With -m, what BPF keeps is out of scope: no total, no leak. */
static void test_paired_out_of_scope_with_m(void **state)
{
	struct fx f = fx_cold(false, true, 0);
	struct pt_finding *g;
	unsigned int n;

	(void)state;
	an_set_paired(f.an, 100, 10, 0, 0);
	assert_int_equal(pt_bpf_kept(an_stats(f.an)), 0);
	assert_int_equal(an_snapshot(f.an, 0, 0, &g, &n), 0);
	assert_int_equal(n, 0);
	free(g);
	expect_none(&f);
	an_free(f.an);
}

/*
 * Hash flooding: 40 000 keys that all share one slot under u64map's old
 * fixed hash (key * C, high half folded in: invertible). Keyed with a
 * per-process secret, finding each costs what a random key's does: the
 * total distance from home slot to key (the probes of every lookup) stays
 * linear, where the old hash made it n^2 / 2 (800 million).
 */
static void test_u64map_flood(void **state)
{
	const uint64_t c = 0x9e3779b97f4a7c15ULL;
	const size_t n = 40000;
	uint64_t inv = c, probes = 0;
	struct u64map m;
	size_t i, j, home;
	int k;

	(void)state;
	for (k = 0; k < 6; k++)
		inv *= 2 - c * inv;
	assert_int_equal(u64map_init(&m, 0), 0);
	for (i = 1; i <= n; i++) {
		uint64_t key = ((i << 32) | i) * inv, h = key * c;

		assert_int_equal((uint32_t)(h ^ (h >> 32)), 0);	/* old hash: slot 0 */
		assert_non_null(u64map_put(&m, key, NULL));
	}
	for (i = 0; i < m.cap; i++) {
		if (!u64map_used(&m, i))
			continue;
		home = u64map_home(&m, m.keys[i]);
		j = (i - home) & (m.cap - 1);
		probes += j + 1;
	}
	printf("# u64map flood: %zu colliding keys, %llu probes to find them all\n", n,
	       (unsigned long long)probes);
	assert_true(probes < 20 * n);
	for (i = 1; i <= n; i++)
		assert_true(u64map_del(&m, ((i << 32) | i) * inv));
	assert_int_equal(m.len, 0);
	u64map_free(&m);
}

/* The escaping rules on a hostile name (escape.h). */
static void test_escape(void **state)
{
	const char *name = "caf\xc3\xa9\n\x1b[2J;\\\"\xff\xe2\x80\xae\xc2\x9b";
	char buf[ESC_SIZE(64)], *mem = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_string_equal(esc_text(buf, sizeof(buf), name, NULL),
			    "caf\xc3\xa9\\x0a\\x1b[2J;\\\\\"\\xff\\xe2\\x80\\xae\\xc2\\x9b");
	assert_string_equal(esc_frame(buf, sizeof(buf), "a;b"), "a\\x3bb");
	/* Truncated at a whole escape, never inside one. */
	assert_string_equal(esc_text(buf, 6, "ab\ncd", NULL), "ab");
	assert_string_equal(esc_text(buf, 7, "ab\ncd", NULL), "ab\\x0a");
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	esc_json(f, name);
	fputc('|', f);
	esc_label(f, name);
	fclose(f);
	assert_string_equal(mem, "\"caf\xc3\xa9\\n\\u001b[2J;\\\\\\\"\\ufffd\\u202e\\u009b\"|"
			    "caf\xc3\xa9\\\\x0a\\\\x1b[2J;\\\\\\\\\\\"\\\\xff\\\\xe2\\\\x80\\\\xae\\\\xc2\\\\x9b");
	free(mem);
}

/* Interval reports (-i) name sites through the same escaping rules. */
static void test_interval_hostile_symbol(void **state)
{
	struct fx f = fx_new(true, true, 0);
	struct ksyms ks = { 0 };
	struct periodic p = { 0 };
	char *mem = NULL;
	size_t len = 0, i;
	FILE *m;

	(void)state;
	assert_int_equal(ksyms_add_exact(&ks, MOD_IP, "x\n\x1b]0;pwn\x07\xff+0x0 [drv]"), 0);
	km_alloc_pages(&f.k, 0x3000, 0, GFP_KERNEL);
	for (p.json = false;; p.json = true) {
		m = open_memstream(&mem, &len);
		assert_non_null(m);
		periodic_report(m, &p, f.an, &ks, f.k.ts, 1.0);
		fclose(m);
		for (i = 0; i < len; i++)
			assert_true((unsigned char)mem[i] >= 0x20 && (unsigned char)mem[i] != 0x7f &&
				    (unsigned char)mem[i] != 0xff ? true : mem[i] == '\n');
		assert_non_null(strstr(mem, p.json ? "x\\n\\u001b]0;pwn\\u0007\\ufffd+0x0 [drv]" :
					       "x\\x0a\\x1b]0;pwn\\x07\\xff+0x0 [drv]"));
		free(mem);
		mem = NULL;
		if (p.json)
			break;
	}
	ksyms_free(&ks);
	an_free(f.an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_alloc_free),
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_held_at_exit),
		cmocka_unit_test(test_leak_of_earlier_load),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_module_init_failed),
		cmocka_unit_test(test_unscoped_outstanding_is_not_a_finding),
		cmocka_unit_test(test_leaks_grouped_by_site),
		cmocka_unit_test(test_order_mismatch_api),
		cmocka_unit_test(test_getfree_order_mismatch),
		cmocka_unit_test(test_getfree_interrupted),
		cmocka_unit_test(test_order_mismatch_larger),
		cmocka_unit_test(test_order_mismatch_tracepoint_only),
		cmocka_unit_test(test_paired_blocks_handed_over),
		cmocka_unit_test(test_double_free_forgets_kept_realloc),
		cmocka_unit_test(test_paired_bad_base),
		cmocka_unit_test(test_paired_totals_in_summary),
		cmocka_unit_test(test_paired_out_of_scope_with_m),
		cmocka_unit_test(test_double_free_refcount),
		cmocka_unit_test(test_double_free_via_free_pages),
		cmocka_unit_test(test_double_free_names_first_free),
		cmocka_unit_test(test_double_free_forgets_reallocated_block),
		cmocka_unit_test(test_bases_read_by_bpf),
		cmocka_unit_test(test_bad_free_struct_page),
		cmocka_unit_test(test_partial_free),
		cmocka_unit_test(test_partial_free_every_tail_counted),
		cmocka_unit_test(test_tail_page_mapped),
		cmocka_unit_test(test_compound_map_is_clean),
		cmocka_unit_test(test_kmap_leak),
		cmocka_unit_test(test_kmap_balanced_is_clean),
		cmocka_unit_test(test_kmap_missed_return_still_counted),
		cmocka_unit_test(test_kmap_waits),
		cmocka_unit_test(test_kmap_partial),
		cmocka_unit_test(test_free_while_kmapped),
		cmocka_unit_test(test_tid_table_full_keeps_a_pending_kmap),
		cmocka_unit_test(test_getfree_unknown_direct_map),
		cmocka_unit_test(test_kunmap_unbalanced),
		cmocka_unit_test(test_pkmap_pressure),
		cmocka_unit_test(test_remap_failed_cow),
		cmocka_unit_test(test_remap_shared_ok),
		cmocka_unit_test(test_events_lost),
		cmocka_unit_test(test_longest_messages),
		cmocka_unit_test(test_armhf_free_site_from_api),
		cmocka_unit_test(test_leak_with_probe_misses),
		cmocka_unit_test(test_leak_with_probe_misses_ci),
		cmocka_unit_test(test_ci_message_never_cut),
		cmocka_unit_test(test_pitfall_noncompound_extra_head_ref),
		cmocka_unit_test(test_pitfall_irq_api_free_before_tails),
		cmocka_unit_test(test_pitfall_split_page),
		cmocka_unit_test(test_pitfall_alloc_pages_exact),
		cmocka_unit_test(test_pitfall_compound_put_page),
		cmocka_unit_test(test_pitfall_irq_free),
		cmocka_unit_test(test_pitfall_pages_before_tracing),
		cmocka_unit_test(test_pitfall_bulk_realloc_not_double_free),
		cmocka_unit_test(test_scope_ignores_other_code),
		cmocka_unit_test(test_scope_follows_pages),
		cmocka_unit_test(test_module_unload_tracking),
		cmocka_unit_test(test_page_accounting_invariant),
		cmocka_unit_test(test_garbage_events),
		cmocka_unit_test(test_ksyms_module_cache),
		cmocka_unit_test(test_metrics_one_series_per_caller),
		cmocka_unit_test(test_ksyms_parse),
		cmocka_unit_test(test_ksyms_unknown_hidden),
		cmocka_unit_test(test_outfile_links),
		cmocka_unit_test(test_sample_thresholds),
		cmocka_unit_test(test_ci_scrub),
		cmocka_unit_test(test_sampled_leak_estimate),
		cmocka_unit_test(test_sampled_mode_no_findings),
		cmocka_unit_test(test_scope_init_text),
		cmocka_unit_test(test_bad_free_kernel_memmap),
		cmocka_unit_test(test_kernel_owned_not_scoped),
		cmocka_unit_test(test_kernel_owned_frames),
		cmocka_unit_test(test_exit_tail_call),
		cmocka_unit_test(test_u64map_flood),
		cmocka_unit_test(test_remap_sigbus_per_process),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_interval_hostile_symbol),
	};

	return cmocka_run_group_tests_name("analyzer", tests, NULL, NULL);
}
