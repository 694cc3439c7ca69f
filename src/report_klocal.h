/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmap_local findings and counts in the reports (report_klocal.c): a
 * reporter over the analyzer's public API.
 */
#ifndef PT_REPORT_KLOCAL_H
#define PT_REPORT_KLOCAL_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "kmap_local.h"
#include "ksyms.h"

/* Kind-specific fields of a finding: JSON members, text lines. */
void kl_report_json(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct pt_finding *f);
void kl_report_text(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct pt_finding *f);
/* The map stacks the finding's own stack is not (after it in the text). */
void kl_report_text_stacks(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			   const struct pt_finding *f, unsigned int max);

/* Interval members or text, and Prometheus lines; nothing if not traced. */
void kl_interval(FILE *out, const struct analyzer *an, bool json);
void kl_metrics(FILE *f, const struct analyzer *an);

#endif
