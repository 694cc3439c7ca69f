// SPDX-License-Identifier: GPL-2.0
/*
 * ptpoll: a driver whose init starts a kthread that polls its device, for
 * pagetrack's VM tests (tests/vm/guest/init_checks.sh). Never load it on a
 * machine you care about.
 *
 * The kthread sits in its loop for the module's whole life, so it is
 * already inside the module's code when a tracer starts later: no call
 * into the module's functions announces its allocations. Each poll takes a
 * page for the sample; the bug: every fourth sample page is never freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/module.h>

#define POLL_MS		100

static struct task_struct *poller;

static int ptpoll_thread(void *data)
{
	unsigned long polls = 0;

	while (!kthread_should_stop()) {
		struct page *sample = alloc_page(GFP_KERNEL);

		if (sample && ++polls % 4)
			__free_page(sample);
		msleep_interruptible(POLL_MS);
	}
	return 0;
}

static int __init ptpoll_init(void)
{
	poller = kthread_run(ptpoll_thread, NULL, "ptpoll");
	return PTR_ERR_OR_ZERO(poller);
}

static void __exit ptpoll_exit(void)
{
	kthread_stop(poller);
}

module_init(ptpoll_init);
module_exit(ptpoll_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pagetrack test: a polling kthread that leaks sample pages");
