/* test_frame.c - ippool-policyd's framing without a daemon: requests
 * arriving a byte at a time (terminators split across reads, the scan
 * position kept), size limits, HTTP heads with CRLF or LF, and the
 * metrics request line. */
#include "autoconfig.h"

#include <event2/buffer.h>
#include <stdlib.h>

#include "frame.h"
#include "http.h"
#include "tap.h"

typedef enum frame (*framer)(struct evbuffer *, size_t *, char **, size_t *, char *, size_t);

/* Feed text a byte at a time; the frame, or NULL with *bad set. */
static char *
trickle(framer f, const char *text, size_t n, size_t *calls_more, int *bad)
{
	struct evbuffer *in = evbuffer_new();
	char   *req = NULL, why[128];
	size_t	i, len, scan = 0;

	*calls_more = 0;
	*bad = 0;
	for (i = 0; i < n; i++) {
		(void) evbuffer_add(in, text + i, 1);
		switch (f(in, &scan, &req, &len, why, sizeof(why))) {
		case FRAME_MORE:
			(*calls_more)++;
			continue;
		case FRAME_BAD:
			*bad = 1;
			evbuffer_free(in);
			return (NULL);
		case FRAME_GOT:
			evbuffer_free(in);
			return (req);
		}
	}
	evbuffer_free(in);
	return (NULL);
}

int
main(void)
{
	const char *pol = "request=smtpd_access_policy\nprotocol_state=RCPT\n\nnext";
	size_t	more;
	int	bad;
	char   *r, *big;

	r = trickle(frame_policy, pol, strlen(pol), &more, &bad);
	is_str(r, "request=smtpd_access_policy\nprotocol_state=RCPT\n",
	    "policy request a byte at a time: framed at the empty line");
	is_int(more, strlen("request=smtpd_access_policy\nprotocol_state=RCPT\n\n") - 1,
	    "  no frame before its last byte");
	free(r);
	r = trickle(frame_netstring, "8:tx a@b.c,", 11, &more, &bad);
	is_str(r, "tx a@b.c", "netstring a byte at a time");
	free(r);
	r = trickle(frame_http, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 35, &more, &bad);
	is_str(r, "GET /metrics HTTP/1.1\r\nHost: x\r\n", "HTTP head with CRLF, a byte at a time");
	free(r);
	r = trickle(frame_http, "GET /metrics HTTP/1.0\n\n", 23, &more, &bad);
	is_str(r, "GET /metrics HTTP/1.0\n", "HTTP head with bare LF");
	free(r);

	/* a policy request without its empty line, over the limit */
	if ((big = malloc(POLICY_MAX + 2)) == NULL)
		abort();
	memset(big, 'a', POLICY_MAX + 1);
	big[0] = 'x', big[1] = '=';
	big[POLICY_MAX + 1] = '\0';
	r = trickle(frame_policy, big, POLICY_MAX + 1, &more, &bad);
	ok(r == NULL && bad, "policy request over %d bytes a byte at a time: refused", POLICY_MAX);
	is_int(more, POLICY_MAX, "  after its limit, not before");
	free(big);

	is_int(http_request("GET /metrics HTTP/1.1\r\n", 23), HTTP_WANT_METRICS, "GET /metrics");
	is_int(http_request("GET /metrics?x=1 HTTP/1.0\n", 26), HTTP_WANT_METRICS,
	    "GET /metrics?query");
	is_int(http_request("HEAD /metrics HTTP/1.1\n", 23), HTTP_WANT_HEAD, "HEAD /metrics");
	is_int(http_request("GET /other HTTP/1.1\n", 20), HTTP_WANT_NOTFOUND, "another path: 404");
	is_int(http_request("GET /metricsx HTTP/1.1\n", 23), HTTP_WANT_NOTFOUND, "  /metricsx too");
	is_int(http_request("POST /metrics HTTP/1.1\n", 23), HTTP_WANT_METHOD, "POST: 405");
	is_int(http_request("GET /metrics\n", 13), HTTP_WANT_BAD, "no version: 400");
	is_int(http_request("GET /metrics HTTP/2.0\n", 22), HTTP_WANT_BAD, "HTTP/2.0: 400");
	is_int(http_request("GET /met\x01rics HTTP/1.1\n", 23), HTTP_WANT_BAD,
	    "control character: 400");
	return (done_testing());
}
