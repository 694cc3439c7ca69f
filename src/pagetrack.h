/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events shared by the BPF programs (bpf/pagetrack.bpf.c) and user space.
 *
 * The same struct is read by 64-bit and 32-bit (i386) user space, where a
 * __u64 inside a struct is only 4-byte aligned. All __u64 fields therefore
 * come first and the total size is a multiple of 8, so both layouts agree.
 * BPF emits facts only; the analyzer (src/analyzer*.c) decides what they mean.
 */
#ifndef PAGETRACK_H
#define PAGETRACK_H

#define PT_COMM_LEN		16
#define PT_MAX_MOD_SYMS		1024	/* module symbols BPF reads (a verifier bound) */
#define PT_MODNAME_LEN		56
#define PT_SCOPE_MODS		8	/* -m modules BPF follows (PT_MAX_MODULES) */
#define PT_MAX_STACK		32	/* frames kept per stack */

enum pt_event_type {
	PT_EV_NONE = 0,
	PT_EV_PAGE_ALLOC,	/* kmem:mm_page_alloc: a0 pfn, order, gfp */
	PT_EV_PAGE_FREE,	/* kmem:mm_page_free(_batched): a0 pfn, order */
	PT_EV_ALLOC_RET,	/* __alloc_pages returned: a0 struct page * */
	PT_EV_GFP_RET,		/* __get_free_pages returned: a0 address */
	PT_EV_FREE_PAGES,	/* __free_pages(page, order): a0 page, aux refcount */
	PT_EV_FREE_ADDR,	/* free_pages(addr, order): a0 addr, a1 the
				 * kernel's memmap base (0: unknown) */
	PT_EV_KMAP,		/* kmap_high(page) entry: a0 page */
	PT_EV_KMAP_RET,		/* kmap_high returned: a1 vaddr, ip = caller */
	PT_EV_KUNMAP,		/* kunmap_high(page): a0 page */
	PT_EV_REMAP,		/* remap_pfn_range entry: a0 vm_start, a1 vm_end,
				 * a2 vm_flags, a3 addr, a4 pfn, aux size */
	PT_EV_REMAP_RET,	/* remap_pfn_range returned: ret, ip = caller */
	PT_EV_USER_MAP,		/* page mapped to user: a0 page, a1 uaddr,
				 * a2 vm_flags, aux fault flags */
	PT_EV_SPLIT,		/* split_page(page, order): a0 page */
	PT_EV_SIGNAL,		/* signal:signal_generate SIGBUS: tgid target */
	PT_EV_MODULE_LOAD,	/* module load (struct pt_module_event); from
				 * do_init_module: a0 text base, a1 text size,
				 * a2 init text base, a3 init text size, a4 the
				 * kernel's memmap base (0: unknown), ip its
				 * exit function */
	PT_EV_MODULE_FREE,	/* module:module_free (struct pt_module_event) */
	PT_EV_MODULE_SYM,	/* a function of a module being loaded, right after
				 * its MODULE_LOAD (struct pt_module_event, name:
				 * the function): a0 address, a1 text base, a2 text
				 * size. The analyzer only counts it. MODULE_LOAD from
				 * do_init_module has aux: the module's symbol table
				 * entries, of which BPF reads PT_MAX_MOD_SYMS.
				 * flags PT_F_INIT_TEXT: a1, a2 are the init text. */
	PT_EV_MODULE_INIT_END,	/* do_init_module returned (ret): the init text
				 * of the module this thread loaded is gone */
	PT_EV_MODULE_UNLOAD,	/* delete_module() entered for the module named
				 * (struct pt_module_event): its exit function
				 * runs on this thread until MODULE_FREE */
	/*
	 * kmap_local / kmap_atomic (HIGHMEM): paired in BPF per task; only
	 * anomalies and counts come here (src/kmap_local.c judges them).
	 * a1/a3: map sites (return address of the map call), ip: the
	 * kunmap_local caller; order: tracked depth; aux: the kernel's own
	 * kmap_ctrl.idx, flags PT_KL_F_*. With PT_KL_F_MAP_STACK, map_sid is
	 * the stack id of the map call of the mapping (a0/a1), top_map_sid
	 * (KLOCAL_UNMAP) that of the top slot (a2/a3); -1: none.
	 */
	PT_EV_KLOCAL_UNMAP,	/* kunmap_local of an address that is not the
				 * top mapping: a0 addr, a1 its map site (0:
				 * not held), a2 top slot's vaddr, a3 its map
				 * site, a4 map time of the unmapped slot */
	PT_EV_KLOCAL_HELD,	/* a mapping still held: a0 vaddr, a1 map site,
				 * a2 map time; aux PT_KL_HELD_* (why now) */
	PT_EV_KLOCAL_SCHED,	/* switched out holding kmap_atomic: a0 vaddr,
				 * a1 map site, a2 map time */
	PT_EV_KLOCAL_DEEP,	/* the kernel's depth reached the warning
				 * level: a0 vaddr, a1 map site, aux depth */
	PT_EV_KLOCAL_COUNTS,	/* totals so far (from user space): a0 maps,
				 * a1 unmaps, a2 untracked, a3 peak depth,
				 * a4 switch-outs holding maps, aux KM_MAX_IDX */
	PT_EV_PAIRED_LIVE,	/* order-0 blocks BPF kept as bits, live when a
				 * larger free covered them: a0 pfn of bit 0,
				 * a1 mask; sent just before that free */
	/*
	 * The DMA API (bpf/dma.bpf.h, judged by src/analyzer_dma.c), struct
	 * pt_ev_dma. A mapping is keyed by (dev, handle): the DMA address of
	 * a page or coherent mapping, the scatterlist pointer of an sg one.
	 */
	PT_EV_DMA_MAP,		/* dma_map_page_attrs: dev, handle (0 with
				 * PT_F_DMA_PENDING: in DMA_RET), page, offset,
				 * size, dir, attrs; the map stack */
	PT_EV_DMA_UNMAP,	/* dma_unmap_page_attrs entry */
	PT_EV_DMA_ALLOC,	/* dma_alloc_attrs: handle, cpu_addr, size, gfp */
	PT_EV_DMA_FREE,		/* dma_free_attrs entry */
	PT_EV_DMA_MAP_SG,	/* dma_map_sg_attrs: sg, nents (size), ret:
				 * entries mapped */
	PT_EV_DMA_UNMAP_SG,	/* dma_unmap_sg_attrs entry */
	PT_EV_DMA_RET,		/* kprobe mode: the return of the thread's last
				 * DMA_MAP/ALLOC/MAP_SG: handle (ALLOC: cpu_addr
				 * in page), ret; ip = caller */
	PT_EV_DMA_DEV,		/* a device's name (struct pt_module_event,
				 * name: dev_name()): a0 the struct device *,
				 * sent before its first DMA event */
	PT_EV_DMA_SG_ENT,	/* an entry of an sg list about to be mapped,
				 * sent just before its DMA_MAP_SG: dev, handle
				 * (the list), page (the entry's struct page *),
				 * offset, size (its length), ret (its index),
				 * memmap_base */
	PT_EV_MAX,
};

