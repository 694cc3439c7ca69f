// SPDX-License-Identifier: GPL-2.0
/*
 * Relative error of the sampled per-site estimate (doc/design.md, "Sampled stacks"):
 * one site leaks N pages amid churn (tests/unit/events.h), stacks drawn as
 * BPF draws them, the estimate taken from the real analyzer. For each N and
 * R: the median and 95th percentile of |error| over SEEDS fixed seeds.
 *   sample_error [SEEDS]        prints a Markdown table
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "analyzer.h"
#include "events.h"

static const uint64_t stk[] = { 0xffffffff81100000ULL, MOD_IP };

static bool stack_ips(void *ctx, int32_t id, struct pt_stack *out)
{
	(void)ctx;
	out->ips = stk;
	out->nr = 2;
	return id >= 0;
}

static void sink(void *ctx, const struct pt_event *e, const char *modname)
{
	an_event(ctx, e, modname);
}

/* The estimate for the leaking site (STK_MODULE), 0 if never sampled. */
static double estimate(uint32_t r, uint64_t n, uint64_t seed)
{
	struct pt_config cfg = { .pkmap_pct = 50, .sample_pages = r };
	struct pt_kernel_info ki = { .arch = PT_ARCH_AMD64, .page_shift = 12,
				     .struct_page_size = 64, .max_pfn = 1 << 22 };
	const struct pt_finding *o;
	struct analyzer *an;
	struct kmodel k;
	unsigned int i, no;
	double est = 0;

	pt_sample_thresholds(r, cfg.sample_thresh);
	an = an_new(&cfg, &ki, stack_ips, NULL);
	if (!an)
		exit(2);
	km_init(&k, sink, an);
	km_sampled_leak_run(&k, cfg.sample_thresh, n, seed);
	an_finish(an, 0);
	o = an_outstanding(an, &no);
	for (i = 0; i < no; i++)
		if (o[i].stack_id == STK_MODULE)
			est = o[i].pages;
	an_free(an);
	return est;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const uint64_t ns[] = { 1024, 4096, 16384, 65536 };
	static const uint32_t rs[] = { 16, 32, 64, 256, 1024 };
	unsigned int seeds = argc > 1 ? (unsigned int)atoi(argv[1]) : 50, i, j, s;
	double *err;

	if (!seeds || seeds > 10000) {
		fprintf(stderr, "usage: sample_error [SEEDS 1-10000]\n");
		return 2;
	}
	err = calloc(seeds, sizeof(*err));
	if (!err)
		return 2;
	printf("| N pages leaked | R = 16 | R = 32 | R = 64 | R = 256 | R = 1024 |\n|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		printf("| %llu |", (unsigned long long)ns[i]);
		for (j = 0; j < sizeof(rs) / sizeof(rs[0]); j++) {
			for (s = 0; s < seeds; s++)
				err[s] = fabs(estimate(rs[j], ns[i], 1000 + s) - ns[i]) / ns[i];
			qsort(err, seeds, sizeof(*err), cmp);
			printf(" %.1f %% / %.1f %% |", 100 * err[seeds / 2],
			       100 * err[(seeds * 95 + 99) / 100 - 1]);
			fflush(stdout);
		}
		printf("\n");
	}
	free(err);
	return 0;
}
