// SPDX-License-Identifier: GPL-2.0
/*
 * DMA in the reports: a DMA finding's device, size and direction (and those
 * its unmap or free gave), the summary's DMA counts, and the mappings live
 * now by device and by call site for the end, interval reports and
 * metrics. Reads the analyzer, never changes it; judges nothing. A DMA
 * address is a physical one under dma-direct: printed with --raw-addresses
 * only.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report_dma.h"
#include "escape.h"
#include "report.h"

static const char *api_word(uint32_t api)
{
	return api == PT_DMA_SG ? "sg" : api == PT_DMA_COHERENT ? "coherent" :
	       api == PT_DMA_ALLOC_PAGES ? "alloc_pages" : "page";
}

static const char *dev_name(const struct analyzer *an, uint64_t dev)
{
	const char *n = an_dma_dev_name(an, dev);

	return *n ? n : "?";
}

void dma_report_json(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		     const struct pt_finding *f)
{
	bool coherent = f->dma_api == PT_DMA_COHERENT || f->dma_api == PT_DMA_ALLOC_PAGES;

	fputs(",\"device\":", out);
	json_str(out, dev_name(an, f->dma_dev));
	fprintf(out, ",\"dma_api\":\"%s\"", api_word(f->dma_api));
	if (ks->raw_addresses)
		fprintf(out, ",\"dma_addr\":\"0x%" PRIx64 "\"", f->dma_handle);
	if (f->kind != PT_K_DMA_BAD_UNMAP) {
		fprintf(out, ",\"%s\":%" PRIu64, f->dma_api == PT_DMA_SG ? "nents" : "size",
			f->dma_size);
		if (f->dma_sg_bytes)
			fprintf(out, ",\"sg_bytes\":%" PRIu64, f->dma_sg_bytes);
		if (!coherent)
			fprintf(out, ",\"dir\":\"%s\"", pt_dma_dir_name(f->dma_dir));
	}
	if (f->kind == PT_K_DMA_BAD_UNMAP || f->kind == PT_K_DMA_UNMAP_MISMATCH ||
	    f->kind == PT_K_DMA_FREE_MISMATCH) {
		fprintf(out, ",\"%s_%s\":%" PRIu64, coherent ? "free" : "unmap",
			f->dma_api == PT_DMA_SG ? "nents" : "size", f->dma_size2);
		if (!coherent)
			fprintf(out, ",\"unmap_dir\":\"%s\"", pt_dma_dir_name(f->dma_dir2));
	}
	if (f->kind == PT_K_DMA_BAD_UNMAP)
		fprintf(out, ",\"reason\":\"%s\"",
			f->dma_why == PT_DMA_WHY_AGAIN ? "unmapped_already" : "never_mapped");
	if (f->kind == PT_K_DMA_LEAK || f->kind == PT_K_DMA_HELD_AT_EXIT)
		fprintf(out, ",\"mappings\":%u,\"bytes\":%" PRIu64 ",\"age_ms\":%" PRIu64, f->count,
			f->dma_bytes, f->age_ns / 1000000);
}

void dma_report_text(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		     const struct pt_finding *f)
{
	bool coherent = f->dma_api == PT_DMA_COHERENT || f->dma_api == PT_DMA_ALLOC_PAGES;
	char sgb[48] = "";

	if (f->dma_sg_bytes)
		snprintf(sgb, sizeof(sgb), " (%" PRIu64 " bytes)", f->dma_sg_bytes);
	fprintf(out, "    device %s, %s mapping", ESC_TX(dev_name(an, f->dma_dev)),
		api_word(f->dma_api));
	if (ks->raw_addresses)
		fprintf(out, " at 0x%" PRIx64, f->dma_handle);
	if (f->kind != PT_K_DMA_BAD_UNMAP)
		fprintf(out, ", %" PRIu64 " %s%s%s%s", f->dma_size,
			f->dma_api == PT_DMA_SG ? "entries" : "bytes", sgb,
			coherent ? "" : ", ", coherent ? "" : pt_dma_dir_name(f->dma_dir));
	if (f->kind == PT_K_DMA_BAD_UNMAP || f->kind == PT_K_DMA_UNMAP_MISMATCH ||
	    f->kind == PT_K_DMA_FREE_MISMATCH)
		fprintf(out, "; %s with %" PRIu64 " %s%s%s", coherent ? "freed" :
			"unmapped", f->dma_size2, f->dma_api == PT_DMA_SG ? "entries" : "bytes",
			coherent ? "" : ", ", coherent ? "" : pt_dma_dir_name(f->dma_dir2));
	if (f->kind == PT_K_DMA_LEAK || f->kind == PT_K_DMA_HELD_AT_EXIT)
		fprintf(out, "; %u mapping(s), %" PRIu64 " bytes, oldest %.3f s", f->count,
			f->dma_bytes, f->age_ns / 1e9);
	if (f->kind == PT_K_DMA_FREE_WHILE_MAPPED)
		fprintf(out, "; page pfn 0x%" PRIx64 " freed", f->pfn);
	fputc('\n', out);
}

void dma_summary(FILE *out, const struct analyzer *an, bool json)
{
	const struct pt_dma_stats *s = an_dma_stats(an);

	if (json) {
		fprintf(out, ",\"dma\":{\"maps\":%" PRIu64 ",\"unmaps\":%" PRIu64 ",\"allocs\":%" PRIu64
			",\"frees\":%" PRIu64 ",\"live\":%" PRIu64 ",\"live_bytes\":%" PRIu64
			",\"untracked\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"returns_missed\":%" PRIu64
			"}", s->maps, s->unmaps, s->allocs, s->frees, s->live, s->live_bytes,
			s->untracked, s->failed, s->ret_missed);
		return;
	}
	if (!s->maps && !s->allocs && !s->untracked)
		return;
	fprintf(out, "pagetrack: DMA: %" PRIu64 " mappings, %" PRIu64 " unmapped; %" PRIu64
		" coherent buffers, %" PRIu64 " freed; %" PRIu64 " live (%" PRIu64 " bytes); %" PRIu64
		" unmaps of mappings made before tracing\n", s->maps, s->unmaps, s->allocs, s->frees,
		s->live, s->live_bytes, s->untracked);
}

/* The site of a usage row: its caller, symbolized. */
static const char *site_name(const struct analyzer *an, const struct ksyms *ks,
			     const struct pt_dma_usage *u, char *buf, size_t len)
{
	uint64_t ip = report_site_ip(an, ks, u->caller, u->stack_id);

	if (!ip)
		return "?";
	return report_sym(an, ks, ip, buf, len);
}

