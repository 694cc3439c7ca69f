/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process and module life cycle: signals after a remap, module load,
 * init, unload and free, and the module's own symbols.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/* ---- process and module life cycle ---- */

SEC("tracepoint/signal/signal_generate")
int pagetrack_signal(struct trace_event_raw_signal_generate *ctx)
{
	struct pt_event *e;

	if (ctx->sig != 7 /* SIGBUS */)
		return 0;
	e = new_event(ctx, PT_EV_SIGNAL, false);
	if (!e)
		return 0;
	e->tgid = ctx->pid;
	e->ret = ctx->code;
	e->aux = ctx->sig;
	submit(e);
	return 0;
}

/* Fixed layouts: trace_entry is 8 bytes and __data_loc 4 on every arch. */
struct pt_module_load_tp {
	__u64 ent;
	__u32 taints;
	__u32 name_loc;
};

struct pt_module_free_tp {
	__u64 ent;
	__u32 name_loc;
};

/* A module event with its header filled in, or NULL (counted as lost). */
static __always_inline struct pt_module_event *new_module_event(__u32 type)
{
	struct pt_module_event *m = reserve(sizeof(*m));

	if (!m)
		return NULL;
	event_header(&m->ev, type, -1, HDR_TASK);
	__builtin_memset(m->name, 0, sizeof(m->name));
	return m;
}

static __always_inline void emit_module(void *ctx, __u32 type, __u32 loc)
{
	struct pt_module_event *m = new_module_event(type);

	if (!m)
		return;
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), ctx + (loc & 0xffff));
	/* Module events are rare and the reader must see them at once. */
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
}

/*
 * do_init_module() runs before the module's init function: its text range
 * is known here even if the module is gone by the time user space reads the
 * event. Linux 6.4 replaced core_layout with mem[MOD_TEXT].
 */
struct module_layout___pt {
	void *base;
	unsigned int text_size;
} __attribute__((preserve_access_index));

struct module___pre64 {
	char name[56];
	struct module_layout___pt core_layout;
	struct module_layout___pt init_layout;
} __attribute__((preserve_access_index));

struct module_memory___pt {
	void *base;
	unsigned int size;
} __attribute__((preserve_access_index));

struct module___v64 {
	char name[56];
	struct module_memory___pt mem[1];
} __attribute__((preserve_access_index));

/* 6.4+: the index of the init text in mod->mem[], from the kernel's BTF. */
enum mod_mem_type___pt {
	MOD_INIT_TEXT___pt = 4,
};

/* Text ranges of the module being loaded: core, and init (freed after
 * do_init_module returns). */
static __always_inline void module_ranges(void *mod, struct pt_event *ev)
{
	struct module___pre64 *old = mod;
	struct module___v64 *new = mod;

	if (bpf_core_field_exists(old->core_layout)) {
		ev->a0 = KREAD(old, core_layout.base);
		ev->a1 = KREAD(old, core_layout.text_size);
		ev->a2 = KREAD(old, init_layout.base);
		ev->a3 = KREAD(old, init_layout.text_size);
	} else {
		__u32 idx = 4;
		struct module_memory___pt *im;

		if (bpf_core_enum_value_exists(enum mod_mem_type___pt, MOD_INIT_TEXT___pt))
			idx = bpf_core_enum_value(enum mod_mem_type___pt, MOD_INIT_TEXT___pt);
		ev->a0 = KREAD(new, mem[0].base);
		ev->a1 = KREAD(new, mem[0].size);
		im = mod + bpf_core_field_offset(new->mem) +
		     (idx & 7) * bpf_core_type_size(struct module_memory___pt);
		ev->a2 = KREAD(im, base);
		ev->a3 = KREAD(im, size);
	}
}

/* Whether the kernel's Elf_Sym is Elf64_Sym (amd64) or Elf32_Sym (i386). */
const volatile bool sym64 = true;

struct mod_kallsyms___pt {
	void *symtab;
	unsigned int num_symtab;
	char *strtab;
} __attribute__((preserve_access_index));

struct module___ks {
	struct mod_kallsyms___pt *kallsyms;
	void (*exit)(void);
} __attribute__((preserve_access_index));

struct syms_walk {
	void *symtab;
	char *strtab;
	__u64 base, size;
	__u64 ibase, isize;	/* init text */
	__u32 n;
	__u32 next;		/* the next entry a chunk reads */
};

#define PT_STT_FUNC	2

/* One symbol of the module being loaded: a function in its text is sent. */
static __always_inline long module_sym(__u32 i, struct syms_walk *w)
{
	struct pt_module_event *m;
	__u64 value;
	__u32 name;
	__u8 info;
	bool init;

	if (sym64) {
		struct { __u32 name; __u8 info, other; __u16 shndx; __u64 value, size; } s;

		if (bpf_probe_read_kernel(&s, sizeof(s), w->symtab + (__u64)i * sizeof(s)))
			return 1;
		value = s.value;
		name = s.name;
		info = s.info;
	} else {
		struct { __u32 name, value, size; __u8 info, other; __u16 shndx; } s;

		if (bpf_probe_read_kernel(&s, sizeof(s), w->symtab + (__u64)i * sizeof(s)))
			return 1;
		value = s.value;
		name = s.name;
		info = s.info;
	}
	if ((info & 0xf) != PT_STT_FUNC)
		return 0;
	if (value >= w->base && value - w->base < w->size)
		init = false;
	else if (value >= w->ibase && value - w->ibase < w->isize)
		init = true;
	else
		return 0;
	m = reserve(sizeof(*m));
	if (!m)
		return 1;
	event_header(&m->ev, PT_EV_MODULE_SYM, -1, 0);
	__builtin_memset(m->name, 0, sizeof(m->name));
	m->ev.a0 = value;
	m->ev.a1 = init ? w->ibase : w->base;
	m->ev.a2 = init ? w->isize : w->size;
	m->ev.flags = init ? PT_F_INIT_TEXT : 0;
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), w->strtab + name);
	bpf_ringbuf_submit(m, BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * The symbol table is read PT_SYMS_CHUNK entries a run: one run verified
 * once, then itself again by a tail call while entries remain, up to
 * PT_MAX_MOD_SYMS (32 runs; the kernel allows 33 tail calls, 32 before
 * 5.17). A single bounded loop over all of them was verified once per
 * iteration: 745 000 instructions, seconds of every start under TCG and
 * near the verifier's limit. Not bpf_loop(): i386 and ARM32 run BPF
 * without callbacks. The walk's state is per CPU: the chain runs on one
 * CPU from do_init_module's probe on, without preemption.
 */
#define PT_SYMS_CHUNK 32

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syms_walk);
} syms_walks SEC(".maps");

