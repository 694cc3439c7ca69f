// SPDX-License-Identifier: GPL-2.0
/*
 * The attacher: BTF, the CO-RE object's configuration, the choice of
 * fentry, kprobe or tracepoint for each hook (kernel symbols resolved, never
 * assumed: 6.10+ *_noprof names are candidates), load, attach, detach, and
 * the start-up list of detections. It must not read or judge events.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "links.h"
#include "kinfo.h"
#include "modscope.h"
#include "pagetrack.skel.h"

static void init_tables(struct pagetrack_bpf *skel, struct probe *p, struct tp *t)
{
	struct probe probes[P_NPROBES] = {
		[P_ALLOC_ENTRY] = { "__alloc_pages (ARM32 allocation stacks)",
				    skel->progs.pagetrack_alloc_entry, false,
				    { "__alloc_pages", "__alloc_pages_noprof" } },
		[P_ALLOC_RET] = { "__alloc_pages return", skel->progs.pagetrack_alloc_ret, true,
				  { "__alloc_pages", "__alloc_pages_noprof" } },
		[P_GFP_RET] = { "__get_free_pages return", skel->progs.pagetrack_gfp_ret, true,
				{ "__get_free_pages", "get_free_pages_noprof",
				  "__get_free_pages_noprof" } },
		[P_GFP_ENTRY] = { "__get_free_pages (ARM32 allocation stacks)",
				  skel->progs.pagetrack_gfp_entry, false,
				  { "__get_free_pages", "get_free_pages_noprof",
				    "__get_free_pages_noprof" } },
		[P_FREE_UNREF_ENTRY] = { "free_unref_page (ARM32 free stacks)",
					 skel->progs.pagetrack_free_unref_entry, false,
					 { "free_unref_page" } },
		[P_FREE_OK_ENTRY] = { "__free_pages_ok (ARM32 free stacks)",
				      skel->progs.pagetrack_free_ok_entry, false,
				      { "__free_pages_ok" } },
		[P_FREE_LIST_RET] = { "free_unref_page_list return (ARM32 free stacks)",
				      skel->progs.pagetrack_free_list_ret, true,
				      { "free_unref_page_list" } },
		[P_FREE_LIST_ENTRY] = { "free_unref_page_list (ARM32 free stacks)",
					skel->progs.pagetrack_free_list_entry, false,
					{ "free_unref_page_list" } },
		[P_FREE_PAGES] = { "__free_pages", skel->progs.pagetrack_free_pages_api, false,
				   { "__free_pages" } },
		[P_FREE_ADDR] = { "free_pages", skel->progs.pagetrack_free_addr_api, false,
				  { "free_pages" } },
		[P_SPLIT] = { "split_page", skel->progs.pagetrack_split_page, false,
			      { "split_page" } },
		[P_KMAP] = { "kmap_high", skel->progs.pagetrack_kmap, false, { "kmap_high" } },
		[P_KMAP_RET] = { "kmap_high return", skel->progs.pagetrack_kmap_ret, true,
				 { "kmap_high" } },
		[P_KUNMAP] = { "kunmap_high", skel->progs.pagetrack_kunmap, false,
			       { "kunmap_high" } },
		[P_REMAP] = { "remap_pfn_range", skel->progs.pagetrack_remap, false,
			      { "remap_pfn_range" } },
		[P_REMAP_RET] = { "remap_pfn_range return", skel->progs.pagetrack_remap_ret, true,
				  { "remap_pfn_range" } },
		[P_FINISH_FAULT] = { "finish_fault", skel->progs.pagetrack_finish_fault, false,
				     { "finish_fault" } },
		[P_VM_INSERT] = { "vm_insert_page", skel->progs.pagetrack_vm_insert_page, false,
				  { "vm_insert_page" } },
		[P_MOD_INIT] = { "do_init_module", skel->progs.pagetrack_module_init, false,
				 { "do_init_module" } },
		[P_MOD_INIT_RET] = { "do_init_module return", skel->progs.pagetrack_module_init_ret,
				     true, { "do_init_module" } },
		[P_KL_MAP] = { "__kmap_local_pfn_prot return", skel->progs.pagetrack_klocal_map,
			       true, { "__kmap_local_pfn_prot" } },
		[P_KL_MAP_ENTRY] = { "__kmap_local_pfn_prot (kmap_local map stacks)",
				     skel->progs.pagetrack_klocal_map_entry, false,
				     { "__kmap_local_pfn_prot" } },
		[P_KL_UNMAP] = { "kunmap_local_indexed", skel->progs.pagetrack_klocal_unmap, false,
				 { "kunmap_local_indexed" } },
		[P_KL_SCHED] = { "__kmap_local_sched_out", skel->progs.pagetrack_klocal_sched_out,
				 false, { "__kmap_local_sched_out" } },
	};
	struct tp tps[T_NTPS] = {
		[T_ALLOC] = { "kmem", "mm_page_alloc", skel->progs.pagetrack_page_alloc, true },
		[T_FREE] = { "kmem", "mm_page_free", skel->progs.pagetrack_page_free, true },
		[T_FREE_BATCHED] = { "kmem", "mm_page_free_batched",
				     skel->progs.pagetrack_page_free_batched, false },
		[T_SIGNAL] = { "signal", "signal_generate", skel->progs.pagetrack_signal, false },
		[T_MOD_LOAD] = { "module", "module_load", skel->progs.pagetrack_module_load, false },
		[T_MOD_FREE] = { "module", "module_free", skel->progs.pagetrack_module_free, false },
		[T_MOD_UNLOAD] = { "syscalls", "sys_enter_delete_module",
				   skel->progs.pagetrack_module_unload, false },
		[T_KL_EXIT] = { "sched", "sched_process_exit", skel->progs.pagetrack_klocal_exit,
				false },
	};

	memcpy(p, probes, sizeof(probes));
	memcpy(t, tps, sizeof(tps));
	p[P_ALLOC_RET].fprog = skel->progs.pagetrack_fx_alloc_ret;
	p[P_GFP_RET].fprog = skel->progs.pagetrack_fx_gfp_ret;
	p[P_FREE_PAGES].fprog = skel->progs.pagetrack_fx_free_pages;
	p[P_FREE_ADDR].fprog = skel->progs.pagetrack_fx_free_addr;
	p[P_SPLIT].fprog = skel->progs.pagetrack_fx_split_page;
	p[P_REMAP].fprog = skel->progs.pagetrack_fx_remap;
	p[P_REMAP_RET].fprog = skel->progs.pagetrack_fx_remap_ret;
	p[P_FINISH_FAULT].fprog = skel->progs.pagetrack_fx_finish_fault;
	p[P_VM_INSERT].fprog = skel->progs.pagetrack_fx_vm_insert_page;
}

/* The two instructions of the probe program below, by name. */
#define INSN_MOV64_IMM(dst, val) \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = (dst), .imm = (val) })
#define INSN_EXIT() ((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT })

