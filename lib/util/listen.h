/* listen.h - the daemons' listening sockets, opened as root before they
 * detach and drop privileges (a port below 1024, a socket directory only
 * root may write).  A unix socket is never world-accessible: mode 0660,
 * owned by the user the daemon runs as and that user's primary group
 * (the MTA reaches it as a member of that group). */
#ifndef IPP_LISTEN_H
#define IPP_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

struct sockaddr;
struct ipp_ip;

/* The umask while a unix socket is bound: it is born 0660, never wider. */
#define IPP_LISTEN_UMASK	0117
#define IPP_LISTEN_MODE		0660

/*
 * Before binding a unix socket at path: create its directory (0755) if
 * missing; refuse a path that is not a socket, or one a live process
 * answers on ("is another PROGRAM running?"); remove a stale one left by
 * a crash.  0, or -1 with err.
 */
int	ipp_listen_unix_prepare(const char *path, char *err, size_t errlen);

/*
 * After binding: mode 0660, owner uid and group gid ((uid_t) -1 and
 * (gid_t) -1: keep them, as when not started as root).  0, or -1 with err.
 */
int	ipp_listen_unix_secure(const char *path, uid_t, gid_t, char *err, size_t errlen);

/*
 * Listen on spec ("inet:PORT@HOST", "inet6:PORT@HOST", "unix:/path"), a
 * unix socket prepared and secured as above for uid and gid.  Returns a
 * non-blocking, close-on-exec fd, or -1 with err set.
 */
int	ipp_listen_open(const char *spec, uid_t, gid_t, char *err, size_t errlen);

/* Remove a unix socket at exit (inet: nothing to do). */
void	ipp_listen_unlink(const char *spec);

/*
 * The peer of an accepted connection for logs ("192.0.2.1:5123",
 * "[2001:db8::1]:5123", "unix") and, for inet peers, its address in ip
 * (family 0 for a unix peer: its socket's mode is its access control).
 */
void	ipp_listen_peer(const struct sockaddr *, char *buf, size_t len, struct ipp_ip *ip);

#endif
