// SPDX-License-Identifier: GPL-2.0
/*
 * Live tracing: resolve probe targets, load the CO-RE object, attach, poll
 * the ring buffer into the analyzer, and report at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kinfo.h"
#include "outfile.h"
#include "runas.h"
#include "session.h"
#include "pagetrack.skel.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Our own messages say what failed; libbpf's detail is for -v. */
	if (!verbose || (level == LIBBPF_DEBUG && !getenv("PAGETRACK_LIBBPF_DEBUG")))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

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

/* P_ALLOC_ENTRY and P_GFP_ENTRY (ARM32 allocation stacks), and P_KMAP, attach
 * after their kretprobes: kprobes on one address run newest first, and the
 * stack must be taken before the kretprobe's handler puts its trampoline in
 * the return address (the ARM unwinder stops there). */
enum { P_ALLOC_RET, P_ALLOC_ENTRY, P_GFP_RET, P_GFP_ENTRY, P_FREE_PAGES, P_FREE_ADDR, P_SPLIT, P_KMAP_RET, P_KMAP,
	P_KUNMAP, P_REMAP, P_REMAP_RET, P_FINISH_FAULT, P_VM_INSERT, P_MOD_INIT, P_MOD_INIT_RET,
	P_KL_MAP, P_KL_UNMAP, P_KL_SCHED, P_NPROBES };
enum { T_ALLOC, T_FREE, T_FREE_BATCHED, T_SIGNAL, T_MOD_LOAD, T_MOD_FREE, T_MOD_UNLOAD,
	T_KL_EXIT, T_NTPS };

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

/*
 * Can this kernel attach fentry programs (BTF, BPF trampolines)? Load and
 * attach a two-instruction tracing program to FUNC and see.
 */
static bool fentry_works(const struct btf *btf, const char *func)
{
	struct bpf_insn insns[2] = {
		{ .code = 0xb7 },	/* r0 = 0 */
		{ .code = 0x95 },	/* exit */
	};
	int id, fd, lfd;

	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);

	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1;
	if (id < 0)
		return false;
	o.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pt_fentry_probe", "GPL", insns, 2, &o);
	if (fd < 0)
		return false;
	lfd = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	session_event(ctx, data, size);
	return 0;
}

static void sum_counters(struct pagetrack_bpf *skel, uint64_t out[PT_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus(), i, j;
	uint32_t zero = 0;
	uint64_t *vals;

	memset(out, 0, PT_CNT_MAX * sizeof(uint64_t));
	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu * PT_CNT_MAX, sizeof(uint64_t));
	if (!vals)
		return;
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &zero, vals))
		for (i = 0; i < ncpu; i++)
			for (j = 0; j < PT_CNT_MAX; j++)
				out[j] = j == PT_CNT_KL_PEAK ?
					 (vals[i * PT_CNT_MAX + j] > out[j] ? vals[i * PT_CNT_MAX + j] : out[j]) :
					 out[j] + vals[i * PT_CNT_MAX + j];
	free(vals);
}

static const char *probe_state(const struct probe *p)
{
	return p->link ? "on" : "off";
}

/* Allocation stacks sampled by pages: not with -m (scope needs every stack). */
static bool sampled(const struct pt_options *opt)
{
	return !opt->no_stacks && !opt->stacks_all && !opt->nmodules && opt->sample_pages;
}

/* kmap_local: facts for the BPF side, and why it is off. */
static struct {
	const char *why;
	uint32_t fix_begin, fix_end, km_max, deep;
	uint64_t pp_lo, pp_hi;
} kl_setup;

static bool klocal_on(const struct probe *p, const struct tp *t)
{
	return p[P_KL_MAP].link && p[P_KL_UNMAP].link && t[T_KL_EXIT].link;
}

/*
 * Decide whether kmap_local is traced: HIGHMEM, kprobes, the kernel's
 * slot layout in BTF. Returns false with kl_setup.why set otherwise.
 */
