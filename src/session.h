/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by live tracing and replay: one analyzer, stacks, symbols. */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"
#include "ksyms.h"
#include "record.h"
#include "report.h"
#include "stacks.h"
#include "periodic.h"

/* Exit statuses (documented in README.md). */
#define PT_EXIT_OK	0
#define PT_EXIT_FINDINGS 1
#define PT_EXIT_USAGE	2

struct pt_options {
	double duration;		/* seconds, 0: until signal/command/unload */
	int pid;
	bool json;
	bool verbose;
	bool no_stacks;
	bool no_free_stacks;		/* stacks for allocations, kmaps, remaps only */
	bool stacks_all;		/* --stacks all: no sampling (as with -m) */
	unsigned int sample_pages;	/* --sample-pages R */
	bool no_kmap_local;		/* no kmap_local/kmap_atomic probes */
	const char *record_path;
	const char *replay_path;
	const char *btf_path;
	const char *attach;		/* auto, fentry, kprobe, tracepoint */
	unsigned int buffer_mb;
	unsigned int stack_entries;
	unsigned int pkmap_pct;
	unsigned int nmodules;
	char modules[PT_MAX_MODULES][PT_MODNAME_LEN];
	char **command;			/* argv after --, or NULL */
	double interval;		/* -i seconds, 0: none */
	unsigned int top;
	double min_age;			/* seconds */
	const char *metrics_path;
	const char *folded_path;
	bool raw_addresses;		/* unsymbolized frames as 0x..., not [unknown] */
	const char *user;		/* --user: COMMAND runs as this user */
	const char *group;		/* --group: and with this group */
};

#define PT_RECENT_LOADS	8
/* Default R of --sample-pages: see README, "Sampled stacks". */
#define PT_DEFAULT_SAMPLE_PAGES	32

struct session {
	const struct pt_options *opt;
	struct analyzer *an;
	struct ksyms ks;
	struct stacks stacks;
	FILE *rec;			/* --record */
	struct u64map rec_ips;		/* caller addresses to symbolize at the end */
	int stack_fd;			/* live stack map, -1 in replay */
	uint64_t stack_buf[PT_MAX_STACK];
	uint64_t received;
	uint64_t stack_fail;
	int rec_err;
	int32_t next_inline_id;		/* ids for inline stacks, from PT_INLINE_ID_BASE */
	uint64_t filtered;		/* BPF's pid filter count, for the summary */
	double ks_loaded;		/* monotonic s of the last kallsyms read */
	bool ks_stale;			/* a module came since */
	bool bpf_module_syms;		/* BPF sends the functions of loading modules */
	struct {			/* the latest module loads, for MODULE_SYM */
		char name[PT_MODNAME_LEN];
		uint64_t base, init_base;
	} loads[PT_RECENT_LOADS];
	unsigned int nloads;
	unsigned int watched_unloads;	/* live: kmap_local state is read at each */
};

/* Stack map ids stay below --stack-entries (at most 2^24): inline ones above. */
#define PT_INLINE_ID_BASE	(1 << 30)

double mono_s(void);
void pt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int session_init(struct session *s, const struct pt_options *opt);
void session_free(struct session *s);
/* Rereads kallsyms if modules came since: at most once a second, or now. */
void session_refresh_symbols(struct session *s, bool now);
/* Analyzer stack callback: cache, then the live map when there is one. */
bool session_stack(void *ctx, int32_t id, struct pt_stack *out);
/* One raw event from the ring buffer or a recording. */
void session_event(struct session *s, const void *data, size_t size);
/* Record the ranges of watched modules (and tell the analyzer). */
void session_module_range(void *ctx, const char *name, uint64_t base, uint64_t size);
/* Write symbols and the end record; close the recording. */
int session_record_close(struct session *s, uint64_t produced, uint64_t lost,
			 uint64_t stack_fail, uint64_t end_ns);
int session_report(struct session *s, const char *attach_mode);
/* --metrics-file / --folded, at an interval and at the end. */
void session_write_files(struct session *s, uint64_t now_ns);

int run_replay(const struct pt_options *opt);
int run_live(const struct pt_options *opt);

#endif
