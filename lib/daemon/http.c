/* http.c - the HTTP listeners' request line and replies.  Only the
 * request line matters; headers are framed (bounded) and ignored. */
#include "autoconfig.h"

#include <event2/buffer.h>
#include <string.h>

#include "http.h"

static int
is_token(const char *p, size_t n, const char *word)
{
	return (strlen(word) == n && memcmp(p, word, n) == 0);
}

enum http_want
http_request(const char *head, size_t len)
{
	const char *end, *sp1, *sp2, *target, *version;
	size_t	i, tlen, vlen;

	if ((end = memchr(head, '\n', len)) == NULL)
		return (HTTP_WANT_BAD);
	if (end > head && end[-1] == '\r')
		end--;
	for (i = 0; i < (size_t) (end - head); i++)
		if ((unsigned char) head[i] < 0x20 || head[i] == 0x7f)
			return (HTTP_WANT_BAD);
	if ((sp1 = memchr(head, ' ', (size_t) (end - head))) == NULL || sp1 == head)
		return (HTTP_WANT_BAD);
	target = sp1 + 1;
	if ((sp2 = memchr(target, ' ', (size_t) (end - target))) == NULL || sp2 == target)
		return (HTTP_WANT_BAD);
	version = sp2 + 1;
	vlen = (size_t) (end - version);
	if (vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0
	    || (version[7] != '0' && version[7] != '1'))
		return (HTTP_WANT_BAD);
	tlen = (size_t) (sp2 - target);
	if (!is_token(head, (size_t) (sp1 - head), "GET")
	    && !is_token(head, (size_t) (sp1 - head), "HEAD"))
		return (HTTP_WANT_METHOD);
	if (!(tlen == 8 && memcmp(target, "/metrics", 8) == 0)
	    && !(tlen > 8 && memcmp(target, "/metrics?", 9) == 0))
		return (HTTP_WANT_NOTFOUND);
	return (head[0] == 'H' ? HTTP_WANT_HEAD : HTTP_WANT_METRICS);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 503:
		return ("Service Unavailable");
	default:
		return ("Internal Server Error");
	}
}

int
http_reply(struct evbuffer *out, int status, const char *ctype, struct evbuffer *body,
    int head_only)
{
	size_t	n = body ? evbuffer_get_length(body) : 0;

	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", status, reason(status),
	    ctype, n, status == 405 ? "Allow: GET, HEAD\r\n" : "") < 0)
		return (-1);
	if (!head_only && body != NULL && evbuffer_add_buffer(out, body) != 0)
		return (-1);
	return (0);
}
