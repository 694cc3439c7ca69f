// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack: find page-allocation, kmap and user-mapping bugs live.
 * This file is the command line: it parses options (options.h), checks
 * their combinations and hands over to run_live (live.c) or run_replay
 * (replay.c). It must not trace, read recordings or judge events.
 */
#include <argp.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"

const char *argp_program_version = "pagetrack " PT_VERSION;

static const char doc[] =
"Find page allocation, kmap and user mapping bugs in the running kernel.\v"
"Exit status (the first that applies): 1 an error-level finding; 3 COMMAND\n"
"failed (not started, non-zero exit, killed by a signal not ours); 4 a module\n"
"given with -m was never checked (never loaded, or its init failed); 0 none of\n"
"these; 2 usage or environment error, or an output that could not be written\n"
"(the report, --record, --metrics-file, --folded, --sarif, --junit: that one\n"
"overrides the others). A line on stderr says why for 2, 3, 4.\n"
"After -d, COMMAND's process group gets SIGTERM, then SIGKILL 3 s later.\n\n"
"EXAMPLES:\n"
"    pagetrack -d 10                    # trace system-wide 10 s, report\n"
"    pagetrack -m mydrv -- ./mytest     # module mydrv's pages, around a test\n"
"    pagetrack -m mydrv -j >f.json      # CI: report when mydrv is unloaded\n"
"    pagetrack --user me -- make check  # trace as root, run make as me\n"
"    pagetrack -i 60 --metrics-file F   # a service: node_exporter textfile F\n"
"    pagetrack --record t.ptr -- ./cmd  # record every event, and later\n"
"    pagetrack --replay t.ptr           # analyze it: no privileges needed\n"
"    pagetrack -m mydrv --sarif r.sarif --junit r.xml -- ./mytest\n"
"                                       # CI formats: SARIF and JUnit\n";

static const char args_doc[] = "[-- COMMAND [ARGS...]]";

enum {
	OPT_RECORD = 0x100, OPT_REPLAY, OPT_BTF, OPT_ATTACH, OPT_NO_STACKS, OPT_BUFFER,
	OPT_STACKS, OPT_PKMAP, OPT_TOP, OPT_MIN_AGE, OPT_METRICS, OPT_FOLDED, OPT_NO_FREE_STACKS,
	OPT_RAW_ADDRESSES, OPT_USER, OPT_GROUP, OPT_SAMPLE, OPT_STACK_MODE, OPT_NO_KMAP_LOCAL,
	OPT_SARIF, OPT_JUNIT, OPT_GH_ANNOTATIONS,
	OPT_MODULE_FILE,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Scope:", 1 },
	{ "module", 'm', "NAME", 0, "Only what module NAME allocates, maps and frees; report at its unload (repeatable, up to 8)", 1 },
	{ "module-file", OPT_MODULE_FILE, "PATH", 0, "A watched module's .ko with DWARF, for source lines of its frames (repeatable; default: modules.dep, then ./NAME.ko)", 1 },
	{ "pid", 'p', "PID", 0, "Only allocations made by process PID, and frees where it allocated", 1 },
	{ "duration", 'd', "SECONDS", 0, "Trace for this long, then report", 1 },
	{ "user", OPT_USER, "USER", 0, "Run COMMAND as USER (name or uid) with its groups and a login's environment; pagetrack stays root", 1 },
	{ "group", OPT_GROUP, "GROUP", 0, "Run COMMAND with primary group GROUP (name or gid)", 1 },
	{ NULL, 0, NULL, 0, "Output:", 2 },
	{ "json", 'j', NULL, 0, "JSON lines: one object per finding, then a summary", 2 },
	{ "record", OPT_RECORD, "FILE", 0, "Also write every event to FILE for --replay", 2 },
	{ "replay", OPT_REPLAY, "FILE", 0, "Analyze a recording instead of tracing (no privileges needed; FILE - is standard input, pipes work)", 2 },
	{ "raw-addresses", OPT_RAW_ADDRESSES, NULL, 0, "Print unsymbolized kernel addresses raw, not [unknown] (reports, metrics, folded: keep them private)", 2 },
	{ "verbose", 'v', NULL, 0, "libbpf messages and more detail", 2 },
	{ NULL, 0, NULL, 0, "CI formats (written at the end, live and with --replay):", 5 },
	{ "sarif", OPT_SARIF, "FILE", 0, "Findings as SARIF 2.1.0 for code scanning, written atomically; never a kernel address", 5 },
	{ "junit", OPT_JUNIT, "FILE", 0, "JUnit XML: a testcase per -m module (or one for the run), a failure per error finding, written atomically", 5 },
	{ "github-annotations", OPT_GH_ANNOTATIONS, NULL, 0, "GitHub Actions ::error/::warning lines on stderr, one per finding (on by itself when GITHUB_ACTIONS=true)", 5 },
	{ NULL, 0, NULL, 0, "Long-running tracing:", 4 },
	{ "interval", 'i', "SECONDS", 0, "Every SECONDS: outstanding call sites, pkmap use, new findings, lost events", 4 },
	{ "top", OPT_TOP, "N", 0, "Call sites listed in interval reports and metrics (default 10)", 4 },
	{ "min-age", OPT_MIN_AGE, "SECONDS", 0, "Only blocks at least this old in interval reports and --folded", 4 },
	{ "metrics-file", OPT_METRICS, "PATH", 0, "Prometheus textfile, rewritten atomically every interval (default 10 s) and at exit", 4 },
	{ "folded", OPT_FOLDED, "FILE", 0, "Outstanding pages as folded stacks (flame graphs), every interval and at exit", 4 },
	{ NULL, 0, NULL, 0, "Kernel:", 3 },
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF for kernels without /sys/kernel/btf/vmlinux", 3 },
	{ "attach", OPT_ATTACH, "MODE", 0, "auto (default: fentry, else kprobe, else tracepoint), fentry, kprobe or tracepoint", 3 },
	{ "no-stacks", OPT_NO_STACKS, NULL, 0, "Do not collect kernel stacks (cheaper; -m needs stacks)", 3 },
	{ "no-free-stacks", OPT_NO_FREE_STACKS, NULL, 0, "Stacks for allocations, kmaps and remaps only: about half the cost of stacks; findings then name no free site unless a probe saw the caller", 3 },
	{ "sample-pages", OPT_SAMPLE, "R", 0, "Unwind a block of 2^k pages with probability 1 - exp(-2^k/R); per-site outstanding pages are then estimates (default 32; not with -m)", 3 },
	{ "stacks", OPT_STACK_MODE, "MODE", 0, "sampled (default) or all: every allocation and page free unwinds (exact sites, the cost of -m)", 3 },
	{ "buffer-mb", OPT_BUFFER, "MB", 0, "Ring buffer size in MiB, a power of two (default 16)", 3 },
	{ "stack-entries", OPT_STACKS, "N", 0, "Stack map entries (default 16384)", 3 },
	{ "pkmap-threshold", OPT_PKMAP, "PCT", 0, "pkmap_pressure when more than PCT% of LAST_PKMAP slots are used (default 50)", 3 },
	{ "no-kmap-local", OPT_NO_KMAP_LOCAL, NULL, 0, "Do not track kmap_local_page()/kmap_atomic() (HIGHMEM kernels)", 3 },
	/* -h: what --help prints (argp's own --help has no short form). */
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{ 0 },
};

