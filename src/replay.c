// SPDX-License-Identifier: GPL-2.0
/*
 * --replay: a recording through the same session and analyzer as live
 * tracing, without privileges. replay_stream() is the one way in, for the
 * CLI and for the fuzz harness (tests/fuzz) alike. Core library: it must
 * not need libbpf, nor judge events itself (the analyzer does).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"

/* The kernel facts and judging switches of the recorded run; --pkmap-pct
 * and -m are the replay's own. */
static void replay_config(const struct pt_rec_header *h, const struct pt_options *opt,
			  struct pt_kernel_info *ki, struct pt_config *cfg)
{
	unsigned int i;

	ki->arch = h->arch;
	ki->page_shift = h->page_shift;
	ki->struct_page_size = h->struct_page_size;
	ki->last_pkmap = h->last_pkmap;
	ki->max_pfn = h->max_pfn;
	memcpy(ki->release, h->release, sizeof(ki->release));
	cfg->api_events = h->flags & PT_RECF_API_EVENTS;
	cfg->pid_filtered = h->flags & PT_RECF_PID_FILTERED;
	cfg->pkmap_pct = opt->pkmap_pct;
	cfg->sample_pages = h->sample_pages;
	memcpy(cfg->sample_thresh, h->sample_thresh, sizeof(cfg->sample_thresh));
	cfg->nmodules = opt->nmodules;
	for (i = 0; i < opt->nmodules; i++)
		memcpy(cfg->modules[i], opt->modules[i], PT_MODNAME_LEN);
}

/* One record (its length checked by rec_next) into the session. */
static void replay_record(struct session *s, uint32_t type, const void *buf, uint32_t len,
			  uint64_t *end_ns)
{
	const struct pt_rec_module *m = buf;
	const struct pt_rec_end *e = buf;
	const uint32_t *st = buf;

	switch (type) {
	case PT_REC_EVENT:
	case PT_REC_MODEVENT:
		session_event(s, buf, len);
		break;
	case PT_REC_STACK:
		stacks_add(&s->stacks, (int32_t)st[0], (const uint64_t *)(st + 2), st[1]);
		break;
	case PT_REC_SYM:
		ksyms_add_exact(&s->ks, *(const uint64_t *)buf, (const char *)buf + 8);
		break;
	case PT_REC_MODULE:
		session_module_range(s, m->name, m->base, m->size);
		break;
	case PT_REC_END:
		an_set_lost(s->an, e->produced, e->lost);
		*end_ns = e->end_ns;
		break;
	}
}

int replay_stream(FILE *f, const char *name, const struct pt_options *opt, FILE *out)
{
	struct pt_kernel_info ki = { 0 };
	struct pt_config cfg = { 0 };
	struct rec_reader r;
	struct session s;
	uint32_t type, len;
	void *buf;
	int ret = PT_EXIT_USAGE, n;
	uint64_t end_ns = 0;
	char release[sizeof(ki.release) + 1];

	if (rec_open(&r, f, name)) {
		pt_err("%s", r.err);
		return PT_EXIT_USAGE;
	}
	if (session_init(&s, opt)) {
		pt_err("out of memory");
		goto out;
	}
	s.out = out;
	replay_config(&r.hdr, opt, &ki, &cfg);
	s.an = an_new(&cfg, &ki, session_stack, &s);
	if (!s.an) {
		pt_err("out of memory");
		goto out;
	}
	/* The recording's kernel: its modules.dep if this machine has it. */
	snprintf(release, sizeof(release), "%.*s", (int)sizeof(ki.release), ki.release);
	session_sources(&s, release, false);
	while ((n = rec_next(&r, &type, &buf, &len)) > 0)
		replay_record(&s, type, buf, len, &end_ns);
	if (n < 0) {
		pt_err("%s", r.err);
		goto out;
	}
	an_finish(s.an, end_ns);
	session_write_files(&s, end_ns);
	/* Before the report: a file not written makes the status 2. */
	session_write_ci(&s);
	ret = session_report(&s, "replay");
out:
	rec_close(&r);
	session_free(&s);
	return ret;
}

int run_replay(const struct pt_options *opt)
{
	/* "-": standard input. The recording is read once, in order, never
	 * seeked: a pipe or a process substitution works like a file. */
	bool in = !strcmp(opt->replay_path, "-");
	FILE *f = in ? stdin : fopen(opt->replay_path, "rb");
	int ret;

	if (!f) {
		pt_err("cannot open %s: %s", opt->replay_path, strerror(errno));
		return PT_EXIT_USAGE;
	}
	ret = replay_stream(f, in ? "standard input" : opt->replay_path, opt, stdout);
	if (!in)
		fclose(f);
	return ret;
}
