// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack kernel side: emit raw facts about page allocation, kmap and
 * user mappings into a ring buffer. Nothing is judged here; user space
 * (src/analyzer.c) pairs the events and decides.
 *
 * One source, compiled once per target arch. The arch layer is the ARG/RET
 * macros below: amd64 passes arguments in di, si, dx, cx; i386 (regparm(3))
 * in ax, dx, cx and then on the stack; ARM32 in r0-r3; both 32-bit arches
 * with 32-bit pointers and longs.
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
/* Allocation stacks sampled by pages (pagetrack.h); false: all unwind. */
const volatile bool sampling;
const volatile __u64 sample_thresh[16];	/* PT_NR_ORDERS used; & 15 bounds it */
/* Page frees unwind only where a finding can use the stack (free_wanted). */
const volatile bool lean_frees;
/* kmem events without a stack go as struct pt_kmem_event (not with -m). */
const volatile bool compact_kmem;
/* -m: unwind for scope only while a watched module is loaded (scope_present). */
const volatile bool scope_gate;
const volatile __u32 scope_nmods;
const volatile char scope_names[PT_SCOPE_MODS][PT_MODNAME_LEN] __attribute__((aligned(8)));
bool scope_loaded[PT_SCOPE_MODS];	/* also set by user space at start */
/* Until user space has read which watched modules are loaded: unwind. */
bool scope_open = true;

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

/*
 * The arch layer. ARGn: the n-th argument at a kprobe on entry; RETVAL: the
 * return value in a kretprobe; ENTRY_CALLER: the return address at entry
 * (the frame-pointer unwinder skips that frame); RET_IP: the caller in a
 * kretprobe (the kernel puts the real return address there).
 */
#ifdef PT_TARGET_ARM
/* ARM32: r0-r3 carry arguments, lr the return address; 32-bit words. The
 * layout is the ABI's (uregs[18]), so it is read as it is, without CO-RE. */
struct pt_regs___pt {
	__u32 uregs[18];
};
#define PT_PTR_SIZE	4
#define ARG1(r)		((r)->uregs[0])
#define ARG2(r)		((r)->uregs[1])
#define ARG3(r)		((r)->uregs[2])
#define ARG4(r)		((r)->uregs[3])
#define RETVAL(r)	((r)->uregs[0])
#define ENTRY_CALLER(r)	((r)->uregs[14])
#define RET_IP(r)	((r)->uregs[15])
/* No frame pointers in Debian's ARM kernels, and none needed for the map
 * site: there __kmap_local_page_prot() tail-calls __kmap_local_pfn_prot()
 * ("pop {r4, lr}; b"), so the return address is already its caller's. A
 * build that calls it instead names __kmap_local_page_prot as the site. */
#define FRAME_CALLER(r)	RET_IP(r)
#else
/* x86: register names relocated by CO-RE to the running kernel's pt_regs. */
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
#define ENTRY_CALLER(r)	stack_word((r), 0)
#define RET_IP(r)	((r)->ip)
/* The caller of the function whose frame bp is (i386 has frame pointers). */
#define FRAME_CALLER(r)	frame_word((r)->bp + PT_PTR_SIZE)

/* Read one kernel word (4 bytes on i386) from the stack at sp + n words:
 * the return address (n = 0) and i386's stack arguments. */
static __always_inline __u64 stack_word(struct pt_regs___pt *r, int n)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, PT_PTR_SIZE,
			      (void *)(unsigned long)(r->sp + n * PT_PTR_SIZE));
	return v;
}
#endif

#define REGS(ctx)	((struct pt_regs___pt *)(ctx))

#ifndef PT_TARGET_ARM
static __always_inline __u64 frame_word(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, PT_PTR_SIZE, (void *)(unsigned long)addr);
	return v;
}
#endif

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

/*
 * Blocks whose frees are worth a stack (lean_frees): higher-order and
 * sampled ones, by head pfn; value: the order. A full map opens the filter
 * for good: every free then unwinds, as without lean_frees.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);		/* 1 without lean_frees */
	__type(key, __u64);
	__type(value, __u8);
} marks SEC(".maps");

bool marks_open;
/* Orders of non-compound blocks seen: only their tails are freed alone. */
bool hi_seen[16];

