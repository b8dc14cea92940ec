/* metrics.c - counters (atomics: the loop and the workers count) and the
 * /metrics page (served by server.c, framed by frame.c, http.c).  A scrape reads the warm-up table in the loop thread: it
 * is a short scan of a local table with read-committed cursors. */
#include "autoconfig.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "confref.h"
#include "log.h"
#include "metrics.h"
#include "warmup.h"

static atomic_long counters[M_COUNT];
static struct ipp_log_limit scrape_lim = IPP_LOG_LIMIT_INIT;

void
metrics_add(enum metric m, long delta)
{
	atomic_fetch_add(&counters[m], delta);
}

unsigned long
metrics_get(enum metric m)
{
	return ((unsigned long) atomic_load(&counters[m]));
}

static const struct {
	enum metric m;
	const char *protocol, *answer;
} answers[] = {
	{ M_SM_ROUTE, "socketmap", "route" },
	{ M_SM_SPILL, "socketmap", "spill" },
	{ M_SM_DEFER, "socketmap", "defer" },
	{ M_SM_RELAY, "socketmap", "relay" },
	{ M_SM_NOTFOUND, "socketmap", "notfound" },
	{ M_SM_TEMP, "socketmap", "temp" },
	{ M_PL_FILTER, "policy", "filter" },
	{ M_PL_DUNNO, "policy", "dunno" },
	{ M_PL_DEFER, "policy", "defer_if_permit" },
};

static void
counters_page(struct evbuffer *b)
{
	size_t	i;

	(void) evbuffer_add_printf(b,
	    "# HELP ippool_policyd_answers_total Answers given, by protocol and kind.\n"
	    "# TYPE ippool_policyd_answers_total counter\n");
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		(void) evbuffer_add_printf(b,
		    "ippool_policyd_answers_total{protocol=\"%s\",answer=\"%s\"} %lu\n",
		    answers[i].protocol, answers[i].answer, metrics_get(answers[i].m));
	(void) evbuffer_add_printf(b,
	    "# HELP ippool_policyd_malformed_total Connections closed for malformed or oversized requests.\n"
	    "# TYPE ippool_policyd_malformed_total counter\n"
	    "ippool_policyd_malformed_total{protocol=\"socketmap\"} %lu\n"
	    "ippool_policyd_malformed_total{protocol=\"policy\"} %lu\n"
	    "# HELP ippool_policyd_connections Open client connections.\n"
	    "# TYPE ippool_policyd_connections gauge\n"
	    "ippool_policyd_connections{protocol=\"socketmap\"} %lu\n"
	    "ippool_policyd_connections{protocol=\"policy\"} %lu\n"
	    "ippool_policyd_connections{protocol=\"metrics\"} %lu\n"
	    "ippool_policyd_connections{protocol=\"unsubscribe\"} %lu\n"
	    "# HELP ippool_policyd_refused_total Connections refused: client not in [policy] clients, or the listener's cap.\n"
	    "# TYPE ippool_policyd_refused_total counter\n"
	    "ippool_policyd_refused_total{reason=\"clients\"} %lu\n"
	    "ippool_policyd_refused_total{reason=\"cap\"} %lu\n"
	    "# HELP ippool_policyd_slow_total Connections closed for a request not complete in time or replies not read.\n"
	    "# TYPE ippool_policyd_slow_total counter\n"
	    "ippool_policyd_slow_total %lu\n",
	    metrics_get(M_SM_MALFORMED), metrics_get(M_PL_MALFORMED),
	    metrics_get(M_SM_CONNS), metrics_get(M_PL_CONNS), metrics_get(M_MX_CONNS),
	    metrics_get(M_UN_CONNS),
	    metrics_get(M_REFUSED), metrics_get(M_OVERCAP), metrics_get(M_SLOW));
	(void) evbuffer_add_printf(b,
	    "# HELP ippool_unsubscribes_total One-click unsubscribe requests with a token, by result.\n"
	    "# TYPE ippool_unsubscribes_total counter\n"
	    "ippool_unsubscribes_total{result=\"stored\"} %lu\n"
	    "ippool_unsubscribes_total{result=\"repeat\"} %lu\n"
	    "ippool_unsubscribes_total{result=\"bad_token\"} %lu\n"
	    "ippool_unsubscribes_total{result=\"store_failed\"} %lu\n"
	    "# HELP ippool_unsubscribe_limited_total Unsubscribe requests refused by a limit.\n"
	    "# TYPE ippool_unsubscribe_limited_total counter\n"
	    "ippool_unsubscribe_limited_total{limit=\"rate\"} %lu\n"
	    "ippool_unsubscribe_limited_total{limit=\"connections\"} %lu\n"
	    "ippool_unsubscribe_limited_total{limit=\"size\"} %lu\n"
	    "ippool_unsubscribe_limited_total{limit=\"slow\"} %lu\n",
	    metrics_get(M_UNSUB_STORED), metrics_get(M_UNSUB_REPEAT),
	    metrics_get(M_UNSUB_BAD), metrics_get(M_UNSUB_FAILED), metrics_get(M_UNSUB_LIM_RATE),
	    metrics_get(M_UNSUB_LIM_CAP), metrics_get(M_UNSUB_LIM_SIZE),
	    metrics_get(M_UNSUB_LIM_SLOW));
}

