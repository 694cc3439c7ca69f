// SPDX-License-Identifier: GPL-2.0
/*
 * Final reports: findings and outstanding sites, as text or JSON lines,
 * and the summary with the verdict. Reads the analyzer, never changes it.
 * Frames, sites and symbols are report_sym.c's. Core library: no libbpf.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "escape.h"
#include "report_dma.h"
#include "report_klocal.h"
#include "srcline.h"

/* A finding's allocation or free side: its site, then its stack. */
static void json_side(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		      const char *site, const char *stack, uint64_t caller, int32_t stack_id)
{
	json_site(out, an, ks, site, report_site_ip(an, ks, caller, stack_id));
	fprintf(out, ",\"%s\":", stack);
	json_stack(out, an, ks, stack_id);
}

static void print_message(FILE *out, const struct pt_finding *f, uint64_t misses, bool json)
{
	char buf[PT_NOTE_LEN + REPORT_MISSED_LEN];

	snprintf(buf, sizeof(buf), "%s", f->note);
	report_missed_free(f, misses, buf + strlen(buf), sizeof(buf) - strlen(buf));
	if (json) {
		json_str(out, buf);
	} else {
		char ebuf[ESC_SIZE(sizeof(buf))];

		fputs(esc_text(ebuf, sizeof(ebuf), buf, NULL), out);
	}
}

static void json_finding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const struct pt_finding *f, uint64_t misses)
{
	const struct pt_module_range *m = an_module(an, f->module);
	char comm[PT_COMM_LEN + 1];

	memcpy(comm, f->comm, PT_COMM_LEN);
	comm[PT_COMM_LEN] = 0;
	fprintf(out, "{\"type\":\"finding\",\"kind\":\"%s\",\"severity\":\"%s\",\"count\":%u,\"pages\":%" PRIu64,
		pt_kind_name(f->kind), f->error ? "error" : "warning",
		f->count, f->pages);
	fprintf(out, ",\"pfn\":%" PRIu64 ",\"order\":%u", f->pfn, f->order);
	if (f->kind == PT_K_ORDER_MISMATCH || f->kind == PT_K_BAD_FREE ||
	    f->kind == PT_K_DOUBLE_FREE || f->kind == PT_K_PARTIAL_FREE)
		fprintf(out, ",\"free_order\":%u", f->free_order);
	fprintf(out, ",\"gfp\":\"0x%x\",\"pid\":%u,\"comm\":", f->gfp, f->tgid);
	json_str(out, comm);
	fprintf(out, ",\"module\":");
	if (m)
		json_str(out, m->name);
	else
		fputs("null", out);
	/* A kernel pointer (struct page, kmap address): root's business only. */
	if (f->addr && ks->raw_addresses)
		fprintf(out, ",\"addr\":\"0x%" PRIx64 "\"", f->addr);
	if (f->kind == PT_K_REMAP_FAILED)
		fprintf(out, ",\"errno\":%d,\"vm_start\":\"0x%" PRIx64 "\",\"vm_end\":\"0x%" PRIx64
			"\",\"vm_flags\":\"0x%" PRIx64 "\",\"sigbus\":%s",
			f->err, f->vm_start, f->vm_end, f->vm_flags, f->sigbus ? "true" : "false");
	if (f->kind == PT_K_PKMAP_PRESSURE)
		fprintf(out, ",\"slots_in_use\":%" PRIu64 ",\"last_pkmap\":%u", f->extra,
			an_kernel(an)->last_pkmap);
	if (f->kind == PT_K_EVENTS_LOST)
		fprintf(out, ",\"lost\":%" PRIu64, f->extra);
	if (f->kind == PT_K_LEAK || f->kind == PT_K_HELD_AT_EXIT)
		fprintf(out, ",\"age_ms\":%" PRIu64, f->age_ns / 1000000);
	if (kl_kind(f->kind))
		kl_report_json(out, an, ks, f);
	if (dma_kind(f->kind))
		dma_report_json(out, an, ks, f);
	json_side(out, an, ks, "caller", "stack", f->caller, f->stack_id);
	if ((f->stack_id2 >= 0 || f->caller2) && !kl_kind(f->kind))
		json_side(out, an, ks, "free_caller", "free_stack", f->caller2, f->stack_id2);
	if (report_missed_free(f, misses, NULL, 0))
		fprintf(out, ",\"may_be_missed_free\":true,\"probe_misses\":%" PRIu64, misses);
	fprintf(out, ",\"message\":");
	print_message(out, f, misses, true);
	fputs("}\n", out);
}

