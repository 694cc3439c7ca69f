/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared by live tracing and replay: one analyzer, stacks, symbols,
 * the recording. The CLI's options are in options.h. Nothing declared here
 * may need libbpf (session.c and replay.c are in the core library).
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "options.h"
#include "ksyms.h"
#include "record.h"
#include "report.h"
#include "stacks.h"
#include "periodic.h"
#include "verdict.h"
#include "ci.h"

#define PT_RECENT_LOADS	8

struct session {
	const struct pt_options *opt;
	struct analyzer *an;
	struct ksyms ks;
	struct stacks stacks;
	FILE *rec;			/* --record */
	struct u64map rec_ips;		/* caller addresses to symbolize at the end */
	int stack_fd;			/* live stack map, -1 in replay */
	int kl_stack_fd;		/* live kmap_local map stacks (PT_KL_STACK_ID), or -1 */
	FILE *out;			/* the report: stdout */
	uint64_t stack_buf[PT_MAX_STACK];
	uint64_t received;
	uint64_t stack_fail;
	int rec_err;			/* --record: the write's -errno; recording stopped */
	int metrics_err, folded_err;	/* the latest write's -errno, 0 written */
	bool out_failed;		/* an output could not be written: exit 2 */
	int32_t next_inline_id;		/* ids for inline stacks, from PT_INLINE_ID_BASE */
	uint64_t filtered;		/* BPF's pid filter count, for the summary */
	uint64_t probe_misses;		/* program runs the kernel skipped, likewise */
	uint64_t kernel_owned;		/* -m: allocations under a watched frame left to
					 * the kernel (kernel_owned in session.c), for -v */
	double ks_loaded;		/* monotonic s of the last kallsyms read */
	bool ks_stale;			/* a module came since */
	bool bpf_module_syms;		/* BPF sends the functions of loading modules */
	struct {			/* the latest module loads, for MODULE_SYM */
		char name[PT_MODNAME_LEN];
		uint64_t base, init_base;
	} loads[PT_RECENT_LOADS];
	unsigned int nloads;
	unsigned int watched_unloads;	/* live: kmap_local state is read at each */
	struct pt_command_end cmd;	/* live: how COMMAND ended (PT_CMD_NONE) */
	struct ci_source src;		/* source lines for the CI formats, if any */
	bool ci_failed;			/* a --sarif or --junit file was not written */
	struct srcline *srcline;	/* source lines (srcline.c), NULL without */
};

/* Stack map ids stay below --stack-entries (at most 2^24): inline ones above. */
#define PT_INLINE_ID_BASE	(1 << 30)

double mono_s(void);
void pt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int session_init(struct session *s, const struct pt_options *opt);
void session_free(struct session *s);
/*
 * Source lines for watched modules' frames, once s->an exists: kernel
 * release (modules.dep), live (build-ids from /sys/module). Nothing when
 * srcline.c is not linked in (unit tests, fuzzing) or no -m is given.
 */
void session_sources(struct session *s, const char *release, bool live);
/* Rereads kallsyms if modules came since: at most once a second, or now. */
void session_refresh_symbols(struct session *s, bool now);
/* The live stack map's entry id into ips[PT_MAX_STACK]; stackmap.c, the
 * one libbpf call of a session (the core library has none). */
bool session_map_stack(int fd, int32_t id, uint64_t *ips);
/* Analyzer stack callback: cache, then the live map when there is one. */
bool session_stack(void *ctx, int32_t id, struct pt_stack *out);
/* Is a page allocated under this kernel function the kernel's own (a
 * cache's, migration's, reclaim's), whoever is further down the stack? */
bool session_kernel_owned_frame(const char *fn);
/* One raw event from the ring buffer or a recording. */
void session_event(struct session *s, const void *data, size_t size);
/* Record the ranges of watched modules (and tell the analyzer). */
void session_module_range(void *ctx, const char *name, uint64_t base, uint64_t size);
/* Write symbols and the end record; close the recording. */
int session_record_close(struct session *s, uint64_t produced, uint64_t lost,
			 uint64_t stack_fail, uint64_t end_ns);
/* The report, then the verdict's reasons on stderr (and GitHub annotations,
 * if asked for): the exit status, 2 when a CI file was not written. */
int session_report(struct session *s, const char *attach_mode);
/* --sarif, --junit, once the analyzer is finished: 0, or -1 after a
 * one-line error naming a file that could not be written. */
int session_write_ci(struct session *s);
/* --metrics-file / --folded, at an interval and at the end. */
void session_write_files(struct session *s, uint64_t now_ns);

/* A recording read from f (name: for messages) through a session of its
 * own, reported to out: --replay's path, which the fuzz harness takes too.
 * Returns an exit status. */
int replay_stream(FILE *f, const char *name, const struct pt_options *opt, FILE *out);

#endif
