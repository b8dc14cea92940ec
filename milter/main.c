/* main.c - ippool-milter: its listening socket (created by libmilter,
 * checked and secured by lib/util/listen.c), its keys, and the signal loop;
 * the start-up order is the shared one (lib/daemon/daemon.c).
 *
 * libmilter's own signal thread sigwait()s for SIGHUP and takes it as
 * "stop".  To make SIGHUP reload instead, smfi_main() runs in a thread of
 * its own (which, like every other thread, blocks SIGHUP) and the main
 * thread keeps SIGHUP unblocked with a handler installed SA_NODEFER, so it
 * is never blocked there, not even while the handler runs.  The kernel
 * hands a process-directed signal to the main thread whenever that thread
 * does not block it, so libmilter's thread never sees SIGHUP.  The handler
 * only writes to a pipe; a reloader thread does the work.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sysexits.h>
#include <unistd.h>

#include "attach.h"
#include "confref.h"
#include "daemon.h"
#include "keytable.h"
#include "listen.h"
#include "milter_metrics.h"
#include "log.h"
#include "milter.h"
#include "parse.h"
#include "privs.h"
#include "suppress.h"

struct ipp_store *milter_store;
atomic_int milter_sessions;

static const char *conf_file;
static int reload_pipe[2] = { -1, -1 };

static void
on_sighup(int sig)
{
	int	saved = errno;
	char	c = 'H';

	(void) sig;
	/* a full pipe already holds a pending reload */
	(void) write(reload_pipe[1], &c, 1);
	errno = saved;
}

static void
usage(void)
{
	(void) fprintf(stderr,
	    "usage: ippool-milter [-f] [-n] [-v] [-c FILE]\n"
	    "       ippool-milter -V\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground and log to stderr too\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose logging\n"
	    "  -V       print the version and exit\n", ipp_config_default_path());
	exit(EX_USAGE);
}

static void *
reloader(void *arg)
{
	char	buf[64];
	ssize_t	n;

	(void) arg;
	for (;;) {
		n = read(reload_pipe[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memchr(buf, 'Q', (size_t) n) != NULL)
			break;
		/* several SIGHUPs queued up are one reload; the DKIM and
		 * unsubscribe keys come with the config, or the old ones stay
		 * with the old one */
		(void) ipp_confref_reload_with(conf_file, ipp_config_reload_compat, milter_prepare);
	}
	return (NULL);
}

static atomic_int milter_result = -1;

static void *
milter_thread(void *arg)
{
	(void) arg;
	atomic_store(&milter_result, smfi_main());
	/* wake the main thread if libmilter stopped on its own */
	(void) kill(getpid(), SIGTERM);
	return (NULL);
}

/*
 * Over TCP, libmilter answers the end of a message with separate small
 * writes (each header change, then the verdict); with Nagle's algorithm
 * the verdict waits for the MTA's delayed ACK of the change, about 40 ms
 * a message.  Linux gives accepted sockets the listening socket's
 * TCP_NODELAY, and libmilter does not expose its listening socket, so
 * find it by the port it is bound to.
 */
static void
listener_nodelay(const struct ipp_sockspec *sp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long	maxfd = sysconf(_SC_OPEN_MAX);
	int	fd, acc, one = 1, port;

	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	for (fd = 3; fd < maxfd; fd++) {
		len = sizeof(acc);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) != 0 || !acc)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0)
			continue;
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *) &ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
		else
			continue;
		if ((unsigned) port != sp->port)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
			msg_warn("cannot set TCP_NODELAY on %s: %s", "the milter socket", strerror(errno));
		return;
	}
	msg_warn("listening socket not found: TCP_NODELAY not set, expect about 40 ms more per message");
}

/*
 * libmilter creates the socket; the checks around it are the shared ones
 * (lib/util/listen.c): libmilter's "remove the socket" does not ask whether it
 * is stale, so a second instance would steal a live one.
 */
