/* transport.h - the names and addresses ippool gives Postfix, in one
 * place, because three programs must agree on them: ippool-policyd answers
 * with them, "ippoolctl postfix-setup" writes them into master.cf and
 * main.cf, and "ippoolctl ingest" reads them back from the logs.
 *
 *   PREFIXPOOL_N        the transport of IP N (1-based) of pool POOL
 *   PREFIXrelay_POOL    the main instance's hand-off to POOL's instance
 *   postfix/ippool-POOL-N   syslog_name of the IP transports
 *   postfix/ippool-relay    syslog_name of the relay transports */
#ifndef IPP_TRANSPORT_H
#define IPP_TRANSPORT_H

#include <stddef.h>

#include "config.h"

#define IPP_TRANSPORT_MAX	96	/* prefix 16 + "relay_" + pool 32 + "_" + index */
#define IPP_RELAY_SYSLOG_NAME	"postfix/ippool-relay"

/* Each returns 0, or -1 if the name does not fit (it always fits in
 * IPP_TRANSPORT_MAX bytes for a valid config).  idx is 0-based. */
int	ipp_transport_name(const struct ipp_config *, const struct ipp_pool *,
	    size_t idx, char *buf, size_t len);
int	ipp_relay_transport_name(const struct ipp_config *, const struct ipp_pool *,
	    char *buf, size_t len);
int	ipp_transport_syslog_name(const struct ipp_pool *, size_t idx, char *buf,
	    size_t len);

/*
 * The pool and 0-based IP index of a log line's syslog_name
 * ("postfix/ippool-tx-2" -> tx, 1), or -1 when it names no IP of a
 * configured pool.
 */
int	ipp_transport_from_syslog(const struct ipp_config *, const char *syslog_name,
	    const struct ipp_pool **, size_t *idx);
/* Whether a log line's syslog_name is that of the relay transports
 * ("postfix/ippool-relay"), exactly: a pool named "relay" logs as
 * "postfix/ippool-relay-1" and its lines are deliveries. */
int	ipp_transport_is_relay_syslog(const char *syslog_name);

/*
 * The loopback address the pool instances listen on: the host of
 * [policy] socketmap when that is a loopback address, else 127.0.0.1
 * (a pool instance relays for anyone in its mynetworks: it must never
 * listen where other hosts reach it).
 */
void	ipp_instance_address(const struct ipp_config *, char *buf, size_t len);

/* The relay next hop of a pool: "[127.0.0.1]:10031". */
int	ipp_relay_nexthop(const struct ipp_config *, const struct ipp_pool *,
	    char *buf, size_t len);

/* A listener spec as Postfix writes it: "inet:127.0.0.1:10041" or
 * "unix:/path" (socketmap and check_policy_service syntax). */
int	ipp_postfix_endpoint(const char *sockspec, char *buf, size_t len);

#endif
