/* policy_metrics.c - ippool-policyd's families, and the warm-up gauges
 * set afresh at each scrape from the store (a short scan of a local table
 * with read-committed cursors, or one SCAN batch on Redis): bounded by the
 * configuration's pools, IPs and ISPs, and by the registry's series cap. */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"
#include "clock.h"
#include "confref.h"
#include "isp.h"
#include "log.h"
#include "metrics.h"
#include "policy_metrics.h"
#include "pool.h"
#include "warmup.h"

static struct ipp_metric *unsubs, *unsub_limited;
static struct ipp_metric *answers, *malformed, *conns, *refused, *slow, *latency,
	*routed, *spilled, *deferred, *dnsfail, *scrape_fail;
static struct ipp_metric *wu_day, *wu_warm, *wu_sent, *wu_reserved, *wu_cap, *wu_left,
	*wu_paused;
static struct ipp_metric *gd_sent, *gd_bounced, *gd_compl, *gd_brate, *gd_crate, *gd_paused;
static struct ipp_log_limit scrape_lim = IPP_LOG_LIMIT_INIT;

static const struct {
	enum metric m;
	const char *protocol, *answer;
} answer_labels[] = {
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

#define NANSWERS (sizeof(answer_labels) / sizeof(answer_labels[0]))

void
metrics_add(enum metric m, long delta)
{
	size_t	i;

	for (i = 0; i < NANSWERS; i++)
		if (answer_labels[i].m == m) {
			ipp_metric_add(answers, (double) delta, answer_labels[i].protocol,
			    answer_labels[i].answer);
			return;
		}
	switch (m) {
	case M_SM_MALFORMED:
		ipp_metric_add(malformed, (double) delta, "socketmap");
		break;
	case M_PL_MALFORMED:
		ipp_metric_add(malformed, (double) delta, "policy");
		break;
	case M_SM_CONNS:
		ipp_metric_add(conns, (double) delta, "socketmap");
		break;
	case M_PL_CONNS:
		ipp_metric_add(conns, (double) delta, "policy");
		break;
	case M_MX_CONNS:
		ipp_metric_add(conns, (double) delta, "metrics");
		break;
	case M_REFUSED:
		ipp_metric_add(refused, (double) delta, "clients");
		break;
	case M_OVERCAP:
		ipp_metric_add(refused, (double) delta, "cap");
		break;
	case M_SLOW:
		ipp_metric_add(slow, (double) delta);
		break;
	case M_UN_CONNS:
		ipp_metric_add(conns, (double) delta, "unsubscribe");
		break;
	case M_UNSUB_STORED:
		ipp_metric_add(unsubs, (double) delta, "stored");
		break;
	case M_UNSUB_REPEAT:
		ipp_metric_add(unsubs, (double) delta, "repeat");
		break;
	case M_UNSUB_BAD:
		ipp_metric_add(unsubs, (double) delta, "bad_token");
		break;
	case M_UNSUB_FAILED:
		ipp_metric_add(unsubs, (double) delta, "store_failed");
		break;
	case M_UNSUB_LIM_RATE:
		ipp_metric_add(unsub_limited, (double) delta, "rate");
		break;
	case M_UNSUB_LIM_CAP:
		ipp_metric_add(unsub_limited, (double) delta, "connections");
		break;
	case M_UNSUB_LIM_SIZE:
		ipp_metric_add(unsub_limited, (double) delta, "size");
		break;
	case M_UNSUB_LIM_SLOW:
		ipp_metric_add(unsub_limited, (double) delta, "slow");
		break;
	default:
		break;
	}
}

void
metrics_route(const struct ipp_pool *asked, const struct ipp_pool *carrier, const char *ip,
    const struct ipp_isp *isp, int deferred_)
{
	if (deferred_)
		ipp_metric_add(deferred, 1, asked->name, isp->name);
	else if (carrier != asked)
		ipp_metric_add(spilled, 1, asked->name, carrier->name, ip, isp->name);
	else
		ipp_metric_add(routed, 1, asked->name, ip, isp->name);
}

void
metrics_prime(const struct ipp_config *cfg)
{
	const struct ipp_pool *p, *sp;
	size_t	i, j, k;

	/* a counter's first increment must show as one: its series exists at 0 */
	for (i = 0; i < cfg->npools; i++) {
		p = &cfg->pools[i];
		sp = p->spill;
		for (k = 0; k < cfg->nisps; k++) {
			ipp_metric_add(deferred, 0, p->name, cfg->isps[k].name);
			for (j = 0; j < p->nips; j++)
				ipp_metric_add(routed, 0, p->name, p->ips[j].text, cfg->isps[k].name);
			for (j = 0; sp != NULL && j < sp->nips; j++)
				ipp_metric_add(spilled, 0, p->name, sp->name, sp->ips[j].text,
				    cfg->isps[k].name);
		}
	}
}

void
metrics_dns_failure(void)
{
	ipp_metric_add(dnsfail, 1);
}

void
metrics_latency(const char *protocol, double seconds)
{
	ipp_metric_observe(latency, seconds, protocol);
}

void
metrics_http_count(enum ipp_httpd_event e, void *arg)
{
	(void) arg;
	switch (e) {
	case IPP_HTTPD_OPEN:
		metrics_add(M_MX_CONNS, 1);
		break;
	case IPP_HTTPD_CLOSE:
		metrics_add(M_MX_CONNS, -1);
		break;
	case IPP_HTTPD_REFUSED:
		metrics_add(M_REFUSED, 1);
		break;
	case IPP_HTTPD_OVERCAP:
		metrics_add(M_OVERCAP, 1);
		break;
	case IPP_HTTPD_SLOW:
		metrics_add(M_SLOW, 1);
	}
}

/* The warm-up gauges, from the store, as of now. */
static void
collect_warmup(void *arg)
{
	struct ipp_store *store = arg;
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ipp_confref_cfg(ref);
	struct ipp_wu_row *rows;
	time_t	now = ipp_now();
	size_t	n, i;

	ipp_metric_clear(wu_day);
	ipp_metric_clear(wu_warm);
	ipp_metric_clear(wu_sent);
	ipp_metric_clear(wu_reserved);
	ipp_metric_clear(wu_cap);
	ipp_metric_clear(wu_left);
	ipp_metric_clear(wu_paused);
	if (ipp_wu_store_snapshot(store, cfg, now, &rows, &n) < 0) {
		/* the counters are still worth having: serve them */
		msg_warn_limited(&scrape_lim, 60, "metrics: cannot read the warm-up state from the store");
		ipp_metric_add(scrape_fail, 1);
		ipp_confref_put(ref);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct ipp_wu_row *r = &rows[i];
		const char *pool = r->pool->name, *ip = r->pool->ips[r->ip].text, *isp = r->isp->name;
		unsigned long cap = ipp_wu_capacity(cfg, r->pool, r->isp, &r->st);
		unsigned long left = ipp_wu_left(cfg, r->pool, r->isp, &r->st, now);

		/* a standard pool has no warm-up day, as in "warmup status" */
		if (r->pool->managed) {
			size_t	slen = 0;

			(void) ipp_wu_schedule(cfg, r->isp, &slen);
			ipp_metric_set(wu_day, r->st.level, pool, ip, isp);
			ipp_metric_set(wu_warm, (double) slen + 1, pool, ip, isp);
		}
		ipp_metric_set(wu_sent, (double) r->st.sent, pool, ip, isp);
		ipp_metric_set(wu_reserved, (double) r->st.reserved, pool, ip, isp);
		ipp_metric_set(wu_cap, cap == IPP_WU_UNLIMITED ? INFINITY : (double) cap, pool, ip,
		    isp);
		ipp_metric_set(wu_left, left == IPP_WU_UNLIMITED ? INFINITY : (double) left, pool,
		    ip, isp);
		ipp_metric_set(wu_paused, ipp_wu_paused(r->pool, &r->st, now)
		    ? (double) r->st.pause_until : 0, pool, ip, isp);
	}
	free(rows);
	ipp_confref_put(ref);
}

static int
guard_row(const struct ipp_guard_status *g, void *arg)
{
	(void) arg;
	ipp_metric_set(gd_sent, (double) g->sent, g->domain);
	ipp_metric_set(gd_bounced, (double) g->bounced, g->domain);
	ipp_metric_set(gd_compl, (double) g->complaints, g->domain);
	ipp_metric_set(gd_brate, (double) g->rate_ppm / 1e6, g->domain);
	ipp_metric_set(gd_crate, (double) g->complaint_ppm / 1e6, g->domain);
	ipp_metric_set(gd_paused, g->paused, g->domain);
	return (IPP_SCAN_NEXT);
}

/* The guard's 24-hour counts per sender domain, as of now. */
static void
collect_guard(void *arg)
{
	struct ipp_store *store = arg;
	struct ipp_confref *ref = ipp_confref_get();

	ipp_metric_clear(gd_sent);
	ipp_metric_clear(gd_bounced);
	ipp_metric_clear(gd_compl);
	ipp_metric_clear(gd_brate);
	ipp_metric_clear(gd_crate);
	ipp_metric_clear(gd_paused);
	if (ipp_guard_scan(store, ipp_confref_cfg(ref), ipp_now(), guard_row, NULL) < 0) {
		msg_warn_limited(&scrape_lim, 60, "metrics: cannot read the sender counts from the store");
		ipp_metric_add(scrape_fail, 1);
	}
	ipp_confref_put(ref);
}

void
metrics_init(struct ipp_store *store)
{
	size_t	i;

	answers = ipp_metric_counter("ippool_policyd_answers_total",
	    "Answers given, by protocol and kind.", "protocol,answer");
	malformed = ipp_metric_counter("ippool_policyd_malformed_total",
	    "Connections closed for malformed or oversized requests.", "protocol");
	conns = ipp_metric_gauge("ippool_policyd_connections", "Open client connections.",
	    "protocol");
	refused = ipp_metric_counter("ippool_policyd_refused_total",
	    "Connections refused: client not in [policy] clients, or the listener's cap.",
	    "reason");
	slow = ipp_metric_counter("ippool_policyd_slow_total",
	    "Connections closed for a request not complete in time or replies not read.", NULL);
	unsubs = ipp_metric_counter("ippool_unsubscribes_total",
	    "One-click unsubscribe requests with a token, by result.", "result");
	unsub_limited = ipp_metric_counter("ippool_unsubscribe_limited_total",
	    "Unsubscribe requests refused by a limit.", "limit");
	latency = ipp_metric_histogram("ippool_policyd_request_duration_seconds",
	    "Time to answer one request, store and DNS included.", "protocol", NULL, 0);
	routed = ipp_metric_counter("ippool_policyd_routed_total",
	    "Recipients routed to an IP of the pool asked for.", "pool,ip,isp");
	spilled = ipp_metric_counter("ippool_policyd_spilled_total",
	    "Recipients routed to an IP of the spillover pool, the pool asked for having no capacity.",
	    "pool,to_pool,ip,isp");
	deferred = ipp_metric_counter("ippool_policyd_deferred_total",
	    "Recipients deferred until the next UTC day: no capacity left at the ISP.", "pool,isp");
	dnsfail = ipp_metric_counter("ippool_policyd_dns_failures_total",
	    "MX lookups that failed (the recipient counted as others until they work).", NULL);
	scrape_fail = ipp_metric_counter("ippool_policyd_scrape_store_failures_total",
	    "Scrapes that could not read the warm-up state from the store.", NULL);
	wu_day = ipp_metric_gauge("ippool_warmup_day",
	    "Warm-up day of an IP at an ISP (the schedule's length + 1: warm); managed pools only.",
	    "pool,ip,isp");
	wu_warm = ipp_metric_gauge("ippool_warmup_warm_day",
	    "The warm-up day at which the IP is warm at the ISP (the schedule's length + 1).",
	    "pool,ip,isp");
	wu_sent = ipp_metric_gauge("ippool_warmup_sent_today",
	    "Deliveries confirmed by ippoolctl ingest today (UTC).", "pool,ip,isp");
	wu_reserved = ipp_metric_gauge("ippool_warmup_reserved",
	    "Units handed out today and not settled by ingest yet.", "pool,ip,isp");
	wu_cap = ipp_metric_gauge("ippool_warmup_capacity_today",
	    "Today's capacity (+Inf: uncapped).", "pool,ip,isp");
	wu_left = ipp_metric_gauge("ippool_warmup_remaining_today",
	    "Capacity left today: capacity minus sent and reserved, 0 while paused (+Inf: uncapped).",
	    "pool,ip,isp");
	wu_paused = ipp_metric_gauge("ippool_warmup_paused_until_timestamp_seconds",
	    "Unix time a backoff pause of the IP at the ISP ends; 0: not paused.", "pool,ip,isp");
	gd_sent = ipp_metric_gauge("ippool_sender_delivered_24h",
	    "Deliveries for the sender domain over the last 24 hours (the guard's count).", "domain");
	gd_bounced = ipp_metric_gauge("ippool_sender_bounced_24h",
	    "Hard bounces for the sender domain over the last 24 hours.", "domain");
	gd_compl = ipp_metric_gauge("ippool_sender_complaints_24h",
	    "Complaints (ARF) for the sender domain over the last 24 hours.", "domain");
	gd_brate = ipp_metric_gauge("ippool_sender_bounce_ratio",
	    "Hard bounces / (deliveries + hard bounces) over 24 hours, as the guard computes it.",
	    "domain");
	gd_crate = ipp_metric_gauge("ippool_sender_complaint_ratio",
	    "Complaints / deliveries over 24 hours, as the guard computes it.", "domain");
	gd_paused = ipp_metric_gauge("ippool_sender_paused",
	    "1 while the guard pauses the sender domain's mail at MAIL FROM.", "domain");
	for (i = 0; i < NANSWERS; i++)
		metrics_add(answer_labels[i].m, 0);
	metrics_add(M_SM_MALFORMED, 0);
	metrics_add(M_PL_MALFORMED, 0);
	metrics_add(M_SM_CONNS, 0);
	metrics_add(M_PL_CONNS, 0);
	metrics_add(M_MX_CONNS, 0);
	metrics_add(M_REFUSED, 0);
	metrics_add(M_OVERCAP, 0);
	metrics_add(M_SLOW, 0);
	for (i = M_UN_CONNS; i <= M_UNSUB_LIM_SLOW; i++)
		metrics_add((enum metric) i, 0);
	ipp_metric_add(dnsfail, 0);
	ipp_metric_add(scrape_fail, 0);
	ipp_metrics_build_info("ippool-policyd");
	(void) ipp_metrics_collector(collect_warmup, store);
	(void) ipp_metrics_collector(collect_guard, store);
}
