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
#include "kmap_local.h"
#include "report.h"

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
	const struct pt_finding *x = a, *y = b;

	return x->age_ns < y->age_ns ? 1 : x->age_ns > y->age_ns ? -1 : 0;
}

static void list_sites(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       const struct pt_finding *g, unsigned int n, unsigned int top, bool json)
{
	char buf[256];
	unsigned int i;

	for (i = 0; i < n && i < top; i++) {
		uint64_t ip = report_site_ip(an, ks, 0, g[i].stack_id);
		const char *site = ip ? report_sym(an, ks, ip, buf, sizeof(buf)) : "?";

		if (json) {
			fprintf(out, "%s{\"pages\":%" PRIu64 ",\"blocks\":%u,\"order\":%u,\"age_ms\":%" PRIu64,
				i ? "," : "", g[i].pages, g[i].count, g[i].order, g[i].age_ns / 1000000);
			if (an_config(an)->sample_pages)
				fprintf(out, ",\"estimated\":true,\"samples\":%u", g[i].samples);
			fputs(",\"caller\":", out);
			json_str(out, site);
			fputc('}', out);
		} else {
			fprintf(out, "    %s%7" PRIu64 " pages %6u %s  order %u  oldest %7.1f s  %s\n",
				an_config(an)->sample_pages ? "~" : " ", g[i].pages, g[i].count,
				an_config(an)->sample_pages ? "samples" : "blocks ", g[i].order,
				g[i].age_ns / 1e9, site);
		}
	}
}

void periodic_report(FILE *out, struct periodic *p, const struct analyzer *an,
		     const struct ksyms *ks, uint64_t now_ns, double elapsed_s)
{
	const struct pt_stats *st = an_stats(an);
	uint64_t kinds[PT_K_MAX], rx = received(st), pages = 0;
	struct pt_finding *g = NULL;
	unsigned int n = 0, i, top = p->top ? p->top : 10;
	bool first = true;

	kind_totals(an, kinds);
	an_snapshot(an, now_ns, p->min_age_ns, &g, &n);
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
		fputs(",\"new_findings\":{", out);
		for (i = 0; i < PT_K_MAX; i++) {
			if (kinds[i] == p->last_kind[i])
				continue;
			fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", pt_kind_name(i),
				kinds[i] - p->last_kind[i]);
			first = false;
		}
		fputs("},\"top_by_pages\":[", out);
		list_sites(out, an, ks, g, n, top, true);
		qsort(g, n, sizeof(*g), by_age_desc);
		fputs("],\"top_by_age\":[", out);
		list_sites(out, an, ks, g, n, top, true);
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
			list_sites(out, an, ks, g, n, top, false);
			qsort(g, n, sizeof(*g), by_age_desc);
			fprintf(out, "  top by age:\n");
			list_sites(out, an, ks, g, n, top, false);
		}
	}
	fflush(out);
	memcpy(p->last_kind, kinds, sizeof(kinds));
	p->last_received = rx;
	p->last_lost = st->lost;
	free(g);
}

/* Prometheus label values escape backslash, quote and newline. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* One series of pagetrack_outstanding_pages: pages of every group with these labels. */
struct site_pages {
	char *caller;
	unsigned int order;
	uint64_t pages;
	unsigned int samples;		/* sampled blocks behind an estimate */
};

static int by_labels(const void *a, const void *b)
{
	const struct site_pages *x = a, *y = b;
	int c = strcmp(x->caller, y->caller);

	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static int by_pages_desc(const void *a, const void *b)
{
	const struct site_pages *x = a, *y = b;

	return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : by_labels(a, b);
}

/*
 * Outstanding pages by (caller, order), largest first. Groups are per stack,
 * and many stacks share a caller: their label sets must be merged, since a
 * series repeated in one exposition is dropped by the scraper.
 */
static struct site_pages *site_totals(const struct analyzer *an, const struct ksyms *ks,
				      uint64_t now_ns, unsigned int *nout)
{
	struct pt_finding *g = NULL;
	struct site_pages *s;
	unsigned int n = 0, i, m = 0;
	char buf[256];

	*nout = 0;
	if (an_snapshot(an, now_ns, 0, &g, &n))
		return NULL;
	s = calloc(n ? n : 1, sizeof(*s));
	for (i = 0; s && i < n; i++) {
		uint64_t ip = report_site_ip(an, ks, 0, g[i].stack_id);

		s[i].caller = strdup(ip ? report_sym(an, ks, ip, buf, sizeof(buf)) : "?");
		s[i].order = g[i].order;
		s[i].pages = g[i].pages;
		s[i].samples = g[i].samples;
		if (!s[i].caller) {
			while (i--)
				free(s[i].caller);
			free(s);
			s = NULL;
		}
	}
	free(g);
	if (!s)
		return NULL;
	qsort(s, n, sizeof(*s), by_labels);
	for (i = 0; i < n; i++) {
		if (m && !by_labels(&s[m - 1], &s[i])) {
			s[m - 1].pages += s[i].pages;
			s[m - 1].samples += s[i].samples;
			free(s[i].caller);
			continue;
		}
		s[m++] = s[i];
	}
	qsort(s, m, sizeof(*s), by_pages_desc);
	*nout = m;
	return s;
}

/* Sampling: R, and the samples behind each listed site's estimate. */
static void sample_metrics(FILE *f, const struct analyzer *an, const struct site_pages *s,
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
	const struct site_pages *s;
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
	struct metrics_ctx c = { .an = an, .top = top ? top : 10 };
	struct site_pages *s = site_totals(an, ks, now_ns, &c.n);
	unsigned int i;
	int err;

	if (!s)
		return -ENOMEM;
	c.s = s;
	err = atomic_write(path, metrics_body, &c);
	for (i = 0; i < c.n; i++)
		free(s[i].caller);
	free(s);
	return err;
}

struct folded_ctx {
	const struct analyzer *an;
	const struct ksyms *ks;
	uint64_t now_ns, min_age_ns;
};

static void folded_body(FILE *f, void *ctx)
{
	const struct folded_ctx *c = ctx;
	struct pt_finding *g = NULL;
	unsigned int n = 0, i;
	char buf[256];

	an_snapshot(c->an, c->now_ns, c->min_age_ns, &g, &n);
	for (i = 0; i < n; i++) {
		struct report_stack s;
		int j;

		/* Flame graphs read stacks root first; the kernel's frames only. */
		if (!report_stack(c->an, c->ks, g[i].stack_id, &s) || !s.nr) {
			fprintf(f, "[unknown] %" PRIu64 "\n", g[i].pages);
			report_stack_free(&s);
			continue;
		}
		for (j = (int)s.nr - 1; j >= 0; j--) {
			fprintf(f, "%s%s", report_func(c->an, c->ks, s.ips[j], buf, sizeof(buf)),
				j ? ";" : "");
		}
		fprintf(f, " %" PRIu64 "\n", g[i].pages);
		report_stack_free(&s);
	}
	free(g);
}

int folded_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		 uint64_t now_ns, uint64_t min_age_ns)
{
	struct folded_ctx c = { an, ks, now_ns, min_age_ns };

	return atomic_write(path, folded_body, &c);
}
