// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack kernel side: emit raw facts about page allocation, kmap and
 * user mappings into a ring buffer. Nothing is judged here; user space
 * (src/analyzer.c) pairs the events and decides.
 *
 * One source, compiled once per target arch. The arch layer is the ARG/RET
 * macros below: amd64 passes arguments in di, si, dx, cx; i386 (regparm(3))
 * in ax, dx, cx and then on the stack, with 32-bit pointers and longs.
 * Kernel fields are read with their target size (bpf_core_field_size), never
 * the local LP64 size, so the same code works on both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../src/pagetrack.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u32 targ_tgid;		/* 0: every process */
const volatile bool with_stacks = true;
/* false: frees and kunmaps come without a stack (half the unwinding). */
const volatile bool free_stacks = true;
const volatile __u64 wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);	/* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PT_MAX_STACK * sizeof(__u64));
	__uint(max_entries, 16384);		/* resized by user space */
} stacks SEC(".maps");

/* Plain per-CPU increments: no atomics, which the x86_32 JIT lacks. */
struct pt_counters {
	__u64 v[PT_CNT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_counters);
} counters SEC(".maps");

/* Register layout, relocated by CO-RE to the running kernel's pt_regs. */
struct pt_regs___pt {
	unsigned long ax, bx, cx, dx, si, di, bp, sp, ip;
} __attribute__((preserve_access_index));

#ifdef PT_TARGET_I386
#define PT_PTR_SIZE	4
#define ARG1(r)		((r)->ax)
#define ARG2(r)		((r)->dx)
#define ARG3(r)		((r)->cx)
#define ARG4(r)		stack_word((r), 1)
#else
#define PT_PTR_SIZE	8
#define ARG1(r)		((r)->di)
#define ARG2(r)		((r)->si)
#define ARG3(r)		((r)->dx)
#define ARG4(r)		((r)->cx)
#endif
#define RETVAL(r)	((r)->ax)

#define REGS(ctx)	((struct pt_regs___pt *)(ctx))

/* Read one kernel word (4 bytes on i386) from the stack at sp + n words. */
static __always_inline __u64 stack_word(struct pt_regs___pt *r, int n)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, PT_PTR_SIZE,
			      (void *)(unsigned long)(r->sp + n * PT_PTR_SIZE));
	return v;
}

/* Read a kernel field with the kernel's own size (long/pointer: 4 on i386). */
#define KREAD(ptr, field) ({						\
	__u64 __v = 0;							\
	bpf_probe_read_kernel(&__v, bpf_core_field_size((ptr)->field),	\
			      (void *)(ptr) + bpf_core_field_offset((ptr)->field)); \
	__v; })

static __always_inline void count(int idx)
{
	__u32 zero = 0;
	struct pt_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && idx >= 0 && idx < PT_CNT_MAX)
		c->v[idx]++;
}

static __always_inline bool pid_filtered(void)
{
	if (!targ_tgid)
		return false;
	if ((bpf_get_current_pid_tgid() >> 32) == targ_tgid)
		return false;
	count(PT_CNT_FILTERED);
	return true;
}

/*
 * With -p, a free can matter only where the process allocated: its 64 KiB
 * regions (pfn >> 4) are remembered at allocation and frees elsewhere are
 * dropped here, before any stack is taken. A full map opens the filter for
 * good: a free is never missed.
 */
#define PT_REGION_SHIFT	4

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);		/* 16 GiB of regions; 1 without -p */
	__type(key, __u64);
	__type(value, __u8);
} pid_regions SEC(".maps");

bool regions_open;

static __always_inline void pid_region_add(__u64 pfn, __u32 order)
{
	__u64 r = pfn >> PT_REGION_SHIFT, n = 1;
	__u8 one = 1;
	int i;

	if (!targ_tgid || regions_open)
		return;
	if (order > PT_REGION_SHIFT)
		n = 1ULL << ((order > 10 ? 10 : order) - PT_REGION_SHIFT);
	/* An order-k block is 2^k aligned pfns: at most 64 regions. */
	for (i = 0; i < 64 && i < n; i++, r++) {
		if (bpf_map_lookup_elem(&pid_regions, &r))
			continue;
		if (bpf_map_update_elem(&pid_regions, &r, &one, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&pid_regions, &r)) {
			regions_open = true;
			return;
		}
	}
}

