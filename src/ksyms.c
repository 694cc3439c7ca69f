// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel and module symbols: /proc/kallsyms, plus module functions sent by BPF
 * (kept as offsets, so they stay named after the module is unloaded).
 * Lookup only: it decides nothing about findings. Core library: no libbpf.
 */
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

/* The names module_init() and module_exit() give a module's functions. */
static bool module_alias(const char *sym)
{
	return !strcmp(sym, "init_module") || !strcmp(sym, "cleanup_module");
}

/* By address; at one address aliases first, so that a lookup, which takes
 * the last, finds the function's own name. */
static int cmp_sym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return module_alias(y->name) - module_alias(x->name);
}

static void add_extent(void *ctx, const char *name, uint64_t base, uint64_t size)
{
	struct ksyms *k = ctx;
	struct ksym_extent *e = realloc(k->ext, (k->next + 1) * sizeof(*e));

	if (!e)
		return;
	k->ext = e;
	e += k->next++;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->lo = base;
	e->hi = base + size;
}

/*
 * One kallsyms line, "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]", cut in
 * place: name and mod point into line (mod "" when there is none). Returns
 * 3 or 4 fields as sscanf would, or 0 for a line that is neither. By hand:
 * every start reads 100 000+ lines, and sscanf took three quarters of the
 * start's user time under TCG emulation (3 700 instructions a line).
 */
static int kallsyms_line(char *line, unsigned long long *addr, char *type, char **name,
			 char **mod)
{
	unsigned long long a = 0;
	char *p = line, *q;
	int digits = 0;

	for (;; p++, digits++) {
		unsigned int c = (unsigned char)*p;

		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			break;
		a = a << 4 | c;
	}
	if (!digits || digits > 16 || *p != ' ' || !p[1] || p[2] != ' ')
		return 0;
	*addr = a;
	*type = p[1];
	*name = p += 3;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	if (p == *name)
		return 0;
	q = p;
	*mod = "";
	while (*p == ' ' || *p == '\t')
		p++;
	*q = 0;
	if (*p != '[')
		return 3;
	q = strchr(++p, ']');
	if (!q || q == p || q - p > 127)
		return 3;
	*q = 0;
	*mod = p;
	return 4;
}

/*
 * kallsyms lists the kernel's own symbols by address, then the modules'
 * unsorted: sort only that tail and merge it in, instead of a full qsort
 * (a third of a start's parsing time otherwise).
 */
static int sort_syms(struct ksyms *k)
{
	size_t head = 1, i, j, o;
	struct ksym *tmp;

	while (head < k->n && cmp_sym(&k->syms[head - 1], &k->syms[head]) <= 0)
		head++;
	if (head >= k->n)
		return 0;
	qsort(k->syms + head, k->n - head, sizeof(*k->syms), cmp_sym);
	tmp = malloc(head * sizeof(*tmp));
	if (!tmp)
		return -1;
	memcpy(tmp, k->syms, head * sizeof(*tmp));
	/* Merge from the front: the output never overtakes the tail's reads. */
	for (i = 0, j = head, o = 0; i < head; o++)
		k->syms[o] = j < k->n && cmp_sym(&k->syms[j], &tmp[i]) < 0 ? k->syms[j++] : tmp[i++];
	free(tmp);
	return 0;
}

int ksyms_load(struct ksyms *k, const char *path)
{
	char line[512], *name, *mod, type;
	unsigned long long addr;
	FILE *f = fopen(path, "r");
	size_t i;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		long no, mo = -1;
		int n;

		n = kallsyms_line(line, &addr, &type, &name, &mod);
		if (n < 3 || !addr)
			continue;
		/* Where struct pages live (x86-64; FLATMEM), read from BPF. */
		if (n == 3 && strchr("dDbBrR", type) &&
		    (!strcmp(name, "vmemmap_base") || !strcmp(name, "mem_map"))) {
			k->memmap_var = addr;
			snprintf(k->memmap_name, sizeof(k->memmap_name), "%.15s", name);
		}
		/* Where the direct map starts (x86-64), read from BPF. */
		if (n == 3 && strchr("dDbBrR", type) && !strcmp(name, "page_offset_base"))
			k->direct_var = addr;
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
	if (sort_syms(k))
		return -ENOMEM;
	if (!strcmp(path, "/proc/kallsyms"))
		modules_scan("/proc/modules", add_extent, k);
	return 0;
}