/* pt_event.flags */
#define PT_F_BATCHED	0x1	/* free came from mm_page_free_batched */
#define PT_F_USER_INSERT 0x2	/* USER_MAP came from vm_insert_page */
#define PT_F_SAMPLED	0x4	/* PAGE_ALLOC: block drawn for a stack sample */

/*
 * Stack sampling by pages: a block of 2^k pages is drawn when
 * bpf_get_prandom_u32() < thresh[k], thresh[k] = p_k * 2^32 with
 * p_k = 1 - exp(-2^k / R) (computed in user space). 2^32: always.
 */
#define PT_F_SYNTH	0x8	/* made by user space (kmap_local state and
				 * counts read from BPF maps): not a received event */

/* PT_EV_KLOCAL_* flags */
#define PT_KL_F_ATOMIC	0x10	/* mapped with page faults disabled (kmap_atomic) */
#define PT_KL_F_NOT_HELD 0x20	/* KLOCAL_UNMAP: the address holds no mapping */
#define PT_KL_F_MAP_STACK 0x100	/* map_sid (and top_map_sid) hold map stacks:
				 * recordings from before them have neither */
/* A map_sid with this bit is an id in the kl_stacks map (its own, so that
 * the busy stacks map's hash collisions cannot lose a map stack); below
 * PT_INLINE_ID_BASE (session.h) and above any stack map id (< 2^20). */
