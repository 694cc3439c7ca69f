// SPDX-License-Identifier: GPL-2.0
/*
 * Outputs rewritten while tracing runs: interval reports, the Prometheus
 * textfile and folded stacks. Reads the analyzer, never changes it. Core
 * library: no libbpf.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "outfile.h"
#include "periodic.h"
#include "report_dma.h"
#include "report_klocal.h"
#include "report.h"
#include "escape.h"

static uint64_t received(const struct pt_stats *st)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < PT_EV_MAX; i++)
		n += st->events[i];
	return n;
}

static void kind_totals(const struct analyzer *an, uint64_t out[PT_K_MAX])
{
	const struct pt_finding *f;
	unsigned int n, i;

	memset(out, 0, PT_K_MAX * sizeof(out[0]));
	f = an_findings(an, &n);
	for (i = 0; i < n; i++)
		out[f[i].kind] += f[i].count;
}

static int by_age_desc(const void *a, const void *b)
{
	const struct report_site *x = a, *y = b;

	return x->age_ns < y->age_ns ? 1 : x->age_ns > y->age_ns ? -1 : 0;
}

/* One row per call site and order (report_sites()). */
static void list_sites(FILE *out, const struct analyzer *an, const struct report_site *g,
		       unsigned int n, unsigned int top, bool json)
{
	bool sampled = an_config(an)->sample_pages;
	unsigned int i;

	for (i = 0; i < n && i < top; i++) {
		if (json) {
			/* "pages" stays (the contract): the estimate when sampled. */
			fprintf(out, "%s{\"pages\":%" PRIu64, i ? "," : "", g[i].pages);
			if (sampled)
				fprintf(out, ",\"estimated_pages\":%" PRIu64 ",\"samples\":%u,\"estimated\":true",
					g[i].pages, g[i].samples);
			else
				fprintf(out, ",\"blocks\":%u", g[i].blocks);
			fprintf(out, ",\"order\":%u,\"age_ms\":%" PRIu64 ",\"stacks\":%u,\"caller\":",
				g[i].order, g[i].age_ns / 1000000, g[i].stacks);
			json_str(out, g[i].caller);
			fputc('}', out);
		} else if (sampled) {
			fprintf(out, "    about %7" PRIu64 " pages from %6u sampled %s  order %u  oldest %7.1f s  %s\n",
				g[i].pages, g[i].samples, report_plural(g[i].samples, "block ", "blocks"),
				g[i].order, g[i].age_ns / 1e9, g[i].caller);
		} else {
			fprintf(out, "    %7" PRIu64 " %s in %6u %s  order %u  oldest %7.1f s  %s\n",
				g[i].pages, report_plural(g[i].pages, "page ", "pages"), g[i].blocks,
				report_plural(g[i].blocks, "block ", "blocks"), g[i].order,
				g[i].age_ns / 1e9, ESC_TX(g[i].caller));
		}
	}
}

void periodic_report(FILE *out, struct periodic *p, const struct analyzer *an,
		     const struct ksyms *ks, uint64_t now_ns, double elapsed_s)
{
	const struct pt_stats *st = an_stats(an);
	uint64_t kinds[PT_K_MAX], rx = received(st), pages = 0;
	struct pt_finding *snap = NULL;
	struct report_site *g = NULL;
	unsigned int n = 0, i, top = p->top ? p->top : 10;
	bool first = true;

	kind_totals(an, kinds);
	if (!an_snapshot(an, now_ns, p->min_age_ns, &snap, &n))
		g = report_sites(an, ks, snap, n, &n);
	free(snap);
	if (!g)
		n = 0;
	for (i = 0; i < n; i++)
		pages += g[i].pages;
	if (p->json) {
		fprintf(out, "{\"type\":\"interval\",\"elapsed_s\":%.3f,\"events_received\":%" PRIu64
			",\"events_lost\":%" PRIu64 ",\"pkmap_in_use\":%" PRIu64 ",\"pkmap_peak\":%" PRIu64
			",\"last_pkmap\":%u,\"kmap_waits\":%" PRIu64 ",\"outstanding_pages\":%" PRIu64
			",\"sample_pages\":%u",
			elapsed_s, rx, st->lost, st->kmaps_live, st->kmaps_peak,
			an_kernel(an)->last_pkmap, st->kmap_waits, pages, an_config(an)->sample_pages);
		kl_interval(out, an, true);
		dma_interval(out, an, ks, true, top);
		fputs(",\"new_findings\":{", out);
		for (i = 0; i < PT_K_MAX; i++) {
			if (kinds[i] == p->last_kind[i])
				continue;
			fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", pt_kind_name(i),
				kinds[i] - p->last_kind[i]);
			first = false;
		}
		fputs("},\"top_by_pages\":[", out);
		list_sites(out, an, g, n, top, true);
		qsort(g, n, sizeof(*g), by_age_desc);
		fputs("],\"top_by_age\":[", out);
		list_sites(out, an, g, n, top, true);
		fputs("]}\n", out);
	} else {
		fprintf(out, "--- pagetrack at %.1f s: %" PRIu64 " events (+%" PRIu64 "), %" PRIu64
			" lost (+%" PRIu64 ")", elapsed_s, rx, rx - p->last_received, st->lost,
			st->lost - p->last_lost);
		if (an_kernel(an)->last_pkmap)
			fprintf(out, "; pkmap %" PRIu64 "/%u in use (peak %" PRIu64 ", %" PRIu64 " waits)",
				st->kmaps_live, an_kernel(an)->last_pkmap, st->kmaps_peak,
				st->kmap_waits);
		kl_interval(out, an, false);
		fputc('\n', out);
		for (i = 0; i < PT_K_MAX; i++)
			if (kinds[i] != p->last_kind[i])
				fprintf(out, "  new: %" PRIu64 " %s\n", kinds[i] - p->last_kind[i],
					pt_kind_name(i));
		fprintf(out, "  outstanding: %" PRIu64 " pages at %u call sites%s%s\n", pages, n,
			p->min_age_ns ? " (older than --min-age)" : "",
			an_config(an)->sample_pages ? " (estimated from sampled stacks)" : "");
		if (n) {
			fprintf(out, "  top by pages:\n");
			list_sites(out, an, g, n, top, false);
			qsort(g, n, sizeof(*g), by_age_desc);
			fprintf(out, "  top by age:\n");
			list_sites(out, an, g, n, top, false);
		}
		dma_interval(out, an, ks, false, top);
	}
	fflush(out);
	memcpy(p->last_kind, kinds, sizeof(kinds));
	p->last_received = rx;
	p->last_lost = st->lost;
	free(g);
}

