/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pairing in BPF: an order-0 block that is not unwound lives here as one bit
 * of a pfn bitmap (amd64) or one byte of a pfn byte map (i386, ARM32: see
 * PT_PAIR_BYTES below), from its allocation to its order-0 free, and neither
 * event crosses the ring buffer. That is nearly all churn, and it was the
 * rest of the cost: a ring-buffer record (~300 ns a run) and the reader's
 * pairing beside the workload.
 *
 * Only where nothing else needs the block's events (user space decides:
 * no --record; with -m, the blocks it does not unwind for scope,
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
 * not the API: its blocks stay kept. This file decides nothing about a free
 * but "kept or not"; it must not judge orders or refcounts.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
const volatile bool pair_on;
const volatile __u64 pair_pfns;		/* pfns the bitmap covers */
/* The API probes are on: user space keeps freed-block records. */
const volatile bool pair_api;

/* The kept blocks taken from one chunk (base, mask): counted, and at a
 * larger free (hand) sent to user space as blocks it now tracks (no stack). */
static __always_inline void pair_flush(__u64 base, __u64 taken, bool hand)
{
	struct pt_event *e;

	if (!taken)
		return;
	count_n(hand ? PT_CNT_PAIR_HANDED : PT_CNT_PAIR_STALE, __builtin_popcountll(taken));
	if (!hand)
		return;
	e = new_event(NULL, PT_EV_PAIRED_LIVE, false);
	if (!e)
		return;
	e->paired.base = base;
	e->paired.mask = taken;
	submit(e);
}

/* User space is to forget the record of a free it was sent at pfn: a block
 * was kept there since (see pair_told). */
static __always_inline void forget_send(__u64 pfn)
{
	struct pt_event *e = new_event(NULL, PT_EV_PAIRED_LIVE, false);

	if (!e)
		return;
	e->paired.base = pfn & ~63ULL;
	e->paired.mask = 1ULL << (pfn & 63);
	e->flags = PT_F_FORGET;
	submit(e);
}

#ifdef PT_PAIR_BYTES
/*
 * i386 and ARM32: a byte per pfn, and no atomics, which their 6.1 JITs do
 * not compile. A pfn's byte is written only by that page's own allocation
 * and free, or by a larger free or allocation that covers the page, which
 * the allocator orders; so plain stores of a byte (or of a word all of whose
 * pfns are in the block at hand) lose nobody's state, where a read-modify-
 * write of a bit in a word of 64 pfns would lose another CPU's. PAIR_KEPT:
 * the block is kept here; PAIR_TOLD and PAIR_STALE: what the amd64 version
 * keeps in pair_told (see there). One byte per 4 KiB page, pfn 0 up to
 * max_pfn: 512 KiB for a 2 GiB i386 guest, 768 KiB for the 2 GiB armhf one
 * (its RAM starts at 1 GiB).
 *
 * Why not bytes on amd64 too: measured on the host (6.18, tracepoint mode,
 * churn 64 MiB x 6, bpf_stats run time per program run, 2-3 runs each
 * with guests running beside), bits cost 185-239 ns per mm_page_alloc run
 * and 70-88 per mm_page_free, bytes 190-212 and 79-92: no better, with a
 * map 8x larger; and amd64 has the atomics. Both keep the same state and
 * send the same events.
 */
#define PAIR_KEPT	1
#define PAIR_TOLD	2
#define PAIR_STALE	4
#define PAIR_KEPT8	0x0101010101010101ULL

struct pair_chunk {
	__u64 w[8];			/* 64 pfns: byte pfn & 63 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* pair_pfns / 64, set by user space */
	__type(key, __u32);
	__type(value, struct pair_chunk);
} pair_bits SEC(".maps");

/*
 * With the API probes BPF turns a struct page pointer and a direct-map
 * address into a pfn (api.bpf.h). These kernels list no data symbol in
 * kallsyms (no CONFIG_KALLSYMS_ALL: neither mem_map nor PAGE_OFFSET), so
 * both bases are learnt from the kernel's own pairs: the pfn mm_page_alloc
 * names at the end of __alloc_pages and what that call (and the
 * __get_free_pages around it) returns moments later on the same thread and
 * CPU. A base is taken when two such pairs in a row agree: an interrupt's
 * allocation in between gives a wrong one, never the same one twice. Until
 * both are known nothing is kept (pair_ready), so user space gets every
 * event, as with pairing off. Each is stored as base | 1 in one 32-bit word
 * (both are even): another CPU sees the whole base with its flag, or 0.
 */
