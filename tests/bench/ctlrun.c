// SPDX-License-Identifier: GPL-2.0
/*
 * For the i386 guest benchmark (tests/bench/kmap_guest.sh): write STRING to
 * FILE (the reference module's control file, which runs the scenario
 * synchronously in write()) and print how long the write took, in ns of
 * CLOCK_MONOTONIC. busybox's date has no sub-second resolution.
 *
 *   ctlrun FILE STRING   ->   "elapsed_ns=N"; exit 0 if the write succeeded
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long t0, t1;
	size_t len;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: ctlrun FILE STRING\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "ctlrun: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	len = strlen(argv[2]);
	t0 = now_ns();
	n = write(fd, argv[2], len);
	t1 = now_ns();
	if (n != (ssize_t)len) {
		fprintf(stderr, "ctlrun: write '%s': %s\n", argv[2], n < 0 ? strerror(errno) : "short");
		close(fd);
		return 1;
	}
	close(fd);
	printf("elapsed_ns=%llu\n", t1 - t0);
	return 0;
}
