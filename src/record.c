// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing recordings; every length is checked before use.
 * Core library: plain stdio, no libbpf; it decides nothing about events.
 */
#define _GNU_SOURCE		/* fread_unlocked: one reader, no stdio locking */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"

_Static_assert(sizeof(struct pt_event) == 112, "pt_event layout changed");
_Static_assert(sizeof(struct pt_module_event) == 168, "pt_module_event layout changed");
_Static_assert(sizeof(struct pt_rec_header) == 208, "record header layout changed");
_Static_assert(offsetof(struct pt_rec_header, sample_pages) == PT_REC_V1_HEADER,
	       "version 1 header prefix changed");

int rec_write_header(FILE *f, const struct pt_kernel_info *ki, uint32_t attach_mode,
		     uint32_t flags, const struct pt_config *cfg)
{
	struct pt_rec_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PT_REC_MAGIC, 8);
	h.version = PT_REC_VERSION;
	h.header_size = sizeof(h);
	h.max_pfn = ki->max_pfn;
	h.arch = ki->arch;
	h.page_shift = ki->page_shift;
	h.struct_page_size = ki->struct_page_size;
	h.last_pkmap = ki->last_pkmap;
	h.attach_mode = attach_mode;
	h.flags = flags;
	memcpy(h.release, ki->release, sizeof(h.release));
	h.release[sizeof(h.release) - 1] = 0;
	if (cfg && cfg->sample_pages) {
		h.sample_pages = cfg->sample_pages;
		memcpy(h.sample_thresh, cfg->sample_thresh, sizeof(h.sample_thresh));
	}
	return fwrite(&h, sizeof(h), 1, f) == 1 ? 0 : -EIO;
}

int rec_write2(FILE *f, uint32_t type, const void *a, uint32_t alen, const void *b,
	       uint32_t blen)
{
	uint32_t hdr[2] = { type, alen + blen };

	/* The write's own errno (ENOSPC, EDQUOT, EIO ...), for the message. */
	errno = 0;
	if (fwrite(hdr, sizeof(hdr), 1, f) != 1 || (alen && fwrite(a, alen, 1, f) != 1) ||
	    (blen && fwrite(b, blen, 1, f) != 1))
		return errno ? -errno : -EIO;
	return 0;
}

int rec_write(FILE *f, uint32_t type, const void *p, uint32_t len)
{
	return rec_write2(f, type, p, len, NULL, 0);
}

static int fail(struct rec_reader *r, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s: %s at byte %llu", r->path, what,
		 (unsigned long long)r->off);
	return -1;
}

#define REC_CHUNK	(256u << 10)	/* bytes asked of stdio at a time */

/*
 * Under AddressSanitizer (tests/sanitize.sh, the fuzz harness) the bytes
 * around the record rec_next() returns are poisoned until the next call,
 * so a consumer that reads outside its record is reported although the
 * buffer holds other records there. Nothing in other builds.
 */
#if defined(__SANITIZE_ADDRESS__)
#define REC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REC_ASAN 1
#endif
#endif
#ifdef REC_ASAN
#include <sanitizer/asan_interface.h>
#define REC_FENCE	4096u	/* bytes poisoned on each side */

/* REC_FENCE bytes each side of r->rec, as far as the buffer goes. */
static void fence_set(struct rec_reader *r, bool poison)
{
	size_t at = r->rec - r->buf, end = at + r->rec_len;
	size_t lo = at > REC_FENCE ? at - REC_FENCE : 0;
	size_t hi = r->cap - end > REC_FENCE ? end + REC_FENCE : r->cap;

	if (!poison) {
		ASAN_UNPOISON_MEMORY_REGION(r->buf + lo, hi - lo);
		return;
	}
	ASAN_POISON_MEMORY_REGION(r->buf + lo, at - lo);
	ASAN_POISON_MEMORY_REGION(r->buf + end, hi - end);
}

/* Lifts the fence of the previous record, sets one around data. */
static void fence(struct rec_reader *r, void *data, uint32_t len)
{
	if (r->rec)
		fence_set(r, false);
	r->rec = data;
	r->rec_len = len;
	if (data)
		fence_set(r, true);
}
#else
static inline void fence(struct rec_reader *r, void *data, uint32_t len)
{
}
#endif

