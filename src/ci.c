// SPDX-License-Identifier: GPL-2.0
/*
 * What the CI formats (sarif.c, junit.c, ghannot.c) share: the site a
 * finding names (symbol, bare function, module, source line from an optional
 * resolver) and its one-line message. Reads the analyzer's public API only
 * and never changes its state; writes no file. Core library: no libbpf.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ci.h"
#include "report.h"

/* report_sym() without ever an address unless raw: "[unknown]" instead. */
static const char *site_sym(const struct analyzer *an, const struct ksyms *ks, uint64_t ip,
			    bool raw, char *buf, size_t len)
{
	if (!ip) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (report_sym_known(an, ks, ip, buf, len))
		return buf;
	if (raw)
		return ksyms_unknown(ks, ip, buf, len);
	snprintf(buf, len, "[unknown]");
	return buf;
}

/* "path:line" from the resolver into file and line; false if malformed. */
static bool split_source(const char *s, struct ci_site *site)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long line;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(site->file))
		return false;
	errno = 0;
	line = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || !line || colon[1] == '-' || colon[1] == '+')
		return false;
	memcpy(site->file, s, colon - s);
	site->file[colon - s] = 0;
	site->line = line;
	return true;
}

void ci_site(const struct analyzer *an, const struct ksyms *ks, const struct ci_source *src,
	     const struct pt_finding *f, struct ci_site *site)
{
	const struct pt_module_range *m = an_module(an, f->module);
	char buf[512];
	const char *tag, *known;
	size_t n;

	memset(site, 0, sizeof(*site));
	site->ip = report_site_ip(an, ks, f->caller, f->stack_id);
	site_sym(an, ks, site->ip, false, site->sym, sizeof(site->sym));
	snprintf(site->func, sizeof(site->func), "[unknown]");
	known = site->ip ? report_sym_known(an, ks, site->ip, buf, sizeof(buf)) : NULL;
	/*
	 * The bare function: "func+0x1c [mod]" -> "func". A watched module's
	 * code no symbol names ("mod+0x3f0 [mod]") has none: an offset is not
	 * stable across builds, so it stays "[unknown]".
	 */
	if (known) {
		n = strcspn(buf, "+ ");
		if (n && n < sizeof(site->func) && !(m && !strncmp(buf, m->name, n) &&
						     !m->name[n] && buf[n] == '+')) {
			memcpy(site->func, buf, n);
			site->func[n] = 0;
		}
	}
	if (!site->ip)		/* events_lost, say: no site at all */
		snprintf(site->func, sizeof(site->func), "(none)");
	if (m)
		snprintf(site->module, sizeof(site->module), "%s", m->name);
	else if (known && (tag = strrchr(buf, '[')) && strchr(tag, ']'))
		snprintf(site->module, sizeof(site->module), "%.*s",
			 (int)(strchr(tag, ']') - tag - 1), tag + 1);
	else
		snprintf(site->module, sizeof(site->module), "%s",
			 known ? "vmlinux" : site->ip ? "[unknown]" : "(none)");
	if (site->ip && src && src->source_of) {
		const char *s = src->source_of(src->ctx, site->ip, buf, sizeof(buf));

		if (s)
			split_source(s, site);
	}
}

static bool kernel_addr(const struct analyzer *an, uint64_t v)
{
	if (an_kernel(an)->arch == PT_ARCH_AMD64 || an_kernel(an)->arch == PT_ARCH_UNKNOWN)
		return v >= 0xffff800000000000ULL;
	return v >= 0xc0000000ULL && v <= 0xffffffffULL;
}

char *ci_scrub(const struct analyzer *an, const char *text)
{
	size_t len = strlen(text), n = 0, i;
	/* A replaced number had 3 characters at least: 16 for 3 is the most
	 * the text can grow. */
	char *out = malloc(len / 3 * 16 + len + 1);
	const char *p = text;

	if (!out)
		return NULL;
	while (*p) {
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
			uint64_t v = 0;
			bool big = false;

			for (i = 2; isxdigit((unsigned char)p[i]); i++) {
				big |= v >> 60;
				v = v << 4 | (isdigit((unsigned char)p[i]) ? p[i] - '0' :
					      (tolower((unsigned char)p[i]) - 'a' + 10));
			}
			if (big || kernel_addr(an, v)) {
				memcpy(out + n, "[kernel address]", 16);
				n += 16;
			} else {
				memcpy(out + n, p, i);
				n += i;
			}
			p += i;
			continue;
		}
		out[n++] = *p++;
	}
	out[n] = 0;
	return out;
}

const char *ci_message(const struct analyzer *an, const struct ksyms *ks,
		       const struct pt_finding *f, bool raw, uint64_t misses, char *buf,
		       size_t len)
{
	const struct pt_module_range *m = an_module(an, f->module);
	uint64_t ip = report_site_ip(an, ks, f->caller, f->stack_id);
	char sym[256], detail[160] = "", *note;
	size_t n;

	switch (f->kind) {
	case PT_K_LEAK:
	case PT_K_HELD_AT_EXIT:
		snprintf(detail, sizeof(detail), "%u block(s), %" PRIu64 " page(s) outstanding, order %u",
			 f->count, f->pages, f->order);
		break;
	case PT_K_REMAP_FAILED:
		snprintf(detail, sizeof(detail), "errno %d, %" PRIu64 " page(s) not mapped%s",
			 f->err, f->pages, f->sigbus ? ", then SIGBUS" : "");
		break;
	case PT_K_EVENTS_LOST:
	case PT_K_PKMAP_PRESSURE:
		break;
	case PT_K_KMAP_LOCAL_ORDER:
	case PT_K_KUNMAP_LOCAL_BAD:
	case PT_K_KMAP_LOCAL_LEAK:
	case PT_K_KMAP_ATOMIC_SLEEP:
	case PT_K_KMAP_LOCAL_DEPTH:
		snprintf(detail, sizeof(detail), "%u mapping(s) held", f->depth);
		break;
	default:
		n = snprintf(detail, sizeof(detail), "order %u", f->order);
		if (f->kind == PT_K_ORDER_MISMATCH || f->kind == PT_K_BAD_FREE)
			n += snprintf(detail + n, sizeof(detail) - n, " freed as order %u",
				      f->free_order);
		if (f->pages && n < sizeof(detail))
			snprintf(detail + n, sizeof(detail) - n, ", %" PRIu64 " page(s)", f->pages);
	}
	n = snprintf(buf, len, "%s", pt_kind_name(f->kind));
	if (f->count > 1 && n < len)
		n += snprintf(buf + n, len - n, " x%u", f->count);
	if (m && n < len)
		n += snprintf(buf + n, len - n, " [%s]", m->name);
	note = raw ? NULL : ci_scrub(an, f->note);
	if (n < len)
		n += snprintf(buf + n, len - n, ": %s",
			      !f->note[0] ? "(no detail)" : note ? note : raw ? f->note : "");
	free(note);
	if (detail[0] && n < len)
		n += snprintf(buf + n, len - n, "; %s", detail);
	if (ip && n < len)
		n += snprintf(buf + n, len - n, "; caller %s",
			      site_sym(an, ks, ip, raw, sym, sizeof(sym)));
	if (n < len)
		report_missed_free(f, misses, buf + n, len - n);
	return buf;
}

int ci_path_usable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	if (!path[0])
		return -ENOENT;
	if (slash) {
		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, slash - path);
		dir[slash - path] = 0;
		if (!dir[0])
			strcpy(dir, "/");
	} else {
		strcpy(dir, ".");
	}
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (slash && !slash[1])
		return -EISDIR;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return -EISDIR;
	return 0;
}