static int
warmup_page(struct evbuffer *b, struct ipp_store *mstore, const struct ipp_config *cfg)
{
	static const char *const names[] = { "day", "sent_today", "reserved", "capacity_today",
	    "paused" };
	static const char *const help[] = {
	    "Warm-up day of an IP at an ISP (the schedule's length + 1: warm).",
	    "Deliveries confirmed by ippoolctl ingest today (UTC).",
	    "Units handed out today and not settled by ingest yet.",
	    "Today's capacity (+Inf: uncapped).",
	    "1 while the IP is paused at that ISP after a backoff." };
	struct ipp_wu_row *rows;
	time_t	now = ipp_now();
	size_t	n, i, k;
	char	v[32];
	int	rc;

	if ((rc = ipp_wu_store_snapshot(mstore, cfg, now, &rows, &n)) < 0)
		return (rc);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		(void) evbuffer_add_printf(b, "# HELP ippool_warmup_%s %s\n# TYPE ippool_warmup_%s gauge\n",
		    names[k], help[k], names[k]);
		for (i = 0; i < n; i++) {
			const struct ipp_wu_row *r = &rows[i];
			unsigned long cap;

			switch (k) {
			case 0:
				(void) snprintf(v, sizeof(v), "%u", r->st.level);
				break;
			case 1:
				(void) snprintf(v, sizeof(v), "%lu", r->st.sent);
				break;
			case 2:
				(void) snprintf(v, sizeof(v), "%lu", r->st.reserved);
				break;
			case 3:
				cap = ipp_wu_capacity(cfg, r->pool, r->isp, &r->st);
				if (cap == IPP_WU_UNLIMITED)
					(void) strcpy(v, "+Inf");
				else
					(void) snprintf(v, sizeof(v), "%lu", cap);
				break;
			default:
				(void) snprintf(v, sizeof(v), "%d", ipp_wu_paused(r->pool, &r->st, now));
			}
			(void) evbuffer_add_printf(b,
			    "ippool_warmup_%s{pool=\"%s\",ip=\"%s\",isp=\"%s\"} %s\n", names[k],
			    r->pool->name, r->pool->ips[r->ip].text, r->isp->name, v);
		}
	}
	free(rows);
	return (IPP_OK);
}

void
metrics_page(struct evbuffer *b, struct ipp_store *store)
{
	struct ipp_confref *ref = ipp_confref_get();

	counters_page(b);
	if (warmup_page(b, store, ipp_confref_cfg(ref)) < 0) {
		/* the counters are still worth having: serve them */
		msg_warn_limited(&scrape_lim, 60, "metrics: cannot read the warm-up state from the store");
	}
	ipp_confref_put(ref);
}
