/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocator API probes: kprobe and fentry/fexit sets with the same
 * facts (allocation returns, frees by page and by address, split_page,
 * kmap_high/kunmap_high, remap_pfn_range, page faults, vm_insert_page).
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/*
 * ---- API probes ----
 * Each fact has one emitter; a kprobe/kretprobe program (every kernel with
 * kprobes, i386 included) and an fentry/fexit program (x86-64 kernels with
 * BTF and BPF trampolines) feed it. User space loads one of the two sets.
 * ip is the immediate caller where the probe type can see it, else 0 (the
 * stack still has it).
 */

struct page___pt {
	atomic_t _refcount;
	struct address_space *mapping;
} __attribute__((preserve_access_index));

struct vm_area_struct___pt {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
} __attribute__((preserve_access_index));

/* Flat on purpose: CO-RE finds vma and address inside the kernel's
 * anonymous member by name. */
struct vm_fault___pt {
	struct vm_area_struct *vma;
	unsigned long address;
	enum fault_flag flags;	/* CO-RE wants the kernel's own type here */
	struct page *page;
} __attribute__((preserve_access_index));

/*
 * The pfn of a struct page pointer, or of a direct-map address: only to ask
 * the pair bitmap whether a block is kept (pair.bpf.h), which user space
 * turns on in API mode only where both bases are known. (__u64)-1: cannot
 * tell, which no bitmap covers. Never a judgement: user space still maps
 * every pointer it gets itself.
 */
#ifdef PT_PAIR_BYTES
/*
 * i386, ARM32: from the bases pair.bpf.h learnt, in 32 bits and without a
 * division (page_sz_inv, as freestack.bpf.h): the 32-bit JITs have no
 * 64-bit one. A pointer that is no struct page of the array (the
 * multiplication back disagrees) maps to no pfn.
 */
static __always_inline __u64 page_pfn(__u64 page)
{
	__u32 p0 = *(volatile __u32 *)&pair_page0, d, pfn;

	if (!p0 || !page_sz)
		return (__u64)-1;
	d = (__u32)page - (p0 & ~1U);
	pfn = (d >> page_sz_shift) * page_sz_inv;
	if (pfn * page_sz != d)
		return (__u64)-1;
	return pfn;
}

static __always_inline __u64 direct_pfn(__u64 addr)
{
	__u32 d0 = *(volatile __u32 *)&pair_direct0;

	if (!d0)
		return (__u64)-1;
	return ((__u32)addr - (d0 & ~1U)) >> 12;
}
#else
/* Where the direct map starts (page_offset_base on x86-64), 0: unknown. */
const volatile __u64 direct_var;

static __always_inline __u64 page_pfn(__u64 page)
{
	__u64 base = memmap_base(), size = bpf_core_type_size(struct page);

	if (!base || !size || page < base)
		return (__u64)-1;
	return (page - base) / size;
}

static __always_inline __u64 direct_pfn(__u64 addr)
{
	__u64 base = 0;

	if (direct_var)
		bpf_probe_read_kernel(&base, PT_PTR_SIZE, (void *)(unsigned long)direct_var);
	if (!base || addr < base)
		return (__u64)-1;
	return (addr - base) >> 12;
}

/*
 * Run once by user space (BPF_PROG_TEST_RUN), never attached: both bases as
 * page_pfn() and direct_pfn() read them, for the analyzer, which then needs
 * no allocator return probe to learn them (attacher_read_bases).
 */
__u64 read_memmap, read_direct;

SEC("raw_tp")
int pagetrack_read_bases(void *ctx)
{
	read_memmap = memmap_base();
	if (direct_var)
		bpf_probe_read_kernel(&read_direct, PT_PTR_SIZE, (void *)(unsigned long)direct_var);
	return 0;
}
#endif

/*
 * An allocator's return: the struct page (ALLOC_RET) or the address
 * (GFP_RET) of the block its mm_page_alloc just allocated. A block kept in
 * the pair bitmap was not sent, so neither is its return: user space pairs
 * a return with the thread's last allocation it was sent.
 */