static bool klocal_prepare(const struct pt_options *opt, const struct pt_kernel_info *ki,
			   const struct ksyms *ks, const struct btf *btf, bool kprobes)
{
	kl_setup.why = NULL;
	if (!ki->last_pkmap)
		return false;
	if (opt->no_kmap_local)
		kl_setup.why = "--no-kmap-local";
	else if (!kprobes)
		kl_setup.why = "needs kprobes";
	else if (!kinfo_klocal(btf, &kl_setup.fix_begin, &kl_setup.fix_end, &kl_setup.km_max))
		kl_setup.why = "no FIX_KMAP_BEGIN/END or struct kmap_ctrl in the kernel's BTF";
	else if (kl_setup.km_max > PT_KL_SLOTS)
		kl_setup.why = "KM_MAX_IDX above 16 (CONFIG_DEBUG_KMAP_LOCAL): not supported";
	else if (!ksyms_range(ks, "__kmap_local_page_prot", &kl_setup.pp_lo, &kl_setup.pp_hi))
		kl_setup.why = "no __kmap_local_page_prot in kallsyms";
	/* Normal code nests two maps (a copy between two highmem pages),
	 * plus one per interrupt level (softirq, hardirq, NMI): five. Three
	 * quarters of the limit is far from that and still warns in time. */
	kl_setup.deep = kl_setup.km_max * 3 / 4;
	return !kl_setup.why;
}

/* Say which detections are active and why the others are not. */
static void print_detections(const struct probe *p, const struct tp *t, const char *mode,
			     const struct pt_kernel_info *ki, const struct pt_options *opt,
			     const char *memmap)
{
	bool api = p[P_FREE_PAGES].link && p[P_ALLOC_RET].link;
	bool highmem = ki->last_pkmap > 0;

	fprintf(stderr, "pagetrack: attach mode %s on %s (%s), struct page %u bytes, %s%s\n", mode,
		ki->release, pt_arch_name(ki->arch), ki->struct_page_size,
		opt->no_stacks ? "no stacks" :
		opt->no_free_stacks ? "stacks for allocations only" : "with stacks",
		opt->no_stacks || !sampled(opt) ? "" :
		opt->no_free_stacks ? " (sampled: per-site pages are estimates)" :
		" (sampled: per-site pages are estimates; frees unwind where a finding uses it)");
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
			p[P_KMAP].why ? p[P_KMAP].why : "kmap_high not attached");
	if (!highmem)
		fprintf(stderr, "  kmap_local tracking: not applicable, kernel has no HIGHMEM (kmap_local_page is page_address)\n");
	else if (klocal_on(p, t))
		fprintf(stderr, "  kmap_local tracking: on (KM_MAX_IDX %u, depth warning at %u, paired in BPF)\n",
			kl_setup.km_max, kl_setup.deep);
	else
		fprintf(stderr, "  kmap_local tracking: off: %s\n", kl_setup.why ? kl_setup.why :
			"__kmap_local_pfn_prot, kunmap_local_indexed or sched_process_exit not attached");
	fprintf(stderr, "  remap_failed: %s%s\n",
		p[P_REMAP].link && p[P_REMAP_RET].link ? "on" : "off: ",
		p[P_REMAP].link && p[P_REMAP_RET].link ? "" :
		(p[P_REMAP].why ? p[P_REMAP].why : "remap_pfn_range not attached"));
	fprintf(stderr, "  SIGBUS after remap: %s\n", t[T_SIGNAL].ok ? "on" :
		"off: no signal:signal_generate tracepoint");
	if (opt->nmodules)
		fprintf(stderr, "  module scope: %s\n",
			p[P_MOD_INIT].link && p[P_MOD_INIT_RET].link && t[T_MOD_FREE].ok ?
			t[T_MOD_UNLOAD].ok ?
			"on (core and init text and functions at do_init_module, init text until do_init_module returns, exit function from delete_module, follows unload)" :
			"on (core and init text and functions at do_init_module, init text until do_init_module returns, follows unload; no syscalls:sys_enter_delete_module: a free the exit function makes as its last call is not named)" :
			p[P_MOD_INIT].link && t[T_MOD_FREE].ok ?
			"on (text range and functions at do_init_module, follows unload; init text not followed: no do_init_module return probe)" :
			t[T_MOD_LOAD].ok && t[T_MOD_FREE].ok ?
			"on (follows load and unload; ranges read from /proc/modules)" :
			"ranges from /proc/modules only: no module tracepoints");
}

