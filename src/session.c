// SPDX-License-Identifier: GPL-2.0
/*
 * One tracing session, live or replayed: routes each raw event to the
 * analyzer, stacks and module cache, and to the recording. Part of the core
 * library: it must not call libbpf nor hold BPF objects (live.c owns those);
 * the live stack map is read through stackmap.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session.h"
#include "srcline.h"

/* stackmap.c is linked into the pagetrack binary only: elsewhere (unit
 * tests, fuzzing) this stays NULL, and there is no stack map to read. */
#pragma weak session_map_stack
/* srcline.c (libdw) likewise: without it, no source lines. */
#pragma weak srcline_new
#pragma weak srcline_bind
#pragma weak srcline_module_loaded
#pragma weak srcline_free
#pragma weak srcline_of
#pragma weak srcline_chain

void pt_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pagetrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int session_init(struct session *s, const struct pt_options *opt)
{
	memset(s, 0, sizeof(*s));
	s->opt = opt;
	s->stack_fd = -1;
	s->kl_stack_fd = -1;
	s->out = stdout;
	s->next_inline_id = PT_INLINE_ID_BASE;
	s->ks.raw_addresses = opt->raw_addresses;
	if (opt->ci_source)
		s->src = *opt->ci_source;
	if (stacks_init(&s->stacks) || u64map_init(&s->rec_ips, 0))
		return -ENOMEM;
	return 0;
}

static int source_chain(void *ctx, uint64_t ip, void *out, int max)
{
	return srcline_chain(ctx, ip, out, max);
}

void session_sources(struct session *s, const char *release, bool live)
{
	if (!srcline_new || !s->opt->nmodules || s->srcline)
		return;
	s->srcline = srcline_new(s->opt->module_files, s->opt->nmodule_files, release, live);
	if (!s->srcline)
		return;
	srcline_bind(s->srcline, s->an, &s->ks);
	s->ks.source_of = srcline_of;
	s->ks.source_chain = source_chain;
	s->ks.source_ctx = s->srcline;
	/* The CI formats' locations, unless a test gave its own resolver. */
	if (!s->src.source_of) {
		s->src.source_of = srcline_of;
		s->src.ctx = s->srcline;
	}
}

void session_free(struct session *s)
{
	if (s->srcline && srcline_free)
		srcline_free(s->srcline);
	an_free(s->an);
	ksyms_free(&s->ks);
	stacks_free(&s->stacks);
	u64map_free(&s->rec_ips);
	if (s->rec)
		fclose(s->rec);
}

/*
 * A write to the recording failed (a full disk, a quota): said at once with
 * its errno, and the recording stops there; tracing and the report go on,
 * and the exit status is 2 (the recording is incomplete).
 */
static void record_failed(struct session *s, int err)
{
	if (!err || s->rec_err)
		return;
	s->rec_err = err;
	s->out_failed = true;
	pt_err("writing the recording %s failed: %s; recording stopped here (tracing goes on, exit status 2)",
	       s->opt->record_path ? s->opt->record_path : "", strerror(-err));
}

static void record(struct session *s, uint32_t type, const void *p, uint32_t len)
{
	if (s->rec && !s->rec_err)
		record_failed(s, rec_write(s->rec, type, p, len));
}

static void record_stack(struct session *s, int32_t id, const struct pt_stack *st)
{
	uint32_t hdr[2] = { (uint32_t)id, st->nr };

	if (s->rec && !s->rec_err)
		record_failed(s, rec_write2(s->rec, PT_REC_STACK, hdr, sizeof(hdr), st->ips,
					    st->nr * sizeof(uint64_t)));
}

/*
 * A stack that came inline (the stack map's bucket was taken) gets an id of
 * its own, above any the stack map hands out, and is cached and recorded
 * like the others.
 */
static void inline_stack(struct session *s, const void *data, struct pt_event *ev)
{
	struct pt_event_stack es;
	struct pt_stack st;
	int32_t id = s->next_inline_id;

	memcpy(&es, data, sizeof(es));
	if (!es.nr || es.nr > PT_INLINE_STACK || id == INT32_MAX)
		return;
	if (stacks_add(&s->stacks, id, (const uint64_t *)es.ips, es.nr) || !stacks_get(&s->stacks, id, &st))
		return;
	s->next_inline_id++;
	ev->stack_id = id;
	record_stack(s, id, &st);
}

