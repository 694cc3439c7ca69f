// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made seed recordings for tests/fuzz/corpus, next to the ones
 * tests/replay/gen_recordings.c writes: every finding kind, module events,
 * symbols inside and outside the allocator, a tracepoint-only recording
 * that learns sizeof(struct page), a longer header, and an odd-length copy
 * of each (the harness watches module "drv" on even lengths only).
 *   gen_seeds DIR          (scripts/fuzz.sh seeds regenerates the corpus)
 *   gen_seeds -r DIR       the hand-made inputs of tests/fuzz/regressions
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"
#include "events.h"

#define STK_KERNEL	4	/* allocator frames, then a plain kernel caller */
#define STK_DEEP	5	/* 20 frames, the module's 15th: text cut at 12 */

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	(void)modname;
	if (rec_write(ctx, PT_REC_EVENT, e, sizeof(*e)))
		exit(2);
}

static void check(int err, const char *what)
{
	if (err) {
		perror(what);
		exit(2);
	}
}

/* Header (header_size may exceed the struct: the reader skips the rest). */
static FILE *open_rec(const char *dir, const char *name, uint32_t arch, uint32_t struct_page,
		      uint32_t last_pkmap, uint32_t flags, uint32_t header_size)
{
	struct pt_rec_header h;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	check(!f, path);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PT_REC_MAGIC, 8);
	h.version = PT_REC_VERSION;
	h.header_size = header_size;
	h.arch = arch;
	h.page_shift = 12;
	h.struct_page_size = struct_page;
	h.last_pkmap = last_pkmap;
	h.attach_mode = PT_REC_KPROBE;
	h.flags = flags;
	snprintf(h.release, sizeof(h.release), "6.1.0-fuzz");
	check(fwrite(&h, sizeof(h), 1, f) != 1, path);
	for (; header_size > sizeof(h); header_size--)
		check(fputc(0, f) == EOF, path);
	return f;
}

static void module_rec(FILE *f, uint64_t base, uint64_t size, const char *name)
{
	struct pt_rec_module m = { base, size, "" };

	snprintf(m.name, sizeof(m.name), "%s", name);
	check(rec_write(f, PT_REC_MODULE, &m, sizeof(m)), "module");
}

static void stack_rec(FILE *f, int32_t id, const uint64_t *ips, uint32_t nr)
{
	uint32_t hdr[2] = { (uint32_t)id, nr };

	check(rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, nr * 8), "stack");
}

static void sym_rec(FILE *f, uint64_t addr, const char *text)
{
	check(rec_write2(f, PT_REC_SYM, &addr, 8, text, strlen(text) + 1), "sym");
}

static void modevent(FILE *f, struct kmodel *k, uint32_t type, const char *name,
		     uint64_t base, uint64_t size)
{
	struct pt_module_event m;

	memset(&m, 0, sizeof(m));
	m.ev.ts = (k->ts += 1000);
	m.ev.type = type;
	m.ev.a0 = base;
	m.ev.a1 = size;
	m.ev.stack_id = -1;
	m.ev.tgid = k->tgid;
	m.ev.tid = k->tid;
	strcpy(m.ev.comm, "insmod");
	snprintf(m.name, sizeof(m.name), "%s", name);
	check(rec_write(f, PT_REC_MODEVENT, &m, sizeof(m)), "modevent");
}

static void end_rec(FILE *f, uint64_t produced, uint64_t lost, uint64_t end_ns, bool odd)
{
	struct pt_rec_end end = { produced, lost, 3, 0, end_ns };
	long size;

	check(rec_write(f, PT_REC_END, &end, sizeof(end)), "end");
	size = ftell(f);
	/* Bytes after END are never read: they only set the length parity. */
	if ((size % 2 == 1) != odd)
		check(fputc('\n', f) == EOF, "pad");
	check(fclose(f), "close");
}

static void kmodel_init(struct kmodel *k, FILE *f)
{
	km_init(k, sink, f);
}

