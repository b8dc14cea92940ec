/* ingest.c - the exactly-once application of log lines, and the table of
 * handlers that give them meaning. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "events_ingest.h"
#include "fbapply.h"
#include "feedback.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "warmup_ingest.h"

/* Every consumer of log lines, in the order they see each line. */
static const struct ipp_ingest_handler *const handlers[] = {
	&ipp_events_handler,		/* first: a line's own event before what it causes */
	&ipp_feedback_handler,
	&ipp_warmup_handler,
	NULL
};

/*
 * Applied marks live in the applied table under "D<day>|...", so that old
 * ones are dropped by a scan that stops at the first recent day.
 */
static int
mark_key(const struct ipp_logline *ll, char *key, size_t len)
{
	int	n;

	n = snprintf(key, len, "D%08ld|%lld|%s|%s|%s|%s|%s|%s", ipp_day(ll->when),
	    (long long) ll->when, ll->host, ll->syslog_name, ll->qid, ll->rcpt,
	    ipp_logstatus_name(ll->status), ll->dsn);
	return (n > 0 && (size_t) n < len ? n : -1);
}

struct line_job {
	const struct ipp_config *cfg;
	const struct ipp_logline *ll;
	const struct ipp_ingest_handler *want[8];
	struct ipp_ingest_out out[8];	/* per handler, used after commit */
	int	nwant;
	char	key[1200];
	size_t	klen;
	int	dedup;
};

#define DUPLICATE 1

static int
line_body(struct ipp_txn *txn, void *arg)
{
	struct line_job *job = arg;
	struct ipp_buf v = { NULL, 0 };
	char	stamp[32];
	int	rc, i;

	if (job->dedup) {
		rc = ipp_txn_get(txn, IPP_T_APPLIED, job->key, job->klen, &v, IPP_GET_RMW);
		free(v.data);
		if (rc == IPP_OK)
			return (DUPLICATE);
		if (rc != IPP_NOTFOUND)
			return (rc);
	}
	for (i = 0; i < job->nwant; i++) {
		memset(&job->out[i], 0, sizeof(job->out[i]));
		if ((rc = job->want[i]->apply(txn, job->cfg, job->ll, &job->out[i])) < 0)
			return (rc);
	}
	if (job->dedup) {
		(void) snprintf(stamp, sizeof(stamp), "%lld", (long long) job->ll->when);
		if ((rc = ipp_txn_put(txn, IPP_T_APPLIED, job->key, job->klen, stamp,
		    strlen(stamp))) < 0)
			return (rc);
	}
	return (IPP_OK);
}

/* --- metrics: what a long-running ingest has done (ippoolctl --metrics-file) */

static struct ipp_metric *m_lines, *m_findings, *m_supp, *m_backoff, *m_results;
static pthread_once_t m_once = PTHREAD_ONCE_INIT;

static void
metrics_register(void)
{
	static const char *const results[] = { "applied", "duplicate", "ignored", "skipped",
	    "failed" };
	static const enum ipp_logstatus kinds[] = { IPP_LOGS_SENT, IPP_LOGS_DEFERRED,
	    IPP_LOGS_BOUNCED, IPP_LOGS_EXPIRED };
	size_t	i;

	m_lines = ipp_metric_counter("ippool_ingest_lines_total",
	    "Log lines read by ippoolctl ingest, by what became of them.", "result");
	m_findings = ipp_metric_counter("ippool_ingest_findings_total",
	    "Delivery results applied from the logs, by kind.", "kind");
	m_supp = ipp_metric_counter("ippool_ingest_suppressions_total",
	    "Recipients suppressed from the logs, by reason.", "reason");
	m_results = ipp_metric_counter("ippool_ingest_results_total",
	    "Delivery results of the pool instances, by pool, IP, ISP and status.",
	    "pool,ip,isp,status");
	m_backoff = ipp_metric_counter("ippool_ingest_backoffs_total",
	    "Deferrals matching [warmup] backoff: the IP's capacity halved and paused at the ISP.",
	    "pool,ip,isp");
	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		ipp_metric_add(m_lines, 0, results[i]);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		ipp_metric_add(m_findings, 0, ipp_logstatus_name(kinds[i]));
	ipp_metric_add(m_supp, 0, "hard_bounce");
	ipp_metric_add(m_supp, 0, "soft_failures");
}

void
ipp_ingest_metrics_init(void)
{
	(void) pthread_once(&m_once, metrics_register);
}

