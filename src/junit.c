// SPDX-License-Identifier: GPL-2.0
/*
 * --junit FILE: the verdict as JUnit XML for CI systems that show test
 * results, written atomically (outfile.c). One <testsuite name="pagetrack">;
 * a <testcase> per watched module (classname pagetrack.module), or one for
 * the whole run without -m (and one for findings of no module under -m); a
 * <failure> per error-level finding, warnings in <system-out>. A watched
 * module never checked fails its testcase, and COMMAND has a testcase of its
 * own, failed when it failed (exit statuses 4 and 3 are no green run). It
 * reads the analyzer's public API only and never changes its state. Core
 * library: no libbpf.
 */
#define _GNU_SOURCE		/* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ci.h"
#include "outfile.h"
#include "report.h"

/*
 * Text as XML 1.0 character data or attribute value: markup escaped,
 * control bytes XML cannot carry as '?', other bytes >= 0x7f as the
 * character of that code (as json_str does), so any input stays
 * well-formed. In attributes, tab and newlines are references.
 */
static void xml_str(FILE *out, const char *s, bool attr)
{
	for (; *s; s++) {
		unsigned char ch = *s;

		switch (ch) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs(attr ? "&quot;" : "\"", out); break;
		case '\t': case '\n': case '\r':
			if (attr)
				fprintf(out, "&#%u;", ch);
			else
				fputc(ch, out);
			break;
		default:
			if (ch < 0x20)
				fputc('?', out);
			else if (ch >= 0x7f)
				fprintf(out, "&#x%X;", ch);
			else
				fputc(ch, out);
		}
	}
}

struct junit_case {
	const char *classname, *name;
	int module;			/* watched index, -1: findings of none */
	bool command;			/* COMMAND's case: no findings */
	unsigned int errors, warnings;
	char why[256];			/* a failure of its own: not checked, COMMAND failed */
};

struct junit_ctx {
	const struct analyzer *an;
	const struct ksyms *ks;
	struct junit_case cases[PT_MAX_MODULES + 2];
	unsigned int ncases, nmodules, failed;
	uint64_t misses;		/* the run's probe misses */
};

/* A finding's text report, or "" when out of memory. */
static char *finding_text(const struct junit_ctx *c, const struct pt_finding *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	report_text_finding(m, c->an, c->ks, f, 32, c->misses);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	/* The text report may print a kernel pointer (kmap_local's slot
	 * address): a shared file shows none unless --raw-addresses. */
	if (!c->ks->raw_addresses) {
		char *clean = ci_scrub(c->an, buf);

		free(buf);
		buf = clean;
	}
	return buf;
}

/* A watched module's case takes its findings, the run's case the others
 * (all of them without -m). */
static bool in_case(const struct junit_ctx *c, const struct junit_case *jc,
		    const struct pt_finding *f)
{
	if (jc->command)
		return false;
	if (jc->module >= 0)
		return f->module == jc->module;
	return f->module < 0 || f->module >= (int)c->nmodules;
}

static void testcase(FILE *out, const struct junit_ctx *c, const struct junit_case *jc)
{
	const struct pt_finding *f;
	unsigned int n, i;
	char msg[CI_MESSAGE_LEN], *text;

	fputs("  <testcase classname=\"", out);
	xml_str(out, jc->classname, true);
	fputs("\" name=\"", out);
	xml_str(out, jc->name, true);
	fputs("\" time=\"0\">\n", out);
	if (jc->why[0]) {
		fprintf(out, "    <failure type=\"%s\" message=\"", jc->command ? "command_failed" :
			"not_checked");
		xml_str(out, jc->why, true);
		fputs("\">", out);
		xml_str(out, jc->why, false);
		fputs("</failure>\n", out);
	}
	f = an_findings(c->an, &n);
	for (i = 0; i < n; i++) {
		if (!f[i].error || !in_case(c, jc, &f[i]))
			continue;
		fprintf(out, "    <failure type=\"%s\" message=\"", pt_kind_name(f[i].kind));
		xml_str(out, ci_message(c->an, c->ks, &f[i], c->ks->raw_addresses, c->misses, msg,
				    sizeof(msg)),
			true);
		fputs("\">", out);
		text = finding_text(c, &f[i]);
		xml_str(out, text ? text : "", false);
		free(text);
		fputs("</failure>\n", out);
	}
	if (jc->warnings) {
		fputs("    <system-out>", out);
		for (i = 0; i < n; i++) {
			if (f[i].error || !in_case(c, jc, &f[i]))
				continue;
			text = finding_text(c, &f[i]);
			xml_str(out, text ? text : "", false);
			free(text);
		}
		fputs("</system-out>\n", out);
	}
	fputs("  </testcase>\n", out);
}