/*
 * Can this kernel attach fentry programs (BTF, BPF trampolines)? Load a
 * tracing program that only returns 0 at FUNC, attach it, and see.
 */
static bool fentry_works(const struct btf *btf, const char *func)
{
	const struct bpf_insn return_zero[] = {
		INSN_MOV64_IMM(BPF_REG_0, 0),
		INSN_EXIT(),
	};
	int id, fd, lfd;

	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);

	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1;
	if (id < 0)
		return false;
	o.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pt_fentry_probe", "GPL", return_zero,
			   sizeof(return_zero) / sizeof(return_zero[0]), &o);
	if (fd < 0)
		return false;
	lfd = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

static bool want_kprobes(const char *attach)
{
	return !strcmp(attach, "auto") || !strcmp(attach, "kprobe");
}

/* Allocation stacks sampled by pages: not with -m (scope needs every stack). */
static bool sampled(const struct pt_options *opt)
{
	return !opt->no_stacks && !opt->stacks_all && !opt->nmodules && opt->sample_pages;
}

int attacher_btf(struct attacher *at, const struct pt_options *opt, struct pt_kernel_info *ki,
		 const struct ksyms *ks)
{
	if (opt->btf_path) {
		at->btf = btf__parse(opt->btf_path, NULL);
		if (!at->btf) {
			pt_err("%s is not a usable BTF file (raw BTF or an ELF file with .BTF expected)",
			       opt->btf_path);
			return -1;
		}
	} else if (!access("/sys/kernel/btf/vmlinux", R_OK)) {
		at->btf = btf__load_vmlinux_btf();
	}
	if (!at->btf) {
		pt_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): pass --btf FILE (see doc/design.md, \"Kernels without BTF\")");
		return -1;
	}
	kinfo_from_btf(ki, ks, at->btf);
	return 0;
}