static void free_module(struct ksym_module *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free((char *)m->syms[i].name);
	free(m->syms);
}

int ksyms_reload(struct ksyms *k, const char *path)
{
	struct ksym_module *mods = k->mods;
	size_t nmods = k->nmods;

	bool raw = k->raw_addresses;
	const char *(*source_of)(void *, uint64_t, char *, size_t) = k->source_of;
	int (*source_chain)(void *, uint64_t, void *, int) = k->source_chain;
	void *source_ctx = k->source_ctx;

	k->mods = NULL;
	k->nmods = 0;
	ksyms_free(k);
	k->mods = mods;
	k->nmods = nmods;
	k->raw_addresses = raw;
	k->source_of = source_of;
	k->source_chain = source_chain;
	k->source_ctx = source_ctx;
	return ksyms_load(k, path);
}

static struct ksym_module *module_entry(const struct ksyms *k, const char *name, bool init)
{
	size_t i;

	for (i = 0; i < k->nmods; i++)
		if (k->mods[i].init == init && !strcmp(k->mods[i].name, name))
			return &k->mods[i];
	return NULL;
}

/* A new, zeroed entry for module name at the end of the cache, or NULL. */
static struct ksym_module *module_new(struct ksyms *k, const char *name, bool init)
{
	struct ksym_module *m = realloc(k->mods, (k->nmods + 1) * sizeof(*m));