/*
 * Frames under which a page allocation is the kernel's, not the caller's,
 * even with a watched module's frame further down the stack:
 * - caches that build objects on pages they keep (slab pages, page tables
 *   of vmalloc and ioremap, percpu chunks, page fragments of network
 *   buffers): a module that asks them for an object neither owns nor leaks
 *   the pages they allocate meanwhile;
 * - memory management's own work done inside the module's call: migration
 *   targets (CMA behind dma_alloc_coherent() on ARM moves movable pages out
 *   of its area into pages allocated here, which stay their old owners'),
 *   and reclaim;
 * - pages of others that the module's call makes exist: a user page faulted
 *   in by copy_to_user() or pin_user_pages() (handle_mm_fault: the
 *   process's), a file's page cache read in by request_firmware() or
 *   kernel_read() (the file's). A module's own fault handler allocates
 *   above handle_mm_fault, in its own frame, and stays its own.
 */
static const char *const kernel_owned_prefixes[] = {
	"allocate_slab", "new_slab", "___slab_alloc", "cache_grow_begin", "kmem_getpages",
	"pte_alloc_one", "__pte_alloc", "pmd_alloc_one", "__pmd_alloc", "__pud_alloc",
	"__p4d_alloc", "pcpu_", "__page_frag_cache_refill", "page_frag_alloc",
	"alloc_migration_target", "alloc_migrate_", "migrate_pages", "compaction_alloc",
	"alloc_misplaced_dst", "alloc_demote_", "__alloc_pages_direct_reclaim",
	"try_to_free_pages", "shrink_", "handle_mm_fault", "filemap_", "page_cache_ra",
	"__page_cache_alloc", NULL,
};

bool session_kernel_owned_frame(const char *fn)
{
	unsigned int k;

	for (k = 0; fn && kernel_owned_prefixes[k]; k++)
		if (!strncmp(fn, kernel_owned_prefixes[k], strlen(kernel_owned_prefixes[k])))
			return true;
	return false;
}

/* A page allocation with a watched module's frame, made by the kernel for
 * itself inside that frame (above). Live only: needs symbols. */
static bool kernel_owned(struct session *s, const struct pt_event *ev)
{
	struct pt_stack st;
	char buf[256];
	unsigned int i, j;

	if (!s->opt->nmodules || ev->type != PT_EV_PAGE_ALLOC || s->stack_fd < 0 ||
	    !session_stack(s, ev->stack_id, &st))
		return false;
	for (i = 0; i < st.nr && an_module_of_ip(s->an, st.ips[i]) < 0; i++)
		;
	if (i == st.nr)
		return false;	/* no watched frame: nobody's to take away */
	for (j = 0; j < i && j < st.nr; j++)
		if (session_kernel_owned_frame(ksyms_func(&s->ks, st.ips[j], buf, sizeof(buf))))
			return true;
	return false;
}

bool session_stack(void *ctx, int32_t id, struct pt_stack *out)
{
	struct session *s = ctx;

	if (stacks_get(&s->stacks, id, out))
		return true;
	if (s->stack_fd < 0 || id < 0 || !session_map_stack)
		return false;
	memset(s->stack_buf, 0, sizeof(s->stack_buf));
	if (id & PT_KL_STACK_ID && id < PT_INLINE_ID_BASE) {
		if (s->kl_stack_fd < 0 ||
		    !session_map_stack(s->kl_stack_fd, id & ~PT_KL_STACK_ID, s->stack_buf))
			return false;
	} else if (!session_map_stack(s->stack_fd, id, s->stack_buf)) {
		return false;
	}
	if (stacks_add(&s->stacks, id, s->stack_buf, PT_MAX_STACK))
		return false;
	if (!stacks_get(&s->stacks, id, out))
		return false;
	record_stack(s, id, out);
	return true;
}

void session_module_range(void *ctx, const char *name, uint64_t base, uint64_t size)
{
	struct session *s = ctx;
	struct pt_rec_module m;
	unsigned int i;

	for (i = 0; i < s->opt->nmodules; i++) {
		if (strcmp(s->opt->modules[i], name))
			continue;
		an_module_range(s->an, name, base, size);
		memset(&m, 0, sizeof(m));
		m.base = base;
		m.size = size;
		snprintf(m.name, sizeof(m.name), "%s", name);
		record(s, PT_REC_MODULE, &m, sizeof(m));
	}
}

