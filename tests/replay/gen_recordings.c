// SPDX-License-Identifier: GPL-2.0
/*
 * Writes recordings for the replay tests with the real record writer:
 * a buggy driver's session, a clean one, and damaged copies.
 *   gen_recordings DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"
#include "events.h"
#include "dma_events.h"

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	(void)modname;
	if (rec_write(ctx, PT_REC_EVENT, e, sizeof(*e)))
		exit(2);
}

static FILE *start_cfg(const char *dir, const char *name, struct kmodel *k,
		      const struct pt_config *cfg)
{
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = 512,
				     .max_pfn = 1 << 22 };
	struct pt_rec_module m = { MOD_BASE, MOD_SIZE, "drv" };
	uint64_t ips[3] = { 0xffffffff81100000ULL, MOD_IP, 0xffffffff81200000ULL };
	uint32_t hdr[2] = { STK_MODULE, 3 };
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || rec_write_header(f, &ki, 1, PT_RECF_API_EVENTS, cfg) ||
	    rec_write(f, PT_REC_MODULE, &m, sizeof(m)) ||
	    rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips))) {
		perror(path);
		exit(2);
	}
	km_init(k, sink, f);
	km_get_free_pages(k, 0x500, 0, GFP_KERNEL);
	km_free_pages_addr(k, ADDR(0x500), 0x500, 0);
	return f;
}

static FILE *start(const char *dir, const char *name, struct kmodel *k)
{
	return start_cfg(dir, name, k, NULL);
}

static void finish(FILE *f, uint64_t lost)
{
	struct pt_rec_end end = { 1000, lost, 0, 0, 0 };
	const char *s1 = "__alloc_pages+0x10", *s2 = "drv_probe+0x20 [drv]";
	uint64_t a1 = 0xffffffff81100000ULL, a2 = MOD_IP;

	if (rec_write2(f, PT_REC_SYM, &a1, 8, s1, strlen(s1) + 1) ||
	    rec_write2(f, PT_REC_SYM, &a2, 8, s2, strlen(s2) + 1) ||
	    rec_write(f, PT_REC_END, &end, sizeof(end)) || fclose(f))
		exit(2);
}

static void modevent(FILE *f, const struct pt_event *e)
{
	struct pt_module_event m = { .ev = *e, .name = "drv" };

	if (rec_write(f, PT_REC_MODEVENT, &m, sizeof(m)))
		exit(2);
}

/* drv unloaded (module:module_free): what it still holds is leaked. */
static void unload(FILE *f, struct kmodel *k)
{
	struct pt_event e = { .type = PT_EV_MODULE_FREE, .tid = k->tid };

	e.ts = (k->ts += 1000);
	modevent(f, &e);
}

static void init_session(FILE *f, struct kmodel *k)
{
	struct pt_event ld = { .type = PT_EV_MODULE_LOAD, .tid = 4242, .a0 = MOD_BASE,
			       .a1 = MOD_SIZE, .a2 = INIT_BASE, .a3 = INIT_SIZE, .ip = MOD_IP2 };
	struct pt_event end = { .type = PT_EV_MODULE_INIT_END, .tid = 4242 };
	struct pt_event un = { .type = PT_EV_MODULE_UNLOAD, .tid = 4243 };
	uint64_t ips[3] = { 0xffffffff81100000ULL, INIT_IP, 0xffffffff81200000ULL };
	uint32_t hdr[2] = { STK_INIT, 3 }, owned = PT_F_KERNEL_OWNED;
	uint64_t a1 = INIT_IP, a2 = MOD_IP2;
	const char *s1 = "drv_init+0x40 [drv]", *s2 = "drv_exit+0x0 [drv]";

	if (rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips)) ||
	    rec_write2(f, PT_REC_SYM, &a1, 8, s1, strlen(s1) + 1) ||
	    rec_write2(f, PT_REC_SYM, &a2, 8, s2, strlen(s2) + 1))
		exit(2);
	ld.ts = end.ts = un.ts = k->ts;
	modevent(f, &ld);
	k->stack = STK_INIT;
	k->ip = INIT_IP;
	km_alloc_pages(k, 0x7000, 3, GFP_KERNEL);		/* in init */
	km_alloc_pages(k, 0x7100, 1, GFP_KERNEL);		/* in init, badly freed */
	km_emit(k, PT_EV_PAGE_ALLOC, 0x7200, 0, set_flags, &owned);	/* a slab page */
	end.ts = k->ts;
	sink(f, &end, NULL);
	km_alloc_pages(k, 0x7300, 0, GFP_KERNEL);		/* init text gone */
	k->stack = STK_OTHER;
	k->ip = KERNEL_IP;
	k->tid = 4243;
	un.ts = k->ts;
	modevent(f, &un);
	km___free_pages(k, 0x7000, 2);				/* order_mismatch */
	km_emit(k, PT_EV_FREE_ADDR, PTR(0x7100), 1, NULL, NULL);	/* bad_free, tail call */
	unload(f, k);
}

