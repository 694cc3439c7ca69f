// SPDX-License-Identifier: GPL-2.0
/*
 * Final reports: findings and outstanding sites, as text or JSON lines, and
 * the site and symbol of a stack. Reads the analyzer, never changes it.
 * Core library: no libbpf.
 */
#include <inttypes.h>
#include <string.h>
#include "report.h"
#include "escape.h"
#include "kmap_local.h"
#include "srcline.h"

/* Frames inside the allocator and tracing machinery, skipped for "caller". */
static const char *const internal_prefixes[] = {
	"__alloc_pages", "alloc_pages", "__get_free_pages", "get_free_pages",
	"__folio_alloc", "folio_alloc", "get_page_from_freelist", "rmqueue",
	"__rmqueue", "__free_pages", "free_pages", "free_unref_page", "free_the_page",
	"__free_one_page", "free_pcp", "free_pages_prepare", "release_pages",
	"__folio_put", "__put_page", "put_page", "kmap_high", "kunmap_high",
	"remap_pfn_range", "perf_trace_", "trace_event_raw_", "__traceiter_",
	"__bpf_trace", "bpf_", "trace_call_bpf", "kprobe_", "ftrace_", "__mm_",
	"prep_new_page", "post_alloc_hook", "split_page", "__kmalloc_large",
	"__alloc_frozen_pages", "alloc_frozen_pages", "alloc_pages_mpol", "vma_alloc_folio",
	"folio_alloc", "__folio_alloc", "alloc_pages_bulk", "__alloc_pages_bulk",
	NULL,
};

static bool internal(const char *fn)
{
	int i;

	for (i = 0; internal_prefixes[i]; i++)
		if (!strncmp(fn, internal_prefixes[i], strlen(internal_prefixes[i])))
			return true;
	return false;
}

/*
 * The kernel's static inline helpers a module may get its own copy of
 * (kmap() in HIGHMEM kernels): such a copy is not the site, its caller is.
 */
static bool module_copy_of_helper(const struct analyzer *an, const struct ksyms *ks,
				  uint64_t ip)
{
	static const char *const helpers[] = { "kmap", "kunmap", "alloc_pages", NULL };
	char buf[256];
	int i;

	/* The module may be gone from kallsyms: its cached names. A compiler
	 * clone (kmap.constprop.0) is the same helper. */
	report_sym(an, ks, ip, buf, sizeof(buf));
	buf[strcspn(buf, "+.")] = 0;
	for (i = 0; helpers[i]; i++)
		if (!strcmp(buf, helpers[i]))
			return true;
	return false;
}

/* The address that best names who did it: the watched module's frame, else
 * the first frame outside the allocator, else the recorded caller. */
uint64_t report_site_ip(const struct analyzer *an, const struct ksyms *ks, uint64_t caller,
			int32_t stack_id)
{
	struct pt_stack s;
	char buf[256];
	unsigned int i;
	uint64_t helper = 0;

	/* A probe at function entry unwinds past its immediate caller (no
	 * frame yet): that caller, when it is the module's, is the exact site. */
	if (caller && an_module_of_ip(an, caller) >= 0) {
		if (!module_copy_of_helper(an, ks, caller))
			return caller;
		helper = caller;
	}
	if (!an_stack(an, stack_id, &s))
		return caller;
	for (i = 0; i < s.nr; i++)
		if (an_module_of_ip(an, s.ips[i]) >= 0 && s.ips[i] != helper &&
		    !module_copy_of_helper(an, ks, s.ips[i]))
			return s.ips[i];
	if (caller)
		return caller;
	for (i = 0; i < s.nr; i++) {
		const char *fn = ksyms_func(ks, s.ips[i], buf, sizeof(buf));

		if (fn && !internal(fn))
			return s.ips[i];
	}
	return s.nr ? s.ips[0] : 0;
}

/* Symbol text for ip, or NULL; *bare: no symbol, "module+0xOFF [module]". */
static const char *sym_text(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			    char *buf, size_t len, bool *bare)
{
	int idx = an_module_of_ip(an, ip);
	const struct pt_module_range *r = an_module(an, idx);
	char tag[PT_MODNAME_LEN + 3];
	const char *known = ksyms_lookup(ks, ip, buf, len);
	bool init;
	uint64_t base;

	*bare = false;
	/*
	 * Inside a watched module, the symbol must name that module: if it
	 * was unloaded (or its init text freed) before its symbols were read,
	 * the nearest symbol below is some other code. Then its cached
	 * symbols, else module and offset ("mod.init+0x..." for init text).
	 */
	if (!r)
		return known;
	init = an_module_ip_init(an, idx, ip);
	base = init ? r->init_base : r->base;
	snprintf(tag, sizeof(tag), "[%s]", r->name);
	if ((!known || !strstr(buf, tag)) &&
	    !ksyms_format_module(ks, r->name, init, ip - base, buf, len)) {
		snprintf(buf, len, "%s%s+0x%" PRIx64 " [%s]", r->name, init ? ".init" : "",
			 ip - base, r->name);
		*bare = true;
	}
	return buf;
}

