/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What decides whether an event is sent and whether it unwinds: counters,
 * the -p filter and its physical regions, marked blocks (frees worth a
 * stack), the page-sampling draw and the -m scope gate.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
static __always_inline void count_n(int idx, __u64 n)
{
	__u32 zero = 0;
	struct pt_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && idx >= 0 && idx < PT_CNT_MAX)
		c->v[idx] += n;
}

#define count(idx)	count_n((idx), 1)

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
 * Blocks whose frees are worth a stack (lean_frees), by head pfn; value: the
 * order. Higher-order blocks (with -m: the blocks unwound for scope, which
 * may be a watched module's). An order-0 block is not marked without -m: its
 * order-0 free is never a finding and a larger free unwinds anyway. A full
 * map opens the filter for good: every free then unwinds, as without
 * lean_frees.
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

/*
 * How many marks have their head in each 1024-page region, so that a free
 * in a region without one skips the marks lookups (~100 ns a free). A block
 * (order <= 10) is aligned to its size, so it lies in its head's region.
 * Regions share a slot modulo PT_MARK_SLOTS: that only adds up counts, which
 * makes a free look further, never less. The counts move with atomic adds
 * after a successful insert or delete, so they are exact across CPUs; the
 * 32-bit JITs lack atomics, so there every free looks marks up.
 */
#if !defined(PT_TARGET_I386) && !defined(PT_TARGET_ARM)
#define PT_MARK_REGION_SHIFT	10
#define PT_MARK_SLOTS		65536	/* 256 GiB of pfns before slots are shared */

/* Marks added and removed per slot: BPF has an atomic add only (no sub
 * before cpu v3), and equal counts mean none left. */
__u32 marks_in[PT_MARK_SLOTS], marks_out[PT_MARK_SLOTS];

static __always_inline __u32 mark_slot(__u64 pfn)
{
	return (pfn >> PT_MARK_REGION_SHIFT) & (PT_MARK_SLOTS - 1);
}

#define marks_near(pfn)		(marks_in[mark_slot(pfn)] != marks_out[mark_slot(pfn)])
#define marks_added(pfn)	__sync_fetch_and_add(&marks_in[mark_slot(pfn)], 1)
#define marks_removed(pfn)	__sync_fetch_and_add(&marks_out[mark_slot(pfn)], 1)
#else
#define marks_near(pfn)		true
#define marks_added(pfn)	do { } while (0)
#define marks_removed(pfn)	do { } while (0)
#endif

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
	if (!lean_frees || (scope_gate ? !sampled : !order))
		return;
	if (order && order < PT_NR_ORDERS && !(gfp & PT_GFP_COMP))
		hi_seen[bounded(order)] = true;
	/* Counted only when new: a head marked twice (its free not seen) is one mark. */
	if (!bpf_map_update_elem(&marks, &pfn, &v, BPF_NOEXIST))
		marks_added(pfn);
	else if (bpf_map_update_elem(&marks, &pfn, &v, BPF_EXIST))
		marks_open = true;
}

/*
 * Does a finding need this page free's stack? A free at a marked head
 * (a higher-order block: its order may differ; with -m, any block unwound
 * for scope: the module's frees are findings' sites), a free of more
 * than one page at an unmarked pfn (an order-0 or unknown block), or a free
 * inside a live non-compound higher-order block (a tail freed alone).
 * Order-0 frees of order-0 blocks, nearly all churn, never unwind.
 */
static __always_inline bool free_marked(__u64 pfn, __u32 order, bool take)
{
	__u8 *m;
	int k;

	if (!lean_frees || marks_open)
		return true;
	if (!marks_near(pfn))
		return order != 0;
	if (bpf_map_lookup_elem(&marks, &pfn)) {
		/* Of two CPUs freeing it, one deletes: counted once. */
		if (take && !bpf_map_delete_elem(&marks, &pfn))
			marks_removed(pfn);
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

/* The free's decision, its head's mark used up. */
#define free_wanted(pfn, order)	free_marked((pfn), (order), true)

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
		if (k == PT_MODNAME_LEN / 8) {
			scope_loaded[i] = loaded;
			if (loaded)
				scope_gen[i]++;	/* its entry probes are not on yet */
		}
	}
}

