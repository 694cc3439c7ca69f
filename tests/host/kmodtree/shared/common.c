// SPDX-License-Identifier: GPL-2.0
/* Reached through the directory symlink ldd/shared (LDD3's scull-shared). */
#include "kt.h"

int kt_shared(void)
{
	return 4;
}
