/* warmup_ingest.c - the warm-up engine's ingest handler: a pool IP's
 * delivery, deferral or bounce settles its reserved unit (warmup.h) and
 * is counted in that day's history (daystats.h) in the same transaction. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "isp.h"
#include "transport.h"
#include "warmup.h"
#include "warmup_ingest.h"

static int
wu_wants(const struct ipp_config *cfg, const struct ipp_logline *ll)
{
	const struct ipp_pool *pool;
	size_t	idx;

	if (ll->kind != IPP_LOGK_DELIVERY || strcmp(ll->program, "smtp") != 0)
		return (0);
	if (ll->status != IPP_LOGS_SENT && ll->status != IPP_LOGS_BOUNCED
	    && ll->status != IPP_LOGS_DEFERRED)
		return (0);
	return (ipp_transport_from_syslog(cfg, ll->syslog_name, &pool, &idx) == 0);
}

/* The line in the day's history, with the warm-up day and capacity the
 * IP has now when the line is of today (an older day's stay as counted). */
static int
count_day(struct ipp_txn *txn, const struct ipp_config *cfg, const struct ipp_wu_io *io,
    const struct ipp_pool *pool, size_t idx, const struct ipp_isp *isp,
    const struct ipp_logline *ll, time_t now)
{
	struct ipp_wu_state st;
	enum ipp_day_result what;
	unsigned level = IPP_DAY_NOLEVEL;
	unsigned long cap = IPP_WU_UNLIMITED;
	int	rc;

	what = ll->status == IPP_LOGS_SENT ? IPP_DAY_SENT
	    : ll->status == IPP_LOGS_DEFERRED ? IPP_DAY_DEFERRED : IPP_DAY_BOUNCED;
	if (ipp_day(ll->when) == ipp_day(now)) {
		if ((rc = io->load(io->ctx, &pool->ips[idx], isp, ipp_day(now), &st)) < 0)
			return (rc);
		level = st.level ? st.level : 1;
		cap = ipp_wu_capacity(cfg, pool, isp, &st);
	}
	return (ipp_day_txn_result(txn, ipp_day(ll->when), pool->ips[idx].text, isp->name,
	    what, level, cap));
}

static int
wu_apply(struct ipp_txn *txn, const struct ipp_config *cfg, const struct ipp_logline *ll,
    struct ipp_ingest_out *out)
{
	const struct ipp_pool *pool;
	struct ipp_isp_result res;
	struct ipp_wu_io io;
	enum ipp_wu_outcome outcome;
	char	text[sizeof(ll->dsn) + sizeof(ll->reply) + 2], until[32];
	time_t	now = ipp_now();
	size_t	idx;
	int	rc, backoff;

	if (ipp_transport_from_syslog(cfg, ll->syslog_name, &pool, &idx) != 0)
		return (IPP_OK);
	(void) ipp_isp_classify(cfg, ll->rcpt, now, &res);
	(void) snprintf(text, sizeof(text), "%s %s", ll->dsn, ll->reply);
	/* a bounce that reached no server (relay=none) showed the ISP nothing:
	 * its unit returns, like a deferral's, and it is no backoff */
	if (ll->status == IPP_LOGS_BOUNCED && (ll->relay[0] == '\0' || strcmp(ll->relay, "none") == 0))
		outcome = IPP_WU_DEFERRED, text[0] = '\0';
	else
		outcome = ll->status == IPP_LOGS_DEFERRED ? IPP_WU_DEFERRED : IPP_WU_DELIVERED;
	ipp_wu_txn_io(&io, txn);
	rc = ipp_wu_settle(cfg, &io, pool, idx, res.isp, outcome, text, ll->when, now, &backoff);
	out->pool = pool->name;
	out->ip = pool->ips[idx].text;
	out->isp = res.isp->name;
	if (rc == IPP_OK && backoff) {
		ipp_fmt_hhmm(ll->when + cfg->pause, until, sizeof(until));
		out->backoff = 1;
		(void) snprintf(out->note, sizeof(out->note),
		    "backoff: %s (pool %s) at %s: capacity halved for today, paused until %s UTC (queue %s, dsn=%s)",
		    pool->ips[idx].text, pool->name, res.isp->name, until, ll->qid,
		    ll->dsn[0] ? ll->dsn : "?");
	}
	if (rc < 0)
		return (rc);
	return (count_day(txn, cfg, &io, pool, idx, res.isp, ll, now));
}

const struct ipp_ingest_handler ipp_warmup_handler = {
	"warmup",
	wu_wants,
	wu_apply,
};
