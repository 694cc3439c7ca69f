/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Facts about the running kernel that the analyzer and the probes need
 * (kinfo.c: live only, uses libbpf's BTF reader; replay takes them from the
 * recording's header instead).
 */
#ifndef PT_KINFO_H
#define PT_KINFO_H

#include <stdbool.h>
#include <bpf/btf.h>
#include "analyzer.h"
#include "ksyms.h"

/* arch, page size, max pfn, LAST_PKMAP (from kallsyms), release. */
void kinfo_probe(struct pt_kernel_info *ki, const struct ksyms *ks);
const char *pt_arch_name(uint32_t arch);

/* The kernel arch this build's BPF object is for. */
#if defined(PT_TARGET_I386)
#define PT_BUILD_ARCH PT_ARCH_I386
#elif defined(PT_TARGET_ARM)
#define PT_BUILD_ARCH PT_ARCH_ARMHF
#else
#define PT_BUILD_ARCH PT_ARCH_AMD64
#endif
/* sizeof(struct page), and LAST_PKMAP when kallsyms cannot tell, from BTF. */
void kinfo_from_btf(struct pt_kernel_info *ki, const struct ksyms *ks, const struct btf *btf);
/* Exact name in kallsyms (a text symbol). */
bool ksyms_has(const struct ksyms *ks, const char *name);
/* Is this kernel symbol kprobe-able: present, not blacklisted, PMU there. */
/* The kernel has kprobes (its kprobe PMU). */
bool kprobes_available(void);
bool kprobe_possible(const struct ksyms *ks, const char *name, const char **why);
bool tracepoint_exists(const char *category, const char *event);
/* The tracefs mount point, mounting it if needed; NULL if impossible. */
const char *tracefs_dir(void);

/* [lo, hi) of text symbol name: to the next symbol. */
bool ksyms_range(const struct ksyms *ks, const char *name, uint64_t *lo, uint64_t *hi);
/* kmap_local facts from BTF: FIX_KMAP_BEGIN/END, KM_MAX_IDX; false if none. */
bool kinfo_klocal(const struct btf *btf, uint32_t *fix_begin, uint32_t *fix_end,
		  uint32_t *km_max);

#endif
