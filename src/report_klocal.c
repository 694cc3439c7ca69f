// SPDX-License-Identifier: GPL-2.0
/*
 * The kmap_local findings' own fields in the reports (text and JSON), and
 * kmap_local counts in interval reports and metrics. A reporter: it reads
 * the analyzer's public API (kmap_local.h for the counts) and must not judge
 * events or change the analyzer's state; kmap_local.c, the judge, prints
 * nothing.
 */
#include <inttypes.h>
#include <string.h>
#include "report_klocal.h"
#include "report.h"
#include "escape.h"

/*
 * Each mapping keeps the stack of its map call, so a map site in the
 * module's own out-of-line copy of kmap_local_page() or kmap_atomic() is
 * named by the module's function that called the copy (the caller rule,
 * report_site_ip()). Without the map stack (--no-stacks, the stack map
 * refused it, a recording from before map stacks) that function is not
 * known: such a finding says so.
 */
static bool kl_helper_unnamed(const struct analyzer *an, const struct ksyms *ks,
			      uint64_t site, int32_t sid)
{
	return site && report_is_helper(an, ks, site) &&
	       report_is_helper(an, ks, report_site_ip(an, ks, site, sid));
}

static bool kl_map_site_in_helper(const struct analyzer *an, const struct ksyms *ks,
				  const struct pt_finding *f)
{
	return kl_helper_unnamed(an, ks, f->caller2, f->stack_id2) ||
	       kl_helper_unnamed(an, ks, f->caller3, f->stack_id3);
}

static const char kl_helper_words[] =
	"a map site is in the module's own copy of a kernel helper (kmap_local_page() or kmap_atomic() compiled out of line) and the mapping's map stack was not taken (--no-stacks, the stack map refused it, or a recording without map stacks), so the function that called the helper is not known";

/* Whether the finding's own stack is not its map stack: then both show. */
static bool kl_own_stack(const struct pt_finding *f)
{
	return f->kind == PT_K_KMAP_LOCAL_ORDER || f->kind == PT_K_KUNMAP_LOCAL_BAD ||
	       f->kind == PT_K_KMAP_ATOMIC_SLEEP;
}

void kl_report_json(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct pt_finding *f)
{
	bool unmap = f->kind == PT_K_KMAP_LOCAL_ORDER || f->kind == PT_K_KUNMAP_LOCAL_BAD;

	fprintf(out, ",\"depth\":%u", f->depth);
	if (unmap)
		fprintf(out, ",\"kernel_depth\":%u", f->kdepth);
	if (kl_map_site_in_helper(an, ks, f)) {
		fputs(",\"map_site_in_helper\":true,\"map_site_note\":", out);
		json_str(out, kl_helper_words);
	}
	/* The mapping's map call, the one unmapped or held. */
	json_site(out, an, ks, "map_caller",
		  f->caller2 ? report_site_ip(an, ks, f->caller2, f->stack_id2) : 0);
	fputs(",\"map_stack\":", out);
	json_stack(out, an, ks, f->stack_id2);
	switch (f->kind) {
	case PT_K_KMAP_LOCAL_ORDER:
	case PT_K_KUNMAP_LOCAL_BAD:
		json_site(out, an, ks, "expected_map_caller",
			  f->caller3 ? report_site_ip(an, ks, f->caller3, f->stack_id3) : 0);
		fputs(",\"expected_map_stack\":", out);
		json_stack(out, an, ks, f->stack_id3);
		break;
	case PT_K_KMAP_LOCAL_LEAK:
		fprintf(out, ",\"age_ms\":%" PRIu64, f->age_ns / 1000000);
		break;
	case PT_K_KMAP_LOCAL_DEPTH:
		fprintf(out, ",\"kernel_depth\":%u,\"km_max_idx\":%u", f->kdepth,
			an_klocal(an)->km_max ? an_klocal(an)->km_max : PT_KL_SLOTS);
		break;
	default:
		break;
	}
}

/* "taken at: SITE (source)" of a map call, the caller rule applied. */
static void kl_text_site(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			 const char *what, uint64_t site, int32_t sid)
{
	char buf[256], src[REPORT_SOURCE_LEN];
	uint64_t ip = site ? report_site_ip(an, ks, site, sid) : 0;

	fprintf(out, "    %s: %s%s\n", what,
		ip ? ESC_TX(report_sym(an, ks, ip, buf, sizeof(buf))) : "(none held)",
		report_source(ks, ip, src, sizeof(src)));
}