/* Monotonic seconds: the clock of deadlines, intervals and symbol refreshes. */
double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool watched(const struct session *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->opt->nmodules; i++)
		if (!strcmp(s->opt->modules[i], name))
			return true;
	return false;
}

/*
 * Rereading /proc/kallsyms costs the kernel and us a lot (seconds under
 * TCG), so it happens at most once a second: a module load marks the table
 * stale, and a watched module already cached at its text size needs nothing.
 * Each reread caches the watched modules it finds, by offset.
 */
static void module_loaded(struct session *s, const struct pt_module_event *m)
{
	bool known = m->ev.module.base && m->ev.module.size, bpf_covers;

	if (s->srcline && watched(s, m->name))
		srcline_module_loaded(s->srcline, m->name);
	if (known)
		session_module_range(s, m->name, m->ev.module.base, m->ev.module.size);
	else
		modules_scan("/proc/modules", session_module_range, s);
	if (known && watched(s, m->name) &&
	    ksyms_module_cached(&s->ks, m->name, false, m->ev.module.size))
		return;
	s->ks_stale = true;
	/*
	 * A watched module never named yet is read at once, whatever the rate
	 * (a CI job may unload it within the second), unless BPF sends its
	 * functions: from do_init_module for a symbol table it walks whole
	 * (the module tracepoint's twin event says nothing).
	 */
	bpf_covers = s->bpf_module_syms &&
		     (!known || (m->ev.module.nsyms && m->ev.module.nsyms <= PT_MAX_MOD_SYMS));
	session_refresh_symbols(s, watched(s, m->name) && !bpf_covers &&
				!ksyms_module_seen(&s->ks, m->name));
}

/* A function of a module being loaded, from BPF (or its recording). */
static void module_sym(struct session *s, const struct pt_module_event *m)
{
	unsigned int i;

	bool init = m->ev.flags & PT_F_INIT_TEXT;
	const struct pt_ev_module_sym *sym = &m->ev.module_sym;

	for (i = 0; i < s->nloads && i < PT_RECENT_LOADS; i++) {
		if ((init ? s->loads[i].init_base : s->loads[i].base) != sym->text_base ||
		    !watched(s, s->loads[i].name))
			continue;
		if (sym->addr >= sym->text_base && sym->addr - sym->text_base < sym->text_size &&
		    m->name[0])
			ksyms_module_add(&s->ks, s->loads[i].name, init, sym->text_size,
					 sym->addr - sym->text_base, m->name);
		return;
	}
}

void session_refresh_symbols(struct session *s, bool now)
{
	unsigned int i;
	double t;

	if (!s->ks_stale)
		return;
	t = mono_s();
	if (!now && t - s->ks_loaded < 1.0)
		return;
	ksyms_reload(&s->ks, "/proc/kallsyms");
	s->ks_loaded = t;
	s->ks_stale = false;
	for (i = 0; i < s->opt->nmodules; i++) {
		const struct pt_module_range *r = an_module(s->an, i);

		if (!r || !r->loaded)
			continue;
		if (r->size && !ksyms_module_cached(&s->ks, r->name, false, r->size))
			ksyms_cache_module(&s->ks, r->name, false, r->base, r->size);
		/* kallsyms lists init functions until the init text is freed. */
		if (r->init_live && !ksyms_module_cached(&s->ks, r->name, true, r->init_size))
			ksyms_cache_module(&s->ks, r->name, true, r->init_base, r->init_size);
	}
}

_Static_assert(sizeof(struct pt_kmem_event) == 40, "pt_kmem_event layout changed");

/* A compact kmem record as the pt_event it stands for: no stack, no comm. */
static void widen_kmem(const struct pt_kmem_event *k, struct pt_event *e)
{
	memset(e, 0, sizeof(*e));
	e->ts = k->ts;
	e->a0 = k->pfn;
	e->type = k->type;
	e->order = k->order;
	e->gfp = k->gfp;
	e->flags = k->flags;
	e->tgid = k->tgid;
	e->tid = k->tid;
	e->stack_id = -1;
}