/*
 * hostile.ptr: what others control, as an attacker would set it. A module
 * name, a process name (anyone's prctl(PR_SET_NAME)) and symbols holding
 * newlines, ESC sequences (an OSC that sets the terminal title), ';',
 * quotes, backslashes, a bidi override and invalid UTF-8, beside a valid
 * "café". The root frame's symbol would forge a folded line "x 1000000".
 */
#define HMOD "d\nv\x1b[31m;\xff"
#define HCOMM "a\nERROR \x1b]0;x\x07"
#define HSYM "caf\xc3\xa9" "\x1b]0;pwn\x07" "\xe2\x80\xae" "q\"b\\s\xff;x+0x20 [" HMOD "]"
#define HROOT "x 1000000\nroot;fn+0x0"

static void hostile_sink(void *ctx, const struct pt_event *e, const char *modname)
{
	struct pt_event h = *e;

	(void)modname;
	memset(h.comm, 0, sizeof(h.comm));
	memcpy(h.comm, HCOMM, strlen(HCOMM));
	if (rec_write(ctx, PT_REC_EVENT, &h, sizeof(h)))
		exit(2);
}

static void hostile(const char *dir)
{
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = 512,
				     .max_pfn = 1 << 22 };
	struct pt_rec_module m = { MOD_BASE, MOD_SIZE, HMOD };
	uint64_t ips[3] = { 0xffffffff81100000ULL, MOD_IP, 0xffffffff81200000ULL };
	uint32_t hdr[2] = { STK_MODULE, 3 };
	struct pt_rec_end end = { 1000, 0, 0, 0, 0 };
	const char *s1 = "__alloc_pages+0x10", *s2 = HSYM, *s3 = HROOT;
	uint64_t a1 = ips[0], a2 = MOD_IP, a3 = ips[2];
	struct kmodel k;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/hostile.ptr", dir);
	f = fopen(path, "wb");
	if (!f || rec_write_header(f, &ki, 1, PT_RECF_API_EVENTS, NULL) ||
	    rec_write(f, PT_REC_MODULE, &m, sizeof(m)) ||
	    rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips))) {
		perror(path);
		exit(2);
	}
	km_init(&k, hostile_sink, f);
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&k, 0x1000, 2);				/* order_mismatch */
	km_alloc_pages(&k, 0x2000, 1, GFP_KERNEL);		/* leak */
	{
		struct pt_module_event un = { .ev = { .type = PT_EV_MODULE_FREE } };

		un.ev.ts = (k.ts += 1000);
		memcpy(un.name, HMOD, strlen(HMOD));		/* unloaded: proven */
		if (rec_write(f, PT_REC_MODEVENT, &un, sizeof(un)))
			exit(2);
	}
	if (rec_write2(f, PT_REC_SYM, &a1, 8, s1, strlen(s1) + 1) ||
	    rec_write2(f, PT_REC_SYM, &a2, 8, s2, strlen(s2) + 1) ||
	    rec_write2(f, PT_REC_SYM, &a3, 8, s3, strlen(s3) + 1) ||
	    rec_write(f, PT_REC_END, &end, sizeof(end)) || fclose(f))
		exit(2);
}

/* A KLOCAL_* event as BPF's pairing sends it. */
static void kl_emit(FILE *f, uint32_t type, uint64_t ts, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t ip, int32_t stack, uint32_t order, uint32_t aux,
		    uint32_t flags)
{
	struct pt_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.ts = ts;
	e.tgid = e.tid = 77;
	e.a0 = a0;
	e.a1 = a1;
	e.a2 = a2;
	e.a3 = a3;
	e.ip = ip;
	e.stack_id = stack;
	e.order = order;
	e.aux = aux;
	e.flags = flags;
	strcpy(e.comm, "t");
	if (rec_write(f, PT_REC_EVENT, &e, sizeof(e)))
		exit(2);
}

/*
 * klocal.ptr: one finding of every kmap_local kind, at mapping slot
 * addresses (kernel virtual addresses) no shared output may show.
 */