static __always_inline int emit_ret(void *ctx, __u32 type, __u64 ret, __u64 ip)
{
	struct pt_event *e;

	if (!ret)
		return 0;
	pair_learn(type == PT_EV_ALLOC_RET, ret);
	if (pid_filtered())
		return 0;
	if (pair_on && pair_kept(type == PT_EV_ALLOC_RET ? page_pfn(ret) : direct_pfn(ret))) {
		count(PT_CNT_PAIR_RETS);
		return 0;
	}
	e = new_event(ctx, type, false);
	if (!e)
		return 0;
	e->a0 = ret;
	e->ip = ip;
	submit(e);
	return 0;
}

/*
 * Does a finding need this API free's stack? Where the page free that
 * follows would want its own (free_marked, not used up here: a marked head,
 * more than one page, a tail of a live block; with -m, every block unwound
 * for scope is marked), and where the API alone can tell something is
 * wrong (suspect: a pointer or address that is no page of RAM, a refcount
 * already 0 or unreadable). Nearly every other API free is the kernel's
 * own order-0 free of an order-0 block, which no finding names: a stack
 * there (a walk through the trampoline, microseconds under TCG) was most
 * of what fentry mode cost beyond tracepoint mode. pfn: (__u64)-1 unknown.
 * With pairing off BPF cannot map pointers to pfns (pfn unknown): every
 * API free keeps its stack, as before.
 */
/* A global function: verified once on its own. Inlined beside pair_hand()'s
 * loops, the __free_pages program went past the verifier's limit (E2BIG). */
__noinline int api_free_marked(__u64 pfn, __u32 order)
{
	return free_marked(pfn, order, false);
}

static __always_inline bool api_free_stack(__u64 pfn, __u32 order, bool suspect)
{
	if (!free_stacks || !with_stacks)
		return false;
	if (suspect || pfn == (__u64)-1 || (pair_pfns && pfn >= pair_pfns))
		return true;
	return api_free_marked(pfn, order);
}

static __always_inline int emit_free_pages(void *ctx, struct page___pt *page, __u32 order,
					   __u64 ip)
{
	__u64 pfn = page_pfn((unsigned long)page);
	struct pt_event *e;
	__u32 ref;
	bool unread;

	/* probe_read zeroes on failure: keep "unreadable" apart from 0. */
	unread = bpf_probe_read_kernel(&ref, sizeof(ref),
				       (void *)page + bpf_core_field_offset(page->_refcount));
	/* A kept block freed through the API goes to user space first, and
	 * a stale record at its pfn goes (a double free names none). */
	if (pair_on) {
		pair_hand(pfn, order);
		pair_forget(pfn);
	}
	e = new_event(ctx, PT_EV_FREE_PAGES, api_free_stack(pfn, order, unread || !ref));
	if (!e)
		return 0;
	e->a0 = (unsigned long)page;
	e->a1 = memmap_base();
	e->order = order;
	e->aux = unread ? PT_REFCOUNT_UNKNOWN : ref;
	e->ip = ip;
	submit(e);
	return 0;
}

static __always_inline int emit_free_addr(void *ctx, __u64 addr, __u32 order, __u64 ip)
{
	struct pt_event *e;
	__u64 pfn;

	if (!addr)
		return 0;
	pfn = direct_pfn(addr);
	/* An address the direct map does not hold (a struct page pointer,
	 * say: a bad free) maps to no kept pfn. */
	if (pair_on) {
		pair_hand(pfn, order);
		pair_forget(pfn);
	}
	/* A struct page pointer (on i386 the memmap lies in the direct map,
	 * so it has a pfn too) is a bad free: its stack is the finding's. */
	e = new_event(ctx, PT_EV_FREE_ADDR,
		      api_free_stack(pfn, order, page_pfn(addr) != (__u64)-1));
	if (!e)
		return 0;
	e->a0 = addr;
	e->a1 = memmap_base();
	e->order = order;
	e->ip = ip;
	submit(e);
	return 0;
}

