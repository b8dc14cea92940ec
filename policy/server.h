/* server.h - ippool-policyd's client connections: one event loop for
 * every socketmap and policy connection (the metrics listener is
 * lib/daemon/httpd.c's, on the same loop) (hundreds of idle ones
 * cost a few hundred bytes each), their deadlines, caps and access list,
 * and the hand-off of blocking lookups to the worker threads. */
#ifndef POLICY_SERVER_H
#define POLICY_SERVER_H

#include "store.h"

struct event_base;
struct server;

enum proto { PROTO_SOCKETMAP, PROTO_POLICY };

/* Limits (documented in ippool-policyd(8); request sizes in frame.h). */
#define OUTPUT_MAX	65536		/* unread replies before we stop reading */
#define IDLE_TIMEOUT	1000		/* seconds; Postfix closes idle ones sooner */
#define REQUEST_TIMEOUT	10		/* seconds from a request's first byte to its end */
#define WRITE_TIMEOUT	10		/* seconds a queued reply may wait to be read */
#define CONNS_MAX	4096		/* every listener together */
#define CONNS_POLICY	1024		/* per listener */
#define CONNS_SOCKETMAP	1024
#define WORKERS		4
#define JOBS_MAX	10000

/* What a client past its listener's cap is told before the close. */
#define CAP_SOCKETMAP_ANSWER	"TEMP ippool-policyd: too many connections"
#define CAP_POLICY_ANSWER	"action=DEFER_IF_PERMIT 4.3.2 ippool-policyd: too many connections"

struct ipp_ip;

struct server *server_new(struct event_base *, struct ipp_store *);

/* Serve proto on a listening fd; name it in logs as spec. */
int	server_listen(struct server *, enum proto, int fd, const char *spec);

/* May an inet client connect ([policy] clients)?  Every listener's rule. */
int	server_client_allowed(const struct ipp_ip *);

/* Stop listening, finish the lookups under way, close every connection. */
void	server_free(struct server *);

#endif
