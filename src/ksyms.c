// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

static long add_str(struct ksyms *k, const char *s)
{
	size_t n = strlen(s) + 1;

	if (k->slen + n > k->scap) {
		size_t cap = k->scap ? k->scap * 2 : 1 << 16;
		char *p;

		while (cap < k->slen + n)
			cap *= 2;
		p = realloc(k->strs, cap);
		if (!p)
			return -1;
		k->strs = p;
		k->scap = cap;
	}
	memcpy(k->strs + k->slen, s, n);
	k->slen += n;
	return (long)(k->slen - n);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_load(struct ksyms *k, const char *path)
{
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	FILE *f = fopen(path, "r");
	size_t i;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		long no, mo = -1;
		int n;

		mod[0] = 0;
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (k->n == k->cap) {
			size_t cap = k->cap ? k->cap * 2 : 1 << 14;
			struct ksym *p = realloc(k->syms, cap * sizeof(*p));

			if (!p) {
				fclose(f);
				return -ENOMEM;
			}
			k->syms = p;
			k->cap = cap;
		}
		no = add_str(k, name);
		if (n == 4 && mod[0])
			mo = add_str(k, mod);
		if (no < 0) {
			fclose(f);
			return -ENOMEM;
		}
		/* Store offsets now; strs may move while growing. */
		k->syms[k->n].addr = addr;
		k->syms[k->n].name = (const char *)(uintptr_t)no;
		k->syms[k->n].module = (const char *)(intptr_t)mo;
		k->n++;
	}
	fclose(f);
	for (i = 0; i < k->n; i++) {
		intptr_t mo = (intptr_t)k->syms[i].module;

		k->syms[i].name = k->strs + (uintptr_t)k->syms[i].name;
		k->syms[i].module = mo >= 0 ? k->strs + mo : NULL;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_sym);
	return 0;
}

static void free_modules(struct ksym_module *m, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < m[i].n; j++)
			free(m[i].names[j]);
		free(m[i].names);
		free(m[i].off);
	}
	free(m);
}

int ksyms_reload(struct ksyms *k, const char *path)
{
	struct ksym_module *mods = k->mods;
	size_t nmods = k->nmods;

	k->mods = NULL;
	k->nmods = 0;
	ksyms_free(k);
	k->mods = mods;
	k->nmods = nmods;
	return ksyms_load(k, path);
}

static struct ksym_module *module_entry(const struct ksyms *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->nmods; i++)
		if (!strcmp(k->mods[i].name, name))
			return &k->mods[i];
	return NULL;
}

size_t ksyms_cache_module(struct ksyms *k, const char *name, uint64_t base, uint64_t size)
{
	struct ksym_module *m, fresh = { .size = size };
	size_t i, n = 0;

	for (i = 0; i < k->n; i++)
		if (k->syms[i].module && k->syms[i].addr >= base &&
		    k->syms[i].addr - base < size && !strcmp(k->syms[i].module, name))
			n++;
	if (!n)
		return 0;
	snprintf(fresh.name, sizeof(fresh.name), "%s", name);
	fresh.off = calloc(n, sizeof(*fresh.off));
	fresh.names = calloc(n, sizeof(*fresh.names));
	if (!fresh.off || !fresh.names)
		goto nomem;
	/* syms is sorted by address, so offsets come out ascending. */
	for (i = 0; i < k->n && fresh.n < n; i++) {
		const struct ksym *s = &k->syms[i];

		if (!s->module || s->addr < base || s->addr - base >= size || strcmp(s->module, name))
			continue;
		fresh.off[fresh.n] = s->addr - base;
		fresh.names[fresh.n] = strdup(s->name);
		if (!fresh.names[fresh.n++])
			goto nomem;
	}
	m = module_entry(k, name);
	if (m) {
		for (i = 0; i < m->n; i++)
			free(m->names[i]);
		free(m->names);
		free(m->off);
	} else {
		m = realloc(k->mods, (k->nmods + 1) * sizeof(*m));
		if (!m)
			goto nomem;
		k->mods = m;
		m = &k->mods[k->nmods++];
	}
	*m = fresh;
	return n;
nomem:
	for (i = 0; i < fresh.n; i++)
		free(fresh.names[i]);
	free(fresh.names);
	free(fresh.off);
	return 0;
}

bool ksyms_module_cached(const struct ksyms *k, const char *name, uint64_t size)
{
	const struct ksym_module *m = module_entry(k, name);

	return m && m->size == size;
}

const char *ksyms_format_module(const struct ksyms *k, const char *name, uint64_t off,
				char *buf, size_t len)
{
	const struct ksym_module *m = module_entry(k, name);
	size_t lo = 0, hi;

	if (!m || off >= m->size || !m->n || off < m->off[0])
		return NULL;
	hi = m->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (m->off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", m->names[lo], off - m->off[lo], name);
	return buf;
}

void ksyms_free(struct ksyms *k)
{
	free_modules(k->mods, k->nmods);
	free(k->syms);
	free(k->strs);
	if (k->exact.keys)
		u64map_free(&k->exact);
	memset(k, 0, sizeof(*k));
}

int ksyms_add_exact(struct ksyms *k, uint64_t addr, const char *text)
{
	long off;
	uint64_t *v;

	if (!k->exact.keys && u64map_init(&k->exact, sizeof(uint64_t)))
		return -ENOMEM;
	off = add_str(k, text);
	if (off < 0)
		return -ENOMEM;
	v = u64map_put(&k->exact, addr, NULL);
	if (!v)
		return -ENOMEM;
	*v = (uint64_t)off;
	return 0;
}

static const struct ksym *find(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;

	if (!k->n || addr < k->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Beyond 1 MiB past the last symbol is not that symbol. */
	if (addr - k->syms[lo].addr > (1 << 20))
		return NULL;
	return &k->syms[lo];
}

const char *ksyms_format(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s;
	const uint64_t *v;

	if (k->exact.keys && (v = u64map_get(&k->exact, addr))) {
		snprintf(buf, len, "%s", k->strs + *v);
		return buf;
	}
	s = find(k, addr);
	if (!s)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (s->module)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name, addr - s->addr, s->module);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	return buf;
}

const char *ksyms_func(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	char *p;

	ksyms_format(k, addr, buf, len);
	if (buf[0] == '0' && buf[1] == 'x')
		return NULL;
	p = strchr(buf, '+');
	if (p)
		*p = 0;
	return buf;
}

int modules_scan(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
					      uint64_t size), void *ctx)
{
	char line[512], name[128];
	unsigned long long size, base;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		int field = 0;

		/* name size refcount deps state address [taint] */
		if (sscanf(line, "%127s %llu", name, &size) != 2)
			continue;
		base = 0;
		while (*p && field < 5) {
			if (*p == ' ')
				field++;
			p++;
		}
		if (field == 5)
			base = strtoull(p, NULL, 16);
		if (base)
			cb(ctx, name, base, size);
	}
	fclose(f);
	return 0;
}
