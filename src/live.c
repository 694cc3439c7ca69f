// SPDX-License-Identifier: GPL-2.0
/*
 * Live tracing: run_live's phases in order (preflight, prepare, load,
 * attach, record setup, poll loop, drain and report), the COMMAND it
 * starts, and the counters and kmap_local state it reads from BPF maps.
 * It must not choose or attach hooks (attach.c) nor judge events (the
 * session and the analyzer do).
 */
#define _GNU_SOURCE		/* pipe2 */
#include <errno.h>
#include <fcntl.h>
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
#include "attach.h"
#include "kinfo.h"
#include "modscope.h"
#include "outfile.h"
#include "runas.h"
#include "session.h"
#include "pagetrack.skel.h"

extern char **environ;

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

/* One live run, shared by its phases. */
struct live {
	const struct pt_options *opt;
	struct session s;
	struct pt_kernel_info ki;
	struct pt_config cfg;
	struct attacher at;
	struct ring_buffer *rb;
	struct runas runas;
	pid_t child;			/* COMMAND, -1 if none; leads its process group */
	int child_status;
	bool child_done;
	bool child_stopping;		/* we signalled it: its end is ours */
	int exec_err_fd;		/* COMMAND's exec errno arrives here */
	uint64_t cnt[PT_CNT_MAX];	/* BPF's counters, summed over CPUs */
	double returns_dropped_s;	/* when the allocator return probes went, for -v */
};

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

/* kmap_local totals as an event through the session: recorded, replayed. */
static void klocal_counts(struct session *s, const uint64_t *cnt, uint32_t km_max, uint64_t now)
{
	struct pt_event e = { .ts = now, .type = PT_EV_KLOCAL_COUNTS, .stack_id = -1,
			      .flags = PT_F_SYNTH };

	e.a0 = cnt[PT_CNT_KL_MAPS];
	e.a1 = cnt[PT_CNT_KL_UNMAPS];
	e.a2 = cnt[PT_CNT_KL_UNTRACKED];
	e.a3 = cnt[PT_CNT_KL_PEAK];
	e.a4 = cnt[PT_CNT_KL_SCHED];
	e.aux = km_max;
	session_event(s, &e, sizeof(e));
}

/*
 * The local mappings tasks hold now (at a watched module's unload, at the
 * end), read from BPF's per-task state, as KLOCAL_HELD events: the
 * analyzer judges them as it does live and in replay.
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void klocal_snapshot(struct pagetrack_bpf *skel, struct session *s, uint32_t why,
			    uint64_t now)
{
	int fd = bpf_map__fd(skel->maps.kl_tasks);
	size_t n = 0, cap = 2 * (size_t)bpf_map__max_entries(skel->maps.kl_tasks), k;
	uint64_t key = 0, next, *keys;
	struct pt_kl_task st;
	uint32_t i;

	/*
	 * Keys first, each once: while probes run a task may exit mid-walk,
	 * and a walk whose current key was deleted starts over from the first
	 * (room for one such restart).
	 */
	keys = calloc(cap, sizeof(*keys));
	if (!keys)
		return;
	while (n < cap && !bpf_map_get_next_key(fd, n ? &key : NULL, &next))
		keys[n++] = key = next;
	qsort(keys, n, sizeof(*keys), cmp_u64);
	for (k = 0; k < n; k++) {
		if ((k && keys[k] == keys[k - 1]) || bpf_map_lookup_elem(fd, &keys[k], &st))
			continue;
		for (i = 0; i < st.depth && i < PT_KL_SLOTS; i++) {
			struct pt_event e = { .ts = now, .type = PT_EV_KLOCAL_HELD, .stack_id = -1 };

			e.a0 = st.s[i].vaddr;
			e.a1 = st.s[i].ip;
			e.a2 = st.s[i].ts;
			e.flags = (st.s[i].flags & PT_KL_F_ATOMIC) | PT_F_SYNTH | PT_KL_F_MAP_STACK;
			e.map_sid = st.s[i].sid;
			e.top_map_sid = -1;
			e.order = st.depth;
			e.aux = why;
			e.tid = st.tid;
			e.tgid = st.tgid;
			memcpy(e.comm, st.comm, PT_COMM_LEN);
			session_event(s, &e, sizeof(e));
		}
	}
	free(keys);
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

