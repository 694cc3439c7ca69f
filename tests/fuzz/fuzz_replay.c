// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: a recording, as --replay reads it, through the record
 * reader, the analyzer and both reporters.
 *
 * It does what src/replay.c does, from the fuzzer's buffer instead of a file
 * and without the session layer (which links libbpf): every record goes to
 * the same calls (stacks_add, ksyms_add_exact, an_module_range, an_event,
 * an_set_lost), then an_finish and report_print, in JSON and in text.
 * Even-length inputs watch one module ("drv", the module of the seed
 * recordings) so the module-scope code runs; odd-length inputs watch none.
 *
 * Each record's payload is copied into a buffer of exactly its length, so
 * a consumer reading past the record is caught by ASan.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Itests/unit \
 *     tests/fuzz/fuzz_replay.c src/analyzer.c src/u64map.c src/record.c \
 *     src/report.c src/ksyms.c src/stacks.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer.h"
#include "ksyms.h"
#include "record.h"
#include "report.h"
#include "stacks.h"

#define FUZZ_MODULE "drv"

static FILE *devnull;

struct ctx {
	struct stacks stacks;
	struct ksyms ks;
	struct analyzer *an;
	const struct pt_config *cfg;
};

/* Replay's stack callback: the recording's stacks only (no live map). */
static bool fuzz_stack(void *p, int32_t id, struct pt_stack *out)
{
	struct ctx *c = p;

	return stacks_get(&c->stacks, id, out);
}

/* session_module_range(): only watched modules reach the analyzer. */
static void module_range(struct ctx *c, const char *name, uint64_t base, uint64_t size)
{
	unsigned int i;

	for (i = 0; i < c->cfg->nmodules; i++)
		if (!strcmp(c->cfg->modules[i], name))
			an_module_range(c->an, name, base, size);
}

/* session_event(): a module event carries its name, a plain one does not. */
static void event(struct ctx *c, const void *data, size_t size)
{
	struct pt_module_event m;

	if (size < sizeof(struct pt_event))
		return;
	if (size >= sizeof(m)) {
		memcpy(&m, data, sizeof(m));
		m.name[PT_MODNAME_LEN - 1] = 0;
		an_event(c->an, &m.ev, m.name);
		return;
	}
	memcpy(&m.ev, data, sizeof(m.ev));
	an_event(c->an, &m.ev, NULL);
}

static void feed(struct ctx *c, uint32_t type, const void *buf, uint32_t len)
{
	const struct pt_rec_module *m = buf;
	const struct pt_rec_end *e = buf;
	const uint32_t *st = buf;

	switch (type) {
	case PT_REC_EVENT:
	case PT_REC_MODEVENT:
		event(c, buf, len);
		break;
	case PT_REC_STACK:
		stacks_add(&c->stacks, (int32_t)st[0], (const uint64_t *)(st + 2), st[1]);
		break;
	case PT_REC_SYM:
		ksyms_add_exact(&c->ks, *(const uint64_t *)buf, (const char *)buf + 8);
		break;
	case PT_REC_MODULE:
		module_range(c, m->name, m->base, m->size);
		break;
	case PT_REC_END:
		an_set_lost(c->an, e->produced, e->lost);
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_kernel_info ki = { 0 };
	struct pt_config cfg = { 0 };
	struct report_opts ro = { .attach_mode = "replay", .top = 10 };
	struct rec_reader r;
	struct ctx c;
	uint32_t type, len;
	void *rec;
	uint64_t end_ns = 0;
	FILE *f;
	int n;

	if (!size)
		return 0;	/* fmemopen() wants a non-empty buffer */
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (rec_open(&r, f, "fuzz")) {
		fclose(f);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	if (stacks_init(&c.stacks))
		abort();

	ki.arch = r.hdr.arch;
	ki.page_shift = r.hdr.page_shift;
	ki.struct_page_size = r.hdr.struct_page_size;
	ki.last_pkmap = r.hdr.last_pkmap;
	ki.max_pfn = r.hdr.max_pfn;
	memcpy(ki.release, r.hdr.release, sizeof(ki.release));
	cfg.api_events = r.hdr.flags & PT_RECF_API_EVENTS;
	cfg.pid_filtered = r.hdr.flags & PT_RECF_PID_FILTERED;
	cfg.pkmap_pct = 50;	/* the CLI default */
	if (size % 2 == 0) {
		cfg.nmodules = 1;
		snprintf(cfg.modules[0], PT_MODNAME_LEN, "%s", FUZZ_MODULE);
	}
	c.cfg = &cfg;
	c.an = an_new(&cfg, &ki, fuzz_stack, &c);
	if (!c.an)
		abort();

	while ((n = rec_next(&r, &type, &rec, &len)) > 0) {
		/* Exactly the record: reading past it is an ASan report. */
		void *p = malloc(len);

		if (!p)
			abort();
		memcpy(p, rec, len);
		feed(&c, type, p, len);
		if (type == PT_REC_END)
			end_ns = ((const struct pt_rec_end *)p)->end_ns;
		free(p);
	}
	/* replay.c stops at a damaged record without a report. */
	if (n == 0) {
		an_finish(c.an, end_ns);
		(void)an_watched_unloaded(c.an);
		(void)an_errors(c.an);
		ro.json = true;
		report_print(devnull, c.an, &c.ks, &ro);
		ro.json = false;
		report_print(devnull, c.an, &c.ks, &ro);
	}

	an_free(c.an);
	ksyms_free(&c.ks);
	stacks_free(&c.stacks);
	rec_close(&r);
	fclose(f);
	return 0;
}