#define PT_GFP_COMP	0x4000u		/* ___GFP_COMP on 6.1 .. 6.18 x86 */

/* An index into a 16-entry array the verifier accepts: the compiler drops
 * a mask it can prove redundant, the barrier keeps it. */
static __always_inline __u32 bounded(__u32 i)
{
	asm volatile("" : "+r"(i));
	return i & 15;
}

static __always_inline void mark_block(__u64 pfn, __u32 order, __u32 gfp, bool sampled)
{
	__u8 v = order;

	/* -m: only blocks unwound for scope can be the module's. */
	if (!lean_frees || (!sampled && (!order || scope_gate)))
		return;
	if (order && order < PT_NR_ORDERS && !(gfp & PT_GFP_COMP))
		hi_seen[bounded(order)] = true;
	if (bpf_map_update_elem(&marks, &pfn, &v, BPF_ANY))
		marks_open = true;
}

/*
 * Does a finding need this page free's stack? A free at a marked head
 * (a sampled or higher-order block: its order may differ), a free of more
 * than one page at an unmarked pfn (an order-0 or unknown block), or a free
 * inside a live non-compound higher-order block (a tail freed alone).
 * Order-0 frees of order-0 blocks, nearly all churn, never unwind.
 */
static __always_inline bool free_wanted(__u64 pfn, __u32 order)
{
	__u8 *m;
	int k;

	if (!lean_frees || marks_open)
		return true;
	if (bpf_map_lookup_elem(&marks, &pfn)) {
		bpf_map_delete_elem(&marks, &pfn);
		return true;
	}
	if (order)
		return true;
	for (k = 1; k < PT_NR_ORDERS; k++) {
		__u64 h = pfn & ~((1ULL << k) - 1);

		if (!hi_seen[k] || h == pfn)
			continue;
		m = bpf_map_lookup_elem(&marks, &h);
		if (m && *m >= k)
			return true;
	}
	return false;
}

/* Draw a block of 2^order pages for a stack sample. */
static __always_inline bool sample_draw(__u32 order)
{
	__u32 o = order < PT_NR_ORDERS ? order : PT_NR_ORDERS - 1;

	return bpf_get_prandom_u32() < sample_thresh[bounded(o)];
}

/*
 * -m: an allocation can have a watched module's code on its stack only while
 * that module is loaded (from its module_load tracepoint, which fires before
 * do_init_module and so before init, to its module_free). Otherwise nothing
 * unwinds for scope and events go compact; blocks unwound while a module was
 * loaded are marked, so their later frees still unwind (src/modscope.c).
 */

static __always_inline bool scope_present(void)
{
	int i;

	if (scope_open)
		return true;
	for (i = 0; i < PT_SCOPE_MODS; i++)
		if (i < scope_nmods && scope_loaded[i])
			return true;
	return false;
}

/*
 * A module named by the kernel string at src was loaded or freed. Names are
 * compared as zero-padded 64-bit words at fixed offsets: no loop, no
 * variable offset for the verifier of any kernel.
 */
static __always_inline void scope_note(const void *src, bool loaded)
{
	__u64 name[PT_MODNAME_LEN / 8] = { 0 };
	const volatile __u64 *w;
	int i, k;

	if (!scope_gate || bpf_probe_read_kernel_str(name, sizeof(name), src) <= 0)
		return;
	for (i = 0; i < PT_SCOPE_MODS; i++) {
		if (i >= scope_nmods)
			return;
		w = (const volatile __u64 *)scope_names[i];
		for (k = 0; k < PT_MODNAME_LEN / 8; k++)
			if (w[k] != name[k])
				break;
		if (k == PT_MODNAME_LEN / 8)
			scope_loaded[i] = loaded;
	}
}

