/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmap_local_page() / kmap_atomic() findings on HIGHMEM kernels. BPF pairs
 * maps and unmaps per task (bpf/pagetrack.bpf.c, "kmap_local") and sends
 * only anomalies and counts; this file judges them, live and in replay.
 * It prints nothing: report_klocal.c shows its findings and counts.
 */
#ifndef PT_KMAP_LOCAL_H
#define PT_KMAP_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include "analyzer.h"
#include "u64map.h"

/*
 * A local mapping lives for one function: a page copy (microseconds) with
 * at most a cond_resched() or a page fault inside. One still held after a
 * second when tracing ends is no mapping in use but one forgotten; younger
 * ones may be a copy in flight and are only counted.
 */
#define PT_KL_HOLD_NS		1000000000ULL

struct pt_klocal {
	uint64_t maps, unmaps;		/* highmem maps, slot unmaps (BPF) */
	uint64_t untracked;		/* not paired: see PT_CNT_KL_UNTRACKED */
	uint64_t sched_outs;		/* switch-outs of tasks holding maps */
	uint64_t peak;			/* deepest kernel depth seen */
	uint64_t young_at_end;		/* held at the end, under PT_KL_HOLD_NS */
	uint32_t km_max;		/* KM_MAX_IDX, 0: not traced */
	struct u64map held;		/* held mappings judged (keys only) */
};

void kl_free(struct pt_klocal *kl);

/* One PT_EV_KLOCAL_* event. */
void kl_event(struct analyzer *an, struct pt_klocal *kl, const struct pt_event *e);
bool kl_kind(enum pt_kind k);

#endif