void session_event(struct session *s, const void *data, size_t size)
{
	const struct pt_event *ev = data;	/* 8-byte aligned in both feeds */
	struct pt_module_event m;
	struct pt_stack st;

	if (size == sizeof(struct pt_kmem_event)) {
		widen_kmem(data, &m.ev);
		ev = &m.ev;
	} else if (size < sizeof(struct pt_event)) {
		return;
	}
	s->received++;
	if ((ev->type == PT_EV_MODULE_LOAD || ev->type == PT_EV_MODULE_FREE ||
	     ev->type == PT_EV_MODULE_SYM || ev->type == PT_EV_MODULE_UNLOAD ||
	     ev->type == PT_EV_DMA_DEV) &&
	    size >= sizeof(m)) {
		memcpy(&m, data, sizeof(m));
		m.name[PT_MODNAME_LEN - 1] = 0;
		/* The analyzer only counts a MODULE_SYM (name: the function). */
		if (m.ev.type == PT_EV_MODULE_SYM)
			module_sym(s, &m);
		if (m.ev.type == PT_EV_MODULE_LOAD && m.ev.module.base) {
			unsigned int slot = s->nloads++ % PT_RECENT_LOADS;

			snprintf(s->loads[slot].name, sizeof(s->loads[slot].name), "%s", m.name);
			s->loads[slot].base = m.ev.module.base;
			s->loads[slot].init_base = m.ev.module.init_base;
		}
		record(s, PT_REC_MODEVENT, &m, sizeof(m));
		an_event(s->an, &m.ev, m.name);
		/* A module came: learn its range before its first allocation. */
		if (m.ev.type == PT_EV_MODULE_LOAD && s->stack_fd >= 0)
			module_loaded(s, &m);
		if (m.ev.type == PT_EV_MODULE_FREE && watched(s, m.name))
			s->watched_unloads++;
		return;
	}
	if (size >= sizeof(struct pt_event_stack)) {
		memcpy(&m.ev, data, sizeof(m.ev));
		inline_stack(s, data, &m.ev);
		ev = &m.ev;
	}
	if (kernel_owned(s, ev)) {
		s->kernel_owned++;
		if (ev != &m.ev) {
			memcpy(&m.ev, ev, sizeof(m.ev));
			ev = &m.ev;
		}
		m.ev.flags |= PT_F_KERNEL_OWNED;
	}
	if (s->rec) {
		if (ev->stack_id >= 0 && !session_stack(s, ev->stack_id, &st))
			s->stack_fail++;
		/* kmap_local's map stacks are recorded as they come, too. */
		if (ev->type >= PT_EV_KLOCAL_UNMAP && ev->type < PT_EV_KLOCAL_COUNTS &&
		    (ev->flags & PT_KL_F_MAP_STACK)) {
			if (ev->map_sid >= 0 && !session_stack(s, ev->map_sid, &st))
				s->stack_fail++;
			if (ev->type == PT_EV_KLOCAL_UNMAP && ev->top_map_sid >= 0 &&
			    !session_stack(s, ev->top_map_sid, &st))
				s->stack_fail++;
		}
		if (ev->ip)
			u64map_put(&s->rec_ips, ev->ip, NULL);
		/* kmap_local events name map sites there too (not the
		 * totals: their a1 is a count). */
		if (ev->type >= PT_EV_KLOCAL_UNMAP && ev->type < PT_EV_KLOCAL_COUNTS &&
		    ev->klocal.site)
			u64map_put(&s->rec_ips, ev->klocal.site, NULL);
		if (ev->type == PT_EV_KLOCAL_UNMAP && ev->klocal_unmap.top_site)
			u64map_put(&s->rec_ips, ev->klocal_unmap.top_site, NULL);
	}
	record(s, PT_REC_EVENT, ev, sizeof(*ev));
	an_event(s->an, ev, NULL);
}

int session_record_close(struct session *s, uint64_t produced, uint64_t lost,
			 uint64_t stack_fail, uint64_t end_ns)
{
	struct pt_rec_end end = { produced, lost, stack_fail, s->received, end_ns };
	char text[320];
	size_t i;

	if (!s->rec)
		return 0;
	/* Symbolize every address a report may print, while we still can. */
	for (i = 0; i < s->stacks.n; i++)
		u64map_put(&s->rec_ips, s->stacks.ips[i], NULL);
	for (i = 0; i < s->rec_ips.cap; i++) {
		uint64_t addr;

		if (!u64map_used(&s->rec_ips, i))
			continue;
		addr = s->rec_ips.keys[i];
		/* Unknown ones stay unnamed: replay decides how to print them. */
		if (!report_sym_known(s->an, &s->ks, addr, text, sizeof(text)))
			continue;
		if (!s->rec_err)
			record_failed(s, rec_write2(s->rec, PT_REC_SYM, &addr, sizeof(addr), text,
						    strlen(text) + 1));
	}
	record(s, PT_REC_END, &end, sizeof(end));
	/* What stdio still held goes out here: its failure is the write's. */
	errno = 0;
	if (!s->rec_err && (fflush(s->rec) || ferror(s->rec)))
		record_failed(s, errno ? -errno : -EIO);
	if (fclose(s->rec) && !s->rec_err)
		record_failed(s, errno ? -errno : -EIO);
	s->rec = NULL;
	if (s->rec_err) {
		pt_err("the recording %s is incomplete (%s): it ends where writing failed",
		       s->opt->record_path ? s->opt->record_path : "", strerror(-s->rec_err));
		return -1;
	}
	return 0;
}

