/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbolization. Live: /proc/kallsyms (module symbols included).
 * Replay: exact addresses resolved at record time (SYM records). Never a
 * judgement about findings; no libbpf.
 */
#ifndef PT_KSYMS_H
#define PT_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "u64map.h"

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
};

/*
 * A watched module's functions as offsets from its text base, kept across
 * reloads: a module loaded again is symbolized without rereading
 * /proc/kallsyms (slow in the kernel and for us), and one already unloaded
 * still gets its function names.
 */
struct ksym;

struct ksym_module {
	char name[64];
	bool init;		/* its init text (freed after init), not its core */
	uint64_t size;		/* text size it was seen with */
	size_t n;
	struct ksym *syms;	/* addr: offset into the text, ascending; names owned */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t slen, scap;
	struct u64map exact;	/* addr -> offset into strs (replay) */
	struct ksym_module *mods;
	size_t nmods;
	/* Live: each module's extent from /proc/modules. An address past it
	 * (a BPF trampoline or program, which the kernel also puts in module
	 * space) is not its last function's. */
	struct ksym_extent {
		char name[64];
		uint64_t lo, hi;
	} *ext;
	size_t next;
	bool raw_addresses;	/* print unknown addresses raw, not "[unknown]" */
	/*
	 * Source lines of watched modules' frames (srcline.c, in the binary
	 * only), else NULL: "path:line" of ip, and the inline chain into
	 * struct srcline_frame out[max] (srcline.h), innermost first.
	 */
	const char *(*source_of)(void *ctx, uint64_t ip, char *buf, size_t len);
	int (*source_chain)(void *ctx, uint64_t ip, void *out, int max);
	void *source_ctx;
	/* Address of the kernel variable holding the memmap base
	 * (vmemmap_base, mem_map), 0 when kallsyms lists neither. */
	uint64_t memmap_var;
	char memmap_name[16];
	/* Address of page_offset_base (x86-64: the direct map's start), 0
	 * when kallsyms does not list it. */
	uint64_t direct_var;
};

int ksyms_load(struct ksyms *k, const char *path);	/* 0 or -errno */
void ksyms_free(struct ksyms *k);
/* Rereads path; keeps the module cache. */
int ksyms_reload(struct ksyms *k, const char *path);
/* Caches module name's symbols within [base, base+size) (its init text if
 * init) from the loaded table; returns how many (0: the module or its init
 * text is already gone). */
size_t ksyms_cache_module(struct ksyms *k, const char *name, bool init, uint64_t base,
			  uint64_t size);
/*
 * Adds function sym at offset off into module name's text (init: its init
 * text) of this size to the cache, as BPF reads it from the loading module;
 * a text of another size starts afresh, a function already there is not
 * added twice.
 */
int ksyms_module_add(struct ksyms *k, const char *name, bool init, uint64_t size,
		     uint64_t off, const char *sym);
/* Whether name has symbols of its core text cached at all. */
bool ksyms_module_seen(const struct ksyms *k, const char *name);
/* Whether name's symbols are cached for a (init) text of this size. */
bool ksyms_module_cached(const struct ksyms *k, const char *name, bool init, uint64_t size);
/* "func+0x1c [name]" for offset off into module name's (init) text, or NULL. */
const char *ksyms_format_module(const struct ksyms *k, const char *name, bool init,
				uint64_t off, char *buf, size_t len);
/* Adds a resolved text for an exact address (from a recording). */
int ksyms_add_exact(struct ksyms *k, uint64_t addr, const char *text);
/* "func+0x1c [module]", or NULL when addr is not symbolized. */
const char *ksyms_lookup(const struct ksyms *k, uint64_t addr, char *buf, size_t len);
/*
 * What an unsymbolized address prints as: "[unknown]", since shared outputs
 * must not carry kernel addresses (KASLR), or "0x..." with raw_addresses.
 */
const char *ksyms_unknown(const struct ksyms *k, uint64_t addr, char *buf, size_t len);
/* ksyms_lookup, else ksyms_unknown. Returns buf. */
const char *ksyms_format(const struct ksyms *k, uint64_t addr, char *buf, size_t len);
/* The bare function name, or NULL. */
const char *ksyms_func(const struct ksyms *k, uint64_t addr, char *buf, size_t len);

/* Module text ranges from /proc/modules. cb is called for each module. */
int modules_scan(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
					      uint64_t size), void *ctx);
/* The same for modules whose init is over (state "Live"). */
int modules_scan_live(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
						   uint64_t size), void *ctx);

#endif