#define PT_KL_STACK_ID	(1 << 29)

/* PT_EV_KLOCAL_HELD aux: where the mapping was found still held. */
enum { PT_KL_HELD_EXIT = 1, PT_KL_HELD_UNLOAD, PT_KL_HELD_END };

#define PT_F_INIT_TEXT	0x40	/* MODULE_SYM of the module's init text */
#define PT_F_FORGET	0x100	/* PAIRED_LIVE: blocks kept at pfns where a free
				 * was sent: forget those frees' records, track
				 * nothing (bpf/pair.bpf.h, pair_told) */
#define PT_F_KERNEL_OWNED 0x80	/* PAGE_ALLOC by a kernel cache (slab, page
				 * tables, percpu) for a module's object: the
				 * cache's pages, not the module's. Set by user
				 * space from the stack, kept in recordings. */

/* PT_EV_DMA_* flags */
#define PT_F_DMA_PENDING 0x100	/* the handle comes in the thread's DMA_RET */
#define PT_F_DMA_SGTABLE 0x200	/* MAP_SG by dma_map_sgtable: ret 0 or -errno */
#define PT_F_DMA_PHYS	0x400	/* MAP: page is the buffer's physical address
				 * (a dma: tracepoint's phys_addr), offset 0 */
#define PT_F_DMA_MMIO	0x800	/* MAP: of MMIO (dma_map_resource, or
				 * DMA_ATTR_MMIO): no struct page behind it */
#define PT_F_DMA_SG_ENTS 0x1000	/* MAP_SG: its entries came just before it as
				 * DMA_SG_ENT events (recordings before them
				 * have none) */
#define PT_F_DMA_SG_MORE 0x2000	/* MAP_SG: the list has more entries than BPF
				 * walks (PT_DMA_SG_WALK): its bytes and pages
				 * are those of the first ones */
#define PT_F_DMA_PAGES	0x4000	/* ALLOC, FREE: dma_alloc_pages() and
				 * dma_free_pages() (and the noncoherent calls
				 * made of them), their own pairs */

#define PT_DMA_SG_WALK	32	/* sg entries BPF reads per mapping */

/*
 * Tracepoint mode (bpf/dma_tp.bpf.h): the dma: tracepoints each raw
 * tracepoint program is attached to, and the arguments it reads by role.
 * User space finds each argument's place in the kernel's BTF (the
 * btf_trace_<name> prototype) and sets dma_tp_args[prog][role] to the
 * place + 1; 0: the tracepoint has no such argument.
 */
enum pt_dtp_prog {
	PT_DTP_MAP,		/* dma_map_phys (6.16+), dma_map_page */
	PT_DTP_MAP_RES,		/* dma_map_resource (before 6.16) */
	PT_DTP_UNMAP,		/* dma_unmap_phys, dma_unmap_page */
	PT_DTP_UNMAP_RES,	/* dma_unmap_resource */
	PT_DTP_MAP_SG,		/* dma_map_sg */
	PT_DTP_MAP_SG_ERR,	/* dma_map_sg_err */
	PT_DTP_UNMAP_SG,	/* dma_unmap_sg */
	PT_DTP_ALLOC,		/* dma_alloc */
	PT_DTP_FREE,		/* dma_free */
	PT_DTP_ALLOC_PAGES,	/* dma_alloc_pages */
	PT_DTP_FREE_PAGES,	/* dma_free_pages */
	PT_DTP_N,
};

