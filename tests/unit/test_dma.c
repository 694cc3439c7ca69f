// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA judge (src/analyzer_dma.c): every DMA finding kind, its correct
 * twin, and the cases that must stay silent on real drivers, from synthetic
 * event streams (dma_events.h) through the real analyzer.
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
#include "analyzer.h"
#include "analyzer_dma.h"
#include "ksyms.h"
#include "report_dma.h"
#include "dma_events.h"
#include "stack_table.h"

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	an_event(ctx, e, modname);
}

struct fx {
	struct analyzer *an;
	struct kmodel k;
};

/* scoped: -m drv, drv loaded before tracing (its range known). */
static struct fx fx_new(bool scoped)
{
	struct pt_config cfg = { .api_events = true, .pkmap_pct = 50 };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .max_pfn = 1 << 22 };
	struct fx f;

	if (scoped) {
		cfg.nmodules = 1;
		strcpy(cfg.modules[0], "drv");
	}
	f.an = an_new(&cfg, &ki, stack_ips, NULL);
	assert_non_null(f.an);
	if (scoped)
		an_module_range(f.an, "drv", MOD_BASE, MOD_SIZE);
	km_init(&f.k, sink, f.an);
	km_dma_dev(&f.k, "pt_dma0");
	return f;
}

/* drv loaded (again) while traced: what it unmaps it must have mapped
 * under our eyes. */
static void load_drv(struct fx *f)
{
	struct pt_event e = { .type = PT_EV_MODULE_LOAD, .ts = (f->k.ts += 1000) };

	an_event(f->an, &e, "drv");
}

static void unload_drv(struct fx *f)
{
	struct pt_event e = { .type = PT_EV_MODULE_FREE, .ts = (f->k.ts += 1000) };

	an_event(f->an, &e, "drv");
}

static const struct pt_finding *only(struct fx *f, enum pt_kind kind, unsigned int want)
{
	unsigned int n, i, c = 0;
	const struct pt_finding *fs, *x = NULL;

	an_finish(f->an, 0);
	fs = an_findings(f->an, &n);
	for (i = 0; i < n; i++) {
		assert_true(strlen(fs[i].note) < sizeof(fs[i].note) - 1);
		if (fs[i].kind != kind)
			fail_msg("unexpected finding %s (%s) while expecting only %s",
				 pt_kind_name(fs[i].kind), fs[i].note, pt_kind_name(kind));
		c++;
		if (!x)
			x = &fs[i];
	}
	assert_int_equal(c, want);
	return x;
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

/* ------------------------------------------------------------ twins */

static void test_pairs_are_clean(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_dma_stats *st;

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 4096, DMA_FROM_DEV, false);
	km_dma_unmap(&f.k, 0x1000000, 4096, DMA_FROM_DEV);
	km_dma_map(&f.k, 0x1001, 0x1001000, 512, DMA_TO_DEV, true);	/* kprobe form */
	km_dma_unmap(&f.k, 0x1001000, 512, DMA_TO_DEV);
	km_dma_map_sg(&f.k, 0xffff888001230000ULL, 2, DMA_BIDI, 2);
	km_dma_unmap_sg(&f.k, 0xffff888001230000ULL, 2, DMA_BIDI);
	km_dma_alloc(&f.k, 0x2000000, DIRECT + 0x2000000, 8192);
	km_dma_free(&f.k, 0x2000000, DIRECT + 0x2000000, 8192);
	/* the same page mapped twice for the device, unmapped twice */
	km_dma_map(&f.k, 0x1002, 0x1002000, 4096, DMA_TO_DEV, false);
	km_dma_map(&f.k, 0x1002, 0x1002000, 4096, DMA_TO_DEV, false);
	km_dma_unmap(&f.k, 0x1002000, 4096, DMA_TO_DEV);
	km_dma_unmap(&f.k, 0x1002000, 4096, DMA_TO_DEV);
	km_page_free(&f.k, 0x1002, 0);	/* after its unmaps: fine */
	unload_drv(&f);
	expect_none(&f);
	st = an_dma_stats(f.an);
	assert_int_equal(st->maps, 5);
	assert_int_equal(st->unmaps, 5);
	assert_int_equal(st->allocs, 1);
	assert_int_equal(st->frees, 1);
	assert_int_equal(st->live, 0);
	assert_int_equal(st->live_bytes, 0);
	an_free(f.an);
}

