/* server.c - connections, framing and dispatch.
 *
 * A connection handles one request at a time, as Postfix's clients use
 * it: while a lookup runs in a worker the connection does not read, so a
 * client cannot queue work without waiting for answers.  Bad input (a
 * broken netstring, a line that is not NAME=VALUE, a request over the
 * size limit) closes that connection only, with one log line naming the
 * peer and the problem.  Hostile clients are bounded too: a request must
 * be complete within REQUEST_TIMEOUT of its first byte (a byte every few
 * seconds does not keep a connection), replies must be read within
 * WRITE_TIMEOUT, each listener has its cap of connections (answered, then
 * closed, past it) and an inet client must be in [policy] clients. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "answer.h"
#include "clock.h"
#include "confref.h"
#include "evlisten.h"
#include "frame.h"
#include "listen.h"
#include "log.h"
#include "policy_metrics.h"
#include "parse.h"
#include "server.h"
#include "workers.h"

#define LISTENERS_MAX 4

struct conn;

struct listener {
	struct ipp_evlisten *el;
	enum proto proto;
	char	spec[128];
	size_t	nconns, max;		/* open connections, the cap */
	struct ipp_log_limit refuse_lim, cap_lim;
};

struct server {
	struct event_base *base;
	struct ipp_store *store;
	struct ipp_wu_leases *leases;	/* warm-up capacity held while busy */
	struct event *sweep;		/* gives back what is held too long */
	struct job sweep_job;
	int	sweeping;		/* sweep_job is with the workers */
	struct workers *workers;
	struct listener lis[LISTENERS_MAX];
	int	nlis;
	struct conn *conns;		/* every open connection */
	size_t	nconns;
	struct ipp_log_limit accept_lim, busy_lim, slow_lim, write_lim;
};

struct conn {
	struct conn *prev, *next;
	struct server *srv;
	struct listener *lis;
	struct bufferevent *bev;
	struct event *deadline;		/* REQUEST_TIMEOUT for a partial request */
	enum proto proto;
	char	peer[INET6_ADDRSTRLEN + 16];
	size_t	scan;			/* input bytes searched for a frame's end */
	int	busy;			/* a lookup is with the workers */
	int	closing;		/* close when it comes back */
	int	last;			/* close once the queued reply is written */
};

struct smjob {
	struct job job;
	struct conn *conn;
	struct ipp_confref *ref;
	struct ipp_store *store;
	struct ipp_wu_leases *leases;
	char   *req;
	size_t	len;
	enum answer_status st;
	enum metric kind;
	char	reply[ANSWER_MAX];
	char	why[128];
};

static const char *
proto_name(enum proto p)
{
	return (p == PROTO_SOCKETMAP ? "socketmap" : "policy");
}

static enum metric
conns_metric(enum proto p)
{
	return (p == PROTO_SOCKETMAP ? M_SM_CONNS : M_PL_CONNS);
}

static void process(struct conn *);

static void
conn_free(struct conn *c)
{
	struct server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	c->lis->nconns--;
	metrics_add(conns_metric(c->proto), -1);
	if (c->deadline)
		event_free(c->deadline);
	bufferevent_free(c->bev);
	free(c);
}

static void
conn_close(struct conn *c)
{
	if (c->busy) {
		c->closing = 1;
		(void) bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	conn_free(c);
}

static void
malformed(struct conn *c, const char *why)
{
	msg_warn("%s client %s: %s; closing the connection", proto_name(c->proto), c->peer, why);
	metrics_add(c->proto == PROTO_SOCKETMAP ? M_SM_MALFORMED : M_PL_MALFORMED, 1);
	conn_close(c);
}

/* Queue a reply; -1 if the connection had to be closed (it is gone). */
static int
reply(struct conn *c, const char *text)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int	rc;

	if (c->proto == PROTO_SOCKETMAP)
		rc = evbuffer_add_printf(out, "%zu:%s,", strlen(text), text);
	else
		rc = evbuffer_add_printf(out, "%s\n\n", text);
	if (rc < 0) {
		msg_warn("%s client %s: cannot queue a reply: out of memory", proto_name(c->proto),
		    c->peer);
		conn_close(c);
		return (-1);
	}
	return (0);
}

/* --- lookups in workers -------------------------------------------------------- */

