/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording format, version 2 (documented in doc/recording-format.md);
 * version 1 files (no sampling fields in the header) are read too.
 * Little-endian. A header, then records of {u32 type, u32 len, payload}.
 * The layout is identical for i386 and amd64 writers. A change here must
 * keep old recordings readable.
 */
#ifndef PT_RECORD_H
#define PT_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "analyzer.h"

#define PT_REC_MAGIC	"PGTRACK\n"
#define PT_REC_VERSION	2
#define PT_REC_V1_HEADER 112	/* version 1 header: up to release[] */
#define PT_REC_MAX_LEN	(1u << 20)

enum pt_rec_type {
	PT_REC_EVENT = 1,	/* struct pt_event */
	PT_REC_MODEVENT,	/* struct pt_module_event */
	PT_REC_STACK,		/* s32 id, u32 nr, u64 ips[nr] */
	PT_REC_SYM,		/* u64 addr, NUL-terminated symbol text */
	PT_REC_MODULE,		/* u64 base, u64 size, char name[56] */
	PT_REC_END,		/* struct pt_rec_end */
};

#define PT_RECF_API_EVENTS	0x1
#define PT_RECF_PID_FILTERED	0x2

struct pt_rec_header {
	char magic[8];
	uint64_t max_pfn;
	uint32_t version;
	uint32_t header_size;
	uint32_t arch;
	uint32_t page_shift;
	uint32_t struct_page_size;
	uint32_t last_pkmap;
	uint32_t attach_mode;		/* enum pt_rec_attach: how the live run attached */
	uint32_t flags;
	char release[64];
	/* version 2: stack sampling (pagetrack.h); sample_pages 0: every
	 * allocation has its stack. The thresholds BPF drew with, so that
	 * replay weighs each sample exactly as the live run did. */
	uint32_t sample_pages;
	uint32_t pad;
	uint64_t sample_thresh[PT_NR_ORDERS];
};

struct pt_rec_end {
	uint64_t produced;
	uint64_t lost;
	uint64_t stack_fail;
	uint64_t records;
	uint64_t end_ns;	/* CLOCK_MONOTONIC when tracing stopped */
};

struct pt_rec_module {
	uint64_t base;
	uint64_t size;
	char name[PT_MODNAME_LEN];
};

/* The header's attach_mode: the live run's attach mode ("kprobe", ...). */
enum pt_rec_attach { PT_REC_KPROBE = 1, PT_REC_TRACEPOINT = 2, PT_REC_FENTRY = 3 };

static inline uint32_t rec_attach_mode(const char *mode)
{
	return !strcmp(mode, "fentry") ? PT_REC_FENTRY :
	       !strcmp(mode, "kprobe") ? PT_REC_KPROBE : PT_REC_TRACEPOINT;
}

/* Writer. Returns 0 or -errno. */
int rec_write_header(FILE *f, const struct pt_kernel_info *ki, uint32_t attach_mode,
		     uint32_t flags, const struct pt_config *cfg);
int rec_write(FILE *f, uint32_t type, const void *p, uint32_t len);
int rec_write2(FILE *f, uint32_t type, const void *a, uint32_t alen, const void *b,
	       uint32_t blen);

/*
 * Reader: reads the file in large chunks into a buffer of its own and hands
 * out each record where it lies there (8-byte aligned), without a copy.
 */
struct rec_reader {
	FILE *f;
	const char *path;
	uint64_t off;		/* file offset of the next record */
	struct pt_rec_header hdr;
	bool ended;
	unsigned char *buf;	/* unread bytes are buf[pos, end) */
	size_t pos, end, cap;
	unsigned char *rec;	/* the record last returned (ASan builds fence it) */
	uint32_t rec_len;
	char err[256];
};

int rec_open(struct rec_reader *r, FILE *f, const char *path);
/*
 * 1: a record, *data valid until the next call; 0: clean end (after END);
 * -1: error (r->err says why).
 */
int rec_next(struct rec_reader *r, uint32_t *type, void **data, uint32_t *len);
/* Frees the buffer; the FILE stays the caller's. */
void rec_close(struct rec_reader *r);

#endif
