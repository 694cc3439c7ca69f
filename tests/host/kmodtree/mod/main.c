// SPDX-License-Identifier: GPL-2.0
/* make kmod test tree: a symlinked .c, a symlinked header, a subdirectory. */
#include <linux/module.h>
#include "kt.h"

static int __init kt_init(void)
{
	return kt_helper() + kt_extra() == 3 ? 0 : -EINVAL;
}

static void __exit kt_exit(void)
{
}

module_init(kt_init);
module_exit(kt_exit);
MODULE_LICENSE("GPL");