	if (!m)
		return NULL;
	k->mods = m;
	m = &k->mods[k->nmods++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->init = init;
	return m;
}

/* kallsyms entry i of module name within [base, base + size), not an alias
 * of a function also listed under its own name. */
static bool in_module(const struct ksyms *k, size_t i, const char *name, uint64_t base,
		      uint64_t size)
{
	const struct ksym *s = &k->syms[i];

	if (!s->module || s->addr < base || s->addr - base >= size || strcmp(s->module, name))
		return false;
	if (!module_alias(s->name))
		return true;
	return !(i > 0 && k->syms[i - 1].addr == s->addr) &&
	       !(i + 1 < k->n && k->syms[i + 1].addr == s->addr);
}

size_t ksyms_cache_module(struct ksyms *k, const char *name, bool init, uint64_t base,
			  uint64_t size)
{
	struct ksym_module *m, fresh = { .size = size, .init = init };
	size_t i, n = 0;

	for (i = 0; i < k->n; i++)
		n += in_module(k, i, name, base, size);
	if (!n)
		return 0;
	snprintf(fresh.name, sizeof(fresh.name), "%s", name);
	fresh.syms = calloc(n, sizeof(*fresh.syms));
	if (!fresh.syms)
		return 0;
	/* syms is sorted by address, so offsets come out ascending. */
	for (i = 0; i < k->n && fresh.n < n; i++) {
		struct ksym *c = &fresh.syms[fresh.n];

		if (!in_module(k, i, name, base, size))
			continue;
		c->addr = k->syms[i].addr - base;
		c->name = strdup(k->syms[i].name);
		if (!c->name)
			goto nomem;
		fresh.n++;
	}
	m = module_entry(k, name, init);
	if (m)
		free_module(m);
	else if (!(m = module_new(k, name, init)))
		goto nomem;
	*m = fresh;
	return n;
nomem:
	free_module(&fresh);
	return 0;
}

int ksyms_module_add(struct ksyms *k, const char *name, bool init, uint64_t size,
		     uint64_t off, const char *sym)
{
	struct ksym_module *m = module_entry(k, name, init);
	struct ksym *n;
	size_t i;

	if (m && m->size != size) {
		free_module(m);
		m->syms = NULL;
		m->n = 0;
		m->size = size;
	}
	if (!m) {
		m = module_new(k, name, init);
		if (!m)
			return -ENOMEM;
		m->size = size;
	}
	/* Kept ascending by offset: symbol tables are not sorted. */
	for (i = m->n; i > 0 && m->syms[i - 1].addr > off; i--)
		;
	if (i > 0 && m->syms[i - 1].addr == off) {
		char *name;

		/* module_init()/module_exit() aliases yield to the real name. */
		if (!module_alias(m->syms[i - 1].name) || module_alias(sym))
			return 0;
		name = strdup(sym);
		if (!name)
			return -ENOMEM;
		free((char *)m->syms[i - 1].name);
		m->syms[i - 1].name = name;
		return 0;
	}
	n = realloc(m->syms, (m->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->syms = n;
	memmove(&n[i + 1], &n[i], (m->n - i) * sizeof(*n));
	memset(&n[i], 0, sizeof(n[i]));
	n[i].addr = off;
	n[i].name = strdup(sym);
	if (!n[i].name) {
		memmove(&n[i], &n[i + 1], (m->n - i) * sizeof(*n));
		return -ENOMEM;
	}
	m->n++;
	return 0;
}

bool ksyms_module_seen(const struct ksyms *k, const char *name)
{
	const struct ksym_module *m = module_entry(k, name, false);

	return m && m->n;
}

bool ksyms_module_cached(const struct ksyms *k, const char *name, bool init, uint64_t size)
{
	const struct ksym_module *m = module_entry(k, name, init);

	return m && m->size == size;
}

void ksyms_free(struct ksyms *k)
{
	size_t i;

	for (i = 0; i < k->nmods; i++)
		free_module(&k->mods[i]);
	free(k->mods);
	free(k->ext);
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

/* The last of n symbols sorted by addr at or below addr, or NULL. */
static const struct ksym *floor_sym(const struct ksym *syms, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	if (!n || addr < syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &syms[lo];
}

static const struct ksym *find(const struct ksyms *k, uint64_t addr)
{
	const struct ksym *s = floor_sym(k->syms, k->n, addr);
	size_t i;

	/* Beyond 1 MiB past the last symbol is not that symbol. */
	if (!s || addr - s->addr > (1 << 20))
		return NULL;
	for (i = 0; s->module && i < k->next; i++)
		if (!strcmp(k->ext[i].name, s->module))
			return addr >= k->ext[i].lo && addr < k->ext[i].hi ? s : NULL;
	return s;
}

const char *ksyms_format_module(const struct ksyms *k, const char *name, bool init,
				uint64_t off, char *buf, size_t len)
{
	const struct ksym_module *m = module_entry(k, name, init);
	const struct ksym *s;

	if (!m || off >= m->size || !(s = floor_sym(m->syms, m->n, off)))
		return NULL;
	snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name, off - s->addr, name);
	return buf;
}

/* A recording made before addresses were hidden may carry "0x..." texts. */
static bool raw_text(const char *s)
{
	return s[0] == '0' && s[1] == 'x';
}

const char *ksyms_lookup(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s;
	const uint64_t *v;

	if (k->exact.keys && (v = u64map_get(&k->exact, addr))) {
		if (raw_text(k->strs + *v))
			return NULL;
		snprintf(buf, len, "%s", k->strs + *v);
		return buf;
	}
	s = find(k, addr);
	if (!s)
		return NULL;
	if (s->module)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name, addr - s->addr, s->module);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	return buf;
}

const char *ksyms_unknown(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	if (k->raw_addresses)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else
		snprintf(buf, len, "[unknown]");
	return buf;
}

const char *ksyms_format(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	if (ksyms_lookup(k, addr, buf, len))
		return buf;
	return ksyms_unknown(k, addr, buf, len);
}

const char *ksyms_func(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	char *p;

	if (!ksyms_lookup(k, addr, buf, len))
		return NULL;
	p = strchr(buf, '+');
	if (p)
		*p = 0;
	return buf;
}

/* Each listed module (of state "Live" only, if live_only) with its address. */
static int scan_modules(const char *path, bool live_only,
			void (*cb)(void *ctx, const char *name, uint64_t base, uint64_t size),
			void *ctx)
{
	char line[512], name[128], state[32];
	unsigned long long size, base;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* name size refcount deps state address [taint] */
		if (sscanf(line, "%127s %llu %*s %*s %31s %llx", name, &size, state, &base) != 4 ||
		    !base || (live_only && strcmp(state, "Live")))
			continue;
		cb(ctx, name, base, size);
	}
	fclose(f);
	return 0;
}

int modules_scan(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
					      uint64_t size), void *ctx)
{
	return scan_modules(path, false, cb, ctx);
}

int modules_scan_live(const char *path, void (*cb)(void *ctx, const char *name, uint64_t base,
						   uint64_t size), void *ctx)
{
	return scan_modules(path, true, cb, ctx);
}
