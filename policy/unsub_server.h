/* unsub_server.h - the connections of the unsubscribe listener
 * ([unsubscribe] listen): plain HTTP/1.1, or TLS itself with a context
 * from tls.c; keep-alive, one request at a time per connection, and the
 * limits a public endpoint needs (documented in ippool-policyd(8)). */
#ifndef POLICY_UNSUB_SERVER_H
#define POLICY_UNSUB_SERVER_H

#include "store.h"
#include "tls.h"

struct event_base;
struct unsub_server;

/* Limits; the request head's size is frame.h's HTTP_HEAD_MAX, its field
 * count httphead.h's HTTP_HEADERS_MAX. */
#define UNSUB_BODY_MAX		8192	/* bytes of a request body: 413 past it */
#define UNSUB_CONNS_MAX		256	/* open connections: 503 past it */
#define UNSUB_RATE		60	/* requests per client address a minute: 429 */
#define UNSUB_REQUEST_TIMEOUT	10	/* seconds from a request's first byte to its end: 408 */
#define UNSUB_IDLE_TIMEOUT	60	/* seconds a kept-alive connection may wait */
#define UNSUB_WRITE_TIMEOUT	10	/* seconds an answer may wait to be read */
#define UNSUB_WORKERS		2	/* threads storing suppressions */
#define UNSUB_JOBS_MAX		1000	/* suppressions waiting for them: 503 past it */

/* Serve fd (named spec in logs), TLS when ctx is not NULL (taken). */
struct unsub_server *unsub_server_new(struct event_base *, struct ipp_store *, int fd,
	    const char *spec, SSL_CTX *ctx);

/* Stop listening, finish the suppressions under way, close everything. */
void	unsub_server_free(struct unsub_server *);

#endif
