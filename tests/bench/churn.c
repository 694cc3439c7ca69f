// SPDX-License-Identifier: GPL-2.0
/*
 * Page churn for the benchmarks (scripts/bench.sh): every thread maps
 * anonymous memory, writes one byte in each page (one order-0 allocation
 * per page), unmaps it (the pages go back to the buddy allocator), and
 * repeats. Transparent huge pages are refused so that every page is a
 * separate kmem event.
 *
 *   churn [-t THREADS] [-m MIB] [-r ROUNDS]
 *
 * Prints one line: threads, MiB, rounds, pages touched, and the wall time of
 * the churn itself (thread start to last join, not process start-up), in ns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t th;
	size_t bytes;
	unsigned int rounds;
	long page;
	uint64_t pages;
	int err;
};

static pthread_barrier_t go;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int r;

	pthread_barrier_wait(&go);
	for (r = 0; r < w->rounds; r++) {
		volatile char *p = mmap(NULL, w->bytes, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t off;

		if (p == MAP_FAILED) {
			w->err = errno;
			return NULL;
		}
		/* Order-0 pages only: one allocation per page touched. */
		madvise((void *)p, w->bytes, MADV_NOHUGEPAGE);
		for (off = 0; off < w->bytes; off += (size_t)w->page)
			p[off] = (char)r;
		w->pages += w->bytes / (size_t)w->page;
		if (munmap((void *)p, w->bytes)) {
			w->err = errno;
			return NULL;
		}
	}
	return NULL;
}

static unsigned long arg_num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > max) {
		fprintf(stderr, "churn: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long threads = (unsigned long)sysconf(_SC_NPROCESSORS_ONLN), mib = 64, rounds = 6;
	struct worker *w;
	struct rusage ru;
	uint64_t t0, t1, pages = 0;
	unsigned long i;
	int c;

	while ((c = getopt(argc, argv, "t:m:r:h")) != -1) {
		switch (c) {
		case 't':
			threads = arg_num(optarg, "thread count", 1024);
			break;
		case 'm':
			mib = arg_num(optarg, "MiB per mapping", 1 << 20);
			break;
		case 'r':
			rounds = arg_num(optarg, "round count", 1 << 24);
			break;
		default:
			fprintf(stderr, "usage: churn [-t THREADS] [-m MIB] [-r ROUNDS]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!threads)
		threads = 1;
	w = calloc(threads, sizeof(*w));
	if (!w || pthread_barrier_init(&go, NULL, (unsigned int)threads + 1)) {
		fprintf(stderr, "churn: out of memory\n");
		return 2;
	}
	for (i = 0; i < threads; i++) {
		w[i].bytes = (size_t)mib << 20;
		w[i].rounds = (unsigned int)rounds;
		w[i].page = sysconf(_SC_PAGESIZE);
		if (pthread_create(&w[i].th, NULL, work, &w[i])) {
			fprintf(stderr, "churn: cannot start thread %lu\n", i);
			return 2;
		}
	}
	t0 = now_ns();
	pthread_barrier_wait(&go);
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err) {
			fprintf(stderr, "churn: thread %lu: %s\n", i, strerror(w[i].err));
			return 1;
		}
		pages += w[i].pages;
	}
	t1 = now_ns();
	getrusage(RUSAGE_SELF, &ru);
	printf("churn threads=%lu mib=%lu rounds=%lu pages=%llu elapsed_ns=%llu "
	       "user_us=%lld sys_us=%lld\n", threads, mib, rounds, (unsigned long long)pages,
	       (unsigned long long)(t1 - t0),
	       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
	       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
	return 0;
}
