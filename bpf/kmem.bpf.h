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
	bool sampled = true;
	struct pt_event *e;

	/* A failed allocation reports pfn -1 (in the kernel's long width). */
	if (pfn == (__u64)-1 || pfn == 0xffffffffULL || pid_filtered())
		return 0;
	pid_region_add(pfn, ctx->order);
	if (sampling)
		sampled = alloc_sampled(ctx->order);
	else if (scope_gate)
		sampled = scope_alloc(ctx);
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