/* A usage row as printed: its name, and the rows of that name summed. */
struct named_usage {
	char name[256];
	uint64_t mappings, bytes;
};

static int by_named_bytes(const void *a, const void *b)
{
	const struct named_usage *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->mappings < y->mappings ? 1 : x->mappings > y->mappings ? -1 : 0;
}

/*
 * The analyzer's rows by device or by (stack, caller), named and merged by
 * name: two stacks whose first frame outside the DMA API is one function
 * are one call site to the reader, and a label set printed twice would be
 * an invalid metrics exposition. Largest first. NULL when there are none.
 */
static struct named_usage *named_rows(const struct analyzer *an, const struct ksyms *ks,
				      bool by_site, unsigned int *n)
{
	struct named_usage *r;
	struct pt_dma_usage *u;
	unsigned int nu, i, j;

	*n = 0;
	if (an_dma_usage(an, by_site, &u, &nu) || !nu)
		return NULL;
	r = calloc(nu, sizeof(*r));
	if (!r) {
		free(u);
		return NULL;
	}
	for (i = 0; i < nu; i++) {
		char buf[256];
		const char *name = by_site ? site_name(an, ks, &u[i], buf, sizeof(buf)) :
				   dev_name(an, u[i].dev);

		for (j = 0; j < *n && strcmp(r[j].name, name); j++)
			;
		if (j == *n)
			snprintf(r[(*n)++].name, sizeof(r->name), "%s", name);
		r[j].mappings += u[i].mappings;
		r[j].bytes += u[i].bytes;
	}
	free(u);
	qsort(r, *n, sizeof(*r), by_named_bytes);
	return r;
}

/* One list: JSON objects (with prefix), or text rows. */
static void usage_rows(FILE *out, const struct analyzer *an, const struct ksyms *ks, bool by_site,
		       bool json, unsigned int top, const char *json_head, bool sep)
{
	unsigned int n, i;
	struct named_usage *u = named_rows(an, ks, by_site, &n);

	for (i = 0; i < n && i < top; i++) {
		const char *what = u[i].name;

		if (json) {
			fprintf(out, "%s%s\"%s\":", sep && i ? "," : "", json_head,
				by_site ? "caller" : "device");
			json_str(out, what);
			fprintf(out, ",\"mappings\":%" PRIu64 ",\"bytes\":%" PRIu64 "}%s",
				u[i].mappings, u[i].bytes, sep ? "" : "\n");
		} else {
			fprintf(out, "    %8" PRIu64 " %s, %10" PRIu64 " bytes: %s\n", u[i].mappings,
				u[i].mappings == 1 ? "mapping" : "mappings", u[i].bytes,
				ESC_TX(what));
		}
	}
	free(u);
}