enum pt_dta_role {
	PT_DTA_DEV,		/* struct device * */
	PT_DTA_PHYS,		/* phys_addr_t */
	PT_DTA_PAGE,		/* struct page * */
	PT_DTA_DMA,		/* dma_addr_t */
	PT_DTA_SIZE,		/* size_t */
	PT_DTA_DIR,		/* enum dma_data_direction */
	PT_DTA_ATTRS,		/* unsigned long */
	PT_DTA_VIRT,		/* void * */
	PT_DTA_GFP,		/* gfp_t */
	PT_DTA_SGL,		/* struct scatterlist * */
	PT_DTA_NENTS,		/* the first int */
	PT_DTA_ENTS,		/* the second int (mapped entries, or -errno) */
	PT_DTA_N,
};

#define PT_NR_ORDERS		11
/* Pairing in BPF keeps a byte per pfn on the 32-bit targets, whose JITs
 * compile no BPF atomics, and a bit per pfn elsewhere (bpf/pair.bpf.h). */
#if defined(PT_TARGET_I386) || defined(PT_TARGET_ARM)
#define PT_PAIR_BYTES		1
#endif

#define PT_REFCOUNT_UNKNOWN 0xffffffffu	/* FREE_PAGES aux: refcount unreadable */

/*
 * Payloads: what each event type carries in a0..a4 and aux, by name. They
 * overlay the raw view at exactly its offsets (checked below), so the ring
 * buffer and recordings keep one layout. PT_EV_TO_AUX(n) skips from after
 * n payload words over a4 and the common fields (ip .. flags) to aux.
 */
#define PT_EV_TO_AUX(n)		__u8 to_aux_[(5 - (n)) * 8 + 44]

struct pt_ev_kmem {		/* PAGE_ALLOC, PAGE_FREE */
	__u64 pfn;
};

struct pt_ev_page {		/* ALLOC_RET, SPLIT */
	__u64 page;		/* struct page * */
};

struct pt_ev_gfp_ret {		/* GFP_RET */
	__u64 addr;		/* __get_free_pages() result */
};

struct pt_ev_free_pages {	/* FREE_PAGES */
	__u64 page;
	__u64 memmap_base;	/* the kernel's, 0: unknown (older recordings) */
	PT_EV_TO_AUX(2);
	__u32 refcount;		/* PT_REFCOUNT_UNKNOWN: unreadable */
};

struct pt_ev_free_addr {	/* FREE_ADDR */
	__u64 addr;
	__u64 memmap_base;	/* the kernel's, 0: unknown */
};

struct pt_ev_kmap {		/* KMAP, KMAP_RET, KUNMAP */
	__u64 page;		/* KMAP, KUNMAP */
	__u64 vaddr;		/* KMAP_RET */
};

struct pt_ev_remap {		/* REMAP */
	__u64 vm_start, vm_end, vm_flags;
	__u64 addr, pfn;
	PT_EV_TO_AUX(5);
	__u32 size;
};

struct pt_ev_user_map {		/* USER_MAP */
	__u64 page, uaddr, vm_flags;
	PT_EV_TO_AUX(3);
	__u32 fault_flags;
};

struct pt_ev_signal {		/* SIGNAL */
	PT_EV_TO_AUX(0);
	__u32 sig;
};

struct pt_ev_module {		/* MODULE_LOAD (from do_init_module) */
	__u64 base, size;	/* core text */
	__u64 init_base, init_size;
	__u64 memmap_base;	/* the kernel's, 0: unknown */
	PT_EV_TO_AUX(5);
	__u32 nsyms;		/* symbol table entries */
};

struct pt_ev_module_sym {	/* MODULE_SYM */
	__u64 addr;
	__u64 text_base, text_size;	/* PT_F_INIT_TEXT: the init text */
};

