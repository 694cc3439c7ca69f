/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA API: streaming mappings of pages (dma_map_page_attrs, what
 * dma_map_single() and dma_map_page() become), of scatterlists
 * (dma_map_sg_attrs) and coherent buffers (dma_alloc_attrs), their unmaps
 * and frees, and each device's name once. Facts only: which unmap pairs
 * with which map, and what is wrong, is src/analyzer_dma.c's to decide.
 *
 * Two sets feed the same emitters: fentry/fexit (x86-64; one event with
 * the return value) and kprobe/kretprobe (i386: the entry event with
 * PT_F_DMA_PENDING, then PT_EV_DMA_RET with the handle; i386, x86-64 with
 * --attach kprobe, ARM32). User space loads one of them (src/attach_dma.c).
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
struct kobject___pt {
	const char *name;
} __attribute__((preserve_access_index));

struct device___pt {
	struct kobject kobj;
} __attribute__((preserve_access_index));

/* Devices whose name was sent, by struct device *: the name's pointer
 * (a device freed and another made at its address has another). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} dma_devs SEC(".maps");

/* kprobe mode: dma_alloc_attrs()'s dma_handle pointer, by thread, for its
 * kretprobe to read the handle the call wrote there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} dma_handles SEC(".maps");

/* Send dev's name (dev->kobj.name) unless already sent for this name. */
static __always_inline void dma_dev(__u64 dev)
{
	struct device___pt *d = (void *)(unsigned long)dev;
	struct pt_module_event *m;
	__u64 name = 0, *seen;

	if (!dev)
		return;
	bpf_probe_read_kernel(&name, bpf_core_field_size(d->kobj.name),
			      (void *)d + bpf_core_field_offset(d->kobj.name));
	seen = bpf_map_lookup_elem(&dma_devs, &dev);
	if (seen && *seen == name)
		return;
	m = new_module_event(PT_EV_DMA_DEV);
	if (!m)
		return;
	m->ev.a0 = dev;
	if (name)
		bpf_probe_read_kernel_str(m->name, sizeof(m->name), (void *)(unsigned long)name);
	bpf_ringbuf_submit(m, 0);
	bpf_map_update_elem(&dma_devs, &dev, &name, BPF_ANY);
}

/* The DMA event: header, stack (maps and allocations always unwind: -m
 * needs their site, and they are few), device, handle, size, direction. */
static __always_inline struct pt_event *dma_event(void *ctx, __u32 type, __u64 dev, __u64 handle,
						 __u64 size, __u32 dir, __u64 attrs)
{
	bool map = type == PT_EV_DMA_MAP || type == PT_EV_DMA_ALLOC || type == PT_EV_DMA_MAP_SG;
	struct pt_event *e;

	if (map && pid_filtered())
		return NULL;
	dma_dev(dev);
	e = new_event(ctx, type, map || free_stacks);
	if (!e)
		return NULL;
	e->dma.dev = dev;
	e->dma.handle = handle;
	e->dma.size = size;
	e->dma.dir = dir;
	e->dma.attrs = attrs;
	return e;
}

/*
 * Order-0 blocks kept in BPF (pair.bpf.h) among the pages a mapping covers
 * (first: the pfn of its page, -1 unknown) go to user space first: their
 * free must come as an event, or a free while mapped would pass unseen.
 */
static __always_inline void dma_hand(void *ctx, __u64 first, __u64 offset, __u64 size)
{
	__u64 npages = ((offset & 4095) + size + 4095) >> 12;
	__u32 order = 0;

	while (order < 10 && (1ULL << order) < npages)
		order++;
	if (first != (__u64)-1)
		pair_hand(first + (offset >> 12), order);
}

static __always_inline int emit_dma_map(void *ctx, __u64 dev, __u64 page, __u64 offset, __u64 size,
					__u32 dir, __u64 attrs, __u64 handle, __u32 flags)
{
	struct pt_event *e;

	if (pair_on) {
		if (flags & PT_F_DMA_PHYS)
			dma_hand(ctx, page >> 12, page & 4095, size);
		else if (!(flags & PT_F_DMA_MMIO))
			dma_hand(ctx, page_pfn(page), offset, size);
	}
	e = dma_event(ctx, PT_EV_DMA_MAP, dev, handle, size, dir, attrs);
	if (!e)
		return 0;
	e->dma.page = page;
	e->dma.offset = offset;
	e->dma.memmap_base = memmap_base();
	e->flags |= flags;
	submit(e);
	return 0;
}