static __always_inline bool free_filtered(__u64 pfn)
{
	__u64 r = pfn >> PT_REGION_SHIFT;

	if (!targ_tgid || regions_open || bpf_map_lookup_elem(&pid_regions, &r))
		return false;
	count(PT_CNT_FILTERED);
	return true;
}

static __always_inline void *reserve(__u32 size)
{
	void *e;

	count(PT_CNT_PRODUCED);
	e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		count(PT_CNT_LOST);
	return e;
}

/*
 * Wake the reader only on the record that brings the pending data over
 * wakeup_bytes, not on every record while above it (a wake-up costs
 * hundreds of ns). An awake reader drains everything pending, a crossing
 * missed between CPUs is caught by its poll timer, and poll() reports
 * pending data at once, so no wake-up is needed while it is busy.
 */
static __always_inline void submit(struct pt_event *e)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* 8: the ring buffer's record header */
	if (avail >= wakeup_bytes && avail < wakeup_bytes + sizeof(*e) + 8)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

#define PT_EEXIST	17

static __always_inline struct pt_event *new_event(void *ctx, __u32 type, bool stack)
{
	__u32 size = sizeof(struct pt_event);
	struct pt_event *e;
	long sid = -1;
	__u64 id;

	if (stack && with_stacks) {
		sid = bpf_get_stackid(ctx, &stacks, 0);
		if (sid == -PT_EEXIST)
			size = sizeof(struct pt_event_stack);
	}
	e = reserve(size);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->stack_id = sid;
	if (size == sizeof(struct pt_event_stack)) {
		struct pt_event_stack *es = (void *)e;
		long n = bpf_get_stack(ctx, es->ips, sizeof(es->ips), 0);

		es->nr = n > 0 ? n / sizeof(__u64) : 0;
		es->pad = 0;
		if (n <= 0)
			count(PT_CNT_STACK_FAIL);
	} else if (sid < 0 && stack && with_stacks) {
		count(PT_CNT_STACK_FAIL);
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* ---- kmem tracepoints: present on every kernel, the tracepoint-only floor ---- */

SEC("tracepoint/kmem/mm_page_alloc")
int pagetrack_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u64 pfn = ctx->pfn;
	struct pt_event *e;

	/* A failed allocation reports pfn -1 (in the kernel's long width). */
	if (pfn == (__u64)-1 || pfn == 0xffffffffULL || pid_filtered())
		return 0;
	pid_region_add(pfn, ctx->order);
	e = new_event(ctx, PT_EV_PAGE_ALLOC, true);
	if (!e)
		return 0;
	e->a0 = pfn;
	e->order = ctx->order;
	e->gfp = ctx->gfp_flags;
	submit(e);
	return 0;
}

static __always_inline void emit_free(void *ctx, __u64 pfn, __u32 order, __u32 flags)
{
	struct pt_event *e;

	if (free_filtered(pfn))
		return;
	e = new_event(ctx, PT_EV_PAGE_FREE, free_stacks);
	if (!e)
		return;
	e->a0 = pfn;
	e->order = order;
	e->flags = flags;
	submit(e);
}

/* Frees are not filtered by pid (any context may free a tracked block),
 * only by where the filtered process allocated. */
SEC("tracepoint/kmem/mm_page_free")
int pagetrack_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	emit_free(ctx, ctx->pfn, ctx->order, 0);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free_batched")
int pagetrack_page_free_batched(struct trace_event_raw_mm_page_free_batched *ctx)
{
	emit_free(ctx, ctx->pfn, 0, PT_F_BATCHED);
	return 0;
}

/* Where struct pages live: the address of vmemmap_base (x86-64) or mem_map
 * (FLATMEM) from kallsyms, 0 if neither is listed. */
const volatile __u64 memmap_var;

static __always_inline __u64 memmap_base(void)
{
	__u64 v = 0;

	if (memmap_var)
		bpf_probe_read_kernel(&v, PT_PTR_SIZE, (void *)(unsigned long)memmap_var);
	return v;
}

/*
 * ---- API probes ----
 * Each fact has one emitter; a kprobe/kretprobe program (every kernel with
 * kprobes, i386 included) and an fentry/fexit program (x86-64 kernels with
 * BTF and BPF trampolines) feed it. User space loads one of the two sets.
 * ip is the immediate caller where the probe type can see it, else 0 (the
 * stack still has it).
 */

struct page___pt {
	atomic_t _refcount;
	struct address_space *mapping;
} __attribute__((preserve_access_index));

struct vm_area_struct___pt {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
} __attribute__((preserve_access_index));

/* Flat on purpose: CO-RE finds vma and address inside the kernel's
 * anonymous member by name. */
struct vm_fault___pt {
	struct vm_area_struct *vma;
	unsigned long address;
	enum fault_flag flags;	/* CO-RE wants the kernel's own type here */
	struct page *page;
} __attribute__((preserve_access_index));

static __always_inline int emit_ret(void *ctx, __u32 type, __u64 ret, __u64 ip)
{
	struct pt_event *e;

	if (!ret || pid_filtered())
		return 0;
	e = new_event(ctx, type, false);
	if (!e)
		return 0;
	e->a0 = ret;
	e->ip = ip;
	submit(e);
	return 0;
}

static __always_inline int emit_free_pages(void *ctx, struct page___pt *page, __u32 order,
					   __u64 ip)
{
	struct pt_event *e = new_event(ctx, PT_EV_FREE_PAGES, free_stacks);

	if (!e)
		return 0;
	e->a0 = (unsigned long)page;
	e->order = order;
	/* probe_read zeroes on failure: keep "unreadable" apart from 0. */
	if (bpf_probe_read_kernel(&e->aux, sizeof(e->aux),
				  (void *)page + bpf_core_field_offset(page->_refcount)))
		e->aux = PT_REFCOUNT_UNKNOWN;
	e->ip = ip;
	submit(e);
	return 0;
}

static __always_inline int emit_free_addr(void *ctx, __u64 addr, __u32 order, __u64 ip)
{
	struct pt_event *e;

	if (!addr)
		return 0;
	e = new_event(ctx, PT_EV_FREE_ADDR, free_stacks);
	if (!e)
		return 0;
	e->a0 = addr;
	e->a1 = memmap_base();
	e->order = order;
	e->ip = ip;
	submit(e);
	return 0;
}

static __always_inline int emit_split(void *ctx, __u64 page, __u32 order)
{
	struct pt_event *e = new_event(ctx, PT_EV_SPLIT, false);

	if (!e)
		return 0;
	e->a0 = page;
	e->order = order;
	submit(e);
	return 0;
}

static __always_inline int emit_remap(void *ctx, struct vm_area_struct___pt *vma, __u64 addr,
				      __u64 pfn, __u64 size)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_REMAP, true);
	if (!e)
		return 0;
	e->a0 = KREAD(vma, vm_start);
	e->a1 = KREAD(vma, vm_end);
	e->a2 = KREAD(vma, vm_flags);
	e->a3 = addr;
	e->a4 = pfn;
	e->aux = size;
	submit(e);
	return 0;
}