#define SLOT0 0xffffffffff5fb000ULL
#define SLOT1 0xffffffffff5fa000ULL
static void klocal(const char *dir)
{
	struct pt_event c;
	struct kmodel k;
	FILE *f = start(dir, "klocal.ptr", &k);
	uint64_t sec = 1000000000ULL;

	/* out of order, then of a slot holding nothing */
	kl_emit(f, PT_EV_KLOCAL_UNMAP, 10 * sec, SLOT0, MOD_IP, SLOT1, MOD_IP2, MOD_IP + 0x40,
		STK_MODULE, 2, 2, 0);
	kl_emit(f, PT_EV_KLOCAL_UNMAP, 10 * sec, SLOT1, 0, SLOT0, MOD_IP2, MOD_IP + 0x48,
		STK_MODULE, 1, 1, PT_KL_F_NOT_HELD);
	/* held when the task exits, mapped at 5 s */
	kl_emit(f, PT_EV_KLOCAL_HELD, 11 * sec, SLOT0, MOD_IP, 5 * sec, 0, 0, -1, 1,
		PT_KL_HELD_EXIT, 0);
	kl_emit(f, PT_EV_KLOCAL_SCHED, 12 * sec, SLOT0, MOD_IP, 11 * sec, 0, 0, STK_MODULE, 1, 1,
		PT_KL_F_ATOMIC);
	kl_emit(f, PT_EV_KLOCAL_DEEP, 13 * sec, SLOT1, MOD_IP2, 12 * sec, 0, 0, STK_MODULE, 12,
		12, 0);
	memset(&c, 0, sizeof(c));
	c.type = PT_EV_KLOCAL_COUNTS;
	c.ts = 14 * sec;
	c.klocal_counts.maps = 100;
	c.klocal_counts.unmaps = 98;
	c.klocal_counts.peak = 12;
	c.klocal_counts.km_max = 16;
	if (rec_write(f, PT_REC_EVENT, &c, sizeof(c)))
		exit(2);
	finish(f, 0);
}

/*
 * colliding.ptr: 40 000 order-0 pages whose pfns all share one slot under
 * u64map's old fixed hash (key * 0x9e3779b97f4a7c15, high half folded into
 * the low: invertible, so anyone could pick the keys), allocated then
 * freed; sequential.ptr: the same with pfns 1, 2, 3, ... for comparison.
 */
#define NCOLLIDE 40000
static void colliding(const char *dir, const char *name, bool collide)
{
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = 512 };
	struct pt_rec_end end = { 2 * NCOLLIDE, 0, 0, 0, 0 };
	const uint64_t c = 0x9e3779b97f4a7c15ULL;
	uint64_t inv = c, pfn;
	struct kmodel k;
	char path[512];
	FILE *f;
	int i, pass;

	for (i = 0; i < 6; i++)		/* Newton: c * inv = 1 mod 2^64 */
		inv *= 2 - c * inv;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || rec_write_header(f, &ki, 1, 0, NULL)) {
		perror(path);
		exit(2);
	}
	km_init(&k, sink, f);
	k.stack = -1;
	for (pass = 0; pass < 2; pass++)
		for (i = 1; i <= NCOLLIDE; i++) {
			/* h = x ^ (x >> 32) has its low 32 bits 0 when x = i << 32 | i */
			pfn = collide ? (((uint64_t)i << 32) | (uint64_t)i) * inv : (uint64_t)i;
			if (pass)
				km_page_free(&k, pfn, 0);
			else
				km_emit(&k, PT_EV_PAGE_ALLOC, pfn, 0, set_gfp, &(uint32_t){ GFP_KERNEL });
		}
	if (rec_write(f, PT_REC_END, &end, sizeof(end)) || fclose(f))
		exit(2);
}

/* Writes stack id with its frames, each named by its SYM text (NULL: none). */
static void named_stack(FILE *f, uint32_t id, const uint64_t *ips, const char *const *names,
			uint32_t nr)
{
	uint32_t hdr[2] = { id, nr }, i;

	if (rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, nr * sizeof(*ips)))
		exit(2);
	for (i = 0; i < nr; i++)
		if (names[i] && rec_write2(f, PT_REC_SYM, &ips[i], 8, names[i], strlen(names[i]) + 1))
			exit(2);
}

