/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --user/--group: the identity COMMAND runs with; pagetrack keeps its own.
 * No tracing here.
 */
#ifndef PT_RUNAS_H
#define PT_RUNAS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUNAS_MAX_GROUPS	256

struct runas {
	bool set_uid, set_gid;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[RUNAS_MAX_GROUPS];
};

/*
 * Resolves user and group (names or numbers; either may be NULL) from
 * /etc/passwd and /etc/group: a user's primary group (unless group is
 * given) and the groups listing it. A uid without an entry needs group.
 * 0, or -1 with a one-line reason in err.
 */
int runas_resolve(struct runas *r, const char *user, const char *group, char *err,
		  size_t len);
/* In the child, before exec: setgroups, setgid, setuid, each checked, and
 * root cannot be regained. 0 or -errno. */
int runas_apply(const struct runas *r);

#endif
