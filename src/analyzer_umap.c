// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings: pages of tracked blocks mapped into a process
 * (vm_insert_page, page faults: tail_page_mapped) and remap_pfn_range()
 * calls that fail (remap_failed, with the SIGBUS that may follow). It
 * reads the blocks of analyzer_blocks.c and never changes them.
 */
#include <stdio.h>
#include "analyzer_state.h"

#define VM_SHARED	0x8ull
#define VM_MAYWRITE	0x20ull
#define FAULT_FLAG_WRITE 0x1u
#define EINVAL		22

void on_user_map(struct analyzer *an, const struct pt_event *e)
{
	uint64_t pfn, h, oh;
	struct piece *p;
	struct pt_finding *f;
	int module;

	/* A private write fault maps a copy, not the driver's page. */
	if (!(e->flags & PT_F_USER_INSERT) && !(e->user_map.vm_flags & VM_SHARED) &&
	    (e->user_map.fault_flags & FAULT_FLAG_WRITE))
		return;
	if (!ptr_to_pfn(an, e->user_map.page, &pfn))
		return;
	p = find_piece(an, pfn, &h);
	if (!p || (p->flags & (BLK_COMPOUND | BLK_SPLIT)) || !p->orig_order)
		return;
	oh = orig_head(h, p);
	if (pfn == oh)
		return;
	f = scoped_finding(an, PT_K_TAIL_PAGE_MAPPED, mix(p->stack_id, p->module), e, p->module,
			   &module);
	if (!f)
		return;
	f->pages++;
	if (f->count == 1) {
		fill_finding(an, f, oh, p, NULL, p->module);
		f->addr = e->user_map.uaddr;
		f->vm_flags = e->user_map.vm_flags;
		snprintf(f->note, sizeof(f->note),
			 "tail page of a non-__GFP_COMP order-%u block mapped to user space with its own reference: when unmapped it goes back to the buddy allocator on its own; allocate with __GFP_COMP or map order-0 pages",
			 p->orig_order);
	}
}

/* Calls awaiting their return, kept apart from the per-thread state (they
 * are rare and an event is large); returns lost beyond this are dropped. */
#define MAX_PENDING_REMAPS 4096

void on_remap(struct analyzer *an, const struct pt_event *e)
{
	struct pt_event *call;

	if (an->remaps.len >= MAX_PENDING_REMAPS)
		u64map_clear(&an->remaps);
	call = u64map_put(&an->remaps, e->tid, NULL);
	if (call)
		*call = *e;
}

void on_remap_ret(struct analyzer *an, const struct pt_event *e)
{
	const struct pt_ev_remap *r;
	struct pt_event site;
	struct pt_finding *f;
	int module;
	bool cow, partial;
	uint32_t *head;

	if (!u64map_remove(&an->remaps, e->tid, &site) || e->ret >= 0)
		return;
	r = &site.remap;
	site.ip = e->ip;
	f = scoped_finding(an, PT_K_REMAP_FAILED,
			   mix(mix(site.tgid, r->vm_start), mix(e->ip, e->ret)), &site, -1, &module);
	if (!f)
		return;
	f->pages += r->size >> an->ki.page_shift;
	if (f->count > 1)
		return;
	fill_finding(an, f, r->pfn, NULL, NULL, module);
	head = u64map_put(&an->remap_tgids, f->tgid, NULL);
	if (head) {
		f->tgid_prev = *head;
		*head = (uint32_t)(f - an->f) + 1;
	}
	f->err = e->ret;
	f->vm_start = r->vm_start;
	f->vm_end = r->vm_end;
	f->vm_flags = r->vm_flags;
	f->addr = r->addr;
	f->stack_id = site.stack_id;
	f->caller = e->ip;
	cow = !(r->vm_flags & VM_SHARED) && (r->vm_flags & VM_MAYWRITE);
	partial = r->addr != r->vm_start || r->addr + r->size != r->vm_end;
	if (e->ret == -EINVAL && cow && partial)
		snprintf(f->note, sizeof(f->note),
			 "copy-on-write mapping: remap_pfn_range() covers 0x%llx+0x%x of vma 0x%llx-0x%llx (MAP_PRIVATE, VM_MAYWRITE); remap the whole vma at once, map MAP_SHARED, or clear VM_MAYWRITE",
			 (unsigned long long)r->addr, r->size, (unsigned long long)r->vm_start,
			 (unsigned long long)r->vm_end);
	else if (e->ret == -EINVAL)
		snprintf(f->note, sizeof(f->note),
			 "remap_pfn_range() rejected the range or pfn (-EINVAL)");
	else
		snprintf(f->note, sizeof(f->note), "remap_pfn_range() failed with %d", e->ret);
}

void on_signal(struct analyzer *an, const struct pt_event *e)
{
	const uint32_t *head = u64map_get(&an->remap_tgids, e->tgid);
	uint32_t i;

	/* SIGBUS for a process whose driver mapping failed: say so. Only that
	 * process's remap_failed findings, through their chain: not every
	 * finding per signal. */
	for (i = head ? *head : 0; i; i = an->f[i - 1].tgid_prev)
		an->f[i - 1].sigbus++;
}
