/* frame.c - netstrings, policy attribute blocks and HTTP request heads
 * out of a connection's input buffer, bounded, scanned once. */
#include "autoconfig.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* Move the first n bytes of in into a new NUL-terminated string, then
 * drain skip bytes more (the frame's terminator). */
static enum frame
take(struct evbuffer *in, size_t n, size_t skip, char **req, size_t *len, char *why,
    size_t wlen)
{
	if ((*req = malloc(n + 1)) == NULL) {
		(void) snprintf(why, wlen, "out of memory");
		return (FRAME_BAD);
	}
	if (evbuffer_remove(in, *req, n) != (ev_ssize_t) n
	    || (skip > 0 && evbuffer_drain(in, skip) != 0)) {
		free(*req);
		*req = NULL;
		(void) snprintf(why, wlen, "cannot read the request");
		return (FRAME_BAD);
	}
	(*req)[n] = '\0';
	*len = n;
	return (FRAME_GOT);
}

/* A netstring "LEN:DATA," of at most SOCKETMAP_MAX data bytes.  Only its
 * first 8 bytes and its comma are looked at: no scan state. */
enum frame
frame_netstring(struct evbuffer *in, size_t *scan, char **req, size_t *len, char *why,
    size_t wlen)
{
	struct evbuffer_ptr at;
	char	hdr[8], comma;
	size_t	have = evbuffer_get_length(in), got, i, n = 0;

	*scan = 0;
	got = have < sizeof(hdr) ? have : sizeof(hdr);
	if (evbuffer_copyout(in, hdr, got) != (ev_ssize_t) got)
		got = 0;
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
	if (evbuffer_ptr_set(in, &at, i + 1 + n, EVBUFFER_PTR_SET) != 0
	    || evbuffer_copyout_from(in, &at, &comma, 1) != 1 || comma != ',') {
		(void) snprintf(why, wlen, "malformed netstring (no comma after %zu bytes)", n);
		return (FRAME_BAD);
	}
	if (evbuffer_drain(in, i + 1) != 0) {
		(void) snprintf(why, wlen, "cannot read the request");
		return (FRAME_BAD);
	}
	return (take(in, n, 1, req, len, why, wlen));
}

/*
 * Search in for a terminator (term, tlen bytes) from the scan position.
 * 1 with *pos its offset; 0 when it is not there yet, *scan moved on to
 * the end (a terminator may begin in the last tlen - 1 bytes scanned).
 */
static int
find(struct evbuffer *in, size_t *scan, const char *term, size_t tlen, size_t *pos)
{
	struct evbuffer_ptr from, end;
	size_t	have = evbuffer_get_length(in);
	size_t	start = *scan >= tlen ? *scan - (tlen - 1) : 0;

	if (start > have || evbuffer_ptr_set(in, &from, start, EVBUFFER_PTR_SET) != 0)
		(void) evbuffer_ptr_set(in, &from, 0, EVBUFFER_PTR_SET);
	end = evbuffer_search(in, term, tlen, &from);
	if (end.pos < 0) {
		*scan = have;
		return (0);
	}
	*scan = 0;
	*pos = (size_t) end.pos;
	return (1);
}

/* Attribute lines up to an empty line, at most POLICY_MAX bytes. */
enum frame
frame_policy(struct evbuffer *in, size_t *scan, char **req, size_t *len, char *why,
    size_t wlen)
{
	size_t	have = evbuffer_get_length(in), n, pos = 0;
	char	first;

	if (have == 0)
		return (FRAME_MORE);
	if (evbuffer_copyout(in, &first, 1) == 1 && first == '\n') {
		(void) snprintf(why, wlen, "empty request");
		return (FRAME_BAD);
	}
	if (!find(in, scan, "\n\n", 2, &pos)) {
		if (have > POLICY_MAX) {
			(void) snprintf(why, wlen, "oversized request (over %d bytes)", POLICY_MAX);
			return (FRAME_BAD);
		}
		return (FRAME_MORE);
	}
	n = pos + 1;		/* the last line's newline included */
	if (n > POLICY_MAX) {
		(void) snprintf(why, wlen, "oversized request (%zu bytes, limit %d)", n, POLICY_MAX);
		return (FRAME_BAD);
	}
	return (take(in, n, 1, req, len, why, wlen));
}

/* An HTTP request head, up to "\r\n\r\n" or "\n\n", at most HTTP_HEAD_MAX
 * bytes; *req keeps the head's last newline. */
enum frame
frame_http(struct evbuffer *in, size_t *scan, char **req, size_t *len, char *why,
    size_t wlen)
{
	size_t	have = evbuffer_get_length(in), s1 = *scan, s2 = *scan, crlf = 0, lf = 0;
	int	got_crlf = find(in, &s1, "\n\r\n", 3, &crlf);
	int	got_lf = find(in, &s2, "\n\n", 2, &lf);

	if ((got_lf && (!got_crlf || lf < crlf) && lf + 1 > HTTP_HEAD_MAX)
	    || (got_crlf && (!got_lf || crlf < lf) && crlf + 1 > HTTP_HEAD_MAX)
	    || (!got_lf && !got_crlf && have > HTTP_HEAD_MAX)) {
		(void) snprintf(why, wlen, "oversized request head (over %d bytes)",
		    HTTP_HEAD_MAX);
		return (FRAME_BAD);
	}
	if (got_lf && (!got_crlf || lf < crlf)) {
		*scan = 0;
		return (take(in, lf + 1, 1, req, len, why, wlen));
	}
	if (got_crlf) {
		*scan = 0;
		return (take(in, crlf + 1, 2, req, len, why, wlen));
	}
	*scan = have;
	return (FRAME_MORE);
}