/*
 * frames.ptr: stacks shaped as fentry kernels give them (6.12: a BPF
 * program's frame and the probed function's entry call between the
 * allocator and its caller; 6.1: unnamed trampolines and __get_free_pages+0x5
 * twice; a free stack starting with two BPF frames kallsyms does not name),
 * and a module whose kernel helpers (alloc_pages, kmap) were compiled out of
 * line into it.
 */
#define K(off)		(0xffffffff81000000ULL + (off))
#define TRAMP(off)	(0xffffffffa0000000ULL + (off))
#define M(off)		(MOD_BASE + (off))
static void frames_session(FILE *f, struct kmodel *k)
{
	static const uint64_t s20[] = { K(0x10228), TRAMP(0x37d), K(0x10009), M(0x61c), M(0x730),
					K(0x20050) };
	static const char *const n20[] = { "__alloc_pages_noprof+0x228",
		"bpf_prog_a076c1e5b4e1f2a3_pagetrack_module_free+0x37d [bpf]",
		"__alloc_pages_noprof+0x9", "alloc_pages+0x1c [drv]", "drv_setup+0x30 [drv]",
		"do_one_initcall+0x50" };
	static const uint64_t s21[] = { TRAMP(0x1040), TRAMP(0x2080), K(0x30009), M(0x814),
					K(0x40010) };
	/* Its BPF frames unnamed, as where kallsyms does not list BPF programs
	 * (net.core.bpf_jit_kallsyms 0, seen on 6.12). */
	static const char *const n21[] = { NULL, NULL, "__free_pages+0x9",
		"drv_teardown+0x14 [drv]", "do_exit+0x10" };
	static const uint64_t s22[] = { K(0x101a0), TRAMP(0x5000), K(0x10005), K(0x50012),
					TRAMP(0x6000), K(0x50005), K(0x50005), M(0x922),
					K(0x60040) };
	static const char *const n22[] = { "__alloc_pages+0x1a0", NULL, "__alloc_pages+0x5",
		"__get_free_pages+0x12", NULL, "__get_free_pages+0x5", "__get_free_pages+0x5",
		"drv_getfree+0x22 [drv]", "do_syscall_64+0x40" };
	static const uint64_t s23[] = { K(0x70000), M(0xa10), M(0xb44), K(0x60040) };
	static const char *const n23[] = { "kmap_high+0x0", "kmap.constprop.0+0x10 [drv]",
		"drv_map+0x44 [drv]", "do_syscall_64+0x40" };

	named_stack(f, 20, s20, n20, 6);
	named_stack(f, 21, s21, n21, 5);
	named_stack(f, 22, s22, n22, 9);
	named_stack(f, 23, s23, n23, 4);
	/* Stack 20 without the BPF frame: another stack id, the same site. */
	{
		static const uint64_t s24[] = { K(0x10228), M(0x61c), M(0x730), K(0x20050) };
		static const char *const n24[] = { NULL, NULL, NULL, NULL };

		named_stack(f, 24, s24, n24, 4);
	}
	k->stack = 20;
	k->ip = M(0x61c);			/* the module's own alloc_pages() copy */
	km_alloc_pages(k, 0x8000, 1, GFP_KERNEL);		/* leak */
	k->stack = 22;
	k->ip = M(0x922);
	km_get_free_pages(k, 0x8100, 2, GFP_KERNEL);
	k->stack = 21;
	k->ip = M(0x814);
	km_free_pages_addr(k, ADDR(0x8100), 0x8100, 1);		/* order_mismatch */
	k->stack = 20;
	k->ip = M(0x61c);
	km_alloc_pages(k, 0x60000, 0, GFP_HIGHUSER);		/* leak */
	k->stack = 23;
	k->ip = M(0xa10);			/* kmap() called from a kmap copy */
	km_kmap(k, 0x60000);					/* kmap_leak */
	k->stack = 24;
	k->ip = M(0x61c);
	km_alloc_pages(k, 0x8200, 1, GFP_KERNEL);		/* leak, same site */
	/* kmap_local through the module's own kmap_local_page() and
	 * __kunmap_local() copies, with map stacks: unmapped out of order,
	 * and one held at exit; and one held at exit as recordings from
	 * before map stacks have it (its map site in kmap_atomic's copy). */
	{
		static const uint64_t s27[] = { K(0x90000), M(0xc20), M(0xe40), K(0x60040) };
		static const char *const n27[] = { "__kmap_local_pfn_prot+0x0",
			"kmap_local_page+0x20 [drv]", "drv_copy+0x40 [drv]", "do_syscall_64+0x40" };
		static const uint64_t s28[] = { K(0x90000), M(0xc20), M(0xe4c), K(0x60040) };
		static const char *const n28[] = { "__kmap_local_pfn_prot+0x0",
			"kmap_local_page+0x20 [drv]", "drv_copy+0x4c [drv]", "do_syscall_64+0x40" };
		static const uint64_t s29[] = { K(0x90000), M(0xc20), M(0xf10), K(0x60040) };
		static const char *const n29[] = { "__kmap_local_pfn_prot+0x0",
			"kmap_local_page+0x20 [drv]", "drv_hold+0x10 [drv]", "do_syscall_64+0x40" };
		static const uint64_t s30[] = { M(0xc60) };
		static const char *const n30[] = { "kmap_atomic+0x10 [drv]" };
		static const uint64_t s25[] = { K(0x80000), M(0xd10), M(0xe58), K(0x60040) };
		static const char *const n25[] = { "kunmap_local_indexed+0x0",
			"__kunmap_local+0x10 [drv]", "drv_copy+0x58 [drv]", "do_syscall_64+0x40" };
		static const uint64_t site[] = { M(0xc20) };
		static const char *const nsite[] = { "kmap_local_page+0x20 [drv]" };
		struct pt_event e = { .type = PT_EV_KLOCAL_UNMAP, .tgid = 4242, .tid = 4242,
				      .stack_id = 25, .ip = M(0xd10), .order = 2, .aux = 2,
				      .a0 = 0xff7fe000, .a1 = M(0xc20), .a2 = 0xff7fd000,
				      .a3 = M(0xc20), .flags = PT_KL_F_MAP_STACK, .map_sid = 27,
				      .top_map_sid = 28 };

		named_stack(f, 25, s25, n25, 4);
		named_stack(f, 26, site, nsite, 1);
		named_stack(f, 27, s27, n27, 4);
		named_stack(f, 28, s28, n28, 4);
		named_stack(f, 29, s29, n29, 4);
		named_stack(f, 30, s30, n30, 1);
		e.ts = (k->ts += 1000);
		sink(f, &e, NULL);
		memset(&e, 0, sizeof(e));
		e.type = PT_EV_KLOCAL_HELD;
		e.tgid = e.tid = 4243;
		e.stack_id = -1;
		e.a0 = 0xff7fe000;
		e.a1 = M(0xc20);
		e.a2 = k->ts;
		e.aux = PT_KL_HELD_EXIT;
		e.order = 1;
		e.flags = PT_KL_F_MAP_STACK;
		e.map_sid = 29;
		e.ts = (k->ts += 1000);
		sink(f, &e, NULL);
		e.tgid = e.tid = 4244;
		e.a1 = M(0xc60);
		e.a2 = k->ts;
		e.flags = 0;
		e.map_sid = 0;		/* no PT_KL_F_MAP_STACK: not a stack id */
		e.ts = (k->ts += 1000);
		sink(f, &e, NULL);
	}
	unload(f, k);				/* the leaks proven */
}

