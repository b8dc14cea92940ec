/* unsub_server.c - the unsubscribe listener's connections.
 *
 * Not evhttp: libevent 2.1's evhttp has no connection cap, its timeout
 * restarts with every byte (a client sending one byte every few seconds
 * keeps a connection for ever), it takes chunked bodies, answers an
 * oversized head with 413 and writes its own error pages (no
 * Cache-Control).  Here, as in server.c: a request head framed by
 * frame_http (HTTP_HEAD_MAX bytes, 431 past it), HTTP_HEADERS_MAX
 * fields (431), a Content-Length body of at most UNSUB_BODY_MAX bytes
 * (413; no Transfer-Encoding: 411), the whole request within
 * UNSUB_REQUEST_TIMEOUT of its first byte (408; for a new connection of
 * its accept, so a TLS handshake counts), UNSUB_CONNS_MAX connections
 * (503), UNSUB_RATE requests per client address a minute (429), where
 * the client is the peer or, from a peer in [unsubscribe] proxies (or
 * on a unix socket), the address X-Forwarded-For names.  Each limit is
 * logged at most once a minute.  Every answer has Content-Type,
 * Content-Length, Cache-Control: no-store and Connection. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "clientrate.h"
#include "clock.h"
#include "confref.h"
#include "frame.h"
#include "httphead.h"
#include "log.h"
#include "policy_metrics.h"
#include "parse.h"
#include "unsub.h"
#include "unsub_server.h"
#include "workers.h"

#define CAP_RETRY_AFTER	10

struct uconn;

struct unsub_server {
	struct event_base *base;
	struct ipp_store *store;
	struct workers *workers;
	struct evconnlistener *l;
	struct event *retry;
	SSL_CTX *ctx;
	struct clientrate *rate;
	char	spec[128];
	struct uconn *conns;
	size_t	nconns;
	struct ipp_log_limit cap_lim, accept_lim, head_lim, body_lim, slow_lim, rate_lim,
		write_lim, tls_lim, xff_lim;
};

struct uconn {
	struct uconn *prev, *next;
	struct unsub_server *srv;
	struct bufferevent *bev;
	struct event *deadline;
	char	peer[INET6_ADDRSTRLEN + 16];	/* for logs: ADDR:PORT */
	struct ipp_ip ip;			/* family 0: a unix socket */
	char	client[INET6_ADDRSTRLEN];	/* who the request is for */
	size_t	scan;
	char   *head;				/* the head, while its body comes */
	size_t	hlen;
	struct http_head h;
	int	fresh;				/* no answer yet: the deadline runs */
	int	busy, closing, last;
	struct unsub_reply r;
};

static void process(struct uconn *);

static void
conn_free(struct uconn *c)
{
	struct unsub_server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	metrics_add(M_UN_CONNS, -1);
	if (c->deadline)
		event_free(c->deadline);
	if (c->r.body)
		evbuffer_free(c->r.body);
	free(c->head);
	bufferevent_free(c->bev);
	free(c);
}

static void
conn_close(struct uconn *c)
{
	if (c->busy) {
		c->closing = 1;
		(void) bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	conn_free(c);
}

/* Queue c->r as the answer; close after it when it is an error of the
 * connection's (not of the request) or the client asked.  -1: closed. */
static int
send_reply(struct uconn *c, int head_only, int close)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int	st = c->r.status;
	char	retry[48] = "";

	close = close || c->h.close || !(st == 200 || st == 400 || st == 404 || st == 405);
	if (c->r.retry_after > 0)
		(void) snprintf(retry, sizeof(retry), "Retry-After: %d\r\n", c->r.retry_after);
	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "%s%s"
	    "Connection: %s\r\n\r\n", st, unsub_reason(st), evbuffer_get_length(c->r.body),
	    st == 405 ? "Allow: GET, HEAD, POST\r\n" : "", retry,
	    close ? "close" : "keep-alive") < 0
	    || (!head_only && evbuffer_add_buffer(out, c->r.body) != 0)) {
		msg_warn("unsubscribe client %s: cannot queue an answer: out of memory", c->peer);
		conn_close(c);
		return (-1);
	}
	(void) evbuffer_drain(c->r.body, evbuffer_get_length(c->r.body));
	free(c->head);
	c->head = NULL;
	c->fresh = 0;
	if (close) {
		c->last = 1;
		(void) bufferevent_disable(c->bev, EV_READ);
	} else {
		(void) memset(&c->h, 0, sizeof(c->h));
	}
	return (0);
}