/*
 * COMMAND in a process group of its own (so the end of the trace can stop
 * all of it), released by a byte on *gate once tracing is attached. An
 * exec that fails sends its errno through *exec_err (close-on-exec: a
 * successful exec sends nothing).
 */
static void child_fail(int fd, int err)
{
	if (write(fd, &err, sizeof(err)) != sizeof(err))
		_exit(127);
	_exit(127);
}

static pid_t start_command(char **argv, const struct runas *ra, int *gate, int *exec_err)
{
	int fds[2], errfds[2], err;
	pid_t pid;

	if (pipe(fds))
		return -1;
	if (pipe2(errfds, O_CLOEXEC)) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		errno = err;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		close(errfds[0]);
		close(errfds[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		char c;

		close(fds[1]);
		close(errfds[0]);
		/* A group of its own to stop it by; under --user on a terminal
		 * a session of its own (runas.h), which makes that group too. */
		if (ra->own_session ? setsid() < 0 : setpgid(0, 0) < 0)
			child_fail(errfds[1], errno);
		/* Wait until tracing is attached. */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		close(fds[0]);
		err = runas_apply(ra);
		if (err) {
			fprintf(stderr, "pagetrack: cannot take the --user/--group identity: %s\n",
				strerror(-err));
			child_fail(errfds[1], -err);
		}
		if (ra->env)
			environ = ra->env;	/* and execvp searches its PATH */
		execvp(argv[0], argv);
		child_fail(errfds[1], errno);
	}
	/* Both sides set the group: whichever runs first, it is there (not
	 * for a new session: setsid() fails in a group leader). */
	if (!ra->own_session)
		setpgid(pid, pid);
	close(fds[0]);
	close(errfds[1]);
	*gate = fds[1];
	*exec_err = errfds[0];
	return pid;
}

/* COMMAND was reaped with wait status st: how it ended, for the verdict. */
static void command_ended(struct live *lv, int st)
{
	struct pt_command_end *c = &lv->s.cmd;
	int err;

	lv->child_done = true;
	lv->child_status = st;
	c->name = lv->opt->command[0];
	if (lv->exec_err_fd >= 0 && read(lv->exec_err_fd, &err, sizeof(err)) == sizeof(err)) {
		c->status = PT_CMD_NOT_STARTED;
		c->code = err;
	} else if (lv->child_stopping) {
		c->status = PT_CMD_STOPPED;
		c->code = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	} else if (WIFEXITED(st)) {
		c->status = PT_CMD_EXITED;
		c->code = WEXITSTATUS(st);
	} else {
		c->status = PT_CMD_SIGNALED;
		c->code = WTERMSIG(st);
	}
}

/* Reaps COMMAND if it has ended; true then. */
static bool command_reaped(struct live *lv)
{
	int st;

	if (lv->child <= 0 || lv->child_done)
		return lv->child_done;
	if (waitpid(lv->child, &st, WNOHANG) != lv->child)
		return false;
	command_ended(lv, st);
	return true;
}

/*
 * The trace ended before COMMAND: SIGTERM to its process group, SIGKILL
 * after PT_KILL_GRACE_S, and after as long again it is given up as stuck
 * (in an uninterruptible sleep: a kmap_high() waiting for a slot forever),
 * so the report always comes. Events keep being read meanwhile (rb).
 */
static void stop_command(struct live *lv, struct ring_buffer *rb)
{
	static const int sigs[] = { SIGTERM, SIGKILL };
	unsigned int i;

	lv->child_stopping = true;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		double until = mono_s() + PT_KILL_GRACE_S;

		if (command_reaped(lv))
			return;
		if (kill(-lv->child, sigs[i]))
			kill(lv->child, sigs[i]);
		lv->s.cmd.killed = sigs[i] == SIGKILL;
		while (mono_s() < until) {
			if (command_reaped(lv))
				return;
			if (!rb || ring_buffer__poll(rb, 50) < 0)
				usleep(50000);
			else
				ring_buffer__consume(rb);
		}
	}
	if (!command_reaped(lv)) {
		lv->s.cmd.name = lv->opt->command[0];
		lv->s.cmd.status = PT_CMD_STUCK;
	}
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
		[PT_EV_KLOCAL_UNMAP] = "klocal_unmap", [PT_EV_KLOCAL_HELD] = "klocal_held",
		[PT_EV_KLOCAL_SCHED] = "klocal_sched", [PT_EV_KLOCAL_DEEP] = "klocal_deep",
		[PT_EV_KLOCAL_COUNTS] = "klocal_counts",
		[PT_EV_PAIRED_LIVE] = "paired_live",
		[PT_EV_DMA_MAP] = "dma_map", [PT_EV_DMA_UNMAP] = "dma_unmap",
		[PT_EV_DMA_ALLOC] = "dma_alloc", [PT_EV_DMA_FREE] = "dma_free",
		[PT_EV_DMA_MAP_SG] = "dma_map_sg", [PT_EV_DMA_UNMAP_SG] = "dma_unmap_sg",
		[PT_EV_DMA_RET] = "dma_ret", [PT_EV_DMA_DEV] = "dma_dev",
		[PT_EV_DMA_SG_ENT] = "dma_sg_ent",
	};
	int i;

	fprintf(stderr, "pagetrack: events by type:");
	for (i = 1; i < PT_EV_MAX; i++)
		if (st->events[i])
			fprintf(stderr, " %s %llu", names[i] ? names[i] : "other",
				(unsigned long long)st->events[i]);
	fputc('\n', stderr);
}