static __always_inline int emit_remap_ret(void *ctx, int ret, __u64 ip)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_REMAP_RET, false);
	if (!e)
		return 0;
	e->ret = ret;
	e->ip = ip;
	submit(e);
	return 0;
}

/*
 * finish_fault() installs the page a driver's ->fault handler returned.
 * Page-cache and anonymous pages have ->mapping set; a driver's pages do
 * not, so only those are reported (a fact filter, not a judgement).
 */
static __always_inline int emit_finish_fault(void *ctx, struct vm_fault___pt *vmf)
{
	struct vm_area_struct___pt *vma;
	struct page___pt *page;
	struct pt_event *e;

	page = (void *)(unsigned long)KREAD(vmf, page);
	if (!page || KREAD(page, mapping))
		return 0;
	vma = (void *)(unsigned long)KREAD(vmf, vma);
	e = new_event(ctx, PT_EV_USER_MAP, false);
	if (!e)
		return 0;
	e->a0 = (unsigned long)page;
	e->a1 = KREAD(vmf, address);
	e->a2 = KREAD(vma, vm_flags);
	e->aux = KREAD(vmf, flags);
	submit(e);
	return 0;
}

static __always_inline int emit_vm_insert(void *ctx, struct vm_area_struct___pt *vma,
					  __u64 addr, __u64 page)
{
	struct pt_event *e = new_event(ctx, PT_EV_USER_MAP, false);

	if (!e)
		return 0;
	e->a0 = page;
	e->a1 = addr;
	e->a2 = KREAD(vma, vm_flags);
	e->flags = PT_F_USER_INSERT;
	submit(e);
	return 0;
}