__u32 pair_page0;		/* struct page of pfn 0, | 1; 0: not known yet */
__u32 pair_direct0;		/* direct-map address of pfn 0, | 1 */
__u32 pair_cand[2];		/* the last candidate of each, | 1 */

struct pair_last {
	__u32 tid;
	__u32 pfn;
	__u64 opaque;		/* pair_opaque's */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pair_last);
} pair_last SEC(".maps");

static __always_inline bool pair_ready(void)
{
	return !pair_api || (*(volatile __u32 *)&pair_page0 && *(volatile __u32 *)&pair_direct0);
}

/* mm_page_alloc: the pfn this thread's allocator call is about to return. */
static __always_inline void pair_note(__u64 pfn)
{
	struct pair_last *l;
	__u32 zero = 0;

	if (!pair_on || pair_ready())
		return;
	l = bpf_map_lookup_elem(&pair_last, &zero);
	if (l) {
		l->tid = (__u32)bpf_get_current_pid_tgid();
		l->pfn = pfn;
	}
}

/* An allocator's return (page: a struct page, else a direct-map address). */
static __always_inline void pair_learn(bool page, __u64 ret)
{
	__u32 zero = 0, c, *base = page ? &pair_page0 : &pair_direct0;
	__u32 *cand = &pair_cand[page ? 0 : 1];
	struct pair_last *l;

	if (!pair_on || !pair_api || *(volatile __u32 *)base || (page && !page_sz))
		return;
	l = bpf_map_lookup_elem(&pair_last, &zero);
	if (!l || l->tid != (__u32)bpf_get_current_pid_tgid())
		return;
	/* Not consumed: __get_free_pages returns the same block after it. */
	c = (page ? (__u32)ret - l->pfn * page_sz : (__u32)ret - (l->pfn << 12)) | 1;
	if (*cand == c)
		*base = c;
	else
		*cand = c;
}

/*
 * v as a number the verifier cannot trace back, through this CPU's memory
 * (a program here never runs nested on its CPU). pair_take indexes a chunk
 * with it: an index computed from the pfn itself made the verifier keep
 * the pfn's exact range on every path (it must, for a pointer offset), so
 * that no two paths through the loops ever matched and it walked them
 * past its million instructions.
 */
static __always_inline __u64 pair_opaque(struct pair_last *s, __u64 v)
{
	*(volatile __u64 *)&s->opaque = v;
	return *(volatile __u64 *)&s->opaque;
}

static __always_inline struct pair_chunk *pair_chunk(__u64 pfn)
{
	__u32 i = pfn >> 6;

	if (!pair_on || pfn >= pair_pfns)
		return NULL;
	return bpf_map_lookup_elem(&pair_bits, &i);
}

static __always_inline __u8 *pair_byte(__u64 pfn)
{
	struct pair_chunk *c = pair_chunk(pfn);

	return c ? (__u8 *)c + (pfn & 63) : NULL;
}

/* A free at pfn goes to user space: remember it (see PAIR_TOLD). */
static __always_inline void told_set(__u64 pfn)
{
	__u8 *b;

	if (pair_api && (b = pair_byte(pfn)))
		*b |= PAIR_TOLD;
}

/* Keep an order-0 block allocated now; false: send its event. */
static __always_inline bool pair_alloc(__u64 pfn, __u32 order)
{
	__u8 *b, v;

	if (order || !pair_ready() || !(b = pair_byte(pfn)))
		return false;
	/* -m: as in the bit version below. */
	if (scope_gate && marks_near(pfn) && bpf_map_lookup_elem(&marks, &pfn))
		return false;
	v = *b;
	/* A sent free's record here is stale from now on. */
	*b = PAIR_KEPT | ((v & (PAIR_TOLD | PAIR_STALE)) ? PAIR_STALE : 0);
	if (v & PAIR_KEPT)
		count(PT_CNT_PAIR_STALE);	/* the last block here was freed unseen */
	count(PT_CNT_PAIR_ALLOCS);
	return true;
}