static __always_inline int emit_dma_alloc(void *ctx, __u64 dev, __u64 size, __u64 handle,
					  __u64 cpu_addr, __u32 gfp, __u64 attrs, __u32 flags)
{
	struct pt_event *e;

	/* A failed allocation maps nothing. */
	if (!cpu_addr && !(flags & PT_F_DMA_PENDING))
		return 0;
	e = dma_event(ctx, PT_EV_DMA_ALLOC, dev, handle, size, 0, attrs);
	if (!e)
		return 0;
	e->dma.page = cpu_addr;
	e->dma.offset = gfp;
	e->flags |= flags;
	submit(e);
	return 0;
}

struct scatterlist___pt {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
} __attribute__((preserve_access_index));

/* page_link's low bits (include/linux/scatterlist.h) */
#define PT_SG_CHAIN	0x1UL
#define PT_SG_END	0x2UL

/* The walk's state: the list, where it is, how many entries were sent. */
struct sg_walk {
	__u64 dev, sgl, sg, stride, nents;
	__u32 n, lost;
};

/* An sg entry's event, its header filled once per walk (dma_sg_walk). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_event);
} dma_sg_scratch SEC(".maps");

/*
 * One step of the walk (an entry sent, or a chain followed); 1: done. Kept
 * small, with one copy into the ring buffer per entry and no reservation to
 * check: i386 and ARM32 verify it once per iteration.
 */
static __always_inline long sg_step(struct sg_walk *w)
{
	struct scatterlist___pt *s = (void *)(unsigned long)w->sg;
	__u32 zero = 0;
	struct pt_event *e = bpf_map_lookup_elem(&dma_sg_scratch, &zero);
	__u64 link, page;

	if (!e || !w->sg || w->n >= w->nents)
		return 1;
	link = KREAD(s, page_link);
	/* A chain entry links to the next array, whose first entry is a real
	 * one: followed within the step, so that each step sends one entry
	 * (the verifier then sees one state per step, not one per count). */
	if (link & PT_SG_CHAIN) {
		w->sg = link & ~3ULL;
		s = (void *)(unsigned long)w->sg;
		link = KREAD(s, page_link);
	}
	page = link & ~3ULL;
	e->dma.page = page;
	e->dma.offset = KREAD(s, offset);
	e->dma.size = KREAD(s, length);
	e->dma.ret = w->n;
	/* Kept blocks among the entry's pages go to user space first, as for a
	 * page mapping; an entry's first two pages only (order 0 or 1): the
	 * order loop of dma_hand() in here is more than 6.12's verifier takes
	 * under bpf_loop(). */
	if (pair_on) {
		__u64 first = page_pfn(page);

		if (first != (__u64)-1)
			pair_hand_small(first + (e->dma.offset >> 12),
					(e->dma.offset & 4095) + e->dma.size > 4096 ? 1 : 0);
	}
	if (bpf_ringbuf_output(&events, e, sizeof(*e), BPF_RB_NO_WAKEUP))
		w->lost++;
	w->n++;
	if (link & PT_SG_END) {
		w->nents = w->n;	/* the list ends here */
		return 1;
	}
	w->sg += w->stride;
	return 0;
}

/* The walk's start: the entries' event header, filled once; false: none. */
static __always_inline bool sg_walk_init(struct sg_walk *w, __u64 dev, __u64 sgl, __u64 nents)
{
	__u32 zero = 0;
	struct pt_event *e = bpf_map_lookup_elem(&dma_sg_scratch, &zero);

	__builtin_memset(w, 0, sizeof(*w));
	w->dev = dev;
	w->sgl = w->sg = sgl;
	w->nents = nents;
	w->stride = bpf_core_type_size(struct scatterlist);
	if (!sgl || !w->stride || !e)
		return false;
	event_header(e, PT_EV_DMA_SG_ENT, -1, HDR_TASK | HDR_CPU);
	e->dma.dev = dev;
	e->dma.handle = sgl;
	e->dma.memmap_base = memmap_base();
	return true;
}

/*
 * The first PT_DMA_SG_WALK entries of an sg list mapped, each as a
 * DMA_SG_ENT event (page, offset, length): user space sums their lengths
 * and indexes their pages, so that a page freed while in a mapped list is
 * found. Order-0 blocks kept in BPF among those pages go to user space
 * first, as for a page mapping. Walked as sg_next() does. The entries come
 * before the list's event, or (32-bit kprobes) after it but before its
 * return: either way before user space pairs the map. Returns
 * PT_F_DMA_SG_ENTS (with PT_F_DMA_SG_MORE when the list goes on), 0 when
 * the list is not walked.
 */