/* ---- kprobe set ---- */

SEC("kretprobe/__alloc_pages")
int pagetrack_alloc_ret(struct pt_regs *ctx)
{
	return emit_ret(ctx, PT_EV_ALLOC_RET, RETVAL(REGS(ctx)), REGS(ctx)->ip);
}

SEC("kretprobe/__get_free_pages")
int pagetrack_gfp_ret(struct pt_regs *ctx)
{
	return emit_ret(ctx, PT_EV_GFP_RET, RETVAL(REGS(ctx)), REGS(ctx)->ip);
}

SEC("kprobe/__free_pages")
int pagetrack_free_pages_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_pages(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), stack_word(r, 0));
}

SEC("kprobe/free_pages")
int pagetrack_free_addr_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_addr(ctx, ARG1(r), ARG2(r), stack_word(r, 0));
}

SEC("kprobe/split_page")
int pagetrack_split_page(struct pt_regs *ctx)
{
	return emit_split(ctx, ARG1(REGS(ctx)), ARG2(REGS(ctx)));
}

/* kmap_high / kunmap_high exist only on CONFIG_HIGHMEM (32-bit) kernels,
 * which have no BPF trampolines: kprobes only. */
SEC("kprobe/kmap_high")
int pagetrack_kmap(struct pt_regs *ctx)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_KMAP, true);
	if (!e)
		return 0;
	e->a0 = ARG1(REGS(ctx));
	submit(e);
	return 0;
}

/* The caller's address is reliable here; at entry the kretprobe hides it. */
SEC("kretprobe/kmap_high")
int pagetrack_kmap_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_KMAP_RET, false);
	if (!e)
		return 0;
	e->a1 = RETVAL(r);
	e->ip = r->ip;
	submit(e);
	return 0;
}

SEC("kprobe/kunmap_high")
int pagetrack_kunmap(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	struct pt_event *e = new_event(ctx, PT_EV_KUNMAP, free_stacks);

	if (!e)
		return 0;
	e->a0 = ARG1(r);
	e->ip = stack_word(r, 0);
	submit(e);
	return 0;
}

SEC("kprobe/remap_pfn_range")
int pagetrack_remap(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_remap(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ARG3(r), ARG4(r));
}

SEC("kretprobe/remap_pfn_range")
int pagetrack_remap_ret(struct pt_regs *ctx)
{
	return emit_remap_ret(ctx, (int)RETVAL(REGS(ctx)), REGS(ctx)->ip);
}

SEC("kprobe/finish_fault")
int pagetrack_finish_fault(struct pt_regs *ctx)
{
	return emit_finish_fault(ctx, (void *)(unsigned long)ARG1(REGS(ctx)));
}

SEC("kprobe/vm_insert_page")
int pagetrack_vm_insert_page(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_vm_insert(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ARG3(r));
}

