/* main.c - ippool-policyd: its listening sockets (bound as root by the
 * shared start-up, lib/daemon/daemon.c) and the event loop with its signals:
 * SIGHUP reloads the configuration (a bad one, or an [unsubscribe] key
 * that cannot be read, is logged and the running one kept), SIGTERM and
 * SIGINT stop cleanly. */
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
#include "httpd.h"
#include "listen.h"
#include "log.h"
#include "policy_metrics.h"
#include "server.h"
#include "tls.h"
#include "unsub.h"
#include "unsub_server.h"
#include "unsubtoken.h"

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

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct ipp_confref *ref;

	(void) sig;
	(void) what;
	(void) arg;
	if (ipp_confref_reload_with(conf_file, ipp_config_reload_compat, unsub_prepare) == 0) {
		ref = ipp_confref_get();
		metrics_prime(ipp_confref_cfg(ref));
		ipp_confref_put(ref);
	}
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

static struct listener {
	char	spec[300];		/* a copy: a reload frees the first config */
	enum { L_POLICY, L_SOCKETMAP, L_METRICS, L_UNSUB } kind;
	int	fd;
} lis[4];
static int nlis;
static SSL_CTX *unsub_tls;		/* made as root: the key may be root's only */

static void
add_listener(const char *spec, int kind)
{
	struct listener *l = &lis[nlis++];

	(void) snprintf(l->spec, sizeof(l->spec), "%s", spec);
	l->kind = kind;
	l->fd = -1;
}

/* As root: every socket, each unix one handed to the run user. */
static void
open_listeners(const struct ipp_config *cfg, uid_t uid, gid_t gid)
{
	char	err[512];
	int	i;

	raise_fd_limit();
	add_listener(cfg->policy_socket, L_POLICY);
	add_listener(cfg->socketmap_socket, L_SOCKETMAP);
	if (cfg->metrics != NULL)
		add_listener(cfg->metrics, L_METRICS);
	if (ipp_unsub_enabled(cfg, NULL)) {
		add_listener(cfg->unsub_listen, L_UNSUB);
		if (cfg->unsub_tls_cert != NULL && (unsub_tls = tls_server_ctx(cfg->unsub_tls_cert,
		    cfg->unsub_tls_key, err, sizeof(err))) == NULL)
			msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	}
	for (i = 0; i < nlis; i++)
		if ((lis[i].fd = ipp_listen_open(lis[i].spec, uid, gid, err, sizeof(err))) < 0)
			msg_fatal_status(EX_UNAVAILABLE, "%s", err);
}

/* The metrics listener admits the clients the other listeners do. */
static int
metrics_allowed(const struct ipp_ip *ip, void *arg)
{
	(void) arg;
	return (server_client_allowed(ip));
}

/* The event loop, with its signals, until SIGTERM or SIGINT. */
static int
serve(struct ipp_store *store, const char *file)
{
	struct event_base *base;
	struct event *ev_hup, *ev_term, *ev_int;
	struct server *srv;
	struct ipp_httpd *httpd;
	struct ipp_httpd_kind mk = {
		.name = "metrics", .max_conns = HTTPD_CONNS_METRICS,
		.clients_name = "[policy] clients", .allowed = metrics_allowed,
		.handle = ipp_httpd_metrics_handle, .count = metrics_http_count,
	};
	struct unsub_server *usrv = NULL;
	int	i, rc;

	conf_file = file;
	metrics_init(store);
	{
		struct ipp_confref *ref = ipp_confref_get();

		metrics_prime(ipp_confref_cfg(ref));
		ipp_confref_put(ref);
	}
	if ((base = event_base_new()) == NULL || (srv = server_new(base, store)) == NULL
	    || (httpd = ipp_httpd_new(base)) == NULL)
		msg_fatal("cannot set up the event loop");
	for (i = 0; i < nlis; i++) {
		if (lis[i].kind == L_UNSUB) {
			if ((usrv = unsub_server_new(base, store, lis[i].fd, lis[i].spec,
			    unsub_tls)) == NULL)
				msg_fatal("cannot serve %s", lis[i].spec);
			continue;
		}
		if (lis[i].kind == L_METRICS)
			rc = ipp_httpd_listen(httpd, &mk, lis[i].fd, lis[i].spec);
		else
			rc = server_listen(srv, lis[i].kind == L_POLICY ? PROTO_POLICY
			    : PROTO_SOCKETMAP, lis[i].fd, lis[i].spec);
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

	unsub_server_free(usrv);
	ipp_httpd_free(httpd);
	server_free(srv);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(base);
	ipp_store_close(store);
	for (i = 0; i < nlis; i++)
		ipp_listen_unlink(lis[i].spec);
	return (0);
}

/* As root: the [unsubscribe] keys (exit 78 when they cannot be read). */
static int
prepare(struct ipp_config *cfg)
{
	if (unsub_prepare(cfg, NULL, stderr) != 0) {
		(void) fprintf(stderr,
		    "ippool-policyd: fatal: refusing to start without the [unsubscribe] key\n");
		return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct ipp_daemon policyd = {
		.name = "ippool-policyd",
		.usage = usage,
		.user = run_user,
		.prepare = prepare,
		.reload_prepare = unsub_prepare,
		.listen = open_listeners,
		.run = serve,
	};

	return (ipp_daemon_main(argc, argv, &policyd));
}