#if !defined(PT_TARGET_I386) && !defined(PT_TARGET_ARM)
static long sg_step_cb(__u32 k, void *w)
{
	return sg_step(w);
}

/* x86-64: now, under bpf_loop(): a plain loop of these steps (with their
 * pair_hand()) is more than the verifier takes. */
static __always_inline __u32 dma_sg_walk(__u64 dev, __u64 sgl, __u64 nents, bool kprobe)
{
	struct sg_walk w;

	if (!sg_walk_init(&w, dev, sgl, nents) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		return 0;
	bpf_loop(PT_DMA_SG_WALK, sg_step_cb, &w, 0);
	count_n(PT_CNT_PRODUCED, w.n);
	if (w.lost)
		count_n(PT_CNT_LOST, w.lost);
	return PT_F_DMA_SG_ENTS | (w.n < w.nents ? PT_F_DMA_SG_MORE : 0);
}

#define dma_sg_walk_run(ctx)	do { } while (0)
#else
/*
 * i386, ARM32: no callbacks, and a plain loop of 32 steps is more than the
 * verifier takes (each step verified on its own). The kprobe programs walk
 * after the list's event instead, PT_SG_CHUNK steps a run, in a chain of
 * tail calls (as module.bpf.h reads a module's symbols), the walk's state
 * per CPU (the chain runs on one CPU, without preemption). The raw
 * tracepoint programs (tracepoint mode) cannot tail call into them: there
 * an sg list is not walked.
 */
#define PT_SG_CHUNK	8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_walk);
} sg_walks SEC(".maps");

int pagetrack_dma_sg_walk(struct pt_regs *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} sg_walkers SEC(".maps") = {
	.values = { [0] = (void *)&pagetrack_dma_sg_walk },
};

SEC("kprobe")
int pagetrack_dma_sg_walk(struct pt_regs *ctx)
{
	__u32 zero = 0, i;
	struct sg_walk *w = bpf_map_lookup_elem(&sg_walks, &zero);

	if (!w)
		return 0;
#pragma clang loop unroll(disable)
	for (i = 0; i < PT_SG_CHUNK; i++) {
		if (w->n >= PT_DMA_SG_WALK || sg_step(w))
			break;
		count(PT_CNT_PRODUCED);
	}
	if (i == PT_SG_CHUNK && w->n < PT_DMA_SG_WALK)
		bpf_tail_call(ctx, &sg_walkers, 0);
	return 0;
}

static __always_inline __u32 dma_sg_walk(__u64 dev, __u64 sgl, __u64 nents, bool kprobe)
{
	struct sg_walk w;
	__u32 zero = 0;

	if (!kprobe || !sg_walk_init(&w, dev, sgl, nents) ||
	    bpf_map_update_elem(&sg_walks, &zero, &w, BPF_ANY))
		return 0;
	return PT_F_DMA_SG_ENTS;
}

#define dma_sg_walk_run(ctx)	bpf_tail_call((ctx), &sg_walkers, 0)
#endif

static __always_inline int emit_dma_sg(void *ctx, __u32 type, __u64 dev, __u64 sg, __u64 nents,
				       __u32 dir, __u64 attrs, __s32 ret, __u32 flags, __u64 ip)
{
	bool kprobe = flags & PT_F_DMA_PENDING;
	struct pt_event *e;

	if (type == PT_EV_DMA_MAP_SG && !pid_filtered())
		flags |= dma_sg_walk(dev, sg, nents, kprobe);
	e = dma_event(ctx, type, dev, sg, nents, dir, attrs);
	if (!e)
		return 0;
	e->ip = ip;
	e->dma.ret = ret;
	e->flags |= flags;
	submit(e);
	if (flags & PT_F_DMA_SG_ENTS)
		dma_sg_walk_run(ctx);
	return 0;
}

static __always_inline int emit_dma_free(void *ctx, __u32 type, __u64 dev, __u64 handle,
					 __u64 size, __u32 dir, __u64 attrs, __u64 cpu_addr, __u64 ip)
{
	struct pt_event *e = dma_event(ctx, type, dev, handle, size, dir, attrs);

	if (!e)
		return 0;
	e->ip = ip;
	e->dma.page = cpu_addr;
	submit(e);
	return 0;
}