/* The object's read-only settings and map sizes, before load. */
static void configure(struct attacher *at, const struct pt_options *opt,
		      const struct pt_kernel_info *ki, const struct ksyms *ks,
		      struct pt_config *cfg)
{
	struct pagetrack_bpf *skel = at->skel;

	skel->rodata->sym64 = ki->arch == PT_ARCH_AMD64;
	skel->rodata->memmap_var = ks->memmap_var;
	skel->rodata->targ_tgid = opt->pid > 0 ? opt->pid : 0;
	skel->rodata->with_stacks = !opt->no_stacks;
	skel->rodata->free_stacks = !opt->no_free_stacks;
	/* -m: BPF compacts the kmem events it does not unwind (scope gate);
	 * -m --no-stacks has no gate and keeps full records. */
	skel->rodata->compact_kmem = !opt->nmodules;
	modscope_setup(skel, opt);
	if (sampled(opt)) {
		cfg->sample_pages = opt->sample_pages;
		pt_sample_thresholds(cfg->sample_pages, cfg->sample_thresh);
		skel->rodata->sampling = true;
		skel->rodata->lean_frees = true;
		memcpy((void *)skel->rodata->sample_thresh, cfg->sample_thresh,
		       sizeof(cfg->sample_thresh));
	} else if (!skel->rodata->scope_gate) {
		bpf_map__set_max_entries(skel->maps.marks, 1);
	}
	bpf_map__set_max_entries(skel->maps.events, opt->buffer_mb * 1024u * 1024u);
	bpf_map__set_max_entries(skel->maps.stacks, opt->stack_entries);
	/* Regions of the -p process (see pid_regions); no memory without -p. */
	if (opt->pid <= 0)
		bpf_map__set_max_entries(skel->maps.pid_regions, 1);
}

/*
 * Decide whether kmap_local is traced: HIGHMEM, kprobes, the kernel's
 * slot layout in BTF. Returns false with kl->why set otherwise.
 */
static bool klocal_prepare(struct klocal_setup *kl, const struct pt_options *opt,
			   const struct pt_kernel_info *ki, const struct ksyms *ks,
			   const struct btf *btf, bool kprobes)
{
	kl->why = NULL;
	if (!ki->last_pkmap)
		return false;
	if (opt->no_kmap_local)
		kl->why = "--no-kmap-local";
	else if (!kprobes)
		kl->why = "needs kprobes";
	else if (!kinfo_klocal(btf, &kl->fix_begin, &kl->fix_end, &kl->km_max))
		kl->why = "no FIX_KMAP_BEGIN/END or struct kmap_ctrl in the kernel's BTF";
	else if (kl->km_max > PT_KL_SLOTS)
		kl->why = "KM_MAX_IDX above 16 (CONFIG_DEBUG_KMAP_LOCAL): not supported";
	else if (!ksyms_range(ks, "__kmap_local_page_prot", &kl->pp_lo, &kl->pp_hi))
		kl->why = "no __kmap_local_page_prot in kallsyms";
	/* Normal code nests two maps (a copy between two highmem pages),
	 * plus one per interrupt level (softirq, hardirq, NMI): five. Three
	 * quarters of the limit is far from that and still warns in time. */
	kl->deep = kl->km_max * 3 / 4;
	return !kl->why;
}

/* kmap_local's probes and map, on or off, and its layout for BPF. */
static void klocal_configure(struct attacher *at, bool no_stacks)
{
	struct pagetrack_bpf *skel = at->skel;
	const struct klocal_setup *kl = &at->kl;

	if (!at->klocal || no_stacks) {
		at->probes[P_KL_MAP_ENTRY].cands[0] = NULL;
		bpf_map__set_max_entries(skel->maps.kl_stacks, 1);
	}
	if (!at->klocal) {
		at->probes[P_KL_MAP].cands[0] = NULL;
		at->probes[P_KL_UNMAP].cands[0] = NULL;
		at->probes[P_KL_SCHED].cands[0] = NULL;
		bpf_map__set_max_entries(skel->maps.kl_tasks, 1);
	}
	skel->rodata->kl_fix_begin = kl->fix_begin;
	skel->rodata->kl_fix_end = kl->fix_end;
	skel->rodata->kl_km_max = kl->km_max ? kl->km_max : PT_KL_SLOTS;
	skel->rodata->kl_deep = kl->deep ? kl->deep : PT_KL_SLOTS;
	skel->rodata->kl_pp_lo = kl->pp_lo;
	skel->rodata->kl_pp_hi = kl->pp_hi;
}

