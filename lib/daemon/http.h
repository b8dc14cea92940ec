/* http.h - the little HTTP the daemons' listeners speak (httpd.c): a
 * request head (framed by frame_http) read into what to answer, and a
 * reply with Connection: close.  One request per connection, as
 * Prometheus scrapes. */
#ifndef IPP_HTTP_H
#define IPP_HTTP_H

#include <stddef.h>

struct evbuffer;

enum http_want {
	HTTP_WANT_METRICS,	/* GET /metrics (a query string ignored) */
	HTTP_WANT_HEAD,		/* HEAD /metrics */
	HTTP_WANT_NOTFOUND,	/* another path: 404 */
	HTTP_WANT_METHOD,	/* another method: 405 */
	HTTP_WANT_BAD		/* not an HTTP/1.x request line: 400 */
};

/* The request line of head (len bytes, untrusted). */
enum http_want http_request(const char *head, size_t len);

/* Queue a reply on out: status, headers, and body (may be NULL) unless
 * head_only; 0, or -1 out of memory. */
int	http_reply(struct evbuffer *out, int status, const char *ctype,
	    struct evbuffer *body, int head_only);

#endif
