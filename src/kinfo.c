// SPDX-License-Identifier: GPL-2.0
/*
 * Facts about the running kernel that decide what can be attached: pkmap
 * size, max pfn, struct page size (from BTF), tracefs, kprobe blacklist.
 * Reads /proc and /sys only; loads and attaches nothing. Needs libbpf (BTF
 * parsing), so it is outside the core library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "kinfo.h"

static uint64_t zoneinfo_max_pfn(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	unsigned long long spanned = 0, start, max = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " spanned %llu", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %llu", &start) == 1 && spanned &&
		    start + spanned - 1 > max)
			max = start + spanned - 1;
	}
	fclose(f);
	return max;
}

static const struct ksym *ksym_exact(const struct ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!ks->syms[i].module && !strcmp(ks->syms[i].name, name))
			return &ks->syms[i];
	return NULL;
}

bool ksyms_has(const struct ksyms *ks, const char *name)
{
	return ksym_exact(ks, name) != NULL;
}

/* LAST_PKMAP is the length of int pkmap_count[]: the distance to the next
 * data symbol, rounded down to a power of two (PAE: 512, else 1024). */
static unsigned int last_pkmap(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long addr, pk = 0, next = 0;
	char line[512], name[256], type;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (!strcmp(name, "pkmap_count"))
			pk = addr;
		else if (pk && addr > pk && (!next || addr < next))
			next = addr;
	}
	fclose(f);
	if (!pk || !next)
		return 0;
	{
		unsigned long long n = (next - pk) / sizeof(int), p = 1;

		while (p * 2 <= n)
			p *= 2;
		return p >= 64 ? (unsigned int)p : 0;
	}
}

const char *pt_arch_name(uint32_t arch)
{
	switch (arch) {
	case PT_ARCH_AMD64: return "amd64";
	case PT_ARCH_I386: return "i386";
	case PT_ARCH_ARMHF: return "armhf";
	default: return "unknown";
	}
}

void kinfo_probe(struct pt_kernel_info *ki, const struct ksyms *ks)
{
	struct utsname u;

	memset(ki, 0, sizeof(*ki));
	if (!uname(&u)) {
		snprintf(ki->release, sizeof(ki->release), "%.63s", u.release);
		if (!strcmp(u.machine, "x86_64"))
			ki->arch = PT_ARCH_AMD64;
		else if (u.machine[0] == 'i' && !strcmp(u.machine + 2, "86"))
			ki->arch = PT_ARCH_I386;
		else if (!strncmp(u.machine, "armv7", 5) || !strncmp(u.machine, "armv8", 5))
			ki->arch = PT_ARCH_ARMHF;
	}
	ki->page_shift = __builtin_ctz((unsigned int)sysconf(_SC_PAGESIZE));
	ki->max_pfn = zoneinfo_max_pfn();
	if (ksyms_has(ks, "kmap_high"))
		ki->last_pkmap = last_pkmap();
}

/* Size of a BTF type after typedefs, 0 if unknown. */
static unsigned int btf_type_size(const struct btf *btf, const char *name, int kind)
{
	int id = btf__find_by_name_kind(btf, name, kind);

	if (id < 0)
		return 0;
	id = btf__resolve_type(btf, id);
	return id < 0 ? 0 : (unsigned int)btf__resolve_size(btf, id);
}

void kinfo_from_btf(struct pt_kernel_info *ki, const struct ksyms *ks, const struct btf *btf)
{
	ki->struct_page_size = btf_type_size(btf, "page", BTF_KIND_STRUCT);
	/*
	 * Without CONFIG_KALLSYMS_ALL (Debian i386, armhf) pkmap_count is not
	 * in kallsyms. x86_32 has LAST_PKMAP 512 with PAE (64-bit ptes), else
	 * 1024; ARM has PTRS_PER_PTE, 512 with and without LPAE.
	 */
	if (!ki->last_pkmap && ki->arch == PT_ARCH_I386 && ksyms_has(ks, "kmap_high"))
		ki->last_pkmap = btf_type_size(btf, "pteval_t", BTF_KIND_TYPEDEF) == 8 ? 512 : 1024;
	if (!ki->last_pkmap && ki->arch == PT_ARCH_ARMHF && ksyms_has(ks, "kmap_high"))
		ki->last_pkmap = 512;
}

const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (!stat(p, &st))
			return dirs[i];
	}
	if (!mount("nodev", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

bool tracepoint_exists(const char *category, const char *event)
{
	const char *dir = tracefs_dir();
	char p[256];

	if (!dir)
		return false;
	snprintf(p, sizeof(p), "%s/events/%s/%s/id", dir, category, event);
	/* Effective ids and capabilities: CAP_DAC_READ_SEARCH counts, not uid 0. */
	return !faccessat(AT_FDCWD, p, R_OK, AT_EACCESS);
}

static bool blacklisted(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "r");
	char line[256], sym[200];
	bool hit = false;

	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %199s", sym) == 1 && !strcmp(sym, name))
			hit = true;
	fclose(f);
	return hit;
}

bool kprobes_available(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", R_OK);
}

bool kprobe_possible(const struct ksyms *ks, const char *name, const char **why)
{
	if (!kprobes_available()) {
		*why = "kernel has no kprobes";
		return false;
	}
	if (!ksyms_has(ks, name)) {
		*why = "symbol not in this kernel";
		return false;
	}
	if (blacklisted(name)) {
		*why = "symbol is on the kprobe blacklist";
		return false;
	}
	return true;
}

bool ksyms_range(const struct ksyms *ks, const char *name, uint64_t *lo, uint64_t *hi)
{
	const struct ksym *s = ksym_exact(ks, name);

	if (!s)
		return false;
	*lo = s->addr;
	/* Sorted by address: the next higher symbol ends it. */
	*hi = s->addr + 1;
	for (; s < ks->syms + ks->n; s++)
		if (s->addr > *lo) {
			*hi = s->addr;
			break;
		}
	return true;
}

static bool enum_value(const struct btf *btf, const char *type, const char *name, uint32_t *v)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;
	int i;

	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
			*v = (uint32_t)e->val;
			return true;
		}
	return false;
}

bool kinfo_klocal(const struct btf *btf, uint32_t *fix_begin, uint32_t *fix_end,
		  uint32_t *km_max)
{
	int id = btf__find_by_name_kind(btf, "kmap_ctrl", BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;
	int i;

	if (id < 0 || !enum_value(btf, "fixed_addresses", "FIX_KMAP_BEGIN", fix_begin) ||
	    !enum_value(btf, "fixed_addresses", "FIX_KMAP_END", fix_end) || *fix_end <= *fix_begin)
		return false;
	/* KM_MAX_IDX is the length of kmap_ctrl.pteval[]. */
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *a = btf__type_by_id(btf, m->type);

		if (strcmp(btf__name_by_offset(btf, m->name_off), "pteval") || !btf_is_array(a))
			continue;
		*km_max = btf_array(a)->nelems;
		return *km_max > 0;
	}
	return false;
}