/* A limit of the connection's: its page, then the close. */
static int
refuse(struct uconn *c, int status, int retry_after)
{
	unsub_page(&c->r, status, retry_after);
	return (send_reply(c, c->head != NULL && http_slice_is(&c->h.method, "HEAD"), 1));
}

/* The client: the peer, or from a trusted proxy the rightmost address of
 * X-Forwarded-For that is not a proxy itself. */
static void
client_of(struct uconn *c, const struct ipp_config *cfg)
{
	const struct http_slice *x = &c->h.xff;
	struct ipp_ip ip;
	char	item[INET6_ADDRSTRLEN + 8], err[128];
	size_t	e, b, i, n;
	int	trusted = c->ip.family == 0, found = 0;

	(void) snprintf(c->client, sizeof(c->client), "%s",
	    c->ip.family == 0 ? "unix" : c->ip.text);
	for (i = 0; i < cfg->nunsub_proxies && !trusted; i++)
		trusted = ipp_net_contains(&cfg->unsub_proxies[i], &c->ip);
	if (!trusted || x->p == NULL)
		return;
	e = x->len;
	while (e > 0) {
		b = e;
		while (b > 0 && x->p[b - 1] != ',')
			b--;
		i = b;
		while (i < e && (x->p[i] == ' ' || x->p[i] == '\t'))
			i++;
		n = e - i;
		while (n > 0 && (x->p[i + n - 1] == ' ' || x->p[i + n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item))
			break;
		(void) memcpy(item, x->p + i, n);
		item[n] = '\0';
		if (ipp_parse_ip(item, &ip, err, sizeof(err)) != 0)
			break;
		(void) snprintf(c->client, sizeof(c->client), "%s", ip.text);
		found = 1;
		for (i = 0, trusted = 0; i < cfg->nunsub_proxies && !trusted; i++)
			trusted = ipp_net_contains(&cfg->unsub_proxies[i], &ip);
		if (!trusted)
			return;
		e = b > 0 ? b - 1 : 0;
	}
	if (!found)
		msg_warn_limited(&c->srv->xff_lim, 60,
		    "unsubscribe client %s: proxy sent no usable X-Forwarded-For: counting the proxy as the client",
		    c->peer);
}

static void
on_answer(void *arg)
{
	struct uconn *c = arg;

	c->busy = 0;
	if (c->closing) {
		conn_free(c);
		return;
	}
	if (send_reply(c, 0, 0) == 0) {
		if (!c->last)
			(void) bufferevent_enable(c->bev, EV_READ);
		process(c);
	}
}

/* The head is there: its limits, then its body when that is complete.
 * 1: wait for more input; 0: answered (or under way); -1: closed. */
static int
request(struct uconn *c, struct evbuffer *in)
{
	struct unsub_server *s = c->srv;
	char   *body = NULL;
	size_t	blen;
	int	rc;

	if (c->h.has_length && evbuffer_get_length(in) < c->h.length)
		return (1);
	blen = c->h.has_length ? (size_t) c->h.length : 0;
	if ((body = malloc(blen + 1)) == NULL
	    || evbuffer_remove(in, body, blen) != (ev_ssize_t) blen) {
		free(body);
		msg_warn("unsubscribe client %s: cannot read a request body", c->peer);
		conn_close(c);
		return (-1);
	}
	body[blen] = '\0';
	rc = unsub_answer(&c->h, body, blen, c->client, s->store, s->workers, &c->r,
	    on_answer, c);
	free(body);
	if (rc == 1) {
		c->busy = 1;
		(void) bufferevent_disable(c->bev, EV_READ);
		return (0);
	}
	return (send_reply(c, http_slice_is(&c->h.method, "HEAD"), 0));
}

/* The head's own limits, the client's rate; 0, or -1 when c is gone. */
static int
head_checks(struct uconn *c)
{
	struct unsub_server *s = c->srv;
	struct ipp_confref *ref;
	const char *why;
	enum http_parse p = http_head_parse(c->head, c->hlen, &c->h, &why);
	int	wait;

	if (p == HTTP_PARSE_FIELDS) {
		msg_warn_limited(&s->head_lim, 60,
		    "unsubscribe client %s: over %d header fields: answering 431", c->peer,
		    HTTP_HEADERS_MAX);
		metrics_add(M_UNSUB_LIM_SIZE, 1);
		return (refuse(c, 431, 0));
	}
	if (p != HTTP_PARSE_OK) {
		msg_warn_limited(&s->head_lim, 60, "unsubscribe client %s: %s: answering 400",
		    c->peer, why);
		return (refuse(c, 400, 0));
	}
	ref = ipp_confref_get();
	client_of(c, ipp_confref_cfg(ref));
	ipp_confref_put(ref);
	if ((wait = clientrate_hit(s->rate, c->client, UNSUB_RATE, ipp_monotonic())) > 0) {
		msg_warn_limited(&s->rate_lim, 60,
		    "unsubscribe client %s: over %d requests a minute: answering 429", c->client,
		    UNSUB_RATE);
		metrics_add(M_UNSUB_LIM_RATE, 1);
		return (refuse(c, 429, wait));
	}
	if (c->h.has_te || (http_slice_is(&c->h.method, "POST") && !c->h.has_length)) {
		msg_warn_limited(&s->body_lim, 60,
		    "unsubscribe client %s: a body without Content-Length: answering 411", c->peer);
		metrics_add(M_UNSUB_LIM_SIZE, 1);
		return (refuse(c, 411, 0));
	}
	if (c->h.has_length && c->h.length > UNSUB_BODY_MAX) {
		msg_warn_limited(&s->body_lim, 60,
		    "unsubscribe client %s: a body of %llu bytes, over %d: answering 413", c->peer,
		    c->h.length, UNSUB_BODY_MAX);
		metrics_add(M_UNSUB_LIM_SIZE, 1);
		return (refuse(c, 413, 0));
	}
	return (0);
}

/* A request under way must be complete UNSUB_REQUEST_TIMEOUT after its
 * first byte (a new connection: after its accept); none while idle
 * between requests, while a suppression is stored or an answer waits. */
static void
deadline_update(struct uconn *c)
{
	struct timeval tv = { UNSUB_REQUEST_TIMEOUT, 0 };
	int	partial = c->fresh || c->head != NULL
	    || evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;

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
	struct uconn *c = arg;

	(void) fd;
	(void) what;
	metrics_add(M_UNSUB_LIM_SLOW, 1);
	if (c->head == NULL && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
		msg_warn_limited(&c->srv->slow_lim, 60,
		    "unsubscribe client %s: no request within %d s; closing the connection",
		    c->peer, UNSUB_REQUEST_TIMEOUT);
		conn_close(c);
		return;
	}
	msg_warn_limited(&c->srv->slow_lim, 60,
	    "unsubscribe client %s: request not complete within %d s: answering 408", c->peer,
	    UNSUB_REQUEST_TIMEOUT);
	(void) refuse(c, 408, 0);
}

/* Skip the empty lines a client may send between requests (RFC 9112 2.2). */
static void
skip_blank(struct evbuffer *in)
{
	unsigned char ch;

	while (evbuffer_copyout(in, &ch, 1) == 1 && (ch == '\r' || ch == '\n'))
		(void) evbuffer_drain(in, 1);
}

/* Answer what is buffered, one request at a time. */
static void
process(struct uconn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char	why[128];
	enum frame f;
	int	rc;

	if (c->last) {
		(void) evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!c->busy && !c->closing && !c->last) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > UNSUB_BODY_MAX * 8) {
			/* answers not read: wait until they are (UNSUB_WRITE_TIMEOUT) */
			(void) bufferevent_disable(c->bev, EV_READ);
			break;
		}
		if (c->head == NULL) {
			skip_blank(in);
			f = frame_http(in, &c->scan, &c->head, &c->hlen, why, sizeof(why));
			if (f == FRAME_MORE)
				break;
			if (f == FRAME_BAD) {
				msg_warn_limited(&c->srv->head_lim, 60,
				    "unsubscribe client %s: %s: answering 431", c->peer, why);
				metrics_add(M_UNSUB_LIM_SIZE, 1);
				if (refuse(c, 431, 0) != 0)
					return;
				break;
			}
			if (head_checks(c) != 0)
				return;
			if (c->last)
				break;
		}
		if ((rc = request(c, in)) < 0)
			return;
		if (rc == 1)
			break;
	}
	deadline_update(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void) bev;
	process(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct uconn *c = arg;

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
	struct uconn *c = arg;
	unsigned long e;
	char	buf[256];

	if (what & BEV_EVENT_CONNECTED)		/* the TLS handshake is done */
		return;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
		msg_warn_limited(&c->srv->write_lim, 60,
		    "unsubscribe client %s: answer not read for %d s; closing the connection",
		    c->peer, UNSUB_WRITE_TIMEOUT);
		metrics_add(M_UNSUB_LIM_SLOW, 1);
	} else if (what & BEV_EVENT_TIMEOUT) {
		msg_debug("unsubscribe client %s: idle for %d s; closing", c->peer,
		    UNSUB_IDLE_TIMEOUT);
	} else if ((what & BEV_EVENT_ERROR) && c->srv->ctx != NULL
	    && (e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		msg_warn_limited(&c->srv->tls_lim, 60, "unsubscribe client %s: TLS: %s", c->peer,
		    buf);
	} else if ((what & BEV_EVENT_ERROR) && errno != ECONNRESET && errno != EPIPE) {
		msg_debug("unsubscribe client %s: %s", c->peer, strerror(errno));
	}
	conn_close(c);
}