/* Does this allocation unwind for scope? Counted either way. */
static __always_inline bool scope_alloc(void)
{
	bool on = scope_present();

	count(on ? PT_CNT_SCOPE_UNWIND : PT_CNT_SCOPE_SKIP);
	return on;
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
static __always_inline void submit_sized(void *e, __u32 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* 8: the ring buffer's record header */
	if (avail >= wakeup_bytes && avail < wakeup_bytes + size + 8)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void submit(struct pt_event *e)
{
	submit_sized(e, sizeof(*e));
}

static __always_inline void emit_kmem(__u32 type, __u64 pfn, __u32 order, __u32 gfp,
				      __u32 flags)
{
	struct pt_kmem_event *k = reserve(sizeof(*k));
	__u64 id;

	if (!k)
		return;
	id = bpf_get_current_pid_tgid();
	k->ts = bpf_ktime_get_ns();
	k->pfn = pfn;
	k->type = type;
	k->order = order;
	k->gfp = gfp;
	k->flags = flags;
	k->tgid = id >> 32;
	k->tid = (__u32)id;
	submit_sized(k, sizeof(*k));
}

#define PT_EEXIST	17

/* What a pt_event header carries besides its type and stack id. */
#define HDR_TASK	1	/* time, tgid, tid, comm: a module's symbol list has none */
#define HDR_CPU		2

/* The one place a pt_event header is filled: zeroed, then type, stack id, WHAT. */
static __always_inline void event_header(struct pt_event *e, __u32 type, long sid, __u32 what)
{
	__u64 id;

	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->stack_id = sid;
	if (what & HDR_CPU)
		e->cpu = bpf_get_smp_processor_id();
	if (!(what & HDR_TASK))
		return;
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline struct pt_event *new_event(void *ctx, __u32 type, bool stack)
{
	__u32 size = sizeof(struct pt_event);
	struct pt_event *e;
	long sid = -1;

	if (stack && with_stacks) {
		sid = bpf_get_stackid(ctx, &stacks, 0);
		if (sid == -PT_EEXIST)
			size = sizeof(struct pt_event_stack);
	}
	e = reserve(size);
	if (!e)
		return NULL;
	event_header(e, type, sid, HDR_TASK | HDR_CPU);
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
	return e;
}

#ifdef PT_TARGET_ARM
/*
 * ARM32: perf cannot unwind from a tracepoint (the registers it fetches hold
 * the BPF program's own sp, and the ARM unwinder needs a true one), and the
 * unwinder stops at a kretprobe's trampoline. So there an allocation's stack
 * is taken at the entry of the outermost allocator function that has a
 * kretprobe (__get_free_pages, else __alloc_pages; attached after their
 * kretprobes, so the return address is still true), kept per thread, and used
 * by the mm_page_alloc tracepoint inside that call. A stack the map refuses
 * (-EEXIST) is kept inline, as new_event does.
 */
struct kept_stack {
	__s32 sid;
	__u32 owner;		/* the PT_EV_*_RET whose kretprobe drops it */
	__u32 nr;
	__u32 pad;
	__u64 ips[PT_INLINE_STACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct kept_stack);
} alloc_stack SEC(".maps");

/* One kept stack per thread at a time: a zeroed value to start from. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kept_stack);
} kept_scratch SEC(".maps");

static __always_inline void keep_stack(void *ctx, __u32 owner)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0;
	struct kept_stack *k, *old;
	long n;

	if (!with_stacks || (targ_tgid && (id >> 32) != targ_tgid))
		return;
	/* Inside __get_free_pages, its own stack is the longer one. */
	old = bpf_map_lookup_elem(&alloc_stack, &tid);
	if (old && old->owner == PT_EV_GFP_RET && owner == PT_EV_ALLOC_RET)
		return;
	k = bpf_map_lookup_elem(&kept_scratch, &zero);
	if (!k)
		return;
	k->owner = owner;
	k->nr = 0;
	k->sid = bpf_get_stackid(ctx, &stacks, 0);
	if (k->sid == -PT_EEXIST) {
		n = bpf_get_stack(ctx, k->ips, sizeof(k->ips), 0);
		k->nr = n > 0 ? n / sizeof(__u64) : 0;
	}
	bpf_map_update_elem(&alloc_stack, &tid, k, BPF_ANY);
}

static __always_inline void drop_stack(__u32 owner)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kept_stack *k = bpf_map_lookup_elem(&alloc_stack, &tid);

	if (k && k->owner == owner)
		bpf_map_delete_elem(&alloc_stack, &tid);
}

/* The allocation event; with a stack, the kept one when there is one. */
static __always_inline struct pt_event *alloc_event(void *ctx, bool stack)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kept_stack *k = stack ? bpf_map_lookup_elem(&alloc_stack, &tid) : NULL;
	struct pt_event_stack *es;
	struct pt_event *e;

	if (!k)
		return new_event(ctx, PT_EV_PAGE_ALLOC, stack);
	if (k->sid != -PT_EEXIST || !k->nr) {
		e = new_event(ctx, PT_EV_PAGE_ALLOC, false);
		if (e)
			e->stack_id = k->sid;
		return e;
	}
	es = reserve(sizeof(*es));
	if (!es)
		return NULL;
	event_header(&es->ev, PT_EV_PAGE_ALLOC, -PT_EEXIST, HDR_TASK | HDR_CPU);
	es->nr = k->nr > PT_INLINE_STACK ? PT_INLINE_STACK : k->nr;
	es->pad = 0;
	__builtin_memcpy(es->ips, k->ips, sizeof(es->ips));
	return &es->ev;
}
#else
#define keep_stack(ctx, owner)	do { } while (0)
#define drop_stack(owner)	do { } while (0)
#define alloc_event(ctx, stack)	new_event((ctx), PT_EV_PAGE_ALLOC, (stack))
#endif