/*
 * dma.ptr: drv loaded while traced, one of each DMA bug beside its correct
 * twin on device pt_dma0, then unloaded (the leak proven).
 */
static void dma(const char *dir)
{
	struct pt_module_event dev = { .ev = { .type = PT_EV_DMA_DEV, .a0 = DMA_DEV,
					       .stack_id = -1 }, .name = "pt_dma0" };
	struct pt_event ld = { .type = PT_EV_MODULE_LOAD, .tid = 4242 };
	struct kmodel k;
	FILE *f = start(dir, "dma.ptr", &k);

	unload(f, &k);
	ld.ts = (k.ts += 1000);
	modevent(f, &ld);
	if (rec_write(f, PT_REC_MODEVENT, &dev, sizeof(dev)))
		exit(2);
	/* the twins: page (fentry and kprobe forms), sg, coherent */
	km_dma_map(&k, 0x1000, 0x1000000, 4096, DMA_FROM_DEV, false);
	km_dma_unmap(&k, 0x1000000, 4096, DMA_FROM_DEV);
	km_dma_map(&k, 0x1001, 0x1001000, 512, DMA_TO_DEV, true);
	km_dma_unmap(&k, 0x1001000, 512, DMA_TO_DEV);
	km_dma_map_sg(&k, 0xffff888001230000ULL, 2, DMA_BIDI, 2);
	km_dma_unmap_sg(&k, 0xffff888001230000ULL, 2, DMA_BIDI);
	km_dma_alloc(&k, 0x2000000, DIRECT + 0x2000000, 8192);
	km_dma_free(&k, 0x2000000, DIRECT + 0x2000000, 8192);
	/* the bugs */
	km_dma_map(&k, 0x1100, 0x1100000, 256, DMA_TO_DEV, false);	/* dma_leak */
	km_dma_map(&k, 0x1101, 0x1101000, 256, DMA_TO_DEV, false);
	km_dma_unmap(&k, 0x1101000, 256, DMA_TO_DEV);
	k.ip = MOD_IP2;
	k.stack = STK_OTHER;
	km_dma_unmap(&k, 0x1101000, 256, DMA_TO_DEV);		/* dma_bad_unmap, again */
	k.ip = MOD_IP2 + 8;
	km_dma_unmap(&k, 0x1201000, 128, DMA_TO_DEV);		/* dma_bad_unmap, never */
	k.ip = MOD_IP;
	k.stack = STK_MODULE;
	km_dma_map(&k, 0x1300, 0x1300000, 256, DMA_TO_DEV, false);
	km_dma_unmap(&k, 0x1300000, 128, DMA_TO_DEV);		/* dma_unmap_mismatch */
	km_dma_map_sg(&k, 0xffff888001240000ULL, 2, DMA_BIDI, 1);
	km_dma_unmap_sg(&k, 0xffff888001240000ULL, 1, DMA_BIDI);	/* dma_unmap_mismatch */
	km_dma_alloc(&k, 0x2100000, DIRECT + 0x2100000, 8192);
	km_dma_free(&k, 0x2100000, DIRECT + 0x2100000, 6000);	/* dma_free_mismatch */
	km_dma_map(&k, 0x1400, 0x1400000, 4096, DMA_FROM_DEV, false);
	km_page_free(&k, 0x1400, 0);				/* dma_free_while_mapped */
	km_dma_unmap(&k, 0x1400000, 4096, DMA_FROM_DEV);
	unload(f, &k);
	finish(f, 0);
}

