// SPDX-License-Identifier: GPL-2.0
/*
 * Outputs rewritten while tracing runs: interval reports, the Prometheus
 * textfile and folded stacks. Reads the analyzer, never changes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
			fprintf(out, "%s{\"pages\":%" PRIu64 ",\"blocks\":%u,\"order\":%u,\"age_ms\":%" PRIu64
				",\"caller\":", i ? "," : "", g[i].pages, g[i].count, g[i].order,
				g[i].age_ns / 1000000);
			json_str(out, site);
			fputc('}', out);
		} else {
			fprintf(out, "    %8" PRIu64 " pages %6u blocks  order %u  oldest %7.1f s  %s\n",
				g[i].pages, g[i].count, g[i].order, g[i].age_ns / 1e9, site);
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
			",\"last_pkmap\":%u,\"kmap_waits\":%" PRIu64 ",\"outstanding_pages\":%" PRIu64,
			elapsed_s, rx, st->lost, st->kmaps_live, st->kmaps_peak,
			an_kernel(an)->last_pkmap, st->kmap_waits, pages);
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
		fprintf(out, "  outstanding: %" PRIu64 " pages at %u call sites%s\n", pages, n,
			p->min_age_ns ? " (older than --min-age)" : "");
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

/* Write through a temporary file in the same directory, then rename. */
static FILE *atomic_open(const char *path, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid());
	return fopen(tmp, "w");
}

static int atomic_close(FILE *f, const char *tmp, const char *path)
{
	int err = ferror(f) ? -EIO : 0;

	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
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

int metrics_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		  unsigned int top, uint64_t now_ns)
{
	const struct pt_stats *st = an_stats(an);
	uint64_t kinds[PT_K_MAX], other = 0;
	struct pt_finding *g = NULL;
	unsigned int n = 0, i;
	char tmp[4096], buf[256];
	FILE *f = atomic_open(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	kind_totals(an, kinds);
	an_snapshot(an, now_ns, 0, &g, &n);
	fputs("# HELP pagetrack_outstanding_pages Pages allocated and not freed, by call site and order (top sites; the rest in caller=\"other\").\n"
	      "# TYPE pagetrack_outstanding_pages gauge\n", f);
	for (i = 0; i < n; i++) {
		uint64_t ip;

		if (i >= (top ? top : 10)) {
			other += g[i].pages;
			continue;
		}
		ip = report_site_ip(an, ks, 0, g[i].stack_id);
		fputs("pagetrack_outstanding_pages{caller=\"", f);
		label(f, ip ? report_sym(an, ks, ip, buf, sizeof(buf)) : "?");
		fprintf(f, "\",order=\"%u\"} %" PRIu64 "\n", g[i].order, g[i].pages);
	}
	if (other)
		fprintf(f, "pagetrack_outstanding_pages{caller=\"other\",order=\"\"} %" PRIu64 "\n",
			other);
	fprintf(f, "# HELP pagetrack_pkmap_slots_in_use pkmap slots held by kmap() now.\n"
		"# TYPE pagetrack_pkmap_slots_in_use gauge\npagetrack_pkmap_slots_in_use %" PRIu64 "\n"
		"# HELP pagetrack_pkmap_slots LAST_PKMAP (0: no HIGHMEM).\n"
		"# TYPE pagetrack_pkmap_slots gauge\npagetrack_pkmap_slots %u\n"
		"# HELP pagetrack_kmap_waits_total kmap_high() calls that waited for a slot.\n"
		"# TYPE pagetrack_kmap_waits_total counter\npagetrack_kmap_waits_total %" PRIu64 "\n",
		st->kmaps_live, an_kernel(an)->last_pkmap, st->kmap_waits);
	kl_metrics(f, an);
	fputs("# HELP pagetrack_findings_total Finding occurrences by kind.\n"
	      "# TYPE pagetrack_findings_total counter\n", f);
	for (i = 0; i < PT_K_MAX; i++)
		fprintf(f, "pagetrack_findings_total{kind=\"%s\"} %" PRIu64 "\n", pt_kind_name(i),
			kinds[i]);
	fprintf(f, "# HELP pagetrack_events_received_total Events read from the ring buffer.\n"
		"# TYPE pagetrack_events_received_total counter\npagetrack_events_received_total %" PRIu64 "\n"
		"# HELP pagetrack_events_lost_total Events dropped because the ring buffer was full.\n"
		"# TYPE pagetrack_events_lost_total counter\npagetrack_events_lost_total %" PRIu64 "\n",
		received(st), st->lost);
	free(g);
	return atomic_close(f, tmp, path);
}

int folded_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		 uint64_t now_ns, uint64_t min_age_ns)
{
	struct pt_finding *g = NULL;
	unsigned int n = 0, i;
	char tmp[4096], buf[256];
	FILE *f = atomic_open(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	an_snapshot(an, now_ns, min_age_ns, &g, &n);
	for (i = 0; i < n; i++) {
		struct pt_stack s;
		int j;

		/* Flame graphs read stacks root first. */
		if (!an_stack(an, g[i].stack_id, &s) || !s.nr) {
			fprintf(f, "[unknown] %" PRIu64 "\n", g[i].pages);
			continue;
		}
		for (j = (int)s.nr - 1; j >= 0; j--) {
			const char *fn = ksyms_func(ks, s.ips[j], buf, sizeof(buf));

			if (fn)
				fprintf(f, "%s%s", fn, j ? ";" : "");
			else
				fprintf(f, "0x%" PRIx64 "%s", s.ips[j], j ? ";" : "");
		}
		fprintf(f, " %" PRIu64 "\n", g[i].pages);
	}
	free(g);
	return atomic_close(f, tmp, path);
}