int pagetrack_module_syms(struct pt_regs *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));	/* no BTF types: a prog array takes none */
	__array(values, int (void *));
} syms_chunks SEC(".maps") = {
	.values = { [0] = (void *)&pagetrack_module_syms },
};

SEC("kprobe")
int pagetrack_module_syms(struct pt_regs *ctx)
{
	__u32 zero = 0, i;
	struct syms_walk *w = bpf_map_lookup_elem(&syms_walks, &zero);

	if (!w)
		return 0;
#pragma clang loop unroll(disable)
	for (i = 0; i < PT_SYMS_CHUNK; i++) {
		if (w->next >= w->n || w->next >= PT_MAX_MOD_SYMS || module_sym(w->next, w))
			return 0;
		w->next++;
	}
	bpf_tail_call(ctx, &syms_chunks, 0);
	return 0;
}

/*
 * The module's load, then each of its functions from its own symbol table,
 * the first PT_MAX_MOD_SYMS entries (pagetrack_module_syms): they are named
 * even when the module is unloaded before user space could read kallsyms.
 */
SEC("kprobe/do_init_module")
int pagetrack_module_init(struct pt_regs *ctx)
{
	void *mod = (void *)(unsigned long)ARG1(REGS(ctx));
	struct module___pre64 *old = mod;
	struct pt_module_event *m = new_module_event(PT_EV_MODULE_LOAD);
	struct module___ks *k = mod;
	struct mod_kallsyms___pt *ks;
	struct syms_walk w = { 0 };

	if (!m)
		return 0;
	module_ranges(mod, &m->ev);
	m->ev.a4 = memmap_base();
	/* The exit function: a free it makes as its last call leaves no frame. */
	if (bpf_core_field_exists(k->exit))
		m->ev.ip = KREAD(k, exit);
	bpf_probe_read_kernel_str(m->name, sizeof(m->name), mod + bpf_core_field_offset(old->name));
	w.base = m->ev.a0;
	w.size = m->ev.a1;
	w.ibase = m->ev.a2;
	w.isize = m->ev.a3;
	ks = (void *)KREAD(k, kallsyms);
	if (ks) {
		w.symtab = (void *)KREAD(ks, symtab);
		w.strtab = (void *)KREAD(ks, strtab);
		w.n = KREAD(ks, num_symtab);
	}
	/* aux: symbol table entries; user space reads kallsyms for a table
	 * longer than BPF walks. */
	if (!w.symtab || !w.strtab || !w.size)
		w.n = 0;
	m->ev.aux = w.n;
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
	if (w.n) {
		__u32 zero = 0;

		if (!bpf_map_update_elem(&syms_walks, &zero, &w, BPF_ANY))
			bpf_tail_call(ctx, &syms_chunks, 0);
	}
	return 0;
}

/* The module's init is over: its init text is unlinked and will be freed. */
SEC("kretprobe/do_init_module")
int pagetrack_module_init_ret(struct pt_regs *ctx)
{
	struct pt_event *e = new_event(ctx, PT_EV_MODULE_INIT_END, false);

	if (!e)
		return 0;
	e->ret = (int)RETVAL(REGS(ctx));
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* syscalls:sys_enter_delete_module: int nr, then long-sized arguments. */
struct pt_delete_module_tp {
	__u64 ent;
	__s32 nr;
#ifdef PT_TARGET_I386
	__u32 name;
#else
	__u32 pad;
	__u64 name;
#endif
};

/* A module is being unloaded by this thread: its exit function runs next. */
SEC("tracepoint/syscalls/sys_enter_delete_module")
int pagetrack_module_unload(struct pt_delete_module_tp *ctx)
{
	struct pt_module_event *m;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* __exit code is notrace: no entry probe announces it (gates.bpf.h). */
	if (scope_marks) {
		scope_entries++;
		bpf_map_delete_elem(&scope_checked, &tid);
	}
	m = new_module_event(PT_EV_MODULE_UNLOAD);
	if (!m)
		return 0;
	bpf_probe_read_user_str(m->name, sizeof(m->name), (void *)(unsigned long)ctx->name);
	bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tracepoint/module/module_load")
int pagetrack_module_load(struct pt_module_load_tp *ctx)
{
	scope_note((void *)ctx + (ctx->name_loc & 0xffff), true);
	emit_module(ctx, PT_EV_MODULE_LOAD, ctx->name_loc);
	return 0;
}

SEC("tracepoint/module/module_free")
int pagetrack_module_free(struct pt_module_free_tp *ctx)
{
	scope_note((void *)ctx + (ctx->name_loc & 0xffff), false);
	emit_module(ctx, PT_EV_MODULE_FREE, ctx->name_loc);
	return 0;
}
