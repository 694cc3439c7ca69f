// SPDX-License-Identifier: GPL-2.0
/*
 * -m: what makes module scope cheap. BPF unwinds an allocation for scope only
 * while a watched module is loaded: it follows module_load (before the
 * module's init runs) and module_free itself, and blocks unwound meanwhile
 * are marked so that their frees unwind after the unload too. User space only
 * names the modules, says which are loaded when tracing starts, and opens the
 * gate for good where the kernel cannot tell it about loads.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ksyms.h"
#include "modscope.h"
#include "pagetrack.skel.h"

_Static_assert(PT_MAX_MODULES <= PT_SCOPE_MODS, "BPF follows every -m module");

static const char *note = "";

void modscope_setup(struct pagetrack_bpf *skel, const struct pt_options *opt)
{
	unsigned int i;

	if (!opt->nmodules || opt->no_stacks)
		return;
	skel->rodata->scope_gate = true;
	skel->rodata->lean_frees = true;
	skel->rodata->scope_nmods = opt->nmodules;
	for (i = 0; i < opt->nmodules; i++)
		/* Zero-padded: BPF compares whole words. */
		strncpy((char *)skel->rodata->scope_names[i], opt->modules[i], PT_MODNAME_LEN - 1);
}

struct loaded_scan {
	struct pagetrack_bpf *skel;
	const struct pt_options *opt;
};

static void mark_loaded(void *ctx, const char *name, uint64_t base, uint64_t size)
{
	struct loaded_scan *ls = ctx;
	unsigned int i;

	(void)base;
	(void)size;
	for (i = 0; i < ls->opt->nmodules; i++)
		if (!strcmp(ls->opt->modules[i], name))
			ls->skel->bss->scope_loaded[i] = true;
}

/*
 * After the module tracepoints are attached: a module that loads from now
 * on is seen by BPF, one loaded before is in /proc/modules. Until then BPF
 * unwinds everything (scope_open starts true). A module that unloads
 * between the two stays marked loaded: more unwinding, never less.
 */
void modscope_start(struct pagetrack_bpf *skel, const struct pt_options *opt, bool follows)
{
	struct loaded_scan ls = { skel, opt };

	if (!skel->rodata->scope_gate)
		return;
	/* /proc/modules exists exactly when the kernel has CONFIG_MODULES. */
	if (access("/proc/modules", F_OK)) {
		note = "; this kernel cannot load modules (no /proc/modules): nothing unwinds for scope";
		skel->data->scope_open = false;
		return;
	}
	if (!follows) {
		note = "; every allocation unwinds: no module_load tracepoint tells when a watched module loads";
		return;
	}
	note = "; allocations unwind only while a watched module is loaded";
	modules_scan("/proc/modules", mark_loaded, &ls);
	skel->data->scope_open = false;
}

const char *modscope_note(void)
{
	return note;
}

void modscope_report(const struct pagetrack_bpf *skel, const uint64_t *cnt)
{
	if (!skel->rodata->scope_gate)
		return;
	fprintf(stderr, "pagetrack: module scope: %llu allocations unwound (a watched module loaded, or starting), %llu not (none loaded)\n",
		(unsigned long long)cnt[PT_CNT_SCOPE_UNWIND],
		(unsigned long long)cnt[PT_CNT_SCOPE_SKIP]);
}
