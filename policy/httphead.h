/* httphead.h - an HTTP/1.x request head read into what the unsubscribe
 * endpoint needs: method, target, version, the body's framing
 * (Content-Length; any Transfer-Encoding is refused by the caller),
 * Connection, Content-Type and X-Forwarded-For.  The head comes from
 * frame_http (bounded); everything in it is untrusted and parsed with
 * explicit lengths.  Pointers in the result point into the head. */
#ifndef POLICY_HTTPHEAD_H
#define POLICY_HTTPHEAD_H

#include <stddef.h>

#define HTTP_HEADERS_MAX	64	/* header fields of one request */

struct http_slice {
	const char *p;			/* NULL: absent */
	size_t	len;
};

struct http_head {
	struct http_slice method, target;
	int	minor;			/* HTTP/1.0 or HTTP/1.1 */
	size_t	nfields;
	int	has_length;		/* Content-Length given */
	unsigned long long length;
	int	has_te;			/* Transfer-Encoding given */
	int	close;			/* the connection ends after this request */
	struct http_slice ctype;	/* Content-Type value */
	struct http_slice xff;		/* the last X-Forwarded-For value */
};

enum http_parse {
	HTTP_PARSE_OK,
	HTTP_PARSE_BAD,			/* not an HTTP/1.x request: 400 */
	HTTP_PARSE_FIELDS		/* over HTTP_HEADERS_MAX fields: 431 */
};

/* Parse HEAD (LEN bytes, up to and including its last line's newline);
 * on HTTP_PARSE_BAD, why says what is wrong. */
enum http_parse http_head_parse(const char *head, size_t len, struct http_head *,
	    const char **why);

/* Is s exactly word (case-sensitive, as methods are)? */
int	http_slice_is(const struct http_slice *, const char *word);

#endif