/* dma_held.ptr: a mapping the module, still loaded at the end, holds. */
static void dma_held(const char *dir)
{
	struct pt_module_event dev = { .ev = { .type = PT_EV_DMA_DEV, .a0 = DMA_DEV,
					       .stack_id = -1 }, .name = "pt_dma0" };
	struct kmodel k;
	FILE *f = start(dir, "dma_held.ptr", &k);

	if (rec_write(f, PT_REC_MODEVENT, &dev, sizeof(dev)))
		exit(2);
	km_dma_map(&k, 0x1100, 0x1100000, 256, DMA_TO_DEV, false);	/* dma_held_at_exit */
	finish(f, 0);
}

/*
 * dma_sg.ptr: sg lists with their entries (DMA_SG_ENT, as bpf/dma.bpf.h
 * sends them): a page of a mapped list freed before its unmap, its twin
 * freed after, and a list the still-loaded module holds at the end.
 */
static void dma_sg(const char *dir)
{
	struct pt_module_event dev = { .ev = { .type = PT_EV_DMA_DEV, .a0 = DMA_DEV,
					       .stack_id = -1 }, .name = "pt_dma0" };
	const uint64_t pfns[2] = { 0x1500, 0x1600 }, lens[2] = { 4096, 2048 };
	const uint64_t pfns2[2] = { 0x1700, 0x1800 }, lens2[2] = { 4096, 4096 };
	struct kmodel k;
	FILE *f = start(dir, "dma_sg.ptr", &k);

	if (rec_write(f, PT_REC_MODEVENT, &dev, sizeof(dev)))
		exit(2);
	km_dma_map_sg_ents(&k, 0xffff888001250000ULL, 2, DMA_FROM_DEV, 2, pfns, lens, 2);
	km_page_free(&k, 0x1600, 0);				/* dma_free_while_mapped */
	km_dma_unmap_sg(&k, 0xffff888001250000ULL, 2, DMA_FROM_DEV);
	km_dma_map_sg_ents(&k, 0xffff888001260000ULL, 2, DMA_BIDI, 2, pfns2, lens2, 2);
	km_dma_unmap_sg(&k, 0xffff888001260000ULL, 2, DMA_BIDI);
	km_page_free(&k, 0x1700, 0);				/* the twin */
	km_page_free(&k, 0x1800, 0);
	km_dma_map_sg_ents(&k, 0xffff888001270000ULL, 2, DMA_BIDI, 2, pfns2, lens2, 2);	/* held */
	finish(f, 0);
}

