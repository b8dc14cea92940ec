/* test_unsubhttp.c - the unsubscribe endpoint's parsers: request heads
 * (httphead.c), form bodies (lib/util/form.c), per-address minute
 * counters (clientrate.c). */
#include "autoconfig.h"

#include <string.h>

#include "clientrate.h"
#include "form.h"
#include "httphead.h"
#include "tap.h"

static enum http_parse
parse(const char *head, struct http_head *h)
{
	const char *why;

	return (http_head_parse(head, strlen(head), h, &why));
}

static enum ipp_form
form(const char *ct, const char *body)
{
	return (ipp_form_has(ct, ct ? strlen(ct) : 0, body, strlen(body), "List-Unsubscribe",
	    "One-Click"));
}

int
main(void)
{
	struct http_head h;
	struct clientrate *cr;
	char	big[8192];
	size_t	i, n;
	int	w;

	/* --- heads */
	is_int(parse("POST /u/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n", &h), HTTP_PARSE_OK,
	    "a one-click POST head");
	ok(http_slice_is(&h.method, "POST") && h.target.len == 6
	    && memcmp(h.target.p, "/u/abc", 6) == 0, "  method and target");
	ok(h.has_length && h.length == 26 && !h.close && h.minor == 1, "  length, keep-alive");
	ok(h.ctype.len == 33 && memcmp(h.ctype.p, "application/x-www-form-urlencoded", 33) == 0,
	    "  content type");
	is_int(parse("GET / HTTP/1.0\n", &h), HTTP_PARSE_OK, "HTTP/1.0, LF only");
	ok(h.close, "  HTTP/1.0 closes");
	is_int(parse("GET / HTTP/1.0\nConnection: Keep-Alive\n", &h), HTTP_PARSE_OK,
	    "HTTP/1.0 keep-alive");
	ok(!h.close, "  stays open");
	is_int(parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n", &h), HTTP_PARSE_OK,
	    "Connection list");
	ok(h.close, "  close found in the list");
	is_int(parse("GET / HTTP/2.0\r\n", &h), HTTP_PARSE_BAD, "HTTP/2.0 refused");
	is_int(parse("GET  / HTTP/1.1\r\n", &h), HTTP_PARSE_BAD, "two spaces refused");
	is_int(parse("GET http://x/ HTTP/1.1\r\n", &h), HTTP_PARSE_BAD, "absolute form refused");
	is_int(parse("GET /\x01 HTTP/1.1\r\n", &h), HTTP_PARSE_BAD, "control in target");
	is_int(parse("GET / HTTP/1.1\r\nX: a\x01\r\n", &h), HTTP_PARSE_BAD, "control in a value");
	is_int(parse("GET / HTTP/1.1\r\nX: a\r\n b\r\n", &h), HTTP_PARSE_BAD, "folded line");
	is_int(parse("GET / HTTP/1.1\r\nX a\r\n", &h), HTTP_PARSE_BAD, "no colon");
	is_int(parse("GET / HTTP/1.1\r\nContent-Length: 1x\r\n", &h), HTTP_PARSE_BAD,
	    "bad Content-Length");
	is_int(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n", &h),
	    HTTP_PARSE_BAD, "conflicting Content-Length");
	is_int(parse("GET / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n", &h),
	    HTTP_PARSE_OK, "repeated equal Content-Length");
	is_int(parse("GET / HTTP/1.1\r\nContent-Length: 9999999999999999\r\n", &h),
	    HTTP_PARSE_BAD, "Content-Length of 16 digits");
	is_int(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", &h), HTTP_PARSE_OK,
	    "chunked parsed");
	ok(h.has_te, "  and flagged");
	is_int(parse("GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8, 9.9.9.9\r\n", &h),
	    HTTP_PARSE_OK, "X-Forwarded-For twice");
	ok(h.xff.len == 16 && memcmp(h.xff.p, "5.6.7.8, 9.9.9.9", 16) == 0, "  the last one kept");
	n = (size_t) snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (i = 0; i < HTTP_HEADERS_MAX; i++)
		n += (size_t) snprintf(big + n, sizeof(big) - n, "X-%zu: y\r\n", i);
	is_int(parse(big, &h), HTTP_PARSE_OK, "%d fields", HTTP_HEADERS_MAX);
	(void) snprintf(big + n, sizeof(big) - n, "X-last: y\r\n");
	is_int(parse(big, &h), HTTP_PARSE_FIELDS, "%d fields: too many", HTTP_HEADERS_MAX + 1);
	is_int(http_head_parse("GET / HTTP/1.1", 14, &h, &(const char *){ NULL }), HTTP_PARSE_BAD,
	    "a head without its newline");

	/* --- forms */
	is_int(form("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"),
	    IPP_FORM_HAS, "urlencoded one-click");
	is_int(form(NULL, "List-Unsubscribe=One-Click"), IPP_FORM_HAS, "no content type");
	is_int(form("application/x-www-form-urlencoded; charset=utf-8",
	    "a=b&List-Unsubscribe=One%2DClick"), IPP_FORM_HAS, "escaped, among others");
	is_int(form("application/x-www-form-urlencoded", "List-Unsubscribe=One-Clic"),
	    IPP_FORM_LACKS, "another value");
	is_int(form("application/x-www-form-urlencoded", "foo=bar"), IPP_FORM_LACKS,
	    "another field");
	is_int(form("application/x-www-form-urlencoded", "List-Unsubscribe=%zz"), IPP_FORM_LACKS,
	    "a bad escape");
	is_int(form("application/x-www-form-urlencoded", ""), IPP_FORM_LACKS, "empty body");
	is_int(form("text/plain", "List-Unsubscribe=One-Click"), IPP_FORM_NOT_FORM,
	    "text/plain is no form");
	is_int(form("multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
	    "One-Click\r\n--XyZ--\r\n"), IPP_FORM_HAS, "multipart one-click");
	is_int(form("multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
	    "One-Click\r\n--XyZ--\r\n"), IPP_FORM_HAS, "multipart, second part");
	is_int(form("multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
	    "One-Click-Not\r\n--XyZ--\r\n"), IPP_FORM_LACKS, "multipart, another value");
	is_int(form("multipart/form-data; boundary=XyZ", "garbage"), IPP_FORM_LACKS,
	    "multipart garbage");
	is_int(form("multipart/form-data", "--XyZ\r\n"), IPP_FORM_NOT_FORM,
	    "multipart without boundary");

	/* --- rates */
	cr = clientrate_new();
	ok(cr != NULL, "rate table");
	for (i = 0, w = 0; i < 5 && w == 0; i++)
		w = clientrate_hit(cr, "192.0.2.1", 5, 6000);
	is_int(w, 0, "5 requests within a limit of 5");
	is_int(clientrate_hit(cr, "192.0.2.1", 5, 6010), 50, "the 6th: 50 s to wait");
	is_int(clientrate_hit(cr, "192.0.2.2", 5, 6010), 0, "another address counts apart");
	is_int(clientrate_hit(cr, "192.0.2.1", 5, 6059), 1, "  1 s before its minute ends");
	is_int(clientrate_hit(cr, "192.0.2.1", 5, 6060), 0, "a minute after the first: allowed again");
	for (i = 0; i < 3 * CLIENTRATE_SLOTS; i++) {
		(void) snprintf(big, sizeof(big), "10.0.%zu.%zu", i / 256, i % 256);
		(void) clientrate_hit(cr, big, 5, 6060);
	}
	ok(1, "a full table takes more addresses");
	clientrate_free(cr);
	return (done_testing());
}
