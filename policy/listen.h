/* listen.h - ippool-policyd's listening sockets, opened before the
 * daemon detaches and drops privileges (a port below 1024, a socket
 * directory only root may write). */
#ifndef POLICY_LISTEN_H
#define POLICY_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Listen on spec ("inet:PORT@HOST", "inet6:PORT@HOST", "unix:/path").
 * A unix socket left behind by a crash is replaced; one a live process
 * answers on is not.  Returns a non-blocking, close-on-exec fd, or -1
 * with err set.
 */
int	listen_open(const char *spec, char *err, size_t errlen);

/* After binding as root: give a unix socket to the user the daemon runs as. */
int	listen_chown(const char *spec, uid_t, gid_t, char *err, size_t errlen);

/* Remove a unix socket at exit (inet: nothing to do). */
void	listen_unlink(const char *spec);

#endif