static void test_failed_map_is_not_tracked(void **state)
{
	struct fx f = fx_new(true);

	(void)state;
	km_dma_map(&f.k, 0x1000, UINT64_MAX, 4096, DMA_TO_DEV, false);
	km_dma_map(&f.k, 0x1000, UINT32_MAX, 4096, DMA_TO_DEV, true);
	km_dma_map_sg(&f.k, 0xffff888001230000ULL, 2, DMA_BIDI, 0);
	km_dma_alloc(&f.k, 0, 0, 8192);
	unload_drv(&f);
	expect_none(&f);
	assert_int_equal(an_dma_stats(f.an)->failed, 4);
	assert_int_equal(an_dma_stats(f.an)->live, 0);
	an_free(f.an);
}

/* ------------------------------------------------------------ leaks */

static void test_leak_at_unload(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	unload_drv(&f);
	x = only(&f, PT_K_DMA_LEAK, 1);
	assert_true(x->error);
	assert_int_equal(x->module, 0);
	assert_int_equal(x->dma_size, 256);
	assert_int_equal(x->dma_bytes, 256);
	assert_int_equal(x->dma_dir, DMA_TO_DEV);
	assert_int_equal(x->stack_id, STK_MODULE);
	assert_string_equal(an_dma_dev_name(f.an, x->dma_dev), "pt_dma0");
	an_free(f.an);
}

static void test_held_while_loaded(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_alloc(&f.k, 0x2000000, DIRECT + 0x2000000, 8192);
	x = only(&f, PT_K_DMA_HELD_AT_EXIT, 1);
	assert_false(x->error);
	assert_int_equal(x->dma_api, PT_DMA_COHERENT);
	assert_int_equal(an_errors(f.an), 0);
	an_free(f.an);
}

static void test_unscoped_live_is_not_a_finding(void **state)
{
	struct fx f = fx_new(false);
	struct pt_dma_usage *u;
	unsigned int n;

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 1500, DMA_FROM_DEV, false);
	km_dma_map(&f.k, 0x1001, 0x1001000, 1500, DMA_FROM_DEV, false);
	expect_none(&f);
	assert_int_equal(an_dma_usage(f.an, false, &u, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].mappings, 2);
	assert_int_equal(u[0].bytes, 3000);
	free(u);
	an_free(f.an);
}

/* ------------------------------------------------------------ unmaps */

static void test_unmap_twice(void **state)
{
	struct fx f = fx_new(false);	/* provable without -m */
	const struct pt_finding *x;

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	f.k.stack = STK_MODULE2;
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	f.k.stack = STK_OTHER;
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	x = only(&f, PT_K_DMA_BAD_UNMAP, 1);
	assert_true(x->error);
	assert_int_equal(x->dma_why, PT_DMA_WHY_AGAIN);
	assert_int_equal(x->stack_id, STK_OTHER);
	assert_int_equal(x->stack_id2, STK_MODULE2);
	an_free(f.an);
}

static void test_unmap_after_remap_is_clean(void **state)
{
	struct fx f = fx_new(false);

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	expect_none(&f);
	an_free(f.an);
}

static void test_unmap_never_mapped(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	unload_drv(&f);
	load_drv(&f);
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	x = only(&f, PT_K_DMA_BAD_UNMAP, 1);
	assert_int_equal(x->dma_why, PT_DMA_WHY_NEVER);
	assert_int_equal(x->dma_size2, 256);
	assert_int_equal(x->module, 0);
	an_free(f.an);
}