/* ---- fentry/fexit set: same facts, cheaper, x86-64 with BTF ---- */

SEC("fexit/__alloc_pages")
int BPF_PROG(pagetrack_fx_alloc_ret, gfp_t gfp, unsigned int order, int nid, void *nodemask,
	     struct page *ret)
{
	return emit_ret(ctx, PT_EV_ALLOC_RET, (unsigned long)ret, 0);
}

SEC("fexit/__get_free_pages")
int BPF_PROG(pagetrack_fx_gfp_ret, gfp_t gfp, unsigned int order, unsigned long ret)
{
	return emit_ret(ctx, PT_EV_GFP_RET, ret, 0);
}

SEC("fentry/__free_pages")
int BPF_PROG(pagetrack_fx_free_pages, struct page *page, unsigned int order)
{
	return emit_free_pages(ctx, (void *)page, order, 0);
}

SEC("fentry/free_pages")
int BPF_PROG(pagetrack_fx_free_addr, unsigned long addr, unsigned int order)
{
	return emit_free_addr(ctx, addr, order, 0);
}

SEC("fentry/split_page")
int BPF_PROG(pagetrack_fx_split_page, struct page *page, unsigned int order)
{
	return emit_split(ctx, (unsigned long)page, order);
}

SEC("fentry/remap_pfn_range")
int BPF_PROG(pagetrack_fx_remap, struct vm_area_struct *vma, unsigned long addr,
	     unsigned long pfn, unsigned long size)
{
	return emit_remap(ctx, (void *)vma, addr, pfn, size);
}

SEC("fexit/remap_pfn_range")
int BPF_PROG(pagetrack_fx_remap_ret, struct vm_area_struct *vma, unsigned long addr,
	     unsigned long pfn, unsigned long size, unsigned long prot, int ret)
{
	return emit_remap_ret(ctx, ret, 0);
}

SEC("fentry/finish_fault")
int BPF_PROG(pagetrack_fx_finish_fault, struct vm_fault *vmf)
{
	return emit_finish_fault(ctx, (void *)vmf);
}

SEC("fentry/vm_insert_page")
int BPF_PROG(pagetrack_fx_vm_insert_page, struct vm_area_struct *vma, unsigned long addr,
	     struct page *page)
{
	return emit_vm_insert(ctx, (void *)vma, addr, (unsigned long)page);
}

/* ---- process and module life cycle ---- */

SEC("tracepoint/signal/signal_generate")
int pagetrack_signal(struct trace_event_raw_signal_generate *ctx)
{
	struct pt_event *e;

	if (ctx->sig != 7 /* SIGBUS */)
		return 0;
	e = new_event(ctx, PT_EV_SIGNAL, false);
	if (!e)
		return 0;
	e->tgid = ctx->pid;
	e->ret = ctx->code;
	e->aux = ctx->sig;
	submit(e);
	return 0;
}

/* Fixed layouts: trace_entry is 8 bytes and __data_loc 4 on every arch. */
struct pt_module_load_tp {
	__u64 ent;
	__u32 taints;
	__u32 name_loc;
};

struct pt_module_free_tp {
	__u64 ent;
	__u32 name_loc;
};

/* A module event with its header filled in, or NULL (counted as lost). */
static __always_inline struct pt_module_event *new_module_event(__u32 type)
{
	struct pt_module_event *m = reserve(sizeof(*m));
	__u64 id = bpf_get_current_pid_tgid();

	if (!m)
		return NULL;
	__builtin_memset(m, 0, sizeof(*m));
	m->ev.ts = bpf_ktime_get_ns();
	m->ev.type = type;
	m->ev.tgid = id >> 32;
	m->ev.tid = (__u32)id;
	m->ev.stack_id = -1;
	bpf_get_current_comm(m->ev.comm, sizeof(m->ev.comm));
	return m;
}

static __always_inline void emit_module(void *ctx, __u32 type, __u32 loc)
{
	struct pt_module_event *m = new_module_event(type);

	if (!m)
		return;
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), ctx + (loc & 0xffff));
	/* Module events are rare and the reader must see them at once. */
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
}

