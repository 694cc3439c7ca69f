// SPDX-License-Identifier: GPL-2.0
/*
 * Source lines of watched modules' frames, from the module's .ko through
 * elfutils' libdwfl/libdw. A frame is named "func+0xOFF [mod]" by ksyms and
 * report.c (at any load address, in a recording too): func is looked up in
 * the .ko's symbol table (core and init text alike), OFF added, and libdw's
 * line table and scopes give FILE:LINE and the inline chain. A return
 * address is looked up one byte back, so the call's line comes out.
 *
 * Finding the .ko: --module-file PATH (its .modinfo "name="), else
 * /lib/modules/RELEASE/modules.dep, else ./NAME.ko; a file whose GNU
 * build-id differs from the loaded module's (/sys/module/NAME/notes) is
 * refused. Must not: parse DWARF itself, judge findings, or make a run fail
 * (every problem is one line on stderr, then no source lines).
 */
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "srcline.h"
#include "report.h"
#include "u64map.h"

#define SL_MAX_MODS	32	/* watched modules and --module-file files */

struct sl_mod {
	char name[64];
	char *path;		/* the file in use (or, from an option, to try first) */
	Dwfl *dwfl;
	Dwfl_Module *dm;
	bool from_option;
	bool resolved;		/* the search for a usable file is over */
	bool usable;		/* dm with DWARF */
	bool refused;		/* a file of another build was named: said so */
	char dir[PATH_MAX];	/* the file's directory, to shorten paths */
	unsigned char kid[64];	/* the loaded module's build-id */
	int kidlen;		/* 0: unknown */
};

/* A resolved ip (a report asks for the same frames again and again). */
#define SL_CACHED	8
struct sl_cached {
	int n;
	struct srcline_frame f[SL_CACHED];
};

struct srcline {
	const struct analyzer *an;
	const struct ksyms *ks;
	struct u64map cache;	/* ip -> struct sl_cached * (n 0: unknown) */
	char release[65];
	bool live;
	unsigned int n;
	struct sl_mod mods[SL_MAX_MODS];
};

