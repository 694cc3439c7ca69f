// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the input is a recording, given to replay_stream(),
 * the function behind `pagetrack --replay` (record reader, session,
 * analyzer, reporters), once with the JSON reporter and once with the text
 * one. Even-length inputs watch one module ("drv", the module of the seed
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
#include "session.h"

#define FUZZ_MODULE "drv"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char **argv[])
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
	/* The command line's defaults for what a replay reads. */
	struct pt_options opt = { .pkmap_pct = 50, .top = 10 };
	FILE *f;

	if (!size)
		return 0;	/* fmemopen() wants a non-empty buffer */
	if (size % 2 == 0) {
		opt.nmodules = 1;
		snprintf(opt.modules[0], PT_MODNAME_LEN, "%s", FUZZ_MODULE);
	}
	for (opt.json = true;; opt.json = false) {
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
