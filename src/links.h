/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching or detaching many BPF links at once. Each attach or detach can
 * wait for the kernel (an RCU grace period, a trampoline or ftrace update);
 * one after the other under TCG that is seconds at every start and stop.
 * This only runs the given work on a few threads: it must not decide which
 * links exist, or when they come or go.
 */
#ifndef PT_LINKS_H
#define PT_LINKS_H

struct bpf_link;

/* Calls each(i, arg) for i in [0, n) from a few threads (each i once);
 * returns when all calls have returned. each must be safe to run beside
 * itself with another i. */
void links_parallel(unsigned int n, void (*each)(unsigned int i, void *arg), void *arg);

/* Destroys links[0..n) (NULL entries skipped) that way, and sets each entry
 * to NULL. */
void links_destroy(struct bpf_link **links, unsigned int n);

#endif