static void
sm_run(struct job *j)
{
	struct smjob *sj = (struct smjob *) j;
	double	t0 = ipp_monotonic_fine();

	sj->st = answer_socketmap(ipp_confref_cfg(sj->ref), sj->store, sj->leases, sj->req,
	    sj->len, sj->reply, sizeof(sj->reply), &sj->kind, sj->why, sizeof(sj->why));
	metrics_latency("socketmap", ipp_monotonic_fine() - t0);
}

static void
sm_done(struct job *j)
{
	struct smjob *sj = (struct smjob *) j;
	struct conn *c = sj->conn;

	c->busy = 0;
	ipp_confref_put(sj->ref);
	if (c->closing) {
		conn_free(c);
	} else if (sj->st == ANSWER_MALFORMED) {
		malformed(c, sj->why);
	} else {
		metrics_add(sj->kind, 1);
		if (reply(c, sj->reply) == 0) {
			(void) bufferevent_enable(c->bev, EV_READ);
			process(c);
		}
	}
	free(sj->req);
	free(sj);
}

/* Answer one framed request, here or through a worker; takes req.
 * Returns -1 when the connection was closed (and freed). */
static int
dispatch(struct conn *c, char *req, size_t len)
{
	struct server *s = c->srv;
	struct ipp_confref *ref;
	const struct ipp_config *cfg;
	char	text[ANSWER_MAX], why[128];
	enum answer_status st;
	enum metric kind;
	struct smjob *sj;
	double	t0;
	int	blocks;

	ref = ipp_confref_get();
	cfg = ipp_confref_cfg(ref);
	t0 = ipp_monotonic_fine();
	blocks = c->proto == PROTO_SOCKETMAP && answer_socketmap_blocks(cfg, req, len);
	if (blocks && answer_socketmap_leased(cfg, s->leases, req, len, text, sizeof(text),
	    &kind)) {
		/* capacity held in memory: no transaction, no hand-off */
		metrics_latency(proto_name(c->proto), ipp_monotonic_fine() - t0);
		ipp_confref_put(ref);
		free(req);
		metrics_add(kind, 1);
		return (reply(c, text));
	}
	if (blocks) {
		if ((sj = calloc(1, sizeof(*sj))) != NULL) {
			sj->job.run = sm_run;
			sj->job.done = sm_done;
			sj->conn = c;
			sj->ref = ref;
			sj->store = s->store;
			sj->leases = s->leases;
			sj->req = req;
			sj->len = len;
			if (workers_submit(s->workers, &sj->job) == 0) {
				c->busy = 1;
				(void) bufferevent_disable(c->bev, EV_READ);
				return (0);
			}
			free(sj);
		}
		msg_warn_limited(&s->busy_lim, 10,
		    "%zu lookups waiting for the store or DNS: answering TEMP (Postfix retries)",
		    workers_pending(s->workers));
		metrics_add(M_SM_TEMP, 1);
		ipp_confref_put(ref);
		free(req);
		return (reply(c, "TEMP ippool-policyd is busy"));
	}
	if (c->proto == PROTO_SOCKETMAP)
		st = answer_socketmap(cfg, s->store, s->leases, req, len, text, sizeof(text),
		    &kind, why, sizeof(why));
	else
		st = answer_policy(cfg, req, len, text, sizeof(text), &kind, why, sizeof(why));
	metrics_latency(proto_name(c->proto), ipp_monotonic_fine() - t0);
	ipp_confref_put(ref);
	free(req);
	if (st == ANSWER_MALFORMED) {
		malformed(c, why);
		return (-1);
	}
	metrics_add(kind, 1);
	return (reply(c, text));
}

/* A request under way must be complete REQUEST_TIMEOUT after we first
 * saw a byte of it; no deadline while idle, while a lookup runs or while
 * we do not read (replies unread: WRITE_TIMEOUT is the bound). */
static void
deadline_update(struct conn *c)
{
	struct timeval tv = { REQUEST_TIMEOUT, 0 };
	int	partial = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;

	if (partial && !c->busy && !c->closing && !c->last
	    && (bufferevent_get_enabled(c->bev) & EV_READ)) {
		if (!evtimer_pending(c->deadline, NULL))
			(void) evtimer_add(c->deadline, &tv);
	} else {
		(void) evtimer_del(c->deadline);
	}
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void) fd;
	(void) what;
	msg_warn_limited(&c->srv->slow_lim, 60,
	    "%s client %s: request not complete within %d s; closing the connection",
	    proto_name(c->proto), c->peer, REQUEST_TIMEOUT);
	metrics_add(M_SLOW, 1);
	conn_close(c);
}