/* ARM32 only (see keep_stack); user space loads these on that arch alone. */
SEC("kprobe/__alloc_pages")
int pagetrack_alloc_entry(struct pt_regs *ctx)
{
	keep_stack(ctx, PT_EV_ALLOC_RET);
	return 0;
}

SEC("kprobe/__get_free_pages")
int pagetrack_gfp_entry(struct pt_regs *ctx)
{
	keep_stack(ctx, PT_EV_GFP_RET);
	return 0;
}

/* ---- kmem tracepoints: present on every kernel, the tracepoint-only floor ---- */

SEC("tracepoint/kmem/mm_page_alloc")
int pagetrack_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u64 pfn = ctx->pfn;
	bool sampled = true;
	struct pt_event *e;

	/* A failed allocation reports pfn -1 (in the kernel's long width). */
	if (pfn == (__u64)-1 || pfn == 0xffffffffULL || pid_filtered())
		return 0;
	pid_region_add(pfn, ctx->order);
	if (sampling)
		sampled = sample_draw(ctx->order);
	else if (scope_gate)
		sampled = scope_alloc();
	mark_block(pfn, ctx->order, ctx->gfp_flags, sampled);
	if ((compact_kmem || scope_gate) && !(sampled && with_stacks)) {
		emit_kmem(PT_EV_PAGE_ALLOC, pfn, ctx->order, ctx->gfp_flags, 0);
		return 0;
	}
	e = alloc_event(ctx, sampled);
	if (!e)
		return 0;
	e->a0 = pfn;
	e->order = ctx->order;
	e->gfp = ctx->gfp_flags;
	if (sampling && sampled)
		e->flags = PT_F_SAMPLED;
	submit(e);
	return 0;
}

