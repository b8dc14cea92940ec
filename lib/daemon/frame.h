/* frame.h - cutting a connection's input into requests: socketmap
 * netstrings and policy attribute blocks (ippool-policyd) and the head of
 * an HTTP request (httpd.c, in both daemons), each with a hard size limit.
 * The input is untrusted; a frame is handed on as a NUL-terminated copy
 * with its length.  Kept apart from the connections so that the tests and
 * the fuzzers reach the framing without a daemon. */
#ifndef IPP_FRAME_H
#define IPP_FRAME_H

#include <stddef.h>

struct evbuffer;

enum frame { FRAME_MORE, FRAME_GOT, FRAME_BAD };

/* Limits (documented in ippool-policyd(8)). */
#define SOCKETMAP_MAX	10000		/* bytes of one socketmap request */
#define POLICY_MAX	32768		/* bytes of one policy request */
#define HTTP_HEAD_MAX	8192		/* bytes of an HTTP request line and headers */

/*
 * Take one request from in when it is complete.  FRAME_GOT: *req (to be
 * freed) holds its len bytes, NUL-terminated; FRAME_MORE: wait for more
 * input; FRAME_BAD: why says what is wrong.  *scan is the caller's scan
 * position, 0 for a new connection: the bytes before it were searched
 * already, so that a request arriving a byte at a time costs its length,
 * not its length squared.
 */
enum frame frame_netstring(struct evbuffer *in, size_t *scan, char **req, size_t *len,
	    char *why, size_t wlen);
/* Attribute lines up to an empty line; *req without the empty line. */
enum frame frame_policy(struct evbuffer *in, size_t *scan, char **req, size_t *len,
	    char *why, size_t wlen);
/* An HTTP request line and headers, up to the empty line (CRLF or LF). */
enum frame frame_http(struct evbuffer *in, size_t *scan, char **req, size_t *len,
	    char *why, size_t wlen);

#endif