void dma_outstanding(FILE *out, const struct analyzer *an, const struct ksyms *ks, bool json,
		     unsigned int top)
{
	if (!an_dma_stats(an)->live)
		return;
	if (!json)
		fprintf(out, "DMA mappings live at exit (%s), by device:\n",
			an_config(an)->nmodules ? "the watched modules' are findings" :
			"not judged without -m");
	usage_rows(out, an, ks, false, json, top, "{\"type\":\"dma_outstanding\",\"by\":\"device\",",
		   false);
	if (!json)
		fprintf(out, "  by call site:\n");
	usage_rows(out, an, ks, true, json, top, "{\"type\":\"dma_outstanding\",\"by\":\"site\",",
		   false);
}

void dma_interval(FILE *out, const struct analyzer *an, const struct ksyms *ks, bool json,
		  unsigned int top)
{
	const struct pt_dma_stats *s = an_dma_stats(an);

	if (!s->maps && !s->allocs && !s->untracked)
		return;
	if (json) {
		fprintf(out, ",\"dma_live\":%" PRIu64 ",\"dma_live_bytes\":%" PRIu64
			",\"dma_by_device\":[", s->live, s->live_bytes);
		usage_rows(out, an, ks, false, true, top, "{", true);
		fputs("],\"dma_by_site\":[", out);
		usage_rows(out, an, ks, true, true, top, "{", true);
		fputc(']', out);
		return;
	}
	fprintf(out, "\n  DMA: %" PRIu64 " mappings live (%" PRIu64 " bytes); by device:\n", s->live,
		s->live_bytes);
	usage_rows(out, an, ks, false, false, top, "", false);
	fprintf(out, "  DMA by call site:");
	if (s->live)
		fputc('\n', out);
	usage_rows(out, an, ks, true, false, top, "", false);
}

/* The live series: [by site][bytes]. */
static const char *const live_series[2][2] = {
	{ "pagetrack_dma_live_by_device", "pagetrack_dma_live_bytes_by_device" },
	{ "pagetrack_dma_live_by_site", "pagetrack_dma_live_bytes_by_site" },
};

void dma_metrics(FILE *f, const struct analyzer *an, const struct ksyms *ks, unsigned int top)
{
	const struct pt_dma_stats *s = an_dma_stats(an);
	struct named_usage *u;
	unsigned int n, i, pass, bytes;

	fprintf(f, "# HELP pagetrack_dma_maps_total Streaming DMA mappings made (page and sg).\n"
		"# TYPE pagetrack_dma_maps_total counter\npagetrack_dma_maps_total %" PRIu64 "\n"
		"# HELP pagetrack_dma_unmaps_total Streaming DMA mappings unmapped.\n"
		"# TYPE pagetrack_dma_unmaps_total counter\npagetrack_dma_unmaps_total %" PRIu64 "\n"
		"# HELP pagetrack_dma_coherent_allocs_total Coherent DMA buffers allocated.\n"
		"# TYPE pagetrack_dma_coherent_allocs_total counter\npagetrack_dma_coherent_allocs_total %" PRIu64 "\n"
		"# HELP pagetrack_dma_coherent_frees_total Coherent DMA buffers freed.\n"
		"# TYPE pagetrack_dma_coherent_frees_total counter\npagetrack_dma_coherent_frees_total %" PRIu64 "\n",
		s->maps, s->unmaps, s->allocs, s->frees);
	for (pass = 0; pass < 2; pass++) {
		u = named_rows(an, ks, pass, &n);
		for (bytes = 0; bytes < 2; bytes++) {
			const char *name = live_series[pass][bytes];

			fprintf(f, "# HELP %s %s of the DMA mappings and coherent buffers live now, by %s (the --top largest%s).\n"
				"# TYPE %s gauge\n", name, bytes ? "Bytes" : "Number",
				pass ? "call site" : "device", bytes ? "; sg lists: their entries' lengths" : "",
				name);
			for (i = 0; i < n && i < top; i++) {
				fprintf(f, "%s{%s=\"", name, pass ? "caller" : "device");
				esc_label(f, u[i].name);
				fprintf(f, "\"} %" PRIu64 "\n", bytes ? u[i].bytes : u[i].mappings);
			}
		}
		free(u);
	}
}
