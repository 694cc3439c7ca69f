// SPDX-License-Identifier: GPL-2.0
/*
 * GitHub Actions annotations (--github-annotations, or GITHUB_ACTIONS=true):
 * one ::error or ::warning workflow command per finding, with file= and
 * line= when a source resolver names the caller's line. session.c sends
 * them to stderr: the runner reads workflow commands from both streams, and
 * stdout stays the report (pure JSON lines with --json). It reads the
 * analyzer's public API only and never changes its state. Core library: no
 * libbpf.
 */
#include <stdio.h>
#include "ci.h"

/*
 * Workflow-command escaping: '%', CR and LF as %25, %0D, %0A in the
 * message; in properties also ':' and ',' as %3A and %2C. Other control
 * bytes, which a log line cannot carry, and bytes past ASCII (kernel
 * symbols are ASCII: anything else came from a damaged recording) become
 * '?'.
 */
static void gh_escape(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '%' || ch == '\r' || ch == '\n' || (property && (ch == ':' || ch == ',')))
			fprintf(out, "%%%02X", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fputc('?', out);
		else
			fputc(ch, out);
	}
}

void gh_annotations(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct ci_source *src, uint64_t misses)
{
	const struct pt_finding *f = NULL;
	struct ci_site site;
	unsigned int n, i;
	char msg[CI_MESSAGE_LEN], title[64];

	f = an_findings(an, &n);
	for (i = 0; i < n; i++) {
		ci_site(an, ks, src, &f[i], &site);
		fprintf(out, "::%s ", f[i].error ? "error" : "warning");
		if (site.line) {
			fputs("file=", out);
			gh_escape(out, site.file, true);
			fprintf(out, ",line=%lu,", site.line);
		}
		snprintf(title, sizeof(title), "pagetrack %s", pt_kind_name(f[i].kind));
		fputs("title=", out);
		gh_escape(out, title, true);
		fputs("::", out);
		gh_escape(out, ci_message(an, ks, &f[i], ks->raw_addresses, misses, msg, sizeof(msg)), false);
		fputc('\n', out);
	}
	fflush(out);
}
