// SPDX-License-Identifier: GPL-2.0
/*
 * kmap_local findings (src/kmap_local.c) from the KLOCAL_* events BPF's
 * per-task pairing sends, through the real analyzer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "analyzer.h"
#include "kmap_local.h"
#include "events.h"

#define SLOT0	0xfffbb000ULL
#define SLOT1	0xfffba000ULL
#define SEC	1000000000ULL

static const uint64_t stk_module[] = { 0xffffffff81100000ULL, MOD_IP };
static const uint64_t stk_other[] = { 0xffffffff81100000ULL, KERNEL_IP };

static bool stack_ips(void *ctx, int32_t id, struct pt_stack *out)
{
	(void)ctx;
	out->ips = id == STK_MODULE ? stk_module : stk_other;
	out->nr = 2;
	return id == STK_MODULE || id == STK_OTHER;
}

static struct analyzer *an_make(bool scoped)
{
	struct pt_config cfg = { .api_events = true, .pkmap_pct = 50 };
	struct pt_kernel_info ki = { .arch = PT_ARCH_I386, .page_shift = 12,
				     .struct_page_size = 36, .last_pkmap = 512 };
	struct analyzer *an;

	if (scoped) {
		cfg.nmodules = 1;
		strcpy(cfg.modules[0], "drv");
	}
	an = an_new(&cfg, &ki, stack_ips, NULL);
	assert_non_null(an);
	if (scoped)
		an_module_range(an, "drv", MOD_BASE, MOD_SIZE);
	return an;
}

static struct pt_event ev(uint32_t type, uint64_t ts)
{
	struct pt_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.ts = ts;
	e.tgid = e.tid = 77;
	e.stack_id = -1;
	strcpy(e.comm, "t");
	return e;
}

static const struct pt_finding *one(struct analyzer *an, enum pt_kind kind)
{
	unsigned int n;
	const struct pt_finding *f;

	an_finish(an, 0);
	f = an_findings(an, &n);
	assert_int_equal(n, 1);
	assert_string_equal(pt_kind_name(f->kind), pt_kind_name(kind));
	return f;
}

static void none(struct analyzer *an)
{
	unsigned int n;

	an_finish(an, 0);
	an_findings(an, &n);
	assert_int_equal(n, 0);
}

/* Out of order: both map sites and the unmap site; counted every time. */
static void test_order(void **state)
{
	struct analyzer *an = an_make(true);
	struct pt_event e = ev(PT_EV_KLOCAL_UNMAP, 10);
	const struct pt_finding *f;

	(void)state;
	e.a0 = SLOT0;
	e.a1 = MOD_IP;		/* the mapping unmapped */
	e.a2 = SLOT1;
	e.a3 = MOD_IP2;		/* the top one */
	e.ip = MOD_IP + 0x40;
	e.stack_id = STK_MODULE;
	e.order = 2;
	e.aux = 2;
	an_event(an, &e, NULL);
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_ORDER);
	assert_true(f->error);
	assert_int_equal(f->count, 2);
	assert_true(f->caller == MOD_IP + 0x40 && f->caller2 == MOD_IP && f->caller3 == MOD_IP2);
	assert_int_equal(f->module, 0);
	assert_int_equal(f->depth, 2);
	an_free(an);
}

static void test_not_held(void **state)
{
	struct analyzer *an = an_make(false);
	struct pt_event e = ev(PT_EV_KLOCAL_UNMAP, 10);
	const struct pt_finding *f;

	(void)state;
	e.a0 = SLOT1;
	e.flags = PT_KL_F_NOT_HELD;
	e.a3 = KERNEL_IP;
	e.ip = KERNEL_IP + 8;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KUNMAP_LOCAL_BAD);
	assert_true(f->caller2 == 0 && f->caller3 == KERNEL_IP && f->addr == SLOT1);
	an_free(an);
}

/* Held at exit: always; at the end: only past PT_KL_HOLD_NS; at unload:
 * only a map site in the watched module. */
