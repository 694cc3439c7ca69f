// SPDX-License-Identifier: GPL-2.0
/*
 * The dma: tracepoints (bpf/dma_tp.bpf.h) for kernels without fentry and
 * kprobes. Their names changed (dma_map_page became dma_map_phys in 6.16,
 * dma_map_resource went into it) and so did their arguments (dma_alloc
 * gained a direction): each program takes the first name the kernel has,
 * and the places of its arguments come from the tracepoint's prototype in
 * the kernel's BTF (btf_trace_<name>), recognised by type, never assumed.
 * They are attached as raw tracepoints, whose arguments hold the struct
 * device and scatterlist pointers the fentry set sees (the trace records
 * have the device's name only). It must not read or judge events.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "attach_dma_tp.h"
#include "kinfo.h"
#include "links.h"
#include "pagetrack.skel.h"

/* Each program's tracepoints, newest name first, and the roles it needs. */
struct dtp_def {
	const char *names[3];
	unsigned int need;		/* bits of enum pt_dta_role */
	bool page_or_phys;		/* needs PT_DTA_PHYS or PT_DTA_PAGE too */
};

#define R(x)	(1u << PT_DTA_##x)

static const struct dtp_def defs[PT_DTP_N] = {
	[PT_DTP_MAP] = { { "dma_map_phys", "dma_map_page" }, R(DEV) | R(DMA) | R(SIZE) | R(DIR), true },
	[PT_DTP_MAP_RES] = { { "dma_map_resource" }, R(DEV) | R(DMA) | R(SIZE) | R(DIR), true },
	[PT_DTP_UNMAP] = { { "dma_unmap_phys", "dma_unmap_page" }, R(DEV) | R(DMA) | R(SIZE) | R(DIR) },
	[PT_DTP_UNMAP_RES] = { { "dma_unmap_resource" }, R(DEV) | R(DMA) | R(SIZE) | R(DIR) },
	[PT_DTP_MAP_SG] = { { "dma_map_sg" }, R(DEV) | R(SGL) | R(NENTS) | R(ENTS) | R(DIR) },
	[PT_DTP_MAP_SG_ERR] = { { "dma_map_sg_err" }, R(DEV) | R(SGL) | R(NENTS) | R(ENTS) | R(DIR) },
	[PT_DTP_UNMAP_SG] = { { "dma_unmap_sg" }, R(DEV) | R(SGL) | R(NENTS) | R(DIR) },
	[PT_DTP_ALLOC] = { { "dma_alloc" }, R(DEV) | R(VIRT) | R(DMA) | R(SIZE) },
	[PT_DTP_FREE] = { { "dma_free" }, R(DEV) | R(VIRT) | R(DMA) | R(SIZE) },
	[PT_DTP_ALLOC_PAGES] = { { "dma_alloc_pages" }, R(DEV) | R(VIRT) | R(DMA) | R(SIZE) },
	[PT_DTP_FREE_PAGES] = { { "dma_free_pages" }, R(DEV) | R(VIRT) | R(DMA) | R(SIZE) },
};

static struct bpf_program *prog_of(struct pagetrack_bpf *skel, int i)
{
	struct bpf_program *const p[PT_DTP_N] = {
		[PT_DTP_MAP] = skel->progs.pagetrack_tp_dma_map,
		[PT_DTP_MAP_RES] = skel->progs.pagetrack_tp_dma_map_res,
		[PT_DTP_UNMAP] = skel->progs.pagetrack_tp_dma_unmap,
		[PT_DTP_UNMAP_RES] = skel->progs.pagetrack_tp_dma_unmap_res,
		[PT_DTP_MAP_SG] = skel->progs.pagetrack_tp_dma_map_sg,
		[PT_DTP_MAP_SG_ERR] = skel->progs.pagetrack_tp_dma_map_sg_err,
		[PT_DTP_UNMAP_SG] = skel->progs.pagetrack_tp_dma_unmap_sg,
		[PT_DTP_ALLOC] = skel->progs.pagetrack_tp_dma_alloc,
		[PT_DTP_FREE] = skel->progs.pagetrack_tp_dma_free,
		[PT_DTP_ALLOC_PAGES] = skel->progs.pagetrack_tp_dma_alloc_pages,
		[PT_DTP_FREE_PAGES] = skel->progs.pagetrack_tp_dma_free_pages,
	};

	return p[i];
}

