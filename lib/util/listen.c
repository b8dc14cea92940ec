/* listen.c - listening sockets from ippool.conf socket specs, for
 * ippool-policyd's listeners and the checks around the unix socket that
 * libmilter creates for ippool-milter. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "parse.h"

#define BACKLOG 512	/* many smtpd processes connect at once after a reload */

static int
unix_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		(void) snprintf(err, errlen, "socket path %s is too long", path);
		return (-1);
	}
	(void) memcpy(sun->sun_path, path, strlen(path) + 1);
	return (0);
}

/* Create the directory of a unix socket, as a packager's tmpfiles would. */
static void
socket_dir(const char *path)
{
	char	dir[sizeof(((struct sockaddr_un *) 0)->sun_path)], *slash;

	(void) snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		msg_warn("cannot create socket directory %s: %s", dir, strerror(errno));
}

int
ipp_listen_unix_prepare(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int	probe, live;

	if (unix_addr(path, &sun, err, errlen) != 0)
		return (-1);
	socket_dir(path);
	if (lstat(path, &st) != 0)
		return (0);
	if (!S_ISSOCK(st.st_mode)) {
		(void) snprintf(err, errlen, "%s exists and is not a socket", path);
		return (-1);
	}
	/* someone answering there is another running daemon: never steal it */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		live = connect(probe, (struct sockaddr *) &sun, sizeof(sun)) == 0;
		(void) close(probe);
		if (live) {
			(void) snprintf(err, errlen,
			    "socket %s is in use by a running process: is another %s running?",
			    path, ipp_log_progname());
			return (-1);
		}
	}
	if (unlink(path) != 0) {
		(void) snprintf(err, errlen, "cannot remove stale socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

int
ipp_listen_unix_secure(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (chmod(path, IPP_LISTEN_MODE) != 0
	    || ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(path, uid, gid) != 0)) {
		(void) snprintf(err, errlen, "cannot set owner (uid %ld) and mode of %s: %s",
		    uid == (uid_t) -1 ? -1L : (long) uid, path, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
unix_listener(const struct ipp_sockspec *sp, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t	old_umask;
	int	fd, rc;

	if (ipp_listen_unix_prepare(sp->path, err, errlen) != 0
	    || unix_addr(sp->path, &sun, err, errlen) != 0)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		(void) snprintf(err, errlen, "socket: %s", strerror(errno));
		return (-1);
	}
	old_umask = umask(IPP_LISTEN_UMASK);
	rc = bind(fd, (struct sockaddr *) &sun, sizeof(sun));
	(void) umask(old_umask);
	if (rc != 0 || listen(fd, BACKLOG) != 0) {
		(void) snprintf(err, errlen, "cannot listen on %s: %s", sp->path, strerror(errno));
		(void) close(fd);
		return (-1);
	}
	if (ipp_listen_unix_secure(sp->path, uid, gid, err, errlen) != 0) {
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
		    "cannot listen on port %u of %s: %s (is another %s running?)",
		    sp->port, sp->host[0] ? sp->host : "all addresses", strerror(saved),
		    ipp_log_progname());
	return (fd);
}

int
ipp_listen_open(const char *spec, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (ipp_parse_sockspec(spec, &sp, err, errlen) != 0)
		return (-1);
	return (sp.kind == IPP_SOCK_UNIX ? unix_listener(&sp, uid, gid, err, errlen)
	    : inet_listener(&sp, err, errlen));
}

void
ipp_listen_unlink(const char *spec)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];

	if (ipp_parse_sockspec(spec, &sp, err, sizeof(err)) == 0 && sp.kind == IPP_SOCK_UNIX)
		(void) unlink(sp.path);
}

void
ipp_listen_peer(const struct sockaddr *sa, char *buf, size_t len, struct ipp_ip *ip)
{
	char	a[INET6_ADDRSTRLEN];

	memset(ip, 0, sizeof(*ip));
	if (sa->sa_family == AF_INET
	    && inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, a, sizeof(a))) {
		(void) snprintf(buf, len, "%s:%u", a,
		    ntohs(((const struct sockaddr_in *) sa)->sin_port));
		ip->family = AF_INET;
		ip->a.v4 = ((const struct sockaddr_in *) sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6
	    && inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, a, sizeof(a))) {
		(void) snprintf(buf, len, "[%s]:%u", a,
		    ntohs(((const struct sockaddr_in6 *) sa)->sin6_port));
		ip->family = AF_INET6;
		ip->a.v6 = ((const struct sockaddr_in6 *) sa)->sin6_addr;
	} else {
		(void) snprintf(buf, len, "unix");
		return;
	}
	(void) snprintf(ip->text, sizeof(ip->text), "%s", a);
}