static void junit_body(FILE *out, void *ctx)
{
	const struct junit_ctx *c = ctx;
	unsigned int i;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuite name=\"pagetrack\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
		c->ncases, c->failed);
	for (i = 0; i < c->ncases; i++)
		testcase(out, c, &c->cases[i]);
	fputs("</testsuite>\n", out);
}

/* Why module i's testcase fails without a finding, or nothing. */
static void module_why(const struct analyzer *an, int i, char *buf, size_t len)
{
	const struct pt_module_range *m = an_module(an, i);
	enum pt_module_state st = m ? pt_module_state(m) : PT_MOD_NEVER_LOADED;

	if (st == PT_MOD_NEVER_LOADED)
		snprintf(buf, len, "nothing was checked for module %s: it was never loaded while traced",
			 an_config(an)->modules[i]);
	else if (st == PT_MOD_INIT_FAILED)
		snprintf(buf, len, "module %s failed its init (error %d): its driver code never ran, nothing but its init was checked",
			 m->name, m->init_ret);
}

static void command_why(const struct pt_command_end *cmd, char *buf, size_t len)
{
	const char *name = cmd->name ? cmd->name : "COMMAND";

	if (!pt_command_failed(cmd))
		return;
	if (cmd->status == PT_CMD_EXITED)
		snprintf(buf, len, "COMMAND %s exited with status %d", name, cmd->code);
	else if (cmd->status == PT_CMD_SIGNALED)
		snprintf(buf, len, "COMMAND %s was killed by signal %d", name, cmd->code);
	else if (cmd->status == PT_CMD_NOT_STARTED)
		snprintf(buf, len, "COMMAND %s could not be started: %s", name, strerror(cmd->code));
	else
		snprintf(buf, len, "COMMAND %s %s", name, pt_cmd_status_name(cmd->status));
}

int junit_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		const struct pt_command_end *cmd, uint64_t misses)
{
	const struct pt_config *cfg = an_config(an);
	struct junit_ctx c = { .an = an, .ks = ks, .misses = misses };
	const struct pt_finding *f;
	unsigned int n, i, j;

	for (i = 0; i < cfg->nmodules && i < PT_MAX_MODULES; i++) {
		c.cases[c.ncases] = (struct junit_case){
			.classname = "pagetrack.module", .name = cfg->modules[i], .module = i };
		module_why(an, i, c.cases[c.ncases].why, sizeof(c.cases[0].why));
		c.ncases++;
	}
	c.nmodules = c.ncases;
	f = an_findings(an, &n);
	/* Without -m, one case for the run; with it, one more only for
	 * findings that belong to no watched module (events_lost, say). */
	for (i = 0; i < n && c.nmodules; i++)
		if (f[i].module < 0 || f[i].module >= (int)c.nmodules)
			break;
	if (!c.nmodules || i < n)
		c.cases[c.ncases++] = (struct junit_case){
			.classname = "pagetrack.run", .module = -1,
			.name = c.nmodules ? "no module" : "system-wide" };
	if (cmd) {
		c.cases[c.ncases] = (struct junit_case){ .classname = "pagetrack.command",
			.name = cmd->name ? cmd->name : "COMMAND", .module = -1, .command = true };
		command_why(cmd, c.cases[c.ncases].why, sizeof(c.cases[0].why));
		c.ncases++;
	}
	for (j = 0; j < c.ncases; j++) {
		for (i = 0; i < n; i++) {
			if (!in_case(&c, &c.cases[j], &f[i]))
				continue;
			if (f[i].error)
				c.cases[j].errors++;
			else
				c.cases[j].warnings++;
		}
		c.failed += c.cases[j].errors > 0 || c.cases[j].why[0];
	}
	return atomic_write(path, junit_body, &c);
}
