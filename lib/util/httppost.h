/* httppost.h - one HTTP(S) POST through libcurl, for the events sender:
 * TLS peer and host verification always on, no redirects followed, no
 * protocol but http and https, connect and total time bounded. */
#ifndef IPP_HTTPPOST_H
#define IPP_HTTPPOST_H

#include <stddef.h>

struct ipp_http_post {
	const char *url;
	const char *body;
	size_t	len;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	long	connect_timeout;	/* seconds */
	long	timeout;		/* seconds, the whole exchange */
	const char *ca_file;		/* CA bundle; NULL: the system's */
};

/*
 * Post and wait for the answer.  Returns its HTTP status (100-599), with
 * the start of the answer's body (printable, at most replylen - 1 bytes)
 * in reply; or -1 when no answer came (name, connection, TLS, timeout),
 * with the reason in err.  Not for several threads at once before the
 * first call has returned (libcurl's global set-up).
 */
int	ipp_http_post(const struct ipp_http_post *, char *reply, size_t replylen,
	    char *err, size_t errlen);

#endif
