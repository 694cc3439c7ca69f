// SPDX-License-Identifier: GPL-2.0
/*
 * Drives the mapping scenarios of the pagetrack_ref module: selects the
 * device's mode, maps /dev/pagetrack_ref, touches every page, unmaps.
 * It reports what happened; judging is pagetrack's job.
 *
 *   pagetrack_ref_user remap_private|remap_shared|noncompound_tail_map|compound_map
 *   pagetrack_ref_user badmap     bad sizes and offsets must get EINVAL
 *   pagetrack_ref_user list
 * Exit: 0 the scenario ran, 1 badmap saw a wrong answer, 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CTL "/sys/kernel/debug/pagetrack_ref/run"
#define DEV "/dev/pagetrack_ref"
#define PAGE 4096

static const struct {
	const char *name;
	int pages;
	int flags;
} maps[] = {
	{ "remap_private", 4, MAP_PRIVATE },
	{ "remap_shared", 4, MAP_SHARED },
	{ "noncompound_tail_map", 16, MAP_SHARED },
	{ "compound_map", 16, MAP_SHARED },
};

static sigjmp_buf on_bus;

static void sigbus(int sig)
{
	(void)sig;
	siglongjmp(on_bus, 1);
}

static int select_mode(const char *name)
{
	int fd = open(CTL, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "pagetrack_ref_user: %s: %s (is the module loaded?)\n", CTL,
			strerror(errno));
		return -1;
	}
	n = write(fd, name, strlen(name));
	close(fd);
	if (n != (ssize_t)strlen(name)) {
		fprintf(stderr, "pagetrack_ref_user: selecting %s failed: %s\n", name,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int run_map(const char *name, int pages, int flags)
{
	volatile char *p;
	volatile int i;
	int fd;

	if (select_mode(name))
		return 2;
	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pagetrack_ref_user: %s: %s\n", DEV, strerror(errno));
		return 2;
	}
	p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pagetrack_ref_user: mmap: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	signal(SIGBUS, sigbus);
	for (i = 0; i < pages; i++) {
		if (sigsetjmp(on_bus, 1)) {
			printf("%s: SIGBUS at page %d\n", name, i);
			break;
		}
		p[i * PAGE] = (char)i;
	}
	if (i == pages)
		printf("%s: ok, %d pages touched\n", name, pages);
	munmap((void *)p, pages * PAGE);
	close(fd);
	return 0;
}

/* One bad mmap: must fail with EINVAL. */
static int expect_einval(int fd, const char *what, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED && errno == EINVAL) {
		printf("badmap: %s: EINVAL\n", what);
		return 0;
	}
	if (p != MAP_FAILED)
		munmap(p, len);
	printf("badmap: %s: expected EINVAL, got %s\n", what,
	       p == MAP_FAILED ? strerror(errno) : "a mapping");
	return 1;
}

static int badmap(void)
{
	int fd, bad = 0;

	if (select_mode("remap_shared"))
		return 2;
	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pagetrack_ref_user: %s: %s\n", DEV, strerror(errno));
		return 2;
	}
	bad |= expect_einval(fd, "remap larger than the buffer", 64 * PAGE, 0);
	bad |= expect_einval(fd, "remap at an offset", PAGE, PAGE);
	close(fd);
	if (select_mode("compound_map"))
		return 2;
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return 2;
	bad |= expect_einval(fd, "tail map of 3 pages", 3 * PAGE, 0);
	bad |= expect_einval(fd, "tail map at an offset", 16 * PAGE, 16 * PAGE);
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: pagetrack_ref_user SCENARIO|badmap|list\n");
		return 2;
	}
	if (!strcmp(argv[1], "list")) {
		for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
			printf("%s\n", maps[i].name);
		return 0;
	}
	if (!strcmp(argv[1], "badmap"))
		return badmap();
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!strcmp(argv[1], maps[i].name))
			return run_map(maps[i].name, maps[i].pages, maps[i].flags);
	fprintf(stderr, "pagetrack_ref_user: unknown scenario '%s' (try: list)\n", argv[1]);
	return 2;
}