/* Symbols, the kernel's facts and BTF; the watched modules are loaded. */
static int kernel_facts(struct live *lv)
{
	const struct pt_options *opt = lv->opt;
	const char *missing;

	if (ksyms_load(&lv->s.ks, "/proc/kallsyms") || !lv->s.ks.n)
		pt_err("warning: no kernel symbols from /proc/kallsyms: stacks will be raw addresses");
	kinfo_probe(&lv->ki, &lv->s.ks);
	/* One build per kernel arch: the BPF object's register layout is the build's. */
	if (lv->ki.arch != PT_BUILD_ARCH) {
		pt_err("this is the %s build; the running kernel is %s: use the %s build",
		       pt_arch_name(PT_BUILD_ARCH), pt_arch_name(lv->ki.arch),
		       pt_arch_name(lv->ki.arch));
		return -1;
	}
	if (attacher_btf(&lv->at, opt, &lv->ki, &lv->s.ks))
		return -1;
	if (!opt->command && (missing = watched_missing(opt))) {
		pt_err("module %s is not loaded: load it first, or give a COMMAND that loads it",
		       missing);
		return -1;
	}
	return 0;
}

/* The analyzer, the recording's header, the watched modules' ranges. */
static int record_setup(struct live *lv)
{
	const struct pt_options *opt = lv->opt;
	struct pt_config *cfg = &lv->cfg;
	struct session *s = &lv->s;
	const char *missing;
	unsigned int i;

	cfg->api_events = lv->at.api_events;
	cfg->pid_filtered = opt->pid > 0;
	cfg->pkmap_pct = opt->pkmap_pct;
	cfg->nmodules = opt->nmodules;
	for (i = 0; i < opt->nmodules; i++)
		memcpy(cfg->modules[i], opt->modules[i], PT_MODNAME_LEN);
	s->an = an_new(cfg, &lv->ki, session_stack, s);
	if (!s->an) {
		pt_err("out of memory");
		return -1;
	}
	an_set_bases(s->an, lv->at.memmap_base, lv->at.direct_base);
	s->stack_fd = bpf_map__fd(lv->at.skel->maps.stacks);
	s->kl_stack_fd = bpf_map__fd(lv->at.skel->maps.kl_stacks);
	session_sources(s, lv->ki.release, true);
	if (opt->record_path) {
		s->rec = outfile_private(opt->record_path);
		if (!s->rec || rec_write_header(s->rec, &lv->ki, rec_attach_mode(lv->at.mode),
						(cfg->api_events ? PT_RECF_API_EVENTS : 0) |
						(opt->pid > 0 ? PT_RECF_PID_FILTERED : 0), cfg)) {
			pt_err("cannot write %s: %s", opt->record_path,
			       errno == ELOOP ? "it is a symlink (not followed)" :
			       errno == EEXIST ? "it exists and is not a regular file of ours with one link" :
			       strerror(errno));
			return -1;
		}
	}
	modules_scan("/proc/modules", session_module_range, s);
	s->bpf_module_syms = lv->at.module_syms;
	/* CI mode: a module unloaded while the probes were attached would never
	 * send the unload that ends the trace. */
	if (!opt->command && (missing = watched_missing(opt))) {
		pt_err("module %s was unloaded while tracing was being attached: nothing of it was traced",
		       missing);
		return -1;
	}
	return 0;
}