/* --- the listener ----------------------------------------------------------- */

/* 0, or -1 for an address family we do not serve. */
static int
peer_of(const struct sockaddr *sa, struct uconn *c)
{
	char	a[INET6_ADDRSTRLEN], err[128];
	unsigned port;
	const void *src;

	if (sa->sa_family == AF_UNIX) {
		(void) snprintf(c->peer, sizeof(c->peer), "unix");
		return (0);
	}
	if (sa->sa_family == AF_INET) {
		src = &((const struct sockaddr_in *) sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *) sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		src = &((const struct sockaddr_in6 *) sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
	} else
		return (-1);
	if (inet_ntop(sa->sa_family, src, a, sizeof(a)) == NULL
	    || ipp_parse_ip(a, &c->ip, err, sizeof(err)) != 0)
		return (-1);
	(void) snprintf(c->peer, sizeof(c->peer), sa->sa_family == AF_INET6 ? "[%s]:%u"
	    : "%s:%u", c->ip.text, port);
	return (0);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct unsub_server *s = arg;
	struct timeval idle = { UNSUB_IDLE_TIMEOUT, 0 }, wr = { UNSUB_WRITE_TIMEOUT, 0 };
	struct timeval dl = { UNSUB_REQUEST_TIMEOUT, 0 };
	struct uconn *c;
	SSL    *ssl = NULL;
	int	on = 1;

	(void) l;
	(void) salen;
	if (s->nconns >= 2 * UNSUB_CONNS_MAX) {
		/* answering costs too: past twice the cap, just close */
		msg_warn_limited(&s->cap_lim, 60, "%s: %zu connections open: refusing a client",
		    s->spec, s->nconns);
		metrics_add(M_UNSUB_LIM_CAP, 1);
		(void) evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || peer_of(sa, c) != 0
	    || (c->r.body = evbuffer_new()) == NULL
	    || (c->deadline = evtimer_new(s->base, on_deadline, c)) == NULL
	    || (s->ctx != NULL && (ssl = SSL_new(s->ctx)) == NULL)
	    || (c->bev = s->ctx != NULL
	    ? bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE)
	    : bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		msg_warn_limited(&s->accept_lim, 10, "%s: out of memory: refusing a client", s->spec);
		if (c != NULL) {
			if (c->deadline)
				event_free(c->deadline);
			if (c->r.body)
				evbuffer_free(c->r.body);
		}
		if (ssl != NULL && (c == NULL || c->bev == NULL))
			SSL_free(ssl);
		free(c);
		(void) evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family != AF_UNIX)
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (s->ctx != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	c->srv = s;
	c->fresh = 1;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	metrics_add(M_UN_CONNS, 1);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	(void) bufferevent_set_timeouts(c->bev, &idle, &wr);
	if (s->nconns > UNSUB_CONNS_MAX) {
		msg_warn_limited(&s->cap_lim, 60,
		    "%s: %d connections open, the limit: answering %s 503", s->spec,
		    UNSUB_CONNS_MAX, c->peer);
		metrics_add(M_UNSUB_LIM_CAP, 1);
		(void) refuse(c, 503, CAP_RETRY_AFTER);
		return;
	}
	if (bufferevent_enable(c->bev, EV_READ) != 0) {
		conn_close(c);
		return;
	}
	(void) evtimer_add(c->deadline, &dl);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) evconnlistener_enable(arg);
}

/* accept() failed (out of descriptors): pause for a second */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct unsub_server *s = arg;
	struct timeval sec = { 1, 0 };
	int	err = EVUTIL_SOCKET_ERROR();

	msg_warn_limited(&s->accept_lim, 10, "accept on %s: %s", s->spec,
	    evutil_socket_error_to_string(err));
	(void) evconnlistener_disable(l);
	(void) event_add(s->retry, &sec);
}