void kl_report_text(FILE *out, const struct analyzer *an, const struct ksyms *ks,
		    const struct pt_finding *f)
{
	/* The mapping's kernel virtual address: root's business only. */
	if (ks->raw_addresses)
		fprintf(out, "    address 0x%" PRIx64 ", %u mapping(s) held", f->addr, f->depth);
	else
		fprintf(out, "    %u mapping(s) held", f->depth);
	if (f->kind == PT_K_KMAP_LOCAL_LEAK)
		fprintf(out, ", %" PRIu64 " mapping(s), oldest %.3f s", f->pages, f->age_ns / 1e9);
	if (f->kind == PT_K_KMAP_LOCAL_DEPTH || f->kind == PT_K_KMAP_LOCAL_ORDER ||
	    f->kind == PT_K_KUNMAP_LOCAL_BAD)
		fprintf(out, ", kernel depth %u", f->kdepth);
	fputc('\n', out);
	if (kl_map_site_in_helper(an, ks, f))
		fprintf(out, "    note: %s\n", kl_helper_words);
	if (f->kind == PT_K_KMAP_ATOMIC_SLEEP)
		kl_text_site(out, an, ks, "mapped at", f->caller2, f->stack_id2);
	if (f->kind != PT_K_KMAP_LOCAL_ORDER && f->kind != PT_K_KUNMAP_LOCAL_BAD)
		return;
	kl_text_site(out, an, ks, "unmapped the mapping taken at", f->caller2, f->stack_id2);
	kl_text_site(out, an, ks, "top mapping (to unmap first) taken at", f->caller3,
		     f->stack_id3);
}

void kl_report_text_stacks(FILE *out, const struct analyzer *an, const struct ksyms *ks,
			   const struct pt_finding *f, unsigned int max)
{
	if (!kl_own_stack(f))
		return;
	if (f->caller2) {
		fprintf(out, "    map stack%s:\n", f->kind == PT_K_KMAP_ATOMIC_SLEEP ? "" :
			" of the unmapped mapping");
		report_text_stack(out, an, ks, f->stack_id2, max);
	}
	if (f->caller3) {
		fprintf(out, "    map stack of the top mapping:\n");
		report_text_stack(out, an, ks, f->stack_id3, max);
	}
}

/* Interval report members / text (only where kmap_local is traced). */
void kl_interval(FILE *out, const struct analyzer *an, bool json)
{
	const struct pt_klocal *kl = an_klocal(an);

	if (!kl->km_max)
		return;
	if (json)
		fprintf(out, ",\"kmap_local_maps\":%" PRIu64 ",\"kmap_local_depth_peak\":%" PRIu64
			",\"km_max_idx\":%u", kl->maps, kl->peak, kl->km_max);
	else
		fprintf(out, "; kmap_local %" PRIu64 " maps, depth peak %" PRIu64 "/%u", kl->maps,
			kl->peak, kl->km_max);
}

void kl_metrics(FILE *f, const struct analyzer *an)
{
	const struct pt_klocal *kl = an_klocal(an);

	if (!kl->km_max)
		return;
	fprintf(f, "# HELP pagetrack_kmap_local_maps_total kmap_local_page()/kmap_atomic() mappings of highmem pages.\n"
		"# TYPE pagetrack_kmap_local_maps_total counter\npagetrack_kmap_local_maps_total %" PRIu64 "\n"
		"# HELP pagetrack_kmap_local_unmaps_total kunmap_local() of a local mapping slot.\n"
		"# TYPE pagetrack_kmap_local_unmaps_total counter\npagetrack_kmap_local_unmaps_total %" PRIu64 "\n"
		"# HELP pagetrack_kmap_local_untracked_total Local maps or unmaps not paired (taken before tracing, missed probe).\n"
		"# TYPE pagetrack_kmap_local_untracked_total counter\npagetrack_kmap_local_untracked_total %" PRIu64 "\n"
		"# HELP pagetrack_kmap_local_depth_peak Most local mappings one task held at once.\n"
		"# TYPE pagetrack_kmap_local_depth_peak gauge\npagetrack_kmap_local_depth_peak %" PRIu64 "\n"
		"# HELP pagetrack_kmap_local_depth_max KM_MAX_IDX, the per-task limit.\n"
		"# TYPE pagetrack_kmap_local_depth_max gauge\npagetrack_kmap_local_depth_max %u\n",
		kl->maps, kl->unmaps, kl->untracked, kl->peak, kl->km_max);
}
