// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the input is a recording, given to replay_stream(),
 * the function behind `pagetrack --replay` (record reader, session,
 * analyzer, reporters), once with the JSON reporter and once with the text
 * one; the JSON pass also writes the metrics file and folded stacks (into a
 * private temporary directory). The input's first bytes, taken as a name,
 * also go through every escaping writer (src/escape.c), whose promises are
 * checked: printable UTF-8 only, no ';' in a folded frame, JSON strings
 * and label values that are valid UTF-8 without control bytes. Even-length inputs watch one module ("drv", the module of the seed
 * recordings) so the module-scope code runs; odd-length inputs watch none.
 * A consumer reading outside its record hits the reader's ASan fences
 * (src/record.c). This file must not re-implement any step of a replay:
 * it only chooses options, as the command line would.
 *
 * Built by scripts/fuzz.sh against .output/fuzz/libptcore.a (make's core
 * library, instrumented for libFuzzer and the sanitizers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "escape.h"
#include "session.h"

#define FUZZ_MODULE "drv"

static FILE *devnull;
/* On tmpfs where there is one: each write is fsync'ed. */
static char dirpath[64], metrics[96], folded[96];

static void cleanup(void)
{
	unlink(metrics);
	unlink(folded);
	rmdir(dirpath);
}

/* Valid UTF-8 (shortest forms, no surrogates) with no byte below 0x20 but
 * those listed in allowed, no DEL: independent of escape.c's decoder. */
static void check_printable(const unsigned char *s, size_t n, const char *what)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		unsigned char b = s[i];

		if (b < 0x80) {
			if (b < 0x20 || b == 0x7f) {
				fprintf(stderr, "%s: control byte 0x%02x at %zu\n", what, b, i);
				abort();
			}
			i++;
			continue;
		}
		len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
		if (!len || i + len > n || b > 0xf4)
			goto bad;
		cp = b & (0x7f >> len);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			goto bad;
		i += len;
	}
	return;
bad:
	fprintf(stderr, "%s: invalid UTF-8 or C1 control at %zu\n", what, i);
	abort();
}

/* The escaping writers on the input's first 256 bytes as a name. */
static void check_escapes(const uint8_t *data, size_t size)
{
	char name[257], out[ESC_SIZE(256)], *mem = NULL;
	size_t n = size < 256 ? size : 256, memlen = 0;
	FILE *m;

	memcpy(name, data, n);
	name[n] = 0;
	esc_text(out, sizeof(out), name, NULL);
	check_printable((unsigned char *)out, strlen(out), "esc_text");
	esc_frame(out, sizeof(out), name);
	check_printable((unsigned char *)out, strlen(out), "esc_frame");
	if (strchr(out, ';'))
		abort();
	m = open_memstream(&mem, &memlen);
	if (!m)
		return;
	esc_json(m, name);
	fputc(' ', m);
	esc_label(m, name);
	fclose(m);
	check_printable((unsigned char *)mem, memlen, "esc_json/esc_label");
	free(mem);
}

int LLVMFuzzerInitialize(int *argc, char **argv[])
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	snprintf(dirpath, sizeof(dirpath), "%s/pagetrack-fuzz.XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!devnull || !mkdtemp(dirpath))
		abort();
	snprintf(metrics, sizeof(metrics), "%s/m.prom", dirpath);
	snprintf(folded, sizeof(folded), "%s/f.folded", dirpath);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The command line's defaults for what a replay reads. */
	struct pt_options opt = { .pkmap_pct = 50, .top = 10 };
	FILE *f;

	if (!size)
		return 0;	/* fmemopen() wants a non-empty buffer */
	check_escapes(data, size);
	if (size % 2 == 0) {
		opt.nmodules = 1;
		snprintf(opt.modules[0], PT_MODNAME_LEN, "%s", FUZZ_MODULE);
	}
	for (opt.json = true;; opt.json = false) {
		opt.metrics_path = opt.json ? metrics : NULL;
		opt.folded_path = opt.json ? folded : NULL;
		f = fmemopen((void *)data, size, "rb");
		if (!f)
			return 0;
		replay_stream(f, "fuzz", &opt, devnull);
		fclose(f);
		if (!opt.json)
			break;
	}
	return 0;
}
