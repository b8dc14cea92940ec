/* policy_metrics.h - ippool-policyd's metrics in the process registry
 * (lib/util/metrics.h), served at GET /metrics on [policy] metrics by the
 * shared listener (lib/daemon/httpd.h): answers by protocol and kind,
 * malformed requests, connections, refusals, slow clients, request
 * latency, routing decisions per pool, IP and ISP, DNS failures, and the
 * warm-up state of every pool IP at every ISP read from the store at
 * scrape time. */
#ifndef POLICY_METRICS_H
#define POLICY_METRICS_H

#include "httpd.h"
#include "store.h"

struct ipp_pool;
struct ipp_isp;

enum metric {
	M_SM_ROUTE,		/* socketmap: OK ippool_POOL_N: */
	M_SM_SPILL,		/* socketmap: OK spillover pool's transport */
	M_SM_DEFER,		/* socketmap: OK retry:4.7.1 ... */
	M_SM_RELAY,		/* socketmap ippool-sender: OK relay transport */
	M_SM_NOTFOUND,		/* socketmap: NOTFOUND */
	M_SM_TEMP,		/* socketmap: TEMP */
	M_PL_FILTER,		/* policy: action=FILTER */
	M_PL_DUNNO,		/* policy: action=DUNNO */
	M_PL_DEFER,		/* policy: action=DEFER_IF_PERMIT (internal failure) */
	M_SM_MALFORMED,		/* connections closed for bad input */
	M_PL_MALFORMED,
	M_SM_CONNS,		/* gauges: open connections */
	M_PL_CONNS,
	M_MX_CONNS,		/* the metrics listener's */
	M_REFUSED,		/* connections refused: not in [policy] clients */
	M_OVERCAP,		/* connections refused: the listener's cap */
	M_SLOW,			/* connections closed: request or reply too slow */
	M_UN_CONNS,		/* the unsubscribe listener's open connections */
	M_UNSUB_STORED,		/* unsubscribes: suppressed now */
	M_UNSUB_REPEAT,		/* unsubscribes: suppressed already */
	M_UNSUB_BAD,		/* unsubscribe requests with a bad token */
	M_UNSUB_FAILED,		/* unsubscribes answered 503: store failed or busy */
	M_UNSUB_LIM_RATE,	/* unsubscribe limits: 429 */
	M_UNSUB_LIM_CAP,	/* 503 for the connection cap */
	M_UNSUB_LIM_SIZE,	/* 411, 413, 431 */
	M_UNSUB_LIM_SLOW,	/* 408, or closed for slowness */
	M_COUNT
};

/* Register every family (zeros visible from the start), the warm-up
 * collector reading store, and the build info; before serving. */
void	metrics_init(struct ipp_store *);

void	metrics_add(enum metric, long delta);

/* A socketmap routing decision: pool asked, the pool and IP that carry
 * the recipient (spilled when that pool is another), or deferred (ip
 * NULL) for capacity at isp. */
void	metrics_route(const struct ipp_pool *asked, const struct ipp_pool *carrier,
	    const char *ip, const struct ipp_isp *, int deferred);

/* Every routing series of the configuration at 0 (start and reload), so
 * that Prometheus sees a counter's first increment. */
void	metrics_prime(const struct ipp_config *);

/* An MX lookup that failed (the recipient counted as others). */
void	metrics_dns_failure(void);

/* Seconds one request took to answer, by protocol ("socketmap", "policy"). */
void	metrics_latency(const char *protocol, double seconds);

/* The metrics listener's hook (ipp_httpd_kind.count). */
void	metrics_http_count(enum ipp_httpd_event, void *arg);

#endif
