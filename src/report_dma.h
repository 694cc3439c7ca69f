/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA findings, counts and live mappings in the reports (report_dma.c): a
 * reporter over the analyzer's public API (analyzer_dma.h). It must not
 * change the analyzer nor judge anything.
 */
#ifndef PT_REPORT_DMA_H
#define PT_REPORT_DMA_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "analyzer_dma.h"
#include "ksyms.h"

/* Kind-specific fields of a DMA finding: JSON members, text lines. */
void dma_report_json(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		     const struct pt_finding *f);
void dma_report_text(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		     const struct pt_finding *f);
/* The summary's "dma" member (JSON) or line (text); nothing if no DMA seen. */
void dma_summary(FILE *out, const struct analyzer *an, bool json);
/* Live mappings at the end by device and by call site (top N each). */
void dma_outstanding(FILE *out, const struct analyzer *an, const struct ksyms *ks, bool json,
		     unsigned int top);
/* Interval members or text, and Prometheus lines. */
void dma_interval(FILE *out, const struct analyzer *an, const struct ksyms *ks, bool json,
		  unsigned int top);
void dma_metrics(FILE *f, const struct analyzer *an, const struct ksyms *ks, unsigned int top);

#endif
