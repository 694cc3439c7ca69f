/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arch layer: where arguments, return values and callers are for
 * amd64, i386 and ARM32, and reading kernel fields at their kernel size.
 *
 * Part of pagetrack.bpf.c, included there once and in order (it relies on
 * what the parts before it define); never a header of its own.
 */
/*
 * The arch layer. ARGn: the n-th argument at a kprobe on entry; RETVAL: the
 * return value in a kretprobe; ENTRY_CALLER: the return address at entry
 * (the frame-pointer unwinder skips that frame); RET_IP: the caller in a
 * kretprobe (the kernel puts the real return address there).
 */
#ifdef PT_TARGET_ARM
/* ARM32: r0-r3 carry arguments, lr the return address; 32-bit words. The
 * layout is the ABI's (uregs[18]), so it is read as it is, without CO-RE. */
struct pt_regs___pt {
	__u32 uregs[18];
};
#define PT_PTR_SIZE	4
#define ARG1(r)		((r)->uregs[0])
#define ARG2(r)		((r)->uregs[1])
#define ARG3(r)		((r)->uregs[2])
#define ARG4(r)		((r)->uregs[3])
#define RETVAL(r)	((r)->uregs[0])
#define ENTRY_CALLER(r)	((r)->uregs[14])
#define RET_IP(r)	((r)->uregs[15])
/* No frame pointers in Debian's ARM kernels, and none needed for the map
 * site: there __kmap_local_page_prot() tail-calls __kmap_local_pfn_prot()
 * ("pop {r4, lr}; b"), so the return address is already its caller's. A
 * build that calls it instead names __kmap_local_page_prot as the site. */
#define FRAME_CALLER(r)	RET_IP(r)
#else
/* x86: register names relocated by CO-RE to the running kernel's pt_regs. */
struct pt_regs___pt {
	unsigned long ax, bx, cx, dx, si, di, bp, sp, ip;
} __attribute__((preserve_access_index));

#ifdef PT_TARGET_I386
#define PT_PTR_SIZE	4
#define ARG1(r)		((r)->ax)
#define ARG2(r)		((r)->dx)
#define ARG3(r)		((r)->cx)
#define ARG4(r)		stack_word((r), 1)
#else
#define PT_PTR_SIZE	8
#define ARG1(r)		((r)->di)
#define ARG2(r)		((r)->si)
#define ARG3(r)		((r)->dx)
#define ARG4(r)		((r)->cx)
#endif
#define RETVAL(r)	((r)->ax)
#define ENTRY_CALLER(r)	stack_word((r), 0)
#define RET_IP(r)	((r)->ip)
/* The caller of the function whose frame bp is (i386 has frame pointers). */
#define FRAME_CALLER(r)	frame_word((r)->bp + PT_PTR_SIZE)

/* Read one kernel word (4 bytes on i386) from the stack at sp + n words:
 * the return address (n = 0) and i386's stack arguments. */
static __always_inline __u64 stack_word(struct pt_regs___pt *r, int n)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, PT_PTR_SIZE,
			      (void *)(unsigned long)(r->sp + n * PT_PTR_SIZE));
	return v;
}
#endif

#define REGS(ctx)	((struct pt_regs___pt *)(ctx))

#ifndef PT_TARGET_ARM
static __always_inline __u64 frame_word(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, PT_PTR_SIZE, (void *)(unsigned long)addr);
	return v;
}
#endif

/* Read a kernel field with the kernel's own size (long/pointer: 4 on i386). */
#define KREAD(ptr, field) ({						\
	__u64 __v = 0;							\
	bpf_probe_read_kernel(&__v, bpf_core_field_size((ptr)->field),	\
			      (void *)(ptr) + bpf_core_field_offset((ptr)->field)); \
	__v; })
