// SPDX-License-Identifier: GPL-2.0
/*
 * Loads only pagetrack's module-scope programs (do_init_module entry, its
 * symbol-table walk, its return, delete_module) from a BPF object against the running kernel:
 * their CO-RE relocations (core_layout/init_layout before Linux 6.4,
 * mem[MOD_TEXT]/mem[MOD_INIT_TEXT] after) must resolve and the verifier
 * must accept them, even where nothing can attach (no kprobes).
 *   coreload OBJECT   prints "layout: LAYOUT" and "load: 0", exit 0 on success
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

static const char *layout = "unknown";

static int on_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* Which layout the kernel's BTF matched: the relocation log says. */
	if (strstr(buf, "matching candidate") && strstr(buf, "struct module.mem["))
		layout = "mem[] (6.4+)";
	else if (strstr(buf, "matching candidate") && strstr(buf, "struct module.init_layout"))
		layout = "init_layout (before 6.4)";
	if (level == LIBBPF_WARN)
		fputs(buf, stderr);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const progs[] = {
		"pagetrack_module_init", "pagetrack_module_syms", "pagetrack_module_init_ret",
		"pagetrack_module_unload",
	};
	struct bpf_program *p;
	struct bpf_object *o;
	unsigned int i;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: coreload OBJECT\n");
		return 2;
	}
	libbpf_set_print(on_print);
	o = bpf_object__open_file(argv[1], NULL);
	if (!o) {
		fprintf(stderr, "coreload: cannot open %s\n", argv[1]);
		return 2;
	}
	bpf_object__for_each_program(p, o) {
		bool want = false;

		for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
			want |= !strcmp(bpf_program__name(p), progs[i]);
		bpf_program__set_autoload(p, want);
	}
	err = bpf_object__load(o);
	printf("layout: %s\nload: %d\n", layout, err);
	bpf_object__close(o);
	return err ? 1 : 0;
}