static void
open_socket(const struct ipp_config *cfg, uid_t uid, gid_t gid)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];
	mode_t	old_umask;
	int	rc;

	if (ipp_parse_sockspec(cfg->milter_socket, &sp, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s: %s", cfg->file, err);
	if (sp.kind == IPP_SOCK_UNIX && ipp_listen_unix_prepare(sp.path, err, sizeof(err)) != 0)
		msg_fatal_status(EX_UNAVAILABLE, "%s", err);
	if (smfi_setconn(cfg->milter_socket) != MI_SUCCESS)
		msg_fatal("cannot use socket %s", cfg->milter_socket);
	if (smfi_register(milter_desc) != MI_SUCCESS)
		msg_fatal("smfi_register failed");
	(void) smfi_setbacklog(128);
	/*
	 * libmilter's default packet limit is 64 KiB - 1, and a header field
	 * arrives as one packet: a 70,000-byte header (Postfix passes up to
	 * header_size_limit, 102,400 bytes) reset the connection and the
	 * message was deferred until it expired.
	 */
	(void) smfi_setmaxdatasize(MILTER_MAX_DATA);
	/* never world-accessible, not even before the chmod below */
	old_umask = umask(IPP_LISTEN_UMASK);
	/* true: remove a stale unix socket left by a crash */
	rc = smfi_opensocket(true);
	(void) umask(old_umask);
	if (rc != MI_SUCCESS)
		msg_fatal_status(EX_UNAVAILABLE,
		    "cannot listen on %s: is another ippool-milter running, or the address in use?",
		    cfg->milter_socket);
	if (sp.kind != IPP_SOCK_UNIX)
		listener_nodelay(&sp);
	/* the MTA reaches the socket through the user's group */
	else if (ipp_listen_unix_secure(sp.path, uid, gid, err, sizeof(err)) != 0)
		msg_fatal("%s", err);
	msg_info("listening on %s", cfg->milter_socket);
	mm_listen(cfg);
}

static const char *
run_user(const struct ipp_config *cfg)
{
	return (cfg->milter_user);
}

/*
 * Keys are read now, as root if started so; a key file may be readable by
 * the run user's group (root:ippool 0640), so that a reload, made as that
 * user, can read it again.  -n makes these checks too, and tries a reload
 * as the run user (lib/daemon), as the start does.
 */
static int
prepare(struct ipp_config *cfg)
{
	ipp_keytable_set_group(ipp_privs_run_gid(cfg->milter_user));
	if (milter_prepare(cfg, NULL, stderr) != 0) {
		(void) fprintf(stderr, "ippool-milter: fatal: refusing to start with a bad DKIM keytable or [unsubscribe] key\n");
		return (-1);
	}
	if (cfg->dkim && (cfg->keytable == NULL || *cfg->keytable == '\0'))
		msg_warn("[milter] dkim = yes but no [dkim] keytable is set: messages leave unsigned");
	return (0);
}

/* libmilter in a thread of its own, SIGHUP reloading, until SIGTERM or SIGINT. */
static int
serve(struct ipp_store *store, const char *file)
{
	pthread_t mt, rt;
	struct sigaction sa;
	sigset_t set, hup;
	int	i, sig, result;

	milter_store = store;
	conf_file = file;
	mm_init();
	{
		struct ipp_confref *ref = ipp_confref_get();

		if (ref != NULL)
			ipp_supp_migrate_log(store, ipp_confref_cfg(ref)->recipient_delimiter);
		ipp_confref_put(ref);
	}
	/* every thread blocks these; the main thread then takes SIGHUP back */
	(void) sigemptyset(&set);
	(void) sigaddset(&set, SIGHUP);
	(void) sigaddset(&set, SIGTERM);
	(void) sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		msg_fatal("cannot block signals");
	if (pipe(reload_pipe) != 0
	    || fcntl(reload_pipe[1], F_SETFL, O_NONBLOCK) != 0)
		msg_fatal("cannot create a pipe: %s", strerror(errno));
	mm_start();
	if (pthread_create(&rt, NULL, reloader, NULL) != 0
	    || pthread_create(&mt, NULL, milter_thread, NULL) != 0)
		msg_fatal("cannot start threads: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sa.sa_flags = SA_NODEFER | SA_RESTART;
	(void) sigemptyset(&sa.sa_mask);
	(void) sigemptyset(&hup);
	(void) sigaddset(&hup, SIGHUP);
	(void) sigdelset(&set, SIGHUP);
	if (sigaction(SIGHUP, &sa, NULL) != 0
	    || pthread_sigmask(SIG_UNBLOCK, &hup, NULL) != 0)
		msg_fatal("cannot handle SIGHUP: %s", strerror(errno));
	msg_info("ippool-milter %s started", PACKAGE_VERSION);

	/* SIGTERM and SIGINT: stop */
	while (sigwait(&set, &sig) != 0)
		;
	msg_info("stopping on signal %d", sig);
	(void) smfi_stop();
	(void) pthread_join(mt, NULL);
	{
		char	q = 'Q';

		(void) signal(SIGHUP, SIG_IGN);
		while (write(reload_pipe[1], &q, 1) < 0 && errno == EAGAIN)
			(void) usleep(10000);
	}
	(void) pthread_join(rt, NULL);
	mm_stop();
	/* libmilter does not wait for its sessions: let them finish with the store */
	for (i = 0; i < 100 && atomic_load(&milter_sessions) > 0; i++)
		(void) usleep(50000);
	if (atomic_load(&milter_sessions) == 0)
		ipp_store_close(milter_store);
	result = atomic_load(&milter_result);
	return (result == MI_SUCCESS ? 0 : EX_SOFTWARE);
}

int
main(int argc, char **argv)
{
	static const struct ipp_daemon milter = {
		.name = "ippool-milter",
		.usage = usage,
		.user = run_user,
		.prepare = prepare,
		.reload_prepare = milter_prepare,
		.listen = open_socket,
		.run = serve,
	};

	return (ipp_daemon_main(argc, argv, &milter));
}
