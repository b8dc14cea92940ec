/* listen.c - listening sockets from ippool.conf socket specs. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "parse.h"

#define BACKLOG 512	/* many smtpd processes connect at once after a reload */

static int
unix_listener(const struct ipp_sockspec *sp, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int	fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sp->path) >= sizeof(sun.sun_path)) {
		(void) snprintf(err, errlen, "socket path %s is too long", sp->path);
		return (-1);
	}
	(void) strcpy(sun.sun_path, sp->path);
	if (lstat(sp->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			(void) snprintf(err, errlen, "%s exists and is not a socket", sp->path);
			return (-1);
		}
		/* someone answering there is another running daemon */
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
			int	live = connect(probe, (struct sockaddr *) &sun, sizeof(sun)) == 0;

			(void) close(probe);
			if (live) {
				(void) snprintf(err, errlen,
				    "socket %s is in use by a running process: is another ippool-policyd running?",
				    sp->path);
				return (-1);
			}
		}
		if (unlink(sp->path) != 0) {
			(void) snprintf(err, errlen, "cannot remove stale socket %s: %s", sp->path,
			    strerror(errno));
			return (-1);
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		(void) snprintf(err, errlen, "socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0
	    || chmod(sp->path, 0666) != 0 || listen(fd, BACKLOG) != 0) {
		(void) snprintf(err, errlen, "cannot listen on %s: %s", sp->path, strerror(errno));
		(void) close(fd);
		return (-1);
	}
	return (fd);
}

static int
inet_listener(const struct ipp_sockspec *sp, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char	port[16];
	int	fd = -1, on = 1, rc, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = sp->kind == IPP_SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	(void) snprintf(port, sizeof(port), "%u", sp->port);
	if ((rc = getaddrinfo(sp->host[0] ? sp->host : NULL, port, &hints, &res)) != 0) {
		(void) snprintf(err, errlen, "cannot resolve %s: %s", sp->host, gai_strerror(rc));
		return (-1);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0) {
			saved = errno;
			continue;
		}
		(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, BACKLOG) == 0)
			break;
		saved = errno;
		(void) close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		(void) snprintf(err, errlen,
		    "cannot listen on port %u of %s: %s (is another ippool-policyd running?)",
		    sp->port, sp->host[0] ? sp->host : "all addresses", strerror(saved));
	return (fd);
}

int
listen_open(const char *spec, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (ipp_parse_sockspec(spec, &sp, err, errlen) != 0)
		return (-1);
	return (sp.kind == IPP_SOCK_UNIX ? unix_listener(&sp, err, errlen)
	    : inet_listener(&sp, err, errlen));
}

int
listen_chown(const char *spec, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (ipp_parse_sockspec(spec, &sp, err, errlen) != 0)
		return (-1);
	if (sp.kind == IPP_SOCK_UNIX && chown(sp.path, uid, gid) != 0) {
		(void) snprintf(err, errlen, "cannot give %s to uid %ld: %s", sp.path,
		    (long) uid, strerror(errno));
		return (-1);
	}
	return (0);
}

void
listen_unlink(const char *spec)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];

	if (ipp_parse_sockspec(spec, &sp, err, sizeof(err)) == 0 && sp.kind == IPP_SOCK_UNIX)
		(void) unlink(sp.path);
}
