/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files pagetrack writes as root where other users may write too: never
 * through a symlink or a name someone could have planted. Knows nothing of
 * their contents.
 */
#ifndef PT_OUTFILE_H
#define PT_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/*
 * A private file (mode 0600 whatever the umask) for writing, truncated.
 * A symlink at path is refused (ELOOP); an existing file is overwritten only
 * if it is a regular file with one link, owned by us, else EEXIST. NULL and
 * errno.
 */
FILE *outfile_private(const char *path);
/*
 * Atomic rewrite: a mkstemp file next to path (its name in tmp), with the
 * mode of our own file it replaces, else 0644. NULL and errno.
 */
FILE *atomic_open(const char *path, char *tmp, size_t len);
/* Flush, fsync, close, rename over path (a symlink there is replaced, not
 * followed). 0 or -errno; the temporary file is removed on failure. */
int atomic_close(FILE *f, const char *tmp, const char *path);
/* atomic_open, what body(f, ctx) prints, atomic_close: 0 or -errno. */
int atomic_write(const char *path, void (*body)(FILE *f, void *ctx), void *ctx);

#endif