/* Mapped before tracing (module loaded before, or no -m): no proof. */
static void test_unmap_untracked_is_silent(void **state)
{
	struct fx f = fx_new(true);
	struct fx g = fx_new(false);

	(void)state;
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	expect_none(&f);
	assert_int_equal(an_dma_stats(f.an)->untracked, 1);
	km_dma_unmap(&g.k, 0x1000000, 256, DMA_TO_DEV);
	km_dma_unmap_sg(&g.k, 0xffff888001230000ULL, 2, DMA_BIDI);
	km_dma_free(&g.k, 0x2000000, DIRECT + 0x2000000, 8192);
	expect_none(&g);
	assert_int_equal(an_dma_stats(g.an)->untracked, 3);
	an_free(f.an);
	an_free(g.an);
}

static void test_unmap_size_and_dir(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	km_dma_unmap(&f.k, 0x1000000, 128, DMA_TO_DEV);
	x = only(&f, PT_K_DMA_UNMAP_MISMATCH, 1);
	assert_int_equal(x->dma_size, 256);
	assert_int_equal(x->dma_size2, 128);
	assert_int_equal(an_dma_stats(f.an)->live, 0);	/* unmapped all the same */
	an_free(f.an);

	f = fx_new(true);
	km_dma_map(&f.k, 0x1000, 0x1000000, 256, DMA_TO_DEV, false);
	f.k.stack = STK_MODULE2;
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_FROM_DEV);
	x = only(&f, PT_K_DMA_UNMAP_MISMATCH, 1);
	assert_int_equal(x->dma_dir, DMA_TO_DEV);
	assert_int_equal(x->dma_dir2, DMA_FROM_DEV);
	assert_int_equal(x->stack_id2, STK_MODULE2);
	an_free(f.an);
}

static void test_sg_nents(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	/* unmapped with the count mapped (1) instead of the nents given (2) */
	km_dma_map_sg(&f.k, 0xffff888001230000ULL, 2, DMA_BIDI, 1);
	km_dma_unmap_sg(&f.k, 0xffff888001230000ULL, 1, DMA_BIDI);
	x = only(&f, PT_K_DMA_UNMAP_MISMATCH, 1);
	assert_int_equal(x->dma_api, PT_DMA_SG);
	assert_int_equal(x->dma_size, 2);
	assert_int_equal(x->dma_size2, 1);
	an_free(f.an);
}

static void test_coherent_free_size(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_alloc(&f.k, 0x2000000, DIRECT + 0x2000000, 8192);
	km_dma_free(&f.k, 0x2000000, DIRECT + 0x2000000, 6000);
	x = only(&f, PT_K_DMA_FREE_MISMATCH, 1);
	assert_int_equal(x->dma_size, 8192);
	assert_int_equal(x->dma_size2, 6000);
	an_free(f.an);
}

/* ------------------------------------------------------- page frees */

static void test_free_while_mapped(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_map(&f.k, 0x1003, 0x1003000, 4096, DMA_FROM_DEV, false);
	f.k.stack = STK_MODULE2;
	km_page_free(&f.k, 0x1002, 1);	/* an order-1 block holding the page */
	km_dma_unmap(&f.k, 0x1003000, 4096, DMA_FROM_DEV);
	x = only(&f, PT_K_DMA_FREE_WHILE_MAPPED, 1);
	assert_true(x->error);
	assert_int_equal(x->pfn, 0x1003);
	assert_int_equal(x->stack_id, STK_MODULE);
	assert_int_equal(x->stack_id2, STK_MODULE2);
	an_free(f.an);
}

static void test_free_of_other_page_is_clean(void **state)
{
	struct fx f = fx_new(true);

	(void)state;
	/* 6000 bytes at offset 0: pages 0x1003 and 0x1004 */
	km_dma_map(&f.k, 0x1003, 0x1003000, 6000, DMA_FROM_DEV, false);
	km_page_free(&f.k, 0x1005, 0);
	km_page_free(&f.k, 0x1002, 0);
	km_dma_unmap(&f.k, 0x1003000, 6000, DMA_FROM_DEV);
	km_page_free(&f.k, 0x1004, 0);
	unload_drv(&f);
	expect_none(&f);
	an_free(f.an);
}

/* ------------------------------------------------ sg lists' pages */

