// SPDX-License-Identifier: GPL-2.0
/* Attaching and detaching many BPF links at once: see links.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <bpf/libbpf.h>
#include "links.h"

#define LINK_THREADS 8

struct link_work {
	unsigned int n;
	atomic_uint next;
	void (*each)(unsigned int i, void *arg);
	void *arg;
};

static void *run_some(void *arg)
{
	struct link_work *w = arg;
	unsigned int i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
		w->each(i, w->arg);
	return NULL;
}

void links_parallel(unsigned int n, void (*each)(unsigned int i, void *arg), void *arg)
{
	struct link_work w = { .n = n, .each = each, .arg = arg };
	pthread_t tid[LINK_THREADS];
	unsigned int t, started = 0;

	/* The kernel's waits overlap; a thread that cannot start leaves its
	 * share to the others and to this one. */
	for (t = 0; t < LINK_THREADS && t + 1 < n; t++)
		if (!pthread_create(&tid[started], NULL, run_some, &w))
			started++;
	run_some(&w);
	for (t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

static void destroy_one(unsigned int i, void *links)
{
	struct bpf_link **l = links;

	bpf_link__destroy(l[i]);
	l[i] = NULL;
}

void links_destroy(struct bpf_link **links, unsigned int n)
{
	links_parallel(n, destroy_one, links);
}
