// SPDX-License-Identifier: GPL-2.0
/* Reading and writing recordings; every length is checked before use. */
#define _GNU_SOURCE		/* fread_unlocked: one reader, no stdio locking */
#include <errno.h>
#include <string.h>
#include "record.h"

_Static_assert(sizeof(struct pt_event) == 112, "pt_event layout changed");
_Static_assert(sizeof(struct pt_module_event) == 168, "pt_module_event layout changed");
_Static_assert(sizeof(struct pt_rec_header) == 112, "record header layout changed");

int rec_write_header(FILE *f, const struct pt_kernel_info *ki, uint32_t attach_mode,
		     uint32_t flags)
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
	return fwrite(&h, sizeof(h), 1, f) == 1 ? 0 : -EIO;
}

int rec_write2(FILE *f, uint32_t type, const void *a, uint32_t alen, const void *b,
	       uint32_t blen)
{
	uint32_t hdr[2] = { type, alen + blen };

	if (fwrite(hdr, sizeof(hdr), 1, f) != 1 || (alen && fwrite(a, alen, 1, f) != 1) ||
	    (blen && fwrite(b, blen, 1, f) != 1))
		return -EIO;
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

int rec_open(struct rec_reader *r, FILE *f, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->path = path;
	if (fread(&r->hdr, sizeof(r->hdr), 1, f) != 1)
		return fail(r, "not a pagetrack recording (too short for a header)");
	if (memcmp(r->hdr.magic, PT_REC_MAGIC, 8))
		return fail(r, "not a pagetrack recording (bad magic)");
	if (r->hdr.version != PT_REC_VERSION) {
		snprintf(r->err, sizeof(r->err),
			 "%s: recording format version %u, this pagetrack reads version %u",
			 path, r->hdr.version, PT_REC_VERSION);
		return -1;
	}
	if (r->hdr.header_size < sizeof(r->hdr) || r->hdr.header_size > 4096)
		return fail(r, "corrupted header (bad header size)");
	if (fseek(f, r->hdr.header_size, SEEK_SET))
		return fail(r, "truncated header");
	if (r->hdr.page_shift < 10 || r->hdr.page_shift > 16 ||
	    r->hdr.struct_page_size > 1024 || r->hdr.last_pkmap > 65536 ||
	    (r->hdr.arch != PT_ARCH_AMD64 && r->hdr.arch != PT_ARCH_I386))
		return fail(r, "corrupted header (impossible kernel facts)");
	r->hdr.release[sizeof(r->hdr.release) - 1] = 0;
	r->off = r->hdr.header_size;
	return 0;
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

int rec_next(struct rec_reader *r, uint32_t *type, void *buf, uint32_t *len)
{
	uint32_t hdr[2];
	size_t n;

	if (r->ended)
		return 0;
	n = fread_unlocked(hdr, 1, sizeof(hdr), r->f);
	if (n == 0 && feof(r->f))
		return fail(r, "recording truncated (no end record)");
	if (n != sizeof(hdr))
		return fail(r, "recording truncated inside a record header");
	if (hdr[0] < PT_REC_EVENT || hdr[0] > PT_REC_END)
		return fail(r, "corrupted recording (unknown record type)");
	if (!len_ok(hdr[0], hdr[1]))
		return fail(r, "corrupted recording (bad record length)");
	if (fread_unlocked(buf, 1, hdr[1], r->f) != hdr[1])
		return fail(r, "recording truncated inside a record");
	r->off += sizeof(hdr) + hdr[1];
	*type = hdr[0];
	*len = hdr[1];
	if (hdr[0] == PT_REC_SYM)
		((char *)buf)[hdr[1] - 1] = 0;
	if (hdr[0] == PT_REC_MODULE)
		((struct pt_rec_module *)buf)->name[PT_MODNAME_LEN - 1] = 0;
	if (hdr[0] == PT_REC_MODEVENT)
		((struct pt_module_event *)buf)->name[PT_MODNAME_LEN - 1] = 0;
	if (hdr[0] == PT_REC_STACK && ((uint32_t *)buf)[1] != (hdr[1] - 8) / 8)
		return fail(r, "corrupted recording (stack size mismatch)");
	if (hdr[0] == PT_REC_END)
		r->ended = true;
	return 1;
}