static void test_held(void **state)
{
	struct analyzer *an = an_make(true);
	struct pt_event e = ev(PT_EV_KLOCAL_HELD, 5 * SEC);
	const struct pt_finding *f;

	(void)state;
	e.a0 = SLOT0;
	e.a1 = MOD_IP;
	e.a2 = 5 * SEC - PT_KL_HOLD_NS / 2;
	e.aux = PT_KL_HELD_END;
	an_event(an, &e, NULL);		/* young: counted only */
	e.a1 = KERNEL_IP;
	e.a2 = 0;
	e.aux = PT_KL_HELD_UNLOAD;
	an_event(an, &e, NULL);		/* not the module's */
	none(an);
	assert_int_equal(an_klocal(an)->young_at_end, 1);
	an_free(an);

	an = an_make(true);
	e.a1 = MOD_IP;
	e.a2 = 5 * SEC - 2 * PT_KL_HOLD_NS;
	e.aux = PT_KL_HELD_END;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_LEAK);
	assert_true(f->caller == MOD_IP && f->age_ns == 2 * PT_KL_HOLD_NS && f->pages == 1);
	an_free(an);

	/* Seen at the unload, then still held at the end: one finding. */
	an = an_make(true);
	e.a2 = 5 * SEC - 2 * PT_KL_HOLD_NS;
	e.aux = PT_KL_HELD_UNLOAD;
	an_event(an, &e, NULL);
	e.ts = 9 * SEC;
	e.aux = PT_KL_HELD_END;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_LEAK);
	assert_int_equal(f->count, 1);
	assert_non_null(strstr(f->note, "unload"));
	an_free(an);

	an = an_make(false);
	e.ts = 5 * SEC;
	e.aux = PT_KL_HELD_EXIT;
	e.a2 = 5 * SEC - 1000;
	an_event(an, &e, NULL);
	e.a0 = SLOT1;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_LEAK);
	assert_int_equal(f->pages, 2);
	assert_non_null(strstr(f->note, "task exited"));
	an_free(an);
}

static void test_atomic_sleep_and_depth(void **state)
{
	struct analyzer *an = an_make(false);
	struct pt_event e = ev(PT_EV_KLOCAL_SCHED, 10);
	const struct pt_finding *f;

	(void)state;
	e.a0 = SLOT0;
	e.a1 = KERNEL_IP;
	e.flags = PT_KL_F_ATOMIC;
	e.stack_id = STK_OTHER;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_ATOMIC_SLEEP);
	assert_true(f->error && f->caller == KERNEL_IP && f->stack_id == STK_OTHER);
	an_free(an);

	an = an_make(false);
	e = ev(PT_EV_KLOCAL_DEEP, 10);
	e.a1 = KERNEL_IP;
	e.aux = 12;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_DEPTH);
	assert_false(f->error);
	assert_int_equal(f->kdepth, 12);
	assert_int_equal(an_errors(an), 0);
	an_free(an);
}

/*
 * Map stacks: every kind keeps its mapping's (stack_id2), an out-of-order
 * unmap the top slot's too (stack_id3); a held mapping's and a depth
 * warning's own stack is its map stack; one map site under two map stacks
 * (a helper's copy called from two functions) makes two findings; an event
 * without PT_KL_F_MAP_STACK (an older recording) has none.
 */
