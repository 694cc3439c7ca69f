// SPDX-License-Identifier: GPL-2.0
/*
 * Frames, sites and symbols, the bottom of the reporters: which frames of a
 * stack are the kernel's (report_stack), which names the user's code
 * (report_site_ip), a frame's symbol, function and source line, and the
 * JSON string and site every JSON writer shares. Declared in report.h. It
 * reads the analyzer and the symbols, prints no report and calls no other
 * reporter.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "escape.h"
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
	/* the DMA API (bpf/dma.bpf.h) */
	"dma_map_page_attrs", "dma_unmap_page_attrs", "dma_map_sg_attrs", "dma_unmap_sg_attrs",
	"__dma_map_sg_attrs", "dma_map_sgtable", "dma_alloc_attrs", "dma_free_attrs",
	"dma_direct_", "swiotlb_",
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

/* sym_text() is below; the frame rules need it. */
static const char *sym_text(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			    char *buf, size_t len, bool *bare);

#include "kernel_inlines.h"

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/*
 * A frame as the rules see it: its function (compiler suffixes such as
 * ".constprop.0" cut off) and offset, parsed from "func+0x1c [module]".
 */
struct frame {
	bool named;		/* a symbol names it (a watched module's bare offset does not) */
	bool bpf;		/* in BPF's text: a program or a trampoline ("[bpf]") */
	char fn[256];
	uint64_t off;
};

static struct frame frame_of(const struct analyzer *an, const struct ksyms *ks, uint64_t ip)
{
	struct frame fr = { 0 };
	char buf[256], *plus;
	bool bare;

	if (!sym_text(an, ks, ip, buf, sizeof(buf), &bare) || bare)
		return fr;
	fr.named = true;
	fr.bpf = strstr(buf, " [bpf]") != NULL;
	plus = strchr(buf, '+');
	if (plus)
		fr.off = strtoull(plus + 1, NULL, 16);
	buf[strcspn(buf, "+ ")] = 0;
	snprintf(fr.fn, sizeof(fr.fn), "%s", buf);
	fr.fn[strcspn(fr.fn, ".")] = 0;
	return fr;
}

/*
 * The caller rule. A function the kernel's page, mapping and DMA headers
 * define as static inline (kernel_inlines.h, generated from the headers by
 * scripts/gen-kernel-inlines.sh) is the kernel's helper wherever the
 * compiler put a copy of it, a module included: kmap_local_page+0x20 [mod]
 * is not the module's own code, the frame that called it is.
 */
static bool helper_frame(const struct frame *fr)
{
	return fr->named && !fr->bpf &&
	       bsearch(fr->fn, kernel_inlines, sizeof(kernel_inlines) / sizeof(kernel_inlines[0]),
		       sizeof(kernel_inlines[0]), cmp_name);
}

bool report_is_helper(const struct analyzer *an, const struct ksyms *ks, uint64_t ip)
{
	struct frame fr = frame_of(an, ks, ip);

	return helper_frame(&fr);
}

/*
 * Tracing machinery, never the kernel's own work: BPF programs and
 * trampolines (the "[bpf]" pseudo-module), kprobe and ftrace trampolines, and
 * the tracepoint and probe dispatch that calls a BPF program.
 */
