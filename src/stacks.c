// SPDX-License-Identifier: GPL-2.0
/*
 * Stack store: stack ids (from the BPF stack map, or inline stacks given ids
 * of their own) to frames, as seen at the time of the event. Core library:
 * it stores and returns frames, never reads the BPF map itself.
 */
#include <stdlib.h>
#include <string.h>
#include "stacks.h"

struct stack_loc {
	uint64_t off;
	uint32_t nr;
};

int stacks_init(struct stacks *s)
{
	memset(s, 0, sizeof(*s));
	return u64map_init(&s->map, sizeof(struct stack_loc));
}

void stacks_free(struct stacks *s)
{
	u64map_free(&s->map);
	free(s->ips);
	memset(s, 0, sizeof(*s));
}

int stacks_add(struct stacks *s, int32_t id, const uint64_t *ips, uint32_t nr)
{
	struct stack_loc *l;
	bool existed;

	if (id < 0)
		return -1;
	/* Trailing zero frames are unused slots of the stack map value. */
	while (nr && !ips[nr - 1])
		nr--;
	if (!s->ips || s->n + nr > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *p;

		while (cap < s->n + nr)
			cap *= 2;
		p = realloc(s->ips, cap * sizeof(*p));
		if (!p)
			return -1;
		s->ips = p;
		s->cap = cap;
	}
	l = u64map_put(&s->map, (uint32_t)id, &existed);
	if (!l)
		return -1;
	if (existed)
		return 0;
	memcpy(s->ips + s->n, ips, nr * sizeof(*ips));
	l->off = s->n;
	l->nr = nr;
	s->n += nr;
	return 0;
}

bool stacks_get(const struct stacks *s, int32_t id, struct pt_stack *out)
{
	const struct stack_loc *l;

	if (id < 0 || !(l = u64map_get(&s->map, (uint32_t)id)))
		return false;
	out->nr = l->nr;
	out->ips = s->ips + l->off;
	return true;
}