/*
 * -m with entry probes (scope_marks): once every loaded watched module has a
 * probe on each of its functions, a task needs a stack only while it may be
 * inside one. A task's check (its own stack holds no watched text) stays
 * good until it calls into a watched function (pagetrack_scope_enter drops
 * it) or the epoch moves on. A task already inside a module when the probes
 * went on fails its check, so it keeps unwinding; one that got there since
 * passed a probe. LRU: an evicted check is only made again.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);		/* 1 without scope_marks */
	__type(key, __u32);			/* tid */
	__type(value, __u32);			/* scope_epoch of its last check */
} scope_checked SEC(".maps");

/*
 * The last thread each CPU found checked, so that an idle module costs no
 * hash lookup: good while no call into a watched function happened since
 * anywhere (scope_entries moves on at each; a racy increment still moves it).
 */
__u32 scope_entries;

struct scope_last {
	__u32 tid, epoch, entries;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scope_last);
} scope_cache SEC(".maps");

struct scope_stack {
	__u64 ips[PT_MAX_STACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scope_stack);
} scope_scratch SEC(".maps");

/* 0: no watched module loaded; 1: every loaded one probed; 2: unwind all. */
static __always_inline int scope_state(void)
{
	int i, st = 0;

	if (scope_open)
		return 2;
	for (i = 0; i < PT_SCOPE_MODS; i++) {
		if (i >= scope_nmods || !scope_loaded[i])
			continue;
		if (!scope_marks || scope_marked[i] != scope_gen[i] + 1)
			return 2;
		st = 1;
	}
	return st;
}

/* Does the current stack hold a loaded watched module's text? The same
 * frames the event's own stack would keep. */
static __always_inline bool scope_on_stack(void *ctx)
{
	__u32 zero = 0;
	struct scope_stack *b = bpf_map_lookup_elem(&scope_scratch, &zero);
	long n;
	int i, m;

	if (!b)
		return true;
	count(PT_CNT_SCOPE_CHECK);
	n = bpf_get_stack(ctx, b->ips, sizeof(b->ips), 0);
	if (n <= 0)
		return true;		/* cannot tell: unwind */
	n /= sizeof(__u64);
#pragma clang loop unroll(disable)
	for (i = 0; i < PT_MAX_STACK; i++) {
		__u64 ip;

		if (i >= n)
			break;
		ip = b->ips[i];
		for (m = 0; m < PT_SCOPE_MODS; m++)
			if (m < scope_nmods && scope_loaded[m] && ip - scope_lo[m] < scope_len[m])
				return true;
	}
	return false;
}

/* May the current task have a watched module's code on its stack? */
static __always_inline bool scope_wanted(void *ctx)
{
	__u32 tid, epoch, entries, zero = 0;
	struct scope_last *c;
	__u32 *seen;
	int st = scope_state();

	if (st != 1)
		return st == 2;
	tid = (__u32)bpf_get_current_pid_tgid();
	epoch = scope_epoch;
	entries = scope_entries;
	c = bpf_map_lookup_elem(&scope_cache, &zero);
	if (c && c->tid == tid && c->epoch == epoch && c->entries == entries)
		return false;
	seen = bpf_map_lookup_elem(&scope_checked, &tid);
	if (!seen || *seen != epoch) {
		if (scope_on_stack(ctx))
			return true;
		bpf_map_update_elem(&scope_checked, &tid, &epoch, BPF_ANY);
	}
	if (c) {
		c->tid = tid;
		c->epoch = epoch;
		c->entries = entries;
	}
	return false;
}

/* Does this allocation unwind for scope? Counted either way. */
static __always_inline bool scope_alloc(void *ctx)
{
	bool on = scope_wanted(ctx);

	count(on ? PT_CNT_SCOPE_UNWIND : PT_CNT_SCOPE_SKIP);
	return on;
}

/* Attached by user space at every function of a loaded watched module. */
SEC("kprobe")
int pagetrack_scope_enter(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	count(PT_CNT_SCOPE_ENTER);
	scope_entries++;
	if (bpf_map_lookup_elem(&scope_checked, &tid))
		bpf_map_delete_elem(&scope_checked, &tid);
	return 0;
}
