// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack kernel side: emit raw facts about page allocation, kmap and
 * user mappings into a ring buffer. Nothing is judged here; user space
 * (src/analyzer_*.c) pairs the events and decides.
 *
 * One source, compiled once per target arch, in parts of one purpose each
 * (the includes at the end). The arch layer is arch.bpf.h's ARG/RET macros:
 * amd64 passes arguments in di, si, dx, cx; i386 (regparm(3)) in ax, dx, cx
 * and then on the stack; ARM32 in r0-r3; both 32-bit arches with 32-bit
 * pointers and longs.
 * Kernel fields are read with their target size (bpf_core_field_size), never
 * the local LP64 size, so the same code works on both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../src/pagetrack.h"

char LICENSE[] SEC("license") = "GPL";

/* The parts, in the order they build on each other. */
#include "config.bpf.h"
#include "arch.bpf.h"
#include "gates.bpf.h"
#include "emit.bpf.h"
#include "freestack.bpf.h"
#include "pair.bpf.h"
#include "kmem.bpf.h"
#include "api.bpf.h"
#include "module.bpf.h"
#include "kmap_local.bpf.h"
#include "dma.bpf.h"
#include "dma_tp.bpf.h"