void report_text_finding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const struct pt_finding *f, unsigned int max, uint64_t misses)
{
	const struct pt_module_range *m = an_module(an, f->module);
	char buf[256], comm[PT_COMM_LEN + 1], src[REPORT_SOURCE_LEN];
	uint64_t ip = report_site_ip(an, ks, f->caller, f->stack_id);

	memcpy(comm, f->comm, PT_COMM_LEN);
	comm[PT_COMM_LEN] = 0;
	fprintf(out, "%s %s", f->error ? "ERROR" : "WARNING",
		pt_kind_name(f->kind));
	if (f->count > 1)
		fprintf(out, " x%u", f->count);
	if (m)
		fprintf(out, " [%s]", ESC_TX(m->name));
	fputs(": ", out);
	print_message(out, f, misses, false);
	fputc('\n', out);
	switch (f->kind) {
	case PT_K_LEAK:
	case PT_K_HELD_AT_EXIT:
		fprintf(out, "    %u block(s), %" PRIu64 " page(s) outstanding, order %u, gfp 0x%x, oldest %.3f s\n",
			f->count, f->pages, f->order, f->gfp, f->age_ns / 1e9);
		break;
	case PT_K_REMAP_FAILED:
		fprintf(out, "    errno %d, vma 0x%" PRIx64 "-0x%" PRIx64 " flags 0x%" PRIx64 ", %" PRIu64 " page(s) not mapped%s\n",
			f->err, f->vm_start, f->vm_end, f->vm_flags, f->pages,
			f->sigbus ? "; the process then got SIGBUS" : "");
		break;
	case PT_K_EVENTS_LOST:
	case PT_K_PKMAP_PRESSURE:
		break;
	case PT_K_KMAP_LOCAL_ORDER:
	case PT_K_KUNMAP_LOCAL_BAD:
	case PT_K_KMAP_LOCAL_LEAK:
	case PT_K_KMAP_ATOMIC_SLEEP:
	case PT_K_KMAP_LOCAL_DEPTH:
		kl_report_text(out, an, ks, f);
		break;
	case PT_K_DMA_LEAK:
	case PT_K_DMA_HELD_AT_EXIT:
	case PT_K_DMA_BAD_UNMAP:
	case PT_K_DMA_UNMAP_MISMATCH:
	case PT_K_DMA_FREE_WHILE_MAPPED:
	case PT_K_DMA_FREE_MISMATCH:
		dma_report_text(out, an, ks, f);
		break;
	default:
		fprintf(out, "    pfn 0x%" PRIx64 " order %u", f->pfn, f->order);
		if (f->kind == PT_K_ORDER_MISMATCH || f->kind == PT_K_BAD_FREE)
			fprintf(out, ", freed as order %u", f->free_order);
		if (f->pages)
			fprintf(out, ", %" PRIu64 " page(s)", f->pages);
		fputc('\n', out);
	}
	if (f->tgid)
		fprintf(out, "    by %s[%u]\n", ESC_TX(comm), f->tgid);
	if (ip)
		fprintf(out, "    caller: %s%s\n", ESC_TX(report_sym(an, ks, ip, buf, sizeof(buf))),
			report_source(ks, ip, src, sizeof(src)));
	if (f->kind != PT_K_EVENTS_LOST) {
		fprintf(out, "    %s stack:\n",
			f->kind == PT_K_KMAP_LEAK || f->kind == PT_K_KMAP_PARTIAL ? "kmap" :
			f->kind == PT_K_REMAP_FAILED ? "remap" :
			f->kind == PT_K_KMAP_LOCAL_ORDER || f->kind == PT_K_KUNMAP_LOCAL_BAD ?
			"kunmap_local" : f->kind == PT_K_DMA_BAD_UNMAP ? "unmap" :
			f->kind == PT_K_DMA_FREE_MISMATCH ? "dma_alloc" : dma_kind(f->kind) ? "dma map" : f->kind == PT_K_KMAP_ATOMIC_SLEEP ? "switch-out" :
			kl_kind(f->kind) ? "map" :
			f->kind == PT_K_BAD_FREE || f->kind == PT_K_DOUBLE_FREE ||
			f->kind == PT_K_KUNMAP_UNBALANCED ? "first" : "allocation");
		report_text_stack(out, an, ks, f->stack_id, max);
	}
	if (kl_kind(f->kind))
		kl_report_text_stacks(out, an, ks, f, max);
	if ((f->stack_id2 >= 0 || f->caller2) && !kl_kind(f->kind)) {
		ip = report_site_ip(an, ks, f->caller2, f->stack_id2);
		fprintf(out, "    %s: %s%s\n",
			f->kind == PT_K_DMA_BAD_UNMAP ? "first unmapped by" :
			f->kind == PT_K_DMA_UNMAP_MISMATCH ? "unmapped by" : "freed by",
			ip ? ESC_TX(report_sym(an, ks, ip, buf, sizeof(buf))) : "?",
			report_source(ks, ip, src, sizeof(src)));
		report_text_stack(out, an, ks, f->stack_id2, max);
	}
}

