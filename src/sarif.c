// SPDX-License-Identifier: GPL-2.0
/*
 * --sarif FILE: the findings as a SARIF 2.1.0 log for code scanning, written
 * atomically (outfile.c). Every finding kind is a rule of the driver, each
 * finding one result with a fingerprint stable across runs and machines
 * (kind, module, caller function: never an offset or an address). It reads
 * the analyzer's public API only and never changes its state; it never
 * writes a raw kernel address, whatever --raw-addresses says (the file is
 * meant to leave the machine). Core library: no libbpf.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ci.h"
#include "options.h"
#include "outfile.h"
#include "report.h"

struct rule_text {
	const char *brief, *full, *help;
};

/* Indexed by enum pt_kind; README's "Finding kinds" and doc/usage.md say the same. */
static const struct rule_text rules[PT_K_MAX] = {
	[PT_K_LEAK] = { "Pages allocated by the module are never freed",
		"A block of pages the watched module allocated was still allocated at the module's unload or when tracing ended.",
		"Free every block on every path, at the latest in the module's exit function, with the order it was allocated with." },
	[PT_K_ORDER_MISMATCH] = { "Pages freed with another order than allocated",
		"__free_pages() or free_pages() was called with an order other than the one the block was allocated with: pages stay allocated, or pages the caller does not own are freed.",
		"Free a block with the order it was allocated with; keep the order beside the pointer." },
	[PT_K_DOUBLE_FREE] = { "Pages freed twice",
		"__free_pages() was entered for a page whose refcount was already 0: the block had been freed before.",
		"Free a block once; clear the pointer after freeing it." },
	[PT_K_BAD_FREE] = { "free_pages() handed a struct page pointer",
		"free_pages() takes a kernel virtual address; it was handed what looks like a struct page pointer.",
		"Free a struct page * with __free_pages(), an address from __get_free_pages() with free_pages()." },
	[PT_K_PARTIAL_FREE] = { "Part of a live block went back to the allocator",
		"Pages of a live non-compound block were returned to the buddy allocator while its head is still allocated.",
		"Allocate with __GFP_COMP when pages of the block are referenced on their own, or split_page() it first." },
	[PT_K_TAIL_PAGE_MAPPED] = { "Tail page of a non-compound block mapped to user space",
		"A tail page of a non-__GFP_COMP high-order block was mapped to user space with a reference of its own: when unmapped it goes back to the buddy allocator alone.",
		"Allocate with __GFP_COMP, or map order-0 pages." },
	[PT_K_KMAP_LEAK] = { "kmap() without kunmap()",
		"A kmap_high() mapping was still held at the module's unload or when tracing ended; it keeps one of the few pkmap slots.",
		"Pair every kmap() with kunmap(), or use kmap_local_page()." },
	[PT_K_KMAP_PARTIAL] = { "kmap() of a multi-page block maps only its first page",
		"kmap() was called on the head of a multi-page block: only its first page is mapped.",
		"kmap each page (kmap_local_page) to reach the others." },
	[PT_K_FREE_WHILE_KMAPPED] = { "Page freed while kmapped",
		"A page was freed while it still held a pkmap slot.",
		"kunmap() the page before freeing it." },
	[PT_K_KUNMAP_UNBALANCED] = { "kunmap() without a matching kmap()",
		"kunmap() of a page that was already unmapped, or of a tracked page never kmapped.",
		"kunmap() each kmap() exactly once." },
	[PT_K_PKMAP_PRESSURE] = { "pkmap slots nearly exhausted",
		"More pkmap slots were in use than the threshold (--pkmap-threshold) allows; further kmap() calls may sleep.",
		"Hold kmap() mappings briefly, or use kmap_local_page()." },
	[PT_K_REMAP_FAILED] = { "remap_pfn_range() failed",
		"remap_pfn_range() returned an error; with -EINVAL on a copy-on-write vma the process then gets SIGBUS.",
		"Remap the whole vma at once, map MAP_SHARED, or clear VM_MAYWRITE." },
	[PT_K_EVENTS_LOST] = { "Events were lost",
		"The ring buffer was full and events were dropped: other findings may be missing or false.",
		"Raise --buffer-mb and run again." },
	[PT_K_KMAP_LOCAL_ORDER] = { "kunmap_local() out of order",
		"kunmap_local() or kunmap_atomic() of a local mapping that is not the latest one: local mappings are a stack.",
		"Unmap local mappings in reverse order of mapping." },
	[PT_K_KUNMAP_LOCAL_BAD] = { "kunmap_local() of an address that holds no local mapping",
		"kunmap_local() of a mapping slot address that holds no local mapping of the task (unmapped twice, or a stale pointer).",
		"Unmap each local mapping once, with the address kmap_local_page() returned." },
	[PT_K_KMAP_LOCAL_LEAK] = { "Local mapping never unmapped",
		"A kmap_local or kmap_atomic mapping was still held when its task exited, its module unloaded, or tracing ended after it was held over 1 s.",
		"A local mapping must not outlive the function that took it: kunmap_local() it there." },
	[PT_K_KMAP_ATOMIC_SLEEP] = { "Sleep while holding a kmap_atomic() mapping",
		"A task switched out while it held a kmap_atomic() mapping with page faults disabled.",
		"Do not sleep under kmap_atomic(); use kmap_local_page() where sleeping is needed." },
	[PT_K_KMAP_LOCAL_DEPTH] = { "Local mappings near the per-task limit",
		"A task held 3/4 of KM_MAX_IDX local mappings at once; one more than the limit is a BUG().",
		"Unmap local mappings sooner; do not nest them deeply." },
	[PT_K_HELD_AT_EXIT] = { "Pages still held by a loaded module at exit",
		"A block the watched module allocated was still allocated when tracing ended while the module was still loaded: a driver may hold buffers for its whole life, so this is no verdict.",
		"Unload the module inside COMMAND, or trace until its unload, to have leaks judged." },
	[PT_K_DMA_LEAK] = { "DMA mapping never unmapped",
			    "A streaming DMA mapping or coherent DMA buffer the module made is still mapped at its unload: the device may still reach the memory.",
		"Unmap every mapping (dma_unmap_page/sg, dma_free_coherent) on every path, at the latest when the device is removed." },
	[PT_K_DMA_HELD_AT_EXIT] = { "DMA mappings still held by a loaded module at exit",
				    "The module still has DMA mappings or coherent buffers at the end of the trace; it is still loaded, so this is no leak yet.",
		"Unload the module inside COMMAND, or trace until its unload, to have DMA leaks judged." },
	[PT_K_DMA_BAD_UNMAP] = { "DMA unmap of an address that is not mapped",
				 "dma_unmap_page(), dma_unmap_sg() or dma_free_coherent() of a DMA address that is unmapped already (a second unmap) or was never mapped.",
		"Unmap each mapping exactly once, with the DMA address the map returned." },
	[PT_K_DMA_UNMAP_MISMATCH] = { "DMA unmap with another size or direction than the map",
				      "A DMA mapping unmapped with another size (sg: nents) or direction than it was mapped with.",
		"Unmap with the size and direction given to the map; for sg lists the nents given to dma_map_sg(), not its return value." },
	[PT_K_DMA_FREE_WHILE_MAPPED] = { "Page freed while DMA-mapped",
					 "A page went back to the page allocator while a DMA mapping (a page mapping, or an entry of a mapped sg list) still covers it: the device may write into memory handed to someone else.",
		"Unmap (dma_unmap_page, dma_unmap_sg) before freeing the page: after the device is done with it." },
	[PT_K_DMA_FREE_MISMATCH] = { "Coherent DMA buffer freed with another size",
				     "dma_free_coherent() (or dma_free_pages()) was given another size than dma_alloc_coherent() (dma_alloc_pages()).",
		"Free a coherent buffer with the size it was allocated with." },
};