/*
 * do_init_module() runs before the module's init function: its text range
 * is known here even if the module is gone by the time user space reads the
 * event. Linux 6.4 replaced core_layout with mem[MOD_TEXT].
 */
struct module_layout___pt {
	void *base;
	unsigned int text_size;
} __attribute__((preserve_access_index));

struct module___pre64 {
	char name[56];
	struct module_layout___pt core_layout;
	struct module_layout___pt init_layout;
} __attribute__((preserve_access_index));

struct module_memory___pt {
	void *base;
	unsigned int size;
} __attribute__((preserve_access_index));

struct module___v64 {
	char name[56];
	struct module_memory___pt mem[1];
} __attribute__((preserve_access_index));

/* 6.4+: the index of the init text in mod->mem[], from the kernel's BTF. */
enum mod_mem_type___pt {
	MOD_INIT_TEXT___pt = 4,
};

/* Text ranges of the module being loaded: core, and init (freed after
 * do_init_module returns). */
static __always_inline void module_ranges(void *mod, struct pt_event *ev)
{
	struct module___pre64 *old = mod;
	struct module___v64 *new = mod;

	if (bpf_core_field_exists(old->core_layout)) {
		ev->a0 = KREAD(old, core_layout.base);
		ev->a1 = KREAD(old, core_layout.text_size);
		ev->a2 = KREAD(old, init_layout.base);
		ev->a3 = KREAD(old, init_layout.text_size);
	} else {
		__u32 idx = 4;
		struct module_memory___pt *im;

		if (bpf_core_enum_value_exists(enum mod_mem_type___pt, MOD_INIT_TEXT___pt))
			idx = bpf_core_enum_value(enum mod_mem_type___pt, MOD_INIT_TEXT___pt);
		ev->a0 = KREAD(new, mem[0].base);
		ev->a1 = KREAD(new, mem[0].size);
		im = mod + bpf_core_field_offset(new->mem) +
		     (idx & 7) * bpf_core_type_size(struct module_memory___pt);
		ev->a2 = KREAD(im, base);
		ev->a3 = KREAD(im, size);
	}
}

/* Whether the kernel's Elf_Sym is Elf64_Sym (amd64) or Elf32_Sym (i386). */
const volatile bool sym64 = true;

struct mod_kallsyms___pt {
	void *symtab;
	unsigned int num_symtab;
	char *strtab;
} __attribute__((preserve_access_index));

struct module___ks {
	struct mod_kallsyms___pt *kallsyms;
	void (*exit)(void);
} __attribute__((preserve_access_index));

struct syms_walk {
	void *symtab;
	char *strtab;
	__u64 base, size;
	__u64 ibase, isize;	/* init text */
	__u32 n;
};

#define PT_STT_FUNC	2