/* struct page's size for ARM32's free stacks (bpf/freestack.bpf.h): its
 * power of two and the inverse of its odd part modulo 2^32. */
static void freestack_configure(struct pagetrack_bpf *skel, uint32_t size)
{
	uint32_t shift = 0, odd, inv;
	int i;

	if (!size)
		return;
	for (odd = size; !(odd & 1); odd >>= 1)
		shift++;
	/* Newton's iteration: each step doubles the correct low bits. */
	for (inv = odd, i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	skel->rodata->page_sz = size;
	skel->rodata->page_sz_shift = shift;
	skel->rodata->page_sz_inv = inv;
}

/*
 * The first candidate symbol each wanted probe can take: by fentry where
 * chosen and BTF has the function, else by kprobe. Only the chosen
 * program of each pair is loaded.
 */
static void resolve_probes(struct attacher *at, const struct pt_options *opt,
			   const struct ksyms *ks, bool use_kprobes)
{
	int i;

	for (i = 0; i < P_NPROBES; i++) {
		struct probe *p = &at->probes[i];
		/* Only ARM32 cannot unwind from the kmem tracepoints. */
		bool arm = i == P_ALLOC_ENTRY || i == P_GFP_ENTRY || i == P_FREE_UNREF_ENTRY ||
			   i == P_FREE_OK_ENTRY || i == P_FREE_LIST_RET || i == P_FREE_LIST_ENTRY;
		bool frees = i == P_FREE_UNREF_ENTRY || i == P_FREE_OK_ENTRY ||
			    i == P_FREE_LIST_RET || i == P_FREE_LIST_ENTRY;
		bool wanted = use_kprobes && (!arm || (PT_BUILD_ARCH == PT_ARCH_ARMHF &&
						       !opt->no_stacks &&
						       !(frees && opt->no_free_stacks)));
		bool by_fentry = false;
		int c;

		p->why = use_kprobes ? (wanted ? NULL : "not needed") : "tracepoint mode";
		for (c = 0; wanted && c < 4 && p->cands[c]; c++) {
			const char *why = NULL;

			if (at->fentry && p->fprog &&
			    btf__find_by_name_kind(at->btf, p->cands[c], BTF_KIND_FUNC) >= 0) {
				p->target = p->cands[c];
				by_fentry = true;
				break;
			}
			if (kprobe_possible(ks, p->cands[c], &why)) {
				p->target = p->cands[c];
				p->why = NULL;	/* an earlier candidate's reason no longer holds */
				break;
			}
			p->why = why;
		}
		bpf_program__set_autoload(p->prog, p->target && !by_fentry);
		if (p->fprog) {
			bpf_program__set_autoload(p->fprog, by_fentry);
			if (by_fentry)
				bpf_program__set_attach_target(p->fprog, 0, p->target);
			else
				p->fprog = NULL;
		}
	}
}

#ifdef PT_PAIR_BYTES
/* A byte per pfn, at most 4 MiB of the 32-bit kernel's vmalloc space:
 * 16 GiB of pfns; blocks above go as events. */
#define PT_PAIR_MAX_PFNS	(1ULL << 22)
#else
/* A bitmap of at most 64 MiB: 2 TiB of pfns; beyond, nothing is paired. */
#define PT_PAIR_MAX_PFNS	(1ULL << 29)
#endif

/* Bytes of BPF map pairing in BPF takes for pfns pages. */
static uint64_t pair_map_bytes(uint64_t pfns, bool api)
{
#ifdef PT_PAIR_BYTES
	(void)api;
	return pfns;
#else
	return pfns / 8 * (api ? 2 : 1);
#endif
}

/*
 * Pairing in BPF (bpf/pair.bpf.h), only where an order-0 block's events
 * serve nothing but its counts: no --record (a recording keeps every
 * event); with -m, the blocks it does not unwind for scope (out of it); a
 * known max_pfn. With the API probes (fentry, kprobe) BPF must also tell a
 * kept block by the pointer or address an API probe sees: on amd64 from the
 * kernel's memmap and direct-map bases and the struct page size; on i386
 * and ARM32 (no data symbols in kallsyms) from the struct page size, BPF
 * learning both bases from the allocator's own pairs. Without them it would
 * have to send every return and free, so it pairs nothing. at->pair_why
 * says why not, for the start-up list.
 */
static void pair_configure(struct attacher *at, const struct pt_options *opt,
			   const struct pt_kernel_info *ki, const struct ksyms *ks)
{
	struct pagetrack_bpf *skel = at->skel;
	bool api = at->probes[P_FREE_PAGES].target || at->probes[P_ALLOC_RET].target;
	uint64_t pfns = (ki->max_pfn + 64) & ~63ULL;
#ifdef PT_PAIR_BYTES
	bool bases = ki->struct_page_size;

	if (pfns > PT_PAIR_MAX_PFNS)
		pfns = PT_PAIR_MAX_PFNS;
#else
	bool bases = ks->memmap_var && ks->direct_var && ki->struct_page_size;
#endif

	at->pair_why = opt->record_path ? "--record keeps every event" :
		       !ki->max_pfn ? "the highest pfn is unknown (/proc/zoneinfo)" :
		       pfns > PT_PAIR_MAX_PFNS ? "more RAM than the bitmap's 2 TiB" :
		       api && !bases ? "the API probes need where struct pages and the direct map live (vmemmap_base, page_offset_base in kallsyms; the struct page size in BTF)" :
		       NULL;
	at->paired = !at->pair_why;
	at->pair_bytes = at->paired ? pair_map_bytes(pfns, api) : 0;
	skel->rodata->pair_on = at->paired;
	skel->rodata->pair_pfns = at->paired ? pfns : 0;
	skel->rodata->pair_api = at->paired && api;
	bpf_map__set_max_entries(skel->maps.pair_bits, at->paired ? pfns / 64 : 1);
#ifndef PT_PAIR_BYTES
	skel->rodata->direct_var = at->paired ? ks->direct_var : 0;
	bpf_map__set_max_entries(skel->maps.pair_told, at->paired && api ? pfns / 64 : 1);
#endif
}

int attacher_prepare(struct attacher *at, const struct pt_options *opt,
		     const struct pt_kernel_info *ki, const struct ksyms *ks, struct pt_config *cfg)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opt->btf_path);
	bool use_kprobes;
	int i;

	if (!tracefs_dir() || !tracepoint_exists("kmem", "mm_page_alloc") ||
	    !tracepoint_exists("kmem", "mm_page_free")) {
		pt_err("nothing attachable: no kmem:mm_page_alloc/mm_page_free tracepoints (is tracefs available?)");
		return -1;
	}
	at->skel = pagetrack_bpf__open_opts(&open_opts);
	if (!at->skel) {
		pt_err("cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	init_tables(at->skel, at->probes, at->tps);
	configure(at, opt, ki, ks, cfg);

	/* fentry/fexit where the kernel can (auto, fentry), else kprobes. */
	at->fentry = false;
	if (!strcmp(opt->attach, "fentry") || !strcmp(opt->attach, "auto")) {
		const char *ft = ksyms_has(ks, "__free_pages") ? "__free_pages" : "free_pages";

		at->fentry = fentry_works(at->btf, ft);
		if (!at->fentry && !strcmp(opt->attach, "fentry")) {
			pt_err("--attach fentry: this kernel cannot attach fentry programs (no BTF or no BPF trampoline); use --attach kprobe or auto");
			return -1;
		}
	}
	use_kprobes = want_kprobes(opt->attach) || at->fentry;
	at->klocal = klocal_prepare(&at->kl, opt, ki, ks, at->btf, use_kprobes);
	klocal_configure(at, opt->no_stacks);
	freestack_configure(at->skel, ki->struct_page_size);
	resolve_probes(at, opt, ks, use_kprobes);
	pair_configure(at, opt, ki, ks);
#ifndef PT_PAIR_BYTES
	bpf_program__set_autoload(at->skel->progs.pagetrack_read_bases, at->skel->rodata->pair_api);
#endif
	modscope_prepare(at->skel, use_kprobes, ks);
	dma_attach_prepare(&at->dma, at->skel, at->btf, ks, at->fentry, use_kprobes);
	if (!strcmp(opt->attach, "kprobe") && !at->probes[P_FREE_PAGES].target) {
		pt_err("--attach kprobe: cannot probe __free_pages (%s)",
		       at->probes[P_FREE_PAGES].why ? at->probes[P_FREE_PAGES].why : "unknown");
		return -1;
	}
	for (i = 0; i < T_NTPS; i++) {
		struct tp *t = &at->tps[i];

		t->ok = tracepoint_exists(t->cat, t->name) && (i != T_KL_EXIT || at->klocal);
		bpf_program__set_autoload(t->prog, t->ok);
	}
	return 0;
}

/*
 * Where struct pages and the direct map live, as BPF reads them for its
 * pairing (api.bpf.h): with both, the analyzer maps every pointer from the
 * first event, and the allocator return probes, a trampoline or kretprobe
 * on every allocation that would only teach it the same, are not attached.
 * Left 0 where the kernel cannot run the program (BPF_PROG_TEST_RUN of a
 * raw tracepoint program: 5.10+): the returns teach it, as on i386.
 */
static void read_bases(struct attacher *at)
{
#ifndef PT_PAIR_BYTES
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct bpf_program *prog = at->skel->progs.pagetrack_read_bases;

	if (!bpf_program__autoload(prog) ||
	    bpf_prog_test_run_opts(bpf_program__fd(prog), &topts))
		return;
	if (at->skel->bss->read_memmap && at->skel->bss->read_direct) {
		at->memmap_base = at->skel->bss->read_memmap;
		at->direct_base = at->skel->bss->read_direct;
	}
#else
	(void)at;
#endif
}

int attacher_load(struct attacher *at, const struct pt_options *opt)
{
	int err = pagetrack_bpf__load(at->skel);

	if (err) {
		pt_err("loading the BPF programs failed: %s%s", strerror(-err),
		       opt->verbose ? "" : " (run with -v for the verifier log)");
		return -1;
	}
	read_bases(at);
	return 0;
}

int attacher_attach(struct attacher *at, const struct pt_options *opt)
{
	struct probe *probes = at->probes;
	int i;

	for (i = 0; i < T_NTPS; i++) {
		struct tp *t = &at->tps[i];

		if (!t->ok)
			continue;
		t->link = bpf_program__attach_tracepoint(t->prog, t->cat, t->name);
		if (!t->link) {
			t->ok = false;
			if (t->required) {
				pt_err("cannot attach tracepoint %s:%s: %s", t->cat, t->name,
				       strerror(errno));
				return -1;
			}
		}
	}
	for (i = 0; i < P_NPROBES; i++) {
		struct probe *p = &probes[i];

		if (!p->target)
			continue;
		if (at->direct_base && (i == P_ALLOC_RET || i == P_GFP_RET)) {
			at->returns_skipped = at->returns_dropped = true;
			continue;
		}
		if (p->fprog)
			p->link = bpf_program__attach_trace(p->fprog);
		else
			p->link = bpf_program__attach_kprobe(p->prog, p->retprobe, p->target);
		if (!p->link)
			p->why = "attach failed";
	}
	modscope_start(at->skel, opt, at->tps[T_MOD_LOAD].link, at->tps[T_MOD_UNLOAD].link);
	dma_attach_attach(&at->dma);
	at->api_events = probes[P_FREE_PAGES].link &&
			 (probes[P_ALLOC_RET].link || at->returns_skipped);
	at->mode = !at->api_events ? "tracepoint" : probes[P_FREE_PAGES].fprog ? "fentry" : "kprobe";
	at->module_syms = probes[P_MOD_INIT].link != NULL;
	if ((!strcmp(opt->attach, "kprobe") || !strcmp(opt->attach, "fentry")) && !at->api_events) {
		pt_err("--attach %s: the allocator probes did not attach", opt->attach);
		return -1;
	}
	return 0;
}

void attacher_detach(struct attacher *at)
{
	int i;

	struct bpf_link *links[P_NPROBES + T_NTPS];
	unsigned int n = 0;

	modscope_detach();
	dma_attach_detach(&at->dma);
	for (i = 0; i < P_NPROBES; i++) {
		links[n++] = at->probes[i].link;
		at->probes[i].link = NULL;
	}
	for (i = 0; i < T_NTPS; i++) {
		links[n++] = at->tps[i].link;
		at->tps[i].link = NULL;
	}
	links_destroy(links, n);
}

bool attacher_drop_returns(struct attacher *at, bool user_knows)
{
#ifdef PT_TARGET_ARM
	(void)at;
	(void)user_knows;
	return false;
#else
	struct bpf_link *links[2];

	if (at->returns_dropped)
		return true;
	if (!user_knows || (!at->probes[P_ALLOC_RET].link && !at->probes[P_GFP_RET].link))
		return false;
#ifdef PT_PAIR_BYTES
	/* BPF's pairing learns its bases from the same returns (pair.bpf.h). */
	if (at->skel->rodata->pair_api &&
	    (!*(volatile __u32 *)&at->skel->bss->pair_page0 ||
	     !*(volatile __u32 *)&at->skel->bss->pair_direct0))
		return false;
#endif
	links[0] = at->probes[P_ALLOC_RET].link;
	links[1] = at->probes[P_GFP_RET].link;
	at->probes[P_ALLOC_RET].link = NULL;
	at->probes[P_GFP_RET].link = NULL;
	links_destroy(links, 2);
	at->returns_dropped = true;
	return true;
#endif
}

uint64_t attacher_probe_misses(const struct attacher *at)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, at->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

void attacher_free(struct attacher *at)
{
	attacher_detach(at);
	pagetrack_bpf__destroy(at->skel);
	at->skel = NULL;
	btf__free(at->btf);
	at->btf = NULL;
}

/* ---- the start-up list of detections ---- */

static const char *probe_state(const struct probe *p)
{
	return p->link ? "on" : "off";
}

/* The first probe of a group that did not attach, for a detection's "off:" reason. */
static const char *first_off(const struct probe *p, const int *group, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!p[group[i]].link)
			return p[group[i]].why ? p[group[i]].why : p[group[i]].what;
	return "not attached";
}

