/* privs.c - switch from root to the configured user, Postfix-style: after
 * binding, before touching the store or any client input. */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

int
ipp_privs_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		(void) snprintf(err, errlen,
		    "user \"%s\" does not exist: create it (adduser --system --group %s) or set [milter] user",
		    user, user);
		return (-1);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

int
ipp_privs_target(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	if (user == NULL || *user == '\0' || geteuid() != 0)
		return (0);
	if (ipp_privs_lookup(user, uid, gid, err, errlen) != 0)
		return (-1);
	return (*uid != 0);
}

int
ipp_privs_drop(const char *user, char *err, size_t errlen)
{
	return (ipp_privs_drop_keep(user, NULL, 0, err, errlen));
}

/* Add extra to the supplementary groups initgroups() set. */
static int
keep_groups(const gid_t *extra, size_t n)
{
	gid_t  *groups;
	int	ng, rc;
	size_t	i, j, cap;

	if ((ng = getgroups(0, NULL)) < 0)
		return (-1);
	cap = (size_t) ng + n;
	if ((groups = calloc(cap ? cap : 1, sizeof(*groups))) == NULL)
		return (-1);
	if ((ng = getgroups(ng, groups)) < 0) {
		free(groups);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < (size_t) ng && groups[j] != extra[i]; j++)
			;
		if (j == (size_t) ng)
			groups[ng++] = extra[i];
	}
	rc = setgroups((size_t) ng, groups);
	free(groups);
	return (rc);
}

int
ipp_privs_drop_keep(const char *user, const gid_t *extra, size_t n, char *err,
    size_t errlen)
{
	uid_t	uid;
	gid_t	gid;
	int	rc;

	if ((rc = ipp_privs_target(user, &uid, &gid, err, errlen)) <= 0)
		return (rc);
	if (initgroups(user, gid) != 0 || (n > 0 && keep_groups(extra, n) != 0)
	    || setgid(gid) != 0 || setuid(uid) != 0) {
		(void) snprintf(err, errlen, "cannot switch to user %s: %s", user,
		    strerror(errno));
		return (-1);
	}
	if (setuid(0) == 0) {
		(void) snprintf(err, errlen, "switched to user %s but could regain root", user);
		return (-1);
	}
	return (0);
}

gid_t
ipp_privs_run_gid(const char *user)
{
	char	err[256];
	uid_t	uid;
	gid_t	gid;

	if (ipp_privs_target(user, &uid, &gid, err, sizeof(err)) == 1)
		return (gid);
	return (getegid());
}

int
ipp_privs_run_as(const char *user, int (*fn)(void *), void *arg, int *status,
    char *err, size_t errlen)
{
	uid_t	uid;
	gid_t	gid;
	pid_t	pid;
	int	rc, ws;

	if ((rc = ipp_privs_target(user, &uid, &gid, err, errlen)) <= 0)
		return (rc);
	(void) fflush(NULL);
	if ((pid = fork()) < 0) {
		(void) snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		if (ipp_privs_drop(user, err, errlen) != 0) {
			(void) fprintf(stderr, "%s: %s\n", ipp_log_progname(), err);
			_exit(70);
		}
		rc = fn(arg);
		(void) fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			(void) snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return (-1);
		}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 70;
	return (1);
}
