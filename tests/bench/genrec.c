// SPDX-License-Identifier: GPL-2.0
/*
 * Synthesizes large recordings for the analyzer benchmark (scripts/bench.sh)
 * with the real record writer (src/record.c) and the kernel model of
 * tests/unit/events.h, in tracepoint mode as the host records them:
 *
 *   genrec -o FILE -n EVENTS [-l LIVE] [-s SEED]   steady churn
 *   genrec -o FILE -n ALLOCS -H                     ALLOCS blocks, none freed
 *
 * Churn: bursts of 1-64 events, each from one thread and call site, either
 * allocations or frees, around LIVE live blocks (default 100000). Orders as a busy host shows them (mostly 0, some slab orders 1-3,
 * a few order 9). Freed blocks are reused last-in first-out per order like
 * the per-CPU lists; most frees take the oldest block (munmap, exit), some a
 * random one; half the order-0 frees come with the mm_page_free_batched twin
 * the 6.x kernels emit for folio batches; 3% free pages allocated before the
 * trace. 16 threads, 256 allocation stacks (STACK records).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record.h"
#include "events.h"

#define NSTACKS		256
#define STACK_DEPTH	8
#define NTIDS		16
/* A 32 GiB machine: 2 GiB of pfns per order (hold mode fills from order 0 on). */
#define REGION(o)	((uint64_t)((o) + 1) << 19)
#define OLD_REGION	(6ULL << 20)			/* allocated before the trace */
#define MAX_PFN		(8ULL << 20)

struct blk {
	uint64_t pfn;
	uint32_t order;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: fast and good enough to pick events. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static FILE *out;
static uint64_t written;

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	(void)ctx;
	(void)modname;
	if (rec_write(out, PT_REC_EVENT, e, sizeof(*e))) {
		perror("genrec: write");
		exit(2);
	}
	written++;
}

static void set_batched(struct pt_event *e, void *arg)
{
	(void)arg;
	e->flags = PT_F_BATCHED;
}

/* Per-order free lists (LIFO reuse) over a bump allocator. */
struct pool {
	uint64_t *free;
	size_t nfree, cap;
	uint64_t next;
};

static struct pool pools[PT_MAX_ORDER + 1];

static uint64_t pool_get(unsigned int order)
{
	struct pool *p = &pools[order];
	uint64_t pfn;

	if (p->nfree)
		return p->free[--p->nfree];
	pfn = REGION(order) + p->next;
	p->next += 1ULL << order;
	return pfn;
}

static void pool_put(unsigned int order, uint64_t pfn)
{
	struct pool *p = &pools[order];

	if (p->nfree == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->free = realloc(p->free, p->cap * sizeof(*p->free));
		if (!p->free) {
			fputs("genrec: out of memory\n", stderr);
			exit(2);
		}
	}
	p->free[p->nfree++] = pfn;
}

static unsigned int pick_order(void)
{
	unsigned int r = rnd() % 1000;

	if (r < 880)
		return 0;
	if (r < 920)
		return 1;
	if (r < 950)
		return 2;
	if (r < 990)
		return 3;
	return r < 995 ? 4 : 9;
}

static void pick_thread(struct kmodel *k)
{
	unsigned int t = rnd() % NTIDS;

	k->tid = 5000 + t;
	k->tgid = 5000 + (t & ~3u);
	k->stack = (int32_t)(rnd() % NSTACKS);
}

int main(int argc, char **argv)
{
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .last_pkmap = 0,
				     .max_pfn = MAX_PFN };
	unsigned long long n = 0, live_target = 100000, seed = 1;
	const char *path = NULL;
	struct blk *q;			/* live blocks, oldest first (a ring) */
	size_t qcap, head = 0, len = 0;
	struct pt_rec_end end = { 0 };
	struct kmodel k;
	bool hold = false, alloc = false;
	unsigned int burst = 0;
	int c, s, i;

	while ((c = getopt(argc, argv, "o:n:l:s:H")) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			live_target = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'H':
			hold = true;
			break;
		default:
			goto usage;
		}
	}
	if (!path || !n || !live_target) {
usage:
		fputs("usage: genrec -o FILE -n EVENTS [-l LIVE] [-s SEED] | -o FILE -n ALLOCS -H\n",
		      stderr);
		return 2;
	}
	rng_state ^= seed * 0xbf58476d1ce4e5b9ULL;
	if (hold)
		live_target = n;
	if (hold && n > OLD_REGION - REGION(0)) {
		fputs("genrec: at most 5.5 M live allocations (-H)\n", stderr);
		return 2;
	}
	out = fopen(path, "wb");
	if (!out || setvbuf(out, NULL, _IOFBF, 1 << 20) ||
	    rec_write_header(out, &ki, 2 /* tracepoint */, 0, NULL)) {
		perror(path);
		return 2;
	}
	for (s = 0; s < NSTACKS; s++) {
		uint32_t hdr[2] = { (uint32_t)s, STACK_DEPTH };
		uint64_t ips[STACK_DEPTH];

		for (i = 0; i < STACK_DEPTH; i++)
			ips[i] = KERNEL_IP + ((uint64_t)(s * 131 + i * 7919) << 4);
		if (rec_write2(out, PT_REC_STACK, hdr, sizeof(hdr), ips, sizeof(ips))) {
			perror(path);
			return 2;
		}
	}
	qcap = live_target + 1;
	q = malloc(qcap * sizeof(*q));
	if (!q) {
		fputs("genrec: out of memory\n", stderr);
		return 2;
	}
	memset(&k, 0, sizeof(k));
	k.sink = sink;
	k.ts = 1000000000ULL;

	while (written < n) {
		unsigned int r = rnd() % 100;

		/* Bursts: a thread faults or frees a run of pages at one site. */
		if (!burst) {
			pick_thread(&k);
			burst = 1 + (unsigned int)(rnd() % 64);
			alloc = hold || len < live_target / 2 || (len < live_target && r < 50);
			r = rnd() % 100;
		}
		burst--;
		if (alloc && len >= live_target)
			alloc = false;
		if (alloc) {
			unsigned int order = hold ? 0 : pick_order();
			uint32_t gfp = order ? (GFP_KERNEL | GFP_COMP_FLAG) : GFP_HIGHUSER;
			struct blk b = { pool_get(order), order };

			km_emit(&k, PT_EV_PAGE_ALLOC, b.pfn, order, set_gfp, &gfp);
			q[(head + len++) % qcap] = b;
		} else if (!len || r < 3) {
			/* A page allocated before tracing started. */
			km_page_free(&k, OLD_REGION + rnd() % (1 << 20), 0);
		} else {
			struct blk b;

			/* Mostly the oldest (munmap, exit); sometimes any. */
			if (r >= 85 && !hold) {
				size_t j = (head + rnd() % len) % qcap;

				b = q[j];
				q[j] = q[head];
			} else {
				b = q[head];
			}
			head = (head + 1) % qcap;
			len--;
			km_page_free(&k, b.pfn, b.order);
			if (!b.order && (rnd() & 1))
				km_emit(&k, PT_EV_PAGE_FREE, b.pfn, 0, set_batched, NULL);
			pool_put(b.order, b.pfn);
		}
	}
	end.produced = written;
	end.records = written;
	end.end_ns = k.ts + 1000;
	if (rec_write(out, PT_REC_END, &end, sizeof(end)) || fclose(out)) {
		perror(path);
		return 2;
	}
	printf("genrec events=%llu live=%zu\n", (unsigned long long)written, len);
	return 0;
}