/* KLOCAL_HELD, _SCHED, _DEEP; addr and site are those of KLOCAL_UNMAP too. */
struct pt_ev_klocal {
	__u64 addr;		/* the mapping's address */
	__u64 site;		/* its map site */
	__u64 map_ts;
	PT_EV_TO_AUX(3);
	union {
		__u32 kdepth;	/* _SCHED, _DEEP: the kernel's kmap_ctrl.idx */
		__u32 why;	/* _HELD: PT_KL_HELD_* */
	};
};

struct pt_ev_klocal_unmap {	/* KLOCAL_UNMAP */
	__u64 addr;
	__u64 site;		/* 0: not held */
	__u64 top_addr, top_site;	/* the top slot */
	__u64 map_ts;
	PT_EV_TO_AUX(5);
	__u32 kdepth;
};

struct pt_ev_klocal_counts {	/* KLOCAL_COUNTS */
	__u64 maps, unmaps, untracked, peak, sched_outs;
	PT_EV_TO_AUX(5);
	__u32 km_max;
};

struct pt_ev_paired {		/* PAIRED_LIVE */
	__u64 base;		/* pfn of bit 0, a multiple of 64 */
	__u64 mask;		/* bit i: an order-0 block at base + i */
};

struct pt_ev_dma {		/* DMA_* (but DMA_DEV) */
	__u64 dev;		/* struct device * */
	__u64 handle;		/* dma_addr_t; sg: the struct scatterlist * */
	__u64 page;		/* struct page * (MAP; with PT_F_DMA_PHYS the
				 * physical address), cpu_addr (ALLOC, FREE),
				 * the entry's struct page * (SG_ENT) */
	__u64 size;		/* bytes; sg: nents; SG_ENT: the entry's length */
	__u64 memmap_base;	/* the kernel's, 0: unknown */
	__u64 ip_;		/* (ip) */
	__u32 type_;		/* (type) */
	__u32 dir;		/* enum dma_data_direction (order) */
	__u32 offset;		/* MAP, SG_ENT: offset in the page (gfp); ALLOC: gfp */
	__s32 ret;		/* MAP_SG, DMA_RET: entries mapped; SG_ENT: index */
	__u8 to_aux_[20];	/* tgid .. flags */
	__u32 attrs;		/* DMA_ATTR_* */
};

struct pt_event {
	__u64 ts;		/* bpf_ktime_get_ns() */
	union {
		/* The raw view: BPF writes it, record conversion copies it. */
		struct {
			__u64 a0;
			__u64 a1;
			__u64 a2;
			__u64 a3;
			__u64 a4;
			__u64 ip;	/* immediate caller, when known */
			__u32 type;	/* enum pt_event_type */
			__u32 order;
			union {
				__u32 gfp;
				__s32 map_sid;		/* KLOCAL_*: see PT_KL_F_MAP_STACK */
			};
			union {
				__s32 ret;
				__s32 top_map_sid;	/* KLOCAL_UNMAP */
			};
			__u32 tgid;
			__u32 tid;
			__s32 stack_id;	/* -1: none; < -1: -errno from bpf_get_stackid */
			__u32 cpu;
			__u32 flags;
			__u32 aux;
		};
		struct pt_ev_kmem kmem;
		struct pt_ev_page alloc_ret, split;
		struct pt_ev_gfp_ret gfp_ret;
		struct pt_ev_free_pages free_pages;
		struct pt_ev_free_addr free_addr;
		struct pt_ev_kmap kmap;
		struct pt_ev_remap remap;
		struct pt_ev_user_map user_map;
		struct pt_ev_signal signal;
		struct pt_ev_module module;
		struct pt_ev_module_sym module_sym;
		struct pt_ev_klocal klocal;
		struct pt_ev_klocal_unmap klocal_unmap;
		struct pt_ev_klocal_counts klocal_counts;
		struct pt_ev_paired paired;
		struct pt_ev_dma dma;
	};
	char comm[PT_COMM_LEN];
};

/* The raw layout, and each name on the raw field it stands for. */
#define PT_EV_OFF(field, off) _Static_assert(__builtin_offsetof(struct pt_event, field) == \
	(off), #field " moved: the ring buffer and recordings depend on it")
