// SPDX-License-Identifier: GPL-2.0
/*
 * pagetrack_ref: reference scenarios for pagetrack, each bug class and its
 * correct twin. The buggy scenarios really do the wrong thing (the leak
 * stays leaked, the kmap stays mapped, the -EINVAL stays ignored) but never
 * crash or corrupt the kernel; bugs that would (double free, free_pages()
 * of a struct page pointer) are covered by pagetrack's replay tests instead.
 *
 * Control: /sys/kernel/debug/pagetrack_ref/run
 *   write "NAME" or "NAME COUNT" to run a scenario (-EINVAL if unknown);
 *   read it for the list of scenarios, one per line.
 *
 * Mapping scenarios (remap_private, remap_shared, noncompound_tail_map,
 * compound_map) select how /dev/pagetrack_ref serves the next mmap();
 * module/pagetrack_ref_user.c maps, touches and unmaps it.
 *
 * kmap() is used on purpose (checkpatch prefers kmap_local_page()): only
 * kmap() reaches kmap_high() and the pkmap slots this module exercises.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define REMAP_PAGES	4
#define TAIL_ORDER	4
#define CHURN_DEFAULT	1000
#define CHURN_MAX	10000000UL
#define CMD_MAX		64

enum map_mode {
	MODE_NONE,
	MODE_REMAP,
	MODE_TAIL_NONCOMPOUND,
	MODE_TAIL_COMPOUND,
};

static DEFINE_MUTEX(ref_lock);
static enum map_mode map_mode;
static void *remap_buf;
static struct dentry *ref_dir;

#ifdef CONFIG_HIGHMEM
#define PRESSURE_SLOTS	(LAST_PKMAP * 3 / 4)
#else
#define PRESSURE_SLOTS	384
#endif

static void note_no_highmem(void)
{
	if (!IS_ENABLED(CONFIG_HIGHMEM))
		pr_info_once("no HIGHMEM: kmap is page_address here\n");
}

/* Correct: allocate an order-3 block and free it with the same order. */
static int alloc_free(unsigned long count)
{
	struct page *page = alloc_pages(GFP_HIGHUSER, 3);

	if (!page)
		return -ENOMEM;
	__free_pages(page, 3);
	return 0;
}

/* Correct: several highmem pages, each kmapped on its own. */
static int highmem_per_page(unsigned long count)
{
	struct page *pages[8];
	int i, n;

	note_no_highmem();
	for (n = 0; n < 8; n++) {
		pages[n] = alloc_page(GFP_HIGHUSER);
		if (!pages[n])
			break;
		memset(kmap(pages[n]), 0x5a, PAGE_SIZE);
	}
	for (i = 0; i < n; i++) {
		kunmap(pages[i]);
		__free_page(pages[i]);
	}
	return n == 8 ? 0 : -ENOMEM;
}