const char *report_sym_known(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			     char *buf, size_t len)
{
	bool bare;

	return sym_text(an, ks, ip, buf, len, &bare);
}

const char *report_sym(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
		       char *buf, size_t len)
{
	if (report_sym_known(an, ks, ip, buf, len))
		return buf;
	return ksyms_unknown(ks, ip, buf, len);
}

const char *report_func(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			char *buf, size_t len)
{
	bool bare;
	char *p;

	if (!sym_text(an, ks, ip, buf, len, &bare))
		return ksyms_unknown(ks, ip, buf, len);
	/* "func+0x1c [module]" -> "func"; unnamed module code keeps its offset. */
	if (!bare && (p = strchr(buf, '+')))
		*p = 0;
	return buf;
}

/* The inline chain of ip (srcline_frame, innermost first), 0 if unknown. */
static int source_chain(const struct ksyms *ks, uint64_t ip, struct srcline_frame *f, int max)
{
	if (!ks->source_chain || !ip)
		return 0;
	return ks->source_chain(ks->source_ctx, ip, f, max);
}

const char *report_source(const struct ksyms *ks, uint64_t ip, char *buf, size_t len)
{
	struct srcline_frame f[REPORT_INLINE_MAX];
	int n = source_chain(ks, ip, f, REPORT_INLINE_MAX);
	size_t l;
	int i;

	buf[0] = 0;
	if (!n)
		return buf;
	snprintf(buf, len, " (%s:%u", f[n - 1].file, f[n - 1].line);
	/* Outer to inner: what the function's line calls, inlined. */
	for (i = n - 2; i >= 0; i--) {
		l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s at %s:%u", i == n - 2 ? "; inlined " : " > ",
			 f[i].func, f[i].file, f[i].line);
	}
	l = strlen(buf);
	snprintf(buf + l, len - l, ")");
	return buf;
}

/* Every JSON string goes through the one JSON rule (escape.h). */
void json_str(FILE *out, const char *s)
{
	esc_json(out, s);
}

static void json_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       int32_t id)
{
	struct pt_stack s;
	char buf[256];
	unsigned int i;

	fputc('[', out);
	if (an_stack(an, id, &s))
		for (i = 0; i < s.nr; i++) {
			if (i)
				fputc(',', out);
			json_str(out, report_sym(an, ks, s.ips[i], buf, sizeof(buf)));
		}
	fputc(']', out);
}

void json_site(FILE *out, const struct analyzer *an, const struct ksyms *ks,
	       const char *name, uint64_t ip)
{
	char buf[256];

	struct srcline_frame f[REPORT_INLINE_MAX];
	int n, i;

	fprintf(out, ",\"%s\":", name);
	if (ip)
		json_str(out, report_sym(an, ks, ip, buf, sizeof(buf)));
	else
		fputs("null", out);
	/* Its source line, and what was inlined there (outer to inner). */
	n = source_chain(ks, ip, f, REPORT_INLINE_MAX);
	if (!n)
		return;
	snprintf(buf, sizeof(buf), "%s:%u", f[n - 1].file, f[n - 1].line);
	fprintf(out, ",\"%s_source\":", name);
	json_str(out, buf);
	if (n < 2)
		return;
	fprintf(out, ",\"%s_inlined\":[", name);
	for (i = n - 2; i >= 0; i--) {
		fputs(i == n - 2 ? "{\"function\":" : ",{\"function\":", out);
		json_str(out, f[i].func);
		snprintf(buf, sizeof(buf), "%s:%u", f[i].file, f[i].line);
		fputs(",\"source\":", out);
		json_str(out, buf);
		fputc('}', out);
	}
	fputc(']', out);
}

/* A finding's allocation or free side: its site, then its stack. */
static void json_side(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		      const char *site, const char *stack, uint64_t caller, int32_t stack_id)
{
	json_site(out, an, ks, site, report_site_ip(an, ks, caller, stack_id));
	fprintf(out, ",\"%s\":", stack);
	json_stack(out, an, ks, stack_id);
}

static void json_finding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const struct pt_finding *f)
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
	json_side(out, an, ks, "caller", "stack", f->caller, f->stack_id);
	if ((f->stack_id2 >= 0 || f->caller2) && !kl_kind(f->kind))
		json_side(out, an, ks, "free_caller", "free_stack", f->caller2, f->stack_id2);
	fprintf(out, ",\"message\":");
	json_str(out, f->note);
	fputs("}\n", out);
}

