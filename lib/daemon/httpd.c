/* httpd.c - HTTP listeners and their connections.  A connection carries
 * one request: its head is framed (frame_http), answered by the kind's
 * handler, the reply written, the connection closed.  Hostile clients are
 * bounded as on ippool-policyd's other listeners: a deadline from the
 * connect, a write timeout, a cap per listener, an access list. */
#include "autoconfig.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evlisten.h"
#include "frame.h"
#include "http.h"
#include "httpd.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"

#define LISTENERS_MAX 4

struct hconn;

struct hlistener {
	struct ipp_httpd *h;
	struct ipp_evlisten *el;
	struct ipp_httpd_kind kind;
	char	spec[128];
	size_t	nconns;
	struct ipp_log_limit refuse_lim, cap_lim, accept_lim, slow_lim;
};

struct ipp_httpd {
	struct event_base *base;
	struct hlistener lis[LISTENERS_MAX];
	int	nlis;
	struct hconn *conns;
};

struct hconn {
	struct hconn *prev, *next;
	struct hlistener *lis;
	struct bufferevent *bev;
	struct event *deadline;
	char	peer[INET6_ADDRSTRLEN + 16];
	size_t	scan;
	int	last;			/* the reply is queued: close once written */
};

static void
count(struct hlistener *l, enum ipp_httpd_event e)
{
	if (l->kind.count)
		l->kind.count(e, l->kind.arg);
}

static void
conn_free(struct hconn *c)
{
	struct ipp_httpd *h = c->lis->h;

	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->lis->nconns--;
	count(c->lis, IPP_HTTPD_CLOSE);
	if (c->deadline)
		event_free(c->deadline);
	bufferevent_free(c->bev);
	free(c);
}

/* the metrics page, or why not */
void
ipp_httpd_metrics_handle(const char *head, size_t len, struct ipp_http_answer *a, void *arg)
{
	enum http_want w = http_request(head, len);
	char   *text;
	size_t	n;

	(void) arg;
	switch (w) {
	case HTTP_WANT_METRICS:
	case HTTP_WANT_HEAD:
		if ((text = ipp_metrics_render(&n)) == NULL) {
			a->status = 500;
			(void) evbuffer_add_printf(a->body, "out of memory\n");
			break;
		}
		if (evbuffer_add(a->body, text, n) != 0)
			a->status = 500;
		free(text);
		a->ctype = "text/plain; version=0.0.4; charset=utf-8";
		a->head_only = w == HTTP_WANT_HEAD;
		break;
	case HTTP_WANT_NOTFOUND:
		(void) evbuffer_add_printf(a->body, "see /metrics\n");
		a->status = 404;
		break;
	case HTTP_WANT_METHOD:
		(void) evbuffer_add_printf(a->body, "only GET /metrics\n");
		a->status = 405;
		break;
	default:
		(void) evbuffer_add_printf(a->body, "not an HTTP/1.x request\n");
		a->status = 400;
	}
}

