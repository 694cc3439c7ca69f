// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded module for the source-line tests (tests/host/srcline.sh): built
 * with `make kmod SRC=tests/host/srcmod KERNEL=amd64`, never loaded on the
 * host. Its allocations are found by their marker comments; the replay
 * recordings (tests/replay/gen_recordings.c) name drv_init, drv_probe and
 * drv_exit of a module "drv".
 */
#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/mm.h>

static struct page *held[4];
static unsigned long order = 1;
module_param(order, ulong, 0444);

/* Inlined into drv_init: its call is a level of the inline chain. */
static __always_inline struct page *drv_grab(unsigned int o)
{
	return alloc_pages(GFP_KERNEL | __GFP_ZERO, o); /* SRCLINE: inlined alloc */
}

static noinline int drv_probe(int i)
{
	struct page *p;

	if (i < 0 || i >= 4)
		return -EINVAL;
	pr_info("drv: probe %d, order %lu\n", i, order);
	p = alloc_pages(GFP_KERNEL, order); /* SRCLINE: probe alloc */
	if (!p)
		return -ENOMEM;
	held[i] = p;
	return 0;
}

static int __init drv_init(void)
{
	struct page *p;
	int i, err;

	pr_info("drv: loading with order %lu\n", order);
	for (i = 0; i < 2; i++) {
		err = drv_probe(i);
		if (err)
			return err;
	}
	p = alloc_pages(GFP_KERNEL, 3); /* SRCLINE: init alloc */
	if (!p)
		return -ENOMEM;
	held[2] = p;
	held[3] = drv_grab(0); /* SRCLINE: inline call */
	pr_info("drv: loaded\n");
	return 0;
}

static void __exit drv_exit(void)
{
	__free_pages(held[2], 2); /* SRCLINE: exit free (seeded order_mismatch) */
	__free_pages(held[1], order);
	__free_pages(held[0], order);
	if (held[3])
		__free_pages(held[3], 0);
}

module_init(drv_init);
module_exit(drv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pagetrack source-line test module");
