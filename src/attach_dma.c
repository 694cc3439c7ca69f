// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA API probes (bpf/dma.bpf.h): resolved against this kernel's BTF
 * and kallsyms, never assumed. A function BTF has is taken by fentry/fexit
 * where the kernel can attach those; otherwise by kprobe/kretprobe if
 * kallsyms lists it and it may be probed. What cannot be traced is said in
 * the start-up detections. It must not read or judge events.
 */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "attach_dma.h"
#include "links.h"
#include "pagetrack.skel.h"

#define PT_STR_(x)	#x
#define PT_STR(x)	PT_STR_(x)

static void dma_table(struct dma_attach *d, struct pagetrack_bpf *skel)
{
	const struct dma_probe t[D_NPROBES] = {
		[D_MAP] = { "dma_map_page_attrs", false, skel->progs.pagetrack_dma_map,
			    skel->progs.pagetrack_fx_dma_map },
		[D_MAP_RET] = { "dma_map_page_attrs", true, skel->progs.pagetrack_dma_map_ret },
		[D_UNMAP] = { "dma_unmap_page_attrs", false, skel->progs.pagetrack_dma_unmap,
			      skel->progs.pagetrack_fx_dma_unmap },
		[D_ALLOC] = { "dma_alloc_attrs", false, skel->progs.pagetrack_dma_alloc,
			      skel->progs.pagetrack_fx_dma_alloc },
		[D_ALLOC_RET] = { "dma_alloc_attrs", true, skel->progs.pagetrack_dma_alloc_ret },
		[D_FREE] = { "dma_free_attrs", false, skel->progs.pagetrack_dma_free,
			     skel->progs.pagetrack_fx_dma_free },
		[D_MAP_SG] = { "dma_map_sg_attrs", false, skel->progs.pagetrack_dma_map_sg,
			       skel->progs.pagetrack_fx_dma_map_sg },
		[D_MAP_SG_RET] = { "dma_map_sg_attrs", true, skel->progs.pagetrack_dma_map_sg_ret },
		[D_UNMAP_SG] = { "dma_unmap_sg_attrs", false, skel->progs.pagetrack_dma_unmap_sg,
				 skel->progs.pagetrack_fx_dma_unmap_sg },
		[D_MAP_SGT] = { "dma_map_sgtable", false, skel->progs.pagetrack_dma_map_sgt,
				skel->progs.pagetrack_fx_dma_map_sgt },
		[D_MAP_SGT_RET] = { "dma_map_sgtable", true, skel->progs.pagetrack_dma_map_sgt_ret },
	};
	int i;

	for (i = 0; i < D_NPROBES; i++)
		d->p[i] = t[i];
}

/* The return program of an entry (the kprobe set's second half), or -1. */
static int ret_of(int i)
{
	return i == D_MAP ? D_MAP_RET : i == D_ALLOC ? D_ALLOC_RET :
	       i == D_MAP_SG ? D_MAP_SG_RET : i == D_MAP_SGT ? D_MAP_SGT_RET : -1;
}

void dma_attach_prepare(struct dma_attach *d, struct pagetrack_bpf *skel, const struct btf *btf,
			const struct ksyms *ks, bool fentry, bool kprobes)
{
	int i;

	dma_table(d, skel);
	d->why = NULL;
	/* Tracepoint mode (--attach tracepoint, or a kernel with neither
	 * fentry nor kprobes): the dma: tracepoints where the kernel has them. */
	dma_tp_prepare(&d->tp, skel, btf, !fentry && (!kprobes || !kprobes_available()));
	if (d->tp.used)
		d->why = "needs fentry or kprobes (tracepoint mode)";
	for (i = 0; i < D_NPROBES; i++) {
		struct dma_probe *p = &d->p[i];
		const char *why = NULL;

		p->wanted = false;
		p->why = d->why;
		if (!d->why && !p->retprobe) {
			if (fentry && p->fprog &&
			    btf__find_by_name_kind(btf, p->func, BTF_KIND_FUNC) >= 0) {
				p->by_fentry = true;
				p->wanted = true;
			} else if (kprobe_possible(ks, p->func, &why)) {
				p->wanted = true;
			} else {
				p->why = why ? why : "not in kallsyms";
			}
		}
	}
	/* A kprobe entry needs its kretprobe; an fexit has the return. */
	for (i = 0; i < D_NPROBES; i++) {
		int r = ret_of(i);

		if (r < 0)
			continue;
		d->p[r].wanted = d->p[i].wanted && !d->p[i].by_fentry;
		d->p[r].why = d->p[i].why;
	}
	for (i = 0; i < D_NPROBES; i++) {
		struct dma_probe *p = &d->p[i];

		bpf_program__set_autoload(p->kprog, p->wanted && !p->by_fentry);
		if (p->fprog) {
			bpf_program__set_autoload(p->fprog, p->wanted && p->by_fentry);
			if (p->wanted && p->by_fentry)
				bpf_program__set_attach_target(p->fprog, 0, p->func);
		}
	}
	if (!d->p[D_ALLOC].wanted || d->p[D_ALLOC].by_fentry)
		bpf_map__set_max_entries(skel->maps.dma_handles, 1);
}