static __always_inline int emit_dma_ret(void *ctx, __u64 handle, __u64 cpu_addr, __s32 ret,
					__u64 ip)
{
	struct pt_event *e = new_event(ctx, PT_EV_DMA_RET, false);

	if (!e)
		return 0;
	e->dma.handle = handle;
	e->dma.page = cpu_addr;
	e->dma.ret = ret;
	e->ip = ip;
	submit(e);
	return 0;
}

/* ---- kprobe set (i386: regparm(3), ARM32: AAPCS; a 64-bit dma_addr_t takes a pair) ---- */

#define DMA_ADDR64	(bpf_core_type_size(dma_addr_t) == 8)

#ifdef PT_TARGET_I386
/* A 64-bit dma_addr_t comes back in dx:ax; as an argument it takes two
 * registers (dx:cx) or two stack words, low first. */
#define DMA_RET64(r)	(DMA_ADDR64 ? ((r)->ax | ((__u64)(r)->dx << 32)) : (r)->ax)
#elif defined(PT_TARGET_ARM)
/* ARM32 (AAPCS): r0-r3, then the stack; a 64-bit dma_addr_t takes an even
 * register pair (r2:r3) or two 8-byte-aligned stack words, low first, and
 * comes back in r0:r1. */
static __always_inline __u64 arm_stack_word(struct pt_regs___pt *r, int n)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, 4, (void *)(unsigned long)(r->uregs[13] + n * 4));
	return v;
}

#define DMA_RET64(r)	(DMA_ADDR64 ? ((r)->uregs[0] | ((__u64)(r)->uregs[1] << 32)) : (r)->uregs[0])
#define DARG5(r)	arm_stack_word((r), 0)
#define DARG6(r)	arm_stack_word((r), 1)
#else
struct pt_regs___dma {
	unsigned long r8, r9;
} __attribute__((preserve_access_index));
#define DMA_RET64(r)	RETVAL(r)
#define DARG5(r)	(((struct pt_regs___dma *)(r))->r8)
#define DARG6(r)	(((struct pt_regs___dma *)(r))->r9)
#endif

SEC("kprobe/dma_map_page_attrs")
int pagetrack_dma_map(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	return emit_dma_map(ctx, ARG1(r), ARG2(r), ARG3(r), stack_word(r, 1), stack_word(r, 2),
			    stack_word(r, 3), 0, PT_F_DMA_PENDING);
#else
	return emit_dma_map(ctx, ARG1(r), ARG2(r), ARG3(r), ARG4(r), DARG5(r),
			    DARG6(r), 0, PT_F_DMA_PENDING);
#endif
}

SEC("kretprobe/dma_map_page_attrs")
int pagetrack_dma_map_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_dma_ret(ctx, DMA_RET64(r), 0, 0, RET_IP(r));
}

SEC("kprobe/dma_unmap_page_attrs")
int pagetrack_dma_unmap(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	if (DMA_ADDR64)
		return emit_dma_free(ctx, PT_EV_DMA_UNMAP, ARG1(r),
				     ARG2(r) | ((__u64)ARG3(r) << 32), stack_word(r, 1),
				     stack_word(r, 2), stack_word(r, 3), 0, ENTRY_CALLER(r));
	return emit_dma_free(ctx, PT_EV_DMA_UNMAP, ARG1(r), ARG2(r), ARG3(r), stack_word(r, 1),
			     stack_word(r, 2), 0, ENTRY_CALLER(r));
#elif defined(PT_TARGET_ARM)
	if (DMA_ADDR64)
		return emit_dma_free(ctx, PT_EV_DMA_UNMAP, ARG1(r),
				     ARG3(r) | ((__u64)ARG4(r) << 32), DARG5(r), DARG6(r),
				     arm_stack_word(r, 2), 0, ENTRY_CALLER(r));
	return emit_dma_free(ctx, PT_EV_DMA_UNMAP, ARG1(r), ARG2(r), ARG3(r), ARG4(r),
			     DARG5(r), 0, ENTRY_CALLER(r));
#else
	return emit_dma_free(ctx, PT_EV_DMA_UNMAP, ARG1(r), ARG2(r), ARG3(r), ARG4(r),
			     DARG5(r), 0, ENTRY_CALLER(r));
#endif
}

