/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kmem tracepoints (every kernel; the tracepoint-only floor) and
 * where struct pages live.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/* ---- kmem tracepoints: present on every kernel, the tracepoint-only floor ---- */

SEC("tracepoint/kmem/mm_page_alloc")
int pagetrack_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u64 pfn = ctx->pfn;
	bool sampled = true, unwound;
	struct pt_event *e;

	/* A failed allocation reports pfn -1 (in the kernel's long width). */
	if (pfn == (__u64)-1 || pfn == 0xffffffffULL)
		return 0;
	pair_note(pfn);
	if (pid_filtered())
		return 0;
	pid_region_add(pfn, ctx->order);
	if (sampling)
		sampled = alloc_sampled(ctx->order);
	else if (scope_gate)
		sampled = scope_alloc(ctx);
	mark_block(pfn, ctx->order, ctx->gfp_flags, sampled);
	unwound = sampled && with_stacks;
	if (!unwound && pair_alloc(pfn, ctx->order))
		return 0;
	pair_sent(pfn, ctx->order);
	if ((compact_kmem || scope_gate) && !unwound) {
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
	/* ARM32: the stack its freeing function's entry took, if any. */
	__s32 kept = kept_free_sid(pfn);
	bool compact = compact_kmem;

	if (free_filtered(pfn) || pair_free(pfn, order))
		return;
	if (scope_gate) {
		/* A block marked while its module was loaded, or a free
		 * that module's code may be making. */
		compact = !free_wanted(pfn, order) && !scope_wanted(ctx);
		stack = free_stacks && with_stacks && !compact;
	} else {
		stack = free_stacks && with_stacks && free_wanted(pfn, order);
	}
	if (compact && !stack) {
		emit_kmem(PT_EV_PAGE_FREE, pfn, order, 0, flags);
		return;
	}
	e = new_event(ctx, PT_EV_PAGE_FREE, stack && kept < 0);
	if (!e)
		return;
	if (stack && kept >= 0)
		e->stack_id = kept;
	e->a0 = pfn;
	e->order = order;
	e->flags = flags;
	submit(e);
}

/*
 * A page freed through a batch (free_unref_folios(), free_unref_page_list()
 * on 5.x/6.x) fires mm_page_free in free_pages_prepare() and then, in a
 * second loop over the batch, mm_page_free_batched: the same free twice, a
 * third of all events under churn. Each CPU remembers the pfns it last saw
 * in mm_page_free, by their low bits; a batched free found there is that
 * twin and is only counted. One not found (a kernel that traces the batch
 * first, or an interrupt's frees between the loops that took the slot) is
 * sent as a free of its own: a free is never lost, at worst sent twice.
 * 2048 slots (16 KiB per CPU): 6.1's release_pages() frees a whole
 * mmu_gather batch at once, up to 510 pages, whose pfns then share low bits
 * with 256 slots (half the churn's twins were sent there; 6.12 batches 31).
 */
#define PT_TWIN_SLOTS	2048

struct free_seen {
	__u64 pfn[PT_TWIN_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct free_seen);
} free_seen SEC(".maps");

/* Frees are not filtered by pid (any context may free a tracked block),
 * only by where the filtered process allocated. */
SEC("tracepoint/kmem/mm_page_free")
int pagetrack_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	__u32 zero = 0;
	struct free_seen *seen = bpf_map_lookup_elem(&free_seen, &zero);
	__u64 pfn = ctx->pfn;

	if (seen)
		seen->pfn[pfn & (PT_TWIN_SLOTS - 1)] = pfn;
	emit_free(ctx, pfn, ctx->order, 0);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free_batched")
int pagetrack_page_free_batched(struct trace_event_raw_mm_page_free_batched *ctx)
{
	__u32 zero = 0;
	struct free_seen *seen = bpf_map_lookup_elem(&free_seen, &zero);
	__u64 pfn = ctx->pfn;

	if (seen && pfn && seen->pfn[pfn & (PT_TWIN_SLOTS - 1)] == pfn) {
		/* Used up: a second batched free of it is sent. */
		seen->pfn[pfn & (PT_TWIN_SLOTS - 1)] = (__u64)-1;
		count(PT_CNT_FREE_TWINS);
		return 0;
	}
	emit_free(ctx, pfn, 0, PT_F_BATCHED);
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