#define SGL	0xffff888001230000ULL

/* A page of a mapped sg list freed before the unmap; the list's bytes are
 * its entries' lengths (a page and half of one). */
static void test_sg_free_while_mapped(void **state)
{
	struct fx f = fx_new(true);
	const uint64_t pfns[2] = { 0x1010, 0x1020 }, lens[2] = { 4096, 2048 };
	const struct pt_finding *x;

	(void)state;
	km_dma_map_sg_ents(&f.k, SGL, 2, DMA_FROM_DEV, 2, pfns, lens, 2);
	assert_int_equal(an_dma_stats(f.an)->live_bytes, 6144);
	f.k.stack = STK_MODULE2;
	km_page_free(&f.k, 0x1020, 0);
	km_dma_unmap_sg(&f.k, SGL, 2, DMA_FROM_DEV);
	km_page_free(&f.k, 0x1010, 0);		/* after the unmap: fine */
	assert_int_equal(an_dma_stats(f.an)->live_bytes, 0);
	x = only(&f, PT_K_DMA_FREE_WHILE_MAPPED, 1);
	assert_int_equal(x->dma_api, PT_DMA_SG);
	assert_int_equal(x->pfn, 0x1020);
	assert_int_equal(x->dma_size, 2);
	assert_int_equal(x->dma_sg_bytes, 6144);
	assert_int_equal(x->stack_id, STK_MODULE);
	assert_int_equal(x->stack_id2, STK_MODULE2);
	assert_non_null(strstr(x->note, "sg list"));
	an_free(f.an);
}

/* The twin: the pages freed after the unmap; a failed map's entries are
 * dropped, and a list without entries (an older recording) has 0 bytes. */
static void test_sg_pages_twin(void **state)
{
	struct fx f = fx_new(true);
	const uint64_t pfns[2] = { 0x1010, 0x1020 }, lens[2] = { 4096, 4096 };
	struct pt_dma_usage *u;
	unsigned int n;

	(void)state;
	km_dma_map_sg_ents(&f.k, SGL, 2, DMA_BIDI, 2, pfns, lens, 2);
	assert_int_equal(an_dma_usage(f.an, false, &u, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].bytes, 8192);
	free(u);
	km_dma_unmap_sg(&f.k, SGL, 2, DMA_BIDI);
	km_page_free(&f.k, 0x1010, 0);
	km_page_free(&f.k, 0x1020, 0);
	km_dma_map_sg_ents(&f.k, SGL + 64, 2, DMA_BIDI, 0, pfns, lens, 2);	/* failed */
	km_page_free(&f.k, 0x1010, 0);
	km_dma_map_sg(&f.k, SGL + 128, 2, DMA_BIDI, 2);
	assert_int_equal(an_dma_stats(f.an)->live_bytes, 0);
	km_dma_unmap_sg(&f.k, SGL + 128, 2, DMA_BIDI);
	unload_drv(&f);
	expect_none(&f);
	assert_int_equal(an_dma_stats(f.an)->failed, 1);
	an_free(f.an);
}

/* kprobe mode: the entries come at the entry with the list (pending), the
 * entries mapped at the return; an interrupt's list in between keeps its own. */