#define PT_EV_AT(field, raw) PT_EV_OFF(field, __builtin_offsetof(struct pt_event, raw))
PT_EV_OFF(a0, 8);
PT_EV_OFF(ip, 48);
PT_EV_OFF(type, 56);
PT_EV_OFF(aux, 92);
PT_EV_OFF(map_sid, __builtin_offsetof(struct pt_event, gfp));
PT_EV_OFF(top_map_sid, __builtin_offsetof(struct pt_event, ret));
PT_EV_OFF(comm, 96);
_Static_assert(sizeof(struct pt_event) == 112, "pt_event changed size");
PT_EV_AT(kmem.pfn, a0);
PT_EV_AT(paired.base, a0);
PT_EV_AT(paired.mask, a1);
PT_EV_AT(alloc_ret.page, a0);
PT_EV_AT(split.page, a0);
PT_EV_AT(gfp_ret.addr, a0);
PT_EV_AT(free_pages.page, a0);
PT_EV_AT(free_pages.memmap_base, a1);
PT_EV_AT(free_pages.refcount, aux);
PT_EV_AT(free_addr.addr, a0);
PT_EV_AT(free_addr.memmap_base, a1);
PT_EV_AT(kmap.page, a0);
PT_EV_AT(kmap.vaddr, a1);
PT_EV_AT(remap.vm_start, a0);
PT_EV_AT(remap.vm_end, a1);
PT_EV_AT(remap.vm_flags, a2);
PT_EV_AT(remap.addr, a3);
PT_EV_AT(remap.pfn, a4);
PT_EV_AT(remap.size, aux);
PT_EV_AT(user_map.page, a0);
PT_EV_AT(user_map.uaddr, a1);
PT_EV_AT(user_map.vm_flags, a2);
PT_EV_AT(user_map.fault_flags, aux);
PT_EV_AT(signal.sig, aux);
PT_EV_AT(module.base, a0);
PT_EV_AT(module.size, a1);
PT_EV_AT(module.init_base, a2);
PT_EV_AT(module.init_size, a3);
PT_EV_AT(module.memmap_base, a4);
PT_EV_AT(module.nsyms, aux);
PT_EV_AT(module_sym.addr, a0);
PT_EV_AT(module_sym.text_base, a1);
PT_EV_AT(module_sym.text_size, a2);
PT_EV_AT(klocal.addr, a0);
PT_EV_AT(klocal.site, a1);
PT_EV_AT(klocal.map_ts, a2);
PT_EV_AT(klocal.kdepth, aux);
PT_EV_AT(klocal.why, aux);
PT_EV_AT(klocal_unmap.addr, a0);
PT_EV_AT(klocal_unmap.site, a1);
PT_EV_AT(klocal_unmap.top_addr, a2);
PT_EV_AT(klocal_unmap.top_site, a3);
PT_EV_AT(klocal_unmap.map_ts, a4);
PT_EV_AT(klocal_unmap.kdepth, aux);
PT_EV_AT(klocal_counts.maps, a0);
PT_EV_AT(klocal_counts.unmaps, a1);
PT_EV_AT(klocal_counts.untracked, a2);
PT_EV_AT(klocal_counts.peak, a3);
PT_EV_AT(klocal_counts.sched_outs, a4);
PT_EV_AT(klocal_counts.km_max, aux);
PT_EV_AT(dma.dev, a0);
PT_EV_AT(dma.handle, a1);
PT_EV_AT(dma.page, a2);
PT_EV_AT(dma.size, a3);
PT_EV_AT(dma.memmap_base, a4);
PT_EV_AT(dma.dir, order);
PT_EV_AT(dma.offset, gfp);
PT_EV_AT(dma.ret, ret);
PT_EV_AT(dma.attrs, aux);

struct pt_module_event {
	struct pt_event ev;
	char name[PT_MODNAME_LEN];
};

/*
 * An event whose stack the stack map refused (its hash bucket holds another
 * stack): the frames come inline instead, so a collision never costs an
 * allocation its call site. Told apart by record size; stack_id is < 0.
 */