/*
 * One pfn of a range: its kept flag into the chunk's mask, without a
 * branch. told: PAIR_TOLD with the API probes, else 0. At a hand-over a
 * kept block goes to user space, which forgets the records at its pfn and
 * will make one at its free: told, not stale; a pfn not kept keeps its
 * byte. At a sent allocation user space forgets every record the block
 * covers: nothing stays.
 */
static __always_inline __u64 pair_take_byte(struct pair_chunk *c, __u32 i, int hand, __u8 told)
{
	__u8 *b = (__u8 *)c + i, v = *b, k = v & PAIR_KEPT;

	*b = hand ? (__u8)((v & ~(k * 7)) | ((k << 1) & told)) : 0;
	return (__u64)k << i;
}

/*
 * Clear the kept flags among [pfn, pfn + 2^order); as the bit version, a
 * hand-over sends them as a base and a 64-bit mask per 64 pfns. Byte by
 * byte up to a word boundary and after the last whole word, 8 bytes at a
 * time between: flat loops without a branch but the chunk change, indexed
 * through pair_opaque. (kept * 0x0102040810204080) >> 56 packs the low bits
 * of a word's 8 bytes into 8 bits: every product term lands on a bit of its
 * own, byte i's on bit 56 + i.
 *
 * A global function: the verifier checks it once, with any pfn and order,
 * instead of once for every path that reaches it. Inlined, 6.18's verifier
 * took 65 k instructions for mm_page_alloc's program, but 6.1's (the
 * i386 and armhf guests) went past its million; nested loops over chunks,
 * words and bytes with a branch per kept flag did on both. As it is, 6.1
 * verifies each program that calls it in about 266 k (i386, armhf). The 32-bit JITs
 * do not compile calls (nor did they atomics): where one is on, these
 * programs run interpreted, as they do with the JIT off, Debian's default
 * there.
 */
__noinline int pair_take(__u64 pfn, __u32 order, int hand)
{
	__u64 end = pfn + (1ULL << (order > 10 ? 10 : order));
	__u64 p = pfn, cbase = pfn & ~63ULL, taken = 0, w, k8;
	__u64 told8 = pair_api ? PAIR_KEPT8 << 1 : 0;
	__u8 told = (__u8)told8;
	struct pair_chunk *c = pair_chunk(pfn);
	struct pair_last *s;
	__u32 zero = 0, i;
	int n;

	if (!c || !(s = bpf_map_lookup_elem(&pair_last, &zero)))
		return 0;
	/* A chunk holds whole words, so the first bytes share pfn's chunk. */
	for (n = 0; n < 7 && p < end && (p & 7); n++, p++)
		taken |= pair_take_byte(c, pair_opaque(s, p) & 63, hand, told);
	for (n = 0; n < 128 && p + 8 <= end; n++, p += 8) {
		if ((p & ~63ULL) != cbase) {
			pair_flush(cbase, taken, hand);
			taken = 0;
			cbase = p & ~63ULL;
			c = pair_chunk(p);
			if (!c)
				return 0;
		}
		/* No branch here either: all 8 pfns are the block's, each
		 * byte as in pair_take_byte (k8 * 7: the kept bytes' flags). */
		i = (pair_opaque(s, p) >> 3) & 7;
		w = c->w[i];
		k8 = w & PAIR_KEPT8;
		c->w[i] = hand ? (w & ~(k8 * 7)) | ((k8 << 1) & told8) : 0;
		taken |= ((k8 * 0x0102040810204080ULL) >> 56) << (p & 56);
	}
	for (n = 0; n < 7 && p < end; n++, p++) {
		if ((p & ~63ULL) != cbase) {
			pair_flush(cbase, taken, hand);
			taken = 0;
			cbase = p & ~63ULL;
			c = pair_chunk(p);
			if (!c)
				return 0;
		}
		taken |= pair_take_byte(c, pair_opaque(s, p) & 63, hand, told);
	}
	pair_flush(cbase, taken, hand);
	return 0;
}

/* Is the order-0 block at pfn kept here (its allocation not sent)? */
static __always_inline bool pair_kept(__u64 pfn)
{
	__u8 *b = pair_byte(pfn);

	return b && (*b & PAIR_KEPT);
}

