// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack_ref: reference scenarios for pagetrack, each bug class next to
 * its correct twin. The buggy scenarios really do the wrong thing (the leak
 * stays leaked, the kmap stays mapped, the remap error stays ignored) but
 * never crash or corrupt the kernel; bugs that would (double free,
 * free_pages() of a struct page pointer) are left to pagetrack's replay
 * tests.
 *
 * Control: /sys/kernel/debug/pagetrack_ref/run (root only)
 *   write "NAME", "kmap_churn COUNT" or "leak_pages COUNT": runs scenario
 *   NAME synchronously.
 *   The write returns its length on success, -EINVAL for an unknown name, a
 *   count where none is taken or out of 1..10000000, more than 63 bytes or
 *   binary garbage, and the scenario's own error otherwise (-ENOMEM...).
 *   Every run is logged: "pagetrack_ref: NAME: RESULT".
 *   read: the scenario names, one per line.
 *
 * Mapping scenarios: /dev/pagetrack_ref (misc device, root only).
 *   Writing remap_private, remap_shared, noncompound_tail_map or
 *   compound_map to the control file selects what the device maps; open()
 *   latches the selection for that file, so select, then open, then mmap()
 *   with offset 0 and
 *     remap_*:  1 to 4 pages: a vmalloc'ed buffer mapped page by page with
 *               remap_pfn_range(), whose errors are logged ("remap_pfn_range
 *               page 0 returned -22") and ignored; mmap() returns 0.
 *               MAP_PRIVATE (a copy-on-write vma) makes every call fail, so
 *               the first access gets SIGBUS; MAP_SHARED works.
 *     *_map:    exactly 16 pages: an order-4 __get_free_pages() block
 *               (compound_map with __GFP_COMP) handed out page by page by a
 *               fault handler, each page with its own reference.
 *   Anything else (no selection, other sizes, an offset) gets -EINVAL.
 *   module/pagetrack_ref_user.c drives these.
 *
 * Load time: insmod pagetrack_ref.ko scenarios=NAME[,NAME...] runs those
 * scenarios from the module's init function (__init code, the init text)
 * and their frees and kunmaps from its exit function, as drivers do. An
 * unknown name fails the load with -EINVAL. The mapping scenarios then map
 * what the load set up (pagetrack_ref_user --loaded NAME). bad_free, at
 * load time only, allocates in init and hands the struct page pointer to
 * free_pages() in exit: the kernel then reports a bad page (i386) or oopses
 * (x86-64); load it last, in a guest about to be thrown away.
 *
 * DMA scenarios (dma_*): streaming and coherent DMA API calls for a
 * platform device of this module, "pagetrack_ref_dma", with a 32-bit DMA
 * mask (dma-direct in every lab guest: nothing is bounced, an unmap of the
 * wrong size or direction and a second unmap are harmless there, and the
 * coherent buffer freed with a wrong size keeps its page count). A platform
 * driver, "pagetrack_ref_probe", maps in its probe callback when bound to
 * that device through sysfs (driver_override, bind), and leaks one mapping.
 *
 * kmap() is used on purpose (checkpatch prefers kmap_local_page()): only
 * kmap() goes through kmap_high() and the pkmap slots exercised here. On a
 * kernel without HIGHMEM kmap() is page_address() and the kmap scenarios
 * only allocate, write and free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/version.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#define REMAP_PAGES	4
#define TAIL_ORDER	4
#define CHURN_DEFAULT	1000
#define CHURN_MAX	10000000UL
#define LEAK_PAGES_MAX	65536UL		/* 256 MiB of 4 KiB pages */
#define CMD_MAX		64

#ifdef CONFIG_HIGHMEM
#define PRESSURE_KMAPS	(LAST_PKMAP * 3 / 4)
#else
#define PRESSURE_KMAPS	384
#endif

/*
 * kmap_leak and free_while_kmapped each lose a pkmap slot for good: its
 * use count never drops back to 1, so flush_all_zero_pkmaps() never takes
 * it back. With all LAST_PKMAP slots lost every kmap() in the kernel would
 * sleep forever, so one load of this module loses at most this many.
 */
#define KMAPS_LOST_MAX	64

enum map_mode {
	MODE_NONE,
	MODE_REMAP,
	MODE_TAIL_NONCOMPOUND,
	MODE_TAIL_COMPOUND,
	MODE_TAIL_LOADED,	/* the block allocated at load time */
};

static char *load_names;
module_param_named(scenarios, load_names, charp, 0444);
MODULE_PARM_DESC(scenarios,
		 "comma-separated scenarios run by the init function; their frees and unmaps run at unload");

/* What the load-time scenarios hold until unload (see pagetrack_ref_exit). */
static struct {
	struct page *alloc_free, *order3_kmap, *order_mismatch, *leak;
	struct page *kmap_leak, *free_while_kmapped, *bad_free;
	struct page *per_page[8];
	struct page **pressure;
	int npressure;
	unsigned long getfree, tail;
	bool tail_compound;
} ld;

/* Serializes scenarios: two pkmap_pressure runs must not wait on each other. */
static DEFINE_MUTEX(run_lock);
static enum map_mode map_mode;	/* written under run_lock */
static unsigned int kmaps_lost;	/* under run_lock */
static void *remap_buf;
static struct dentry *ref_dir;

static void note_no_highmem(void)
{
	if (!IS_ENABLED(CONFIG_HIGHMEM))
		pr_info_once("no HIGHMEM: kmap is page_address here\n");
}

/* May this run lose one more pkmap slot? */
static bool may_lose_kmap(void)
{
	if (!IS_ENABLED(CONFIG_HIGHMEM))
		return true;
	if (kmaps_lost >= KMAPS_LOST_MAX) {
		pr_info("refused: this load already lost %u pkmap slots\n", kmaps_lost);
		return false;
	}
	kmaps_lost++;
	return true;
}

/* Correct: an order-3 block freed with the same order. */
static int alloc_free(unsigned long count)
{
	struct page *page = alloc_pages(GFP_HIGHUSER, 3);

	if (!page)
		return -ENOMEM;
	__free_pages(page, 3);
	return 0;
}

/* Correct: eight highmem pages, each allocated and kmapped on its own. */
static int highmem_per_page(unsigned long count)
{
	struct page *pages[8];
	int i, n;

	note_no_highmem();
	for (n = 0; n < ARRAY_SIZE(pages); n++) {
		pages[n] = alloc_page(GFP_HIGHUSER);
		if (!pages[n])
			break;
		memset(kmap(pages[n]), 0x5a, PAGE_SIZE);
	}
	for (i = 0; i < n; i++) {
		kunmap(pages[i]);
		__free_page(pages[i]);
	}
	return n == ARRAY_SIZE(pages) ? 0 : -ENOMEM;
}

/* Bug: kmap() of an order-3 block maps its first page only. */
static int highmem_order3_kmap(unsigned long count)
{
	struct page *page = alloc_pages(GFP_HIGHUSER, 3);

	if (!page)
		return -ENOMEM;
	note_no_highmem();
	/* Writes stay within the first page: the other 7 are not mapped. */
	memset(kmap(page), 0x5a, PAGE_SIZE);
	kunmap(page);
	__free_pages(page, 3);
	return 0;
}

/* Bug: freed with a smaller order; the upper half stays allocated. */
static int order_mismatch(unsigned long count)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);

	if (!page)
		return -ENOMEM;
	__free_pages(page, 2);
	return 0;
}

