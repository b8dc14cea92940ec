/* main.c - ippool-policyd start-up: options, configuration, listening
 * sockets (bound as root), detaching, privileges, store, and the event
 * loop with its signals: SIGHUP reloads the configuration (a bad one is
 * logged and the running one kept), SIGTERM and SIGINT stop cleanly. */
#include "autoconfig.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "confref.h"
#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "server.h"

static const char *conf_file;

static void
usage(void)
{
	(void) fprintf(stderr,
	    "usage: ippool-policyd [-f] [-n] [-v] [-c FILE]\n"
	    "       ippool-policyd -V\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground and log to stderr too\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose logging (every answer)\n"
	    "  -V       print the version and exit\n", ipp_config_default_path());
	exit(EX_USAGE);
}

/* The user to run as: [policy] user when the key is there (empty: stay),
 * else the [milter] user, so that both daemons own the store alike. */
static const char *
run_user(const struct ipp_config *cfg)
{
	return (cfg->policy_user_line ? cfg->policy_user : cfg->milter_user);
}

static int
same(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0));
}

/* What a reload cannot change: sockets, identity and store are set up once. */
static int
reload_compat(const struct ipp_config *old, const struct ipp_config *new)
{
	int	ok = 1;

#define SAME(a, b, what) \
	if (!same(a, b)) { \
		msg_warn("%s: changing %s needs a restart", new->file, what); \
		ok = 0; \
	}
	SAME(old->policy_socket, new->policy_socket, "[policy] policy");
	SAME(old->socketmap_socket, new->socketmap_socket, "[policy] socketmap");
	SAME(old->metrics, new->metrics, "[policy] metrics");
	SAME(run_user(old), run_user(new), "[policy] user");
	SAME(old->store_path, new->store_path, "[store] path");
	SAME(old->redis, new->redis, "[store] redis");
#undef SAME
	if (old->backend != new->backend) {
		msg_warn("%s: changing [store] backend needs a restart", new->file);
		ok = 0;
	}
	return (ok ? 0 : -1);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void) sig;
	(void) what;
	(void) arg;
	(void) ipp_confref_reload(conf_file, reload_compat);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	(void) what;
	msg_info("stopping on signal %d", (int) sig);
	(void) event_base_loopbreak(arg);
}

/* Hundreds of connections: use every descriptor the hard limit allows. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		msg_warn("cannot raise the open files limit: %s", strerror(errno));
}

struct listener {
	char	spec[300];		/* a copy: a reload frees the first config */
	enum { L_POLICY, L_SOCKETMAP, L_METRICS } kind;
	int	fd;
};

static void
add_listener(struct listener *l, const char *spec, int kind)
{
	(void) snprintf(l->spec, sizeof(l->spec), "%s", spec);
	l->kind = kind;
	l->fd = -1;
}

int
main(int argc, char **argv)
{
	struct ipp_config *cfg;
	struct ipp_store *store;
	struct event_base *base;
	struct event *ev_hup, *ev_term, *ev_int;
	struct server *srv;
	struct listener lis[3];
	char	err[512];
	const char *user;
	uid_t	uid;
	gid_t	gid;
	struct ipp_daemon_opts opts;
	int	nlis = 0, i;

	ipp_daemon_getopt(argc, argv, "ippool-policyd", usage, &opts);
	conf_file = opts.conf_file;
	if ((cfg = ipp_config_load(conf_file, stderr)) == NULL)
		return (IPP_EX_CONFIG);
	if (opts.check) {
		ipp_config_free(cfg);
		return (0);
	}
	ipp_log_init(argv[0], IPP_LOG_SYSLOG | (opts.foreground ? IPP_LOG_STDERR : 0));
	ipp_log_verbose(opts.verbose);
	(void) signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	/* bind first, as root, while a failure can still be told to the terminal */
	add_listener(&lis[nlis++], cfg->policy_socket, L_POLICY);
	add_listener(&lis[nlis++], cfg->socketmap_socket, L_SOCKETMAP);
	if (cfg->metrics != NULL)
		add_listener(&lis[nlis++], cfg->metrics, L_METRICS);
	for (i = 0; i < nlis; i++)
		if ((lis[i].fd = listen_open(lis[i].spec, err, sizeof(err))) < 0)
			msg_fatal_status(EX_UNAVAILABLE, "%s", err);
	user = run_user(cfg);
	if (user != NULL && *user != '\0' && geteuid() == 0) {
		if (ipp_privs_lookup(user, &uid, &gid, err, sizeof(err)) != 0)
			msg_fatal_status(IPP_EX_CONFIG, "%s", err);
		for (i = 0; i < nlis; i++)
			if (listen_chown(lis[i].spec, uid, gid, err, sizeof(err)) != 0)
				msg_fatal("%s", err);
	}
	if (!opts.foreground && ipp_daemonize() != 0)
		msg_fatal("cannot detach from the terminal: %s", strerror(errno));
	if (ipp_store_prepare(cfg, user, err, sizeof(err)) != 0
	    || ipp_privs_drop(user, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	if ((store = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		msg_fatal_status(EX_TEMPFAIL, "%s", err);
	if (ipp_confref_set(cfg) != 0)
		msg_fatal("out of memory");

	if ((base = event_base_new()) == NULL || (srv = server_new(base, store)) == NULL)
		msg_fatal("cannot set up the event loop");
	for (i = 0; i < nlis; i++) {
		int	rc;

		if (lis[i].kind == L_METRICS) {
			if ((rc = metrics_serve(base, lis[i].fd, store)) == 0)
				msg_info("metrics: listening on %s", lis[i].spec);
		} else {
			rc = server_listen(srv, lis[i].kind == L_POLICY ? PROTO_POLICY : PROTO_SOCKETMAP,
			    lis[i].fd, lis[i].spec);
		}
		if (rc != 0)
			msg_fatal("cannot serve %s", lis[i].spec);
	}
	if ((ev_hup = evsignal_new(base, SIGHUP, on_hup, NULL)) == NULL
	    || (ev_term = evsignal_new(base, SIGTERM, on_stop, base)) == NULL
	    || (ev_int = evsignal_new(base, SIGINT, on_stop, base)) == NULL
	    || event_add(ev_hup, NULL) != 0 || event_add(ev_term, NULL) != 0
	    || event_add(ev_int, NULL) != 0)
		msg_fatal("cannot handle signals");
	msg_info("ippool-policyd %s started", PACKAGE_VERSION);

	if (event_base_dispatch(base) < 0)
		msg_error("event loop failed");

	metrics_close();
	server_free(srv);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(base);
	ipp_store_close(store);
	for (i = 0; i < nlis; i++)
		listen_unlink(lis[i].spec);
	ipp_confref_clear();
	msg_info("stopped");
	return (0);
}