struct sarif_ctx {
	const struct analyzer *an;
	const struct ksyms *ks;
	const struct ci_source *src;
	const struct pt_finding *f;
	unsigned int n;
	char **keys;			/* each finding's fingerprint */
	uint64_t misses;		/* the run's probe misses */
};

/* "order_mismatch" -> "OrderMismatch": a rule's friendly name. */
static void rule_name(FILE *out, const char *kind)
{
	bool up = true;

	fputc('"', out);
	for (; *kind; kind++) {
		if (*kind == '_') {
			up = true;
			continue;
		}
		fputc(up && *kind >= 'a' && *kind <= 'z' ? *kind - 'a' + 'A' : *kind, out);
		up = false;
	}
	fputc('"', out);
}

static void text_obj(FILE *out, const char *name, const char *text)
{
	fprintf(out, ",\"%s\":{\"text\":", name);
	json_str(out, text);
	fputc('}', out);
}

static void driver(FILE *out)
{
	unsigned int k;

	/* The project has no public address: its manual page, as systemd's
	 * Documentation= names one. */
	fputs("{\"driver\":{\"name\":\"pagetrack\",\"version\":\"" PT_VERSION "\","
	      "\"informationUri\":\"man:pagetrack(8)\",\"rules\":[", out);
	for (k = 0; k < PT_K_MAX; k++) {
		const char *level = pt_kind_is_error(k) ? "error" : "warning";

		fprintf(out, "%s\n{\"id\":\"%s\"", k ? "," : "", pt_kind_name(k));
		/* A one-word kind's name would only repeat its id (SARIF1001). */
		if (strchr(pt_kind_name(k), '_')) {
			fputs(",\"name\":", out);
			rule_name(out, pt_kind_name(k));
		}
		/* A kind added without its text still gets a valid rule. */
		text_obj(out, "shortDescription", rules[k].brief ? rules[k].brief : pt_kind_name(k));
		text_obj(out, "fullDescription", rules[k].full ? rules[k].full : pt_kind_name(k));
		text_obj(out, "help", rules[k].help ? rules[k].help : "See doc/usage.md, Findings.");
		fprintf(out, ",\"defaultConfiguration\":{\"level\":\"%s\"}}", level);
	}
	fputs("]}}", out);
}

