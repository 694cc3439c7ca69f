// SPDX-License-Identifier: GPL-2.0
/* make kmod test tree in LDD3's style: -I$(PWD)/../include, a linked directory. */
#include <linux/module.h>
#include "kt.h"

static int __init ktldd_init(void)
{
	return kt_shared() == 4 ? 0 : -EINVAL;
}

static void __exit ktldd_exit(void)
{
}

module_init(ktldd_init);
module_exit(ktldd_exit);
MODULE_LICENSE("GPL");