static bool tracing_frame(const struct frame *fr)
{
	static const char *const prefixes[] = {
		"bpf_prog_", "bpf_trampoline_", "bpf_dispatcher_", "__bpf_prog_enter",
		"__bpf_prog_exit", "bpf_trace_run", "__bpf_trace_", "__traceiter_",
		"trace_call_bpf", "perf_trace_run_bpf_submit", "__kretprobe_trampoline",
		"kretprobe_trampoline", "kprobe_dispatcher", "kretprobe_dispatcher",
		"kprobe_perf_func", "kretprobe_perf_func", "kprobe_ftrace_handler",
		"ftrace_trampoline", "ftrace_caller", "ftrace_regs_caller", "ftrace_call",
		"ftrace_regs_call", "ftrace_stub", "arch_ftrace_ops_list_func",
		NULL,
	};
	int i;

	if (fr->bpf)
		return true;
	if (!fr->named)
		return false;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp(fr->fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The return address of a patched call at a function's entry (fentry, a
 * trampoline's caller): +0x5, +0x9 after endbr64, +0x8 after i386's prologue. */
#define ENTRY_CALL_MAX	0x10

void report_stack_free(struct report_stack *r)
{
	if (r->ips != r->inl)
		free(r->ips);
	r->ips = r->inl;
	r->nr = 0;
}

/*
 * The kernel's frames of stack id, for every output. Dropped: frames of
 * tracing machinery (tracing_frame()); unnamed frames outside the watched
 * modules (BPF programs and trampolines where kallsyms does not list them:
 * net.core.bpf_jit_kallsyms 0, or 6.1's trampolines) when they lead the
 * stack, follow a dropped frame, or form a run that ends at a tracing frame
 * or at a function's entry call; and a duplicate of the probed function: a
 * frame repeated, or a function's entry call site (func+0x9) after a frame
 * of the same function. A stack with no named frame at all (no kallsyms
 * access) keeps its unnamed frames.
 */
bool report_stack(const struct analyzer *an, const struct ksyms *ks, int32_t id,
		  struct report_stack *r)
{
	const size_t ninl = sizeof(r->inl) / sizeof(r->inl[0]);
	struct frame prev = { 0 }, cur, run = { 0 };
	bool dropped = false, have_prev = false, any_named = false;
	unsigned int i, j, run_end = 0;
	struct pt_stack s;
	uint64_t last = 0;

	r->ips = r->inl;
	r->nr = r->raw = r->dropped = 0;
	if (!an_stack(an, id, &s))
		return false;
	r->raw = s.nr;
	if (s.nr > ninl && !(r->ips = malloc(s.nr * sizeof(*r->ips)))) {
		/* No memory for a copy: the first frames as they are. */
		r->ips = r->inl;
		r->nr = ninl;
		memcpy(r->ips, s.ips, sizeof(r->inl));
		return true;
	}
	for (i = 0; i < s.nr && !any_named; i++)
		any_named = frame_of(an, ks, s.ips[i]).named;
	for (i = 0; i < s.nr; i++) {
		bool drop;

		cur = frame_of(an, ks, s.ips[i]);
		if (tracing_frame(&cur)) {
			drop = true;
		} else if (!cur.named && an_module_of_ip(an, s.ips[i]) < 0) {
			/* The frame that ends this run of unnamed ones. */
			if (run_end <= i) {
				for (j = i + 1; j < s.nr; j++) {
					run = frame_of(an, ks, s.ips[j]);
					if (run.named || an_module_of_ip(an, s.ips[j]) >= 0)
						break;
				}
				run_end = j;
			}
			drop = any_named &&
			       (dropped || !have_prev ||
				(run_end < s.nr && (tracing_frame(&run) ||
						    (run.named && run.off <= ENTRY_CALL_MAX))));
		} else {
			drop = have_prev && (s.ips[i] == last ||
					     (cur.named && cur.off <= ENTRY_CALL_MAX &&
					      prev.named && !strcmp(cur.fn, prev.fn)));
		}
		dropped = drop;
		if (drop) {
			r->dropped++;
			continue;
		}
		r->ips[r->nr++] = s.ips[i];
		prev = cur;
		have_prev = true;
		last = s.ips[i];
	}
	return true;
}

/*
 * The address that best names who did it: the first frame of the watched
 * module's own code (a kernel helper's copy in it skipped: helper_frame()),
 * else the first kernel frame outside the allocator and the helpers, else
 * the recorded caller.
 */
uint64_t report_site_ip(const struct analyzer *an, const struct ksyms *ks, uint64_t caller,
			int32_t stack_id)
{
	struct report_stack s;
	uint64_t helper = 0, ip = 0;
	unsigned int i;

	/* A probe at function entry unwinds past its immediate caller (no
	 * frame yet): that caller, when it is the module's, is the exact site. */
	if (caller && an_module_of_ip(an, caller) >= 0) {
		if (!report_is_helper(an, ks, caller))
			return caller;
		helper = caller;
	}
	if (!report_stack(an, ks, stack_id, &s))
		return caller;
	for (i = 0; i < s.nr && !ip; i++)
		if (an_module_of_ip(an, s.ips[i]) >= 0 && s.ips[i] != helper &&
		    !report_is_helper(an, ks, s.ips[i]))
			ip = s.ips[i];
	for (i = 0; i < s.nr && !ip && !caller; i++) {
		struct frame fr = frame_of(an, ks, s.ips[i]);

		if (fr.named && !internal(fr.fn) && !helper_frame(&fr))
			ip = s.ips[i];
	}
	if (!ip)
		ip = caller ? caller : s.nr ? s.ips[0] : 0;
	report_stack_free(&s);
	return ip;
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

void report_text_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       int32_t id, unsigned int max)
{
	struct report_stack s;
	char buf[256], src[REPORT_SOURCE_LEN];
	unsigned int i;

	if (!report_stack(an, ks, id, &s)) {
		fprintf(out, "        (no stack%s)\n", id < -1 ? ": stack map full or failed" : "");
		return;
	}
	if (!s.nr && s.raw)
		fprintf(out, "        (no kernel frame: the unwinder stopped inside the tracing code)\n");
	for (i = 0; i < s.nr && i < max; i++)
		fprintf(out, "        #%-2u %s%s\n", i,
			ESC_TX(report_sym(an, ks, s.ips[i], buf, sizeof(buf))),
			report_source(ks, s.ips[i], src, sizeof(src)));
	if (s.nr > max)
		fprintf(out, "        ... %u more frames\n", s.nr - max);
	report_stack_free(&s);
}

/*
 * A leak verdict in a run where the kernel skipped runs of our programs
 * (probe_misses): a free (or kunmap) among them looks like this leak. The
 * words every writer appends to such a finding's message (text, JSON,
 * SARIF, JUnit, annotations), at print time.
 */
bool report_missed_free(const struct pt_finding *f, uint64_t misses, char *buf, size_t len)
{
	bool maybe = misses && (f->kind == PT_K_LEAK || f->kind == PT_K_KMAP_LEAK);

	if (buf && len)
		snprintf(buf, len, !maybe ? "" :
			 "; it may be a missed %s: the kernel skipped %" PRIu64 " run%s of pagetrack's programs in this run (probe_misses)",
			 f->kind == PT_K_KMAP_LEAK ? "kunmap" : "free", misses, misses == 1 ? "" : "s");
	return maybe;
}

/* Every JSON string goes through the one JSON rule (escape.h). */
void json_str(FILE *out, const char *s)
{
	esc_json(out, s);
}


void json_stack(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		       int32_t id)
{
	struct report_stack s;
	char buf[256];
	unsigned int i;

	fputc('[', out);
	if (report_stack(an, ks, id, &s)) {
		for (i = 0; i < s.nr; i++) {
			if (i)
				fputc(',', out);
			json_str(out, report_sym(an, ks, s.ips[i], buf, sizeof(buf)));
		}
		report_stack_free(&s);
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