static __always_inline void emit_free(void *ctx, __u64 pfn, __u32 order, __u32 flags)
{
	struct pt_event *e;
	bool stack;

	bool compact = compact_kmem;

	if (free_filtered(pfn))
		return;
	if (scope_gate) {
		/* A block marked while its module was loaded, or any free
		 * while one is (the module may be the one freeing). */
		compact = !free_wanted(pfn, order) && !scope_present();
		stack = free_stacks && with_stacks && !compact;
	} else {
		stack = free_stacks && with_stacks && free_wanted(pfn, order);
	}
	if (compact && !stack) {
		emit_kmem(PT_EV_PAGE_FREE, pfn, order, 0, flags);
		return;
	}
	e = new_event(ctx, PT_EV_PAGE_FREE, stack);
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
	drop_stack(PT_EV_ALLOC_RET);
	return emit_ret(ctx, PT_EV_ALLOC_RET, RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
}

SEC("kretprobe/__get_free_pages")
int pagetrack_gfp_ret(struct pt_regs *ctx)
{
	drop_stack(PT_EV_GFP_RET);
	return emit_ret(ctx, PT_EV_GFP_RET, RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
}

SEC("kprobe/__free_pages")
int pagetrack_free_pages_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_pages(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ENTRY_CALLER(r));
}

SEC("kprobe/free_pages")
int pagetrack_free_addr_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_addr(ctx, ARG1(r), ARG2(r), ENTRY_CALLER(r));
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
	e->ip = RET_IP(r);
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
	e->ip = ENTRY_CALLER(r);
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
	return emit_remap_ret(ctx, (int)RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
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

	if (!m)
		return NULL;
	event_header(&m->ev, type, -1, HDR_TASK);
	__builtin_memset(m->name, 0, sizeof(m->name));
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
	event_header(&m->ev, PT_EV_MODULE_SYM, -1, 0);
	__builtin_memset(m->name, 0, sizeof(m->name));
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
	scope_note((void *)ctx + (ctx->name_loc & 0xffff), true);
	emit_module(ctx, PT_EV_MODULE_LOAD, ctx->name_loc);
	return 0;
}

SEC("tracepoint/module/module_free")
int pagetrack_module_free(struct pt_module_free_tp *ctx)
{
	scope_note((void *)ctx + (ctx->name_loc & 0xffff), false);
	emit_module(ctx, PT_EV_MODULE_FREE, ctx->name_loc);
	return 0;
}

/*
 * ---- kmap_local / kmap_atomic (HIGHMEM kernels, kprobes) ----
 * A highmem page mapped by kmap_local_page() or kmap_atomic() goes through
 * __kmap_local_pfn_prot(), which takes the next of KM_MAX_IDX per-CPU fixmap
 * slots; kunmap_local_indexed() gives back the top one. They run on every
 * highmem page copy, so they are paired here against a small per-task stack
 * and only what breaks the rules leaves: an unmap that is not of the top
 * mapping, a task switched out while it holds kmap_atomic(), depth near the
 * limit, mappings still held at exit. The kernel's own kmap_ctrl.idx and
 * slot addresses are the truth: a missed probe run (kretprobe or BPF
 * recursion limits) is resynchronized against them, never reported.
 */
const volatile __u32 kl_fix_begin;	/* FIX_KMAP_BEGIN, from BTF */
const volatile __u32 kl_fix_end;	/* FIX_KMAP_END */
const volatile __u32 kl_km_max = PT_KL_SLOTS;	/* KM_MAX_IDX */
const volatile __u32 kl_deep = 12;	/* kernel depth sent as KLOCAL_DEEP */
const volatile __u64 kl_pp_lo, kl_pp_hi;	/* __kmap_local_page_prot text */

/* FIXADDR_TOP is a variable on i386 (not in kallsyms without KALLSYMS_ALL):
 * learnt from the first mapping's address and index. */
__u64 kl_top;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);		/* resized by user space */
	__type(key, __u64);
	__type(value, struct pt_kl_task);
} kl_tasks SEC(".maps");

struct pt_kl_task kl_blank;

/* A slot index the verifier can see is bounded (the compiler would drop a
 * plain mask after a range check). */
static __always_inline __u32 kl_i(__u32 i)
{
	asm volatile("%0 &= %1" : "+r"(i) : "i"(PT_KL_SLOTS - 1));
	return i;
}

struct kmap_ctrl___pt {
	int idx;
} __attribute__((preserve_access_index));

struct task_struct___kl {
	struct kmap_ctrl___pt kmap_ctrl;
	int pagefault_disabled;
} __attribute__((preserve_access_index));

/*
 * Page faults disabled in the task (kmap_atomic)? Read through
 * bpf_probe_read_kernel(), which itself disables page faults around the
 * copy: the value seen is one more than the task's own.
 */
static __always_inline bool kl_atomic(struct task_struct___kl *t)
{
	return BPF_CORE_READ(t, pagefault_disabled) > 1;
}

static __always_inline __u32 kl_kidx(struct task_struct___kl *t)
{
	int idx = BPF_CORE_READ(t, kmap_ctrl.idx);

	return idx < 0 ? 0 : idx;
}

/* Address of this CPU's slot idx. */
static __always_inline __u64 kl_slot_addr(__u32 idx)
{
	__u64 n = kl_fix_begin + idx + (__u64)kl_km_max * bpf_get_smp_processor_id();

	return kl_top - (n << 12);
}

static __always_inline void kl_count_peak(__u32 depth)
{
	__u32 zero = 0;
	struct pt_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && depth > c->v[PT_CNT_KL_PEAK])
		c->v[PT_CNT_KL_PEAK] = depth;
}

static __always_inline struct pt_event *kl_event(void *ctx, __u32 type, bool stack,
						 struct pt_kl_task *st, __u32 i)
{
	struct pt_event *e = new_event(ctx, type, stack);

