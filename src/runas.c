// SPDX-License-Identifier: GPL-2.0
/*
 * --user/--group: resolve the names (without NSS: /etc/passwd and
 * /etc/group, or numbers) and switch the command's identity in its child.
 * Nothing about tracing here; pagetrack itself keeps its privileges.
 */
#define _GNU_SOURCE		/* fgetpwent, fgetgrent, setgroups */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runas.h"

static bool number(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !*end && !errno && *v < UINT_MAX;
}

/*
 * The static binary has no NSS: users and groups come from the files, read
 * with fgetpwent/fgetgrent. name NULL: match uid.
 */
static bool find_user(const char *name, uid_t uid, struct passwd *out, char *nbuf, size_t nlen)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	bool found = false;

	if (!f)
		return false;
	while (!found && (pw = fgetpwent(f)))
		if (name ? !strcmp(pw->pw_name, name) : pw->pw_uid == uid) {
			*out = *pw;
			snprintf(nbuf, nlen, "%s", pw->pw_name);
			out->pw_name = nbuf;
			found = true;
		}
	fclose(f);
	return found;
}

/* gid of group name, or, for name NULL, the groups user is a member of. */
static bool scan_groups(const char *name, gid_t *gid, struct runas *r, const char *user)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;
	bool found = false;
	char **m;

	if (!f)
		return false;
	while ((gr = fgetgrent(f))) {
		if (name && !strcmp(gr->gr_name, name)) {
			*gid = gr->gr_gid;
			found = true;
			break;
		}
		for (m = gr->gr_mem; !name && m && *m; m++)
			if (!strcmp(*m, user) && gr->gr_gid != r->gid &&
			    r->ngroups < RUNAS_MAX_GROUPS) {
				r->groups[r->ngroups++] = gr->gr_gid;
				break;
			}
	}
	fclose(f);
	return found;
}

/* Variables of the caller's kept for --user's command: how to talk to the
 * terminal and the language, as sudo's env_reset keeps them. */
static bool kept(const char *kv)
{
	static const char *const names[] = { "TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ",
					     "COLUMNS", "LINES", NULL };
	size_t n = strcspn(kv, "=");
	int i;

	if (!kv[n])
		return false;
	if (!strncmp(kv, "LC_", 3))
		return true;
	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && !strncmp(kv, names[i], n))
			return true;
	return false;
}

static int env_add(struct runas *r, size_t *n, const char *name, const char *value)
{
	char *kv;

	if (value) {
		if (asprintf(&kv, "%s=%s", name, value) < 0)
			return -ENOMEM;
	} else if (!(kv = strdup(name))) {
		return -ENOMEM;
	}
	r->env[(*n)++] = kv;
	r->env[*n] = NULL;
	return 0;
}

int runas_build_env(struct runas *r, const char *name, const char *home, const char *shell,
		    char *const *caller)
{
	size_t n = 0, cap = 6;
	int i;

	for (i = 0; caller && caller[i]; i++)
		cap++;
	r->env = calloc(cap + 1, sizeof(*r->env));
	if (!r->env)
		return -ENOMEM;
	if (env_add(r, &n, "HOME", home) || env_add(r, &n, "SHELL", shell) ||
	    env_add(r, &n, "USER", name) || env_add(r, &n, "LOGNAME", name) ||
	    env_add(r, &n, "PATH", RUNAS_PATH))
		return -ENOMEM;
	for (i = 0; caller && caller[i]; i++)
		if (kept(caller[i]) && env_add(r, &n, caller[i], NULL))
			return -ENOMEM;
	return 0;
}

void runas_free(struct runas *r)
{
	size_t i;

	for (i = 0; r->env && r->env[i]; i++)
		free(r->env[i]);
	free(r->env);
	r->env = NULL;
}

int runas_resolve(struct runas *r, const char *user, const char *group, char *err,
		  size_t len)
{
	char uidname[16];
	struct passwd pw;
	char name[256];
	unsigned long v;
	bool known;

	memset(r, 0, sizeof(*r));
	if (group) {
		if (!scan_groups(group, &r->gid, r, NULL)) {
			if (!number(group, &v)) {
				snprintf(err, len, "no group '%s' in /etc/group", group);
				return -1;
			}
			r->gid = (gid_t)v;
		}
		r->set_gid = true;
	}
	if (!user) {
		/* Only a group: none of root's supplementary groups either. */
		r->groups[r->ngroups++] = r->gid;
		return 0;
	}
	known = find_user(user, 0, &pw, name, sizeof(name)) ||
		(number(user, &v) && find_user(NULL, (uid_t)v, &pw, name, sizeof(name)));
	if (!known && !number(user, &v)) {
		snprintf(err, len, "no user '%s' in /etc/passwd", user);
		return -1;
	}
	if (!known && !group) {
		snprintf(err, len, "uid %s has no /etc/passwd entry: give --group", user);
		return -1;
	}
	r->set_uid = true;
	r->uid = known ? pw.pw_uid : (uid_t)v;
	if (!group) {
		r->gid = pw.pw_gid;
		r->set_gid = true;
	}
	r->groups[r->ngroups++] = r->gid;
	if (known)
		scan_groups(NULL, NULL, r, pw.pw_name);
	snprintf(uidname, sizeof(uidname), "%u", (unsigned int)r->uid);
	if (runas_build_env(r, known ? pw.pw_name : uidname,
			    known && pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/",
			    known && pw.pw_shell && *pw.pw_shell ? pw.pw_shell : "/bin/sh",
			    environ)) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	/* Root's terminal shared with the user's command: TIOCSTI on it would
	 * type into root's shell. A session of its own has no controlling
	 * terminal (the descriptors still work). */
	r->own_session = isatty(0) || isatty(1) || isatty(2);
	return 0;
}

int runas_apply(const struct runas *r)
{
	if (!r->set_uid && !r->set_gid)
		return 0;
	/* own_session: start_command() made the session already, before
	 * anything could make the child a process group leader. */
	/* Groups first: after setuid we could no longer change them. */
	if (setgroups((size_t)r->ngroups, r->groups))
		return -errno;
	if (r->set_gid && setgid(r->gid))
		return -errno;
	if (r->set_uid && setuid(r->uid))
		return -errno;
	/* A saved root uid would let the command take root back. */
	if (r->set_uid && r->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}