static bool klocal_on(const struct probe *p, const struct tp *t)
{
	return p[P_KL_MAP].link && p[P_KL_UNMAP].link && t[T_KL_EXIT].link;
}

/* The first line: mode, kernel, struct page, stacks. */
static void print_mode(const struct attacher *at, const struct pt_kernel_info *ki,
		       const struct pt_options *opt)
{
	fprintf(stderr, "pagetrack: attach mode %s on %s (%s), struct page %u bytes, %s%s\n",
		at->mode, ki->release, pt_arch_name(ki->arch), ki->struct_page_size,
		opt->no_stacks ? "no stacks" :
		opt->no_free_stacks ? "stacks for allocations only" : "with stacks",
		opt->no_stacks || !sampled(opt) ? "" :
		opt->no_free_stacks ? " (sampled: per-site pages are estimates)" :
		" (sampled: per-site pages are estimates; frees unwind where a finding uses it)");
}

/* Page blocks: leak, order_mismatch, double_free, bad_free, partial_free. */
static void print_page_kinds(const struct probe *p, bool api, const char *memmap)
{
	fprintf(stderr, "  leak: on (kmem tracepoints)\n");
	fprintf(stderr, "  order_mismatch: on (%s)\n",
		api ? "order claimed at __free_pages/free_pages entry" :
		"tracepoint orders: an order-0 free at a block head cannot be judged");
	fprintf(stderr, "  double_free: %s\n", api ? "on (refcount at __free_pages entry)" :
		"off: needs a kprobe on __free_pages (a repeated tracepoint free is not proof: bulk allocations are untraced)");
	if (p[P_FREE_ADDR].link && api && memmap)
		fprintf(stderr, "  bad_free: on (struct pages at %s, read from the kernel)\n", memmap);
	else
		fprintf(stderr, "  bad_free: %s\n", p[P_FREE_ADDR].link && api ?
			"on (where struct pages live is learned from allocations)" :
			"off: needs kprobes on free_pages and __free_pages");
	fprintf(stderr, "  partial_free: %s\n", api ? "on" :
		"off: needs kprobes on __free_pages and __alloc_pages");
}