static void test_map_stacks(void **state)
{
	struct analyzer *an = an_make(false);
	struct pt_event e = ev(PT_EV_KLOCAL_UNMAP, 10);
	const struct pt_finding *f;
	unsigned int n;

	(void)state;
	e.a0 = SLOT0;
	e.a1 = MOD_IP;
	e.a2 = SLOT1;
	e.a3 = MOD_IP;
	e.ip = MOD_IP2;
	e.stack_id = STK_OTHER;
	e.flags = PT_KL_F_MAP_STACK;
	e.map_sid = STK_MODULE;
	e.top_map_sid = STK_MODULE2;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_ORDER);
	assert_true(f->stack_id == STK_OTHER && f->stack_id2 == STK_MODULE &&
		    f->stack_id3 == STK_MODULE2 && f->caller2 == MOD_IP && f->caller3 == MOD_IP);
	an_free(an);

	an = an_make(false);
	e = ev(PT_EV_KLOCAL_HELD, 5 * SEC);
	e.a0 = SLOT0;
	e.a1 = MOD_IP;
	e.a2 = 1;
	e.aux = PT_KL_HELD_EXIT;
	e.flags = PT_KL_F_MAP_STACK;
	e.map_sid = STK_MODULE;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_LEAK);
	assert_true(f->stack_id == STK_MODULE && f->stack_id2 == STK_MODULE && f->stack_id3 == -1);
	e.a2 = 2;
	e.map_sid = STK_MODULE2;
	an_event(an, &e, NULL);
	e.a2 = 3;
	e.map_sid = STK_MODULE;
	an_event(an, &e, NULL);
	an_findings(an, &n);
	assert_int_equal(n, 2);
	an_free(an);

	an = an_make(false);
	e = ev(PT_EV_KLOCAL_DEEP, 10);
	e.a1 = MOD_IP;
	e.aux = 12;
	e.flags = PT_KL_F_MAP_STACK;
	e.map_sid = STK_MODULE;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_LOCAL_DEPTH);
	assert_true(f->stack_id == STK_MODULE && f->stack_id2 == STK_MODULE);
	an_free(an);

	an = an_make(false);
	e = ev(PT_EV_KLOCAL_SCHED, 10);
	e.a1 = MOD_IP;
	e.flags = PT_KL_F_ATOMIC;
	e.map_sid = STK_MODULE;	/* no PT_KL_F_MAP_STACK: not a stack id */
	e.stack_id = STK_OTHER;
	an_event(an, &e, NULL);
	f = one(an, PT_K_KMAP_ATOMIC_SLEEP);
	assert_true(f->stack_id == STK_OTHER && f->stack_id2 == -1 && f->caller2 == MOD_IP);
	an_free(an);
}

/* -m: anomalies of other code are not the module's. */
static void test_scope(void **state)
{
	struct analyzer *an = an_make(true);
	struct pt_event e = ev(PT_EV_KLOCAL_UNMAP, 10);

	(void)state;
	e.a0 = SLOT0;
	e.a1 = KERNEL_IP;
	e.a3 = KERNEL_IP + 4;
	e.ip = KERNEL_IP + 8;
	e.stack_id = STK_OTHER;
	an_event(an, &e, NULL);
	e.type = PT_EV_KLOCAL_SCHED;
	an_event(an, &e, NULL);
	e.type = PT_EV_KLOCAL_HELD;
	e.aux = PT_KL_HELD_EXIT;
	an_event(an, &e, NULL);
	none(an);
	an_free(an);
}

static void test_counts(void **state)
{
	struct analyzer *an = an_make(false);
	struct pt_event e = ev(PT_EV_KLOCAL_COUNTS, 10);
	const struct pt_klocal *kl;

	(void)state;
	e.a0 = 1000;
	e.a1 = 990;
	e.a2 = 3;
	e.a3 = 4;
	e.a4 = 7;
	e.aux = 16;
	e.flags = PT_F_SYNTH;
	an_event(an, &e, NULL);
	/* Made by user space: not an event received from BPF. */
	assert_int_equal(an_stats(an)->events[PT_EV_KLOCAL_COUNTS], 0);
	kl = an_klocal(an);
	assert_true(kl->maps == 1000 && kl->unmaps == 990 && kl->untracked == 3 &&
		    kl->peak == 4 && kl->sched_outs == 7 && kl->km_max == 16);
	none(an);
	an_free(an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_not_held),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_atomic_sleep_and_depth),
		cmocka_unit_test(test_map_stacks),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests_name("kmap_local", tests, NULL, NULL);
}