/* An order-0 page free (pair_free): true when it was a kept block's. */
static __always_inline bool pair_free_one(__u64 pfn)
{
	__u8 *b = pair_byte(pfn);

	if (!b)
		return false;
	if (!(*b & PAIR_KEPT)) {
		if (pair_api)
			*b |= PAIR_TOLD;
		return false;
	}
	*b &= ~PAIR_KEPT;	/* a stale record stays stale */
	count(PT_CNT_PAIR_FREES);
	return true;
}

/* An API free at pfn: a stale record there is forgotten first. */
static __always_inline void pair_forget(__u64 pfn)
{
	__u8 *b = pair_byte(pfn);

	if (!pair_api || !b || !(*b & PAIR_STALE))
		return;
	*b &= ~PAIR_STALE;
	forget_send(pfn);
}
#else
/* The bases come from the kernel's own variables (api.bpf.h). */
#define pair_ready()			true
#define pair_note(pfn)			do { } while (0)
#define pair_learn(page, ret)		do { } while (0)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* pair_pfns / 64, set by user space */
	__type(key, __u32);
	__type(value, __u64);
} pair_bits SEC(".maps");

/*
 * With the API probes, user space remembers who freed a block (the first
 * free a double free names) at the head of each free it was sent. told: a
 * free was sent at this pfn. An allocation kept there makes that record
 * stale (user space would have forgotten it, had the allocation been sent):
 * told becomes stale. Only a double free at the API asks for the record, so
 * the stale ones are said only there: an API free at a stale pfn first
 * sends a small event (PAIRED_LIVE with PT_F_FORGET) and user space forgets
 * that record, instead of naming it as the first free of a kept block.
 * (Said at every reuse, those events were half of what fentry mode sent
 * under churn; sending the allocation instead would chain: its free would
 * be sent too, and so on for good.) A sent allocation clears both over its
 * pages, as user space forgets every record there; a hand-over clears the
 * stale bit of the blocks it hands (user space forgets theirs) and sets
 * their told bit (it will make one at their free).
 */
struct pair_told {
	__u64 told;
	__u64 stale;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);			/* pair_pfns / 64 with pair_api */
	__type(key, __u32);
	__type(value, struct pair_told);
} pair_told SEC(".maps");

/*
 * A bit is set and cleared with atomic adds (the one atomic of cpu v1):
 * other bits of the word change under other CPUs, and our own bit is known
 * first, since a page's allocation and free are ordered by the allocator.
 */
static __always_inline __u64 *pair_word(__u64 pfn)
{
	__u32 i = pfn >> 6;

	if (!pair_on || pfn >= pair_pfns)
		return NULL;
	return bpf_map_lookup_elem(&pair_bits, &i);
}

static __always_inline struct pair_told *told_word(__u64 pfn)
{
	__u32 i = pfn >> 6;

	if (!pair_api || pfn >= pair_pfns)
		return NULL;
	return bpf_map_lookup_elem(&pair_told, &i);
}

/* A free at pfn goes to user space: remember it (see pair_told). */
static __always_inline void told_set(__u64 pfn)
{
	struct pair_told *t = told_word(pfn);
	__u64 bit = 1ULL << (pfn & 63);

	if (t && !(t->told & bit))
		__sync_fetch_and_add(&t->told, bit);
}

/* Keep an order-0 block allocated now; false: send its event. */
static __always_inline bool pair_alloc(__u64 pfn, __u32 order)
{
	__u64 bit = 1ULL << (pfn & 63), *w;
	struct pair_told *t;

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
	/* A sent free's record here is stale from now on. */
	if ((t = told_word(pfn)) && (t->told & bit)) {
		__sync_fetch_and_add(&t->told, -bit);
		if (!(t->stale & bit))
			__sync_fetch_and_add(&t->stale, bit);
	}
	return true;
}

/*
 * pair_take's told and stale bits for one word (see pair_told): a global
 * function of its own, verified on its own; inside pair_take's loop its
 * branches made every pagetrack start in the 6.12 guest take ~30 s instead
 * of 4-9 (the load of each program that calls pair_take).
 */