static const struct btf_type *peel(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* The role of a tracepoint argument of type id (-1: none we read); ints
 * counts the int arguments seen: nents comes before ents (or err). */
static int role_of(const struct btf *btf, uint32_t id, int *ints)
{
	const struct btf_type *t = peel(btf, id), *p;
	const char *n;

	if (!t)
		return -1;
	n = btf__name_by_offset(btf, t->name_off);
	if (btf_is_typedef(t))
		return !strcmp(n, "phys_addr_t") ? PT_DTA_PHYS : !strcmp(n, "dma_addr_t") ? PT_DTA_DMA :
		       !strcmp(n, "size_t") ? PT_DTA_SIZE : !strcmp(n, "gfp_t") ? PT_DTA_GFP : -1;
	if (btf_is_enum(t))
		return !strcmp(n, "dma_data_direction") ? PT_DTA_DIR : -1;
	if (btf_is_int(t))
		return !strcmp(n, "int") ? ((*ints)++ ? PT_DTA_ENTS : PT_DTA_NENTS) :
		       !strcmp(n, "long unsigned int") ? PT_DTA_ATTRS : -1;
	if (!btf_is_ptr(t))
		return -1;
	if (!t->type)
		return PT_DTA_VIRT;
	p = peel(btf, t->type);
	if (!p || !btf_is_struct(p))
		return -1;
	n = btf__name_by_offset(btf, p->name_off);
	return !strcmp(n, "device") ? PT_DTA_DEV : !strcmp(n, "page") ? PT_DTA_PAGE :
	       !strcmp(n, "scatterlist") ? PT_DTA_SGL : -1;
}

/*
 * The places of tracepoint name's arguments, from btf_trace_<name>: a
 * pointer to the probe's prototype, (void *data, the TP_PROTO arguments).
 * args[role] = place in the raw tracepoint's context + 1. NULL, or why not.
 */
static const char *resolve(const struct btf *btf, const char *name, const struct dtp_def *d,
			   __u8 args[PT_DTA_N])
{
	static char why[256];
	char tn[96];
	const struct btf_type *t;
	const struct btf_param *pa;
	unsigned int have = 0;
	int id, i, n, ints = 0;

	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF);
	t = id < 0 ? NULL : peel(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_ptr(t))
		t = peel(btf, t->type);
	if (!t || !btf_is_func_proto(t)) {
		snprintf(why, sizeof(why), "no %s prototype in the kernel's BTF", tn);
		return why;
	}
	n = btf_vlen(t);
	pa = btf_params(t);
	if (n - 1 > 8) {
		snprintf(why, sizeof(why), "%s has %d arguments (8 read)", tn, n - 1);
		return why;
	}
	memset(args, 0, PT_DTA_N);
	for (i = 1; i < n; i++) {
		int r = role_of(btf, pa[i].type, &ints);

		if (r >= 0 && !args[r]) {
			args[r] = i;
			have |= 1u << r;
		}
	}
	if ((have & d->need) != d->need ||
	    (d->page_or_phys && !(have & (R(PHYS) | R(PAGE))))) {
		snprintf(why, sizeof(why), "%s lacks the arguments read (device, %s)", tn,
			 d->need & R(SGL) ? "scatterlist, nents, direction" :
			 d->need & R(VIRT) ? "CPU address, DMA address, size" :
			 "address, DMA address, size, direction");
		return why;
	}
	return NULL;
}

/* DMA_ATTR_MMIO as dma_map_phys's print format names it (6.16+: MMIO is
 * mapped by dma_map_phys too, without a struct page); 0 when it does not. */
static uint64_t attr_mmio(const char *tp)
{
	const char *dir = tracefs_dir();
	char p[256], line[8192], *m, *s;
	uint64_t v = 0;
	FILE *f;

	if (!dir)
		return 0;
	snprintf(p, sizeof(p), "%s/events/dma/%s/format", dir, tp);
	f = fopen(p, "r");
	if (!f)
		return 0;
	while (!v && fgets(line, sizeof(line), f)) {
		unsigned int bit;

		m = strstr(line, "\"MMIO\"");
		if (!m)
			continue;
		*m = 0;
		s = strrchr(line, '{');
		if (s && sscanf(s, "{ (1UL << %u)", &bit) == 1 && bit < 64)
			v = 1ULL << bit;
	}
	fclose(f);
	return v;
}