/* Bug: the same through the address-based API. */
static int getfree_order_mismatch(unsigned long count)
{
	unsigned long addr = __get_free_pages(GFP_KERNEL, 2);

	if (!addr)
		return -ENOMEM;
	free_pages(addr, 1);
	return 0;
}

#define BUDDY_TRIES	4096	/* 16 MiB at most; a pair is usually among the first few */

/* Index of the page in pages[0..n) that is the buddy of page, or -1. */
static int find_buddy(struct page **pages, int n, struct page *page)
{
	unsigned long pfn = page_to_pfn(page) ^ 1;
	int i;

	for (i = 0; i < n; i++)
		if (page_to_pfn(pages[i]) == pfn)
			return i;
	return -1;
}

/*
 * Bug: two order-0 pages freed as one order-1 block. Fresh order-0 pages are
 * taken until two are buddies, so the larger free returns only pages this
 * module owns; the second page's reference is dropped by hand first, as the
 * buddy allocator expects of a block's tail page.
 */
static int order0_freed_order1(unsigned long count)
{
	struct page **pages, *head = NULL, *tail;
	int i, j = -1, n, ret = -EAGAIN;

	pages = kvcalloc(BUDDY_TRIES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (n = 0; n < BUDDY_TRIES && j < 0; n++) {
		pages[n] = alloc_page(GFP_KERNEL);
		if (!pages[n])
			break;
		j = find_buddy(pages, n, pages[n]);
	}
	if (j >= 0) {
		/* pages[n - 1] and pages[j]: the even pfn is the head. */
		head = pages[n - 1];
		tail = pages[j];
		if (page_to_pfn(head) & 1)
			swap(head, tail);
		pages[n - 1] = NULL;
		pages[j] = NULL;
		if (put_page_testzero(tail)) {
			__free_pages(head, 1);
			ret = 0;
		} else {
			__free_page(head);	/* someone else holds the tail */
		}
	}
	for (i = 0; i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kvfree(pages);
	return ret;
}

/* Bug: an order-1 block never freed. */
static int leak(unsigned long count)
{
	return alloc_pages(GFP_HIGHUSER, 1) ? 0 : -ENOMEM;
}

/* Bug: kmap() without kunmap(); the page is kept (leaked) too. */
static int kmap_leak(unsigned long count)
{
	struct page *page;

	if (!may_lose_kmap())
		return -ENOSPC;
	page = alloc_page(GFP_HIGHUSER);
	if (!page)
		return -ENOMEM;
	note_no_highmem();
	memset(kmap(page), 0x5a, PAGE_SIZE);
	return 0;
}

/*
 * Bug: freed while kmapped. The pkmap slot keeps mapping the freed page;
 * nothing writes through it afterwards, so the kernel stays healthy.
 */
static int free_while_kmapped(unsigned long count)
{
	struct page *page;

	if (!may_lose_kmap())
		return -ENOSPC;
	page = alloc_page(GFP_HIGHUSER);
	if (!page)
		return -ENOMEM;
	note_no_highmem();
	memset(kmap(page), 0x5a, PAGE_SIZE);
	__free_page(page);
	return 0;
}

/* Correct but heavy: hold 3/4 of the pkmap slots, then release them all. */
static int pkmap_pressure(unsigned long count)
{
	struct page **pages;
	int i, n;

	note_no_highmem();
	if (!IS_ENABLED(CONFIG_HIGHMEM))
		pr_info("no HIGHMEM: no LAST_PKMAP, holding %d kmaps instead\n",
			PRESSURE_KMAPS);
	pages = kcalloc(PRESSURE_KMAPS, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (n = 0; n < PRESSURE_KMAPS; n++) {
		pages[n] = alloc_page(GFP_HIGHUSER);
		if (!pages[n])
			break;
		kmap(pages[n]);
	}
	pr_info("holding %d kmaps\n", n);
	for (i = 0; i < n; i++) {
		kunmap(pages[i]);
		__free_page(pages[i]);
	}
	kfree(pages);
	return n == PRESSURE_KMAPS ? 0 : -ENOMEM;
}

/* Correct: COUNT rounds of kmap, write, kunmap of one page; for benchmarks. */
static int kmap_churn(unsigned long count)
{
	struct page *page = alloc_page(GFP_HIGHUSER);
	unsigned long i;
	int ret = 0;

	if (!page)
		return -ENOMEM;
	note_no_highmem();
	for (i = 0; i < count; i++) {
		*(unsigned long *)kmap(page) = i;
		kunmap(page);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	__free_page(page);
	return ret;
}

/*
 * Bug, many times over: COUNT single pages (default 1000, at most
 * LEAK_PAGES_MAX) allocated from one call site and never freed. For the
 * sampled estimate of a site's outstanding pages; the pages stay leaked.
 */
static int leak_pages(unsigned long count)
{
	unsigned long i;

	if (count > LEAK_PAGES_MAX)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (!alloc_page(GFP_HIGHUSER))
			return -ENOMEM;
		cond_resched();
	}
	return 0;
}

/* The mapping scenarios only choose what the device maps next. */
static int remap_private(unsigned long count)
{
	WRITE_ONCE(map_mode, MODE_REMAP);
	return 0;
}

static int remap_shared(unsigned long count)
{
	WRITE_ONCE(map_mode, MODE_REMAP);
	return 0;
}

static int noncompound_tail_map(unsigned long count)
{
	WRITE_ONCE(map_mode, MODE_TAIL_NONCOMPOUND);
	return 0;
}

static int compound_map(unsigned long count)
{
	WRITE_ONCE(map_mode, MODE_TAIL_COMPOUND);
	return 0;
}

/*
 * kmap_local_page() / kmap_atomic() scenarios. On HIGHMEM each mapping of a
 * highmem page takes the next per-CPU fixmap slot of a per-task stack.
 * Out-of-order and double kunmap_local() make the kernel warn once per boot
 * (WARN_ON_ONCE in kunmap_local_indexed()) and clear the top slot's pte
 * instead of the one named, flushing the TLB entry of the address named.
 * Those two run with interrupts off (no interrupt may map a slot meanwhile)
 * and end by mapping and unmapping the slots they used, in order, so every
 * slot's TLB entry is flushed again before anything else uses it.
 */
#define KL_DEEP_MAPS	12	/* pagetrack warns at 3/4 of KM_MAX_IDX (16) */

static int kl_alloc(struct page **pages, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_HIGHUSER);
		if (!pages[i]) {
			while (i--)
				__free_page(pages[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

static void kl_free(struct page **pages, int n)
{
	while (n--)
		__free_page(pages[n]);
}

/* Map the two lowest slots again and unmap them in order: flushes both. */
static void kl_flush_slots(struct page *a, struct page *b)
{
	void *x = kmap_local_page(a);
	void *y = kmap_local_page(b);

	kunmap_local(y);
	kunmap_local(x);
}

/* Correct: nested local maps, unmapped in reverse order. */
static int kmap_local_nested(unsigned long count)
{
	struct page *pages[2];
	void *a, *b;

	if (kl_alloc(pages, 2))
		return -ENOMEM;
	note_no_highmem();
	a = kmap_local_page(pages[0]);
	b = kmap_local_page(pages[1]);
	memset(a, 0x5a, PAGE_SIZE);
	memcpy(b, a, PAGE_SIZE);
	kunmap_local(b);
	kunmap_local(a);
	kl_free(pages, 2);
	return 0;
}

/* Correct: kmap_local (not atomic) may be held across a reschedule. */
static int kmap_local_resched(unsigned long count)
{
	struct page *page;
	char *p;

	if (kl_alloc(&page, 1))
		return -ENOMEM;
	p = kmap_local_page(page);
	memset(p, 0x5a, PAGE_SIZE / 2);
	cond_resched();
	msleep(20);		/* switched out for sure, mapping held */
	memset(p + PAGE_SIZE / 2, 0xa5, PAGE_SIZE / 2);
	kunmap_local(p);
	kl_free(&page, 1);
	return 0;
}

/*
 * After b is unmapped twice the kernel has dropped a's slot. Where it finds
 * the pte by slot index (x86) it cleared a's pte; where it finds it by
 * address (ARM32: KMAP_LOCAL_NON_LINEAR_PTE_ARRAY) it cleared b's again, a
 * stays mapped and the next kmap_local on this CPU hits BUG_ON(!pte_none).
 * There the slot is put back and unmapped properly, so the guest lives on.
 */
static void kl_repair_twice(void *a)
{
#ifdef CONFIG_KMAP_LOCAL_NON_LINEAR_PTE_ARRAY
	current->kmap_ctrl.idx++;
	migrate_disable();	/* kunmap_local() enables it once more */
	kunmap_local(a);
#endif
}

/*
 * Bugs: maps a then b, then unmaps a first (b is on top and must go first),
 * or b twice (it holds nothing the second time; the kernel drops a then).
 */
static int kl_bad_unmap(bool twice)
{
	struct page *pages[2];
	unsigned long flags;
	void *a, *b;

	if (kl_alloc(pages, 2))
		return -ENOMEM;
	local_irq_save(flags);
	a = kmap_local_page(pages[0]);
	b = kmap_local_page(pages[1]);
	memset(a, 0x5a, PAGE_SIZE);
	memset(b, 0xa5, PAGE_SIZE);
	kunmap_local(twice ? b : a);
	kunmap_local(b);
	if (twice)
		kl_repair_twice(a);
	kl_flush_slots(pages[0], pages[1]);
	local_irq_restore(flags);
	kl_free(pages, 2);
	return 0;
}

static int kmap_local_order(unsigned long count)
{
	return kl_bad_unmap(false);
}

static int kunmap_local_twice(unsigned long count)
{
	return kl_bad_unmap(true);
}

struct kl_thread_arg {
	struct page *page;
};

/* Bug: a kthread maps a page and exits without unmapping it. */
static int kl_exit_fn(void *data)
{
	struct kl_thread_arg *arg = data;

	memset(kmap_local_page(arg->page), 0x5a, PAGE_SIZE);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int kmap_local_exit(unsigned long count)
{
	struct kl_thread_arg arg;
	struct task_struct *t;

	if (kl_alloc(&arg.page, 1))
		return -ENOMEM;
	t = kthread_run(kl_exit_fn, &arg, "pt_kl_exit");
	if (IS_ERR(t)) {
		kl_free(&arg.page, 1);
		return PTR_ERR(t);
	}
	msleep(20);
	kthread_stop(t);
	/* Its last switch-out cleared the slot: the page is mapped nowhere. */
	msleep(20);
	kl_free(&arg.page, 1);
	return 0;
}

/*
 * Bug: sleeps holding kmap_atomic(). Where preempt_disable() counts (as
 * here) the kernel would say "scheduling while atomic"; kernels without
 * CONFIG_PREEMPT_COUNT say nothing. preempt_enable() before the sleep
 * reproduces that silent case without a kernel splat; page faults stay
 * disabled, as in the real bug.
 */
static int kmap_atomic_sleep(unsigned long count)
{
	struct page *page;
	void *p;

	if (kl_alloc(&page, 1))
		return -ENOMEM;
	p = kmap_atomic(page);
	memset(p, 0x5a, PAGE_SIZE);
	preempt_enable();
	msleep(20);
	preempt_disable();
	kunmap_atomic(p);
	kl_free(&page, 1);
	return 0;
}

/*
 * Bug: a work item maps a page and returns without unmapping it: the
 * kworker holds the mapping for good, past this module's unload. The page
 * stays allocated (leaked): the kworker's slot still maps it.
 */
static struct page *kl_work_page;

static void kl_work_fn(struct work_struct *work)
{
	memset(kmap_local_page(kl_work_page), 0x5a, PAGE_SIZE);
}

static DECLARE_WORK(kl_work, kl_work_fn);

static int kmap_local_work(unsigned long count)
{
	if (kl_work_page)
		return -EBUSY;
	kl_work_page = alloc_page(GFP_HIGHUSER);
	if (!kl_work_page)
		return -ENOMEM;
	schedule_work(&kl_work);
	flush_work(&kl_work);
	return 0;
}

/* Correct but deep: KL_DEEP_MAPS local maps held at once (warning). */
static int kmap_local_deep(unsigned long count)
{
	struct page *pages[KL_DEEP_MAPS];
	void *p[KL_DEEP_MAPS];
	int i;

	if (kl_alloc(pages, KL_DEEP_MAPS))
		return -ENOMEM;
	for (i = 0; i < KL_DEEP_MAPS; i++)
		p[i] = kmap_local_page(pages[i]);
	for (i = KL_DEEP_MAPS - 1; i >= 0; i--) {
		memset(p[i], i, PAGE_SIZE);
		kunmap_local(p[i]);
	}
	kl_free(pages, KL_DEEP_MAPS);
	return 0;
}

/* ---- DMA: a platform device of ours, mapped for by the dma_* scenarios ---- */

#define DMA_BUF		256	/* a dma_map_single() buffer */
#define DMA_COHERENT	8192	/* an order-1 coherent buffer */
#define DMA_COHERENT_BAD 6000	/* another size with the same page count */

static struct platform_device *ref_pdev;

static struct device *dma_dev(void)
{
	return ref_pdev ? &ref_pdev->dev : NULL;
}

/* A kmalloc()ed buffer mapped for the device (slab memory, not pages of ours). */
static void *dma_buf_map(size_t len, enum dma_data_direction dir, dma_addr_t *handle)
{
	void *buf = kzalloc(DMA_BUF, GFP_KERNEL);

	if (!buf)
		return NULL;
	*handle = dma_map_single(dma_dev(), buf, len, dir);
	if (dma_mapping_error(dma_dev(), *handle)) {
		kfree(buf);
		return NULL;
	}
	return buf;
}

/* Correct: a page and a buffer mapped and unmapped as they were mapped. */
static int dma_map(unsigned long count)
{
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t h;
	void *buf;

	if (!page || !dma_dev())
		goto nomem;
	h = dma_map_page(dma_dev(), page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dma_dev(), h))
		goto nomem;
	dma_unmap_page(dma_dev(), h, PAGE_SIZE, DMA_FROM_DEVICE);
	__free_page(page);
	buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &h);
	if (!buf)
		return -ENOMEM;
	dma_unmap_single(dma_dev(), h, DMA_BUF, DMA_TO_DEVICE);
	kfree(buf);
	return 0;
nomem:
	if (page)
		__free_page(page);
	return -ENOMEM;
}

/*
 * Two pages in a scatterlist (the second with len2 bytes), mapped for dir;
 * unmapped with unmap_nents entries. free_mapped: the second page is freed
 * while the list is mapped, before the unmap (a bug).
 */
static int dma_sg_run(int unmap_nents, unsigned int len2, enum dma_data_direction dir,
		      bool free_mapped)
{
	struct page *pages[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_KERNEL) };
	struct scatterlist sg[2];
	int ret = -ENOMEM;

	if (!pages[0] || !pages[1] || !dma_dev())
		goto out;
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pages[0], PAGE_SIZE, 0);
	sg_set_page(&sg[1], pages[1], len2, 0);
	if (!dma_map_sg(dma_dev(), sg, 2, dir))
		goto out;
	if (free_mapped) {
		__free_page(pages[1]);
		pages[1] = NULL;
	}
	dma_unmap_sg(dma_dev(), sg, unmap_nents, dir);
	ret = 0;
out:
	if (pages[0])
		__free_page(pages[0]);
	if (pages[1])
		__free_page(pages[1]);
	return ret;
}

/* Correct: an sg list unmapped with the nents given to dma_map_sg(). */
static int dma_sg(unsigned long count)
{
	return dma_sg_run(2, PAGE_SIZE, DMA_BIDIRECTIONAL, false);
}

/* Bug: unmapped with one entry of the two mapped. */
static int dma_sg_nents(unsigned long count)
{
	return dma_sg_run(1, PAGE_SIZE, DMA_BIDIRECTIONAL, false);
}

/* A coherent buffer freed with size free_size. */
static int dma_coherent_run(size_t free_size)
{
	dma_addr_t h;
	void *cpu;

	if (!dma_dev())
		return -ENODEV;
	cpu = dma_alloc_coherent(dma_dev(), DMA_COHERENT, &h, GFP_KERNEL);
	if (!cpu)
		return -ENOMEM;
	dma_free_coherent(dma_dev(), free_size, cpu, h);
	return 0;
}

/* Correct: freed with the size it was allocated with. */
static int dma_coherent(unsigned long count)
{
	return dma_coherent_run(DMA_COHERENT);
}

/* Bug: freed with another size (of the same page count). */
static int dma_coherent_size(unsigned long count)
{
	return dma_coherent_run(DMA_COHERENT_BAD);
}

/* dma_alloc_pages(): a buffer of DMA_COHERENT bytes, freed with free_size. */
static int dma_pages_run(size_t free_size)
{
	struct page *page;
	dma_addr_t h;

	if (!dma_dev())
		return -ENODEV;
	page = dma_alloc_pages(dma_dev(), DMA_COHERENT, &h, DMA_BIDIRECTIONAL, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	dma_free_pages(dma_dev(), free_size, page, h, DMA_BIDIRECTIONAL);
	return 0;
}

/* Correct: freed with the size it was allocated with. */
static int dma_pages(unsigned long count)
{
	return dma_pages_run(DMA_COHERENT);
}

/* Bug: freed with another size (of the same page count). */
static int dma_pages_size(unsigned long count)
{
	return dma_pages_run(DMA_COHERENT_BAD);
}

/* Bug: a buffer mapped and never unmapped; it stays allocated too. */
static int dma_leak(unsigned long count)
{
	dma_addr_t h;

	return dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &h) ? 0 : -ENOMEM;
}

/* Bug: unmapped twice. */
static int dma_unmap_twice(unsigned long count)
{
	dma_addr_t h;
	void *buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &h);

	if (!buf)
		return -ENOMEM;
	dma_unmap_single(dma_dev(), h, DMA_BUF, DMA_TO_DEVICE);
	dma_unmap_single(dma_dev(), h, DMA_BUF, DMA_TO_DEVICE);
	kfree(buf);
	return 0;
}

/* Bug: an unmap of a buffer's address that was never mapped. */
static int dma_unmap_unmapped(unsigned long count)
{
	void *buf = kzalloc(DMA_BUF, GFP_KERNEL);

	if (!buf || !dma_dev()) {
		kfree(buf);
		return -ENOMEM;
	}
	/*
	 * dma-direct without an offset: the DMA address is the physical one.
	 * The buffer's middle: never a mapping's start in these scenarios,
	 * even where kmalloc() hands out a buffer mapped before.
	 */
	dma_unmap_single(dma_dev(), (dma_addr_t)virt_to_phys(buf) + DMA_BUF / 2, DMA_BUF / 2,
			 DMA_TO_DEVICE);
	kfree(buf);
	return 0;
}

/* Bug: unmapped with half its size. */
static int dma_unmap_size(unsigned long count)
{
	dma_addr_t h;
	void *buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &h);

	if (!buf)
		return -ENOMEM;
	dma_unmap_single(dma_dev(), h, DMA_BUF / 2, DMA_TO_DEVICE);
	kfree(buf);
	return 0;
}

/* Bug: mapped to the device, unmapped as from the device. */
static int dma_unmap_dir(unsigned long count)
{
	dma_addr_t h;
	void *buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &h);

	if (!buf)
		return -ENOMEM;
	dma_unmap_single(dma_dev(), h, DMA_BUF, DMA_FROM_DEVICE);
	kfree(buf);
	return 0;
}

