/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line's result: the options pagetrack.c parses, the exit
 * statuses, and the two modes they select. Declarations only; nothing here
 * may depend on libbpf or on a session's state.
 */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include <stdbool.h>
#include "analyzer.h"		/* PT_MAX_MODULES, PT_MODNAME_LEN */

/* Exit statuses (documented in README.md). */
#define PT_EXIT_OK	0
#define PT_EXIT_FINDINGS 1
#define PT_EXIT_USAGE	2

/* Default R of --sample-pages: see README, "Sampled stacks". */
#define PT_DEFAULT_SAMPLE_PAGES	32

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
	/* --module-file: .ko files for source lines (srcline.c) */
#define PT_MAX_MODULE_FILES	16
	const char *module_files[PT_MAX_MODULE_FILES];
	unsigned int nmodule_files;
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

/* --replay FILE (replay.c) and live tracing (live.c): an exit status each. */
int run_replay(const struct pt_options *opt);
int run_live(const struct pt_options *opt);

#endif
