/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the kmod test trees (tests/host/srcline.sh), outside each tree. */
int kt_helper(void);
int kt_extra(void);
int kt_shared(void);