/* kmap_local totals as an event through the session: recorded, replayed. */
static void klocal_counts(struct session *s, const uint64_t *cnt, uint64_t now)
{
	struct pt_event e = { .ts = now, .type = PT_EV_KLOCAL_COUNTS, .stack_id = -1,
			      .flags = PT_F_SYNTH };

	e.a0 = cnt[PT_CNT_KL_MAPS];
	e.a1 = cnt[PT_CNT_KL_UNMAPS];
	e.a2 = cnt[PT_CNT_KL_UNTRACKED];
	e.a3 = cnt[PT_CNT_KL_PEAK];
	e.a4 = cnt[PT_CNT_KL_SCHED];
	e.aux = kl_setup.km_max;
	session_event(s, &e, sizeof(e));
}

/*
 * The local mappings tasks hold now (at a watched module's unload, at the
 * end), read from BPF's per-task state, as KLOCAL_HELD events: the
 * analyzer judges them as it does live and in replay.
 */
static void klocal_snapshot(struct pagetrack_bpf *skel, struct session *s, uint32_t why,
			    uint64_t now)
{
	int fd = bpf_map__fd(skel->maps.kl_tasks);
	uint64_t key = 0, next;
	struct pt_kl_task st;
	bool first = true;
	uint32_t i;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &st))
			continue;
		for (i = 0; i < st.depth && i < PT_KL_SLOTS; i++) {
			struct pt_event e = { .ts = now, .type = PT_EV_KLOCAL_HELD, .stack_id = -1 };

			e.a0 = st.s[i].vaddr;
			e.a1 = st.s[i].ip;
			e.a2 = st.s[i].ts;
			e.flags = (st.s[i].flags & PT_KL_F_ATOMIC) | PT_F_SYNTH;
			e.order = st.depth;
			e.aux = why;
			e.tid = st.tid;
			e.tgid = st.tgid;
			memcpy(e.comm, st.comm, PT_COMM_LEN);
			session_event(s, &e, sizeof(e));
		}
	}
}

static void detach_all(struct probe *p, struct tp *t)
{
	int i;

	for (i = 0; i < P_NPROBES; i++) {
		bpf_link__destroy(p[i].link);
		p[i].link = NULL;
	}
	for (i = 0; i < T_NTPS; i++) {
		bpf_link__destroy(t[i].link);
		t[i].link = NULL;
	}
}

static bool want_kprobes(const char *attach)
{
	return !strcmp(attach, "auto") || !strcmp(attach, "kprobe");
}

struct modcheck {
	const char *name;
	bool found;
};

static void modcheck_cb(void *ctx, const char *name, uint64_t base, uint64_t size)
{
	struct modcheck *m = ctx;

	(void)base;
	(void)size;
	if (!strcmp(m->name, name))
		m->found = true;
}

/* The first watched module that is not in /proc/modules, or NULL. */
static const char *watched_missing(const struct pt_options *opt)
{
	unsigned int i;

	for (i = 0; i < opt->nmodules; i++) {
		struct modcheck mc = { opt->modules[i], false };

		modules_scan("/proc/modules", modcheck_cb, &mc);
		if (!mc.found)
			return opt->modules[i];
	}
	return NULL;
}

/* Whether capability cap is effective: tracing needs no uid 0. */
static bool has_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* Root or the capabilities tracing needs; COMMAND's identity resolved. */
static int check_privileges(const struct pt_options *opt, struct runas *ra)
{
	char why[256];

	if (geteuid() != 0 && !(has_cap(CAP_BPF) && has_cap(CAP_PERFMON))) {
		pt_err("live tracing needs root or CAP_BPF and CAP_PERFMON; --replay FILE works without");
		return -1;
	}
	if (!opt->user && !opt->group)
		return 0;
	if (!(has_cap(CAP_SETUID) && has_cap(CAP_SETGID))) {
		pt_err("--user and --group need root or CAP_SETUID and CAP_SETGID");
		return -1;
	}
	if (runas_resolve(ra, opt->user, opt->group, why, sizeof(why))) {
		pt_err("%s", why);
		return -1;
	}
	return 0;
}