static __always_inline int emit_split(void *ctx, __u64 page, __u32 order)
{
	struct pt_event *e = new_event(ctx, PT_EV_SPLIT, false);

	if (!e)
		return 0;
	e->a0 = page;
	e->order = order;
	submit(e);
	return 0;
}

static __always_inline int emit_remap(void *ctx, struct vm_area_struct___pt *vma, __u64 addr,
				      __u64 pfn, __u64 size)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_REMAP, true);
	if (!e)
		return 0;
	e->a0 = KREAD(vma, vm_start);
	e->a1 = KREAD(vma, vm_end);
	e->a2 = KREAD(vma, vm_flags);
	e->a3 = addr;
	e->a4 = pfn;
	e->aux = size;
	submit(e);
	return 0;
}

static __always_inline int emit_remap_ret(void *ctx, int ret, __u64 ip)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_REMAP_RET, false);
	if (!e)
		return 0;
	e->ret = ret;
	e->ip = ip;
	submit(e);
	return 0;
}

/*
 * finish_fault() installs the page a driver's ->fault handler returned.
 * Page-cache and anonymous pages have ->mapping set; a driver's pages do
 * not, so only those are reported (a fact filter, not a judgement).
 */
static __always_inline int emit_finish_fault(void *ctx, struct vm_fault___pt *vmf)
{
	struct vm_area_struct___pt *vma;
	struct page___pt *page;
	struct pt_event *e;

	page = (void *)(unsigned long)KREAD(vmf, page);
	if (!page || KREAD(page, mapping))
		return 0;
	vma = (void *)(unsigned long)KREAD(vmf, vma);
	e = new_event(ctx, PT_EV_USER_MAP, false);
	if (!e)
		return 0;
	e->a0 = (unsigned long)page;
	e->a1 = KREAD(vmf, address);
	e->a2 = KREAD(vma, vm_flags);
	e->aux = KREAD(vmf, flags);
	submit(e);
	return 0;
}

static __always_inline int emit_vm_insert(void *ctx, struct vm_area_struct___pt *vma,
					  __u64 addr, __u64 page)
{
	struct pt_event *e = new_event(ctx, PT_EV_USER_MAP, false);

	if (!e)
		return 0;
	e->a0 = page;
	e->a1 = addr;
	e->a2 = KREAD(vma, vm_flags);
	e->flags = PT_F_USER_INSERT;
	submit(e);
	return 0;
}

/* ---- kprobe set ---- */

SEC("kretprobe/__alloc_pages")
int pagetrack_alloc_ret(struct pt_regs *ctx)
{
	drop_stack(PT_EV_ALLOC_RET);
	return emit_ret(ctx, PT_EV_ALLOC_RET, RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
}

SEC("kretprobe/__get_free_pages")
int pagetrack_gfp_ret(struct pt_regs *ctx)
{
	drop_stack(PT_EV_GFP_RET);
	return emit_ret(ctx, PT_EV_GFP_RET, RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
}

SEC("kprobe/__free_pages")
int pagetrack_free_pages_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_pages(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ENTRY_CALLER(r));
}

SEC("kprobe/free_pages")
int pagetrack_free_addr_api(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_free_addr(ctx, ARG1(r), ARG2(r), ENTRY_CALLER(r));
}

SEC("kprobe/split_page")
int pagetrack_split_page(struct pt_regs *ctx)
{
	return emit_split(ctx, ARG1(REGS(ctx)), ARG2(REGS(ctx)));
}

/* kmap_high / kunmap_high exist only on CONFIG_HIGHMEM (32-bit) kernels,
 * which have no BPF trampolines: kprobes only. */
SEC("kprobe/kmap_high")
int pagetrack_kmap(struct pt_regs *ctx)
{
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_KMAP, true);
	if (!e)
		return 0;
	e->a0 = ARG1(REGS(ctx));
	submit(e);
	return 0;
}

/* The caller's address is reliable here; at entry the kretprobe hides it. */
SEC("kretprobe/kmap_high")
int pagetrack_kmap_ret(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	struct pt_event *e;

	if (pid_filtered())
		return 0;
	e = new_event(ctx, PT_EV_KMAP_RET, false);
	if (!e)
		return 0;
	e->a1 = RETVAL(r);
	e->ip = RET_IP(r);
	submit(e);
	return 0;
}