/* Say what is on, release COMMAND. */
static int start(struct live *lv)
{
	const struct pt_options *opt = lv->opt;
	int gate = -1;

	attacher_print_detections(&lv->at, &lv->ki, opt,
				  lv->s.ks.memmap_var ? lv->s.ks.memmap_name : NULL);
	if (!opt->command)
		return 0;
	lv->child = start_command(opt->command, &lv->runas, &gate, &lv->exec_err_fd);
	if (lv->child < 0) {
		pt_err("cannot start %s: %s", opt->command[0], strerror(errno));
		return -1;
	}
	if (write(gate, "g", 1) != 1)
		pt_err("warning: could not release the command");
	close(gate);
	return 0;
}

/* BPF's counters into lv->cnt, and what the analyzer's totals take of them. */
static void read_counters(struct live *lv)
{
	const uint64_t *c = lv->cnt;

	sum_counters(lv->at.skel, lv->cnt);
	an_set_lost(lv->s.an, c[PT_CNT_PRODUCED], c[PT_CNT_LOST]);
	an_set_paired(lv->s.an, c[PT_CNT_PAIR_ALLOCS], c[PT_CNT_PAIR_FREES], c[PT_CNT_PAIR_STALE],
		      c[PT_CNT_PAIR_HANDED]);
}

/* Until a signal, COMMAND's exit, -d, or (CI mode) the module's unload. */
static void poll_loop(struct live *lv)
{
	const struct pt_options *opt = lv->opt;
	struct session *s = &lv->s;
	double start = mono_s(), deadline = 0, tick, next_tick;
	struct periodic per = { 0 };
	unsigned int kl_unloads = 0;
	int err;

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
		err = ring_buffer__poll(lv->rb, 100);
		/* Wake-ups are batched in BPF: drain what arrived without one. */
		if (err >= 0)
			err = ring_buffer__consume(lv->rb);
		if (err < 0 && err != -EINTR) {
			pt_err("reading the ring buffer failed: %s", strerror(-err));
			break;
		}
		if (command_reaped(lv))
			break;
		if (deadline && mono_s() >= deadline)
			break;
		session_refresh_symbols(s, false);
		modscope_poll(lv->at.skel, opt);
		if (!lv->at.returns_dropped && attacher_drop_returns(&lv->at, an_bases_known(s->an)))
			lv->returns_dropped_s = mono_s() - start;
		if (lv->at.klocal && s->watched_unloads != kl_unloads) {
			kl_unloads = s->watched_unloads;
			klocal_snapshot(lv->at.skel, s, PT_KL_HELD_UNLOAD, now_ns());
		}
		/* CI mode: without a command, the module's unload ends the trace. */
		if (!opt->command && an_watched_unloaded(s->an))
			break;
		if (tick && mono_s() >= next_tick) {
			next_tick += tick;
			read_counters(lv);
			if (lv->at.klocal)
				klocal_counts(s, lv->cnt, lv->at.kl.km_max, now_ns());
			if (opt->interval > 0)
				periodic_report(stdout, &per, s->an, &s->ks, now_ns(), mono_s() - start);
			session_write_files(s, now_ns());
		}
	}
}