/* Prometheus label values: printable UTF-8, escaped as the format wants. */
static void label(FILE *f, const char *s)
{
	esc_label(f, s);
}

/*
 * Outstanding pages by (caller, order), largest first: the rows every list
 * shows (report_sites()), so a series is never repeated in one exposition
 * (the scraper would drop it).
 */
static struct report_site *site_totals(const struct analyzer *an, const struct ksyms *ks,
				       uint64_t now_ns, unsigned int *nout)
{
	struct pt_finding *g = NULL;
	struct report_site *s;
	unsigned int n = 0;

	*nout = 0;
	if (an_snapshot(an, now_ns, 0, &g, &n))
		return NULL;
	s = report_sites(an, ks, g, n, nout);
	free(g);
	return s;
}

/* Sampling: R, and the samples behind each listed site's estimate. */
static void sample_metrics(FILE *f, const struct analyzer *an, const struct report_site *s,
			   unsigned int n, unsigned int top)
{
	unsigned int i;

	fprintf(f, "# HELP pagetrack_stack_sample_pages R of --sample-pages (0: every allocation's stack, exact pages).\n"
		"# TYPE pagetrack_stack_sample_pages gauge\npagetrack_stack_sample_pages %u\n",
		an_config(an)->sample_pages);
	if (!an_config(an)->sample_pages)
		return;
	fputs("# HELP pagetrack_outstanding_samples Sampled blocks behind pagetrack_outstanding_pages.\n"
	      "# TYPE pagetrack_outstanding_samples gauge\n", f);
	for (i = 0; i < n && i < top; i++) {
		fputs("pagetrack_outstanding_samples{caller=\"", f);
		label(f, s[i].caller);
		fprintf(f, "\",order=\"%u\"} %u\n", s[i].order, s[i].samples);
	}
}

struct metrics_ctx {
	const struct analyzer *an;
	const struct ksyms *ks;
	const struct report_site *s;
	unsigned int n, top;
};

