/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbolization. Live: /proc/kallsyms (module symbols included).
 * Replay: exact addresses resolved at record time (SYM records).
 */
#ifndef PT_KSYMS_H
#define PT_KSYMS_H

#include <stddef.h>
#include <stdint.h>
#include "u64map.h"

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t slen, scap;
	struct u64map exact;	/* addr -> offset into strs (replay) */
};

int ksyms_load(struct ksyms *k, const char *path);	/* 0 or -errno */
void ksyms_free(struct ksyms *k);
/* Adds a resolved text for an exact address (from a recording). */
int ksyms_add_exact(struct ksyms *k, uint64_t addr, const char *text);
/* "func+0x1c [module]" or "0x..." when unknown. Returns buf. */
const char *ksyms_format(const struct ksyms *k, uint64_t addr, char *buf, size_t len);
/* The bare function name, or NULL. */
const char *ksyms_func(const struct ksyms *k, uint64_t addr, char *buf, size_t len);

/* Module text ranges from /proc/modules. cb is called for each module. */
int modules_scan(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
					      uint64_t size), void *ctx);

#endif
