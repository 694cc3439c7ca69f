/* SPDX-License-Identifier: GPL-2.0 */
/* Human text and JSON-lines reports of the analyzer's findings. */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "ksyms.h"

struct report_opts {
	bool json;
	unsigned int max_frames;	/* per stack in text output */
	const char *attach_mode;
	unsigned int top;		/* outstanding call sites listed */
};

void report_print(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		  const struct report_opts *o);

#endif