static enum frame
frame(struct conn *c, struct evbuffer *in, char **req, size_t *len, char *why, size_t wlen)
{
	switch (c->proto) {
	case PROTO_SOCKETMAP:
		return (frame_netstring(in, &c->scan, req, len, why, wlen));
	default:
		return (frame_policy(in, &c->scan, req, len, why, wlen));
	}
}

/* Answer what is buffered, one request at a time. */
static void
process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char   *req = NULL, why[128];
	size_t	len = 0;
	enum frame f;

	if (c->last) {
		/* refused: input is not read */
		(void) evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!c->busy && !c->closing && !c->last) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUTPUT_MAX) {
			/* the client does not read its answers: wait until it does
			 * (for at most WRITE_TIMEOUT) */
			(void) bufferevent_disable(c->bev, EV_READ);
			break;
		}
		f = frame(c, in, &req, &len, why, sizeof(why));
		if (f == FRAME_MORE)
			break;
		if (f == FRAME_BAD) {
			malformed(c, why);
			return;
		}
		if (dispatch(c, req, len) != 0)
			return;
	}
	deadline_update(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void) bev;
	process(arg);
}

/* The output drained (write low watermark 0): close after the last
 * reply, else read again if we stopped. */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->last && !c->busy) {
		conn_close(c);
		return;
	}
	if (!c->busy && !c->closing && !(bufferevent_get_enabled(bev) & EV_READ)) {
		(void) bufferevent_enable(bev, EV_READ);
		process(c);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void) bev;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
		msg_warn_limited(&c->srv->write_lim, 60,
		    "%s client %s: replies not read for %d s; closing the connection",
		    proto_name(c->proto), c->peer, WRITE_TIMEOUT);
		metrics_add(M_SLOW, 1);
	} else if (what & BEV_EVENT_TIMEOUT)
		msg_info("%s client %s: idle for %d s; closing", proto_name(c->proto), c->peer,
		    IDLE_TIMEOUT);
	else if ((what & BEV_EVENT_ERROR) && errno != ECONNRESET && errno != EPIPE)
		msg_debug("%s client %s: %s", proto_name(c->proto), c->peer, strerror(errno));
	conn_close(c);
}

/* --- listeners ------------------------------------------------------------ */

/* May this client connect?  A unix socket's mode decides for it. */
int
server_client_allowed(const struct ipp_ip *ip)
{
	struct ipp_confref *ref;
	const struct ipp_config *cfg;
	size_t	i;
	int	yes = 0;

	if (ip->family == 0)
		return (1);
	ref = ipp_confref_get();
	cfg = ipp_confref_cfg(ref);
	for (i = 0; i < cfg->npolicy_clients && !yes; i++)
		yes = ipp_net_contains(&cfg->policy_clients[i], ip);
	ipp_confref_put(ref);
	return (yes);
}

/* Past the listener's cap: say so in the listener's protocol, then close
 * (once the answer is written; the client's input is not read). */
