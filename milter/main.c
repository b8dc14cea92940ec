/* main.c - ippool-milter start-up: options, configuration, listening
 * socket, privileges, store, and the signal loop.
 *
 * libmilter's own signal thread treats SIGHUP as "stop".  To make SIGHUP
 * reload instead, smfi_main() runs in a thread of its own and the main
 * thread waits for the signals: the kernel offers a process-directed
 * signal to the main thread first when it is waiting for it, so
 * libmilter's thread does not see SIGHUP while the main thread sits in
 * sigwait().  The reload itself runs in a third thread so the main thread
 * is back in sigwait() at once. */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "confref.h"
#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "parse.h"
#include "privs.h"

struct ipp_store *milter_store;
atomic_int milter_sessions;

static const char *conf_file;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reload_cond = PTHREAD_COND_INITIALIZER;
static int reload_pending, reload_quit;

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

/* What a reload cannot change: the socket and identity are set up once. */
static int
reload_compat(const struct ipp_config *old, const struct ipp_config *new)
{
	int	ok = 1;

#define SAME(f, what) \
	if ((old->f == NULL) != (new->f == NULL) \
	    || (old->f && strcmp(old->f, new->f) != 0)) { \
		msg_warn("%s: changing %s needs a restart", new->file, what); \
		ok = 0; \
	}
	SAME(milter_socket, "[milter] socket");
	SAME(milter_user, "[milter] user");
	SAME(store_path, "[store] path");
	SAME(redis, "[store] redis");
#undef SAME
	if (old->backend != new->backend) {
		msg_warn("%s: changing [store] backend needs a restart", new->file);
		ok = 0;
	}
	return (ok ? 0 : -1);
}

static void *
reloader(void *arg)
{
	(void) arg;
	(void) pthread_mutex_lock(&reload_lock);
	for (;;) {
		while (!reload_pending && !reload_quit)
			(void) pthread_cond_wait(&reload_cond, &reload_lock);
		if (reload_quit)
			break;
		reload_pending = 0;
		(void) pthread_mutex_unlock(&reload_lock);
		(void) ipp_confref_reload(conf_file, reload_compat);
		(void) pthread_mutex_lock(&reload_lock);
	}
	(void) pthread_mutex_unlock(&reload_lock);
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

/* Create the directory of a unix socket, as a packager's tmpfiles would. */
static void
socket_dir(const struct ipp_sockspec *sp)
{
	char	dir[sizeof(sp->path)], *slash;

	(void) strcpy(dir, sp->path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		msg_warn("cannot create socket directory %s: %s", dir, strerror(errno));
}

static void
open_socket(const struct ipp_config *cfg)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];
	uid_t	uid;
	gid_t	gid;

	if (ipp_parse_sockspec(cfg->milter_socket, &sp, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s: %s", cfg->file, err);
	if (sp.kind == IPP_SOCK_UNIX)
		socket_dir(&sp);
	if (smfi_setconn(cfg->milter_socket) != MI_SUCCESS)
		msg_fatal("cannot use socket %s", cfg->milter_socket);
	if (smfi_register(milter_desc) != MI_SUCCESS)
		msg_fatal("smfi_register failed");
	(void) smfi_setbacklog(128);
	/* true: remove a stale unix socket left by a crash */
	if (smfi_opensocket(true) != MI_SUCCESS)
		msg_fatal_status(EX_UNAVAILABLE,
		    "cannot listen on %s: is another ippool-milter running, or the address in use?",
		    cfg->milter_socket);
	if (sp.kind == IPP_SOCK_UNIX && geteuid() == 0 && cfg->milter_user
	    && *cfg->milter_user) {
		/* the MTA reaches the socket through the user's group */
		if (ipp_privs_lookup(cfg->milter_user, &uid, &gid, err, sizeof(err)) != 0)
			msg_fatal_status(IPP_EX_CONFIG, "%s", err);
		if (chown(sp.path, uid, gid) != 0 || chmod(sp.path, 0660) != 0)
			msg_fatal("cannot set owner and mode of %s: %s", sp.path,
			    strerror(errno));
	}
	msg_info("listening on %s", cfg->milter_socket);
}

int
main(int argc, char **argv)
{
	struct ipp_config *cfg;
	pthread_t mt, rt;
	sigset_t set;
	char	err[512];
	int	ch, foreground = 0, check = 0, verbose = 0, sig, result;

	conf_file = ipp_config_default_path();
	while ((ch = getopt(argc, argv, "c:fnvV")) != -1) {
		switch (ch) {
		case 'c':
			conf_file = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			(void) printf("ippool-milter %s\n", PACKAGE_VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if ((cfg = ipp_config_load(conf_file, stderr)) == NULL)
		return (IPP_EX_CONFIG);
	if (check)
		return (0);

	ipp_log_init(argv[0], IPP_LOG_SYSLOG | (foreground ? IPP_LOG_STDERR : 0));
	ipp_log_verbose(verbose);
	open_socket(cfg);
	if (!foreground && ipp_daemonize() != 0)
		msg_fatal("cannot detach from the terminal: %s", strerror(errno));
	if (ipp_privs_drop(cfg->milter_user, cfg, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	if ((milter_store = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		msg_fatal_status(EX_TEMPFAIL, "%s", err);
	if (ipp_confref_set(cfg) != 0)
		msg_fatal("out of memory");

	(void) sigemptyset(&set);
	(void) sigaddset(&set, SIGHUP);
	(void) sigaddset(&set, SIGTERM);
	(void) sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		msg_fatal("cannot block signals");
	(void) signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&rt, NULL, reloader, NULL) != 0
	    || pthread_create(&mt, NULL, milter_thread, NULL) != 0)
		msg_fatal("cannot start threads: %s", strerror(errno));
	msg_info("ippool-milter %s started", PACKAGE_VERSION);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			(void) pthread_mutex_lock(&reload_lock);
			reload_pending = 1;
			(void) pthread_cond_signal(&reload_cond);
			(void) pthread_mutex_unlock(&reload_lock);
			continue;
		}
		break;
	}
	msg_info("stopping on signal %d", sig);
	(void) smfi_stop();
	(void) pthread_join(mt, NULL);
	(void) pthread_mutex_lock(&reload_lock);
	reload_quit = 1;
	(void) pthread_cond_signal(&reload_cond);
	(void) pthread_mutex_unlock(&reload_lock);
	(void) pthread_join(rt, NULL);
	/* libmilter does not wait for its sessions: let them finish with the store */
	for (ch = 0; ch < 100 && atomic_load(&milter_sessions) > 0; ch++)
		(void) usleep(50000);
	if (atomic_load(&milter_sessions) == 0)
		ipp_store_close(milter_store);
	ipp_confref_clear();
	result = atomic_load(&milter_result);
	msg_info("stopped");
	return (result == MI_SUCCESS ? 0 : EX_SOFTWARE);
}