	if (!e)
		return NULL;
	i = kl_i(i);
	e->a0 = st->s[i].vaddr;
	e->a1 = st->s[i].ip;
	e->a2 = st->s[i].ts;
	e->flags = st->s[i].flags & PT_KL_F_ATOMIC;
	e->order = st->depth;
	return e;
}

SEC("kretprobe/__kmap_local_pfn_prot")
int pagetrack_klocal_map(struct pt_regs *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	struct pt_regs___pt *r = REGS(ctx);
	__u64 key = (unsigned long)task, vaddr = RETVAL(r) & ~0xfffULL, ip = RET_IP(r);
	struct pt_kl_task *st;
	__u32 k, d, i;

	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	count(PT_CNT_KL_MAPS);
	k = kl_kidx(task);
	kl_count_peak(k);
	if (!k || k > kl_km_max)
		return 0;
	if (!kl_top)
		kl_top = vaddr + ((__u64)(kl_fix_begin + k - 1 +
					  kl_km_max * bpf_get_smp_processor_id()) << 12);
	/* Called from __kmap_local_page_prot: the site is its caller, whose
	 * return address sits above its frame pointer (i386 has frame
	 * pointers: no ORC; ARM32 gets here by a tail call, see FRAME_CALLER). */
	if (ip >= kl_pp_lo && ip < kl_pp_hi)
		ip = FRAME_CALLER(r);
	st = bpf_map_lookup_elem(&kl_tasks, &key);
	if (!st) {
		__u64 id = bpf_get_current_pid_tgid();

		bpf_map_update_elem(&kl_tasks, &key, &kl_blank, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&kl_tasks, &key);
		if (!st) {
			count(PT_CNT_KL_UNTRACKED);	/* map full */
			return 0;
		}
		st->tid = (__u32)id;
		st->tgid = id >> 32;
		bpf_get_current_comm(st->comm, sizeof(st->comm));
	}
	/* Entries at or above the new slot are unmaps we missed. */
	d = st->depth;
	for (i = 0; i < PT_KL_SLOTS && d > 0; i++) {
		if (st->s[kl_i(d - 1)].kidx < k - 1)
			break;
		d--;
		count(PT_CNT_KL_UNTRACKED);
	}
	if (d >= PT_KL_SLOTS) {
		count(PT_CNT_KL_UNTRACKED);
		return 0;
	}
	i = kl_i(d);
	st->s[i].vaddr = vaddr;
	st->s[i].ip = ip;
	st->s[i].ts = bpf_ktime_get_ns();
	st->s[i].kidx = k - 1;
	st->s[i].flags = kl_atomic(task) ? PT_KL_F_ATOMIC : 0;
	st->depth = d + 1;
	if (k >= kl_deep && !st->deep_sent) {
		struct pt_event *e = kl_event(ctx, PT_EV_KLOCAL_DEEP, true, st, i);

		st->deep_sent = 1;
		if (e) {
			e->aux = k;
			submit(e);
		}
	}
	return 0;
}

/* Remove entry i of the task's stack. */
static __always_inline void kl_remove(struct pt_kl_task *st, __u32 i)
{
	__u32 j;

	for (j = 0; j < PT_KL_SLOTS - 1; j++) {
		if (j < i)
			continue;
		if (j + 1 >= st->depth)
			break;
		st->s[kl_i(j)] = st->s[kl_i(j + 1)];
	}
	if (st->depth)
		st->depth--;
}

/* Index in the task's stack of the mapping at vaddr, or PT_KL_SLOTS. */
static __always_inline __u32 kl_find(struct pt_kl_task *st, __u64 vaddr)
{
	__u32 i;

	for (i = 0; i < PT_KL_SLOTS; i++) {
		if (i >= st->depth)
			break;
		if (st->s[kl_i(i)].vaddr == vaddr)
			return i;
	}
	return PT_KL_SLOTS;
}

