// SPDX-License-Identifier: GPL-2.0
/*
 * The overhead floor for scripts/bench.sh: the same kmem tracepoints that
 * pagetrack's tracepoint mode attaches, each doing the least a ring-buffer
 * tracer can do: count the hit, reserve a minimal record, fill it, submit it
 * without waking the reader (tests/bench/floor.c drains on a timer).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "floor.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Knobs for attributing a tracer's cost (floor -w, -f); the defaults are the
 * floor itself. wakeup_bytes: when the pending data reaches this, submit with
 * BPF_RB_FORCE_WAKEUP (pagetrack's policy, 256 KiB) instead of never waking.
 * wake_on_crossing: wake only from the record that takes the pending data
 * over wakeup_bytes, not from every record while it stays over (a concurrent
 * producer can make both miss it: the reader's poll timeout covers that).
 * with_stack: a kernel stack per event, DEPTH frames deep (pagetrack: 32).
 * fat: a pagetrack-sized record (struct floor_fat_rec, 112 bytes) zeroed and
 * filled with the same helpers pagetrack's new_event() calls.
 * pair: pairing in BPF, the cost of sending only what outlives the map: an
 * allocation goes into a preallocated hash by pfn (8-byte value: what a
 * tracer would keep, say the order and the tgid) and is not sent; a free
 * looks its pfn up (a tracer compares the order) and deletes it, and only a
 * free the map does not hold, or an allocation it has no room for, is sent.
 */
const volatile __u64 wakeup_bytes = 0;
const volatile bool wake_on_crossing = false;	/* -W: only the record that crosses */
const volatile bool fat = false;
const volatile bool with_stack = false;	/* -s DEPTH: bpf_get_stackid() per event */
const volatile bool count_only = false;	/* -c: count, no record: a filter's cost */
const volatile bool get_stack = false;	/* -g: bpf_get_stack() into a buffer instead */
const volatile bool pair = false;	/* -p: pair allocations and frees in pending */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);		/* 1 without -p (floor.c) */
	__type(key, __u64);
	__type(value, __u64);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[32]);
} floor_stack_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 32 * sizeof(__u64));	/* DEPTH frames, set by floor.c */
	__uint(max_entries, 16384);
} floor_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);	/* resized by floor.c */
} floor_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOR_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} floor_counts SEC(".maps");

static __always_inline void bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&floor_counts, &idx);

	if (v)
		(*v)++;
}

static __always_inline void submit(void *r, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP, avail;

	if (wakeup_bytes) {
		avail = bpf_ringbuf_query(&floor_events, BPF_RB_AVAIL_DATA);
		if (avail >= wakeup_bytes &&
		    (!wake_on_crossing || avail - size - 8 < wakeup_bytes))
			flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(r, flags);
}

static __always_inline void emit(void *ctx, __u64 pfn, __u32 type)
{
	bump(FLOOR_CNT_PRODUCED);
	if (count_only)
		return;
	if (with_stack && get_stack) {
		__u32 zero = 0;
		void *buf = bpf_map_lookup_elem(&floor_stack_buf, &zero);

		if (buf && bpf_get_stack(ctx, buf, 32 * sizeof(__u64), 0) < 0)
			bump(FLOOR_CNT_STACK_FAIL);
	} else if (with_stack && bpf_get_stackid(ctx, &floor_stacks, 0) < 0) {
		bump(FLOOR_CNT_STACK_FAIL);
	}
	if (fat) {
		struct floor_fat_rec *f = bpf_ringbuf_reserve(&floor_events, sizeof(*f), 0);
		__u64 id;

		if (!f) {
			bump(FLOOR_CNT_LOST);
			return;
		}
		__builtin_memset(f, 0, sizeof(*f));
		id = bpf_get_current_pid_tgid();
		f->ts = bpf_ktime_get_ns();
		f->pfn = pfn;
		f->type = type;
		f->tgid = id >> 32;
		f->tid = (__u32)id;
		f->cpu = bpf_get_smp_processor_id();
		bpf_get_current_comm(f->comm, sizeof(f->comm));
		submit(f, sizeof(*f));
	} else {
		struct floor_rec *r = bpf_ringbuf_reserve(&floor_events, sizeof(*r), 0);

		if (!r) {
			bump(FLOOR_CNT_LOST);
			return;
		}
		r->pfn = pfn;
		r->type = type;
		submit(r, sizeof(*r));
	}
}

/* -p: true when the allocation is held in pending (not to be sent). */
static __always_inline bool pair_alloc(__u64 pfn, __u32 order)
{
	__u64 v = ((__u64)(bpf_get_current_pid_tgid() >> 32) << 8) | order;

	return !bpf_map_update_elem(&pending, &pfn, &v, BPF_NOEXIST);
}

/* -p: true when the free met its allocation in pending, order and all. */
static __always_inline bool pair_free(__u64 pfn, __u32 order)
{
	__u64 *v = bpf_map_lookup_elem(&pending, &pfn);

	if (!v)
		return false;
	if ((*v & 0xff) != order)	/* a tracer sends this one */
		return false;
	bpf_map_delete_elem(&pending, &pfn);
	bump(FLOOR_CNT_PAIRED);
	return true;
}

SEC("tracepoint/kmem/mm_page_alloc")
int floor_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	if (pair && pair_alloc(ctx->pfn, ctx->order))
		return 0;
	emit(ctx, ctx->pfn, FLOOR_ALLOC);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free")
int floor_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	if (pair && pair_free(ctx->pfn, ctx->order))
		return 0;
	emit(ctx, ctx->pfn, FLOOR_FREE);
	return 0;
}

SEC("tracepoint/kmem/mm_page_free_batched")
int floor_page_free_batched(struct trace_event_raw_mm_page_free_batched *ctx)
{
	if (pair && pair_free(ctx->pfn, 0))
		return 0;
	emit(ctx, ctx->pfn, FLOOR_FREE_BATCHED);
	return 0;
}

/*
 * floor -r: the same events through raw tracepoints, which skip the classic
 * tracepoint's perf buffer (its fields are copied for every event whether a
 * program reads them or not). Raw tracepoints hand over the struct page
 * pointer, which stands in for the pfn here.
 */
SEC("raw_tp/mm_page_alloc")
int floor_raw_page_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	emit(ctx, ctx->args[0], FLOOR_ALLOC);
	return 0;
}

SEC("raw_tp/mm_page_free")
int floor_raw_page_free(struct bpf_raw_tracepoint_args *ctx)
{
	emit(ctx, ctx->args[0], FLOOR_FREE);
	return 0;
}

SEC("raw_tp/mm_page_free_batched")
int floor_raw_page_free_batched(struct bpf_raw_tracepoint_args *ctx)
{
	emit(ctx, ctx->args[0], FLOOR_FREE_BATCHED);
	return 0;
}