static void
refuse_busy(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int	rc;

	switch (c->proto) {
	case PROTO_SOCKETMAP:
		rc = evbuffer_add_printf(out, "%zu:%s,", strlen(CAP_SOCKETMAP_ANSWER),
		    CAP_SOCKETMAP_ANSWER) < 0 ? -1 : 0;
		break;
	default:
		rc = evbuffer_add_printf(out, "%s\n\n", CAP_POLICY_ANSWER) < 0 ? -1 : 0;
	}
	c->last = 1;
	if (rc != 0)
		conn_close(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct server *s = arg;
	struct timeval idle = { IDLE_TIMEOUT, 0 }, wr = { WRITE_TIMEOUT, 0 };
	struct listener *lis = &s->lis[0];
	struct ipp_ip ip;
	struct conn *c;
	char	peer[INET6_ADDRSTRLEN + 16];
	int	i, on = 1, over;

	(void) salen;
	for (i = 0; i < s->nlis; i++)
		if (ipp_evlisten_get(s->lis[i].el) == l)
			lis = &s->lis[i];
	ipp_listen_peer(sa, peer, sizeof(peer), &ip);
	if (!server_client_allowed(&ip)) {
		msg_warn_limited(&lis->refuse_lim, 60,
		    "%s client %s: not in [policy] clients; connection refused",
		    proto_name(lis->proto), peer);
		metrics_add(M_REFUSED, 1);
		(void) evutil_closesocket(fd);
		return;
	}
	if (s->nconns >= CONNS_MAX) {
		msg_warn_limited(&s->accept_lim, 10,
		    "%zu connections open, the limit: refusing a %s client", s->nconns,
		    proto_name(lis->proto));
		metrics_add(M_OVERCAP, 1);
		(void) evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL
	    || (c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL
	    || (c->deadline = evtimer_new(s->base, on_deadline, c)) == NULL) {
		msg_warn_limited(&s->accept_lim, 10, "out of memory: refusing a %s client",
		    proto_name(lis->proto));
		if (c && c->bev)
			bufferevent_free(c->bev);
		else
			(void) evutil_closesocket(fd);
		free(c);
		return;
	}
	if (sa->sa_family != AF_UNIX)
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->srv = s;
	c->lis = lis;
	c->proto = lis->proto;
	(void) snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	over = lis->nconns >= lis->max;
	lis->nconns++;
	metrics_add(conns_metric(c->proto), 1);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	(void) bufferevent_set_timeouts(c->bev, &idle, &wr);
	if (over) {
		msg_warn_limited(&lis->cap_lim, 60,
		    "%s: %zu connections open, the listener's limit: refusing %s",
		    lis->spec, lis->max, c->peer);
		metrics_add(M_OVERCAP, 1);
		refuse_busy(c);
		return;
	}
	if (bufferevent_enable(c->bev, EV_READ) != 0)
		conn_close(c);
}

/* In a worker: give back held capacity that is older than its life. */
static void
sweep_run(struct job *j)
{
	struct server *s = (struct server *) ((char *) j - offsetof(struct server, sweep_job));

	if (ipp_wu_leases_sweep(s->leases, s->store, 0) < 0)
		msg_warn_limited(&s->busy_lim, 60,
		    "warm-up store unavailable: capacity held for routing stays reserved until it answers");
}

static void
sweep_done(struct job *j)
{
	struct server *s = (struct server *) ((char *) j - offsetof(struct server, sweep_job));

	s->sweeping = 0;
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void) fd;
	(void) what;
	if (s->sweeping)
		return;
	s->sweep_job.run = sweep_run;
	s->sweep_job.done = sweep_done;
	if (workers_submit(s->workers, &s->sweep_job) == 0)
		s->sweeping = 1;
}

struct server *
server_new(struct event_base *base, struct ipp_store *store)
{
	struct timeval second = { 1, 0 };
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->base = base;
	s->store = store;
	if ((s->leases = ipp_wu_leases_new()) == NULL
	    || (s->sweep = event_new(base, -1, EV_PERSIST, on_sweep, s)) == NULL
	    || event_add(s->sweep, &second) != 0
	    || (s->workers = workers_start(base, WORKERS, JOBS_MAX)) == NULL) {
		if (s->sweep)
			event_free(s->sweep);
		ipp_wu_leases_free(s->leases);
		free(s);
		return (NULL);
	}
	return (s);
}

int
server_listen(struct server *s, enum proto p, int fd, const char *spec)
{
	int	i = s->nlis;

	if (i >= LISTENERS_MAX)
		return (-1);
	s->lis[i].proto = p;
	s->lis[i].max = p == PROTO_SOCKETMAP ? CONNS_SOCKETMAP : CONNS_POLICY;
	(void) snprintf(s->lis[i].spec, sizeof(s->lis[i].spec), "%s", spec);
	if ((s->lis[i].el = ipp_evlisten_new(s->base, fd, spec, on_accept, s)) == NULL)
		return (-1);
	s->nlis++;
	msg_info("%s: listening on %s", proto_name(p), spec);
	return (0);
}

void
server_free(struct server *s)
{
	struct conn *c;
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nlis; i++)
		ipp_evlisten_free(s->lis[i].el);
	/* lookups under way finish; their connections close with the rest */
	for (c = s->conns; c; c = c->next)
		c->closing = 1;
	workers_stop(s->workers);
	while (s->conns)
		conn_free(s->conns);
	event_free(s->sweep);
	/* what is held goes back now, or stays counted for the day */
	if (ipp_wu_leases_sweep(s->leases, s->store, 1) < 0)
		msg_warn("warm-up store unavailable at exit: capacity held for routing stays reserved for today");
	ipp_wu_leases_free(s->leases);
	free(s);
}