/*
 * Detach first, then drain, then read the counters: nothing can be
 * produced in between, so produced == received + lost exactly. Then the
 * last findings, files, recording and report.
 */
static int drain_and_report(struct live *lv)
{
	const struct pt_options *opt = lv->opt;
	struct session *s = &lv->s;
	uint64_t *cnt = lv->cnt, end_ns;
	int rec_err, ret;

	attacher_detach(&lv->at);
	ring_buffer__consume(lv->rb);
	if (stop_signal && opt->verbose)
		fprintf(stderr, "pagetrack: stopped by signal %d\n", (int)stop_signal);

	read_counters(lv);
	s->filtered = cnt[PT_CNT_FILTERED];
	s->probe_misses = attacher_probe_misses(&lv->at);
	/* Counted in the summary; said at each leak verdict it may explain
	 * (report.c). An ordinary run has some: only -v says more. */
	if (s->probe_misses && opt->verbose)
		pt_err("note: the kernel skipped %llu runs of pagetrack's programs (a page event inside another BPF program on the same CPU, from an interrupt say): blocks freed in them look outstanding, or are dropped when reallocated",
		       (unsigned long long)s->probe_misses);
	if (cnt[PT_CNT_LOST])
		pt_err("WARNING: %llu of %llu events were lost (ring buffer full); findings may be incomplete or false (a lost free looks like a leak)",
		       (unsigned long long)cnt[PT_CNT_LOST], (unsigned long long)cnt[PT_CNT_PRODUCED]);
	if (opt->verbose) {
		print_event_mix(an_stats(s->an));
		fprintf(stderr, "pagetrack: %llu mm_page_free_batched events were twins of a page free already sent (counted, not sent)\n",
			(unsigned long long)cnt[PT_CNT_FREE_TWINS]);
		if (lv->at.paired)
			fprintf(stderr, "pagetrack: paired in BPF, no event sent: %llu order-0 blocks allocated, %llu freed, %llu reallocated with their free unseen, %llu handed over at a larger free\n",
				(unsigned long long)cnt[PT_CNT_PAIR_ALLOCS],
				(unsigned long long)cnt[PT_CNT_PAIR_FREES],
				(unsigned long long)cnt[PT_CNT_PAIR_STALE],
				(unsigned long long)cnt[PT_CNT_PAIR_HANDED]);
		if (lv->at.paired && lv->at.api_events)
			fprintf(stderr, "pagetrack: paired in BPF with the API probes (%s mode): %llu allocator returns of kept blocks not sent; an API free hands its kept blocks over (counted above)\n",
				lv->at.mode, (unsigned long long)cnt[PT_CNT_PAIR_RETS]);
		if (lv->at.returns_skipped)
			fprintf(stderr, "pagetrack: allocator return probes not attached: BPF read where struct pages and the direct map live from the kernel\n");
		else if (lv->at.returns_dropped)
			fprintf(stderr, "pagetrack: allocator return probes detached %.1f s after the start: where struct pages and the direct map live was known\n",
				lv->returns_dropped_s);
		else if (lv->at.api_events)
			fprintf(stderr, "pagetrack: allocator return probes kept to the end (%s)\n",
#ifdef PT_TARGET_ARM
				"ARM32: they drop the allocation stacks their entry probes keep"
#else
				"where struct pages and the direct map live was not learnt"
#endif
				);
		modscope_report(lv->at.skel, cnt);
		if (opt->nmodules)
			fprintf(stderr, "pagetrack: module scope: %llu allocations with a watched module on the stack were the kernel's own (slab, page tables, percpu, migration, reclaim)\n",
				(unsigned long long)s->kernel_owned);
	}
	if (cnt[PT_CNT_STACK_FAIL] && opt->verbose)
		pt_err("%llu stacks could not be stored (stack map full or hash collision)",
		       (unsigned long long)cnt[PT_CNT_STACK_FAIL]);
	end_ns = now_ns();
	if (lv->at.klocal) {
		klocal_counts(s, cnt, lv->at.kl.km_max, end_ns);
		klocal_snapshot(lv->at.skel, s, PT_KL_HELD_END, end_ns);
	}
	session_refresh_symbols(s, true);
	an_finish(s->an, end_ns);
	/* After an_finish: the last files count the findings made at exit. */
	session_write_files(s, end_ns);
	/* Before the report: a file not written makes the status 2. */
	session_write_ci(s);
	/* A recording that cannot be finished still leaves the report. */
	rec_err = session_record_close(s, cnt[PT_CNT_PRODUCED], cnt[PT_CNT_LOST],
				       cnt[PT_CNT_STACK_FAIL], end_ns);
	ret = session_report(s, lv->at.mode);
	return rec_err ? PT_EXIT_USAGE : ret;
}

