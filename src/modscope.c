// SPDX-License-Identifier: GPL-2.0
/*
 * -m: what makes module scope cheap. BPF unwinds an allocation for scope only
 * while a watched module is loaded: it follows module_load (before the
 * module's init runs) and module_free itself, and blocks unwound meanwhile
 * are marked so that their frees unwind after the unload too. For a module
 * loaded before tracing starts, an entry probe on each of its functions
 * narrows that to the tasks that may be inside it (bpf/gates.bpf.h,
 * scope_wanted).
 * User space names the modules, says which are loaded when tracing starts,
 * puts the entry probes on and takes them off, and opens the gate for good
 * where the kernel cannot tell it about loads. It must not read events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>
#include "kinfo.h"
#include "ksyms.h"
#include "modscope.h"
#include "links.h"
#include "pagetrack.skel.h"

_Static_assert(PT_MAX_MODULES <= PT_SCOPE_MODS, "BPF follows every -m module");

/* A module with more functions than this keeps unwinding every allocation. */
#define MAX_ENTRY_PROBES	4096

/* The entry probes of one watched module's current load. */
struct mod_probes {
	struct bpf_link **links;
	unsigned int n;
	uint32_t gen;		/* the load they belong to (BPF's scope_gen) */
	bool on;		/* links belong to load gen */
	unsigned int refused;	/* notrace functions left without one, all loads */
	bool failed;		/* that load keeps unwinding everything */
};

static struct mod_probes mods[PT_SCOPE_MODS];
static const char *note = "";
static const char *why_not = "";	/* why entry probes are off, or failed */
static unsigned int loads_probed;
static bool exit_followed;		/* sys_enter_delete_module is attached */
static const struct ksyms *syms;	/* the session's kallsyms table */
static char refused_note[200];		/* notrace functions of modules probed at start */

void modscope_setup(struct pagetrack_bpf *skel, const struct pt_options *opt)
{
	unsigned int i;
	struct rlimit nofile;

	if (!opt->nmodules || opt->no_stacks)
		return;
	/* An entry probe is a file descriptor: one per function of a module. */
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	skel->rodata->scope_gate = true;
	skel->rodata->lean_frees = true;
	skel->rodata->scope_nmods = opt->nmodules;
	for (i = 0; i < opt->nmodules; i++)
		/* Zero-padded: BPF compares whole words. */
		strncpy((char *)skel->rodata->scope_names[i], opt->modules[i], PT_MODNAME_LEN - 1);
}

void modscope_prepare(struct pagetrack_bpf *skel, bool kprobes, const struct ksyms *ks)
{
	bool on = skel->rodata->scope_gate && kprobes && PT_BUILD_ARCH != PT_ARCH_ARMHF;

	if (skel->rodata->scope_gate && !on)
		why_not = PT_BUILD_ARCH == PT_ARCH_ARMHF ?
			  " (ARM32: stacks cannot be taken at the allocation tracepoint)" :
			  " (entry probes need kprobes)";
	syms = ks;
	skel->rodata->scope_marks = on;
	bpf_program__set_autoload(skel->progs.pagetrack_scope_enter, on);
	if (!on)
		bpf_map__set_max_entries(skel->maps.scope_checked, 1);
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

struct live_module {
	const char *name;
	uint64_t base, size;
};

static void find_live(void *ctx, const char *name, uint64_t base, uint64_t size)
{
	struct live_module *lm = ctx;

	if (!strcmp(name, lm->name)) {
		lm->base = base;
		lm->size = size;
	}
}

/* A function of a watched module, from the kernel's symbols. */
struct mod_func {
	uint64_t addr;
	const char *name;	/* in syms: freed with it, used at once */
	bool exit;		/* the module's exit function (cleanup_module) */
};

static bool in_module(const struct ksym *s, const char *name, uint64_t base, uint64_t size)
{
	return s->module && s->addr >= base && s->addr - base < size && !strcmp(s->module, name);
}

/*
 * Functions of module name inside [base, base + size), from the kallsyms
 * table the session already holds, one per address (aliases such as
 * cleanup_module folded into it; syms are sorted by address).
 */
static int module_functions(const struct ksyms *ks, const char *name, uint64_t base,
			    uint64_t size, struct mod_func **out, unsigned int *n)
{
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < ks->n; i++)
		k += in_module(&ks->syms[i], name, base, size);
	if (!k)
		return -ENOENT;
	if (k > MAX_ENTRY_PROBES)
		return -E2BIG;
	*out = calloc(k, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];
		bool exit = !strcmp(s->name, "cleanup_module");

		if (!in_module(s, name, base, size))
			continue;
		if (*n && (*out)[*n - 1].addr == s->addr) {
			(*out)[*n - 1].exit |= exit;
			continue;
		}
		(*out)[*n].addr = s->addr;
		(*out)[*n].name = s->name;
		(*out)[(*n)++].exit = exit;
	}
	return 0;
}

