/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stacks behind events.h's STK_* ids, for the unit tests that run the
 * analyzer on synthetic events: one table, read through stack_ips() (the
 * analyzer's stack lookup). Only stacks: no events, no checks.
 */
#ifndef PT_TEST_STACK_TABLE_H
#define PT_TEST_STACK_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "events.h"

/* Another stack through the same module call site as STK_MODULE. */
#define STK_MODULE_ALT	5

static const uint64_t stk_module[] = { 0xffffffff81100000ULL, MOD_IP, 0xffffffff81200000ULL };
static const uint64_t stk_other[] = { 0xffffffff81100000ULL, KERNEL_IP };
static const uint64_t stk_module2[] = { 0xffffffff81100000ULL, MOD_IP2 };
static const uint64_t stk_module_alt[] = { 0xffffffff81100000ULL, MOD_IP, 0xffffffff81300000ULL };
static const uint64_t stk_init[] = { 0xffffffff81100000ULL, INIT_IP, 0xffffffff81200000ULL };

static inline bool stack_ips(void *ctx, int32_t id, struct pt_stack *out)
{
	(void)ctx;
	switch (id) {
	case STK_MODULE:
		out->ips = stk_module;
		out->nr = 3;
		return true;
	case STK_OTHER:
		out->ips = stk_other;
		out->nr = 2;
		return true;
	case STK_MODULE2:
		out->ips = stk_module2;
		out->nr = 2;
		return true;
	case STK_MODULE_ALT:
		out->ips = stk_module_alt;
		out->nr = 3;
		return true;
	case STK_INIT:
		out->ips = stk_init;
		out->nr = 3;
		return true;
	}
	return false;
}

#endif