int main(int argc, char **argv)
{
	struct remap_args r = { 0x7f0000000000ULL, 0x7f0000004000ULL, 0x71, 0, 0x1234, 4096 };
	struct kmodel k;
	FILE *f;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_recordings DIR\n");
		return 2;
	}
	/* buggy.ptr: one of each bug a driver makes. */
	f = start(argv[1], "buggy.ptr", &k);
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&k, 0x1000, 2);				/* order_mismatch */
	km_alloc_pages(&k, 0x2000, 1, GFP_HIGHUSER);		/* leak */
	km_alloc_pages(&k, 0x3000, 0, GFP_KERNEL);
	km___free_pages(&k, 0x3000, 0);
	km_free_pages_api(&k, 0x3000, 0, 0);			/* double_free */
	km_alloc_pages(&k, 0x4000, 3, GFP_KERNEL);
	km_emit(&k, PT_EV_FREE_ADDR, PTR(0x4000), 3, NULL, NULL);	/* bad_free */
	km_free_pages_api(&k, 0x99999, 3, 0);
	km_free_pages_api(&k, 0x4000, 3, 1);			/* the right free */
	km_page_free(&k, 0x4000, 3);
	km_alloc_pages(&k, 0x60000, 0, GFP_HIGHUSER);
	km_kmap(&k, 0x60000);					/* kmap_leak + leak */
	for (i = 0; i < 4; i++) {
		r.addr = r.start + i * 4096;
		km_remap(&k, &r, -22);				/* remap_failed */
	}
	km_sigbus(&k, 4242);
	unload(f, &k);						/* the leaks proven */
	finish(f, 0);

	dma(argv[1]);
	dma_held(argv[1]);
	dma_sg(argv[1]);
	/* unbalanced.ptr: a page kunmapped twice (no guest scenario makes
	 * one: a second kunmap_high() of a slot BUGs the kernel). */
	f = start(argv[1], "unbalanced.ptr", &k);
	km_alloc_pages(&k, 0x70000, 0, GFP_HIGHUSER);
	km_kmap(&k, 0x70000);
	km_kunmap(&k, 0x70000);
	km_kunmap(&k, 0x70000);					/* kunmap_unbalanced */
	km___free_pages(&k, 0x70000, 0);
	unload(f, &k);
	finish(f, 0);

	/* held.ptr: a block the module, still loaded at the end, holds. */
	f = start(argv[1], "held.ptr", &k);
	km_alloc_pages(&k, 0x2000, 1, GFP_HIGHUSER);		/* held_at_exit */
	finish(f, 0);

	/* clean.ptr: the same driver done right. */
	f = start(argv[1], "clean.ptr", &k);
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&k, 0x1000, 3);
	km_get_free_pages(&k, 0x1100, 2, GFP_KERNEL);
	km_free_pages_addr(&k, ADDR(0x1100), 0x1100, 2);
	for (i = 0; i < 8; i++) {
		km_alloc_pages(&k, 0x60000 + i, 0, GFP_HIGHUSER);
		km_kmap(&k, 0x60000 + i);
		km_kunmap(&k, 0x60000 + i);
		km___free_pages(&k, 0x60000 + i, 0);
	}
	r.flags = 0xfb;
	r.addr = r.start;
	km_remap(&k, &r, 0);
	finish(f, 0);

	/*
	 * long.ptr: a record of odd length first (the events after it lie
	 * unaligned in the file), a 1024-frame stack, and 20 010 events (2.4 MB,
	 * many reader refills with records cut at a chunk's end), one bug last.
	 */
	f = start(argv[1], "long.ptr", &k);
	{
		static uint64_t big[1024];
		uint32_t hdr[2] = { 77, 1024 };
		uint64_t a = 0xffffffff81300000ULL;

		for (i = 0; i < 1024; i++)
			big[i] = 0xffffffff81000000ULL + i;
		if (rec_write2(f, PT_REC_SYM, &a, 8, "x", 2) ||
		    rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), big, sizeof(big)))
			exit(2);
	}
	for (i = 0; i < 5000; i++) {
		km_alloc_pages(&k, 0x10000 + i, 0, GFP_KERNEL);
		km___free_pages(&k, 0x10000 + i, 0);
	}
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&k, 0x1000, 2);				/* order_mismatch */
	finish(f, 0);

	/*
	 * unsym.ptr: code in the module's init text (no symbol: freed after
	 * init) and a kernel frame nobody could name, as an older pagetrack
	 * recorded it ("0x..." text). Shared outputs must not show either raw.
	 */
	f = start(argv[1], "unsym.ptr", &k);
	{
		uint64_t ips[3] = { 0xffffffff81100000ULL, MOD_BASE + 0x3f0,
				    0xffffffff81200000ULL };
		uint32_t hdr[2] = { 9, 3 };
		uint64_t a = 0xffffffff81200000ULL;
		const char *raw = "0xffffffff81200000";

		if (rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips)) ||
		    rec_write2(f, PT_REC_SYM, &a, 8, raw, strlen(raw) + 1))
			exit(2);
	}
	k.stack = 9;
	k.ip = MOD_BASE + 0x3f0;
	km_alloc_pages(&k, 0x2000, 1, GFP_KERNEL);		/* leak */
	km_alloc_pages(&k, 0x4000, 3, GFP_KERNEL);
	km_emit(&k, PT_EV_FREE_ADDR, PTR(0x4000), 3, NULL, NULL);	/* bad_free */
	finish(f, 0);
	/*
	 * init.ptr: the module's init text counts while do_init_module runs:
	 * an order mismatch on a block from init, a page a kernel cache took
	 * for the module (not its leak), an allocation from the freed init
	 * range later (not the module's), and a bad free tail-called by the
	 * exit function.
	 */
	f = start(argv[1], "init.ptr", &k);
	init_session(f, &k);
	finish(f, 0);

	/*
	 * weird.ptr: a module function whose recorded name holds markup,
	 * quotes, control bytes, CR LF, a byte >= 0x80 and workflow-command
	 * separators: every CI format must stay well-formed and one line per
	 * annotation. An order mismatch there, and a block still held at the end.
	 */
	f = start(argv[1], "weird.ptr", &k);
	{
		uint64_t ips[2] = { 0xffffffff81100000ULL, MOD_BASE + 0x500 };
		uint32_t hdr[2] = { 11, 2 };
		uint64_t a = MOD_BASE + 0x500;
		const char *name = "drv_<x>&\"y'\x01\x1b\r\n\x7f\xe9%:,+0x10 [drv]";

		if (rec_write2(f, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips)) ||
		    rec_write2(f, PT_REC_SYM, &a, 8, name, strlen(name) + 1))
			exit(2);
	}
	k.stack = 11;
	k.ip = MOD_BASE + 0x500;
	km_alloc_pages(&k, 0x2000, 1, GFP_KERNEL);		/* held_at_exit */
	km_alloc_pages(&k, 0x1000, 3, GFP_KERNEL);
	km___free_pages(&k, 0x1000, 2);				/* order_mismatch */
	finish(f, 0);

	f = start(argv[1], "frames.ptr", &k);
	frames_session(f, &k);
	finish(f, 0);

	/* lost.ptr: clean, but the ring buffer dropped events. */
	f = start(argv[1], "lost.ptr", &k);
	finish(f, 17);

	/* sampled.ptr: stacks sampled with R = 32; drv_probe leaks 16384
	 * pages amid churn (fixed seed). The header carries the thresholds. */
	{
		struct pt_config cfg = { .sample_pages = 32 };

		pt_sample_thresholds(cfg.sample_pages, cfg.sample_thresh);
		f = start_cfg(argv[1], "sampled.ptr", &k, &cfg);
		km_sampled_leak_run(&k, cfg.sample_thresh, 16384, 42);
		finish(f, 0);
	}
	hostile(argv[1]);
	klocal(argv[1]);
	/* damaged.ptr: clean, but two events no kernel sends (an unknown
	 * type, an order past MAX_ORDER): skipped, said and counted. */
	f = start(argv[1], "damaged.ptr", &k);
	km_emit(&k, 200, 0x1000, 0, NULL, NULL);
	km_emit(&k, PT_EV_PAGE_ALLOC, 0x2000, 99, NULL, NULL);
	finish(f, 0);
	/* kmapflood.ptr: 20 000 kmaps held at once, far past LAST_PKMAP (512):
	 * ranking the holders at every new peak made this quadratic (16 s). */
	f = start(argv[1], "kmapflood.ptr", &k);
	for (i = 0; i < 20000; i++) {
		km_alloc_pages(&k, 0x100000 + i, 0, GFP_HIGHUSER);
		km_kmap(&k, 0x100000 + i);
	}
	finish(f, 0);
	colliding(argv[1], "colliding.ptr", true);
	colliding(argv[1], "sequential.ptr", false);
	return 0;
}