static char *debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("pagetrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A Dwfl holding only path (libdwfl decompresses .ko.xz/.zst/.gz). */
static Dwfl *open_file(const char *path, Dwfl_Module **dm)
{
	Dwfl *d = dwfl_begin(&offline_callbacks);

	if (!d)
		return NULL;
	dwfl_report_begin(d);
	*dm = dwfl_report_offline(d, "module", path, -1);
	dwfl_report_end(d, NULL, NULL);
	if (!*dm) {
		dwfl_end(d);
		return NULL;
	}
	return d;
}

/* The .modinfo "name=" of a .ko into name, or false. */
static bool modinfo_name(Dwfl_Module *dm, char *name, size_t len)
{
	GElf_Addr bias;
	Elf *e = dwfl_module_getelf(dm, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!e || elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *sn, *p, *end;

		if (!gelf_getshdr(scn, &sh) || !(sn = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(sn, ".modinfo") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		p = d->d_buf;
		end = p + d->d_size;
		while (p < end) {
			size_t l = strnlen(p, (size_t)(end - p));

			if (l > 5 && !strncmp(p, "name=", 5) && l - 5 < len) {
				memcpy(name, p + 5, l - 5);
				name[l - 5] = 0;
				return true;
			}
			p += l + 1;
		}
	}
	return false;
}

/* A module's name from a path: basename without .ko[.xz|.zst|.gz], '-' as '_'. */
static void name_of_path(const char *path, char *name, size_t len)
{
	const char *b = strrchr(path, '/');
	char *p;

	snprintf(name, len, "%s", b ? b + 1 : path);
	p = strstr(name, ".ko");
	if (p && (!p[3] || p[3] == '.'))
		*p = 0;
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static struct sl_mod *find_mod(struct srcline *sl, const char *name)
{
	unsigned int i;

	for (i = 0; i < sl->n; i++)
		if (!strcmp(sl->mods[i].name, name))
			return &sl->mods[i];
	return NULL;
}

static struct sl_mod *add_mod(struct srcline *sl, const char *name)
{
	struct sl_mod *m = find_mod(sl, name);

	if (m || sl->n == SL_MAX_MODS)
		return m;
	m = &sl->mods[sl->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

struct srcline *srcline_new(const char *const *files, unsigned int nfiles, const char *release,
			    bool live)
{
	struct srcline *sl = calloc(1, sizeof(*sl));
	unsigned int i;

	if (!sl)
		return NULL;
	if (u64map_init(&sl->cache, sizeof(struct sl_cached *))) {
		free(sl);
		return NULL;
	}
	snprintf(sl->release, sizeof(sl->release), "%s", release ? release : "");
	sl->live = live;
	for (i = 0; i < nfiles; i++) {
		char name[64];
		Dwfl_Module *dm;
		Dwfl *d = open_file(files[i], &dm);
		struct sl_mod *m;

		if (!d) {
			say("warning: --module-file %s: %s: no source lines from it", files[i],
			    access(files[i], R_OK) ? strerror(errno) : dwfl_errmsg(-1));
			continue;
		}
		if (!modinfo_name(dm, name, sizeof(name)))
			name_of_path(files[i], name, sizeof(name));
		m = add_mod(sl, name);
		if (!m || m->from_option) {
			if (m)
				say("warning: --module-file %s: module %s already has %s", files[i],
				    name, m->path);
			dwfl_end(d);
			continue;
		}
		m->path = strdup(files[i]);
		m->dwfl = d;
		m->dm = dm;
		m->from_option = true;
	}
	return sl;
}

void srcline_bind(struct srcline *sl, const struct analyzer *an, const struct ksyms *ks)
{
	sl->an = an;
	sl->ks = ks;
}

/* The build-id the kernel keeps for a loaded module, or 0 bytes. */
static int kernel_build_id(const char *name, unsigned char *id, size_t len)
{
	char path[PATH_MAX];
	unsigned char note[256];
	uint32_t namesz, descsz, type;
	size_t off;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/notes/.note.gnu.build-id", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, note, sizeof(note));
	close(fd);
	if (n < 12)
		return 0;
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	memcpy(&type, note + 8, 4);
	off = 12 + ((namesz + 3) & ~3u);
	if (type != NT_GNU_BUILD_ID || namesz != 4 || memcmp(note + 12, "GNU", 4) ||
	    !descsz || descsz > len || off + descsz > (size_t)n)
		return 0;
	memcpy(id, note + off, descsz);
	return (int)descsz;
}

static void cache_clear(struct srcline *sl)
{
	size_t i;

	for (i = 0; i < sl->cache.cap; i++)
		if (u64map_used(&sl->cache, i))
			free(*(struct sl_cached **)u64map_val(&sl->cache, i));
	u64map_clear(&sl->cache);
}

void srcline_module_loaded(struct srcline *sl, const char *name)
{
	struct sl_mod *m = add_mod(sl, name);
	unsigned char id[64];
	int n;

	if (!m || !(n = kernel_build_id(name, id, sizeof(id))))
		return;
	/* A module loaded again from another file: search again. */
	if (m->resolved && m->kidlen && (m->kidlen != n || memcmp(m->kid, id, n))) {
		if (!m->from_option && m->dwfl) {
			dwfl_end(m->dwfl);
			m->dwfl = NULL;
			m->dm = NULL;
		}
		m->resolved = m->usable = false;
	}
	memcpy(m->kid, id, n);
	m->kidlen = n;
	cache_clear(sl);	/* its frames may be named anew */
}

static void hex(const unsigned char *p, int n, char *out)
{
	int i;

	for (i = 0; i < n && i < 20; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Whether the opened file is the module the kernel ran (unknown: yes). */
static bool same_build(struct sl_mod *m, Dwfl_Module *dm, const char *path)
{
	const unsigned char *bits;
	GElf_Addr vaddr, bias;
	char want[41] = "", got[41] = "";
	int n;

	if (!m->kidlen)
		return true;
	dwfl_module_getelf(dm, &bias);
	n = dwfl_module_build_id(dm, &bits, &vaddr);
	if (n == m->kidlen && !memcmp(bits, m->kid, n))
		return true;
	hex(m->kid, m->kidlen, want);
	if (n > 0)
		hex(bits, n, got);
	say("warning: %s is not the %s that was loaded (build-id %s, loaded %s): not used for source lines",
	    path, m->name, n > 0 ? got : "none", want);
	m->refused = true;
	return false;
}

/* /lib/modules/RELEASE/modules.dep's file for module name, or NULL. */
static char *modules_dep(const char *release, const char *name)
{
	char path[PATH_MAX], line[4096], mn[64];
	char *found = NULL;
	FILE *f;

	if (!release[0])
		return NULL;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", release);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!c)
			continue;
		*c = 0;
		name_of_path(line, mn, sizeof(mn));
		if (strcmp(mn, name))
			continue;
		if (line[0] == '/')
			found = strdup(line);
		else if (snprintf(path, sizeof(path), "/lib/modules/%s/%s", release, line) <
			 (int)sizeof(path))
			found = strdup(path);
	}
	fclose(f);
	return found;
}

/* Takes path for m if it opens and is the loaded build. */
static bool try_file(struct sl_mod *m, const char *path)
{
	Dwfl_Module *dm;
	Dwfl *d;

	if (access(path, R_OK))
		return false;
	d = open_file(path, &dm);
	if (!d) {
		say("warning: %s: %s: no source lines for %s from it", path, dwfl_errmsg(-1),
		    m->name);
		return false;
	}
	if (!same_build(m, dm, path)) {
		dwfl_end(d);
		return false;
	}
	if (m->path != path) {
		free(m->path);
		m->path = strdup(path);
	}
	m->dwfl = d;
	m->dm = dm;
	return true;
}

/*
 * The directory paths are shown relative to: the module's build directory
 * (kbuild's M=), where its NAME.mod.c was compiled, whatever directory the
 * .ko was copied to since; else the .ko's own directory.
 */
static void set_dir(struct sl_mod *m)
{
	char real[PATH_MAX], *s;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;

	m->dir[0] = 0;
	while ((cu = dwfl_module_nextcu(m->dm, cu, &bias))) {
		const char *name = dwarf_diename(cu), *cd = NULL;
		size_t l = name ? strlen(name) : 0;
		Dwarf_Attribute a;

		if (l < 6 || strcmp(name + l - 6, ".mod.c"))
			continue;
		if (name[0] != '/' && dwarf_attr(cu, DW_AT_comp_dir, &a))
			cd = dwarf_formstring(&a);
		if (name[0] != '/' && !cd)
			continue;
		snprintf(real, sizeof(real), "%s%s%s", name[0] == '/' ? "" : cd,
			 name[0] == '/' ? "" : "/", name);
		s = strrchr(real, '/');
		if (s && s != real) {
			*s = 0;
			snprintf(m->dir, sizeof(m->dir), "%s", real);
			return;
		}
	}
	if (!m->path || !realpath(m->path, real))
		return;
	s = strrchr(real, '/');
	if (s && s != real) {
		*s = 0;
		snprintf(m->dir, sizeof(m->dir), "%s", real);
	}
}

/* m's file with DWARF, searched for once; NULL (said once) when none. */
static Dwfl_Module *module_dwfl(struct srcline *sl, const char *name)
{
	struct sl_mod *m = add_mod(sl, name);
	Dwarf_Addr bias;
	char *dep, local[PATH_MAX];

	if (!m)
		return NULL;
	if (m->resolved)
		return m->usable ? m->dm : NULL;
	m->resolved = true;
	if (!m->kidlen && sl->live)
		m->kidlen = kernel_build_id(name, m->kid, sizeof(m->kid));
	if (m->from_option) {
		if (m->dwfl && !same_build(m, m->dm, m->path)) {
			dwfl_end(m->dwfl);
			m->dwfl = NULL;
			m->dm = NULL;
		}
	}
	if (!m->dwfl && (dep = modules_dep(sl->release, name))) {
		try_file(m, dep);
		free(dep);
	}
	snprintf(local, sizeof(local), "%s.ko", name);
	if (!m->dwfl)
		try_file(m, local);
	if (!m->dwfl) {
		/* One line per module: a refused file has had its line. */
		if (!m->refused)
			say("no .ko found for module %s (give --module-file PATH): no source lines for it",
			    name);
		return NULL;
	}
	if (!dwfl_module_getdwarf(m->dm, &bias)) {
		say("%s has no DWARF (build it with debug info, CONFIG_DEBUG_INFO): no source lines for %s",
		    m->path, name);
		return NULL;
	}
	set_dir(m);
	m->usable = true;
	return m->dm;
}

/* Address of function func in dm (0: none). */
static GElf_Addr func_addr(Dwfl_Module *dm, const char *func)
{
	int i, n = dwfl_module_getsymtab(dm);

	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *s = dwfl_module_getsym_info(dm, i, &sym, &addr, &shndx, NULL, NULL);

		if (s && GELF_ST_TYPE(sym.st_info) == STT_FUNC && shndx != SHN_UNDEF &&
		    !strcmp(s, func))
			return addr;
	}
	return 0;
}

/* path as shown: relative to the .ko's directory or the build's, no "./". */
static void shorten(const struct sl_mod *m, const char *comp_dir, const char *path,
		    char *out, size_t len)
{
	size_t l;
	char *p;

	if (m->dir[0] && !strncmp(path, m->dir, (l = strlen(m->dir))) && path[l] == '/')
		path += l + 1;
	else if (comp_dir && comp_dir[0] && !strncmp(path, comp_dir, (l = strlen(comp_dir))) &&
		 path[l] == '/')
		path += l + 1;
	while (!strncmp(path, "./", 2))
		path += 2;
	snprintf(out, len, "%s", path);
	while ((p = strstr(out, "/./")))
		memmove(p, p + 2, strlen(p + 2) + 1);
}

static const char *die_name(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	const char *n = dwarf_diename(d);

	if (n)
		return n;
	if (dwarf_attr_integrate(d, DW_AT_name, &a))
		return dwarf_formstring(&a);
	return NULL;
}

static void set_frame(struct srcline_frame *f, const struct sl_mod *m, const char *comp_dir,
		      const char *func, const char *file, unsigned int line)
{
	snprintf(f->func, sizeof(f->func), "%s", func ? func : "?");
	shorten(m, comp_dir, file ? file : "??", f->file, sizeof(f->file));
	f->line = line;
}

int srcline_sym_chain(struct srcline *sl, const char *mod, const char *func, uint64_t off,
		      bool ret, struct srcline_frame *out, int max)
{
	Dwfl_Module *dm = sl ? module_dwfl(sl, mod) : NULL;
	const struct sl_mod *m = dm ? find_mod(sl, mod) : NULL;
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr pc, bias;
	Dwarf_Files *files = NULL;
	Dwarf_Attribute a;
	const char *file, *comp_dir = NULL;
	int line = 0, n, i, k = 0;
	GElf_Addr fa;
	Dwfl_Line *l;

	if (!dm || max < 1 || !(fa = func_addr(dm, func)))
		return 0;
	pc = fa + off - (ret && off ? 1 : 0);
	l = dwfl_module_getsrc(dm, pc);
	if (!l || !(file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL)) || line <= 0)
		return 0;
	cu = dwfl_module_addrdie(dm, pc, &bias);
	if (cu && dwarf_attr(cu, DW_AT_comp_dir, &a))
		comp_dir = dwarf_formstring(&a);
	/* The innermost scope at pc, then its physical nesting: for inlined
	 * code dwarf_getscopes() goes on with the inline's abstract
	 * definition, dwarf_getscopes_die() with the function it sits in. */
	n = cu ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
	if (n > 0) {
		Dwarf_Die inner = scopes[0], *phys = NULL;
		int np = dwarf_getscopes_die(&inner, &phys);

		free(scopes);
		scopes = phys;
		n = np;
	}
	if (cu && dwarf_getsrcfiles(cu, &files, NULL))
		files = NULL;
	for (i = 0; i < n; i++) {
		Dwarf_Die *s = &scopes[i];
		int tag = dwarf_tag(s);
		Dwarf_Word cf, cl;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		/* Past max, the last slot keeps being overwritten: it ends
		 * up holding the outermost frame, the one that matters. */
		set_frame(&out[k < max ? k++ : max - 1], m, comp_dir, die_name(s), file,
			  (unsigned int)line);
		if (tag == DW_TAG_subprogram)
			break;
		/* The call of the inlined code: where the outer function is. */
		if (!dwarf_attr(s, DW_AT_call_file, &a) || dwarf_formudata(&a, &cf) ||
		    !dwarf_attr(s, DW_AT_call_line, &a) || dwarf_formudata(&a, &cl) || !files ||
		    !(file = dwarf_filesrc(files, cf, NULL, NULL)))
			break;
		line = (int)cl;
	}
	free(scopes);
	if (!k)	/* no scopes (no DIE for pc): the line table alone */
		set_frame(&out[k++], m, comp_dir, func, file, (unsigned int)line);
	/* The outermost frame is the symbol's function, whatever DWARF calls it. */
	snprintf(out[k - 1].func, sizeof(out[k - 1].func), "%s", func);
	return k;
}

/* The module, function and offset naming ip: "func+0xOFF [mod]". */
static bool frame_of(struct srcline *sl, uint64_t ip, char *mod, size_t mlen, char *func,
		     size_t flen, uint64_t *off)
{
	const struct pt_module_range *r;
	char text[320], *tag, *plus, *end;
	int idx;

	if (!sl->an || !sl->ks || (idx = an_module_of_ip(sl->an, ip)) < 0 ||
	    !(r = an_module(sl->an, idx)) || !report_sym_known(sl->an, sl->ks, ip, text, sizeof(text)))
		return false;
	tag = strstr(text, " [");
	if (!tag || strncmp(tag + 2, r->name, strlen(r->name)) || tag[2 + strlen(r->name)] != ']')
		return false;
	*tag = 0;
	plus = strrchr(text, '+');
	if (!plus || strncmp(plus, "+0x", 3))
		return false;
	*plus = 0;
	errno = 0;
	*off = strtoull(plus + 3, &end, 16);
	if (errno || *end || !text[0])
		return false;
	snprintf(mod, mlen, "%s", r->name);
	snprintf(func, flen, "%s", text);
	return true;
}

int srcline_chain(struct srcline *sl, uint64_t ip, struct srcline_frame *out, int max)
{
	struct sl_cached **slot, *c;
	char mod[64], func[320];
	uint64_t off;
	bool had;
	int n;

	if (!sl || max < 1 || !sl->an || an_module_of_ip(sl->an, ip) < 0)
		return 0;
	slot = u64map_get(&sl->cache, ip);
	if (!slot) {
		c = calloc(1, sizeof(*c));
		/* Every module frame is a return address but a function's first
		 * byte (a tail-called free named by the function that made it). */
		if (c && frame_of(sl, ip, mod, sizeof(mod), func, sizeof(func), &off))
			c->n = srcline_sym_chain(sl, mod, func, off, true, c->f, SL_CACHED);
		slot = c ? u64map_put(&sl->cache, ip, &had) : NULL;
		if (!slot) {
			n = c ? c->n : 0;
			if (n > max)
				n = max;
			if (n)
				memcpy(out, c->f + c->n - n, n * sizeof(*out));
			free(c);
			return n;
		}
		*slot = c;
	}
	c = *slot;
	/* Too little room: the outermost frames, the last one above all. */
	n = c->n < max ? c->n : max;
	memcpy(out, c->f + c->n - n, n * sizeof(*out));
	return n;
}

const char *srcline_of(void *ctx, uint64_t ip, char *buf, size_t len)
{
	struct srcline_frame f[8];
	int n = srcline_chain(ctx, ip, f, 8);

	if (!n)
		return NULL;
	snprintf(buf, len, "%s:%u", f[n - 1].file, f[n - 1].line);
	return buf;
}

/* srcline_of is the source_of callback other writers take: checked here. */
static const char *(*const source_of_check)(void *ctx, uint64_t ip, char *buf, size_t len)
	__attribute__((unused)) = srcline_of;

void srcline_free(struct srcline *sl)
{
	unsigned int i;

	if (!sl)
		return;
	cache_clear(sl);
	u64map_free(&sl->cache);
	for (i = 0; i < sl->n; i++) {
		if (sl->mods[i].dwfl)
			dwfl_end(sl->mods[i].dwfl);
		free(sl->mods[i].path);
	}
	free(sl);
}