/*
 * One rewrite of --metrics-file or --folded: a failure is said when it
 * starts or its errno changes (not every interval), its end too; any
 * failure makes the exit status 2.
 */
static void file_written(struct session *s, const char *path, int err, int *last)
{
	if (err && err != *last)
		pt_err("cannot write %s: %s (exit status 2%s)", path, strerror(-err),
		       s->opt->replay_path ? "" : "; retried every interval");
	else if (!err && *last)
		pt_err("%s written again", path);
	if (err)
		s->out_failed = true;
	*last = err;
}

void session_write_files(struct session *s, uint64_t now_ns)
{
	if (s->opt->metrics_path)
		file_written(s, s->opt->metrics_path,
			     metrics_write(s->opt->metrics_path, s->an, &s->ks, s->opt->top, now_ns),
			     &s->metrics_err);
	if (s->opt->folded_path)
		file_written(s, s->opt->folded_path,
			     folded_write(s->opt->folded_path, s->an, &s->ks, now_ns,
					  (uint64_t)(s->opt->min_age * 1e9)),
			     &s->folded_err);
}

int session_write_ci(struct session *s)
{
	int err, ret = 0;

	if (s->opt->sarif_path &&
	    (err = sarif_write(s->opt->sarif_path, s->an, &s->ks, &s->src,
				   s->probe_misses))) {
		pt_err("cannot write %s: %s", s->opt->sarif_path, strerror(-err));
		ret = -1;
	}
	if (s->opt->junit_path &&
	    (err = junit_write(s->opt->junit_path, s->an, &s->ks,
			       s->cmd.status != PT_CMD_NONE ? &s->cmd : NULL, s->probe_misses))) {
		pt_err("cannot write %s: %s", s->opt->junit_path, strerror(-err));
		ret = -1;
	}
	s->ci_failed = ret < 0;
	return ret;
}

int session_report(struct session *s, const char *attach_mode)
{
	const struct pt_command_end *cmd = s->cmd.status != PT_CMD_NONE ? &s->cmd : NULL;
	struct report_opts o = { .json = s->opt->json, .attach_mode = attach_mode,
				 .top = s->opt->top, .filtered = s->filtered,
				 .probe_misses = s->probe_misses, .cmd = cmd };
	struct pt_verdict v;

	const struct pt_stats *st = an_stats(s->an);

	/* Damaged events (impossible type, order or pfn) were skipped: say so
	 * once; the summary counts them too. */
	if (st->bad_events)
		pt_err("%llu damaged event(s) skipped (impossible type, order or pfn): %s",
		       (unsigned long long)st->bad_events,
		       attach_mode && !strcmp(attach_mode, "replay") ?
		       "the recording is corrupted, or from a newer pagetrack" :
		       "a kernel-side fault; findings may be incomplete");
	verdict_make(&v, s->an, cmd);
	/* An output that could not be written (metrics, folded, a CI file):
	 * the run's outputs are incomplete and must not pass for a verdict. */
	if (s->out_failed || s->ci_failed)
		v.exit_status = PT_EXIT_USAGE;
	o.exit_status = v.exit_status;
	/* The errno of a failed write is the last one set while printing. */
	errno = 0;
	report_print(s->out, s->an, &s->ks, &o);
	if (fflush(s->out) || ferror(s->out)) {
		pt_err("writing the report failed: %s", strerror(errno ? errno : EIO));
		return PT_EXIT_USAGE;
	}
	verdict_explain(stderr, s->an, cmd);
	/* stderr: the runner reads workflow commands there too, and stdout
	 * stays the report. */
	if (s->opt->gh_annotations)
		gh_annotations(stderr, s->an, &s->ks, &s->src, s->probe_misses);
	return v.exit_status;
}
