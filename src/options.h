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

/* Exit statuses (documented in README.md, doc/usage.md and the man page). */
#define PT_EXIT_OK	0
#define PT_EXIT_FINDINGS 1
#define PT_EXIT_USAGE	2
#define PT_EXIT_COMMAND	3	/* COMMAND failed (and no error finding) */
#define PT_EXIT_UNCHECKED 4	/* a watched module was never checked */

/* Seconds COMMAND's process group gets between SIGTERM and SIGKILL when
 * the trace ends before it (-d, a signal to pagetrack), and after SIGKILL
 * before pagetrack reports without it. */
#define PT_KILL_GRACE_S	3

/* The tool's version and home, for --version and the SARIF driver. */
#define PT_VERSION	"0.1"

struct ci_source;

/* Default R of --sample-pages: see doc/design.md, "Sampled stacks". */
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
	const char *sarif_path;		/* --sarif: SARIF 2.1.0 at the end */
	const char *junit_path;		/* --junit: JUnit XML at the end */
	bool gh_annotations;		/* --github-annotations or GITHUB_ACTIONS=true */
	/* A source resolver for the CI formats (ci.h), NULL: none. The CLI
	 * sets none; embedders and tests may. */
	const struct ci_source *ci_source;
};

/* --replay FILE (replay.c) and live tracing (live.c): an exit status each. */
int run_replay(const struct pt_options *opt);
int run_live(const struct pt_options *opt);

#endif