SEC("kprobe/dma_alloc_attrs")
int pagetrack_dma_alloc(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 hp = ARG3(r);

	bpf_map_update_elem(&dma_handles, &tid, &hp, BPF_ANY);
#ifdef PT_TARGET_I386
	return emit_dma_alloc(ctx, ARG1(r), ARG2(r), 0, 0, stack_word(r, 1), stack_word(r, 2),
			      PT_F_DMA_PENDING);
#else
	return emit_dma_alloc(ctx, ARG1(r), ARG2(r), 0, 0, ARG4(r), DARG5(r),
			      PT_F_DMA_PENDING);
#endif
}

SEC("kretprobe/dma_alloc_attrs")
int pagetrack_dma_alloc_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *hp = bpf_map_lookup_elem(&dma_handles, &tid);
	__u64 h = 0;

	if (!hp) {
		count(PT_CNT_DMA_RET_MISSED);
		return 0;
	}
	if (*hp)
		bpf_probe_read_kernel(&h, DMA_ADDR64 ? 8 : 4, (void *)(unsigned long)*hp);
	bpf_map_delete_elem(&dma_handles, &tid);
	return emit_dma_ret(ctx, h, RETVAL(r), 0, RET_IP(r));
}

SEC("kprobe/dma_free_attrs")
int pagetrack_dma_free(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	if (DMA_ADDR64)
		return emit_dma_free(ctx, PT_EV_DMA_FREE, ARG1(r),
				     stack_word(r, 1) | (stack_word(r, 2) << 32), ARG2(r), 0,
				     stack_word(r, 3), ARG3(r), ENTRY_CALLER(r));
	return emit_dma_free(ctx, PT_EV_DMA_FREE, ARG1(r), stack_word(r, 1), ARG2(r), 0,
			     stack_word(r, 2), ARG3(r), ENTRY_CALLER(r));
#elif defined(PT_TARGET_ARM)
	if (DMA_ADDR64)
		return emit_dma_free(ctx, PT_EV_DMA_FREE, ARG1(r), DARG5(r) | (DARG6(r) << 32),
				     ARG2(r), 0, arm_stack_word(r, 2), ARG3(r), ENTRY_CALLER(r));
	return emit_dma_free(ctx, PT_EV_DMA_FREE, ARG1(r), ARG4(r), ARG2(r), 0, DARG5(r),
			     ARG3(r), ENTRY_CALLER(r));
#else
	return emit_dma_free(ctx, PT_EV_DMA_FREE, ARG1(r), ARG4(r), ARG2(r), 0, DARG5(r),
			     ARG3(r), ENTRY_CALLER(r));
#endif
}

SEC("kprobe/dma_map_sg_attrs")
int pagetrack_dma_map_sg(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	return emit_dma_sg(ctx, PT_EV_DMA_MAP_SG, ARG1(r), ARG2(r), ARG3(r), stack_word(r, 1),
			   stack_word(r, 2), 0, PT_F_DMA_PENDING, ENTRY_CALLER(r));
#else
	return emit_dma_sg(ctx, PT_EV_DMA_MAP_SG, ARG1(r), ARG2(r), ARG3(r), ARG4(r),
			   DARG5(r), 0, PT_F_DMA_PENDING, ENTRY_CALLER(r));
#endif
}

SEC("kretprobe/dma_map_sg_attrs")
int pagetrack_dma_map_sg_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_dma_ret(ctx, 0, 0, (__s32)RETVAL(r), RET_IP(r));
}

SEC("kprobe/dma_unmap_sg_attrs")
int pagetrack_dma_unmap_sg(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	return emit_dma_sg(ctx, PT_EV_DMA_UNMAP_SG, ARG1(r), ARG2(r), ARG3(r), stack_word(r, 1),
			   stack_word(r, 2), 0, 0, ENTRY_CALLER(r));
#else
	return emit_dma_sg(ctx, PT_EV_DMA_UNMAP_SG, ARG1(r), ARG2(r), ARG3(r), ARG4(r),
			   DARG5(r), 0, 0, ENTRY_CALLER(r));
#endif
}

struct sg_table___pt {
	struct scatterlist *sgl;
	unsigned int orig_nents;
} __attribute__((preserve_access_index));

/* dma_map_sgtable(dev, sgt, dir, attrs): an sg mapping of sgt->sgl, its
 * orig_nents entries (what dma_unmap_sgtable() hands dma_unmap_sg_attrs()). */
