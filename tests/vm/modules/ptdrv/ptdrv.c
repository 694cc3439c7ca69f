// SPDX-License-Identifier: GPL-2.0
/*
 * ptdrv: a small driver written the way drivers are, with page bugs where
 * drivers put them, for pagetrack's VM tests (tests/vm/guest/init_checks.sh).
 * Never load it on a machine you care about.
 *
 * The init function allocates a scratch table, registers a platform driver
 * and creates its device, so probe runs from platform_driver_register()'s
 * caller, still inside init. Probe allocates the device's buffers and
 * registers /dev/ptdrv, whose fault handler hands out the pages of an
 * order-3 block allocated without __GFP_COMP. A devres action (run when the
 * exit function unregisters the device) and the exit function free what was
 * set up; a devres action rather than .remove, whose type changed in 6.11.
 *
 * The bugs: the scratch table and the ring are freed with the wrong order,
 * a page stays kmapped while it is freed (HIGHMEM kernels), a statistics
 * page is never freed, and mapping the buffer maps its tail pages, which
 * then go back to the buddy allocator one by one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#define BUF_ORDER	3

struct ptdrv {
	struct page *ring;		/* order 2 */
	struct page *stats;		/* order 0 */
	struct page *hm;		/* kmapped while the device lives */
	void *hm_va;
	unsigned long buf;		/* order BUF_ORDER, mapped to user space */
	bool buf_mapped;
	struct miscdevice misc;
};

static unsigned long scratch;
static struct platform_device *ptdrv_pdev;

static vm_fault_t ptdrv_fault(struct vm_fault *vmf)
{
	struct ptdrv *drv = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= (1UL << BUF_ORDER))
		return VM_FAULT_SIGBUS;
	page = virt_to_page((void *)drv->buf) + vmf->pgoff;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct ptdrv_vm_ops = {
	.fault = ptdrv_fault,
};

static int ptdrv_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data to our struct miscdevice. */
	file->private_data = container_of(file->private_data, struct ptdrv, misc);
	return 0;
}

static int ptdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ptdrv *drv = file->private_data;

	if (vma->vm_pgoff || vma_pages(vma) > (1UL << BUF_ORDER))
		return -EINVAL;
	drv->buf_mapped = true;
	vma->vm_private_data = drv;
	vma->vm_ops = &ptdrv_vm_ops;
	return 0;
}

static const struct file_operations ptdrv_fops = {
	.owner = THIS_MODULE,
	.open = ptdrv_open,
	.mmap = ptdrv_mmap,
	.llseek = noop_llseek,
};

static void ptdrv_release(void *data)
{
	struct ptdrv *drv = data;

	misc_deregister(&drv->misc);
	__free_pages(drv->ring, 1);	/* bug: allocated with order 2 */
	__free_page(drv->hm);		/* bug: still kmapped */
	/*
	 * Bug: stats is never freed. buf is freed only when it was never
	 * mapped: once mapped, its tail pages went back to the buddy
	 * allocator one by one and a free now would free them twice.
	 */
	if (!drv->buf_mapped)
		free_pages(drv->buf, BUF_ORDER);
	pr_info("released\n");
}

static int ptdrv_probe(struct platform_device *pdev)
{
	struct ptdrv *drv;
	int ret = -ENOMEM;

	drv = devm_kzalloc(&pdev->dev, sizeof(*drv), GFP_KERNEL);
	if (!drv)
		return -ENOMEM;
	drv->ring = alloc_pages(GFP_KERNEL, 2);
	drv->stats = alloc_page(GFP_KERNEL | __GFP_ZERO);
	drv->hm = alloc_page(GFP_HIGHUSER);
	drv->buf = __get_free_pages(GFP_KERNEL, BUF_ORDER);
	if (!drv->ring || !drv->stats || !drv->hm || !drv->buf)
		goto err;
	drv->hm_va = kmap(drv->hm);
	drv->misc.minor = MISC_DYNAMIC_MINOR;
	drv->misc.name = "ptdrv";
	drv->misc.fops = &ptdrv_fops;
	ret = misc_register(&drv->misc);
	if (ret) {
		kunmap(drv->hm);
		goto err;
	}
	ret = devm_add_action_or_reset(&pdev->dev, ptdrv_release, drv);
	if (ret)
		return ret;
	dev_info(&pdev->dev, "probed\n");
	return 0;
err:
	if (drv->buf)
		free_pages(drv->buf, BUF_ORDER);
	if (drv->hm)
		__free_page(drv->hm);
	if (drv->stats)
		__free_page(drv->stats);
	if (drv->ring)
		__free_pages(drv->ring, 2);
	return ret;
}

static struct platform_driver ptdrv_driver = {
	.probe = ptdrv_probe,
	.driver = {
		.name = "ptdrv",
	},
};

static int __init ptdrv_init(void)
{
	int ret;

	scratch = __get_free_pages(GFP_KERNEL, 1);
	if (!scratch)
		return -ENOMEM;
	ret = platform_driver_register(&ptdrv_driver);
	if (ret)
		goto err_free;
	ptdrv_pdev = platform_device_register_simple("ptdrv", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(ptdrv_pdev)) {
		ret = PTR_ERR(ptdrv_pdev);
		goto err_unregister;
	}
	return 0;
err_unregister:
	platform_driver_unregister(&ptdrv_driver);
err_free:
	free_pages(scratch, 1);
	return ret;
}

static void __exit ptdrv_exit(void)
{
	platform_device_unregister(ptdrv_pdev);
	platform_driver_unregister(&ptdrv_driver);
	/* The last call: x86-64 compilers make it a tail call. */
	free_pages(scratch, 0);		/* bug: allocated with order 1 */
}

module_init(ptdrv_init);
module_exit(ptdrv_exit);

MODULE_DESCRIPTION("A driver with page bugs in init, probe, fault and exit, for pagetrack tests");
MODULE_LICENSE("GPL");