static void
answer(struct hconn *c, char *req, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct ipp_http_answer a;
	int	rc;

	memset(&a, 0, sizeof(a));
	a.status = 200;
	a.ctype = "text/plain";
	if ((a.body = evbuffer_new()) == NULL) {
		free(req);
		conn_free(c);
		return;
	}
	c->lis->kind.handle(req, len, &a, c->lis->kind.arg);
	free(req);
	rc = http_reply(out, a.status, a.status == 200 ? a.ctype : "text/plain", a.body,
	    a.head_only);
	evbuffer_free(a.body);
	if (rc != 0) {
		conn_free(c);
		return;
	}
	c->last = 1;
	(void) evtimer_del(c->deadline);
	(void) bufferevent_disable(c->bev, EV_READ);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct hconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char   *req = NULL, why[128];
	size_t	len = 0;

	if (c->last) {
		(void) evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	switch (frame_http(in, &c->scan, &req, &len, why, sizeof(why))) {
	case FRAME_MORE:
		return;
	case FRAME_BAD:
		msg_warn("%s client %s: %s; closing the connection", c->lis->kind.name, c->peer,
		    why);
		conn_free(c);
		return;
	default:
		answer(c, req, len);
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct hconn *c = arg;

	(void) bev;
	if (c->last)
		conn_free(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct hconn *c = arg;

	(void) bev;
	if (what & BEV_EVENT_TIMEOUT) {
		msg_warn_limited(&c->lis->slow_lim, 60,
		    "%s client %s: reply not read for %d s; closing the connection",
		    c->lis->kind.name, c->peer, HTTPD_WRITE_TIMEOUT);
		count(c->lis, IPP_HTTPD_SLOW);
	} else if ((what & BEV_EVENT_ERROR) && errno != ECONNRESET && errno != EPIPE)
		msg_debug("%s client %s: %s", c->lis->kind.name, c->peer, strerror(errno));
	conn_free(c);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void) fd;
	(void) what;
	msg_warn_limited(&c->lis->slow_lim, 60,
	    "%s client %s: request not complete within %d s; closing the connection",
	    c->lis->kind.name, c->peer, HTTPD_REQUEST_TIMEOUT);
	count(c->lis, IPP_HTTPD_SLOW);
	conn_free(c);
}

static void
on_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct hlistener *l = arg;
	struct ipp_httpd *h = l->h;
	struct timeval wr = { HTTPD_WRITE_TIMEOUT, 0 }, dl = { HTTPD_REQUEST_TIMEOUT, 0 };
	struct ipp_ip ip;
	struct hconn *c;
	char	peer[INET6_ADDRSTRLEN + 16];
	int	on = 1, over;

	(void) el;
	(void) salen;
	ipp_listen_peer(sa, peer, sizeof(peer), &ip);
	if (ip.family != 0 && l->kind.allowed && !l->kind.allowed(&ip, l->kind.arg)) {
		msg_warn_limited(&l->refuse_lim, 60, "%s client %s: not in %s; connection refused",
		    l->kind.name, peer, l->kind.clients_name ? l->kind.clients_name : "the clients");
		count(l, IPP_HTTPD_REFUSED);
		(void) evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL
	    || (c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL
	    || (c->deadline = evtimer_new(h->base, on_deadline, c)) == NULL) {
		msg_warn_limited(&l->accept_lim, 10, "out of memory: refusing a %s client",
		    l->kind.name);
		if (c && c->bev)
			bufferevent_free(c->bev);
		else
			(void) evutil_closesocket(fd);
		free(c);
		return;
	}
	if (sa->sa_family != AF_UNIX)
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->lis = l;
	(void) snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	over = l->nconns >= l->kind.max_conns;
	l->nconns++;
	count(l, IPP_HTTPD_OPEN);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	(void) bufferevent_set_timeouts(c->bev, NULL, &wr);
	if (over) {
		msg_warn_limited(&l->cap_lim, 60,
		    "%s: %zu connections open, the listener's limit: refusing %s", l->spec,
		    l->kind.max_conns, c->peer);
		count(l, IPP_HTTPD_OVERCAP);
		c->last = 1;
		if (http_reply(bufferevent_get_output(c->bev), 503, "text/plain", NULL, 0) != 0)
			conn_free(c);
		return;
	}
	if (evtimer_add(c->deadline, &dl) != 0 || bufferevent_enable(c->bev, EV_READ) != 0)
		conn_free(c);
}

struct ipp_httpd *
ipp_httpd_new(struct event_base *base)
{
	struct ipp_httpd *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->base = base;
	return (h);
}

int
ipp_httpd_listen(struct ipp_httpd *h, const struct ipp_httpd_kind *kind, int fd,
    const char *spec)
{
	struct hlistener *l;

	if (h->nlis >= LISTENERS_MAX || kind->handle == NULL)
		return (-1);
	l = &h->lis[h->nlis];
	memset(l, 0, sizeof(*l));
	l->h = h;
	l->kind = *kind;
	(void) snprintf(l->spec, sizeof(l->spec), "%s", spec);
	if ((l->el = ipp_evlisten_new(h->base, fd, spec, on_accept, l)) == NULL)
		return (-1);
	h->nlis++;
	msg_info("%s: listening on %s", kind->name, spec);
	return (0);
}

void
ipp_httpd_free(struct ipp_httpd *h)
{
	int	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nlis; i++)
		ipp_evlisten_free(h->lis[i].el);
	while (h->conns)
		conn_free(h->conns);
	free(h);
}

/* --- a listener in a thread of its own ----------------------------------- */

struct ipp_httpd_thread {
	pthread_t tid;
	struct event_base *base;
	struct ipp_httpd *h;
	struct event *stop_ev;
	int	stop[2];		/* a byte on stop[1] ends the loop */
};

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) event_base_loopbreak(arg);
}

static void *
thread_main(void *arg)
{
	struct ipp_httpd_thread *t = arg;

	if (event_base_dispatch(t->base) < 0)
		msg_error("HTTP listener: event loop failed");
	return (NULL);
}

struct ipp_httpd_thread *
ipp_httpd_thread_start(const struct ipp_httpd_kind *kind, int fd, const char *spec)
{
	struct ipp_httpd_thread *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->stop[0] = t->stop[1] = -1;
	if (pipe(t->stop) != 0
	    || fcntl(t->stop[0], F_SETFD, FD_CLOEXEC) != 0
	    || fcntl(t->stop[1], F_SETFD, FD_CLOEXEC) != 0
	    || (t->base = event_base_new()) == NULL
	    || (t->h = ipp_httpd_new(t->base)) == NULL
	    || (t->stop_ev = event_new(t->base, t->stop[0], EV_READ, on_stop, t->base)) == NULL
	    || event_add(t->stop_ev, NULL) != 0
	    || ipp_httpd_listen(t->h, kind, fd, spec) != 0
	    || pthread_create(&t->tid, NULL, thread_main, t) != 0) {
		msg_warn("%s: cannot serve %s", kind->name, spec);
		if (t->stop_ev)
			event_free(t->stop_ev);
		ipp_httpd_free(t->h);
		if (t->base)
			event_base_free(t->base);
		if (t->stop[0] >= 0)
			(void) close(t->stop[0]);
		if (t->stop[1] >= 0)
			(void) close(t->stop[1]);
		free(t);
		return (NULL);
	}
	return (t);
}

void
ipp_httpd_thread_stop(struct ipp_httpd_thread *t)
{
	if (t == NULL)
		return;
	while (write(t->stop[1], "x", 1) < 0 && errno == EINTR)
		;
	(void) pthread_join(t->tid, NULL);
	event_free(t->stop_ev);
	ipp_httpd_free(t->h);
	event_base_free(t->base);
	(void) close(t->stop[0]);
	(void) close(t->stop[1]);
	free(t);
}