/* Each a probability in (0, 1] times 2^32, not falling with the order. */
static bool sample_thresh_ok(const uint64_t *th)
{
	unsigned int k;

	for (k = 0; k < PT_NR_ORDERS; k++)
		if (!th[k] || th[k] > PT_SAMPLE_ONE || (k && th[k] < th[k - 1]))
			return false;
	return true;
}

int rec_open(struct rec_reader *r, FILE *f, const char *path)
{
	size_t got, n;

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->path = path;
	if (fread(&r->hdr, PT_REC_V1_HEADER, 1, f) != 1)
		return fail(r, "not a pagetrack recording (too short for a header)");
	if (memcmp(r->hdr.magic, PT_REC_MAGIC, 8))
		return fail(r, "not a pagetrack recording (bad magic)");
	if (r->hdr.version < 1 || r->hdr.version > PT_REC_VERSION) {
		snprintf(r->err, sizeof(r->err),
			 "%s: recording format version %u, this pagetrack reads versions 1 to %u",
			 path, r->hdr.version, PT_REC_VERSION);
		return -1;
	}
	if (r->hdr.header_size < (r->hdr.version == 1 ? PT_REC_V1_HEADER : sizeof(r->hdr)) ||
	    r->hdr.header_size > 4096)
		return fail(r, "corrupted header (bad header size)");
	/* Version 1 has no sampling fields: every allocation had its stack. */
	if (r->hdr.version > 1 &&
	    fread((char *)&r->hdr + PT_REC_V1_HEADER, sizeof(r->hdr) - PT_REC_V1_HEADER, 1, f) != 1)
		return fail(r, "truncated header");
	if (r->hdr.sample_pages && !sample_thresh_ok(r->hdr.sample_thresh))
		return fail(r, "corrupted header (bad sampling thresholds)");
	/* Skip what a later version added to the header by reading, not
	 * seeking: a pipe (--replay -, /dev/stdin, <(...)) cannot seek. */
	for (got = r->hdr.version == 1 ? PT_REC_V1_HEADER : sizeof(r->hdr);
	     got < r->hdr.header_size; got += n) {
		char skip[256];

		n = r->hdr.header_size - got;
		if (n > sizeof(skip))
			n = sizeof(skip);
		if (fread(skip, n, 1, f) != 1)
			return fail(r, "truncated header");
	}
	if (r->hdr.page_shift < 10 || r->hdr.page_shift > 16 ||
	    r->hdr.struct_page_size > 1024 || r->hdr.last_pkmap > 65536 ||
	    (r->hdr.arch != PT_ARCH_AMD64 && r->hdr.arch != PT_ARCH_I386 &&
	     r->hdr.arch != PT_ARCH_ARMHF))
		return fail(r, "corrupted header (impossible kernel facts)");
	r->hdr.release[sizeof(r->hdr.release) - 1] = 0;
	r->off = r->hdr.header_size;
	return 0;
}

void rec_close(struct rec_reader *r)
{
	fence(r, NULL, 0);
	free(r->buf);
	r->buf = NULL;
	r->pos = r->end = r->cap = 0;
}

/*
 * Makes need bytes readable at buf + pos, with buf + pos 8-byte aligned
 * (malloc'ed buf, pos moved to 0 when not). The buffer grows to the largest
 * record seen plus a chunk, so a small input keeps a small buffer.
 * -ENOMEM, or 0 at end of file with fewer bytes, or 1.
 */
static int fill_slow(struct rec_reader *r, size_t need)
{
	size_t have = r->end - r->pos, n;

	if (r->cap - r->pos < need + REC_CHUNK / 2 || (r->pos & 7)) {
		if (r->cap < need + REC_CHUNK) {
			unsigned char *b = malloc(need + REC_CHUNK);

			if (!b)
				return -ENOMEM;
			if (have)
				memcpy(b, r->buf + r->pos, have);
			free(r->buf);
			r->buf = b;
			r->cap = need + REC_CHUNK;
		} else if (have) {
			memmove(r->buf, r->buf + r->pos, have);
		}
		r->pos = 0;
		r->end = have;
	}
	while (r->end - r->pos < need) {
		n = fread_unlocked(r->buf + r->end, 1, r->cap - r->end, r->f);
		if (!n)
			return 0;
		r->end += n;
	}
	return 1;
}

