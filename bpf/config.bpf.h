/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Set-up from user space (read-only data written before load), the
 * ring buffer and the per-CPU counters.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/* Set by user space before load. */
const volatile __u32 targ_tgid;		/* 0: every process */
const volatile bool with_stacks = true;
/* false: frees and kunmaps come without a stack (half the unwinding). */
const volatile bool free_stacks = true;
const volatile __u64 wakeup_bytes = 256 * 1024;
/* Allocation stacks sampled by pages (pagetrack.h); false: all unwind. */
const volatile bool sampling;
const volatile __u64 sample_thresh[16];	/* PT_NR_ORDERS used; & 15 bounds it */
/* Page frees unwind only where a finding can use the stack (free_wanted). */
const volatile bool lean_frees;
/* kmem events without a stack go as struct pt_kmem_event (not with -m). */
const volatile bool compact_kmem;
/* -m: unwind for scope only while a watched module is loaded (scope_wanted). */
const volatile bool scope_gate;
const volatile __u32 scope_nmods;
const volatile char scope_names[PT_SCOPE_MODS][PT_MODNAME_LEN] __attribute__((aligned(8)));
bool scope_loaded[PT_SCOPE_MODS];	/* also set by user space at start */
/*
 * -m entry probes (src/modscope.c): a module's loads are counted here, and
 * user space sets scope_marked to scope_gen + 1 once every function of that
 * load has an entry probe; scope_lo/len: its text. scope_epoch: bumped at
 * each such step, it voids every task's last check (scope_wanted).
 */
const volatile bool scope_marks;
__u32 scope_gen[PT_SCOPE_MODS];
__u32 scope_marked[PT_SCOPE_MODS];
__u64 scope_lo[PT_SCOPE_MODS], scope_len[PT_SCOPE_MODS];
__u32 scope_epoch;
/* Until user space has read which watched modules are loaded: unwind. */
bool scope_open = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);	/* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PT_MAX_STACK * sizeof(__u64));
	__uint(max_entries, 16384);		/* resized by user space */
} stacks SEC(".maps");

/* Plain per-CPU increments: no atomics, which the x86_32 JIT lacks. */
struct pt_counters {
	__u64 v[PT_CNT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_counters);
} counters SEC(".maps");
