/* SPDX-License-Identifier: GPL-2.0 */
/* -m: unwind for module scope only while a watched module is loaded. */
#ifndef MODSCOPE_H
#define MODSCOPE_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"

struct pagetrack_bpf;

/* Before load: the watched names and the gate, in read-only data. */
void modscope_setup(struct pagetrack_bpf *skel, const struct pt_options *opt);
/* After attaching: which watched modules are loaded now; follows: BPF sees
 * loads and unloads (else every allocation unwinds, as without the gate). */
void modscope_start(struct pagetrack_bpf *skel, const struct pt_options *opt, bool follows);
/* Appended to the "module scope:" line. */
const char *modscope_note(void);
/* -v: allocations unwound for scope and not. */
void modscope_report(const struct pagetrack_bpf *skel, const uint64_t *cnt);

#endif
