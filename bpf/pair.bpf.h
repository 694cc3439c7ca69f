/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pairing in BPF: an order-0 block that is not unwound lives here as one bit
 * of a pfn bitmap, from its allocation to its order-0 free, and neither
 * event crosses the ring buffer. That is nearly all churn, and it was the
 * rest of the cost: a ring-buffer record (~300 ns a run) and the reader's
 * pairing beside the workload.
 *
 * Only where nothing else needs the block's events (user space decides:
 * no --record, amd64; with -m, the blocks it does not unwind for scope,
 * which the analyzer would drop): user space never learns such a block's
 * task or age; it gets counts (PT_CNT_PAIR_*) for its totals. A larger free
 * that covers kept blocks (an order mismatch: a block freed with more pages
 * than it has) hands them over first (PT_EV_PAIRED_LIVE), so the analyzer
 * judges that free as it would have.
 *
 * In fentry and kprobe mode the API probes (api.bpf.h) see the same blocks:
 * an allocator's return of a kept block is not sent (pair_kept: only its
 * pairing with the allocation would use it), and an API free (__free_pages,
 * free_pages) of a kept block hands it over before its event (pair_hand),
 * so that the order claimed, the refcount at entry and the page-vs-address
 * check are judged by user space exactly as with every event sent, and a
 * later double free names this free. Churn frees through the folio paths,
 * not the API: its blocks stay bits. This file decides nothing about a free
 * but "kept or not"; it must not judge orders or refcounts.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
const volatile bool pair_on;
const volatile __u64 pair_pfns;		/* pfns the bitmap covers */
/* The API probes are on: user space keeps freed-block records. */
const volatile bool pair_api;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* pair_pfns / 64, set by user space */
	__type(key, __u32);
	__type(value, __u64);
} pair_bits SEC(".maps");

/*
 * With the API probes, user space remembers who freed a block (the first
 * free a double free names) at the head of each free it was sent. A bit here
 * says "a free was sent at this pfn": the next allocation kept there says so
 * in a small event (PAIRED_LIVE with PT_F_FORGET), so that user space
 * forgets that record as it would with every event sent, instead of naming
 * it at a later double free of a kept block. (Sending that allocation
 * instead would chain: its free would be sent too, and so on for good.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* pair_pfns / 64 with pair_api */
	__type(key, __u32);
	__type(value, __u64);
} pair_told SEC(".maps");

/*
 * A bit is set and cleared with atomic adds (the one atomic of cpu v1):
 * other bits of the word change under other CPUs, and our own bit is known
 * first, since a page's allocation and free are ordered by the allocator.
 * The 32-bit JITs lack atomics: there pair_on stays false and this is out.
 */
#if !defined(PT_TARGET_I386) && !defined(PT_TARGET_ARM)
static __always_inline __u64 *pair_word(__u64 pfn)
{
	__u32 i = pfn >> 6;

	if (!pair_on || pfn >= pair_pfns)
		return NULL;
	return bpf_map_lookup_elem(&pair_bits, &i);
}

static __always_inline __u64 *told_word(__u64 pfn)
{
	__u32 i = pfn >> 6;

	if (!pair_api || pfn >= pair_pfns)
		return NULL;
	return bpf_map_lookup_elem(&pair_told, &i);
}

/* A free at pfn goes to user space: remember it (see pair_told). */
static __always_inline void told_set(__u64 pfn)
{
	__u64 bit = 1ULL << (pfn & 63), *t = told_word(pfn);

	if (t && !(*t & bit))
		__sync_fetch_and_add(t, bit);
}