#define PT_INLINE_STACK		16
struct pt_event_stack {
	struct pt_event ev;
	__u32 nr;		/* frames in ips */
	__u32 pad;
	__u64 ips[PT_INLINE_STACK];
};

/*
 * A kmem event without a stack (PAGE_ALLOC, PAGE_FREE) needs none of
 * pt_event's other fields: this 40-byte record, 48 bytes in the ring buffer
 * against 120, so 2.5 times as many fit. Told apart by size; user space
 * widens it to a pt_event (stack_id -1, no comm) before anything else.
 */
struct pt_kmem_event {
	__u64 ts;
	__u64 pfn;
	__u32 type;
	__u32 order;
	__u32 gfp;
	__u32 flags;
	__u32 tgid;
	__u32 tid;
};

/* Per-CPU counters kept by BPF; user space sums them. */
enum pt_counter {
	PT_CNT_PRODUCED = 0,	/* events the programs tried to emit */
	PT_CNT_LOST,		/* ring buffer reserve failures */
	PT_CNT_STACK_FAIL,	/* bpf_get_stackid failures */
	PT_CNT_FILTERED,	/* events dropped by the pid filter */
	PT_CNT_KL_MAPS,		/* kmap_local mappings of highmem pages */
	PT_CNT_KL_UNMAPS,	/* kunmap_local of a kmap_local slot address */
	PT_CNT_KL_UNTRACKED,	/* not paired: mapped before tracing, a
				 * missed probe, no room for the task */
	PT_CNT_KL_SCHED,	/* switch-outs of tasks holding local maps */
	PT_CNT_KL_PEAK,		/* deepest kmap_ctrl.idx seen (a maximum) */
	PT_CNT_SCOPE_UNWIND,	/* -m: allocations unwound (a watched module loaded) */
	PT_CNT_SCOPE_SKIP,	/* -m: allocations not unwound (none loaded) */
	PT_CNT_SCOPE_CHECK,	/* -m: stacks looked through for a watched module */
	PT_CNT_SCOPE_ENTER,	/* -m: calls into a watched module's functions */
	PT_CNT_FREE_TWINS,	/* mm_page_free_batched twins of a page free sent */
	PT_CNT_PAIR_ALLOCS,	/* order-0 blocks kept in BPF (bpf/pair.bpf.h) */
	PT_CNT_PAIR_FREES,	/* ... freed there at order 0: nothing sent */
	PT_CNT_PAIR_STALE,	/* ... allocated again: the free was never seen */
	PT_CNT_PAIR_HANDED,	/* ... handed to user space by a larger free or an API free */
	PT_CNT_DMA_RET_MISSED,	/* DMA returns without their entry (kprobe) */
	PT_CNT_PAIR_RETS,	/* allocator returns (API probes) of kept blocks: not sent */
	PT_CNT_MAX,
};

/*
 * Per-task kmap_local state, a BPF hash keyed by task_struct address; also
 * read by user space at a watched module's unload and at the end.
 */
#define PT_KL_SLOTS	16	/* KM_MAX_IDX on x86 */

struct pt_kl_slot {
	__u64 vaddr;
	__u64 ip;		/* map site */
	__u64 ts;
	__u32 flags;		/* PT_KL_F_ATOMIC, PT_KL_F_REPORTED */
	__u32 kidx;		/* the kernel's slot index */
	__s32 sid;		/* map stack id, -1: none */
	__u32 pad;
};

#define PT_KL_F_REPORTED 0x1	/* switch-out already reported */

struct pt_kl_task {
	struct pt_kl_slot s[PT_KL_SLOTS];
	__u32 depth;
	__u32 deep_sent;
	__u32 tid;
	__u32 tgid;
	char comm[PT_COMM_LEN];
	/* The map stack taken at __kmap_local_pfn_prot's entry, for its
	 * return to the kernel index pend_k (0: none pending). */
	__s32 pend_sid;
	__u32 pend_k;
};

#endif /* PAGETRACK_H */