int run_live(const struct pt_options *opt)
{
	struct live lv = { .opt = opt, .child = -1, .exec_err_fd = -1 };
	int ret = PT_EXIT_USAGE;

	verbose = opt->verbose;
	libbpf_set_print(libbpf_print);
	/* First of all: a stop signal while the kernel's facts are read or the
	 * programs load and attach (seconds on a busy or emulated machine) ends
	 * the trace as soon as it starts, detached and reported, instead of
	 * killing us half attached; and a script that waits for "attach mode"
	 * and then signals finds the handlers there (a SIGHUP that came first
	 * is lost under nohup, where it is ignored until now). */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	/* Preflight: root or capabilities, the -p process, then the kernel. */
	if (check_privileges(opt, &lv.runas))
		return PT_EXIT_USAGE;
	if (opt->pid > 0 && kill(opt->pid, 0) && errno == ESRCH) {
		pt_err("no process with pid %d", opt->pid);
		return PT_EXIT_USAGE;
	}
	if (session_init(&lv.s, opt)) {
		pt_err("out of memory");
		return PT_EXIT_USAGE;
	}
	if (kernel_facts(&lv))
		goto out;
	/* Prepare: configure the object, choose fentry, kprobe or tracepoint per hook. */
	if (attacher_prepare(&lv.at, opt, &lv.ki, &lv.s.ks, &lv.cfg))
		goto out;
	/* Load: the verifier checks the chosen programs. */
	if (attacher_load(&lv.at, opt))
		goto out;
	/* The ring buffer is mapped before attaching: the kernel maps its pages
	 * one by one (vm_insert_page), which the probes would see as thousands
	 * of events of our own. */
	lv.rb = ring_buffer__new(bpf_map__fd(lv.at.skel->maps.events), handle_event, &lv.s, NULL);
	if (!lv.rb) {
		pt_err("cannot create the ring buffer reader: %s", strerror(errno));
		goto out;
	}
	/* Attach: tracepoints, then probes; the attach mode is now known. */
	if (attacher_attach(&lv.at, opt))
		goto out;
	/* Record setup: analyzer, recording header, module ranges. */
	if (record_setup(&lv))
		goto out;
	/* Start: the detections list, COMMAND released. */
	if (start(&lv))
		goto out;
	/* Poll loop: events into the session until something ends the trace. */
	poll_loop(&lv);
	/* COMMAND still running (-d, a signal to us): stopped, its end known. */
	if (lv.child > 0 && !lv.child_done)
		stop_command(&lv, lv.rb);
	/* Drain and report. */
	ret = drain_and_report(&lv);
out:
	ring_buffer__free(lv.rb);
	attacher_free(&lv.at);
	if (lv.child > 0 && !lv.child_done && lv.s.cmd.status != PT_CMD_STUCK)
		stop_command(&lv, NULL);
	if (lv.exec_err_fd >= 0)
		close(lv.exec_err_fd);
	runas_free(&lv.runas);
	session_free(&lv.s);
	return ret;
}
