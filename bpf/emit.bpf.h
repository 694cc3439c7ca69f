/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending events: ring-buffer reservation and submission, compact kmem
 * records, the one event header, and ARM32's allocation stacks kept at
 * entry.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
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
 * (-EEXIST) is kept inline, as new_event does. Whether the allocation is
 * sampled (or, with -m, whether it may be in scope) is decided there too,
 * from the order argument, so that the ones that are not never unwind.
 */
struct kept_stack {
	__s32 sid;
	__u32 owner;		/* the PT_EV_*_RET whose kretprobe drops it */
	__u32 nr;
	__u32 sampled;		/* the decision the tracepoint takes over */
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

static __always_inline void keep_stack(void *ctx, __u32 owner, __u32 order)
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
	k->sid = -1;
	/* ARM32 has no entry probes for -m (modscope.c): state 0 or 2. */
	k->sampled = sampling ? sample_draw(order) : !scope_gate || scope_state() != 0;
	if (k->sampled) {
		k->sid = bpf_get_stackid(ctx, &stacks, 0);
		if (k->sid == -PT_EEXIST) {
			n = bpf_get_stack(ctx, k->ips, sizeof(k->ips), 0);
			k->nr = n > 0 ? n / sizeof(__u64) : 0;
		}
	}
	bpf_map_update_elem(&alloc_stack, &tid, k, BPF_ANY);
}

/* The sampling draw for this allocation: the one its entry probe made. */
static __always_inline bool alloc_sampled(__u32 order)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kept_stack *k = bpf_map_lookup_elem(&alloc_stack, &tid);

	return k ? k->sampled : sample_draw(order);
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
#define keep_stack(ctx, owner, order)	do { } while (0)
#define drop_stack(owner)	do { } while (0)
#define alloc_event(ctx, stack)	new_event((ctx), PT_EV_PAGE_ALLOC, (stack))
#define alloc_sampled(order)	sample_draw(order)
#endif

/* ARM32 only (see keep_stack); user space loads these on that arch alone.
 * Both take the order as their second argument. */
SEC("kprobe/__alloc_pages")
int pagetrack_alloc_entry(struct pt_regs *ctx)
{
	keep_stack(ctx, PT_EV_ALLOC_RET, ARG2(REGS(ctx)));
	return 0;
}

SEC("kprobe/__get_free_pages")
int pagetrack_gfp_entry(struct pt_regs *ctx)
{
	keep_stack(ctx, PT_EV_GFP_RET, ARG2(REGS(ctx)));
	return 0;
}
