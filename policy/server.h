/* server.h - ippool-policyd's client connections: one event loop for
 * every socketmap and policy connection (hundreds of idle ones cost a
 * few hundred bytes each), request framing with hard size limits, and
 * the hand-off of blocking lookups to the worker threads. */
#ifndef POLICY_SERVER_H
#define POLICY_SERVER_H

#include "store.h"

struct event_base;
struct server;

enum proto { PROTO_SOCKETMAP, PROTO_POLICY };

/* Limits (documented in ippool-policyd(8)). */
#define SOCKETMAP_MAX	10000		/* bytes of one socketmap request */
#define POLICY_MAX	32768		/* bytes of one policy request */
#define OUTPUT_MAX	65536		/* unread replies before we stop reading */
#define IDLE_TIMEOUT	1000		/* seconds; Postfix closes idle ones sooner */
#define CONNS_MAX	4096
#define WORKERS		4
#define JOBS_MAX	10000

struct server *server_new(struct event_base *, struct ipp_store *);

/* Serve proto on a listening fd; name it in logs as spec. */
int	server_listen(struct server *, enum proto, int fd, const char *spec);

/* Stop listening, finish the lookups under way, close every connection. */
void	server_free(struct server *);

#endif
