// SPDX-License-Identifier: GPL-2.0
/*
 * Drives the mapping scenarios of the pagetrack_ref module: selects the
 * scenario (writes its name to the module's debugfs control file), opens
 * /dev/pagetrack_ref, maps it, touches every page, reports, unmaps. It
 * drives the scenario; judging it is pagetrack's job.
 *
 *   pagetrack_ref_user remap_private|remap_shared|noncompound_tail_map|compound_map
 *       one line: "NAME: SIGBUS at page N" or "NAME: ok, N pages touched"
 *   pagetrack_ref_user badmap
 *       bad mmap sizes and offsets; one line each, "...: EINVAL" when refused
 *   pagetrack_ref_user unselected
 *       mmap() without selecting a scenario first (right after insmod, when
 *       none has been selected yet, it must get EINVAL)
 *   pagetrack_ref_user --loaded remap_private|remap_shared|noncompound_tail_map|compound_map
 *       the same without selecting: maps what the module was loaded with
 *       (insmod pagetrack_ref.ko scenarios=NAME)
 *   pagetrack_ref_user map DEVICE PAGES
 *       any driver's device: PAGES pages mapped MAP_SHARED, touched, unmapped
 *   pagetrack_ref_user list
 *
 * remap_private is mapped MAP_PRIVATE, the others MAP_SHARED.
 * Exit: 0 the scenario ran (SIGBUS or not), 1 badmap or unselected saw a
 * mapping or an error other than EINVAL, 2 usage or I/O error.
 * Build: gcc -static -O2 (amd64), gcc -m32 -static -O2 (i386).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CTL "/sys/kernel/debug/pagetrack_ref/run"
#define DEV "/dev/pagetrack_ref"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct map_scenario {
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
static long page_size;

static void sigbus(int sig)
{
	(void)sig;
	siglongjmp(on_bus, 1);
}

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "pagetrack_ref_user: %s: %s\n", what, detail);
	return 2;
}

/* Selects the scenario and opens the device, which latches it: fd or -1. */
static int open_scenario(const char *name)
{
	size_t len = strlen(name);
	ssize_t n;
	int fd;

	fd = open(CTL, O_WRONLY);
	if (fd < 0) {
		fail(CTL, errno == ENOENT ? "no such file (is pagetrack_ref loaded?)" :
			  strerror(errno));
		return -1;
	}
	n = write(fd, name, len);
	if (n != (ssize_t)len) {
		fail(name, n < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	close(fd);
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		fail(DEV, strerror(errno));
	return fd;
}

/* Maps scenario m from device dev, or (NULL) selects it first. */
static int run_map(const struct map_scenario *m, const char *dev)
{
	size_t len = (size_t)m->pages * page_size;
	struct sigaction sa;
	char *p;
	int fd, i;

	fd = dev ? open(dev, O_RDWR) : open_scenario(m->name);
	if (dev && fd < 0)
		fail(dev, strerror(errno));
	if (fd < 0)
		return 2;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, m->flags, fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap", strerror(errno));
		close(fd);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < m->pages; i++) {
		if (sigsetjmp(on_bus, 1)) {
			printf("%s: SIGBUS at page %d\n", m->name, i);
			break;
		}
		/* A store the compiler must emit: the touch is the point. */
		*(volatile char *)(p + (size_t)i * page_size) = (char)i;
	}
	if (i == m->pages)
		printf("%s: ok, %d pages touched\n", m->name, i);
	signal(SIGBUS, SIG_DFL);
	munmap(p, len);
	close(fd);
	return 0;
}

/*
 * One bad mmap(), which must fail with EINVAL: 0 if it did, 1 if not.
 * A NULL scenario opens the device without selecting one.
 */
static int expect_einval(const char *scenario, const char *what, long pages,
			 long off_pages)
{
	size_t len = (size_t)pages * page_size;
	int fd, err;
	void *p;

	if (scenario) {
		fd = open_scenario(scenario);
	} else {
		scenario = "unselected";
		fd = open(DEV, O_RDWR);
		if (fd < 0)
			fail(DEV, strerror(errno));
	}
	if (fd < 0)
		return 2;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)off_pages * page_size);
	err = errno;
	close(fd);
	if (p == MAP_FAILED && err == EINVAL) {
		printf("%s: %s: EINVAL\n", scenario, what);
		return 0;
	}
	if (p != MAP_FAILED)
		munmap(p, len);
	printf("%s: %s: expected EINVAL, got %s\n", scenario, what,
	       p == MAP_FAILED ? strerror(err) : "a mapping");
	return 1;
}

static int badmap(void)
{
	static const struct {
		const char *scenario, *what;
		long pages, off_pages;
	} cases[] = {
		{ "remap_shared", "5 pages (buffer has 4)", 5, 0 },
		{ "remap_shared", "64 pages", 64, 0 },
		{ "remap_shared", "offset 1 page", 1, 1 },
		{ "remap_private", "offset 4 pages", 4, 4 },
		{ "compound_map", "3 pages (block has 16)", 3, 0 },
		{ "compound_map", "17 pages", 17, 0 },
		{ "noncompound_tail_map", "offset 16 pages", 16, 16 },
		{ "noncompound_tail_map", "offset 1 page", 15, 1 },
	};
	size_t i;
	int ret = 0, r;

	for (i = 0; i < N_ELEMS(cases); i++) {
		r = expect_einval(cases[i].scenario, cases[i].what, cases[i].pages,
				  cases[i].off_pages);
		if (r == 2)
			return 2;
		ret |= r;
	}
	return ret;
}

int main(int argc, char **argv)
{
	bool loaded = argc == 3 && !strcmp(argv[1], "--loaded");
	size_t i;

	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 4 && !strcmp(argv[1], "map")) {
		struct map_scenario m = { argv[2], atoi(argv[3]), MAP_SHARED };

		if (m.pages < 1 || m.pages > 1024)
			return fail(argv[3], "1 to 1024 pages");
		setvbuf(stdout, NULL, _IOLBF, 0);
		return run_map(&m, argv[2]);
	}
	if (loaded) {
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pagetrack_ref_user [--loaded] SCENARIO|badmap|unselected|list, or map DEVICE PAGES\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "list")) {
		for (i = 0; i < N_ELEMS(maps); i++)
			printf("%s\n", maps[i].name);
		return 0;
	}
	if (!strcmp(argv[1], "badmap"))
		return badmap();
	if (!strcmp(argv[1], "unselected"))
		return expect_einval(NULL, "4 pages", 4, 0);
	for (i = 0; i < N_ELEMS(maps); i++)
		if (!strcmp(argv[1], maps[i].name))
			return run_map(&maps[i], loaded ? DEV : NULL);
	fprintf(stderr, "pagetrack_ref_user: unknown scenario '%s' (try: list)\n", argv[1]);
	return 2;
}