/* Stacks and symbols the reports resolve (module frame, allocator frames). */
static void stacks_and_syms(FILE *f)
{
	uint64_t mod[3] = { 0xffffffff81100000ULL, MOD_IP, 0xffffffff81200000ULL };
	uint64_t other[2] = { KERNEL_IP, 0xffffffff81300000ULL };
	uint64_t mod2[4] = { 0xffffffff81100000ULL, MOD_IP2, 0, 0 };	/* zero tail */
	uint64_t kern[4] = { 0xffffffff81100000ULL, 0xffffffff81100100ULL, KERNEL_IP,
			     0xffffffff81300000ULL };
	uint64_t deep[20];
	int i;

	stack_rec(f, STK_MODULE, mod, 3);
	stack_rec(f, STK_OTHER, other, 2);
	stack_rec(f, STK_MODULE2, mod2, 4);
	stack_rec(f, STK_KERNEL, kern, 4);
	for (i = 0; i < 20; i++)
		deep[i] = 0xffffffff81400000ULL + i * 0x40;
	deep[14] = MOD_IP;
	stack_rec(f, STK_DEEP, deep, 20);
	sym_rec(f, 0xffffffff81100000ULL, "__alloc_pages+0x10");
	sym_rec(f, 0xffffffff81100100ULL, "get_page_from_freelist+0x2c");
	sym_rec(f, KERNEL_IP, "pipe_write+0x1a7");
	sym_rec(f, MOD_IP, "drv_probe+0x20 [drv]");
	sym_rec(f, MOD_IP2, "drv_mmap+0x40 [drv]");
	sym_rec(f, 0xffffffff81300000ULL, "\"quoted\\\x01\x7f\xff");	/* JSON escapes */
}

