// SPDX-License-Identifier: GPL-2.0
/*
 * kmap_local_page() / kmap_atomic() findings: what BPF's per-task pairing
 * sends (anomalies and counts, never each map) becomes findings here. The
 * rules: local mappings form a per-task stack of at most KM_MAX_IDX, are
 * unmapped in reverse order, never outlive the function (task, module) that
 * took them, and kmap_atomic() sections never sleep.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "kmap_local.h"

void kl_free(struct pt_klocal *kl)
{
	if (kl->held.keys)
		u64map_free(&kl->held);
}

bool kl_kind(enum pt_kind k)
{
	return k >= PT_K_KMAP_LOCAL_ORDER && k <= PT_K_KMAP_LOCAL_DEPTH;
}

static uint64_t kl_mix(uint64_t h, uint64_t v)
{
	return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

/*
 * The watched module of any of the event's sites, -1 none. Every
 * PT_EV_KLOCAL_* anomaly has its address and map site where pt_ev_klocal
 * names them (KLOCAL_UNMAP's too).
 */
static int kl_module(const struct analyzer *an, const struct pt_event *e, uint64_t site2)
{
	int m = an_module_of_ip(an, e->klocal.site);

	if (m < 0 && site2)
		m = an_module_of_ip(an, site2);
	if (m < 0)
		m = an_event_module(an, e);
	return m;
}

/* The map stack of the event's mapping (top: of the top slot), -1 none. */
static int32_t kl_map_stack(const struct pt_event *e, bool top)
{
	if (!(e->flags & PT_KL_F_MAP_STACK))
		return -1;	/* a recording from before map stacks */
	return top ? (e->type == PT_EV_KLOCAL_UNMAP ? e->top_map_sid : -1) : e->map_sid;
}

/*
 * The finding for event e grouped under (kind, key and the map stack),
 * NULL when out of -m scope; first filled from the event: the site named
 * caller, its stack (a held mapping's and a depth warning's: the map
 * stack), the mapping's map site and map stack.
 */
static struct pt_finding *kl_finding(struct analyzer *an, enum pt_kind kind, uint64_t key,
				     const struct pt_event *e, uint64_t caller, uint64_t site2)
{
	int32_t map = kl_map_stack(e, false);
	int m = kl_module(an, e, site2);
	struct pt_finding *f;

	if (an_config(an)->nmodules && m < 0)
		return NULL;
	f = an_finding(an, kind, kl_mix(kl_mix(key, (uint32_t)map), (uint32_t)kl_map_stack(e, true)), e);
	if (f && f->count == 1) {
		f->addr = e->klocal.addr;
		f->caller = caller;
		f->stack_id = e->type == PT_EV_KLOCAL_HELD || e->type == PT_EV_KLOCAL_DEEP ?
			      map : e->stack_id;
		f->caller2 = e->klocal.site;
		f->stack_id2 = map;
		f->stack_id3 = kl_map_stack(e, true);
		f->module = m;
		f->depth = e->order;
		f->kdepth = e->type == PT_EV_KLOCAL_HELD ? 0 : e->klocal.kdepth;
	}
	return f;
}

static void on_unmap(struct analyzer *an, const struct pt_event *e)
{
	const struct pt_ev_klocal_unmap *u = &e->klocal_unmap;
	bool held = !(e->flags & PT_KL_F_NOT_HELD);
	struct pt_finding *f;

	f = kl_finding(an, held ? PT_K_KMAP_LOCAL_ORDER : PT_K_KUNMAP_LOCAL_BAD,
		       kl_mix(kl_mix(e->ip, u->site), u->top_site), e, e->ip, u->top_site);
	if (!f || f->count > 1)
		return;
	f->caller2 = u->site;
	f->caller3 = u->top_site;
	if (held)
		snprintf(f->note, sizeof(f->note),
			 "kunmap_local() of a mapping that is not the latest: local mappings are a stack, unmapped in reverse order; the kernel warns once per boot and unmaps the top slot instead");
	else
		snprintf(f->note, sizeof(f->note),
			 "kunmap_local() of a mapping slot address that holds no local mapping of this task (already unmapped?)%s",
			 u->top_site ? "; the kernel unmaps the top slot instead" : "");
}

