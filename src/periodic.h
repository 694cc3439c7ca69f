/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Outputs for long-running tracing: interval reports (-i), the Prometheus
 * textfile (--metrics-file) and folded stacks (--folded). They read the
 * analyzer and never change it.
 */
#ifndef PT_PERIODIC_H
#define PT_PERIODIC_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "ksyms.h"

struct periodic {
	bool json;
	unsigned int top;		/* call sites listed */
	uint64_t min_age_ns;		/* only blocks at least this old */
	uint64_t last_kind[PT_K_MAX];	/* finding occurrences at the last interval */
	uint64_t last_received, last_lost;
};

void periodic_report(FILE *out, struct periodic *p, const struct analyzer *an,
		     const struct ksyms *ks, uint64_t now_ns, double elapsed_s);
/* Both rewrite PATH atomically (temporary file, then rename). 0 or -errno. */
int metrics_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		  unsigned int top, uint64_t now_ns);
int folded_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		 uint64_t now_ns, uint64_t min_age_ns);

#endif