/* Pairing in BPF: on (and its map's size) or why not. */
static void print_pairing(const struct attacher *at)
{
	if (!at->paired) {
		fprintf(stderr, "  pairing in BPF: off: %s\n", at->pair_why ? at->pair_why : "not set up");
		return;
	}
	fprintf(stderr, "  pairing in BPF: on (order-0 blocks not unwound are never sent; %llu KiB of map, a %s per page%s)\n",
		(unsigned long long)(at->pair_bytes + 1023) / 1024,
#ifdef PT_PAIR_BYTES
		"byte", at->api_events ? "; where struct pages and the direct map live is learnt from the first allocations" : ""
#else
		"bit", ""
#endif
		);
}

/* Mappings: tail pages mapped to users, kmap, kmap_local. */
static void print_map_kinds(const struct attacher *at, const struct pt_kernel_info *ki,
			    const struct pt_options *opt)
{
	const struct probe *p = at->probes;
	bool highmem = ki->last_pkmap > 0;

	if (p[P_FINISH_FAULT].link || p[P_VM_INSERT].link)
		fprintf(stderr, "  tail_page_mapped: on (finish_fault %s, vm_insert_page %s)\n",
			probe_state(&p[P_FINISH_FAULT]), probe_state(&p[P_VM_INSERT]));
	else
		fprintf(stderr, "  tail_page_mapped: off: %s\n", p[P_FINISH_FAULT].why ?
			p[P_FINISH_FAULT].why : "not attached");
	if (!highmem)
		fprintf(stderr, "  kmap tracking: not applicable, kernel has no HIGHMEM (no kmap_high)\n");
	else if (p[P_KMAP].link && p[P_KMAP_RET].link && p[P_KUNMAP].link)
		fprintf(stderr, "  kmap tracking: on (LAST_PKMAP %u, pressure at %u%%)\n",
			ki->last_pkmap, opt->pkmap_pct);
	else
		fprintf(stderr, "  kmap tracking: off: %s\n",
			first_off(p, (const int[]){ P_KMAP, P_KMAP_RET, P_KUNMAP }, 3));
	if (!highmem)
		fprintf(stderr, "  kmap_local tracking: not applicable, kernel has no HIGHMEM (kmap_local_page is page_address)\n");
	else if (klocal_on(p, at->tps))
		fprintf(stderr, "  kmap_local tracking: on (KM_MAX_IDX %u, depth warning at %u, paired in BPF; map stacks %s)\n",
			at->kl.km_max, at->kl.deep, p[P_KL_MAP_ENTRY].link ? "on" :
			opt->no_stacks ? "off: --no-stacks" : "off: no entry probe on __kmap_local_pfn_prot");
	else
		fprintf(stderr, "  kmap_local tracking: off: %s\n", at->kl.why ? at->kl.why :
			"__kmap_local_pfn_prot, kunmap_local_indexed or sched_process_exit not attached");
}

