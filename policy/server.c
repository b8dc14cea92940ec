/* server.c - connections, framing and dispatch.
 *
 * A connection handles one request at a time, as Postfix's clients use
 * it: while a lookup runs in a worker the connection does not read, so a
 * client cannot queue work without waiting for answers.  Bad input (a
 * broken netstring, a line that is not NAME=VALUE, a request over the
 * size limit) closes that connection only, with one log line naming the
 * peer and the problem. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
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
#include "confref.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "workers.h"

#define LISTENERS_MAX 4

struct conn;

struct server {
	struct event_base *base;
	struct ipp_store *store;
	struct workers *workers;
	struct {
		struct evconnlistener *l;
		enum proto proto;
		char	spec[128];
		struct event *retry;
	} lis[LISTENERS_MAX];
	int	nlis;
	struct conn *conns;		/* every open connection */
	size_t	nconns;
	struct ipp_log_limit accept_lim, busy_lim;
};

struct conn {
	struct conn *prev, *next;
	struct server *srv;
	struct bufferevent *bev;
	enum proto proto;
	char	peer[INET6_ADDRSTRLEN + 16];
	int	busy;			/* a lookup is with the workers */
	int	closing;		/* close when it comes back */
};

struct smjob {
	struct job job;
	struct conn *conn;
	struct ipp_confref *ref;
	struct ipp_store *store;
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
	metrics_add(c->proto == PROTO_SOCKETMAP ? M_SM_CONNS : M_PL_CONNS, -1);
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

/* --- framing -------------------------------------------------------------- */

enum frame { FRAME_MORE, FRAME_GOT, FRAME_BAD };

/* A netstring "LEN:DATA," of at most SOCKETMAP_MAX data bytes. */
static enum frame
frame_netstring(struct evbuffer *in, char **req, size_t *len, char *why, size_t wlen)
{
	char	hdr[8], comma;
	size_t	have = evbuffer_get_length(in), got, i, n = 0;

	got = evbuffer_copyout(in, hdr, have < sizeof(hdr) ? have : sizeof(hdr)) < 0 ? 0
	    : (have < sizeof(hdr) ? have : sizeof(hdr));
	for (i = 0; i < got && isdigit((unsigned char) hdr[i]); i++)
		n = n * 10 + (size_t) (hdr[i] - '0');
	if (i == got) {
		if (got < sizeof(hdr))
			return (FRAME_MORE);
		(void) snprintf(why, wlen, "oversized request (a length of %zu digits)", got);
		return (FRAME_BAD);
	}
	if (i == 0 || hdr[i] != ':') {
		(void) snprintf(why, wlen, "malformed netstring (expected LENGTH:)");
		return (FRAME_BAD);
	}
	if (i > 5 || n > SOCKETMAP_MAX) {
		(void) snprintf(why, wlen, "oversized request (%zu bytes, limit %d)", n,
		    SOCKETMAP_MAX);
		return (FRAME_BAD);
	}
	if (have < i + 1 + n + 1)
		return (FRAME_MORE);
	if ((*req = malloc(n + 1)) == NULL) {
		(void) snprintf(why, wlen, "out of memory");
		return (FRAME_BAD);
	}
	if (evbuffer_drain(in, i + 1) != 0 || evbuffer_remove(in, *req, n) != (int) n
	    || evbuffer_remove(in, &comma, 1) != 1 || comma != ',') {
		free(*req);
		*req = NULL;
		(void) snprintf(why, wlen, "malformed netstring (no comma after %zu bytes)", n);
		return (FRAME_BAD);
	}
	(*req)[n] = '\0';
	*len = n;
	return (FRAME_GOT);
}

/* Attribute lines up to an empty line, at most POLICY_MAX bytes. */
static enum frame
frame_policy(struct evbuffer *in, char **req, size_t *len, char *why, size_t wlen)
{
	struct evbuffer_ptr end;
	size_t	have = evbuffer_get_length(in), n;
	char	first;

	if (have == 0)
		return (FRAME_MORE);
	if (evbuffer_copyout(in, &first, 1) == 1 && first == '\n') {
		(void) snprintf(why, wlen, "empty request");
		return (FRAME_BAD);
	}
	end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos < 0) {
		if (have > POLICY_MAX) {
			(void) snprintf(why, wlen, "oversized request (over %d bytes)", POLICY_MAX);
			return (FRAME_BAD);
		}
		return (FRAME_MORE);
	}
	n = (size_t) end.pos + 1;	/* the last line's newline included */
	if (n > POLICY_MAX) {
		(void) snprintf(why, wlen, "oversized request (%zu bytes, limit %d)", n, POLICY_MAX);
		return (FRAME_BAD);
	}
	if ((*req = malloc(n + 1)) == NULL) {
		(void) snprintf(why, wlen, "out of memory");
		return (FRAME_BAD);
	}
	if (evbuffer_remove(in, *req, n) != (int) n || evbuffer_drain(in, 1) != 0) {
		free(*req);
		*req = NULL;
		(void) snprintf(why, wlen, "cannot read the request");
		return (FRAME_BAD);
	}
	(*req)[n] = '\0';
	*len = n;
	return (FRAME_GOT);
}

/* --- lookups in workers -------------------------------------------------------- */

