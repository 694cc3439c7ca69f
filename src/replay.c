// SPDX-License-Identifier: GPL-2.0
/* --replay: feed a recording through the same analyzer, no privileges. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"

int run_replay(const struct pt_options *opt)
{
	struct pt_kernel_info ki = { 0 };
	struct pt_config cfg = { 0 };
	struct rec_reader r;
	struct session s;
	uint32_t type, len;
	void *buf;
	FILE *f;
	int ret = PT_EXIT_USAGE, n;
	uint64_t end_ns = 0;
	unsigned int i;

	f = fopen(opt->replay_path, "rb");
	if (!f) {
		pt_err("cannot open %s: %s", opt->replay_path, strerror(errno));
		return PT_EXIT_USAGE;
	}
	if (rec_open(&r, f, opt->replay_path)) {
		pt_err("%s", r.err);
		fclose(f);
		return PT_EXIT_USAGE;
	}
	if (session_init(&s, opt)) {
		pt_err("out of memory");
		goto out;
	}
	ki.arch = r.hdr.arch;
	ki.page_shift = r.hdr.page_shift;
	ki.struct_page_size = r.hdr.struct_page_size;
	ki.last_pkmap = r.hdr.last_pkmap;
	ki.max_pfn = r.hdr.max_pfn;
	memcpy(ki.release, r.hdr.release, sizeof(ki.release));
	cfg.api_events = r.hdr.flags & PT_RECF_API_EVENTS;
	cfg.pid_filtered = r.hdr.flags & PT_RECF_PID_FILTERED;
	cfg.pkmap_pct = opt->pkmap_pct;
	cfg.sample_pages = r.hdr.sample_pages;
	memcpy(cfg.sample_thresh, r.hdr.sample_thresh, sizeof(cfg.sample_thresh));
	cfg.nmodules = opt->nmodules;
	for (i = 0; i < opt->nmodules; i++)
		memcpy(cfg.modules[i], opt->modules[i], PT_MODNAME_LEN);
	s.an = an_new(&cfg, &ki, session_stack, &s);
	if (!s.an) {
		pt_err("out of memory");
		goto out;
	}
	while ((n = rec_next(&r, &type, &buf, &len)) > 0) {
		const struct pt_rec_module *m = buf;
		const struct pt_rec_end *e = buf;
		const uint32_t *st = buf;

		switch (type) {
		case PT_REC_EVENT:
		case PT_REC_MODEVENT:
			session_event(&s, buf, len);
			break;
		case PT_REC_STACK:
			stacks_add(&s.stacks, (int32_t)st[0], (const uint64_t *)(st + 2), st[1]);
			break;
		case PT_REC_SYM:
			ksyms_add_exact(&s.ks, *(const uint64_t *)buf, (const char *)buf + 8);
			break;
		case PT_REC_MODULE:
			session_module_range(&s, m->name, m->base, m->size);
			break;
		case PT_REC_END:
			an_set_lost(s.an, e->produced, e->lost);
			end_ns = e->end_ns;
			break;
		}
	}
	if (n < 0) {
		pt_err("%s", r.err);
		goto out;
	}
	an_finish(s.an, end_ns);
	session_write_files(&s, end_ns);
	ret = session_report(&s, "replay");
out:
	rec_close(&r);
	session_free(&s);
	fclose(f);
	return ret;
}