struct unsub_server *
unsub_server_new(struct event_base *base, struct ipp_store *store, int fd, const char *spec,
    SSL_CTX *ctx)
{
	struct unsub_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->base = base;
	s->store = store;
	s->ctx = ctx;
	(void) snprintf(s->spec, sizeof(s->spec), "%s", spec);
	if ((s->rate = clientrate_new()) == NULL
	    || (s->workers = workers_start(base, UNSUB_WORKERS, UNSUB_JOBS_MAX)) == NULL
	    || (s->l = evconnlistener_new(base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL
	    || (s->retry = evtimer_new(base, on_retry, s->l)) == NULL) {
		if (s->l)
			evconnlistener_free(s->l);
		if (s->workers)
			workers_stop(s->workers);
		clientrate_free(s->rate);
		free(s);
		return (NULL);
	}
	evconnlistener_set_error_cb(s->l, on_accept_error);
	msg_info("unsubscribe: listening on %s (%s)", spec, ctx != NULL ? "TLS" : "plain HTTP");
	return (s);
}

void
unsub_server_free(struct unsub_server *s)
{
	struct uconn *c;

	if (s == NULL)
		return;
	event_free(s->retry);
	evconnlistener_free(s->l);
	for (c = s->conns; c; c = c->next)
		c->closing = 1;
	workers_stop(s->workers);
	while (s->conns)
		conn_free(s->conns);
	clientrate_free(s->rate);
	if (s->ctx != NULL)
		SSL_CTX_free(s->ctx);
	free(s);
}