static void text_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       int32_t id, unsigned int max)
{
	struct pt_stack s;
	char buf[256], src[REPORT_SOURCE_LEN];
	unsigned int i;

	if (!an_stack(an, id, &s)) {
		fprintf(out, "        (no stack%s)\n", id < -1 ? ": stack map full or failed" : "");
		return;
	}
	for (i = 0; i < s.nr && i < max; i++)
		fprintf(out, "        #%-2u %s%s\n", i,
			ESC_TX(report_sym(an, ks, s.ips[i], buf, sizeof(buf))),
			report_source(ks, s.ips[i], src, sizeof(src)));
	if (s.nr > max)
		fprintf(out, "        ... %u more frames\n", s.nr - max);
}

void report_text_finding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const struct pt_finding *f, unsigned int max)
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
	fprintf(out, ": %s\n", ESC_TX(f->note));
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
			"kunmap_local" : f->kind == PT_K_KMAP_ATOMIC_SLEEP ? "switch-out" :
			kl_kind(f->kind) ? "map" :
			f->kind == PT_K_BAD_FREE || f->kind == PT_K_DOUBLE_FREE ||
			f->kind == PT_K_KUNMAP_UNBALANCED ? "first" : "allocation");
		text_stack(out, an, ks, f->stack_id, max);
	}
	if ((f->stack_id2 >= 0 || f->caller2) && !kl_kind(f->kind)) {
		ip = report_site_ip(an, ks, f->caller2, f->stack_id2);
		fprintf(out, "    freed by: %s%s\n",
			ip ? ESC_TX(report_sym(an, ks, ip, buf, sizeof(buf))) : "?",
			report_source(ks, ip, src, sizeof(src)));
		text_stack(out, an, ks, f->stack_id2, max);
	}
}

/* Unscoped runs: where the still-allocated pages come from (not findings). */
static void print_outstanding(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			      const struct report_opts *o)
{
	unsigned int n, i, top = o->top ? o->top : 5;
	const struct pt_finding *f = an_outstanding(an, &n);
	char buf[256];

	if (!n)
		return;
	if (!o->json) {
		fprintf(out, "Outstanding at exit (not judged without -m; top %u of %u call sites):\n",
			top < n ? top : n, n);
		if (an_config(an)->sample_pages)
			fprintf(out, "  (pages are estimates from stacks sampled every %u pages: Σ 2^k/p_k over the sampled blocks)\n",
				an_config(an)->sample_pages);
	}
	for (i = 0; i < n && i < top; i++) {
		uint64_t ip = report_site_ip(an, ks, 0, f[i].stack_id);
		const char *site = ip ? report_sym(an, ks, ip, buf, sizeof(buf)) : "?";

		if (o->json) {
			fprintf(out, "{\"type\":\"outstanding\",\"blocks\":%u,\"pages\":%" PRIu64
				",\"order\":%u,\"age_ms\":%" PRIu64, f[i].count, f[i].pages,
				f[i].order, f[i].age_ns / 1000000);
			if (an_config(an)->sample_pages)
				fprintf(out, ",\"estimated\":true,\"samples\":%u", f[i].samples);
			fputs(",\"caller\":", out);
			json_str(out, site);
			fputs("}\n", out);
		} else if (an_config(an)->sample_pages) {
			fprintf(out, "  ~%7" PRIu64 " pages from %6u samples, order %u, oldest %.1f s: %s\n",
				f[i].pages, f[i].samples, f[i].order, f[i].age_ns / 1e9, ESC_TX(site));
		} else {
			fprintf(out, "  %8" PRIu64 " pages in %6u blocks, order %u, oldest %.1f s: %s\n",
				f[i].pages, f[i].count, f[i].order, f[i].age_ns / 1e9, ESC_TX(site));
		}
	}
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

void report_print(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		  const struct report_opts *o)
{
	const struct pt_stats *st = an_stats(an);
	struct totals tot = totals(st);
	const struct pt_finding *f;
	unsigned int n, i, errors = 0;
	uint64_t received = 0;

	f = an_findings(an, &n);
	for (i = 0; i < PT_EV_MAX; i++)
		received += st->events[i];
	for (i = 0; i < n; i++)
		errors += f[i].error;
	for (i = 0; i < n; i++) {
		if (o->json)
			json_finding(out, an, ks, &f[i]);
		else
			report_text_finding(out, an, ks, &f[i], o->max_frames ? o->max_frames : 12);
	}
	print_outstanding(out, an, ks, o);
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
	}
	fflush(out);
}
