// SPDX-License-Identifier: GPL-2.0
/*
 * Writing files safely where other users may write too (--record,
 * --metrics-file, --folded): private or atomically replaced, never through a
 * symlink. Core library: no libbpf; it knows nothing of what is written.
 */
#define _GNU_SOURCE		/* O_CLOEXEC, mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

static FILE *fail_fd(int fd, int err)
{
	close(fd);
	errno = err;
	return NULL;
}

FILE *outfile_private(const char *path)
{
	struct stat st;
	FILE *f;
	int fd;

	/*
	 * No O_TRUNC yet: a file that is not ours is left as it was.
	 * O_NONBLOCK: a FIFO planted there must not block us.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		if (errno == ENXIO)	/* a FIFO without a reader */
			errno = EEXIST;
		return NULL;
	}
	if (fstat(fd, &st))
		return fail_fd(fd, errno);
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid())
		return fail_fd(fd, EEXIST);
	/* An existing file keeps its inode: make it private before writing. */
	if (fchmod(fd, 0600) || ftruncate(fd, 0))
		return fail_fd(fd, errno);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		return fail_fd(fd, errno);
	f = fdopen(fd, "wb");
	if (!f)
		return fail_fd(fd, errno);
	return f;
}

FILE *atomic_open(const char *path, char *tmp, size_t len)
{
	const char *slash = strrchr(path, '/');
	mode_t mode = 0644;
	struct stat st;
	FILE *f;
	int fd, n;

	/* ".NAME.XXXXXX" beside path: rename stays in one file system. */
	if (slash)
		n = snprintf(tmp, len, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		n = snprintf(tmp, len, ".%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* Keep the mode of our own file; a planted one's says nothing. */
	if (!lstat(path, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid())
		mode = st.st_mode & 0666;
	/* mkostemp creates with O_EXCL: no planted file or link is followed. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fchmod(fd, mode) || !(f = fdopen(fd, "w"))) {
		int err = errno;

		unlink(tmp);
		return fail_fd(fd, err);
	}
	return f;
}

int atomic_close(FILE *f, const char *tmp, const char *path)
{
	int err = 0;

	errno = 0;
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int atomic_write(const char *path, void (*body)(FILE *f, void *ctx), void *ctx)
{
	char tmp[4096];
	FILE *f = atomic_open(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	body(f, ctx);
	return atomic_close(f, tmp, path);
}
