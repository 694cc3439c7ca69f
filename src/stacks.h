/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stacks by BPF stack id, kept once each (ids are stable). Storage
 * only: reading the live map is session.c's (through stackmap.c).
 */
#ifndef PT_STACKS_H
#define PT_STACKS_H

#include <stdbool.h>
#include <stdint.h>
#include "analyzer.h"
#include "u64map.h"

struct stacks {
	struct u64map map;	/* id -> struct stack_loc */
	uint64_t *ips;
	size_t n, cap;
};

int stacks_init(struct stacks *s);
void stacks_free(struct stacks *s);
int stacks_add(struct stacks *s, int32_t id, const uint64_t *ips, uint32_t nr);
bool stacks_get(const struct stacks *s, int32_t id, struct pt_stack *out);

#endif