/* Bug: the page freed while mapped, unmapped only afterwards. */
static int dma_free_while_mapped(unsigned long count)
{
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t h;

	if (!page || !dma_dev())
		goto nomem;
	h = dma_map_page(dma_dev(), page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dma_dev(), h))
		goto nomem;
	__free_page(page);
	dma_unmap_page(dma_dev(), h, PAGE_SIZE, DMA_FROM_DEVICE);
	return 0;
nomem:
	if (page)
		__free_page(page);
	return -ENOMEM;
}

/*
 * Bug: a page of a mapped sg list (a full page and half of another: 6144
 * bytes) freed while the list is mapped, unmapped only afterwards. Its
 * twin is dma_sg (freed after the unmap).
 */
static int dma_sg_free_while_mapped(unsigned long count)
{
	return dma_sg_run(2, PAGE_SIZE / 2, DMA_FROM_DEVICE, true);
}

/*
 * A platform driver whose probe maps for the device: bound from user space
 * (driver_override, then bind in sysfs), so that the probe runs as a
 * callback, with no other frame of this module on its stack. The probe maps
 * two buffers; the module's exit unmaps the first only: the second is a
 * leak made by the probe callback. (No remove callback: its prototype
 * changed in 6.11, and the exit does its work without a version test.)
 */