static __always_inline void kl_bad_unmap(void *ctx, struct pt_kl_task *st, __u32 found,
					 __u64 addr, __u64 ip, __u32 k)
{
	__u32 top = kl_i(st->depth - 1);
	struct pt_event *e = new_event(ctx, PT_EV_KLOCAL_UNMAP, true);

	if (!e)
		return;
	e->a0 = addr;
	if (found < PT_KL_SLOTS) {
		e->a1 = st->s[kl_i(found)].ip;
		e->a4 = st->s[kl_i(found)].ts;
	} else {
		e->flags = PT_KL_F_NOT_HELD;
	}
	if (st->depth) {
		e->a2 = st->s[top].vaddr;
		e->a3 = st->s[top].ip;
	}
	e->ip = ip;
	e->order = st->depth;
	e->aux = k;
	submit(e);
}

SEC("kprobe/kunmap_local_indexed")
int pagetrack_klocal_unmap(struct pt_regs *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	struct pt_regs___pt *r = REGS(ctx);
	__u64 key = (unsigned long)task, addr = ARG1(r) & ~0xfffULL, expected;
	struct pt_kl_task *st;
	__u32 k, found;

	/* Lowmem pages are "mapped" by page_address(): no slot, no rule. */
	if (!kl_top || addr < kl_top - ((__u64)kl_fix_end << 12) ||
	    addr > kl_top - ((__u64)kl_fix_begin << 12))
		return 0;
	count(PT_CNT_KL_UNMAPS);
	st = bpf_map_lookup_elem(&kl_tasks, &key);
	if (!st) {
		count(PT_CNT_KL_UNTRACKED);
		return 0;
	}
	k = kl_kidx(task);
	expected = k ? kl_slot_addr(k - 1) : 0;
	if (k < kl_deep)
		st->deep_sent = 0;
	if (st->depth && st->s[kl_i(st->depth - 1)].vaddr == addr) {
		st->depth--;
		return 0;
	}
	found = kl_find(st, addr);
	/* The kernel's top slot: what we hold above it was unmapped unseen,
	 * or this mapping was taken unseen (before tracing). */
	if (addr == expected) {
		count(PT_CNT_KL_UNTRACKED);
		if (found < PT_KL_SLOTS)
			st->depth = found;
		return 0;
	}
	kl_bad_unmap(ctx, st, found, addr, ENTRY_CALLER(r), k);
	if (found < PT_KL_SLOTS)
		kl_remove(st, found);
	else if (st->depth && st->s[kl_i(st->depth - 1)].vaddr == expected)
		st->depth--;	/* the kernel unmaps its top slot instead */
	return 0;
}

/* Runs only for a task that holds local mappings while switched out. */
SEC("kprobe/__kmap_local_sched_out")
int pagetrack_klocal_sched_out(struct pt_regs *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	__u64 key = (unsigned long)task;
	struct pt_kl_task *st;
	__u32 i;

	count(PT_CNT_KL_SCHED);
	st = bpf_map_lookup_elem(&kl_tasks, &key);
	/* Still inside the atomic section (page faults still disabled)? */
	if (!st || !kl_atomic(task))
		return 0;
	for (i = 0; i < PT_KL_SLOTS; i++) {
		struct pt_event *e;

		if (i >= st->depth)
			break;
		if ((st->s[kl_i(i)].flags & (PT_KL_F_ATOMIC | PT_KL_F_REPORTED)) != PT_KL_F_ATOMIC)
			continue;
		st->s[kl_i(i)].flags |= PT_KL_F_REPORTED;
		e = kl_event(ctx, PT_EV_KLOCAL_SCHED, true, st, i);
		if (e) {
			e->aux = kl_kidx(task);
			submit(e);
		}
		break;
	}
	return 0;
}

/* A task that exits holding local mappings; its state goes either way. */
SEC("tracepoint/sched/sched_process_exit")
int pagetrack_klocal_exit(void *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	__u64 key = (unsigned long)task;
	struct pt_kl_task *st = bpf_map_lookup_elem(&kl_tasks, &key);
	__u32 i, k;

	if (!st)
		return 0;
	/* The kernel holds k: more in our stack were unmapped unseen. */
	k = kl_kidx(task);
	for (i = 0; i < PT_KL_SLOTS; i++) {
		struct pt_event *e;

		if (i >= st->depth || i >= k)
			break;
		e = kl_event(ctx, PT_EV_KLOCAL_HELD, false, st, i);
		if (e) {
			e->aux = PT_KL_HELD_EXIT;
			submit(e);
		}
	}
	bpf_map_delete_elem(&kl_tasks, &key);
	return 0;
}
