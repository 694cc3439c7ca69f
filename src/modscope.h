/* SPDX-License-Identifier: GPL-2.0 */
/* -m: unwind for module scope only while a watched module is loaded, and
 * then only in tasks that may be inside it. */
#ifndef MODSCOPE_H
#define MODSCOPE_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"

struct pagetrack_bpf;

/* Before load: the watched names and the gate, in read-only data. */
void modscope_setup(struct pagetrack_bpf *skel, const struct pt_options *opt);
/* Before load: entry probes on watched modules' functions where kprobes are
 * (not on ARM32, whose allocation stacks are taken elsewhere). */
void modscope_prepare(struct pagetrack_bpf *skel, bool kprobes, const struct ksyms *ks);
/* After attaching: which watched modules are loaded now; follows: BPF sees
 * loads and unloads (else every allocation unwinds, as without the gate);
 * exits: BPF sees a thread enter delete_module (the exit function). */
void modscope_start(struct pagetrack_bpf *skel, const struct pt_options *opt, bool follows,
		    bool exits);
/* Every poll: entry probes on a watched module loaded before tracing
 * started once its init is over, off for one that is gone. */
void modscope_poll(struct pagetrack_bpf *skel, const struct pt_options *opt);
/* Entry probes off. */
void modscope_detach(void);
/* Appended to the "module scope:" line. */
const char *modscope_note(void);
/* -v: allocations unwound for scope and not. */
void modscope_report(const struct pagetrack_bpf *skel, const uint64_t *cnt);

#endif