/* One line, exit 2: argp_error() would add a second "Try --help" line. */
static void usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pagetrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(PT_EXIT_USAGE);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* --sample-pages given at all (its value may be the default's). */
static bool sample_given;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct pt_options *o = state->input;
	unsigned long v;
	char *end;

	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'm':
		if (o->nmodules == PT_MAX_MODULES)
			usage_err("at most %d modules", PT_MAX_MODULES);
		if (!arg[0] || strlen(arg) >= PT_MODNAME_LEN || strpbrk(arg, " /\t"))
			usage_err("bad module name '%s'", arg);
		snprintf(o->modules[o->nmodules++], PT_MODNAME_LEN, "%s", arg);
		break;
	case 'p':
		if (parse_uint(arg, 1, INT_MAX, &v))
			usage_err("bad pid '%s'", arg);
		o->pid = (int)v;
		break;
	case 'd':
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->duration > 0) || o->duration > 1e7)
			usage_err("bad duration '%s' (seconds, > 0)", arg);
		break;
	case 'j':
		o->json = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case OPT_RECORD:
		o->record_path = arg;
		break;
	case OPT_REPLAY:
		o->replay_path = arg;
		break;
	case OPT_BTF:
		o->btf_path = arg;
		break;
	case OPT_ATTACH:
		if (strcmp(arg, "auto") && strcmp(arg, "kprobe") && strcmp(arg, "tracepoint") &&
		    strcmp(arg, "fentry"))
			usage_err("--attach takes auto, kprobe, tracepoint or fentry");
		o->attach = arg;
		break;
	case OPT_NO_KMAP_LOCAL:
		o->no_kmap_local = true;
		break;
	case OPT_NO_STACKS:
		o->no_stacks = true;
		break;
	case OPT_NO_FREE_STACKS:
		o->no_free_stacks = true;
		break;
	case OPT_SAMPLE:
		if (parse_uint(arg, 1, 1 << 24, &v))
			usage_err("--sample-pages takes 1 to 16777216 (pages)");
		o->sample_pages = v;
		sample_given = true;
		break;
	case OPT_STACK_MODE:
		if (strcmp(arg, "all") && strcmp(arg, "sampled"))
			usage_err("--stacks takes all or sampled");
		o->stacks_all = !strcmp(arg, "all");
		break;
	case OPT_BUFFER:
		if (parse_uint(arg, 1, 1024, &v) || (v & (v - 1)))
			usage_err("--buffer-mb takes a power of two from 1 to 1024");
		o->buffer_mb = v;
		break;
	case OPT_STACKS:
		if (parse_uint(arg, 16, 1 << 20, &v))
			usage_err("--stack-entries takes 16 to 1048576");
		o->stack_entries = v;
		break;
	case OPT_PKMAP:
		if (parse_uint(arg, 1, 100, &v))
			usage_err("--pkmap-threshold takes a percentage from 1 to 100");
		o->pkmap_pct = v;
		break;
	case 'i':
		errno = 0;
		o->interval = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->interval >= 0.1) || o->interval > 1e6)
			usage_err("bad interval '%s' (seconds, >= 0.1)", arg);
		break;
	case OPT_TOP:
		if (parse_uint(arg, 1, 1000, &v))
			usage_err("--top takes 1 to 1000");
		o->top = v;
		break;
	case OPT_MIN_AGE:
		errno = 0;
		o->min_age = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->min_age >= 0) || o->min_age > 1e9)
			usage_err("bad --min-age '%s' (seconds, >= 0)", arg);
		break;
	case OPT_METRICS:
		o->metrics_path = arg;
		break;
	case OPT_FOLDED:
		o->folded_path = arg;
		break;
	case OPT_SARIF:
		o->sarif_path = arg;
		break;
	case OPT_JUNIT:
		o->junit_path = arg;
		break;
	case OPT_GH_ANNOTATIONS:
		o->gh_annotations = true;
		break;
	case OPT_MODULE_FILE:
		if (o->nmodule_files == PT_MAX_MODULE_FILES)
			usage_err("at most %d --module-file", PT_MAX_MODULE_FILES);
		o->module_files[o->nmodule_files++] = arg;
		break;
	case OPT_RAW_ADDRESSES:
		o->raw_addresses = true;
		break;
	case OPT_USER:
		o->user = arg;
		break;
	case OPT_GROUP:
		o->group = arg;
		break;
	case ARGP_KEY_ARGS:
		o->command = state->argv + state->next;
		break;
	case ARGP_KEY_ARG:
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int check_out_path(const char *path)
{
	int err;

	if (!path || !(err = ci_path_usable(path)))
		return 0;
	pt_err("cannot write %s: %s", path, strerror(-err));
	return -1;
}