/* Bug: kmap() of an order-3 block maps only its first page. */
static int highmem_order3_kmap(unsigned long count)
{
	struct page *page = alloc_pages(GFP_HIGHUSER, 3);

	if (!page)
		return -ENOMEM;
	note_no_highmem();
	/* Stays within the first page: the other 7 are not mapped. */
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

/* Bug: never freed. */
static int leak(unsigned long count)
{
	return alloc_pages(GFP_HIGHUSER, 1) ? 0 : -ENOMEM;
}

/* Bug: kmap() without kunmap(); the page is kept (leaked) too. */
static int kmap_leak(unsigned long count)
{
	struct page *page = alloc_page(GFP_HIGHUSER);

	if (!page)
		return -ENOMEM;
	note_no_highmem();
	memset(kmap(page), 0x5a, PAGE_SIZE);
	return 0;
}

/*
 * Bug: freed while kmapped. The pkmap slot keeps pointing at the freed page;
 * nothing writes through it afterwards, so the kernel stays healthy.
 */
static int free_while_kmapped(unsigned long count)
{
	struct page *page = alloc_page(GFP_HIGHUSER);

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
	pages = kcalloc(PRESSURE_SLOTS, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (n = 0; n < PRESSURE_SLOTS; n++) {
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
	return n == PRESSURE_SLOTS ? 0 : -ENOMEM;
}

/* Correct: COUNT kmap/write/kunmap rounds of one page, for benchmarks. */
static int kmap_churn(unsigned long count)
{
	struct page *page = alloc_page(GFP_HIGHUSER);
	unsigned long i;

	if (!page)
		return -ENOMEM;
	note_no_highmem();
	for (i = 0; i < count; i++) {
		*(unsigned long *)kmap(page) = i;
		kunmap(page);
		cond_resched();
	}
	__free_page(page);
	return 0;
}

static int select_mode(enum map_mode mode)
{
	mutex_lock(&ref_lock);
	map_mode = mode;
	mutex_unlock(&ref_lock);
	return 0;
}

static int remap_private(unsigned long count)
{
	pr_info("next mmap: remap_pfn_range page by page; map it MAP_PRIVATE\n");
	return select_mode(MODE_REMAP);
}

static int remap_shared(unsigned long count)
{
	pr_info("next mmap: remap_pfn_range page by page; map it MAP_SHARED\n");
	return select_mode(MODE_REMAP);
}

static int noncompound_tail_map(unsigned long count)
{
	return select_mode(MODE_TAIL_NONCOMPOUND);
}

static int compound_map(unsigned long count)
{
	return select_mode(MODE_TAIL_COMPOUND);
}

struct scenario {
	const char *name;
	int (*run)(unsigned long count);
};

static const struct scenario scenarios[] = {
	{ "alloc_free", alloc_free },
	{ "highmem_per_page", highmem_per_page },
	{ "highmem_order3_kmap", highmem_order3_kmap },
	{ "order_mismatch", order_mismatch },
	{ "getfree_order_mismatch", getfree_order_mismatch },
	{ "leak", leak },
	{ "kmap_leak", kmap_leak },
	{ "free_while_kmapped", free_while_kmapped },
	{ "pkmap_pressure", pkmap_pressure },
	{ "kmap_churn", kmap_churn },
	{ "remap_private", remap_private },
	{ "remap_shared", remap_shared },
	{ "noncompound_tail_map", noncompound_tail_map },
	{ "compound_map", compound_map },
};

static ssize_t run_write(struct file *file, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	unsigned long count = CHURN_DEFAULT;
	char cmd[CMD_MAX], *name, *arg;
	size_t i;
	int ret;

	if (!len || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	/* Binary garbage, including NUL bytes, is not a scenario name. */
	if (memchr(cmd, '\0', len))
		return -EINVAL;
	cmd[len] = '\0';
	name = strim(cmd);
	arg = strchr(name, ' ');
	if (arg) {
		*arg++ = '\0';
		if (kstrtoul(skip_spaces(arg), 10, &count) || !count || count > CHURN_MAX)
			return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (strcmp(name, scenarios[i].name))
			continue;
		if (arg && scenarios[i].run != kmap_churn)
			return -EINVAL;
		ret = scenarios[i].run(count);
		pr_info("scenario %s: %d\n", scenarios[i].name, ret);
		return ret ? ret : len;
	}
	return -EINVAL;
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

/* remap_*: a vmalloc'ed buffer, mapped page by page; errors ignored. */
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

struct tail_map {
	unsigned long addr;
	bool compound;
};

/* Hands out the pgoff-th page of the block with its own reference. */
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

static void tail_close(struct vm_area_struct *vma)
{
	struct tail_map *tm = vma->vm_private_data;

	/*
	 * A compound block went back to one reference at munmap: free it.
	 * The non-compound one cannot be freed: its tail pages, refcounted one
	 * by one, already returned to the buddy allocator at munmap, so
	 * free_pages() now would free pages someone else may own. Leak it.
	 */
	if (tm->compound)
		free_pages(tm->addr, TAIL_ORDER);
	kfree(tm);
}

static const struct vm_operations_struct tail_vm_ops = {
	.fault = tail_fault,
	.close = tail_close,
};

static int tail_mmap(struct vm_area_struct *vma, bool compound)
{
	struct tail_map *tm;

	if (vma_pages(vma) != (1UL << TAIL_ORDER))
		return -EINVAL;
	tm = kzalloc(sizeof(*tm), GFP_KERNEL);
	if (!tm)
		return -ENOMEM;
	tm->compound = compound;
	tm->addr = __get_free_pages(GFP_KERNEL | (compound ? __GFP_COMP : 0), TAIL_ORDER);
	if (!tm->addr) {
		kfree(tm);
		return -ENOMEM;
	}
	vma->vm_private_data = tm;
	vma->vm_ops = &tail_vm_ops;
	return 0;
}

static int ref_mmap(struct file *file, struct vm_area_struct *vma)
{
	enum map_mode mode;

	mutex_lock(&ref_lock);
	mode = map_mode;
	mutex_unlock(&ref_lock);
	if (vma->vm_pgoff)
		return -EINVAL;
	switch (mode) {
	case MODE_REMAP:
		return remap_mmap(vma);
	case MODE_TAIL_NONCOMPOUND:
		return tail_mmap(vma, false);
	case MODE_TAIL_COMPOUND:
		return tail_mmap(vma, true);
	default:
		return -EINVAL;
	}
}

static const struct file_operations ref_dev_fops = {
	.owner = THIS_MODULE,
	.mmap = ref_mmap,
};

static struct miscdevice ref_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pagetrack_ref",
	.fops = &ref_dev_fops,
};

static void free_remap_buf(void)
{
	unsigned long i;

	if (!remap_buf)
		return;
	for (i = 0; i < REMAP_PAGES; i++)
		ClearPageReserved(vmalloc_to_page(remap_buf + i * PAGE_SIZE));
	vfree(remap_buf);
	remap_buf = NULL;
}

static int __init pagetrack_ref_init(void)
{
	unsigned long i;
	int ret;

	remap_buf = vmalloc(REMAP_PAGES * PAGE_SIZE);
	if (!remap_buf)
		return -ENOMEM;
	for (i = 0; i < REMAP_PAGES; i++)
		SetPageReserved(vmalloc_to_page(remap_buf + i * PAGE_SIZE));
	ret = misc_register(&ref_dev);
	if (ret) {
		free_remap_buf();
		return ret;
	}
	ref_dir = debugfs_create_dir("pagetrack_ref", NULL);
	debugfs_create_file("run", 0600, ref_dir, NULL, &run_fops);
	return 0;
}

static void __exit pagetrack_ref_exit(void)
{
	debugfs_remove_recursive(ref_dir);
	misc_deregister(&ref_dev);
	free_remap_buf();
}

module_init(pagetrack_ref_init);
module_exit(pagetrack_ref_exit);

MODULE_DESCRIPTION("Reference page allocation, kmap and mapping scenarios for pagetrack");
MODULE_LICENSE("GPL");
