/* httpd.h - the daemons' HTTP listeners (GET /metrics in ippool-milter and
 * ippool-policyd; any later one is another kind with its own handler): one
 * request per connection on a libevent loop, bounded in time (the request
 * within HTTPD_REQUEST_TIMEOUT of the connect, the reply read within
 * HTTPD_WRITE_TIMEOUT), in size (HTTP_HEAD_MAX, frame.h), in connections
 * (the kind's cap: answered 503 past it) and by an access list.
 * ippool-policyd runs them on its own loop; the milter, which has none,
 * in a thread of their own (ipp_httpd_thread_start). */
#ifndef IPP_HTTPD_H
#define IPP_HTTPD_H

#include <stddef.h>

struct event_base;
struct evbuffer;
struct ipp_ip;
struct ipp_httpd;
struct ipp_httpd_thread;

#define HTTPD_REQUEST_TIMEOUT	10	/* seconds from the connect to the request's end */
#define HTTPD_WRITE_TIMEOUT	10	/* seconds a reply may wait to be read */
#define HTTPD_CONNS_METRICS	16	/* the metrics listener's cap */

/* What a kind's hook is told, to count it. */
enum ipp_httpd_event {
	IPP_HTTPD_OPEN,			/* a connection accepted */
	IPP_HTTPD_CLOSE,		/* and closed */
	IPP_HTTPD_REFUSED,		/* not in the access list: closed unanswered */
	IPP_HTTPD_OVERCAP,		/* past the cap: answered 503 */
	IPP_HTTPD_SLOW			/* request or reply too slow: closed */
};

/* A reply: the handler sets status (200 by default), ctype, and the body. */
struct ipp_http_answer {
	int	status;
	const char *ctype;
	int	head_only;		/* HEAD: headers only */
	struct evbuffer *body;
};

struct ipp_httpd_kind {
	const char *name;		/* "metrics": log lines */
	size_t	max_conns;
	/* the access list's name in the refusal line ("[policy] clients") */
	const char *clients_name;
	/* may an inet peer connect?  NULL: any (unix sockets: always) */
	int	(*allowed)(const struct ipp_ip *, void *arg);
	/* answer one request head (untrusted, len bytes, NUL-terminated) */
	void	(*handle)(const char *head, size_t len, struct ipp_http_answer *, void *arg);
	void	(*count)(enum ipp_httpd_event, void *arg);	/* may be NULL */
	void   *arg;
};

/* The GET /metrics handler: the registry's exposition (metrics.h). */
void	ipp_httpd_metrics_handle(const char *head, size_t len, struct ipp_http_answer *,
	    void *arg);

struct ipp_httpd *ipp_httpd_new(struct event_base *);
/* Serve kind (copied) on a listening fd named spec in logs; 0 or -1. */
int	ipp_httpd_listen(struct ipp_httpd *, const struct ipp_httpd_kind *, int fd,
	    const char *spec);
/* Stop listening and close every connection. */
void	ipp_httpd_free(struct ipp_httpd *);

/* One listener in a thread of its own (its own event base); NULL, logged,
 * when it cannot start.  Stop closes it and joins the thread. */
struct ipp_httpd_thread *ipp_httpd_thread_start(const struct ipp_httpd_kind *, int fd,
	    const char *spec);
void	ipp_httpd_thread_stop(struct ipp_httpd_thread *);

#endif