static pid_t start_command(char **argv, const struct runas *ra, int *gate)
{
	int fds[2], err;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c;

		close(fds[1]);
		/* Wait until tracing is attached. */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		close(fds[0]);
		err = runas_apply(ra);
		if (err) {
			fprintf(stderr, "pagetrack: cannot take the --user/--group identity: %s\n",
				strerror(-err));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "pagetrack: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*gate = fds[1];
	return pid;
}

/* -v: which probes the events came from, to size buffers and see costs. */
static void print_event_mix(const struct pt_stats *st)
{
	static const char *const names[PT_EV_MAX] = {
		[PT_EV_PAGE_ALLOC] = "page_alloc", [PT_EV_PAGE_FREE] = "page_free",
		[PT_EV_ALLOC_RET] = "alloc_ret", [PT_EV_GFP_RET] = "gfp_ret",
		[PT_EV_FREE_PAGES] = "free_pages", [PT_EV_FREE_ADDR] = "free_addr",
		[PT_EV_KMAP] = "kmap", [PT_EV_KMAP_RET] = "kmap_ret",
		[PT_EV_KUNMAP] = "kunmap", [PT_EV_REMAP] = "remap",
		[PT_EV_REMAP_RET] = "remap_ret", [PT_EV_USER_MAP] = "user_map",
		[PT_EV_SPLIT] = "split", [PT_EV_SIGNAL] = "signal",
		[PT_EV_MODULE_LOAD] = "module_load", [PT_EV_MODULE_FREE] = "module_free",
		[PT_EV_MODULE_SYM] = "module_sym", [PT_EV_MODULE_INIT_END] = "module_init_end",
		[PT_EV_MODULE_UNLOAD] = "module_unload",
	};
	int i;

	fprintf(stderr, "pagetrack: events by type:");
	for (i = 1; i < PT_EV_MAX; i++)
		if (st->events[i])
			fprintf(stderr, " %s %llu", names[i], (unsigned long long)st->events[i]);
	fputc('\n', stderr);
}

int run_live(const struct pt_options *opt)
{
	struct probe probes[P_NPROBES];
	struct tp tps[T_NTPS];
	struct pt_kernel_info ki;
	struct pt_config cfg = { 0 };
	struct pagetrack_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct btf *btf = NULL;
	struct session s;
	uint64_t cnt[PT_CNT_MAX];
	const char *mode;
	pid_t child = -1;
	int gate = -1, child_status = 0, ret = PT_EXIT_USAGE, err, i;
	const char *missing;
	bool child_done = false, use_kprobes, use_fentry, kl;
	unsigned int kl_unloads = 0;
	double start, deadline = 0, tick, next_tick;
	struct periodic per = { 0 };
	struct runas runas = { 0 };
	uint64_t end_ns;

	LIBBPF_OPTS(bpf_object_open_opts, open_opts);

	verbose = opt->verbose;
	libbpf_set_print(libbpf_print);

	if (check_privileges(opt, &runas))
		return PT_EXIT_USAGE;
	if (opt->pid > 0 && kill(opt->pid, 0) && errno == ESRCH) {
		pt_err("no process with pid %d", opt->pid);
		return PT_EXIT_USAGE;
	}
	if (session_init(&s, opt)) {
		pt_err("out of memory");
		return PT_EXIT_USAGE;
	}
	if (ksyms_load(&s.ks, "/proc/kallsyms") || !s.ks.n)
		pt_err("warning: no kernel symbols from /proc/kallsyms: stacks will be raw addresses");
	kinfo_probe(&ki, &s.ks);
	/* One build per kernel arch: the BPF object's register layout is the build's. */
	if (ki.arch != PT_BUILD_ARCH) {
		pt_err("this is the %s build; the running kernel is %s: use the %s build",
		       pt_arch_name(PT_BUILD_ARCH), pt_arch_name(ki.arch), pt_arch_name(ki.arch));
		goto out;
	}

	/* BTF: the kernel's own, or a file for kernels built without it. */
	if (opt->btf_path) {
		btf = btf__parse(opt->btf_path, NULL);
		if (!btf) {
			pt_err("%s is not a usable BTF file (raw BTF or an ELF file with .BTF expected)",
			       opt->btf_path);
			goto out;
		}
		open_opts.btf_custom_path = opt->btf_path;
	} else if (!access("/sys/kernel/btf/vmlinux", R_OK)) {
		btf = btf__load_vmlinux_btf();
	}
	if (!btf) {
		pt_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): pass --btf FILE (see README, \"Kernels without BTF\")");
		goto out;
	}
	kinfo_from_btf(&ki, &s.ks, btf);

	if (!opt->command && (missing = watched_missing(opt))) {
		pt_err("module %s is not loaded: load it first, or give a COMMAND that loads it",
		       missing);
		goto out;
	}
	if (!tracefs_dir() || !tracepoint_exists("kmem", "mm_page_alloc") ||
	    !tracepoint_exists("kmem", "mm_page_free")) {
		pt_err("nothing attachable: no kmem:mm_page_alloc/mm_page_free tracepoints (is tracefs available?)");
		goto out;
	}

	skel = pagetrack_bpf__open_opts(&open_opts);
	if (!skel) {
		pt_err("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	init_tables(skel, probes, tps);
	skel->rodata->sym64 = ki.arch == PT_ARCH_AMD64;
	skel->rodata->memmap_var = s.ks.memmap_var;
	skel->rodata->targ_tgid = opt->pid > 0 ? opt->pid : 0;
	skel->rodata->with_stacks = !opt->no_stacks;
	skel->rodata->free_stacks = !opt->no_free_stacks;
	/* -m keeps today's full records: every field, every event. */
	skel->rodata->compact_kmem = !opt->nmodules;
	if (sampled(opt)) {
		cfg.sample_pages = opt->sample_pages;
		pt_sample_thresholds(cfg.sample_pages, cfg.sample_thresh);
		skel->rodata->sampling = true;
		skel->rodata->lean_frees = true;
		memcpy((void *)skel->rodata->sample_thresh, cfg.sample_thresh,
		       sizeof(cfg.sample_thresh));
	} else {
		bpf_map__set_max_entries(skel->maps.marks, 1);
	}
	bpf_map__set_max_entries(skel->maps.events, opt->buffer_mb * 1024u * 1024u);
	bpf_map__set_max_entries(skel->maps.stacks, opt->stack_entries);
	/* Regions of the -p process (see pid_regions); no memory without -p. */
	if (opt->pid <= 0)
		bpf_map__set_max_entries(skel->maps.pid_regions, 1);

	/* fentry/fexit where the kernel can (auto, fentry), else kprobes. */
	use_fentry = false;
	if (!strcmp(opt->attach, "fentry") || !strcmp(opt->attach, "auto")) {
		const char *ft = ksyms_has(&s.ks, "__free_pages") ? "__free_pages" : "free_pages";

		use_fentry = fentry_works(btf, ft);
		if (!use_fentry && !strcmp(opt->attach, "fentry")) {
			pt_err("--attach fentry: this kernel cannot attach fentry programs (no BTF or no BPF trampoline); use --attach kprobe or auto");
			goto out;
		}
	}
	use_kprobes = want_kprobes(opt->attach) || use_fentry;
	kl = klocal_prepare(opt, &ki, &s.ks, btf, use_kprobes);
	if (!kl) {
		probes[P_KL_MAP].cands[0] = NULL;
		probes[P_KL_UNMAP].cands[0] = NULL;
		probes[P_KL_SCHED].cands[0] = NULL;
		bpf_map__set_max_entries(skel->maps.kl_tasks, 1);
	}
	skel->rodata->kl_fix_begin = kl_setup.fix_begin;
	skel->rodata->kl_fix_end = kl_setup.fix_end;
	skel->rodata->kl_km_max = kl_setup.km_max ? kl_setup.km_max : PT_KL_SLOTS;
	skel->rodata->kl_deep = kl_setup.deep ? kl_setup.deep : PT_KL_SLOTS;
	skel->rodata->kl_pp_lo = kl_setup.pp_lo;
	skel->rodata->kl_pp_hi = kl_setup.pp_hi;
	for (i = 0; i < P_NPROBES; i++) {
		struct probe *p = &probes[i];
		/* Only ARM32 cannot unwind from the allocation tracepoint. */
		bool wanted = use_kprobes && ((i != P_ALLOC_ENTRY && i != P_GFP_ENTRY) ||
					      (PT_BUILD_ARCH == PT_ARCH_ARMHF && !opt->no_stacks));
		bool by_fentry = false;
		int c;

		p->why = use_kprobes ? (wanted ? NULL : "not needed") : "tracepoint mode";
		for (c = 0; wanted && c < 4 && p->cands[c]; c++) {
			const char *why = NULL;

			if (use_fentry && p->fprog &&
			    btf__find_by_name_kind(btf, p->cands[c], BTF_KIND_FUNC) >= 0) {
				p->target = p->cands[c];
				by_fentry = true;
				break;
			}
			if (kprobe_possible(&s.ks, p->cands[c], &why)) {
				p->target = p->cands[c];
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
	if (!strcmp(opt->attach, "kprobe") && !probes[P_FREE_PAGES].target) {
		pt_err("--attach kprobe: cannot probe __free_pages (%s)",
		       probes[P_FREE_PAGES].why ? probes[P_FREE_PAGES].why : "unknown");
		goto out;
	}
	for (i = 0; i < T_NTPS; i++) {
		tps[i].ok = tracepoint_exists(tps[i].cat, tps[i].name) && (i != T_KL_EXIT || kl);
		bpf_program__set_autoload(tps[i].prog, tps[i].ok);
	}

	err = pagetrack_bpf__load(skel);
	if (err) {
		pt_err("loading the BPF programs failed: %s%s", strerror(-err),
		       opt->verbose ? "" : " (run with -v for the verifier log)");
		goto out;
	}
	/*
	 * Map the ring buffer before attaching: the kernel maps its pages one
	 * by one (vm_insert_page), which the probes would see as thousands of
	 * events of our own.
	 */
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, &s, NULL);
	if (!rb) {
		pt_err("cannot create the ring buffer reader: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < T_NTPS; i++) {
		if (!tps[i].ok)
			continue;
		tps[i].link = bpf_program__attach_tracepoint(tps[i].prog, tps[i].cat, tps[i].name);
		if (!tps[i].link) {
			tps[i].ok = false;
			if (tps[i].required) {
				pt_err("cannot attach tracepoint %s:%s: %s", tps[i].cat, tps[i].name,
				       strerror(errno));
				goto out;
			}
		}
	}
	for (i = 0; i < P_NPROBES; i++) {
		struct probe *p = &probes[i];

		if (!p->target)
			continue;
		if (p->fprog)
			p->link = bpf_program__attach_trace(p->fprog);
		else
			p->link = bpf_program__attach_kprobe(p->prog, p->retprobe, p->target);
		if (!p->link)
			p->why = "attach failed";
	}
	use_kprobes = probes[P_FREE_PAGES].link && probes[P_ALLOC_RET].link;
	mode = !use_kprobes ? "tracepoint" : probes[P_FREE_PAGES].fprog ? "fentry" : "kprobe";
	if ((!strcmp(opt->attach, "kprobe") || !strcmp(opt->attach, "fentry")) && !use_kprobes) {
		pt_err("--attach %s: the allocator probes did not attach", opt->attach);
		goto out;
	}

	cfg.api_events = use_kprobes;
	cfg.pid_filtered = opt->pid > 0;
	cfg.pkmap_pct = opt->pkmap_pct;
	cfg.kmap_wait_ns = 100 * 1000 * 1000ULL;
	cfg.nmodules = opt->nmodules;
	for (i = 0; i < (int)opt->nmodules; i++)
		memcpy(cfg.modules[i], opt->modules[i], PT_MODNAME_LEN);
	s.an = an_new(&cfg, &ki, session_stack, &s);
	if (!s.an) {
		pt_err("out of memory");
		goto out;
	}
	s.stack_fd = bpf_map__fd(skel->maps.stacks);
	if (opt->record_path) {
		s.rec = outfile_private(opt->record_path);
		if (!s.rec || rec_write_header(s.rec, &ki, !use_kprobes ? 2 : use_fentry ? 3 : 1,
					       (use_kprobes ? PT_RECF_API_EVENTS : 0) |
					       (opt->pid > 0 ? PT_RECF_PID_FILTERED : 0), &cfg)) {
			pt_err("cannot write %s: %s", opt->record_path,
			       errno == ELOOP ? "it is a symlink (not followed)" :
			       errno == EEXIST ? "it exists and is not a regular file of ours with one link" :
			       strerror(errno));
			goto out;
		}
	}
	modules_scan("/proc/modules", session_module_range, &s);
	s.bpf_module_syms = probes[P_MOD_INIT].link != NULL;
	/* CI mode: a module unloaded while the probes were attached would never
	 * send the unload that ends the trace. */
	if (!opt->command && (missing = watched_missing(opt))) {
		pt_err("module %s was unloaded while tracing was being attached: nothing of it was traced",
		       missing);
		goto out;
	}

	print_detections(probes, tps, mode, &ki, opt,
			 s.ks.memmap_var ? s.ks.memmap_name : NULL);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (opt->command) {
		child = start_command(opt->command, &runas, &gate);
		if (child < 0) {
			pt_err("cannot start %s: %s", opt->command[0], strerror(errno));
			goto out;
		}
		if (write(gate, "g", 1) != 1)
			pt_err("warning: could not release the command");
		close(gate);
	}
	start = mono_s();
	if (opt->duration > 0)
		deadline = start + opt->duration;
	/* Files for collectors are refreshed every interval, 10 s by default. */
	tick = opt->interval > 0 ? opt->interval :
	       (opt->metrics_path || opt->folded_path) ? 10.0 : 0;
	next_tick = start + tick;
	per.json = opt->json;
	per.top = opt->top;
	per.min_age_ns = (uint64_t)(opt->min_age * 1e9);

	while (!stop_signal) {
		err = ring_buffer__poll(rb, 100);
		/* Wake-ups are batched in BPF: drain what arrived without one. */
		if (err >= 0)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			pt_err("reading the ring buffer failed: %s", strerror(-err));
			break;
		}
		if (child > 0 && !child_done && waitpid(child, &child_status, WNOHANG) == child)
			child_done = true;
		if (child_done)
			break;
		if (deadline && mono_s() >= deadline)
			break;
		session_refresh_symbols(&s, false);
		if (kl && s.watched_unloads != kl_unloads) {
			kl_unloads = s.watched_unloads;
			klocal_snapshot(skel, &s, PT_KL_HELD_UNLOAD, now_ns());
		}
		/* CI mode: without a command, the module's unload ends the trace. */
		if (!opt->command && an_watched_unloaded(s.an))
			break;
		if (tick && mono_s() >= next_tick) {
			next_tick += tick;
			sum_counters(skel, cnt);
			an_set_lost(s.an, cnt[PT_CNT_PRODUCED], cnt[PT_CNT_LOST]);
			if (kl)
				klocal_counts(&s, cnt, now_ns());
			if (opt->interval > 0)
				periodic_report(stdout, &per, s.an, &s.ks, now_ns(), mono_s() - start);
			session_write_files(&s, now_ns());
		}
	}
	/*
	 * Detach first, then drain, then read the counters: nothing can be
	 * produced in between, so produced == received + lost exactly.
	 */
	detach_all(probes, tps);
	ring_buffer__consume(rb);
	if (stop_signal && opt->verbose)
		fprintf(stderr, "pagetrack: stopped by signal %d\n", (int)stop_signal);

	sum_counters(skel, cnt);
	an_set_lost(s.an, cnt[PT_CNT_PRODUCED], cnt[PT_CNT_LOST]);
	s.filtered = cnt[PT_CNT_FILTERED];
	if (cnt[PT_CNT_LOST])
		pt_err("WARNING: %llu of %llu events were lost (ring buffer full); findings may be incomplete or false (a lost free looks like a leak)",
		       (unsigned long long)cnt[PT_CNT_LOST], (unsigned long long)cnt[PT_CNT_PRODUCED]);
	if (opt->verbose)
		print_event_mix(an_stats(s.an));
	if (cnt[PT_CNT_STACK_FAIL] && opt->verbose)
		pt_err("%llu stacks could not be stored (stack map full or hash collision)",
		       (unsigned long long)cnt[PT_CNT_STACK_FAIL]);
	end_ns = now_ns();
	if (kl) {
		klocal_counts(&s, cnt, end_ns);
		klocal_snapshot(skel, &s, PT_KL_HELD_END, end_ns);
	}
	session_refresh_symbols(&s, true);
	an_finish(s.an, end_ns);
	/* After an_finish: the last files count the findings made at exit. */
	session_write_files(&s, end_ns);
	if (session_record_close(&s, cnt[PT_CNT_PRODUCED], cnt[PT_CNT_LOST],
				 cnt[PT_CNT_STACK_FAIL], end_ns))
		goto out;
	ret = session_report(&s, mode);
out:
	ring_buffer__free(rb);
	if (skel)
		detach_all(probes, tps);
	pagetrack_bpf__destroy(skel);
	btf__free(btf);
	if (child > 0 && !child_done) {
		kill(child, SIGTERM);
		waitpid(child, &child_status, 0);
	}
	session_free(&s);
	return ret;
}
