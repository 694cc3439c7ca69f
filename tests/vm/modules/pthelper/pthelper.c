// SPDX-License-Identifier: GPL-2.0
/*
 * pthelper: a module with its own out-of-line copies of the kernel headers'
 * static inline helpers, as a compiler that does not inline them emits:
 * each helper is called through a pointer, so the module gets a copy of it
 * in its text and the copy's frame sits between the allocator and the
 * module's function. pagetrack must name the module's function, not the
 * copy (issue 29). Init leaks an order-1 block (pth_leak) and allocates an
 * order-2 block (pth_alloc) that exit frees as order 1 (pth_free); on
 * HIGHMEM kernels pth_map also takes a kmap_local_page() mapping through the
 * module's copy and releases it through the module's __kunmap_local(), and
 * a kthread maps a page through that copy in pth_hold and exits without
 * unmapping it (a kmap_local_leak named by pth_hold).
 */
#include <linux/gfp.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>

/* 6.10+: alloc_pages_node() is a macro around alloc_pages_node_noprof(). */
#ifdef alloc_pages_node
#define PTH_ALLOC alloc_pages_node_noprof
#else
#define PTH_ALLOC alloc_pages_node
#endif

/* Read with READ_ONCE(): the compiler cannot see through the pointer. */
static struct page *(*pth_alloc_fn)(int nid, gfp_t gfp, unsigned int order) = PTH_ALLOC;
static void *(*pth_map_fn)(struct page *page) = kmap_local_page;
static void (*pth_unmap_fn)(const void *addr) = __kunmap_local;
static struct page *leaked, *mism;

static noinline void pth_leak(void)
{
	leaked = READ_ONCE(pth_alloc_fn)(NUMA_NO_NODE, GFP_KERNEL, 1);
	barrier();
}

static noinline void pth_alloc(void)
{
	mism = READ_ONCE(pth_alloc_fn)(NUMA_NO_NODE, GFP_KERNEL, 2);
	barrier();
}

static noinline void pth_map(void)
{
	struct page *p = READ_ONCE(pth_alloc_fn)(NUMA_NO_NODE, GFP_HIGHUSER, 0);
	void *v;

	if (!p)
		return;
	v = READ_ONCE(pth_map_fn)(p);
	memset(v, 0x5a, 64);
	READ_ONCE(pth_unmap_fn)(v);
	__free_pages(p, 0);
	barrier();
}

/* Bug: the mapping is never unmapped; its task exits holding it. */
static noinline void pth_hold(struct page *p)
{
	memset(READ_ONCE(pth_map_fn)(p), 0x5a, 64);
	barrier();
}

static int pth_hold_fn(void *data)
{
	pth_hold(data);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* HIGHMEM kernels only: elsewhere kmap_local_page() maps nothing. */
static void pth_hold_run(void)
{
	struct page *p;
	struct task_struct *t;

	if (!IS_ENABLED(CONFIG_HIGHMEM))
		return;
	p = alloc_page(GFP_HIGHUSER);
	if (!p)
		return;
	t = kthread_run(pth_hold_fn, p, "pth_hold");
	if (!IS_ERR(t)) {
		msleep(20);
		kthread_stop(t);
		/* Its last switch-out cleared the slot. */
		msleep(20);
	}
	__free_pages(p, 0);
}

static noinline void pth_free(struct page *p)
{
	__free_pages(p, 1);	/* order 2 allocated: 2 pages stay */
	pr_info("pthelper: freed with the wrong order\n");
}

static int __init pthelper_init(void)
{
	pth_leak();
	pth_alloc();
	pth_map();
	pth_hold_run();
	return (leaked && mism) ? 0 : -ENOMEM;
}

static void __exit pthelper_exit(void)
{
	pth_free(mism);
	pr_info("pthelper: unloaded\n");
}

module_init(pthelper_init);
module_exit(pthelper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pagetrack test: kernel header helpers compiled out of line into a module");