static void test_sg_pages_kprobe(void **state)
{
	struct fx f = fx_new(true);
	struct dma_args outer = { .dir = DMA_FROM_DEV, .handle = SGL, .size = 2,
				  .flags = PT_F_DMA_PENDING | PT_F_DMA_SG_ENTS };
	struct dma_args inner = outer, r_in = { .ret = 1 }, r_out = { .ret = 2 };
	const struct pt_finding *x;

	(void)state;
	inner.handle = SGL + 64;
	inner.size = 1;
	km_dma_sg_ent(&f.k, SGL, 0, 0x1010, 0, 4096);
	km_dma_sg_ent(&f.k, SGL, 1, 0x1020, 0, 1024);
	km_emit(&f.k, PT_EV_DMA_MAP_SG, 0, 0, set_dma, &outer);
	km_dma_sg_ent(&f.k, SGL + 64, 0, 0x1030, 0, 512);
	km_emit(&f.k, PT_EV_DMA_MAP_SG, 0, 0, set_dma, &inner);
	km_emit(&f.k, PT_EV_DMA_RET, 0, 0, set_dma, &r_in);
	km_emit(&f.k, PT_EV_DMA_RET, 0, 0, set_dma, &r_out);
	assert_int_equal(an_dma_stats(f.an)->live_bytes, 4096 + 1024 + 512);
	km_dma_unmap_sg(&f.k, SGL + 64, 1, DMA_FROM_DEV);
	km_page_free(&f.k, 0x1030, 0);
	km_page_free(&f.k, 0x1020, 0);
	km_dma_unmap_sg(&f.k, SGL, 2, DMA_FROM_DEV);
	x = only(&f, PT_K_DMA_FREE_WHILE_MAPPED, 1);
	assert_int_equal(x->pfn, 0x1020);
	assert_int_equal(x->dma_sg_bytes, 5120);
	an_free(f.an);
}

/* Tracepoint mode: the page of a physical address; a free of it while
 * mapped is found, of the page after it is not. */
static void test_phys_map(void **state)
{
	struct fx f = fx_new(true);
	const struct pt_finding *x;

	(void)state;
	km_dma_map_phys(&f.k, 0x1003000 + 0x800, 0x1003800, 2048, DMA_FROM_DEV);
	km_page_free(&f.k, 0x1004, 0);
	f.k.stack = STK_MODULE2;
	km_page_free(&f.k, 0x1003, 0);
	km_dma_unmap(&f.k, 0x1003800, 2048, DMA_FROM_DEV);
	x = only(&f, PT_K_DMA_FREE_WHILE_MAPPED, 1);
	assert_int_equal(x->pfn, 0x1003);
	assert_int_equal(x->pages, 1);
	an_free(f.an);
}

/* dma_alloc_pages() buffers pair among themselves: freed with another size
 * is dma_free_mismatch; a coherent free of the same handle is not theirs. */
static void test_alloc_pages(void **state)
{
	struct fx f = fx_new(true);
	struct dma_args a = { .handle = 0x3000000, .page = DIRECT + 0x3000000, .size = 8192,
			      .flags = PT_F_DMA_PAGES };
	struct dma_args fr = a;
	const struct pt_finding *x;

	(void)state;
	km_emit(&f.k, PT_EV_DMA_ALLOC, 0, 0, set_dma, &a);
	fr.size = 4096;
	km_emit(&f.k, PT_EV_DMA_FREE, 0, 0, set_dma, &fr);
	x = only(&f, PT_K_DMA_FREE_MISMATCH, 1);
	assert_int_equal(x->dma_api, PT_DMA_ALLOC_PAGES);
	assert_int_equal(x->dma_size, 8192);
	assert_int_equal(x->dma_size2, 4096);
	assert_non_null(strstr(x->note, "dma_free_pages()"));
	assert_int_equal(an_dma_stats(f.an)->allocs, 1);
	assert_int_equal(an_dma_stats(f.an)->frees, 1);
	an_free(f.an);
}

/* kprobe mode: an interrupt's map between a call's entry and its return. */
/* Metrics by call site: two stacks through one module function are one
 * series (a label set printed twice is an invalid exposition); another
 * function is its own. */