static __always_inline int emit_dma_sgt(void *ctx, __u64 dev, struct sg_table___pt *sgt, __u32 dir,
					__u64 attrs, __s32 ret, __u32 flags, __u64 ip)
{
	return emit_dma_sg(ctx, PT_EV_DMA_MAP_SG, dev, KREAD(sgt, sgl), KREAD(sgt, orig_nents), dir,
			   attrs, ret, flags | PT_F_DMA_SGTABLE, ip);
}

SEC("kprobe/dma_map_sgtable")
int pagetrack_dma_map_sgt(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

#ifdef PT_TARGET_I386
	return emit_dma_sgt(ctx, ARG1(r), (void *)(unsigned long)ARG2(r), ARG3(r), stack_word(r, 1),
			    0, PT_F_DMA_PENDING, ENTRY_CALLER(r));
#else
	return emit_dma_sgt(ctx, ARG1(r), (void *)(unsigned long)ARG2(r), ARG3(r), ARG4(r), 0,
			    PT_F_DMA_PENDING, ENTRY_CALLER(r));
#endif
}

SEC("kretprobe/dma_map_sgtable")
int pagetrack_dma_map_sgt_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_dma_ret(ctx, 0, 0, (__s32)RETVAL(r), RET_IP(r));
}

/* ---- fentry/fexit set: one event per call, x86-64 with BTF ---- */

SEC("fexit/dma_map_page_attrs")
int BPF_PROG(pagetrack_fx_dma_map, struct device *dev, struct page *page, unsigned long offset,
	     unsigned long size, enum dma_data_direction dir, unsigned long attrs, dma_addr_t ret)
{
	/* page as a plain number (ctx_word): emit_dma_map does arithmetic on it. */
	return emit_dma_map(ctx, (unsigned long)dev, ctx_word(ctx, 1), offset, size, dir, attrs,
			    ret, 0);
}

SEC("fentry/dma_unmap_page_attrs")
int BPF_PROG(pagetrack_fx_dma_unmap, struct device *dev, dma_addr_t addr, unsigned long size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	return emit_dma_free(ctx, PT_EV_DMA_UNMAP, (unsigned long)dev, addr, size, dir, attrs, 0, 0);
}

SEC("fexit/dma_alloc_attrs")
int BPF_PROG(pagetrack_fx_dma_alloc, struct device *dev, unsigned long size, dma_addr_t *handle,
	     gfp_t gfp, unsigned long attrs, void *ret)
{
	__u64 h = 0;

	if (ret && handle)
		bpf_probe_read_kernel(&h, sizeof(h), handle);
	return emit_dma_alloc(ctx, (unsigned long)dev, size, h, (unsigned long)ret, gfp, attrs, 0);
}

SEC("fentry/dma_free_attrs")
int BPF_PROG(pagetrack_fx_dma_free, struct device *dev, unsigned long size, void *cpu_addr,
	     dma_addr_t handle, unsigned long attrs)
{
	return emit_dma_free(ctx, PT_EV_DMA_FREE, (unsigned long)dev, handle, size, 0, attrs,
			     (unsigned long)cpu_addr, 0);
}

SEC("fexit/dma_map_sg_attrs")
int BPF_PROG(pagetrack_fx_dma_map_sg, struct device *dev, struct scatterlist *sg, int nents,
	     enum dma_data_direction dir, unsigned long attrs, unsigned int ret)
{
	return emit_dma_sg(ctx, PT_EV_DMA_MAP_SG, (unsigned long)dev, (unsigned long)sg, nents, dir,
			   attrs, ret, 0, 0);
}

SEC("fentry/dma_unmap_sg_attrs")
int BPF_PROG(pagetrack_fx_dma_unmap_sg, struct device *dev, struct scatterlist *sg, int nents,
	     enum dma_data_direction dir, unsigned long attrs)
{
	return emit_dma_sg(ctx, PT_EV_DMA_UNMAP_SG, (unsigned long)dev, (unsigned long)sg, nents,
			   dir, attrs, 0, 0, 0);
}

SEC("fexit/dma_map_sgtable")
int BPF_PROG(pagetrack_fx_dma_map_sgt, struct device *dev, struct sg_table *sgt,
	     enum dma_data_direction dir, unsigned long attrs, int ret)
{
	return emit_dma_sgt(ctx, (unsigned long)dev, (void *)sgt, dir, attrs, ret, 0, 0);
}
