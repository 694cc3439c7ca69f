/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source lines for frames inside watched modules: "func+0xOFF [mod]" (as
 * ksyms and report.c name a module frame) to FILE:LINE, and the inline
 * chain, read from the module's .ko with elfutils' libdwfl. Robust to where
 * the module was loaded: only the function's name and the offset are used.
 *
 * What it must not do: read DWARF itself (libdw does), judge findings, or
 * fail a run (no .ko, no DWARF: no source lines, one line on stderr). It is
 * not in the core library (libptcore.a needs no libdw): session.c reaches it
 * through weak symbols, so the binary has it and unit tests do not.
 */
#ifndef PT_SRCLINE_H
#define PT_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct analyzer;
struct ksyms;
struct srcline;

/*
 * A resolver. files: --module-file paths (each names its module by its
 * .modinfo "name=", else its basename); release: the kernel release whose
 * /lib/modules/RELEASE/modules.dep is searched next (NULL: none); live: the
 * modules ran on this machine, so /sys/module/NAME/notes may be compared
 * with a file's GNU build-id. Unusable files are reported on stderr here.
 * NULL only when out of memory.
 */
struct srcline *srcline_new(const char *const *files, unsigned int nfiles, const char *release,
			    bool live);
/* What names frames: the analyzer (watched module ranges) and its symbols. */
void srcline_bind(struct srcline *sl, const struct analyzer *an, const struct ksyms *ks);
/* Live: watched module NAME was just loaded; its build-id is read now
 * (it may be unloaded by the time a report asks). */
void srcline_module_loaded(struct srcline *sl, const char *name);
void srcline_free(struct srcline *sl);

/*
 * "path:line" of ip, a frame in a watched module, in the function the frame's
 * symbol names (the call site of the outermost inlined function), or NULL.
 * ip is taken as a return address (its call's line: offset - 1) unless it is
 * a function's first byte. ctx: a struct srcline. This is the type of the
 * source_of callbacks other writers take:
 *   const char *(*source_of)(void *ctx, uint64_t ip, char *buf, size_t len)
 */
const char *srcline_of(void *ctx, uint64_t ip, char *buf, size_t len);

/* One level of an inline chain, innermost first. */
struct srcline_frame {
	char func[128];		/* the function this line is in */
	char file[256];		/* shortened as srcline_of prints it */
	unsigned int line;
};

/*
 * The whole chain for ip: frame 0 the innermost (inlined) code, the last
 * the symbol's own function (what srcline_of says). Returns how many (at
 * most max), 0 when unknown.
 */
int srcline_chain(struct srcline *sl, uint64_t ip, struct srcline_frame *out, int max);

/*
 * The same from a name: module mod's function func at offset off (ret: a
 * return address, look up off - 1). For tests and tools without a trace.
 */
int srcline_sym_chain(struct srcline *sl, const char *mod, const char *func, uint64_t off,
		      bool ret, struct srcline_frame *out, int max);

#endif