static struct {
	struct device *dev;
	void *buf[2];
	dma_addr_t h[2];
} probe_dma;

static int ref_probe(struct platform_device *pdev)
{
	int i;

	probe_dma.dev = &pdev->dev;
	for (i = 0; i < 2; i++) {
		probe_dma.buf[i] = kzalloc(DMA_BUF, GFP_KERNEL);
		if (!probe_dma.buf[i])
			return -ENOMEM;
		probe_dma.h[i] = dma_map_single(&pdev->dev, probe_dma.buf[i], DMA_BUF,
						DMA_TO_DEVICE);
		if (dma_mapping_error(&pdev->dev, probe_dma.h[i])) {
			kfree(probe_dma.buf[i]);
			probe_dma.buf[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void ref_remove_dma(void)
{
	if (probe_dma.buf[0]) {
		dma_unmap_single(probe_dma.dev, probe_dma.h[0], DMA_BUF, DMA_TO_DEVICE);
		kfree(probe_dma.buf[0]);
		probe_dma.buf[0] = NULL;
	}
	/* probe_dma.buf[1] stays mapped (and allocated): the bug. */
}

static struct platform_driver ref_driver = {
	.probe = ref_probe,
	.driver = { .name = "pagetrack_ref_probe" },
};

static bool ref_driver_on;

struct scenario {
	const char *name;
	int (*run)(unsigned long count);
	bool takes_count;
};

static const struct scenario scenarios[] = {
	{ "alloc_free", alloc_free },
	{ "highmem_per_page", highmem_per_page },
	{ "highmem_order3_kmap", highmem_order3_kmap },
	{ "order_mismatch", order_mismatch },
	{ "getfree_order_mismatch", getfree_order_mismatch },
	{ "order0_freed_order1", order0_freed_order1 },
	{ "leak", leak },
	{ "kmap_leak", kmap_leak },
	{ "free_while_kmapped", free_while_kmapped },
	{ "pkmap_pressure", pkmap_pressure },
	{ "kmap_churn", kmap_churn, true },
	{ "leak_pages", leak_pages, true },
	{ "remap_private", remap_private },
	{ "remap_shared", remap_shared },
	{ "noncompound_tail_map", noncompound_tail_map },
	{ "compound_map", compound_map },
	{ "kmap_local_nested", kmap_local_nested },
	{ "kmap_local_resched", kmap_local_resched },
	{ "kmap_local_order", kmap_local_order },
	{ "kunmap_local_twice", kunmap_local_twice },
	{ "kmap_local_exit", kmap_local_exit },
	{ "kmap_atomic_sleep", kmap_atomic_sleep },
	{ "kmap_local_deep", kmap_local_deep },
	{ "kmap_local_work", kmap_local_work },
	{ "dma_map", dma_map },
	{ "dma_sg", dma_sg },
	{ "dma_coherent", dma_coherent },
	{ "dma_leak", dma_leak },
	{ "dma_unmap_twice", dma_unmap_twice },
	{ "dma_unmap_unmapped", dma_unmap_unmapped },
	{ "dma_unmap_size", dma_unmap_size },
	{ "dma_unmap_dir", dma_unmap_dir },
	{ "dma_sg_nents", dma_sg_nents },
	{ "dma_free_while_mapped", dma_free_while_mapped },
	{ "dma_coherent_size", dma_coherent_size },
	{ "dma_sg_free_while_mapped", dma_sg_free_while_mapped },
	{ "dma_pages", dma_pages },
	{ "dma_pages_size", dma_pages_size },
};

static const struct scenario *find_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(name, scenarios[i].name))
			return &scenarios[i];
	return NULL;
}

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	const struct scenario *s;
	unsigned long count = CHURN_DEFAULT;
	char cmd[CMD_MAX], *name, *arg;
	int ret;

	if (!len || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	/* Binary garbage, NUL bytes included, is not a scenario name. */
	if (memchr(cmd, '\0', len))
		return -EINVAL;
	cmd[len] = '\0';
	name = strim(cmd);
	arg = strchr(name, ' ');
	if (arg) {
		*arg++ = '\0';
		if (kstrtoul(skip_spaces(arg), 10, &count) || !count ||
		    count > CHURN_MAX)
			return -EINVAL;
	}
	s = find_scenario(name);
	if (!s || (arg && !s->takes_count))
		return -EINVAL;

	if (mutex_lock_interruptible(&run_lock))
		return -EINTR;
	ret = s->run(count);
	mutex_unlock(&run_lock);
	if (s->takes_count)
		pr_info("%s %lu: %d\n", s->name, count, ret);
	else
		pr_info("%s: %d\n", s->name, ret);
	return ret ? ret : len;
}

static int run_show(struct seq_file *m, void *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		seq_printf(m, "%s\n", scenarios[i].name);
	return 0;
}

static int run_open(struct inode *inode, struct file *file)
{
	return single_open(file, run_show, NULL);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.open = run_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = run_write,
};

/* remap_*: the vmalloc'ed buffer, mapped page by page, errors ignored. */
static int remap_mmap(struct vm_area_struct *vma)
{
	unsigned long i, pages = vma_pages(vma);
	int ret;

	if (pages > REMAP_PAGES)
		return -EINVAL;
	for (i = 0; i < pages; i++) {
		ret = remap_pfn_range(vma, vma->vm_start + i * PAGE_SIZE,
				      vmalloc_to_pfn(remap_buf + i * PAGE_SIZE),
				      PAGE_SIZE, vma->vm_page_prot);
		/* The bug: logged, not returned. */
		pr_info("remap_pfn_range page %lu returned %d\n", i, ret);
	}
	return 0;
}

/* One order-4 block per mmap(), shared by the vmas split or copied from it. */
struct tail_map {
	refcount_t users;
	unsigned long addr;
	bool compound;
	bool loaded;		/* the load-time block: freed (or not) at unload */
};

/* Hands out the pgoff-th page of the block, with its own reference. */
static vm_fault_t tail_fault(struct vm_fault *vmf)
{
	struct tail_map *tm = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= (1UL << TAIL_ORDER))
		return VM_FAULT_SIGBUS;
	page = virt_to_page((void *)tm->addr) + vmf->pgoff;
	get_page(page);
	vmf->page = page;
	return 0;
}

static void tail_open(struct vm_area_struct *vma)
{
	struct tail_map *tm = vma->vm_private_data;

	refcount_inc(&tm->users);
}

static void tail_close(struct vm_area_struct *vma)
{
	struct tail_map *tm = vma->vm_private_data;

	if (!refcount_dec_and_test(&tm->users))
		return;
	/*
	 * The compound block is back to the one reference it was allocated
	 * with: free it. The non-compound one must not be freed: its tail
	 * pages, refcounted one by one, went back to the buddy allocator when
	 * the mapping dropped them, so free_pages() now would free pages that
	 * may belong to someone else. Leak it; only the head page stays lost.
	 */
	if (tm->compound && !tm->loaded)
		free_pages(tm->addr, TAIL_ORDER);
	kfree(tm);
}

static const struct vm_operations_struct tail_vm_ops = {
	.open = tail_open,
	.close = tail_close,
	.fault = tail_fault,
};

static int tail_mmap(struct vm_area_struct *vma, enum map_mode mode)
{
	bool compound = mode == MODE_TAIL_COMPOUND ||
			(mode == MODE_TAIL_LOADED && ld.tail_compound);
	gfp_t gfp = GFP_KERNEL | (compound ? __GFP_COMP : 0);
	struct tail_map *tm;

	if (vma_pages(vma) != (1UL << TAIL_ORDER))
		return -EINVAL;
	tm = kzalloc(sizeof(*tm), GFP_KERNEL);
	if (!tm)
		return -ENOMEM;
	tm->loaded = mode == MODE_TAIL_LOADED;
	tm->addr = tm->loaded ? ld.tail : __get_free_pages(gfp, TAIL_ORDER);
	if (!tm->addr) {
		kfree(tm);
		return -ENOMEM;
	}
	refcount_set(&tm->users, 1);
	tm->compound = compound;
	vma->vm_private_data = tm;
	vma->vm_ops = &tail_vm_ops;
	return 0;
}

/* Latches the selected mode (not run_lock: kmap_churn may hold it long). */
static int ref_open(struct inode *inode, struct file *file)
{
	file->private_data = (void *)(uintptr_t)READ_ONCE(map_mode);
	return 0;
}

static int ref_mmap(struct file *file, struct vm_area_struct *vma)
{
	enum map_mode mode = (uintptr_t)file->private_data;

	if (vma->vm_pgoff)
		return -EINVAL;
	switch (mode) {
	case MODE_REMAP:
		return remap_mmap(vma);
	case MODE_TAIL_NONCOMPOUND:
	case MODE_TAIL_COMPOUND:
	case MODE_TAIL_LOADED:
		return tail_mmap(vma, mode);
	default:
		return -EINVAL;
	}
}

static const struct file_operations ref_dev_fops = {
	.owner = THIS_MODULE,
	.open = ref_open,
	.mmap = ref_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice ref_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pagetrack_ref",
	.fops = &ref_dev_fops,
};

/*
 * ---- load time: the same bugs in __init and __exit code ----
 * Each ld_* function runs from the init function when scenarios= names it
 * and keeps what it set up in ld; pagetrack_ref_exit() undoes it, with the
 * scenario's bug. A scenario that fails is logged and the load goes on:
 * the exit function undoes whatever is held.
 */
static int __init ld_alloc_free(void)
{
	ld.alloc_free = alloc_pages(GFP_HIGHUSER, 3);
	return ld.alloc_free ? 0 : -ENOMEM;
}

static int __init ld_highmem_per_page(void)
{
	int i;

	note_no_highmem();
	for (i = 0; i < ARRAY_SIZE(ld.per_page); i++) {
		ld.per_page[i] = alloc_page(GFP_HIGHUSER);
		if (!ld.per_page[i])
			return -ENOMEM;
		memset(kmap(ld.per_page[i]), 0x5a, PAGE_SIZE);
	}
	return 0;
}

static int __init ld_highmem_order3_kmap(void)
{
	ld.order3_kmap = alloc_pages(GFP_HIGHUSER, 3);
	if (!ld.order3_kmap)
		return -ENOMEM;
	note_no_highmem();
	memset(kmap(ld.order3_kmap), 0x5a, PAGE_SIZE);
	return 0;
}

static int __init ld_order_mismatch(void)
{
	ld.order_mismatch = alloc_pages(GFP_KERNEL, 3);
	return ld.order_mismatch ? 0 : -ENOMEM;
}

static int __init ld_getfree_order_mismatch(void)
{
	ld.getfree = __get_free_pages(GFP_KERNEL, 2);
	return ld.getfree ? 0 : -ENOMEM;
}

static int __init ld_leak(void)
{
	ld.leak = alloc_pages(GFP_HIGHUSER, 1);
	return ld.leak ? 0 : -ENOMEM;
}

/* A highmem page kmapped until unload, whose slot may never come back. */
static int __init ld_kmapped_page(struct page **pp)
{
	if (!may_lose_kmap())
		return -ENOSPC;
	*pp = alloc_page(GFP_HIGHUSER);
	if (!*pp)
		return -ENOMEM;
	note_no_highmem();
	memset(kmap(*pp), 0x5a, PAGE_SIZE);
	return 0;
}

static int __init ld_kmap_leak(void)
{
	return ld_kmapped_page(&ld.kmap_leak);
}

static int __init ld_free_while_kmapped(void)
{
	return ld_kmapped_page(&ld.free_while_kmapped);
}

static int __init ld_pkmap_pressure(void)
{
	note_no_highmem();
	ld.pressure = kcalloc(PRESSURE_KMAPS, sizeof(*ld.pressure), GFP_KERNEL);
	if (!ld.pressure)
		return -ENOMEM;
	for (; ld.npressure < PRESSURE_KMAPS; ld.npressure++) {
		ld.pressure[ld.npressure] = alloc_page(GFP_HIGHUSER);
		if (!ld.pressure[ld.npressure])
			return -ENOMEM;
		kmap(ld.pressure[ld.npressure]);
	}
	pr_info("holding %d kmaps until unload\n", ld.npressure);
	return 0;
}

static int __init ld_remap(void)
{
	WRITE_ONCE(map_mode, MODE_REMAP);
	return 0;
}

static int __init ld_tail(bool compound)
{
	ld.tail = __get_free_pages(GFP_KERNEL | (compound ? __GFP_COMP : 0), TAIL_ORDER);
	if (!ld.tail)
		return -ENOMEM;
	ld.tail_compound = compound;
	WRITE_ONCE(map_mode, MODE_TAIL_LOADED);
	return 0;
}

static int __init ld_noncompound_tail_map(void)
{
	return ld_tail(false);
}

static int __init ld_compound_map(void)
{
	return ld_tail(true);
}

static int __init ld_bad_free(void)
{
	ld.bad_free = alloc_pages(GFP_KERNEL, 2);
	return ld.bad_free ? 0 : -ENOMEM;
}

/* DMA at load time: mapped in init, unmapped (or not, twice) in exit. */
static struct {
	void *map_buf, *leak_buf, *twice_buf;
	dma_addr_t map, leak, twice;
} ld_dma;

static int __init ld_dma_map(void)
{
	ld_dma.map_buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &ld_dma.map);
	return ld_dma.map_buf ? 0 : -ENOMEM;
}