/* Keep an order-0 block allocated now; false: send its event. */
static __always_inline bool pair_alloc(__u64 pfn, __u32 order)
{
	__u64 bit = 1ULL << (pfn & 63), *w, *t;

	if (order || !(w = pair_word(pfn)))
		return false;
	/* -m: a marked pfn is a watched block whose free went unseen; this
	 * allocation goes as an event, so that the analyzer drops that block
	 * instead of reporting it leaked. */
	if (scope_gate && marks_near(pfn) && bpf_map_lookup_elem(&marks, &pfn))
		return false;
	if (*w & bit)
		count(PT_CNT_PAIR_STALE);	/* the last block here was freed unseen */
	else
		__sync_fetch_and_add(w, bit);
	count(PT_CNT_PAIR_ALLOCS);
	/* A sent free's record is here in user space: it is to be forgotten. */
	if ((t = told_word(pfn)) && (*t & bit)) {
		struct pt_event *e;

		__sync_fetch_and_add(t, -bit);
		e = new_event(NULL, PT_EV_PAIRED_LIVE, false);
		if (e) {
			e->paired.base = pfn & ~63ULL;
			e->paired.mask = bit;
			e->flags = PT_F_FORGET;
			submit(e);
		}
	}
	return true;
}

/*
 * Clear the kept bits among [pfn, pfn + 2^order), word by word. At a larger
 * free (hand) they go to user space first, as blocks it now tracks; at an
 * allocation sent as an event they are stale (their frees went unseen, see
 * probe_misses) and only counted, so that a later free of these pages is not
 * taken for a kept block's and swallowed.
 */
static __always_inline void pair_take(void *ctx, __u64 pfn, __u32 order, bool hand)
{
	__u64 end = pfn + (1ULL << (order > 10 ? 10 : order));
	__u64 base = pfn & ~63ULL, lo, hi, mask, taken, *w;
	struct pt_event *e;
	int k;

	for (k = 0; k < 16; k++, base += 64) {
		if (base >= end)
			break;
		w = pair_word(base);
		if (!w)
			break;
		lo = pfn > base ? pfn - base : 0;
		hi = end < base + 64 ? end - base : 64;
		mask = (hi - lo == 64 ? ~0ULL : ((1ULL << (hi - lo)) - 1)) << lo;
		taken = *w & mask;
		if (!taken)
			continue;
		__sync_fetch_and_add(w, -taken);
		count_n(hand ? PT_CNT_PAIR_HANDED : PT_CNT_PAIR_STALE,
			__builtin_popcountll(taken));
		if (!hand)
			continue;
		e = new_event(ctx, PT_EV_PAIRED_LIVE, false);
		if (!e)
			continue;
		e->paired.base = base;
		e->paired.mask = taken;
		submit(e);
	}
}

/* Is the order-0 block at pfn kept here (its allocation not sent)? */
static __always_inline bool pair_kept(__u64 pfn)
{
	__u64 *w = pair_word(pfn);

	return w && (*w & (1ULL << (pfn & 63)));
}

/* An API free of [pfn, pfn + 2^order): kept blocks there go to user space
 * first, as blocks it tracks, so that it judges this free. */
static __always_inline void pair_hand(void *ctx, __u64 pfn, __u32 order)
{
	if (pair_on)
		pair_take(ctx, pfn, order, true);
}

/* An allocation that goes to user space as an event. */
static __always_inline void pair_sent(__u64 pfn, __u32 order)
{
	if (pair_on)
		pair_take(NULL, pfn, order, false);
}

/* A page free: true when it was a kept block's, and nothing is sent. */
static __always_inline bool pair_free(void *ctx, __u64 pfn, __u32 order)
{
	__u64 bit = 1ULL << (pfn & 63), *w;

	if (!pair_on)
		return false;
	if (order) {
		pair_take(ctx, pfn, order, true);
		told_set(pfn);
		return false;
	}
	w = pair_word(pfn);
	if (!w || !(*w & bit)) {
		told_set(pfn);
		return false;
	}
	__sync_fetch_and_add(w, -bit);
	count(PT_CNT_PAIR_FREES);
	return true;
}
#else
#define pair_kept(pfn)			false
#define pair_hand(ctx, pfn, order)	do { } while (0)
#define pair_alloc(pfn, order)		false
#define pair_sent(pfn, order)		do { } while (0)
#define pair_free(ctx, pfn, order)	false
#endif
