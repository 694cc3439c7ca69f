/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Human text and JSON-lines reports of the analyzer's findings, and the
 * site and symbol helpers other outputs share. Reporters never change the
 * analyzer.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "ksyms.h"
#include "verdict.h"

struct report_opts {
	bool json;
	unsigned int max_frames;	/* per stack in text output */
	const char *attach_mode;
	unsigned int top;		/* outstanding call sites listed */
	uint64_t filtered;		/* live: events the pid filter dropped in BPF */
	uint64_t probe_misses;		/* live: program runs the kernel skipped */
	const struct pt_command_end *cmd; /* live with COMMAND, else NULL */
	int exit_status;		/* the verdict's (verdict.h) */
};

/* The address that best names a site: the watched module's frame, else the
 * first frame outside the allocator, else caller. */
uint64_t report_site_ip(const struct analyzer *an, const struct ksyms *ks, uint64_t caller,
			int32_t stack_id);
/*
 * A stack as every output shows it: the kernel's frames only, without the
 * frames of pagetrack's BPF programs, probe trampolines and tracing dispatch,
 * nor a duplicate of the probed function (its entry call site). ips points
 * into inl or a malloc'ed copy: report_stack_free() after use.
 */
struct report_stack {
	uint32_t nr;		/* frames kept */
	uint32_t raw;		/* frames the stack had */
	uint32_t dropped;
	uint64_t *ips;
	uint64_t inl[64];
};
bool report_stack(const struct analyzer *an, const struct ksyms *ks, int32_t id,
		  struct report_stack *r);
void report_stack_free(struct report_stack *r);
/* Stack id as the text report prints it: up to max frames, one a line. */
void report_text_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       int32_t id, unsigned int max);
/* Whether ip is in a copy of a kernel header's static inline (kmap_local_page
 * compiled out of line into a module): the kernel's helper, not the site. */
bool report_is_helper(const struct analyzer *an, const struct ksyms *ks, uint64_t ip);
void json_str(FILE *out, const char *s);
/*
 * Whether f is a leak verdict a missed free (or unmap) may explain: misses,
 * the run's probe misses (0: none or unknown). With buf, the words every
 * writer appends to its message ("" when not), at most REPORT_MISSED_LEN.
 */
#define REPORT_MISSED_LEN	192
bool report_missed_free(const struct pt_finding *f, uint64_t misses, char *buf, size_t len);
/* Inline levels shown per frame, and the room report_source needs. */
#define REPORT_INLINE_MAX	8
#define REPORT_SOURCE_LEN	1024
/* " (file.c:212)" for a watched module's frame with a known source line
 * ("; inlined f at h.h:30" added for inlined code), else "". Returns buf. */
const char *report_source(const struct ksyms *ks, uint64_t ip, char *buf, size_t len);
/* ,"NAME":"symbol+off" of ip, or null when ip is 0; then, when the source
 * line is known, ,"NAME_source":"file:line" and, where code was inlined,
 * ,"NAME_inlined":[{"function":..,"source":"file:line"},...] outer to inner. */
void json_site(FILE *out, const struct analyzer *an, const struct ksyms *ks,
	       const char *name, uint64_t ip);
/* [..] of stack id's frames as report_stack() keeps them ([] if none). */
void json_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks, int32_t id);
/* Symbol text for ip; an address in a watched module without symbols (it
 * was unloaded before they could be read) becomes "module+0xoff [module]".
 * NULL when neither applies. */
const char *report_sym_known(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			     char *buf, size_t len);
/* report_sym_known, else "[unknown]" (the raw address with raw_addresses). */
const char *report_sym(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
		       char *buf, size_t len);

/* The bare function name for folded stacks, else what report_sym says. */
const char *report_func(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			char *buf, size_t len);

/* One finding as the text report prints it, up to max frames per stack. */
/* misses: the run's probe misses (a leak verdict then says it may be a
 * missed free), 0 if none or unknown. */
void report_text_finding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const struct pt_finding *f, unsigned int max, uint64_t misses);
/*
 * Outstanding pages as listed everywhere (text, JSON, -i, metrics): one row
 * per printed call site and order, the groups of every stack through it
 * merged, most pages first. pages is the estimate when sampled, blocks the
 * blocks (exact mode), samples the sampled blocks behind an estimate.
 * malloc'ed; NULL when out of memory.
 */
struct report_site {
	char caller[256];
	unsigned int order;
	uint64_t pages;
	uint32_t blocks, samples;
	uint64_t age_ns;		/* the oldest */
	int32_t stack_id;		/* an example stack */
	uint32_t stacks;		/* distinct stacks merged here */
};
struct report_site *report_sites(const struct analyzer *an, const struct ksyms *ks,
				 const struct pt_finding *g, unsigned int n, unsigned int *nout);
const char *report_plural(unsigned long long n, const char *one, const char *many);

void report_print(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		  const struct report_opts *o);

#endif
