/* metrics.h - ippool-policyd's counters, and their Prometheus text
 * exposition at GET /metrics on [policy] metrics: answers by protocol and
 * kind, malformed requests, open connections, and the warm-up state of
 * every pool IP at every ISP (day, used today, capacity, paused). */
#ifndef POLICY_METRICS_H
#define POLICY_METRICS_H

#include "store.h"

struct evbuffer;

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

void	metrics_add(enum metric, long delta);
unsigned long metrics_get(enum metric);

/* The page: every counter, then the warm-up state read from the store. */
void	metrics_page(struct evbuffer *, struct ipp_store *);

#endif