void dma_tp_prepare(struct dma_tp *t, struct pagetrack_bpf *skel, const struct btf *btf, bool want)
{
	int i, j;

	memset(t, 0, sizeof(*t));
	t->used = want;
	for (i = 0; i < PT_DTP_N; i++) {
		struct dma_tp_prog *p = &t->p[i];
		const struct dtp_def *d = &defs[i];
		__u8 *args = skel->rodata->dma_tp_args[i];

		p->prog = prog_of(skel, i);
		p->why = "not tracepoint mode";
		for (j = 0; want && j < 3 && d->names[j] && !p->name; j++) {
			if (!tracepoint_exists("dma", d->names[j]))
				continue;
			p->why = btf ? resolve(btf, d->names[j], d, args) : "no BTF";
			if (!p->why)
				p->name = d->names[j];
		}
		if (want && !p->name && p->why && !strcmp(p->why, "not tracepoint mode"))
			p->why = "no such tracepoint";
		bpf_program__set_autoload(p->prog, p->name != NULL);
	}
	t->map_phys = t->p[PT_DTP_MAP].name && skel->rodata->dma_tp_args[PT_DTP_MAP][PT_DTA_PHYS];
	if (t->p[PT_DTP_MAP].name && !strcmp(t->p[PT_DTP_MAP].name, "dma_map_phys"))
		t->attr_mmio = attr_mmio("dma_map_phys");
	skel->rodata->dma_attr_mmio = t->attr_mmio;
}

void dma_tp_attach(struct dma_tp *t)
{
	int i;

	for (i = 0; i < PT_DTP_N; i++) {
		struct dma_tp_prog *p = &t->p[i];

		if (!p->name)
			continue;
		p->link = bpf_program__attach_raw_tracepoint(p->prog, p->name);
		if (!p->link)
			p->why = "attach failed";
	}
}

void dma_tp_detach(struct dma_tp *t)
{
	struct bpf_link *links[PT_DTP_N];
	int i;

	for (i = 0; i < PT_DTP_N; i++) {
		links[i] = t->p[i].link;
		t->p[i].link = NULL;
	}
	links_destroy(links, PT_DTP_N);
}

/* "on (dma:A, dma:B raw tracepoints...)" or "off: dma:X: why". */
static void line(const struct dma_tp *t, const char *kinds, int a, int b, const char *how)
{
	const struct dma_tp_prog *pa = &t->p[a], *pb = &t->p[b];
	const struct dma_tp_prog *off = !pa->link ? pa : pb;

	if (pa->link && pb->link) {
		fprintf(stderr, "  %s: on (dma:%s, dma:%s raw tracepoints%s)\n", kinds, pa->name,
			pb->name, how);
		return;
	}
	fprintf(stderr, "  %s: off: dma:%s: %s\n", kinds,
		off->name ? off->name : defs[off == pa ? a : b].names[0],
		off->why ? off->why : "not attached");
}

void dma_tp_print(const struct dma_tp *t)
{
	const struct dma_tp_prog *p = t->p;
	char how[160];

	snprintf(how, sizeof(how), "; pages from %s%s",
		 t->map_phys ? "phys_addr >> PAGE_SHIFT" : "its struct page",
		 t->attr_mmio ? ", none for DMA_ATTR_MMIO" : "");
	line(t, "dma page mappings (dma_leak, dma_bad_unmap, dma_unmap_mismatch, dma_free_while_mapped)",
	     PT_DTP_MAP, PT_DTP_UNMAP, how);
	if (p[PT_DTP_MAP_RES].link || p[PT_DTP_UNMAP_RES].link)
		line(t, "dma resource mappings (dma_leak, dma_bad_unmap, dma_unmap_mismatch)",
		     PT_DTP_MAP_RES, PT_DTP_UNMAP_RES, "");
	if (PT_BUILD_ARCH == PT_ARCH_AMD64)
		snprintf(how, sizeof(how), "; the first %d entries' pages and lengths read from the list%s",
			 PT_DMA_SG_WALK, p[PT_DTP_MAP_SG_ERR].link ? "; failures from dma:dma_map_sg_err" : "");
	else	/* bpf/dma.bpf.h: no bpf_loop(), no tail call into kprobes */
		snprintf(how, sizeof(how), "; entries not read on 32-bit: no sg bytes, no page freed in a list%s",
			 p[PT_DTP_MAP_SG_ERR].link ? "; failures from dma:dma_map_sg_err" : "");
	line(t, "dma sg mappings (dma_leak, dma_bad_unmap, dma_unmap_mismatch, dma_free_while_mapped)",
	     PT_DTP_MAP_SG, PT_DTP_UNMAP_SG, how);
	line(t, "dma coherent buffers (dma_leak, dma_bad_unmap, dma_free_mismatch)", PT_DTP_ALLOC,
	     PT_DTP_FREE, "");
	line(t, "dma_alloc_pages buffers (dma_leak, dma_bad_unmap, dma_free_mismatch)",
	     PT_DTP_ALLOC_PAGES, PT_DTP_FREE_PAGES, "");
}