static void test_metrics_merge_sites(void **state)
{
	char path[] = "/tmp/pt_dmasymsXXXXXX", *text = NULL;
	struct fx f = fx_new(true);
	struct ksyms ks = { 0 };
	size_t len = 0;
	FILE *out;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	fprintf(out, "ffffffff81100000 T dma_map_page_attrs\nffffffff81200000 T vfs_write\n"
		"ffffffff81300000 T ksys_write\nffffffffc0a00100 t drv_map\t[drv]\n"
		"ffffffffc0a00300 t drv_other\t[drv]\n");
	fclose(out);
	assert_int_equal(ksyms_load(&ks, path), 0);
	unlink(path);
	f.k.ip = 0;	/* the site from each stack */
	f.k.stack = STK_MODULE;
	km_dma_map(&f.k, 0x1000, 0x1000000, 4096, DMA_TO_DEV, false);
	f.k.stack = STK_MODULE_ALT;
	km_dma_map(&f.k, 0x1001, 0x1001000, 512, DMA_TO_DEV, false);
	f.k.stack = STK_MODULE2;
	km_dma_map(&f.k, 0x1002, 0x1002000, 256, DMA_TO_DEV, false);
	out = open_memstream(&text, &len);
	dma_metrics(out, f.an, &ks, 10);
	fclose(out);
	assert_non_null(strstr(text, "pagetrack_dma_live_by_site{caller=\"drv_map+0x20 [drv]\"} 2\n"));
	assert_non_null(strstr(text, "pagetrack_dma_live_bytes_by_site{caller=\"drv_map+0x20 [drv]\"} 4608\n"));
	assert_non_null(strstr(text, "pagetrack_dma_live_by_site{caller=\"drv_other+0x40 [drv]\"} 1\n"));
	assert_null(strstr(strstr(text, "drv_map+0x20") + 1, "pagetrack_dma_live_by_site{caller=\"drv_map"));
	assert_non_null(strstr(text, "pagetrack_dma_live_by_device{device=\"pt_dma0\"} 3\n"));
	free(text);
	ksyms_free(&ks);
	an_free(f.an);
}

static void test_kprobe_nested_map(void **state)
{
	struct fx f = fx_new(true);
	struct dma_args outer = { .dir = DMA_TO_DEV, .page = PTR(0x1000), .size = 256,
				  .flags = PT_F_DMA_PENDING };
	struct dma_args inner = { .dir = DMA_FROM_DEV, .page = PTR(0x1100), .size = 1536,
				  .flags = PT_F_DMA_PENDING };
	struct dma_args r_in = { .handle = 0x1100000 }, r_out = { .handle = 0x1000000 };

	(void)state;
	km_emit(&f.k, PT_EV_DMA_MAP, 0, 0, set_dma, &outer);
	f.k.stack = STK_OTHER;
	km_emit(&f.k, PT_EV_DMA_MAP, 0, 0, set_dma, &inner);
	km_emit(&f.k, PT_EV_DMA_RET, 0, 0, set_dma, &r_in);
	km_dma_unmap(&f.k, 0x1100000, 1536, DMA_FROM_DEV);
	f.k.stack = STK_MODULE;
	km_emit(&f.k, PT_EV_DMA_RET, 0, 0, set_dma, &r_out);
	km_dma_unmap(&f.k, 0x1000000, 256, DMA_TO_DEV);
	unload_drv(&f);
	expect_none(&f);
	assert_int_equal(an_dma_stats(f.an)->ret_missed, 0);
	assert_int_equal(an_dma_stats(f.an)->live, 0);
	an_free(f.an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_are_clean),
		cmocka_unit_test(test_failed_map_is_not_tracked),
		cmocka_unit_test(test_leak_at_unload),
		cmocka_unit_test(test_held_while_loaded),
		cmocka_unit_test(test_unscoped_live_is_not_a_finding),
		cmocka_unit_test(test_unmap_twice),
		cmocka_unit_test(test_unmap_after_remap_is_clean),
		cmocka_unit_test(test_unmap_never_mapped),
		cmocka_unit_test(test_unmap_untracked_is_silent),
		cmocka_unit_test(test_unmap_size_and_dir),
		cmocka_unit_test(test_sg_nents),
		cmocka_unit_test(test_coherent_free_size),
		cmocka_unit_test(test_free_while_mapped),
		cmocka_unit_test(test_free_of_other_page_is_clean),
		cmocka_unit_test(test_kprobe_nested_map),
		cmocka_unit_test(test_sg_free_while_mapped),
		cmocka_unit_test(test_sg_pages_twin),
		cmocka_unit_test(test_sg_pages_kprobe),
		cmocka_unit_test(test_phys_map),
		cmocka_unit_test(test_alloc_pages),
		cmocka_unit_test(test_metrics_merge_sites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