static void probes_off(struct mod_probes *mp)
{
	links_destroy(mp->links, mp->n);
	free(mp->links);
	mp->links = NULL;
	mp->n = 0;
	mp->on = false;
}

/* Up to PT_MODNAME_LEN bytes of names the kernel would not probe, for the note. */
static void note_refused(char *list, size_t len, unsigned int *nref, const char *fn)
{
	size_t used = strlen(list);

	if ((*nref)++ < 4)
		snprintf(list + used, len - used, "%s%s", used ? ", " : "", fn);
	else if (*nref == 5)
		snprintf(list + used, len - used, ", ...");
}

struct probe_work {
	struct bpf_program *prog;
	const struct mod_func *funcs;
	struct bpf_link **links;	/* links[k]: function k's, or NULL */
	int *errs;			/* errs[k]: errno of a refused attach */
};

/* Function k's entry probe (run beside the others: links_parallel). */
static void probe_one(unsigned int k, void *arg)
{
	struct probe_work *pw = arg;
	/* By address: a module may hold two static functions of one name. */
	LIBBPF_OPTS(bpf_kprobe_opts, o, .offset = (size_t)pw->funcs[k].addr);

	if (pw->funcs[k].exit && exit_followed)
		return;
	pw->links[k] = bpf_program__attach_kprobe_opts(pw->prog, NULL, &o);
	if (!pw->links[k])
		pw->errs[k] = errno;
}

/*
 * An entry probe on every function of watched module i's load gen. The
 * kernel refuses notrace functions (EINVAL): __exit code, whose thread is
 * known anyway (sys_enter_delete_module drops its check), and out-of-line
 * copies of header inlines (the kernel's inline is notrace), which the
 * module's own, probed code calls. Any other failure leaves the module
 * unwinding everything.
 */
static void probes_on(struct pagetrack_bpf *skel, const char *name, unsigned int i, uint32_t gen)
{
	struct mod_probes *mp = &mods[i];
	struct live_module lm = { .name = name };
	struct mod_func *funcs;
	char refused[160] = "";
	const char *bad = NULL;
	unsigned int n, k, nref = 0;
	int err, *errs = NULL;

	modules_scan_live("/proc/modules", find_live, &lm);
	if (!lm.base)
		return;		/* init still running: try at the next poll */
	mp->gen = gen;
	err = module_functions(syms, name, lm.base, lm.size, &funcs, &n);
	if (!err && !(mp->links = calloc(n, sizeof(*mp->links))))
		err = -ENOMEM;
	if (!err && !(errs = calloc(n, sizeof(*errs))))
		err = -ENOMEM;
	if (!err) {
		struct probe_work pw = { skel->progs.pagetrack_scope_enter, funcs, mp->links, errs };

		links_parallel(n, probe_one, &pw);
	}
	/* In the functions' order, as if attached one by one; every link
	 * kept, so that a failure detaches them all. */
	for (k = 0; errs && k < n; k++) {
		if (mp->links[k])
			mp->links[mp->n++] = mp->links[k];
		else if (errs[k] == EINVAL && !funcs[k].exit)
			note_refused(refused, sizeof(refused), &nref, funcs[k].name);
		else if (errs[k] && !err) {
			err = -errs[k];
			bad = funcs[k].name;
		}
	}
	free(errs);
	if (!err && !mp->n)
		err = -EINVAL;
	free(funcs);
	if (err) {
		probes_off(mp);
		mp->failed = true;
		pt_err("warning: -m %s: no entry probes (%s%s%s): every allocation unwinds while it is loaded",
		       name, err == -E2BIG ? "over 4096 functions" : strerror(-err),
		       bad ? ", at " : "", bad ? bad : "");
		return;
	}
	if (nref && !refused_note[0])
		snprintf(refused_note, sizeof(refused_note),
			 "; %s: %u notrace function(s) without one (%s), seen through their callers in the module, not as callbacks from outside",
			 name, nref, refused);
	mp->refused += nref;
	mp->on = true;
	skel->bss->scope_lo[i] = lm.base;
	skel->bss->scope_len[i] = lm.size;
	/* Every task is checked again, now that no call into i goes unseen. */
	__atomic_fetch_add(&skel->bss->scope_epoch, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&skel->bss->scope_marked[i], gen + 1, __ATOMIC_SEQ_CST);
	loads_probed++;
}