void dma_attach_attach(struct dma_attach *d)
{
	int i;

	/*
	 * Return probes first: kprobes on one address run newest first, and
	 * an entry's stack and caller must be read before a kretprobe puts
	 * its trampoline in the return address (ARM32's unwinder stops there).
	 */
	for (i = 0; i < 2 * D_NPROBES; i++) {
		struct dma_probe *p = &d->p[i % D_NPROBES];

		if (!p->wanted || p->retprobe != (i < D_NPROBES))
			continue;
		if (p->by_fentry)
			p->link = bpf_program__attach_trace(p->fprog);
		else
			p->link = bpf_program__attach_kprobe(p->kprog, p->retprobe, p->func);
		if (!p->link)
			p->why = "attach failed";
	}
	dma_tp_attach(&d->tp);
	/* An entry without its return pairs nothing: both off. */
	for (i = 0; i < D_NPROBES; i++) {
		int r = ret_of(i);

		if (r < 0 || !d->p[i].link || d->p[i].by_fentry || d->p[r].link)
			continue;
		bpf_link__destroy(d->p[i].link);
		d->p[i].link = NULL;
		d->p[i].why = "its return probe did not attach";
	}
}

void dma_attach_detach(struct dma_attach *d)
{
	struct bpf_link *links[D_NPROBES];
	int i;

	for (i = 0; i < D_NPROBES; i++) {
		links[i] = d->p[i].link;
		d->p[i].link = NULL;
	}
	links_destroy(links, D_NPROBES);
	dma_tp_detach(&d->tp);
}

static const char *state(const struct dma_probe *p)
{
	return p->link ? (p->by_fentry ? "fentry" : "kprobe") : "off";
}

/* "on (...)" naming each function's probe, or "off: why". */
static void line(const char *kinds, const struct dma_probe *a, const struct dma_probe *b,
		 const char *how)
{
	if (a->link && b->link)
		fprintf(stderr, "  %s: on (%s %s, %s %s%s)\n", kinds, a->func, state(a), b->func,
			state(b), how);
	else
		fprintf(stderr, "  %s: off: %s: %s\n", kinds, a->link ? b->func : a->func,
			(a->link ? b->why : a->why) ? (a->link ? b->why : a->why) : "not attached");
}

void dma_attach_print(const struct dma_attach *d)
{
	const struct dma_probe *p = d->p;

	if (d->tp.used) {
		dma_tp_print(&d->tp);
		return;
	}
	line("dma page mappings (dma_leak, dma_bad_unmap, dma_unmap_mismatch, dma_free_while_mapped)",
	     &p[D_MAP], &p[D_UNMAP], "");
	line("dma sg mappings (dma_leak, dma_bad_unmap, dma_unmap_mismatch, dma_free_while_mapped)",
	     &p[D_MAP_SG], &p[D_UNMAP_SG], "; the first " PT_STR(PT_DMA_SG_WALK)
	     " entries' pages and lengths read from the list");
	if (p[D_MAP_SG].link && !p[D_MAP_SGT].link)
		fprintf(stderr, "  dma sg tables: off: dma_map_sgtable %s (its sg unmaps are not judged as unmapped)\n",
			p[D_MAP_SGT].why ? p[D_MAP_SGT].why : "not attached");
	line("dma coherent buffers (dma_leak, dma_bad_unmap, dma_free_mismatch)", &p[D_ALLOC],
	     &p[D_FREE], "");
}