/* Mapped by init's own code (the init text), never unmapped. */
static int __init ld_dma_leak(void)
{
	if (!dma_dev())
		return -ENODEV;
	ld_dma.leak_buf = kzalloc(DMA_BUF, GFP_KERNEL);
	if (!ld_dma.leak_buf)
		return -ENOMEM;
	ld_dma.leak = dma_map_single(dma_dev(), ld_dma.leak_buf, DMA_BUF, DMA_TO_DEVICE);
	if (dma_mapping_error(dma_dev(), ld_dma.leak)) {
		kfree(ld_dma.leak_buf);
		ld_dma.leak_buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int __init ld_dma_unmap_twice(void)
{
	ld_dma.twice_buf = dma_buf_map(DMA_BUF, DMA_TO_DEVICE, &ld_dma.twice);
	if (!ld_dma.twice_buf)
		return -ENOMEM;
	dma_unmap_single(dma_dev(), ld_dma.twice, DMA_BUF, DMA_TO_DEVICE);
	return 0;
}

/* What the DMA load-time scenarios hold, undone with their bugs. */
static void ld_dma_exit(void)
{
	if (ld_dma.map_buf) {
		dma_unmap_single(dma_dev(), ld_dma.map, DMA_BUF, DMA_TO_DEVICE);
		kfree(ld_dma.map_buf);
	}
	/* ld_dma.leak stays mapped (and its buffer allocated): the bug. */
	if (ld_dma.twice_buf) {
		dma_unmap_single(dma_dev(), ld_dma.twice, DMA_BUF, DMA_TO_DEVICE);
		kfree(ld_dma.twice_buf);
	}
}

struct load_scenario {
	const char *name;
	int (*run)(void);
};

static const struct load_scenario load_scenarios[] __initconst = {
	{ "alloc_free", ld_alloc_free },
	{ "highmem_per_page", ld_highmem_per_page },
	{ "highmem_order3_kmap", ld_highmem_order3_kmap },
	{ "order_mismatch", ld_order_mismatch },
	{ "getfree_order_mismatch", ld_getfree_order_mismatch },
	{ "leak", ld_leak },
	{ "kmap_leak", ld_kmap_leak },
	{ "free_while_kmapped", ld_free_while_kmapped },
	{ "pkmap_pressure", ld_pkmap_pressure },
	{ "remap_private", ld_remap },
	{ "remap_shared", ld_remap },
	{ "noncompound_tail_map", ld_noncompound_tail_map },
	{ "compound_map", ld_compound_map },
	{ "bad_free", ld_bad_free },
	{ "dma_map", ld_dma_map },
	{ "dma_leak", ld_dma_leak },
	{ "dma_unmap_twice", ld_dma_unmap_twice },
};

/* The scenario called name (len bytes), or NULL. */
static const struct load_scenario * __init find_load_scenario(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(load_scenarios); i++)
		if (strlen(load_scenarios[i].name) == len &&
		    !strncmp(name, load_scenarios[i].name, len))
			return &load_scenarios[i];
	return NULL;
}

/* Checks every name of scenarios= (run: and runs them, in order). */
static int __init load_scenarios_walk(bool run)
{
	const struct load_scenario *ls;
	const char *p = load_names;
	size_t len;
	int ret;

	while (p && *p) {
		len = strcspn(p, ",");
		ls = len ? find_load_scenario(p, len) : NULL;
		if (!ls) {
			pr_err("scenarios=: unknown scenario '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		if (run) {
			ret = ls->run();
			pr_info("%s at load: %d\n", ls->name, ret);
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

static int __init pagetrack_ref_init(void)
{
	int ret;

	ret = load_scenarios_walk(false);
	if (ret)
		return ret;
	/* Zeroed: user space sees this buffer. */
	remap_buf = vmalloc_user(REMAP_PAGES * PAGE_SIZE);
	if (!remap_buf)
		return -ENOMEM;
	ret = misc_register(&ref_dev);
	if (ret) {
		vfree(remap_buf);
		return ret;
	}
	ref_dir = debugfs_create_dir("pagetrack_ref", NULL);
	debugfs_create_file("run", 0600, ref_dir, NULL, &run_fops);
	/* The DMA scenarios' device; without it they fail with -ENODEV. */
	ref_pdev = platform_device_register_simple("pagetrack_ref_dma", PLATFORM_DEVID_NONE,
						   NULL, 0);
	if (IS_ERR(ref_pdev) ||
	    dma_coerce_mask_and_coherent(&ref_pdev->dev, DMA_BIT_MASK(32))) {
		pr_warn("no DMA device: the dma_* scenarios will fail\n");
		if (!IS_ERR(ref_pdev))
			platform_device_unregister(ref_pdev);
		ref_pdev = NULL;
	}
	/* Binds to nothing by itself: tests bind it through sysfs. */
	ref_driver_on = ref_pdev && !platform_driver_register(&ref_driver);
	load_scenarios_walk(true);
	return 0;
}

static void __exit pagetrack_ref_exit(void)
{
	int i;

	/* No file is open and no mapping is left: both hold the module. */
	debugfs_remove_recursive(ref_dir);
	misc_deregister(&ref_dev);
	vfree(remap_buf);

	/* What the load-time scenarios hold, undone with their bugs. */
	if (ld.alloc_free)
		__free_pages(ld.alloc_free, 3);
	for (i = 0; i < ARRAY_SIZE(ld.per_page) && ld.per_page[i]; i++) {
		kunmap(ld.per_page[i]);
		__free_page(ld.per_page[i]);
	}
	if (ld.order3_kmap) {
		kunmap(ld.order3_kmap);
		__free_pages(ld.order3_kmap, 3);
	}
	if (ld.order_mismatch)
		__free_pages(ld.order_mismatch, 2);	/* allocated with order 3 */
	if (ld.getfree)
		free_pages(ld.getfree, 1);		/* allocated with order 2 */
	/* ld.leak and ld.kmap_leak stay allocated (and kmapped): the bugs. */
	if (ld.free_while_kmapped)
		__free_page(ld.free_while_kmapped);	/* never kunmapped */
	for (i = 0; i < ld.npressure; i++) {
		kunmap(ld.pressure[i]);
		__free_page(ld.pressure[i]);
	}
	kfree(ld.pressure);
	/*
	 * A mapped non-compound block's tails went back to the buddy
	 * allocator one by one: freeing it now would free them again.
	 */
	if (ld.tail && ld.tail_compound)
		free_pages(ld.tail, TAIL_ORDER);
	if (ld.bad_free)
		free_pages((unsigned long)ld.bad_free, 2);	/* a struct page * */
	ld_dma_exit();
	if (ref_driver_on)
		platform_driver_unregister(&ref_driver);
	ref_remove_dma();
	if (ref_pdev)
		platform_device_unregister(ref_pdev);
	pr_info("unloaded\n");
}

module_init(pagetrack_ref_init);
module_exit(pagetrack_ref_exit);

MODULE_DESCRIPTION("Reference page allocation, kmap and user-mapping bugs for pagetrack");
MODULE_LICENSE("GPL");