/* -m: how much of a module's life the scope follows. */
static const char *module_scope(const struct probe *p, const struct tp *t)
{
	if (p[P_MOD_INIT].link && p[P_MOD_INIT_RET].link && t[T_MOD_FREE].ok)
		return t[T_MOD_UNLOAD].ok ?
		       "on (core and init text and functions at do_init_module, init text until do_init_module returns, exit function from delete_module, follows unload)" :
		       "on (core and init text and functions at do_init_module, init text until do_init_module returns, follows unload; no syscalls:sys_enter_delete_module: a free the exit function makes as its last call is not named)";
	if (p[P_MOD_INIT].link && t[T_MOD_FREE].ok)
		return "on (text range and functions at do_init_module, follows unload; init text not followed: no do_init_module return probe)";
	if (t[T_MOD_LOAD].ok && t[T_MOD_FREE].ok)
		return "on (follows load and unload; ranges read from /proc/modules)";
	return "ranges from /proc/modules only: no module tracepoints";
}

void attacher_print_detections(const struct attacher *at, const struct pt_kernel_info *ki,
			       const struct pt_options *opt, const char *memmap)
{
	const struct probe *p = at->probes;
	const struct tp *t = at->tps;

	print_mode(at, ki, opt);
	print_page_kinds(p, at->api_events, memmap);
	print_pairing(at);
	print_map_kinds(at, ki, opt);
	fprintf(stderr, "  remap_failed: %s%s\n",
		p[P_REMAP].link && p[P_REMAP_RET].link ? "on" : "off: ",
		p[P_REMAP].link && p[P_REMAP_RET].link ? "" :
		first_off(p, (const int[]){ P_REMAP, P_REMAP_RET }, 2));
	fprintf(stderr, "  SIGBUS after remap: %s\n", t[T_SIGNAL].ok ? "on" :
		"off: no signal:signal_generate tracepoint");
	if (opt->nmodules)
		fprintf(stderr, "  module scope: %s%s\n", module_scope(p, t), modscope_note());
	dma_attach_print(&at->dma);
}