static int site_by_labels(const void *a, const void *b)
{
	const struct report_site *x = a, *y = b;
	int c = strcmp(x->caller, y->caller);

	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static int site_by_pages(const void *a, const void *b)
{
	const struct report_site *x = a, *y = b;

	return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : site_by_labels(a, b);
}

struct report_site *report_sites(const struct analyzer *an, const struct ksyms *ks,
				 const struct pt_finding *g, unsigned int n, unsigned int *nout)
{
	struct report_site *s = calloc(n ? n : 1, sizeof(*s));
	unsigned int i, m = 0;

	*nout = 0;
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t ip = report_site_ip(an, ks, 0, g[i].stack_id);

		if (ip)
			report_sym(an, ks, ip, s[i].caller, sizeof(s[i].caller));
		else
			snprintf(s[i].caller, sizeof(s[i].caller), "?");
		s[i].order = g[i].order;
		s[i].pages = g[i].pages;
		s[i].blocks = g[i].count;
		s[i].samples = g[i].samples;
		s[i].age_ns = g[i].age_ns;
		s[i].stack_id = g[i].stack_id;
		s[i].stacks = 1;
	}
	qsort(s, n, sizeof(*s), site_by_labels);
	for (i = 0; i < n; i++) {
		struct report_site *t = m ? &s[m - 1] : NULL;

		if (t && !site_by_labels(t, &s[i])) {
			/* The example stack: the one with the most pages. */
			if (s[i].pages > t->pages / t->stacks)
				t->stack_id = s[i].stack_id;
			t->pages += s[i].pages;
			t->blocks += s[i].blocks;
			t->samples += s[i].samples;
			t->stacks++;
			if (s[i].age_ns > t->age_ns)
				t->age_ns = s[i].age_ns;
			continue;
		}
		s[m++] = s[i];
	}
	qsort(s, m, sizeof(*s), site_by_pages);
	*nout = m;
	return s;
}

/* "1 sampled block", "2 sampled blocks". */
const char *report_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Unscoped runs: where the still-allocated pages come from (not findings),
 * one row per call site and order. */
static void print_outstanding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			      const struct report_opts *o)
{
	unsigned int n, i, top = o->top ? o->top : 5;
	const struct pt_finding *g = an_outstanding(an, &n);
	bool sampled = an_config(an)->sample_pages;
	struct report_site *f;

	if (!n || !(f = report_sites(an, ks, g, n, &n)))
		return;
	if (!o->json) {
		fprintf(out, "Outstanding at exit (not judged without -m; top %u of %u call sites):\n",
			top < n ? top : n, n);
		if (sampled)
			fprintf(out, "  (pages are estimates from stacks sampled every %u pages on average: a sampled block stands for the pages of the blocks it was drawn among; totals in the summary are exact)\n",
				an_config(an)->sample_pages);
	}
	for (i = 0; i < n && i < top; i++) {
		if (o->json) {
			/* "pages" stays (the contract): the estimate when sampled. */
			fputs("{\"type\":\"outstanding\"", out);
			if (sampled)
				fprintf(out, ",\"estimated_pages\":%" PRIu64 ",\"samples\":%u",
					f[i].pages, f[i].samples);
			else
				fprintf(out, ",\"blocks\":%u", f[i].blocks);
			fprintf(out, ",\"pages\":%" PRIu64 ",\"order\":%u,\"age_ms\":%" PRIu64
				",\"stacks\":%u", f[i].pages, f[i].order, f[i].age_ns / 1000000,
				f[i].stacks);
			if (sampled)
				fputs(",\"estimated\":true", out);
			fputs(",\"caller\":", out);
			json_str(out, f[i].caller);
			fputs("}\n", out);
		} else if (sampled) {
			fprintf(out, "  about %7" PRIu64 " pages (from %u sampled %s), order %u, oldest %.1f s: %s\n",
				f[i].pages, f[i].samples, report_plural(f[i].samples, "block", "blocks"),
				f[i].order, f[i].age_ns / 1e9, ESC_TX(f[i].caller));
		} else {
			fprintf(out, "  %8" PRIu64 " %s in %u %s, order %u, oldest %.1f s: %s\n",
				f[i].pages, report_plural(f[i].pages, "page", "pages"), f[i].blocks,
				report_plural(f[i].blocks, "block", "blocks"), f[i].order,
				f[i].age_ns / 1e9, ESC_TX(f[i].caller));
		}
	}
	free(f);
}

