// SPDX-License-Identifier: GPL-2.0
/* A source in a subdirectory of the tree. */
#include "../kt.h"

int kt_extra(void)
{
	return 2;
}
