/* ingest.c - the exactly-once application of log lines, and the table of
 * handlers that give them meaning. */
#include "autoconfig.h"

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
	char	note[8][IPP_INGEST_NOTE_MAX];	/* per handler, logged after commit */
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
		job->note[i][0] = '\0';
		if ((rc = job->want[i]->apply(txn, job->cfg, job->ll, job->note[i],
		    sizeof(job->note[i]))) < 0)
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
		return (IPP_OK);
	case IPP_LOGP_MALFORMED:
		st->skipped++;
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
		return (IPP_OK);
	}
	/* every line a handler uses counts once */
	job.dedup = 1;
	{
		if ((n = mark_key(&ll, job.key, sizeof(job.key))) < 0) {
			st->skipped++;
			msg_warn("%s: line fields too long to track; skipped", where);
			return (IPP_OK);
		}
		job.klen = (size_t) n;
	}
	rc = ipp_store_run(store, line_body, &job);
	if (rc == DUPLICATE) {
		st->duplicate++;
		return (IPP_OK);
	}
	if (rc < 0) {
		st->failed++;
		return (rc);
	}
	for (i = 0; i < job.nwant; i++)
		if (job.note[i][0] != '\0')
			msg_info("%s", job.note[i]);
	st->applied++;
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
