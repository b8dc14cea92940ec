/* privs.h - dropping root after the listening sockets are open.  What the
 * unprivileged user must own beforehand is the store's business
 * (ipp_store_prepare). */
#ifndef IPP_PRIVS_H
#define IPP_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

/* Look up USER; 0 with uid/gid, or -1 with a message naming what to do. */
int	ipp_privs_lookup(const char *user, uid_t *, gid_t *, char *err, size_t errlen);

/*
 * Whether ipp_privs_drop(USER) will switch users: 1 with USER's uid and
 * gid (we are root, USER is set and is not root), 0 when it will not,
 * -1 with err when USER does not exist.
 */
int	ipp_privs_target(const char *user, uid_t *, gid_t *, char *err,
	    size_t errlen);

/*
 * As root with a user configured: switch to the user and its groups.
 * Not root, no user, or the user is root: nothing to do.  Returns 0, or
 * -1 with err.
 */
int	ipp_privs_drop(const char *user, char *err, size_t errlen);

/*
 * The same, keeping also the groups in extra (n of them) as supplementary
 * groups: "ippoolctl ingest" keeps the group that lets it read the log it
 * opened as root (adm for Debian's /var/log/mail.log), so that it can
 * reopen the file after a rotation.
 */
int	ipp_privs_drop_keep(const char *user, const gid_t *extra, size_t n,
	    char *err, size_t errlen);

/*
 * The group of the process that will read what the user is given: USER's
 * when ipp_privs_drop(USER) will switch to it, else our own.
 */
gid_t	ipp_privs_run_gid(const char *user);

/*
 * Run fn(arg) as USER would, in a child that drops to USER: how "-n" and
 * "ippoolctl check" apply the checks a reload applies after the daemon
 * dropped root.  Returns 1 with *status (fn's return, a small exit
 * status; 70 if the child died), 0 when no switch would be made (nothing
 * run), -1 with err.  Standard output is flushed first.
 */
int	ipp_privs_run_as(const char *user, int (*fn)(void *), void *arg,
	    int *status, char *err, size_t errlen);

#endif