SEC("kprobe/kunmap_high")
int pagetrack_kunmap(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);
	struct pt_event *e = new_event(ctx, PT_EV_KUNMAP, free_stacks);

	if (!e)
		return 0;
	e->a0 = ARG1(r);
	e->ip = ENTRY_CALLER(r);
	submit(e);
	return 0;
}

SEC("kprobe/remap_pfn_range")
int pagetrack_remap(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_remap(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ARG3(r), ARG4(r));
}

SEC("kretprobe/remap_pfn_range")
int pagetrack_remap_ret(struct pt_regs *ctx)
{
	return emit_remap_ret(ctx, (int)RETVAL(REGS(ctx)), RET_IP(REGS(ctx)));
}

SEC("kprobe/finish_fault")
int pagetrack_finish_fault(struct pt_regs *ctx)
{
	return emit_finish_fault(ctx, (void *)(unsigned long)ARG1(REGS(ctx)));
}

SEC("kprobe/vm_insert_page")
int pagetrack_vm_insert_page(struct pt_regs *ctx)
{
	struct pt_regs___pt *r = REGS(ctx);

	return emit_vm_insert(ctx, (void *)(unsigned long)ARG1(r), ARG2(r), ARG3(r));
}

/* ---- fentry/fexit set: same facts, cheaper, x86-64 with BTF ---- */

/*
 * A pointer argument of an fentry/fexit program as a plain number: the
 * verifier allows no arithmetic on a typed kernel pointer, and page_pfn()
 * needs some. Read from the context slot, so the value is the argument's.
 */
static __always_inline __u64 ctx_word(unsigned long long *ctx, int i)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[i]);
	return v;
}

SEC("fexit/__alloc_pages")
int BPF_PROG(pagetrack_fx_alloc_ret, gfp_t gfp, unsigned int order, int nid, void *nodemask,
	     struct page *ret)
{
	return emit_ret(ctx, PT_EV_ALLOC_RET, ret ? ctx_word(ctx, 4) : 0, 0);
}

SEC("fexit/__get_free_pages")
int BPF_PROG(pagetrack_fx_gfp_ret, gfp_t gfp, unsigned int order, unsigned long ret)
{
	return emit_ret(ctx, PT_EV_GFP_RET, ret, 0);
}

SEC("fentry/__free_pages")
int BPF_PROG(pagetrack_fx_free_pages, struct page *page, unsigned int order)
{
	return emit_free_pages(ctx, (void *)ctx_word(ctx, 0), order, 0);
}

SEC("fentry/free_pages")
int BPF_PROG(pagetrack_fx_free_addr, unsigned long addr, unsigned int order)
{
	return emit_free_addr(ctx, addr, order, 0);
}

SEC("fentry/split_page")
int BPF_PROG(pagetrack_fx_split_page, struct page *page, unsigned int order)
{
	return emit_split(ctx, (unsigned long)page, order);
}

SEC("fentry/remap_pfn_range")
int BPF_PROG(pagetrack_fx_remap, struct vm_area_struct *vma, unsigned long addr,
	     unsigned long pfn, unsigned long size)
{
	return emit_remap(ctx, (void *)vma, addr, pfn, size);
}

SEC("fexit/remap_pfn_range")
int BPF_PROG(pagetrack_fx_remap_ret, struct vm_area_struct *vma, unsigned long addr,
	     unsigned long pfn, unsigned long size, unsigned long prot, int ret)
{
	return emit_remap_ret(ctx, ret, 0);
}

SEC("fentry/finish_fault")
int BPF_PROG(pagetrack_fx_finish_fault, struct vm_fault *vmf)
{
	return emit_finish_fault(ctx, (void *)vmf);
}

SEC("fentry/vm_insert_page")
int BPF_PROG(pagetrack_fx_vm_insert_page, struct vm_area_struct *vma, unsigned long addr,
	     struct page *page)
{
	return emit_vm_insert(ctx, (void *)vma, addr, (unsigned long)page);
}