/* The summary's block and page totals: the analyzer's blocks and those
 * paired in BPF (handed ones are the analyzer's since). */
struct totals {
	uint64_t blocks, allocated, freed, dropped, outstanding;
};

static struct totals totals(const struct pt_stats *st)
{
	/* Blocks that were BPF's from allocation on (the handed ones are counted
	 * by the analyzer). */
	uint64_t bpf_only = st->bpf_allocs - st->bpf_handed;

	return (struct totals){
		.blocks = st->allocs + bpf_only,
		.allocated = st->alloc_pages + bpf_only,
		.freed = st->frees + st->bpf_frees,
		.dropped = st->stale_pages + st->bpf_stale,
		.outstanding = st->live_pages + pt_bpf_kept(st),
	};
}

/* ,"command":{...}, ,"modules":[...] and the exit status of the JSON summary. */
static void json_verdict(FILE *out, const struct analyzer *an, const struct report_opts *o)
{
	const struct pt_command_end *c = o->cmd;
	unsigned int i;

	fputs(",\"command\":", out);
	if (!c) {
		fputs("null", out);
	} else {
		fputs("{\"name\":", out);
		json_str(out, c->name ? c->name : "");
		fprintf(out, ",\"status\":\"%s\"", pt_cmd_status_name(c->status));
		/* Stopped: code is the exit code, or minus the signal that ended it. */
		if (c->status == PT_CMD_EXITED || (c->status == PT_CMD_STOPPED && c->code >= 0))
			fprintf(out, ",\"exit_code\":%d", c->code);
		if (c->status == PT_CMD_SIGNALED)
			fprintf(out, ",\"signal\":%d", c->code);
		if (c->status == PT_CMD_STOPPED && c->code < 0)
			fprintf(out, ",\"signal\":%d", -c->code);
		if (c->status == PT_CMD_NOT_STARTED)
			fprintf(out, ",\"errno\":%d", c->code);
		if (c->status == PT_CMD_STOPPED)
			fprintf(out, ",\"killed\":%s", c->killed ? "true" : "false");
		fprintf(out, ",\"failed\":%s}", pt_command_failed(c) ? "true" : "false");
	}
	fputs(",\"modules\":[", out);
	for (i = 0; i < an_config(an)->nmodules; i++) {
		const struct pt_module_range *m = an_module(an, i);

		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_str(out, m->name);
		fprintf(out, ",\"state\":\"%s\",\"checked\":%s}",
			pt_module_state_name(pt_module_state(m)),
			pt_module_checked(m) ? "true" : "false");
	}
	fprintf(out, "],\"exit_status\":%d", o->exit_status);
}

/*
 * Findings as printed: leaks are grouped by stack in the analyzer, and two
 * stacks may print as one call site (they differed in frames report_stack()
 * drops, or below the caller): one row per (caller, order, module), the
 * stack with the most pages as its example. NULL: print f as it is.
 */