/* Whether this held mapping (map time, address) was judged already. */
static bool kl_seen(struct pt_klocal *kl, const struct pt_event *e)
{
	uint64_t key = kl_mix(e->klocal.map_ts, e->klocal.addr);
	bool existed = false;

	if (key == U64MAP_EMPTY)
		key--;
	if (!kl->held.keys && u64map_init(&kl->held, 0))
		return false;
	u64map_put(&kl->held, key, &existed);
	return existed;
}

static void on_held(struct analyzer *an, struct pt_klocal *kl, const struct pt_event *e)
{
	static const char *const why[] = {
		[PT_KL_HELD_EXIT] = "still held when its task exited",
		[PT_KL_HELD_UNLOAD] = "taken by the module and still held at its unload",
		[PT_KL_HELD_END] = "still held at the end of tracing, for over a second",
	};
	const struct pt_ev_klocal *h = &e->klocal;
	uint64_t age = e->ts > h->map_ts ? e->ts - h->map_ts : 0;
	struct pt_finding *f;

	if (h->why < PT_KL_HELD_EXIT || h->why > PT_KL_HELD_END)
		return;
	if (h->why == PT_KL_HELD_UNLOAD && an_module_of_ip(an, h->site) < 0)
		return;
	if (h->why == PT_KL_HELD_END && age < PT_KL_HOLD_NS) {
		kl->young_at_end++;
		return;
	}
	/* One mapping, one occurrence: seen at an unload, not again later. */
	if (kl_seen(kl, e))
		return;
	f = kl_finding(an, PT_K_KMAP_LOCAL_LEAK, kl_mix(h->why, h->site), e, h->site, 0);
	if (!f)
		return;
	f->pages++;
	if (age > f->age_ns)
		f->age_ns = age;
	if (f->count == 1)
		snprintf(f->note, sizeof(f->note),
			 "%s mapping %s: a local mapping must not outlive the function that took it",
			 e->flags & PT_KL_F_ATOMIC ? "kmap_atomic()" : "kmap_local", why[h->why]);
}

static void on_sched(struct analyzer *an, const struct pt_event *e)
{
	uint64_t site = e->klocal.site;
	struct pt_finding *f = kl_finding(an, PT_K_KMAP_ATOMIC_SLEEP, site, e, site, 0);

	if (f && f->count == 1)
		snprintf(f->note, sizeof(f->note),
			 "task switched out while holding a kmap_atomic() mapping (page faults and preemption must stay off until kunmap_atomic()); the stack is where it slept");
}

static void on_deep(struct analyzer *an, const struct pt_klocal *kl, const struct pt_event *e)
{
	const struct pt_ev_klocal *d = &e->klocal;
	struct pt_finding *f = kl_finding(an, PT_K_KMAP_LOCAL_DEPTH, d->site, e, d->site, 0);

	if (!f)
		return;
	if (d->kdepth > f->kdepth)
		f->kdepth = e->type == PT_EV_KLOCAL_HELD ? 0 : d->kdepth;
	if (f->count == 1)
		snprintf(f->note, sizeof(f->note),
			 "%u local mappings held at once, near the limit of %u (KM_MAX_IDX; one more than that is a BUG())",
			 d->kdepth, kl->km_max ? kl->km_max : PT_KL_SLOTS);
}

void kl_event(struct analyzer *an, struct pt_klocal *kl, const struct pt_event *e)
{
	switch (e->type) {
	case PT_EV_KLOCAL_UNMAP:
		on_unmap(an, e);
		break;
	case PT_EV_KLOCAL_HELD:
		on_held(an, kl, e);
		break;
	case PT_EV_KLOCAL_SCHED:
		on_sched(an, e);
		break;
	case PT_EV_KLOCAL_DEEP:
		on_deep(an, kl, e);
		break;
	case PT_EV_KLOCAL_COUNTS:
		kl->maps = e->klocal_counts.maps;
		kl->unmaps = e->klocal_counts.unmaps;
		kl->untracked = e->klocal_counts.untracked;
		kl->peak = e->klocal_counts.peak;
		kl->sched_outs = e->klocal_counts.sched_outs;
		kl->km_max = e->klocal_counts.km_max;
		break;
	default:
		break;
	}
}