int main(int argc, char **argv)
{
	static struct pt_options opt = {
		.attach = "auto", .buffer_mb = 16, .stack_entries = 16384, .pkmap_pct = 50,
		.top = 10, .sample_pages = PT_DEFAULT_SAMPLE_PAGES,
	};
	static const struct argp argp = { options, parse_arg, args_doc, doc, NULL, NULL, NULL };

	/* argp exits with 64 on usage errors; ours is 2. */
	argp_err_exit_status = PT_EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &opt))
		return PT_EXIT_USAGE;
	/* The runner sets GITHUB_ACTIONS=true in every step. */
	if (getenv("GITHUB_ACTIONS") && !strcmp(getenv("GITHUB_ACTIONS"), "true"))
		opt.gh_annotations = true;
	/* A CI file that cannot be written fails now, not after the trace. */
	if (check_out_path(opt.sarif_path) || check_out_path(opt.junit_path))
		return PT_EXIT_USAGE;
	if (opt.replay_path) {
		if (opt.command || opt.record_path || opt.pid || opt.duration || opt.interval ||
		    opt.no_free_stacks || opt.user || opt.group || opt.stacks_all ||
		    opt.sample_pages != PT_DEFAULT_SAMPLE_PAGES) {
			pt_err("--replay takes no COMMAND, --record, --pid, --duration, --interval, --no-free-stacks, --user, --group, --stacks or --sample-pages (sampling is the recording's)");
			return PT_EXIT_USAGE;
		}
		return run_replay(&opt);
	}
	if (opt.nmodules && sample_given) {
		pt_err("--sample-pages does not apply with -m: a watched module's allocations always unwind (--stacks all)");
		return PT_EXIT_USAGE;
	}
	if (opt.nmodules && opt.no_stacks) {
		pt_err("-m needs stacks to tell the module's allocations apart; drop --no-stacks");
		return PT_EXIT_USAGE;
	}
	if ((opt.user || opt.group) && !opt.command) {
		pt_err("--user and --group need a COMMAND");
		return PT_EXIT_USAGE;
	}
	return run_live(&opt);
}