static void
sm_run(struct job *j)
{
	struct smjob *sj = (struct smjob *) j;

	sj->st = answer_socketmap(ipp_confref_cfg(sj->ref), sj->store, sj->req, sj->len,
	    sj->reply, sizeof(sj->reply), &sj->kind, sj->why, sizeof(sj->why));
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
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ipp_confref_cfg(ref);
	char	text[ANSWER_MAX], why[128];
	enum answer_status st;
	enum metric kind;
	struct smjob *sj;

	if (c->proto == PROTO_SOCKETMAP && answer_socketmap_blocks(cfg, req, len)) {
		if ((sj = calloc(1, sizeof(*sj))) != NULL) {
			sj->job.run = sm_run;
			sj->job.done = sm_done;
			sj->conn = c;
			sj->ref = ref;
			sj->store = s->store;
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
		st = answer_socketmap(cfg, s->store, req, len, text, sizeof(text), &kind,
		    why, sizeof(why));
	else
		st = answer_policy(cfg, req, len, text, sizeof(text), &kind, why, sizeof(why));
	ipp_confref_put(ref);
	free(req);
	if (st == ANSWER_MALFORMED) {
		malformed(c, why);
		return (-1);
	}
	metrics_add(kind, 1);
	return (reply(c, text));
}

/* Answer what is buffered, one request at a time. */
static void
process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char   *req = NULL, why[128];
	size_t	len = 0;
	enum frame f;

	while (!c->busy && !c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUTPUT_MAX) {
			/* the client does not read its answers: wait until it does */
			(void) bufferevent_disable(c->bev, EV_READ);
			return;
		}
		f = c->proto == PROTO_SOCKETMAP
		    ? frame_netstring(in, &req, &len, why, sizeof(why))
		    : frame_policy(in, &req, &len, why, sizeof(why));
		if (f == FRAME_MORE)
			return;
		if (f == FRAME_BAD) {
			malformed(c, why);
			return;
		}
		if (dispatch(c, req, len) != 0)
			return;
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void) bev;
	process(arg);
}

/* The output drained (write low watermark 0): read again if we stopped. */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

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
	if (what & BEV_EVENT_TIMEOUT)
		msg_info("%s client %s: idle for %d s; closing", proto_name(c->proto), c->peer,
		    IDLE_TIMEOUT);
	else if ((what & BEV_EVENT_ERROR) && errno != ECONNRESET && errno != EPIPE)
		msg_debug("%s client %s: %s", proto_name(c->proto), c->peer, strerror(errno));
	conn_close(c);
}

/* --- listeners ------------------------------------------------------------ */

static void
peer_name(const struct sockaddr *sa, enum proto p, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	(void) p;
	if (sa->sa_family == AF_INET
	    && inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, a, sizeof(a)))
		(void) snprintf(buf, len, "%s:%u", a,
		    ntohs(((const struct sockaddr_in *) sa)->sin_port));
	else if (sa->sa_family == AF_INET6
	    && inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, a, sizeof(a)))
		(void) snprintf(buf, len, "[%s]:%u", a,
		    ntohs(((const struct sockaddr_in6 *) sa)->sin6_port));
	else
		(void) snprintf(buf, len, "unix");
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct server *s = arg;
	struct timeval idle = { IDLE_TIMEOUT, 0 };
	enum proto p = PROTO_SOCKETMAP;
	struct conn *c;
	int	i, on = 1;

	(void) salen;
	for (i = 0; i < s->nlis; i++)
		if (s->lis[i].l == l)
			p = s->lis[i].proto;
	if (s->nconns >= CONNS_MAX) {
		msg_warn_limited(&s->accept_lim, 10,
		    "%zu connections open, the limit: refusing a %s client", s->nconns, proto_name(p));
		(void) evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL
	    || (c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		msg_warn_limited(&s->accept_lim, 10, "out of memory: refusing a %s client",
		    proto_name(p));
		free(c);
		(void) evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family != AF_UNIX)
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->srv = s;
	c->proto = p;
	peer_name(sa, p, c->peer, sizeof(c->peer));
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	metrics_add(p == PROTO_SOCKETMAP ? M_SM_CONNS : M_PL_CONNS, 1);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	(void) bufferevent_set_timeouts(c->bev, &idle, NULL);
	if (bufferevent_enable(c->bev, EV_READ) != 0)
		conn_close(c);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) evconnlistener_enable(arg);
}

/* accept() failed (out of descriptors): pause this listener for a second
 * instead of spinning on a socket that stays readable */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *s = arg;
	struct timeval sec = { 1, 0 };
	int	i, err = EVUTIL_SOCKET_ERROR();

	for (i = 0; i < s->nlis; i++)
		if (s->lis[i].l == l) {
			msg_warn_limited(&s->accept_lim, 10, "accept on %s: %s", s->lis[i].spec,
			    evutil_socket_error_to_string(err));
			(void) evconnlistener_disable(l);
			(void) event_add(s->lis[i].retry, &sec);
		}
}

struct server *
server_new(struct event_base *base, struct ipp_store *store)
{
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->base = base;
	s->store = store;
	if ((s->workers = workers_start(base, WORKERS, JOBS_MAX)) == NULL) {
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
	(void) snprintf(s->lis[i].spec, sizeof(s->lis[i].spec), "%s", spec);
	s->lis[i].l = evconnlistener_new(s->base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (s->lis[i].l == NULL)
		return (-1);
	if ((s->lis[i].retry = evtimer_new(s->base, on_retry, s->lis[i].l)) == NULL) {
		evconnlistener_free(s->lis[i].l);
		return (-1);
	}
	evconnlistener_set_error_cb(s->lis[i].l, on_accept_error);
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
	for (i = 0; i < s->nlis; i++) {
		event_free(s->lis[i].retry);
		evconnlistener_free(s->lis[i].l);
	}
	/* lookups under way finish; their connections close with the rest */
	for (c = s->conns; c; c = c->next)
		c->closing = 1;
	workers_stop(s->workers);
	while (s->conns)
		conn_free(s->conns);
	free(s);
}