static inline int fill(struct rec_reader *r, size_t need)
{
	if (r->end - r->pos >= need && !(r->pos & 7))
		return 1;
	return fill_slow(r, need);
}

static bool len_ok(uint32_t type, uint32_t len)
{
	switch (type) {
	case PT_REC_EVENT:
		return len == sizeof(struct pt_event);
	case PT_REC_MODEVENT:
		return len == sizeof(struct pt_module_event);
	case PT_REC_STACK:
		return len >= 8 && (len - 8) % 8 == 0 && (len - 8) / 8 <= 1024;
	case PT_REC_SYM:
		return len > 8 && len <= 8 + 512;
	case PT_REC_MODULE:
		return len == sizeof(struct pt_rec_module);
	case PT_REC_END:
		return len == sizeof(struct pt_rec_end);
	default:
		return false;
	}
}

static __attribute__((noinline)) int rec_next_slow(struct rec_reader *r, uint32_t *type,
						    void **data, uint32_t *len)
{
	uint32_t hdr[2];
	unsigned char *p;
	int got;

	got = fill(r, sizeof(hdr));
	if (got < 0)
		return fail(r, "out of memory");
	if (!got)
		return fail(r, r->end == r->pos ? "recording truncated (no end record)"
				   : "recording truncated inside a record header");
	memcpy(hdr, r->buf + r->pos, sizeof(hdr));
	if (hdr[0] < PT_REC_EVENT || hdr[0] > PT_REC_END)
		return fail(r, "corrupted recording (unknown record type)");
	if (!len_ok(hdr[0], hdr[1]))
		return fail(r, "corrupted recording (bad record length)");
	got = fill(r, sizeof(hdr) + hdr[1]);
	if (got < 0)
		return fail(r, "out of memory");
	if (!got)
		return fail(r, "recording truncated inside a record");
	p = r->buf + r->pos + sizeof(hdr);
	if (hdr[0] == PT_REC_STACK && ((uint32_t *)p)[1] != (hdr[1] - 8) / 8)
		return fail(r, "corrupted recording (stack size mismatch)");
	r->pos += sizeof(hdr) + hdr[1];
	r->off += sizeof(hdr) + hdr[1];
	*type = hdr[0];
	*len = hdr[1];
	*data = p;
	if (hdr[0] == PT_REC_SYM)
		p[hdr[1] - 1] = 0;
	if (hdr[0] == PT_REC_MODULE)
		((struct pt_rec_module *)p)->name[PT_MODNAME_LEN - 1] = 0;
	if (hdr[0] == PT_REC_MODEVENT)
		((struct pt_module_event *)p)->name[PT_MODNAME_LEN - 1] = 0;
	if (hdr[0] == PT_REC_END)
		r->ended = true;
	return 1;
}

/* Plain events take the short way; the rest, and refills, the slow one. */
static inline int rec_next_one(struct rec_reader *r, uint32_t *type, void **data, uint32_t *len)
{
	uint32_t hdr[2];

	if (r->ended)
		return 0;
	/* The common case: a whole plain event is in the buffer. */
	if (r->end - r->pos >= sizeof(hdr) + sizeof(struct pt_event) && !(r->pos & 7)) {
		memcpy(hdr, r->buf + r->pos, sizeof(hdr));
		if (hdr[0] == PT_REC_EVENT && hdr[1] == sizeof(struct pt_event)) {
			*data = r->buf + r->pos + sizeof(hdr);
			*type = PT_REC_EVENT;
			*len = sizeof(struct pt_event);
			r->pos += sizeof(hdr) + sizeof(struct pt_event);
			r->off += sizeof(hdr) + sizeof(struct pt_event);
			return 1;
		}
	}
	return rec_next_slow(r, type, data, len);
}

int rec_next(struct rec_reader *r, uint32_t *type, void **data, uint32_t *len)
{
	int n;

	fence(r, NULL, 0);
	n = rec_next_one(r, type, data, len);
	if (n > 0)
		fence(r, *data, *len);
	return n;
}
