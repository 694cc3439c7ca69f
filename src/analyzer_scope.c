// SPDX-License-Identifier: GPL-2.0
/*
 * -m scope: the watched modules' text ranges (core and init), their load,
 * init end, unload and free, and which watched module an event's code
 * belongs to (its caller, a frame of its stack, or the exit function the
 * thread is running). It decides ownership only; what an event means and
 * whether it is a finding is for the handlers.
 */
#include <string.h>
#include "analyzer_state.h"

static int watched_index(const struct analyzer *an, const char *name)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (!strcmp(an->mods[i].name, name))
			return i;
	return -1;
}

void an_module_range(struct analyzer *an, const char *name, uint64_t base, uint64_t size)
{
	int i = watched_index(an, name);

	if (i < 0)
		return;
	/* First seen through its range: loaded before tracing, init done. */
	if (!an->mods[i].seen)
		an->mods[i].init_ok = true;
	an->mods[i].seen = true;
	an->mods[i].base = base;
	an->mods[i].size = size;
	an->mods[i].loaded = true;
}

enum pt_module_state pt_module_state(const struct pt_module_range *m)
{
	if (!m->seen)
		return PT_MOD_NEVER_LOADED;
	if (m->init_failed && !m->init_ok)
		return PT_MOD_INIT_FAILED;
	return m->loaded ? PT_MOD_LOADED : PT_MOD_UNLOADED;
}

const char *pt_module_state_name(enum pt_module_state st)
{
	static const char *const names[] = {
		[PT_MOD_NEVER_LOADED] = "never_loaded", [PT_MOD_INIT_FAILED] = "init_failed",
		[PT_MOD_LOADED] = "loaded", [PT_MOD_UNLOADED] = "unloaded",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

static bool in_range(uint64_t ip, uint64_t base, uint64_t size)
{
	return size && ip >= base && ip - base < size;
}

/* Core text first: a later module's core may lie where an init text was. */
static int module_at(const struct analyzer *an, uint64_t ip, bool past_init)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (in_range(ip, an->mods[i].base, an->mods[i].size))
			return i;
	for (i = 0; i < an->cfg.nmodules; i++) {
		const struct pt_module_range *m = &an->mods[i];

		if ((m->init_live || past_init) && in_range(ip, m->init_base, m->init_size))
			return i;
	}
	return -1;
}

int an_module_of_ip(const struct analyzer *an, uint64_t ip)
{
	return module_at(an, ip, true);
}

bool an_module_ip_init(const struct analyzer *an, int idx, uint64_t ip)
{
	const struct pt_module_range *m = an_module(an, idx);

	return m && !in_range(ip, m->base, m->size) && in_range(ip, m->init_base, m->init_size);
}

/* The watched module whose exit function thread tid is running, or -1. */
static int module_exiting(const struct analyzer *an, uint32_t tid)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++)
		if (an->mods[i].exiting && an->mods[i].exit_tid == tid)
			return i;
	return -1;
}

/* A watched module's code made the event: its caller, or a frame of its stack. */
static int module_frame(const struct analyzer *an, const struct pt_event *e)
{
	struct pt_stack s;
	unsigned int i;
	int m;

	if (!an->cfg.nmodules)
		return -1;
	if (e->ip && (m = module_at(an, e->ip, false)) >= 0)
		return m;
	if (an_stack(an, e->stack_id, &s))
		for (i = 0; i < s.nr; i++)
			if ((m = module_at(an, s.ips[i], false)) >= 0)
				return m;
	return -1;
}

static bool free_event(const struct pt_event *e)
{
	return e->type == PT_EV_FREE_PAGES || e->type == PT_EV_FREE_ADDR ||
	       e->type == PT_EV_KUNMAP;
}

/*
 * Which watched module, if any, is on this event's stack (or is its caller).
 * A free the module's exit function makes as its last call is a tail call:
 * no frame of the module is left, but the thread is still in its exit.
 */
int module_of_event(const struct analyzer *an, const struct pt_event *e)
{
	int m = module_frame(an, e);

	return m < 0 && free_event(e) ? module_exiting(an, e->tid) : m;
}

/* Where a free was called from: the immediate caller, or the exit function
 * that tail-called it. */
uint64_t free_caller(const struct analyzer *an, const struct pt_event *e)
{
	int m = module_exiting(an, e->tid);

	if (m < 0 || !an->mods[m].exit_fn || module_frame(an, e) >= 0)
		return e->ip;
	return an->mods[m].exit_fn;
}

int an_event_module(const struct analyzer *an, const struct pt_event *e)
{
	return module_of_event(an, e);
}

/* do_init_module returned on this thread: the init text it ran is gone. */
void on_module_init_end(struct analyzer *an, const struct pt_event *e)
{
	unsigned int i;

	for (i = 0; i < an->cfg.nmodules; i++) {
		struct pt_module_range *m = &an->mods[i];

		if (m->init_tid != e->tid || !(m->init_live || m->init_freed))
			continue;
		m->init_live = false;
		m->init_freed = false;
		if (e->ret) {
			m->init_failed = true;
			m->init_ret = e->ret;
		} else {
			m->init_ok = true;
		}
	}
}

void on_module(struct analyzer *an, const struct pt_event *e, const char *name)
{
	int i = name ? watched_index(an, name) : -1;
	struct pt_module_range *m;

	if (e->type == PT_EV_MODULE_LOAD)
		learn_memmap_base(an, e->module.memmap_base);
	if (i < 0)
		return;
	m = &an->mods[i];
	if (e->type == PT_EV_MODULE_LOAD) {
		/* The first of a load's events (tracepoint, then do_init_module). */
		if (!m->loaded)
			m->load_ts = e->ts;
		m->seen = true;
		m->loaded = true;
	}
	if (e->type == PT_EV_MODULE_FREE) {
		/* Freed inside do_init_module: its init failed (the return
		 * value follows, in MODULE_INIT_END). */
		if (m->init_live) {
			m->init_failed = true;
			m->init_freed = true;
		}
		m->loaded = false;
		m->unloaded = true;
		m->init_live = false;
		m->exiting = false;
		return;
	}
	if (e->type == PT_EV_MODULE_UNLOAD) {
		m->exiting = true;
		m->exit_tid = e->tid;
		return;
	}
	if (e->ip)
		m->exit_fn = e->ip;
	/* From do_init_module (the tracepoint's twin has no ranges). */
	if (e->module.base && e->module.init_base && e->module.init_size &&
	    e->module.init_size < (1ULL << 32)) {
		m->init_base = e->module.init_base;
		m->init_size = e->module.init_size;
		m->init_tid = e->tid;
		m->init_live = true;
	}
}

bool an_watched_unloaded(const struct analyzer *an)
{
	unsigned int i;

	if (!an->cfg.nmodules)
		return false;
	for (i = 0; i < an->cfg.nmodules; i++)
		if (!an->mods[i].unloaded || an->mods[i].loaded)
			return false;
	return true;
}
