/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attacher: the BPF object's life in steps, as retsnoop's mass_attacher.
 * btf (the kernel's or --btf FILE), prepare (configure the object, choose
 * fentry, kprobe or tracepoint per hook), load, attach, detach, free.
 * It must not read or judge events: live.c polls the ring buffer, the
 * session and the analyzer decide.
 */
#ifndef PT_ATTACH_H
#define PT_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/btf.h>
#include "analyzer.h"
#include "attach_dma.h"
#include "ksyms.h"
#include "session.h"

struct pagetrack_bpf;
struct bpf_program;
struct bpf_link;

/* A kprobe-type program and the kernel symbols it may attach to. */
struct probe {
	const char *what;
	struct bpf_program *prog;
	bool retprobe;
	const char *cands[4];
	const char *target;		/* resolved */
	const char *why;		/* why not attached */
	struct bpf_link *link;
	struct bpf_program *fprog;	/* fentry/fexit twin, NULL if none */
};

struct tp {
	const char *cat, *name;
	struct bpf_program *prog;
	bool required;
	struct bpf_link *link;
	bool ok;
};

/* P_ALLOC_ENTRY, P_GFP_ENTRY and P_FREE_LIST_ENTRY (ARM32 allocation and
 * free stacks), P_KMAP, P_REMAP and
 * P_KL_MAP_ENTRY (kmap_local map stacks), attach
 * after their kretprobes: kprobes on one address run newest first, and the
 * stack must be taken before the kretprobe's handler puts its trampoline in
 * the return address (the ARM unwinder stops there). */
enum { P_ALLOC_RET, P_ALLOC_ENTRY, P_GFP_RET, P_GFP_ENTRY, P_FREE_UNREF_ENTRY, P_FREE_OK_ENTRY,
	P_FREE_LIST_RET, P_FREE_LIST_ENTRY, P_FREE_PAGES, P_FREE_ADDR, P_SPLIT, P_KMAP_RET, P_KMAP,
	P_KUNMAP, P_REMAP_RET, P_REMAP, P_FINISH_FAULT, P_VM_INSERT, P_MOD_INIT, P_MOD_INIT_RET,
	P_KL_MAP, P_KL_MAP_ENTRY, P_KL_UNMAP, P_KL_SCHED, P_NPROBES };
enum { T_ALLOC, T_FREE, T_FREE_BATCHED, T_SIGNAL, T_MOD_LOAD, T_MOD_FREE, T_MOD_UNLOAD,
	T_KL_EXIT, T_NTPS };

/* kmap_local: the kernel's slot layout for BPF, or why it is off. */
struct klocal_setup {
	const char *why;
	uint32_t fix_begin, fix_end, km_max, deep;
	uint64_t pp_lo, pp_hi;
};

struct attacher {
	struct pagetrack_bpf *skel;	/* its maps serve the reader: events, counters, stacks */
	struct btf *btf;		/* the kernel's, or --btf FILE */
	bool fentry;			/* prepare: fentry/fexit where BTF has the function */
	bool klocal;			/* prepare: kmap_local is traced */
	bool paired;			/* prepare: order-0 blocks paired in BPF */
	const char *pair_why;		/* prepare: why not, when not */
	uint64_t pair_bytes;		/* prepare: the size of its maps */
	bool api_events;		/* attach: __free_pages and __alloc_pages probes on */
	bool returns_dropped;		/* the allocator return probes detached (below) */
	bool returns_skipped;		/* ... or never attached: BPF read both bases */
	uint64_t memmap_base, direct_base; /* load: read by BPF from the kernel, 0: not */
	bool module_syms;		/* attach: do_init_module on, BPF names module functions */
	const char *mode;		/* attach: "fentry", "kprobe" or "tracepoint" */
	struct klocal_setup kl;
	struct probe probes[P_NPROBES];
	struct tp tps[T_NTPS];
	struct dma_attach dma;		/* prepare, attach: the DMA API probes */
};

/* Preflight: the kernel's BTF or --btf FILE; ki learns what BTF tells. */
int attacher_btf(struct attacher *at, const struct pt_options *opt, struct pt_kernel_info *ki,
		 const struct ksyms *ks);
/*
 * Open the object and configure it; choose each program's hook and target.
 * cfg gets the stack sampling BPF and the analyzer share.
 */
int attacher_prepare(struct attacher *at, const struct pt_options *opt,
		     const struct pt_kernel_info *ki, const struct ksyms *ks, struct pt_config *cfg);
/* Load; then, on 64-bit kernels with the API probes and pairing on, BPF
 * reads where struct pages and the direct map live (memmap_base,
 * direct_base) from the kernel's variables. */
int attacher_load(struct attacher *at, const struct pt_options *opt);
/* Attach every chosen program; sets mode, api_events and module_syms. The
 * allocator return probes are not attached where both bases were read. */
int attacher_attach(struct attacher *at, const struct pt_options *opt);
/* Say which detections are active and why the others are not. */
void attacher_print_detections(const struct attacher *at, const struct pt_kernel_info *ki,
			       const struct pt_options *opt, const char *memmap);
void attacher_detach(struct attacher *at);
/*
 * The allocator return probes (__alloc_pages, __get_free_pages) only teach
 * where struct pages and the direct map live: to user space's analyzer and,
 * on i386, to BPF's pairing. Once user_knows and BPF knows, they are a
 * trampoline or a kretprobe on every allocation for nothing, and are
 * detached. Not on ARM32, whose return probes also drop the allocation
 * stacks their entry probes kept. True once detached.
 */
bool attacher_drop_returns(struct attacher *at, bool user_knows);
/* Runs of our programs the kernel skipped (recursion_misses): a probe that
 * fired while a BPF program ran on its CPU, from an interrupt say. */
uint64_t attacher_probe_misses(const struct attacher *at);
/* Detach, destroy the object, free the BTF; safe on a zeroed attacher. */
void attacher_free(struct attacher *at);

#endif
