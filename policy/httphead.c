/* httphead.c - request line and header fields (RFC 9112): a token
 * method, an origin-form target of visible characters, HTTP/1.0 or 1.1;
 * fields "name: value" with a token name and no obsolete line folding;
 * Content-Length once (or repeated with one value), digits only. */
#include "autoconfig.h"

#include <string.h>
#include <strings.h>

#include "httphead.h"

int
http_slice_is(const struct http_slice *s, const char *word)
{
	return (s->p != NULL && strlen(word) == s->len && memcmp(s->p, word, s->len) == 0);
}

static int
tchar(unsigned char c)
{
	return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

static int
name_is(const char *p, size_t n, const char *word)
{
	return (strlen(word) == n && strncasecmp(p, word, n) == 0);
}

/* Does a comma-separated list value hold the token word (any case)? */
static int
list_has(const char *p, size_t n, const char *word)
{
	size_t	i = 0, s, e;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		s = i;
		while (i < n && p[i] != ',')
			i++;
		e = i;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e > s && name_is(p + s, e - s, word))
			return (1);
	}
	return (0);
}

static enum http_parse
request_line(const char *p, size_t n, struct http_head *h, const char **why)
{
	const char *sp1, *sp2;
	size_t	i;

	*why = "malformed request line";
	for (i = 0; i < n && tchar((unsigned char) p[i]); i++)
		;
	if (i == 0 || i >= n || p[i] != ' ')
		return (HTTP_PARSE_BAD);
	sp1 = p + i;
	h->method.p = p;
	h->method.len = i;
	for (i++; i < n && (unsigned char) p[i] > 0x20 && (unsigned char) p[i] < 0x7f; i++)
		;
	if (i >= n || p[i] != ' ' || p + i == sp1 + 1)
		return (HTTP_PARSE_BAD);
	sp2 = p + i;
	h->target.p = sp1 + 1;
	h->target.len = (size_t) (sp2 - sp1 - 1);
	if (n - i - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0
	    || (sp2[8] != '0' && sp2[8] != '1')) {
		*why = "not an HTTP/1.0 or HTTP/1.1 request";
		return (HTTP_PARSE_BAD);
	}
	h->minor = sp2[8] - '0';
	if (h->target.p[0] != '/') {
		*why = "the request target is not a path";
		return (HTTP_PARSE_BAD);
	}
	return (HTTP_PARSE_OK);
}

static enum http_parse
field(const char *p, size_t n, struct http_head *h, const char **why)
{
	const char *v;
	size_t	i, vn;
	unsigned long long len = 0;

	for (i = 0; i < n && tchar((unsigned char) p[i]); i++)
		;
	if (i == 0 || i >= n || p[i] != ':') {
		*why = i == 0 && n > 0 && (p[0] == ' ' || p[0] == '\t')
		    ? "folded header line" : "malformed header line";
		return (HTTP_PARSE_BAD);
	}
	v = p + i + 1;
	vn = n - i - 1;
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	for (size_t k = 0; k < vn; k++)
		if (((unsigned char) v[k] < 0x20 && v[k] != '\t') || v[k] == 0x7f) {
			*why = "a control character in a header";
			return (HTTP_PARSE_BAD);
		}
	if (name_is(p, i, "Content-Length")) {
		if (vn == 0 || vn > 15) {
			*why = "bad Content-Length";
			return (HTTP_PARSE_BAD);
		}
		for (size_t k = 0; k < vn; k++) {
			if (v[k] < '0' || v[k] > '9') {
				*why = "bad Content-Length";
				return (HTTP_PARSE_BAD);
			}
			len = len * 10 + (unsigned) (v[k] - '0');
		}
		if (h->has_length && h->length != len) {
			*why = "conflicting Content-Length headers";
			return (HTTP_PARSE_BAD);
		}
		h->has_length = 1;
		h->length = len;
	} else if (name_is(p, i, "Transfer-Encoding")) {
		h->has_te = 1;
	} else if (name_is(p, i, "Connection")) {
		if (list_has(v, vn, "close"))
			h->close = 1;
		else if (list_has(v, vn, "keep-alive") && h->minor == 0)
			h->close = 0;
	} else if (name_is(p, i, "Content-Type")) {
		h->ctype.p = v;
		h->ctype.len = vn;
	} else if (name_is(p, i, "X-Forwarded-For")) {
		h->xff.p = v;
		h->xff.len = vn;
	}
	return (HTTP_PARSE_OK);
}

enum http_parse
http_head_parse(const char *head, size_t len, struct http_head *h, const char **why)
{
	const char *p = head, *end = head + len, *nl;
	size_t	n;
	enum http_parse r;
	int	first = 1;

	(void) memset(h, 0, sizeof(*h));
	*why = "empty request";
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL) {
			*why = "a header line without its end";
			return (HTTP_PARSE_BAD);
		}
		n = (size_t) (nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (first) {
			if ((r = request_line(p, n, h, why)) != HTTP_PARSE_OK)
				return (r);
			/* HTTP/1.0 closes unless it asks to keep the connection */
			h->close = h->minor == 0;
			first = 0;
		} else if (n > 0) {
			if (++h->nfields > HTTP_HEADERS_MAX)
				return (HTTP_PARSE_FIELDS);
			if ((r = field(p, n, h, why)) != HTTP_PARSE_OK)
				return (r);
		}
		p = nl + 1;
	}
	if (first)
		return (HTTP_PARSE_BAD);
	*why = NULL;
	return (HTTP_PARSE_OK);
}
