/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CI formats: SARIF (--sarif), JUnit XML (--junit) and GitHub Actions
 * annotations (--github-annotations, or GITHUB_ACTIONS=true), and what they
 * share: a finding's one-line message and the site it names. They read the
 * analyzer's public API and never change its state. Core library: no libbpf.
 */
#ifndef PT_CI_H
#define PT_CI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analyzer.h"
#include "ksyms.h"
#include "verdict.h"

/*
 * An optional source resolver: "path:line" for a kernel address (a return
 * address resolves to its call's line), or NULL when it knows none. With
 * one, SARIF results get a physical location and annotations file= and
 * line=; without one (source_of NULL) they name the function only.
 */
struct ci_source {
	const char *(*source_of)(void *ctx, uint64_t ip, char *buf, size_t len);
	void *ctx;
};

/* The site a finding names, as the CI formats show it. */
struct ci_site {
	uint64_t ip;			/* report_site_ip(), 0 if none */
	char sym[256];			/* "func+0x1c [mod]"; "[unknown]", never an address */
	char func[128];			/* bare function: "[unknown]", "(none)": no site */
	char module[PT_MODNAME_LEN];	/* watched module, else the symbol's ("vmlinux") */
	char file[256];			/* from the source resolver, "" if none */
	unsigned long line;		/* 0 if none */
};

void ci_site(const struct analyzer *an, const struct ksyms *ks, const struct ci_source *src,
	     const struct pt_finding *f, struct ci_site *site);
/*
 * The finding in one line, in the text report's words: kind, count, module,
 * what happened, orders or pages, the caller, and for a leak in a run with
 * probe misses (misses, 0: none) that it may be a missed free. Symbols as
 * report_sym() prints them when raw is set (--raw-addresses), else never an
 * address. A buffer of CI_MESSAGE_LEN holds any message whole.
 */
#define CI_MESSAGE_LEN	2048
const char *ci_message(const struct analyzer *an, const struct ksyms *ks,
		       const struct pt_finding *f, bool raw, uint64_t misses, char *buf,
		       size_t len);
/*
 * Text with every hexadecimal number that is a kernel address (the upper
 * half on 64-bit kernels, above 3 GiB on 32-bit ones) replaced by
 * "[kernel address]": for notes that print one (kunmap_local_bad's slot).
 * Returns a malloc'ed string, NULL when out of memory.
 */
char *ci_scrub(const struct analyzer *an, const char *text);
/* Whether path can be written at the end: its directory exists and path is
 * not a directory. 0 or -errno. */
int ci_path_usable(const char *path);

/* Write PATH atomically (outfile.c): 0 or -errno. */
/* misses: the run's probe misses (0: none, or unknown as in replay). */
int sarif_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		const struct ci_source *src, uint64_t misses);
/* cmd: how COMMAND ended, NULL without one (and in replay). */
int junit_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		const struct pt_command_end *cmd, uint64_t misses);
/* One ::error or ::warning workflow command per finding, to out. */
void gh_annotations(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct ci_source *src, uint64_t misses);

#endif