__noinline int told_take(__u64 base, __u64 mask, __u64 taken, int hand)
{
	struct pair_told *t = told_word(base);
	__u64 bits;

	if (!t)
		return 0;
	bits = t->stale & (hand ? taken : mask);
	if (bits)
		__sync_fetch_and_add(&t->stale, -bits);
	bits = hand ? taken & ~t->told : t->told & mask;
	if (bits)
		__sync_fetch_and_add(&t->told, hand ? bits : -bits);
	return 0;
}

/*
 * Clear the kept bits among [pfn, pfn + 2^order), word by word. At a larger
 * free (hand) they go to user space first, as blocks it now tracks; at an
 * allocation sent as an event they are stale (their frees went unseen, see
 * probe_misses) and only counted, so that a later free of these pages is not
 * taken for a kept block's and swallowed. A global function, as the byte
 * version's: verified once, so that a program calling it pays nothing for
 * its loop's paths (inlined, the fentry free_pages program with a stack
 * decided at run time went past the verifier's million instructions).
 */
__noinline int pair_take(__u64 pfn, __u32 order, int hand)
{
	__u64 end = pfn + (1ULL << (order > 10 ? 10 : order));
	__u64 base = pfn & ~63ULL, lo, hi, mask, taken, *w;
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
		if (pair_api)
			told_take(base, mask, taken, hand);
		if (!taken)
			continue;
		__sync_fetch_and_add(w, -taken);
		pair_flush(base, taken, hand);
	}
	return 0;
}

/* Is the order-0 block at pfn kept here (its allocation not sent)? */
static __always_inline bool pair_kept(__u64 pfn)
{
	__u64 *w = pair_word(pfn);

	return w && (*w & (1ULL << (pfn & 63)));
}

/* An order-0 page free (pair_free): true when it was a kept block's. */
static __always_inline bool pair_free_one(__u64 pfn)
{
	__u64 bit = 1ULL << (pfn & 63), *w;

	w = pair_word(pfn);
	if (!w || !(*w & bit)) {
		told_set(pfn);
		return false;
	}
	__sync_fetch_and_add(w, -bit);
	count(PT_CNT_PAIR_FREES);
	return true;
}

/* An API free at pfn: a stale record there is forgotten first. */
static __always_inline void pair_forget(__u64 pfn)
{
	struct pair_told *t = told_word(pfn);
	__u64 bit = 1ULL << (pfn & 63);

	if (!t || !(t->stale & bit))
		return;
	__sync_fetch_and_add(&t->stale, -bit);
	forget_send(pfn);
}
#endif

/* A page free: true when it was a kept block's, and nothing is sent. A
 * larger free hands the kept blocks it covers over first. */
static __always_inline bool pair_free(__u64 pfn, __u32 order)
{
	if (!pair_on)
		return false;
	if (order) {
		pair_take(pfn, order, true);
		told_set(pfn);
		return false;
	}
	return pair_free_one(pfn);
}

/* An API free of [pfn, pfn + 2^order): kept blocks there go to user space
 * first, as blocks it tracks, so that it judges this free. */
static __always_inline void pair_hand(__u64 pfn, __u32 order)
{
	if (pair_on)
		pair_take(pfn, order, true);
}

/*
 * pair_hand for one page or two (order 0 or 1: an sg entry's), inline. The
 * i386 and ARM32 sg walker (dma.bpf.h) is a chain of tail calls, and without
 * a JIT the kernel refuses a program that both tail calls and calls a
 * function ("tail_calls are not allowed in non-JITed programs with bpf-to-bpf
 * calls"): it must not reach pair_take().
 */
static __always_inline void pair_hand_small(__u64 pfn, __u32 order)
{
#ifdef PT_PAIR_BYTES
	struct pair_chunk *c;
	__u64 p = pfn;
	int n;

	if (!pair_on)
		return;
	for (n = 0; n < 2 && n <= (int)order; n++, p++) {
		c = pair_chunk(p);
		if (c)
			pair_flush(p & ~63ULL,
				   pair_take_byte(c, (__u32)p & 63, true, pair_api ? PAIR_TOLD : 0),
				   true);
	}
#else
	pair_hand(pfn, order);
#endif
}

/* An allocation that goes to user space as an event. */
static __always_inline void pair_sent(__u64 pfn, __u32 order)
{
	if (pair_on)
		pair_take(pfn, order, false);
}