static struct pt_finding *merge_leaks(const struct analyzer *an, const struct ksyms *ks,
				      const struct pt_finding *f, unsigned int *n)
{
	struct pt_finding *rows = malloc((*n ? *n : 1) * sizeof(*rows));
	uint64_t *site = calloc(*n ? *n : 1, sizeof(*site)), *most = calloc(*n ? *n : 1, 8);
	unsigned int i, j, m = 0;
	char a[256], b[256];

	if (!rows || !site || !most) {
		free(rows);
		free(site);
		free(most);
		return NULL;
	}
	for (i = 0; i < *n; i++) {
		bool merged = false;

		bool held = f[i].kind == PT_K_LEAK || f[i].kind == PT_K_HELD_AT_EXIT;

		if (held)
			site[m] = report_site_ip(an, ks, f[i].caller, f[i].stack_id);
		for (j = 0; j < m && held; j++) {
			struct pt_finding *r = &rows[j];

			if (r->kind != f[i].kind || r->order != f[i].order ||
			    r->module != f[i].module || !site[j] || !site[m] ||
			    strcmp(report_sym(an, ks, site[j], a, sizeof(a)),
				   report_sym(an, ks, site[m], b, sizeof(b))))
				continue;
			if (f[i].pages > most[j]) {
				r->stack_id = f[i].stack_id;
				r->caller = f[i].caller;
				most[j] = f[i].pages;
			}
			r->count += f[i].count;
			r->pages += f[i].pages;
			r->samples += f[i].samples;
			if (f[i].age_ns > r->age_ns)
				r->age_ns = f[i].age_ns;
			merged = true;
			break;
		}
		if (merged)
			continue;
		rows[m] = f[i];
		most[m] = f[i].pages;
		m++;
	}
	free(site);
	free(most);
	*n = m;
	return rows;
}

void report_print(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		  const struct report_opts *o)
{
	const struct pt_stats *st = an_stats(an);
	struct totals tot = totals(st);
	const struct pt_finding *f;
	struct pt_finding *rows;
	unsigned int n, i, errors = 0;
	uint64_t received = 0;

	f = an_findings(an, &n);
	rows = merge_leaks(an, ks, f, &n);
	if (rows)
		f = rows;
	else
		f = an_findings(an, &n);
	for (i = 0; i < PT_EV_MAX; i++)
		received += st->events[i];
	for (i = 0; i < n; i++)
		errors += f[i].error;
	for (i = 0; i < n; i++) {
		if (o->json)
			json_finding(out, an, ks, &f[i], o->probe_misses);
		else
			report_text_finding(out, an, ks, &f[i], o->max_frames ? o->max_frames : 12,
					    o->probe_misses);
	}
	free(rows);
	print_outstanding(out, an, ks, o);
	dma_outstanding(out, an, ks, o->json, o->top ? o->top : 5);
	if (o->json) {
		fprintf(out, "{\"type\":\"summary\",\"findings\":%u,\"errors\":%u,\"warnings\":%u,"
			"\"events_received\":%" PRIu64 ",\"events_produced\":%" PRIu64
			",\"events_lost\":%" PRIu64 ",\"tracked_allocs\":%" PRIu64
			",\"pages_allocated\":%" PRIu64 ",\"pages_freed\":%" PRIu64
			",\"pages_dropped\":%" PRIu64 ",\"paired_in_bpf\":%" PRIu64
			",\"probe_misses\":%" PRIu64
			",\"outstanding_pages\":%" PRIu64 ",\"kmap_peak\":%" PRIu64
			",\"kmap_returns_missed\":%" PRIu64 ",\"events_filtered\":%" PRIu64
			",\"sample_pages\":%u"
			",\"kmap_local_maps\":%" PRIu64 ",\"kmap_local_untracked\":%" PRIu64
			",\"kmap_local_depth_peak\":%" PRIu64 ",\"events_damaged\":%" PRIu64
			",\"attach\":\"%s\",\"incomplete\":%s",
			n, errors, n - errors, received, st->produced, st->lost, tot.blocks,
			tot.allocated, tot.freed, tot.dropped, st->bpf_allocs, o->probe_misses,
			tot.outstanding,
			st->kmaps_peak, st->kmap_ret_missed,
			o->filtered, an_config(an)->sample_pages, an_klocal(an)->maps, an_klocal(an)->untracked,
			an_klocal(an)->peak, st->bad_events, o->attach_mode ? o->attach_mode : "replay",
			st->lost ? "true" : "false");
		dma_summary(out, an, true);
		json_verdict(out, an, o);
		fputs("}\n", out);
	} else {
		fprintf(out, "pagetrack: %u finding(s), %u error(s), %u warning(s); %" PRIu64
			" events received, %" PRIu64 " lost; %" PRIu64 " blocks tracked, %" PRIu64
			" pages outstanding%s",
			n, errors, n - errors, received, st->lost, tot.blocks, tot.outstanding,
			st->lost ? " (INCOMPLETE: events were lost)" : "");
		if (st->bad_events)
			fprintf(out, "; %" PRIu64 " damaged event(s) skipped", st->bad_events);
		fputc('\n', out);
		dma_summary(out, an, false);
	}
	fflush(out);
}
