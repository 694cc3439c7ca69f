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
	/* --user: the command's whole environment (NULL-terminated), what a
	 * login as the user would give it; NULL: pagetrack's own (no --user). */
	char **env;
	/* --user and a terminal on fd 0-2: the command gets a session of its
	 * own, so it cannot push input into root's terminal (TIOCSTI). */
	bool own_session;
};

/* The safe PATH of --user's command (Debian's login.defs ENV_PATH). */
#define RUNAS_PATH "/usr/local/bin:/usr/bin:/bin"

/*
 * Resolves user and group (names or numbers; either may be NULL) from
 * /etc/passwd and /etc/group: a user's primary group (unless group is
 * given) and the groups listing it. A uid without an entry needs group.
 * 0, or -1 with a one-line reason in err.
 */
int runas_resolve(struct runas *r, const char *user, const char *group, char *err,
		  size_t len);
/*
 * The environment of --user's command, from the user's /etc/passwd entry
 * (HOME, SHELL, USER, LOGNAME; for a uid without one HOME=/, SHELL=/bin/sh,
 * USER and LOGNAME the number), PATH=RUNAS_PATH, and from caller's only
 * TERM, COLORTERM, LANG, LANGUAGE, LC_*, TZ, COLUMNS, LINES. Nothing else:
 * no LD_* loader variables, no interpreter paths, no root's secrets.
 * Called by runas_resolve() for a user; 0 or -ENOMEM.
 */
int runas_build_env(struct runas *r, const char *name, const char *home, const char *shell,
		    char *const *caller);
void runas_free(struct runas *r);
/* In the child, before exec: with --user and a terminal, a session of its
 * own (setsid); setgroups, setgid, setuid, each checked, and root cannot be
 * regained. 0 or -errno. The caller then sets environ to r->env if set. */
int runas_apply(const struct runas *r);

#endif