/* One symbol of the module being loaded: a function in its text is sent. */
static __always_inline long module_sym(__u32 i, struct syms_walk *w)
{
	struct pt_module_event *m;
	__u64 value;
	__u32 name;
	__u8 info;
	bool init;

	if (sym64) {
		struct { __u32 name; __u8 info, other; __u16 shndx; __u64 value, size; } s;

		if (bpf_probe_read_kernel(&s, sizeof(s), w->symtab + (__u64)i * sizeof(s)))
			return 1;
		value = s.value;
		name = s.name;
		info = s.info;
	} else {
		struct { __u32 name, value, size; __u8 info, other; __u16 shndx; } s;

		if (bpf_probe_read_kernel(&s, sizeof(s), w->symtab + (__u64)i * sizeof(s)))
			return 1;
		value = s.value;
		name = s.name;
		info = s.info;
	}
	if ((info & 0xf) != PT_STT_FUNC)
		return 0;
	if (value >= w->base && value - w->base < w->size)
		init = false;
	else if (value >= w->ibase && value - w->ibase < w->isize)
		init = true;
	else
		return 0;
	m = reserve(sizeof(*m));
	if (!m)
		return 1;
	__builtin_memset(m, 0, sizeof(*m));
	m->ev.type = PT_EV_MODULE_SYM;
	m->ev.stack_id = -1;
	m->ev.a0 = value;
	m->ev.a1 = init ? w->ibase : w->base;
	m->ev.a2 = init ? w->isize : w->size;
	m->ev.flags = init ? PT_F_INIT_TEXT : 0;
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), w->strtab + name);
	bpf_ringbuf_submit(m, BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * The module's load, then each of its functions from its own symbol table,
 * the first PT_MAX_MOD_SYMS entries: they are named even when the module is
 * unloaded before user space could read kallsyms. A bounded loop, not
 * bpf_loop(): i386 runs BPF without callbacks.
 */
SEC("kprobe/do_init_module")
int pagetrack_module_init(struct pt_regs *ctx)
{
	void *mod = (void *)(unsigned long)ARG1(REGS(ctx));
	struct module___pre64 *old = mod;
	struct pt_module_event *m = new_module_event(PT_EV_MODULE_LOAD);
	struct module___ks *k = mod;
	struct mod_kallsyms___pt *ks;
	struct syms_walk w = { 0 };

	if (!m)
		return 0;
	module_ranges(mod, &m->ev);
	m->ev.a4 = memmap_base();
	/* The exit function: a free it makes as its last call leaves no frame. */
	if (bpf_core_field_exists(k->exit))
		m->ev.ip = KREAD(k, exit);
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), mod + bpf_core_field_offset(old->name));
	w.base = m->ev.a0;
	w.size = m->ev.a1;
	w.ibase = m->ev.a2;
	w.isize = m->ev.a3;
	ks = (void *)KREAD(k, kallsyms);
	if (ks) {
		w.symtab = (void *)KREAD(ks, symtab);
		w.strtab = (void *)KREAD(ks, strtab);
		w.n = KREAD(ks, num_symtab);
	}
	/* aux: symbol table entries; user space reads kallsyms for a table
	 * longer than BPF walks. */
	if (!w.symtab || !w.strtab || !w.size)
		w.n = 0;
	m->ev.aux = w.n;
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
	if (w.n) {
		__u32 i;

#pragma clang loop unroll(disable)
		for (i = 0; i < PT_MAX_MOD_SYMS; i++) {
			if (i >= w.n || module_sym(i, &w))
				break;
		}
	}
	return 0;
}

/* The module's init is over: its init text is unlinked and will be freed. */
SEC("kretprobe/do_init_module")
int pagetrack_module_init_ret(struct pt_regs *ctx)
{
	struct pt_event *e = new_event(ctx, PT_EV_MODULE_INIT_END, false);

	if (!e)
		return 0;
	e->ret = (int)RETVAL(REGS(ctx));
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* syscalls:sys_enter_delete_module: int nr, then long-sized arguments. */
struct pt_delete_module_tp {
	__u64 ent;
	__s32 nr;
#ifdef PT_TARGET_I386
	__u32 name;
#else
	__u32 pad;
	__u64 name;
#endif
};

/* A module is being unloaded by this thread: its exit function runs next. */
SEC("tracepoint/syscalls/sys_enter_delete_module")
int pagetrack_module_unload(struct pt_delete_module_tp *ctx)
{
	struct pt_module_event *m = new_module_event(PT_EV_MODULE_UNLOAD);

	if (!m)
		return 0;
	bpf_probe_read_user_str(m->name, sizeof(m->name), (void *)(unsigned long)ctx->name);
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tracepoint/module/module_load")
int pagetrack_module_load(struct pt_module_load_tp *ctx)
{
	emit_module(ctx, PT_EV_MODULE_LOAD, ctx->name_loc);
	return 0;
}

SEC("tracepoint/module/module_free")
int pagetrack_module_free(struct pt_module_free_tp *ctx)
{
	emit_module(ctx, PT_EV_MODULE_FREE, ctx->name_loc);
	return 0;
}
