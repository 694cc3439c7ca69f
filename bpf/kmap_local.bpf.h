/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmap_local_page() / kmap_atomic(): paired per task in BPF; only
 * anomalies and counts cross the ring buffer.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/*
 * ---- kmap_local / kmap_atomic (HIGHMEM kernels, kprobes) ----
 * A highmem page mapped by kmap_local_page() or kmap_atomic() goes through
 * __kmap_local_pfn_prot(), which takes the next of KM_MAX_IDX per-CPU fixmap
 * slots; kunmap_local_indexed() gives back the top one. They run on every
 * highmem page copy, so they are paired here against a small per-task stack
 * and only what breaks the rules leaves: an unmap that is not of the top
 * mapping, a task switched out while it holds kmap_atomic(), depth near the
 * limit, mappings still held at exit. Each mapping keeps the stack of its
 * map call (taken at __kmap_local_pfn_prot's entry, where ARM32 can unwind
 * too), and every anomaly carries it. The kernel's own kmap_ctrl.idx and
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
	e->flags = (st->s[i].flags & PT_KL_F_ATOMIC) | PT_KL_F_MAP_STACK;
	e->map_sid = st->s[i].sid;
	e->top_map_sid = -1;
	e->order = st->depth;
	return e;
}

/* The task's state, made on its first map; NULL when the map is full. */
static __always_inline struct pt_kl_task *kl_task(__u64 key)
{
	struct pt_kl_task *st = bpf_map_lookup_elem(&kl_tasks, &key);
	__u64 id;

	if (st)
		return st;
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&kl_tasks, &key, &kl_blank, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&kl_tasks, &key);
	if (!st) {
		count(PT_CNT_KL_UNTRACKED);	/* map full */
		return NULL;
	}
	st->tid = (__u32)id;
	st->tgid = id >> 32;
	st->pend_sid = -1;
	bpf_get_current_comm(st->comm, sizeof(st->comm));
	return st;
}

/*
 * The map call's stack, at __kmap_local_pfn_prot's entry: ARM32 cannot
 * unwind from a kretprobe (its trampoline stops the unwinder), and at a
 * function's first instruction it unwinds through lr, to the map site
 * itself (__kmap_local_page_prot tail-calls here). Kept for the return to
 * the kernel index this call takes; attached after the kretprobe, so it
 * runs before the kretprobe's handler changes the return address. With -m,
 * only where a watched module's code may be on the stack (scope_wanted):
 * a map of other code is no finding of it.
 */
/*
 * Map stacks in a stack map of their own: with -m and its module loaded,
 * the stacks map takes every allocation's stack, and a map stack whose hash
 * bucket another stack holds would be lost (-EEXIST; allocations carry such
 * a stack inline, a pending map has no room for one). Few distinct map
 * stacks come here (under -m, only those through the module), so 1 024
 * buckets seldom collide. Ids carry PT_KL_STACK_ID.
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PT_MAX_STACK * sizeof(__u64));
	__uint(max_entries, 1024);		/* 1 when kmap_local is off */
} kl_stacks SEC(".maps");

SEC("kprobe/__kmap_local_pfn_prot")
int pagetrack_klocal_map_entry(struct pt_regs *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	__u64 key = (unsigned long)task;
	struct pt_kl_task *st;
	long sid;

	if (!with_stacks || (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid))
		return 0;
	st = kl_task(key);
	if (!st)
		return 0;
	sid = scope_gate && !scope_wanted(ctx) ? -1 : bpf_get_stackid(ctx, &kl_stacks, 0);
	if (sid >= 0)
		sid |= PT_KL_STACK_ID;
	else if (sid < -1)
		count(PT_CNT_STACK_FAIL);
	st->pend_sid = sid;
	st->pend_k = kl_kidx(task) + 1;
	return 0;
}

SEC("kretprobe/__kmap_local_pfn_prot")
int pagetrack_klocal_map(struct pt_regs *ctx)
{
	struct task_struct___kl *task = (void *)bpf_get_current_task();
	struct pt_regs___pt *r = REGS(ctx);
	__u64 key = (unsigned long)task, vaddr = RETVAL(r) & ~0xfffULL, ip = RET_IP(r);
	struct pt_kl_task *st;
	__u32 k, d, i;
	__s32 sid;

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
	st = kl_task(key);
	if (!st)
		return 0;
	/* The stack its entry took, if that was this call's (an interrupt's
	 * map in between takes the same index and leaves none). */
	sid = st->pend_k == k ? st->pend_sid : -1;
	st->pend_k = 0;
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
	st->s[i].sid = sid;
	st->depth = d + 1;
	/* Its stack is the map stack: this kretprobe's own would stop at
	 * the trampoline on ARM32. */
	if (k >= kl_deep && !st->deep_sent) {
		struct pt_event *e = kl_event(ctx, PT_EV_KLOCAL_DEEP, false, st, i);

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
	e->flags = PT_KL_F_MAP_STACK;
	e->map_sid = -1;
	e->top_map_sid = -1;
	if (found < PT_KL_SLOTS) {
		e->a1 = st->s[kl_i(found)].ip;
		e->a4 = st->s[kl_i(found)].ts;
		e->map_sid = st->s[kl_i(found)].sid;
	} else {
		e->flags |= PT_KL_F_NOT_HELD;
	}
	if (st->depth) {
		e->a2 = st->s[top].vaddr;
		e->a3 = st->s[top].ip;
		e->top_map_sid = st->s[top].sid;
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