/* Every finding kind and the pitfalls that must stay quiet. */
static void scenarios(const char *dir, const char *name, bool odd)
{
	struct remap_args r = { 0x7f0000000000ULL, 0x7f0000004000ULL, 0x71, 0, 0x1234, 4096 };
	struct kmodel k;
	FILE *f = open_rec(dir, name, PT_ARCH_I386, 64, 16, PT_RECF_API_EVENTS, 112);
	int i;

	kmodel_init(&k, f);
	stacks_and_syms(f);
	modevent(f, &k, PT_EV_MODULE_LOAD, "drv", MOD_BASE, MOD_SIZE);
	module_rec(f, MOD_BASE, MOD_SIZE, "drv");
	module_rec(f, 0xffffffffc0b00000ULL, 0x1000, "other");
	/* partial free: tails of a non-compound block freed alone */
	km_alloc_pages(&k, 0x4000, 4, GFP_KERNEL);
	k.tid = 200;
	k.stack = STK_OTHER;
	k.ip = 0;
	km_page_free(&k, 0x4003, 0);
	km_page_free(&k, 0x4005, 0);
	/* tail page mapped to user space */
	k.tid = 4242;
	k.stack = STK_MODULE2;
	k.ip = MOD_IP2;
	km_get_free_pages(&k, 0x5000, 2, GFP_KERNEL);
	k.stack = -1;
	k.ip = 0;
	k.tid = 300;
	for (i = 0; i < 4; i++)
		km_user_map(&k, 0x5000 + i, 0xfb);
	km_free_pages_addr(&k, ADDR(0x5000), 0x5000, 2);
	/* kmap of a multi-page head, free while kmapped, unbalanced kunmap */
	k.tid = 4242;
	k.stack = STK_MODULE;
	k.ip = MOD_IP;
	km_alloc_pages(&k, 0x60008, 3, GFP_HIGHUSER);
	km_kmap(&k, 0x60008);
	km_kunmap(&k, 0x60008);
	km___free_pages(&k, 0x60008, 3);
	km_alloc_pages(&k, 0x60010, 0, GFP_HIGHUSER);
	km_kmap(&k, 0x60010);
	km___free_pages(&k, 0x60010, 0);
	km_alloc_pages(&k, 0x60020, 0, GFP_HIGHUSER);
	km_kmap(&k, 0x60020);
	km_kunmap(&k, 0x60020);
	km_kunmap(&k, 0x60020);
	km___free_pages(&k, 0x60020, 0);
	/* pkmap pressure (16 slots, 50%), a missed kmap_high return */
	for (i = 0; i < 12; i++) {
		km_alloc_pages(&k, 0x70000 + i, 0, GFP_HIGHUSER);
		km_kmap(&k, 0x70000 + i);
	}
	km_emit(&k, PT_EV_KMAP, PTR(0x70000), 0, NULL, NULL);
	km_kmap(&k, 0x70001);
	for (i = 0; i < 12; i++)
		km_kunmap(&k, 0x70000 + i);
	/* split_page, compound block, order mismatch both ways */
	km_alloc_pages(&k, 0x9000, 2, GFP_KERNEL);
	km_split(&k, 0x9000, 2);
	for (i = 3; i >= 0; i--)
		km___free_pages(&k, 0x9000 + i, 0);
	km_alloc_pages(&k, 0xa000, 2, GFP_KERNEL | GFP_COMP_FLAG);
	km_free_pages_api(&k, 0xa000, 2, 2);
	km_page_free(&k, 0xa002, 1);
	km_alloc_pages(&k, 0xb000, 1, GFP_KERNEL);
	km___free_pages(&k, 0xb000, 2);
	km_get_free_pages(&k, 0xc000, 3, GFP_KERNEL);
	km_free_pages_addr(&k, ADDR(0xc000), 0xc000, 1);
	/* extra head reference: tails freed by the kernel, head later */
	km_alloc_pages(&k, 0x8000, 3, GFP_KERNEL);
	km_free_pages_api(&k, 0x8000, 3, 2);
	km_page_free(&k, 0x8004, 2);
	km_page_free(&k, 0x8002, 1);
	km_page_free(&k, 0x8001, 0);
	km_page_free(&k, 0x8000, 0);
	/* double free, remap failures, SIGBUS, allocations of plain kernel code */
	km_alloc_pages(&k, 0x3000, 0, GFP_KERNEL);
	km___free_pages(&k, 0x3000, 0);
	km_free_pages_api(&k, 0x3000, 0, 0);
	km_remap(&k, &r, -22);
	r.addr += 4096;
	km_remap(&k, &r, -12);
	km_sigbus(&k, 4242);
	k.stack = STK_KERNEL;
	k.ip = 0;
	k.tid = 77;
	km_alloc_pages(&k, 0xd000, 1, GFP_KERNEL);
	km_alloc_pages(&k, 0xd100, 0, GFP_KERNEL);
	k.stack = -14;		/* stack map failure */
	km_alloc_pages(&k, 0xd200, 0, GFP_KERNEL);
	/* leaks at unload */
	k.stack = STK_MODULE;
	k.ip = MOD_IP;
	k.tid = 4242;
	km_alloc_pages(&k, 0xe000, 2, GFP_KERNEL);
	k.stack = STK_DEEP;
	k.ip = 0;
	km_alloc_pages(&k, 0xe100, 0, GFP_KERNEL);
	modevent(f, &k, PT_EV_MODULE_FREE, "drv", 0, 0);
	end_rec(f, 500, 7, k.ts + 5000000000ULL, odd);
}