void
ipp_ingest_metrics_prime(const struct ipp_config *cfg)
{
	static const enum ipp_logstatus st[] = { IPP_LOGS_SENT, IPP_LOGS_DEFERRED,
	    IPP_LOGS_BOUNCED };
	const struct ipp_pool *p;
	size_t	i, j, k, s;

	ipp_ingest_metrics_init();
	/* increase() and rate() see a counter's first step only when its
	 * series was there before it: every configured IP at every ISP at 0 */
	for (i = 0; i < cfg->npools; i++)
		for (p = &cfg->pools[i], j = 0; j < p->nips; j++)
			for (k = 0; k < cfg->nisps; k++) {
				ipp_metric_add(m_backoff, 0, p->name, p->ips[j].text,
				    cfg->isps[k].name);
				for (s = 0; s < sizeof(st) / sizeof(st[0]); s++)
					ipp_metric_add(m_results, 0, p->name, p->ips[j].text,
					    cfg->isps[k].name, ipp_logstatus_name(st[s]));
			}
}

static void
count_line(const char *result)
{
	ipp_ingest_metrics_init();
	ipp_metric_add(m_lines, 1, result);
}

static void
count_effects(const struct line_job *job)
{
	int	i;

	if (job->ll->kind == IPP_LOGK_DELIVERY || job->ll->kind == IPP_LOGK_EXPIRED)
		ipp_metric_add(m_findings, 1, ipp_logstatus_name(job->ll->status));
	for (i = 0; i < job->nwant; i++) {
		if (job->out[i].suppressed)
			ipp_metric_add(m_supp, 1, job->out[i].suppressed);
		if (job->out[i].pool != NULL)
			ipp_metric_add(m_results, 1, job->out[i].pool, job->out[i].ip,
			    job->out[i].isp, ipp_logstatus_name(job->ll->status));
		if (job->out[i].backoff)
			ipp_metric_add(m_backoff, 1, job->out[i].pool, job->out[i].ip,
			    job->out[i].isp);
	}
}

int
ipp_ingest_line(struct ipp_store *store, const struct ipp_config *cfg,
    const char *line, size_t len, const char *where, struct ipp_ingest_stats *st)
{
	struct ipp_logline ll;
	struct line_job job;
	char	err[256];
	int	i, n, rc;

	st->read++;
	switch (ipp_logparse(line, len, ipp_now(), &ll, err, sizeof(err))) {
	case IPP_LOGP_FOREIGN:
		st->skipped++;
		count_line("skipped");
		return (IPP_OK);
	case IPP_LOGP_MALFORMED:
		st->skipped++;
		count_line("skipped");
		msg_warn("%s: malformed Postfix line skipped: %s", where, err);
		return (IPP_OK);
	case IPP_LOGP_POSTFIX:
		break;
	}
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.ll = &ll;
	for (i = 0; handlers[i] && job.nwant < (int) (sizeof(job.want) / sizeof(job.want[0])); i++)
		if (handlers[i]->wants(cfg, &ll))
			job.want[job.nwant++] = handlers[i];
	if (job.nwant == 0) {
		st->ignored++;
		count_line("ignored");
		return (IPP_OK);
	}
	/* every line a handler uses counts once */
	job.dedup = 1;
	{
		if ((n = mark_key(&ll, job.key, sizeof(job.key))) < 0) {
			st->skipped++;
			count_line("skipped");
			msg_warn("%s: line fields too long to track; skipped", where);
			return (IPP_OK);
		}
		job.klen = (size_t) n;
	}
	rc = ipp_store_run(store, line_body, &job);
	if (rc == DUPLICATE) {
		st->duplicate++;
		count_line("duplicate");
		return (IPP_OK);
	}
	if (rc < 0) {
		st->failed++;
		count_line("failed");
		return (rc);
	}
	for (i = 0; i < job.nwant; i++)
		if (job.out[i].note[0] != '\0')
			msg_info("%s", job.out[i].note);
	st->applied++;
	count_line("applied");
	count_effects(&job);
	return (IPP_OK);
}

struct purge_arg {
	long	cutoff_day;
};

static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct purge_arg *pa = arg;
	char	day[9];

	(void) v;
	(void) vl;
	if (kl < 9)
		return (IPP_SCAN_DELETE);	/* not ours: a broken key */
	(void) memcpy(day, (const char *) k + 1, 8);
	day[8] = '\0';
	if (atol(day) >= pa->cutoff_day)
		return (IPP_SCAN_STOP);
	return (IPP_SCAN_DELETE);
}

int
ipp_ingest_purge(struct ipp_store *store, const struct ipp_config *cfg, time_t now)
{
	struct purge_arg pa;
	int	rc;

	pa.cutoff_day = ipp_day(now - IPP_INGEST_RETENTION);
	if ((rc = ipp_store_scan(store, IPP_T_APPLIED, "D", 1, purge_cb, &pa)) < 0
	    || (rc = ipp_fb_purge(store, now)) < 0
	    || (rc = ipp_retpath_purge(store, cfg, now)) < 0)
		return (rc);
	if ((rc = ipp_day_purge(store, now)) < 0)
		return (rc);
	return (ipp_feedback_purge(store, cfg, now));
}
