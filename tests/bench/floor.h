/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by tests/bench/floor.bpf.c and tests/bench/floor.c. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

enum floor_type { FLOOR_ALLOC = 1, FLOOR_FREE, FLOOR_FREE_BATCHED, FLOOR_TYPE_MAX };

enum floor_counter {
	FLOOR_CNT_PRODUCED, FLOOR_CNT_LOST, FLOOR_CNT_STACK_FAIL,
	FLOOR_CNT_PAIRED,	/* -p: alloc and free met in the map, nothing sent */
	FLOOR_CNT_MAX
};

/* 16 bytes: with the ring buffer's 8-byte header, 24 bytes per event. */
struct floor_rec {
	__u64 pfn;
	__u32 type;
	__u32 pad;
};

/* floor -f: as large as pagetrack's struct pt_event (112 bytes); type first. */
struct floor_fat_rec {
	__u64 pfn;
	__u32 type;
	__u32 tgid;
	__u64 ts;
	__u64 pad[8];
	__u32 tid;
	__u32 cpu;
	char comm[16];
};

#endif