/* Tracepoint-only (no API events), sizeof(struct page) learned from pairs. */
static void tracepoint_only(const char *dir, const char *name, bool odd)
{
	struct kmodel k;
	FILE *f = open_rec(dir, name, PT_ARCH_AMD64, 0, 0, PT_RECF_PID_FILTERED, 128);

	kmodel_init(&k, f);
	stacks_and_syms(f);
	module_rec(f, MOD_BASE, MOD_SIZE, "drv");
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km_alloc_pages(&k, 0x1010, 0, GFP_KERNEL);
	km_page_free(&k, 0x1000, 2);		/* order mismatch, smaller */
	km_alloc_pages(&k, 0x2000, 1, GFP_KERNEL);
	km_page_free(&k, 0x2000, 2);		/* larger */
	km_alloc_pages(&k, 0x4000, 4, GFP_KERNEL);
	km_page_free(&k, 0x4008, 3);		/* tail half */
	km_page_free(&k, 0x4000, 3);
	km_emit(&k, PT_EV_FREE_PAGES, PTR(0x1010), 0, NULL, NULL);
	km_page_free(&k, 0x1010, 0);
	km_page_free(&k, 0x1010, 0);		/* untracked */
	km_emit(&k, PT_EV_PAGE_ALLOC, 0x5000, 12, NULL, NULL);	/* bad order */
	km_emit(&k, 0, 0, 0, NULL, NULL);	/* bad type */
	end_rec(f, 0, 0, 0, odd);
}

/* Header and END only. */
static void minimal(const char *dir, const char *name, bool odd)
{
	FILE *f = open_rec(dir, name, PT_ARCH_AMD64, 64, 0, PT_RECF_API_EVENTS, 112);

	end_rec(f, 0, 0, 0, odd);
}

/*
 * Regressions: an order the kernel can never send on the events whose order
 * the analyzer used unchecked: 64 is a shift exponent too large (UBSan); 40
 * made split_page() add 2^40 pieces (--replay hangs and eats memory).
 */
static void bad_order(const char *dir, const char *name, uint32_t type, uint32_t order,
		      uint32_t aux)
{
	struct kmodel k;
	FILE *f = open_rec(dir, name, PT_ARCH_AMD64, 64, 0, PT_RECF_API_EVENTS, 112);

	kmodel_init(&k, f);
	km_get_free_pages(&k, 0x1000, 2, GFP_KERNEL);
	km_emit(&k, type, PTR(0x1000), order, set_aux, &aux);
	end_rec(f, 0, 0, 0, true);
}

/*
 * Regression: the first stack of a recording has no frames (nr 0, or only
 * zero frames): stacks_add() and stacks_get() did pointer arithmetic on the
 * still-NULL ips array (UBSan: applying zero offset to null pointer).
 */
static void empty_stack(const char *dir, const char *name, bool zero_frames)
{
	uint64_t zeros[2] = { 0, 0 };
	struct kmodel k;
	FILE *f = open_rec(dir, name, PT_ARCH_AMD64, 64, 0, PT_RECF_API_EVENTS, 112);

	kmodel_init(&k, f);
	stack_rec(f, STK_OTHER, zeros, zero_frames ? 2 : 0);
	k.stack = STK_OTHER;
	k.ip = 0;
	km_alloc_pages(&k, 0x1000, 0, GFP_KERNEL);	/* outstanding: reported */
	end_rec(f, 0, 0, 0, true);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "-r")) {
		bad_order(argv[2], "split-order-64.ptr", PT_EV_SPLIT, 64, 0);
		bad_order(argv[2], "split-order-40-hang.ptr", PT_EV_SPLIT, 40, 0);
		bad_order(argv[2], "free-pages-refcount0-order-64.ptr", PT_EV_FREE_PAGES, 64, 0);
		bad_order(argv[2], "free-pages-mismatch-order-64.ptr", PT_EV_FREE_PAGES, 64, 1);
		bad_order(argv[2], "free-addr-struct-page-order-64.ptr", PT_EV_FREE_ADDR, 64, 0);
		empty_stack(argv[2], "stack-first-empty.ptr", false);
		empty_stack(argv[2], "stack-first-zero-frames.ptr", true);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds [-r] DIR\n");
		return 2;
	}
	scenarios(argv[1], "hm-scenarios.ptr", false);
	scenarios(argv[1], "hm-scenarios-odd.ptr", true);
	tracepoint_only(argv[1], "hm-tracepoint.ptr", false);
	tracepoint_only(argv[1], "hm-tracepoint-odd.ptr", true);
	minimal(argv[1], "hm-minimal.ptr", false);
	minimal(argv[1], "hm-minimal-odd.ptr", true);
	return 0;
}