void modscope_poll(struct pagetrack_bpf *skel, const struct pt_options *opt)
{
	unsigned int i;

	if (!skel->rodata->scope_marks)
		return;
	for (i = 0; i < opt->nmodules; i++) {
		struct mod_probes *mp = &mods[i];
		/* Read before kallsyms: a load after this read voids the probes. */
		uint32_t gen = __atomic_load_n(&skel->bss->scope_gen[i], __ATOMIC_SEQ_CST);
		bool loaded = skel->bss->scope_loaded[i];

		if ((mp->on || mp->failed) && (!loaded || mp->gen != gen)) {
			probes_off(mp);		/* that load is gone */
			mp->failed = false;
		}
		/*
		 * Only a load from before tracing started (BPF counted no load
		 * since): registering a kprobe holds a reference on the module,
		 * and an rmmod right then fails (EAGAIN), which a test that
		 * loads, runs and unloads would see. A later load unwinds
		 * everything while it stays.
		 */
		if (loaded && !mp->on && !mp->failed && !gen)
			probes_on(skel, opt->modules[i], i, gen);
	}
}

void modscope_detach(void)
{
	unsigned int i;

	for (i = 0; i < PT_SCOPE_MODS; i++)
		probes_off(&mods[i]);
}

/*
 * After the module tracepoints are attached: a module that loads from now
 * on is seen by BPF, one loaded before is in /proc/modules. Until then BPF
 * unwinds everything (scope_open starts true). A module that unloads
 * between the two stays marked loaded: more unwinding, never less.
 */
void modscope_start(struct pagetrack_bpf *skel, const struct pt_options *opt, bool follows,
		    bool exits)
{
	struct loaded_scan ls = { skel, opt };

	exit_followed = exits;
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
	note = skel->rodata->scope_marks ?
	       "; allocations unwind only while a watched module is loaded, and for one loaded before tracing started only in tasks that called into it (entry probes on its functions)" :
	       "; allocations unwind only while a watched module is loaded";
	modules_scan("/proc/modules", mark_loaded, &ls);
	skel->data->scope_open = false;
	modscope_poll(skel, opt);
}

const char *modscope_note(void)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", note, refused_note);
	return buf;
}

static unsigned int refused_total(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < PT_SCOPE_MODS; i++)
		n += mods[i].refused;
	return n;
}

void modscope_report(const struct pagetrack_bpf *skel, const uint64_t *cnt)
{
	if (!skel->rodata->scope_gate)
		return;
	fprintf(stderr, "pagetrack: module scope: %llu allocations unwound (a watched module loaded and maybe on the stack, or starting), %llu not\n",
		(unsigned long long)cnt[PT_CNT_SCOPE_UNWIND],
		(unsigned long long)cnt[PT_CNT_SCOPE_SKIP]);
	if (skel->rodata->scope_marks)
		fprintf(stderr, "pagetrack: module scope: entry probes on %u load(s) (%u notrace functions without); %llu calls into watched functions, %llu stack checks\n",
			loads_probed, refused_total(), (unsigned long long)cnt[PT_CNT_SCOPE_ENTER],
			(unsigned long long)cnt[PT_CNT_SCOPE_CHECK]);
	else if (*why_not)
		fprintf(stderr, "pagetrack: module scope: no entry probes%s\n", why_not);
}