/* A file path as a URI reference: absolute ones as file:///, bytes outside
 * RFC 3986's unreserved set (and '/') percent-encoded. */
static void json_uri(FILE *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	fputc('"', out);
	if (*p == '/')
		fputs("file://", out);
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
	fputc('"', out);
}

/* The fingerprint: kind, module, function; a repeat within the run gets
 * ":N" (its Nth occurrence, in the analyzer's order). */
static char *fingerprint(const struct pt_finding *f, const struct ci_site *site)
{
	char *key = NULL;

	if (asprintf(&key, "%s:%s:%s", pt_kind_name(f->kind), site->module, site->func) < 0)
		return NULL;
	return key;
}

static void result(FILE *out, const struct sarif_ctx *c, const struct pt_finding *f,
		   const char *key, unsigned int nth)
{
	struct ci_site site;
	char msg[CI_MESSAGE_LEN];

	ci_site(c->an, c->ks, c->src, f, &site);
	fprintf(out, "\n{\"ruleId\":\"%s\",\"ruleIndex\":%u,\"level\":\"%s\",\"message\":{\"text\":",
		pt_kind_name(f->kind), f->kind, f->error ? "error" : "warning");
	json_str(out, ci_message(c->an, c->ks, f, false, c->misses, msg, sizeof(msg)));
	fputs("},\"locations\":[{", out);
	if (site.line) {
		fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
		json_uri(out, site.file);
		fprintf(out, "},\"region\":{\"startLine\":%lu}},", site.line);
	}
	fputs("\"logicalLocations\":[{\"name\":", out);
	json_str(out, site.func);
	fputs(",\"fullyQualifiedName\":", out);
	json_str(out, site.func);
	fputs(",\"kind\":\"function\"},{\"name\":", out);
	json_str(out, site.module);
	fputs(",\"kind\":\"module\"}]}],\"partialFingerprints\":{\"pagetrack/v1\":", out);
	if (nth > 1) {
		char buf[512];

		snprintf(buf, sizeof(buf), "%s:%u", key, nth);
		json_str(out, buf);
	} else {
		json_str(out, key);
	}
	fprintf(out, "},\"properties\":{\"count\":%u,\"pages\":%" PRIu64 ",\"order\":%u",
		f->count, f->pages, f->order);
	if (f->kind == PT_K_ORDER_MISMATCH || f->kind == PT_K_BAD_FREE)
		fprintf(out, ",\"free_order\":%u", f->free_order);
	if (report_missed_free(f, c->misses, NULL, 0))
		fprintf(out, ",\"may_be_missed_free\":true,\"probe_misses\":%" PRIu64, c->misses);
	fputs(",\"caller\":", out);
	json_str(out, site.sym);
	fputs("}}", out);
}

static void sarif_body(FILE *out, void *ctx)
{
	const struct sarif_ctx *c = ctx;
	unsigned int i, j, nth;

	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	      "\"runs\":[{\"tool\":", out);
	driver(out);
	fputs(",\"invocations\":[{\"executionSuccessful\":true}],\"results\":[", out);
	for (i = 0; i < c->n; i++) {
		for (j = 0, nth = 1; j < i; j++)
			nth += !strcmp(c->keys[j], c->keys[i]);
		if (i)
			fputc(',', out);
		result(out, c, &c->f[i], c->keys[i], nth);
	}
	fputs("]}]}\n", out);
}

int sarif_write(const char *path, const struct analyzer *an, const struct ksyms *ks,
		const struct ci_source *src, uint64_t misses)
{
	struct sarif_ctx c = { an, ks, src, NULL, 0, NULL, misses };
	struct ci_site site;
	unsigned int i;
	int err = 0;

	c.f = an_findings(an, &c.n);
	c.keys = calloc(c.n ? c.n : 1, sizeof(*c.keys));
	for (i = 0; c.keys && i < c.n && !err; i++) {
		ci_site(an, ks, NULL, &c.f[i], &site);
		c.keys[i] = fingerprint(&c.f[i], &site);
		if (!c.keys[i])
			err = -ENOMEM;
	}
	if (!c.keys)
		err = -ENOMEM;
	if (!err)
		err = atomic_write(path, sarif_body, &c);
	for (i = 0; c.keys && i < c.n; i++)
		free(c.keys[i]);
	free(c.keys);
	return err;
}
