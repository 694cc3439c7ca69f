/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARM32 page frees outside the API (put_page(), a batch's release_pages()):
 * the mm_page_free tracepoint's own stack is unusable there (see
 * keep_stack), and no API entry probe stands in, so the stack is taken at
 * the entry of the function that frees: free_unref_page() and
 * __free_pages_ok() (one block, its struct page in hand) when a finding may
 * use that block's free, free_unref_page_list() (a batch, whose pages it
 * cannot see) always. Kept per thread, used by the tracepoint inside the
 * call: a single block's only for that block, a batch's until its
 * kretprobe.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/* struct page's size, 2^page_sz_shift times an odd number whose inverse
 * modulo 2^32 is page_sz_inv (from BTF; 0: unknown, every such free then
 * unwinds): a struct page pointer to its pfn without a division, which
 * ARM32's JIT lacks. Set on every arch, read on ARM32 only. */
const volatile __u32 page_sz;
const volatile __u32 page_sz_shift;
const volatile __u32 page_sz_inv;

#ifdef PT_TARGET_ARM
/* Address of pfn 0's struct page (FLATMEM: mem_map - ARCH_PFN_OFFSET
 * pages), learnt from the first single-block free whose tracepoint names
 * its pfn. */
__u32 page0;
bool page0_known;

struct free_kept {
	__s32 sid;
	__u32 page;		/* the block's struct page; 0: a batch */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tid */
	__type(value, struct free_kept);
} free_kept SEC(".maps");

static __always_inline __u64 arm_page_pfn(__u32 page)
{
	return (__u32)(((page - page0) >> page_sz_shift) * page_sz_inv);
}

static __always_inline void keep_free(void *ctx, __u32 page, __u32 order)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct free_kept k = { .sid = -1, .page = page };

	if (!with_stacks || !free_stacks)
		return;
	/* One block whose free no finding can use (its pfn known): none. */
	if (page && page0_known && page_sz_inv &&
	    !free_marked(arm_page_pfn(page), order, false) && !(scope_gate && scope_wanted(ctx))) {
		bpf_map_delete_elem(&free_kept, &tid);
		return;
	}
	k.sid = bpf_get_stackid(ctx, &stacks, 0);
	if (k.sid < 0)
		count(PT_CNT_STACK_FAIL);
	bpf_map_update_elem(&free_kept, &tid, &k, BPF_ANY);
}

/* The kept stack for the free of pfn on this thread, -1 none. */
static __always_inline __s32 kept_free_sid(__u64 pfn)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct free_kept *k = bpf_map_lookup_elem(&free_kept, &tid);
	__s32 sid;

	if (!k)
		return -1;
	if (!k->page)
		return k->sid;
	if (!page0_known && page_sz) {
		page0 = k->page - (__u32)pfn * page_sz;
		page0_known = true;
	}
	if (k->page != page0 + (__u32)pfn * page_sz)
		return -1;
	sid = k->sid;
	bpf_map_delete_elem(&free_kept, &tid);
	return sid;
}
#else
#define keep_free(ctx, page, order)	do { } while (0)
#define kept_free_sid(pfn)		(-1)
#endif

/* ARM32 only (user space loads these on that arch alone). */
SEC("kprobe/free_unref_page")
int pagetrack_free_unref_entry(struct pt_regs *ctx)
{
	keep_free(ctx, ARG1(REGS(ctx)), ARG2(REGS(ctx)));
	return 0;
}

SEC("kprobe/__free_pages_ok")
int pagetrack_free_ok_entry(struct pt_regs *ctx)
{
	keep_free(ctx, ARG1(REGS(ctx)), ARG2(REGS(ctx)));
	return 0;
}

SEC("kprobe/free_unref_page_list")
int pagetrack_free_list_entry(struct pt_regs *ctx)
{
	keep_free(ctx, 0, 0);
	return 0;
}

SEC("kretprobe/free_unref_page_list")
int pagetrack_free_list_ret(struct pt_regs *ctx)
{
#ifdef PT_TARGET_ARM
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&free_kept, &tid);
#endif
	return 0;
}