static void metrics_body(FILE *f, void *ctx)
{
	const struct metrics_ctx *c = ctx;
	const struct analyzer *an = c->an;
	const struct pt_stats *st = an_stats(an);
	uint64_t kinds[PT_K_MAX], other = 0;
	unsigned int i;

	kind_totals(an, kinds);
	/* Labels in name order, as scrapers print them. */
	fputs("# HELP pagetrack_outstanding_pages Pages allocated and not freed, by call site and order (the --top largest; the rest summed in caller=\"other\"); estimates when pagetrack_stack_sample_pages > 0.\n"
	      "# TYPE pagetrack_outstanding_pages gauge\n", f);
	for (i = 0; i < c->n; i++) {
		if (i >= c->top) {
			other += c->s[i].pages;
		} else {
			fputs("pagetrack_outstanding_pages{caller=\"", f);
			label(f, c->s[i].caller);
			fprintf(f, "\",order=\"%u\"} %" PRIu64 "\n", c->s[i].order, c->s[i].pages);
		}
	}
	if (other)
		fprintf(f, "pagetrack_outstanding_pages{caller=\"other\",order=\"\"} %" PRIu64 "\n",
			other);
	sample_metrics(f, an, c->s, c->n, c->top);
	fprintf(f, "# HELP pagetrack_pkmap_slots_in_use pkmap slots held by kmap() now.\n"
		"# TYPE pagetrack_pkmap_slots_in_use gauge\npagetrack_pkmap_slots_in_use %" PRIu64 "\n"
		"# HELP pagetrack_pkmap_slots pkmap slots in all, LAST_PKMAP (0: no HIGHMEM).\n"
		"# TYPE pagetrack_pkmap_slots gauge\npagetrack_pkmap_slots %u\n"
		"# HELP pagetrack_kmap_waits_total kmap_high() calls that waited for a slot.\n"
		"# TYPE pagetrack_kmap_waits_total counter\npagetrack_kmap_waits_total %" PRIu64 "\n",
		st->kmaps_live, an_kernel(an)->last_pkmap, st->kmap_waits);
	kl_metrics(f, an);
	dma_metrics(f, an, c->ks, c->top);
	fputs("# HELP pagetrack_findings_total Finding occurrences by kind, and the kind's severity.\n"
	      "# TYPE pagetrack_findings_total counter\n", f);
	for (i = 0; i < PT_K_MAX; i++)
		fprintf(f, "pagetrack_findings_total{kind=\"%s\",severity=\"%s\"} %" PRIu64 "\n",
			pt_kind_name(i), pt_kind_is_error(i) ? "error" : "warning", kinds[i]);
	fprintf(f, "# HELP pagetrack_events_received_total Events read from the ring buffer.\n"
		"# TYPE pagetrack_events_received_total counter\npagetrack_events_received_total %" PRIu64 "\n"
		"# HELP pagetrack_events_lost_total Events dropped because the ring buffer was full.\n"
		"# TYPE pagetrack_events_lost_total counter\npagetrack_events_lost_total %" PRIu64 "\n",
		received(st), st->lost);
}

int metrics_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		  unsigned int top, uint64_t now_ns)
{
	struct metrics_ctx c = { .an = an, .ks = ks, .top = top ? top : 10 };
	struct report_site *s = site_totals(an, ks, now_ns, &c.n);
	int err;

	if (!s)
		return -ENOMEM;
	c.s = s;
	err = atomic_write(path, metrics_body, &c);
	free(s);
	return err;
}

struct folded_ctx {
	const struct analyzer *an;
	const struct ksyms *ks;
	uint64_t now_ns, min_age_ns;
};

struct folded_line {
	char *stack;
	uint64_t pages;
};

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack,
		      ((const struct folded_line *)b)->stack);
}

/* Root first, the kernel's frames only (report_stack()); malloc'ed. */
static char *folded_stack(const struct folded_ctx *c, int32_t id)
{
	struct report_stack s;
	char buf[256], frame[ESC_SIZE(256)], *line = NULL;
	size_t len = 0;
	FILE *m;
	int j;

	if (!report_stack(c->an, c->ks, id, &s) || !s.nr) {
		report_stack_free(&s);
		return strdup("[unknown]");
	}
	m = open_memstream(&line, &len);
	if (m) {
		/* A frame never holds ';', a newline or invalid UTF-8. */
		for (j = (int)s.nr - 1; j >= 0; j--)
			fprintf(m, "%s%s", esc_frame(frame, sizeof(frame),
						     report_func(c->an, c->ks, s.ips[j], buf,
								 sizeof(buf))),
				j ? ";" : "");
		if (fclose(m)) {
			free(line);
			line = NULL;
		}
	}
	report_stack_free(&s);
	return line;
}

/* One line per stack as printed: stacks that differ only in frames
 * report_stack() drops are one line. */
static void folded_body(FILE *f, void *ctx)
{
	const struct folded_ctx *c = ctx;
	struct pt_finding *g = NULL;
	struct folded_line *l;
	unsigned int n = 0, i, m = 0;

	an_snapshot(c->an, c->now_ns, c->min_age_ns, &g, &n);
	l = calloc(n ? n : 1, sizeof(*l));
	for (i = 0; l && i < n; i++) {
		l[m].stack = folded_stack(c, g[i].stack_id);
		l[m].pages = g[i].pages;
		if (l[m].stack)
			m++;
	}
	free(g);
	if (!l)
		return;
	qsort(l, m, sizeof(*l), by_stack);
	for (i = 0; i < m; i++) {
		if (i + 1 < m && !strcmp(l[i].stack, l[i + 1].stack)) {
			l[i + 1].pages += l[i].pages;
		} else {
			fprintf(f, "%s %" PRIu64 "\n", l[i].stack, l[i].pages);
		}
		free(l[i].stack);
	}
	free(l);
}

int folded_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		 uint64_t now_ns, uint64_t min_age_ns)
{
	struct folded_ctx c = { an, ks, now_ns, min_age_ns };

	return atomic_write(path, folded_body, &c);
}
