/* feedback.c - the recipient-protection side of log ingestion.
 *
 * Only what a recipient's mail server said counts against the recipient:
 * a delivery with relay=none (no server was reached, or our own warm-up
 * deferral through error(8)) never suppresses anyone, and a deferral
 * counts as a soft failure only when the server answered the RCPT or the
 * end of DATA.  Lines from ippool's relay transports in the main instance
 * (syslog_name .../ippool-relay) are hand-offs to a pool instance, not
 * deliveries, and are not counted twice. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"
#include "clock.h"
#include "events.h"
#include "events_ingest.h"
#include "isp.h"
#include "feedback.h"
#include "suppress.h"
#include "transport.h"

#define QID_KEEP	(7L * 86400)	/* how long a queue ID -> sender mapping lasts */
#define SOFT_MAX	1000

static int
is_relay_handoff(const struct ipp_logline *ll)
{
	return (ipp_transport_is_relay_syslog(ll->syslog_name));
}

static int
server_answered(const struct ipp_logline *ll)
{
	return (ll->relay[0] != '\0' && strcmp(ll->relay, "none") != 0
	    && strstr(ll->reply, " said: ") != NULL);
}

static int
recipient_soft_failure(const struct ipp_logline *ll)
{
	return (server_answered(ll)
	    && (strstr(ll->reply, "(in reply to RCPT TO command)") != NULL
	    || strstr(ll->reply, "(in reply to end of DATA command)") != NULL));
}

static int
hard_bounce(const struct ipp_logline *ll)
{
	return (ll->status == IPP_LOGS_BOUNCED && ipp_dsn_class(ll->dsn) == '5'
	    && ll->relay[0] != '\0' && strcmp(ll->relay, "none") != 0);
}

static int
fb_wants(const struct ipp_config *cfg, const struct ipp_logline *ll)
{
	(void) cfg;
	if (ll->kind == IPP_LOGK_SENDER)
		return (ll->sender[0] != '\0');
	if (ll->kind != IPP_LOGK_DELIVERY || is_relay_handoff(ll))
		return (0);
	return (ll->status == IPP_LOGS_SENT || ll->status == IPP_LOGS_BOUNCED
	    || ll->status == IPP_LOGS_DEFERRED);
}

static int
qid_key(const struct ipp_logline *ll, char *key, size_t len)
{
	int	n = snprintf(key, len, "Q%s|%s", ll->host, ll->qid);

	return (n > 0 && (size_t) n < len ? n : -1);
}

int
ipp_feedback_txn_sender(struct ipp_txn *txn, const struct ipp_logline *ll, char *sender,
    size_t len)
{
	struct ipp_buf v = { NULL, 0 };
	char	key[400], val[IPP_ADDR_MAX + 32];
	const char *tab;
	int	klen, rc;

	sender[0] = '\0';
	if ((klen = qid_key(ll, key, sizeof(key))) < 0)
		return (IPP_OK);
	/* a plain read is enough: a queue ID's sender does not change, so no
	 * writer can make what we derive from it stale */
	rc = ipp_txn_get(txn, IPP_T_APPLIED, key, (size_t) klen, &v, 0);
	if (rc == IPP_OK && v.len < sizeof(val)) {
		(void) memcpy(val, v.data, v.len);
		val[v.len] = '\0';
		if ((tab = strchr(val, '\t')) != NULL)
			(void) snprintf(sender, len, "%s", tab + 1);
	}
	free(v.data);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

/* The sender domain of a queue ID seen on a from= line, or "". */
static int
sender_domain(struct ipp_txn *txn, const struct ipp_logline *ll, char *dom, size_t len)
{
	char	sender[IPP_ADDR_MAX + 1];
	const char *d;
	int	rc;

	dom[0] = '\0';
	if ((rc = ipp_feedback_txn_sender(txn, ll, sender, sizeof(sender))) < 0)
		return (rc);
	if ((d = ipp_addr_domain(sender)) != NULL)
		(void) snprintf(dom, len, "%s", d);
	return (IPP_OK);
}

/* The event of a suppression made from a log line (events.h). */
static int
suppression_event(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_logline *ll, const char *why)
{
	struct ipp_isp_result res;
	struct ipp_event ev;
	const struct ipp_pool *pool = NULL;
	char	sender[IPP_ADDR_MAX + 1];
	size_t	idx = 0;
	int	rc;

	if (!ipp_events_enabled(cfg))
		return (IPP_OK);
	if ((rc = ipp_events_txn_sender(txn, cfg, ll, sender, sizeof(sender))) < 0)
		return (rc);
	if (ipp_transport_from_syslog(cfg, ll->syslog_name, &pool, &idx) != 0)
		pool = NULL;
	(void) ipp_isp_classify(cfg, ll->rcpt, ipp_now(), &res);
	memset(&ev, 0, sizeof(ev));
	ev.type = IPP_EV_SUPPRESSION;
	ev.when = ll->when;
	ev.pool = pool ? pool->name : NULL;
	ev.ip = pool ? pool->ips[idx].text : NULL;
	ev.isp = res.isp->name;
	ev.sender = sender;
	ev.recipient = ll->rcpt;
	ev.status = ipp_supp_reason_name(IPP_SUPP_BOUNCE);
	ev.diagnostic = why;
	return (ipp_event_txn_add(txn, cfg, &ev));
}

/* Suppress the recipient of a log line for suppress_ttl; WHY ends the source. */
static int
suppress_rcpt(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_logline *ll, const char *why, const char *reason,
    struct ipp_ingest_out *out)
{
	struct ipp_supp s;
	int	rc;

	memset(&s, 0, sizeof(s));
	if (ipp_addr_canon(ll->rcpt, cfg->recipient_delimiter, s.addr, sizeof(s.addr)) != 0)
		return (IPP_OK);	/* cannot be a recipient the milter let through */
	s.reason = IPP_SUPP_BOUNCE;
	s.created = ll->when;
	s.expires = ll->when + cfg->suppress_ttl;
	(void) snprintf(s.source, sizeof(s.source), "log %.64s %s: %s", ll->host, ll->qid, why);
	if ((rc = ipp_supp_txn_put(txn, &s, IPP_SUPP_EXTEND)) < 0)
		return (rc);
	out->suppressed = reason;
	return (suppression_event(txn, cfg, ll, why));
}

/* Soft failures of a recipient: "f|ADDR" -> times, space-separated. */
static int
soft_failure(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_logline *ll, int clear, struct ipp_ingest_out *out)
{
	struct ipp_buf v = { NULL, 0 };
	long long times[SOFT_MAX];
	char	key[IPP_ADDR_MAX + 8], canon[IPP_ADDR_MAX + 1], *buf, *p, *end;
	size_t	n = 0, i, off;
	int	klen, rc;

	if (cfg->suppress_after == 0
	    || ipp_addr_canon(ll->rcpt, cfg->recipient_delimiter, canon, sizeof(canon)) != 0)
		return (IPP_OK);
	klen = snprintf(key, sizeof(key), "f|%s", canon);
	if (klen < 0 || (size_t) klen >= sizeof(key))
		return (IPP_OK);
	if (clear) {
		rc = ipp_txn_del(txn, IPP_T_STATS, key, (size_t) klen);
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	rc = ipp_txn_get(txn, IPP_T_STATS, key, (size_t) klen, &v, IPP_GET_RMW);
	if (rc < 0 && rc != IPP_NOTFOUND) {
		free(v.data);
		return (rc);
	}
	if (rc == IPP_OK && (buf = malloc(v.len + 1)) != NULL) {
		(void) memcpy(buf, v.data, v.len);
		buf[v.len] = '\0';
		for (p = buf; *p && n < SOFT_MAX - 1; p = end) {
			long long t = strtoll(p, &end, 10);

			if (end == p)
				break;
			/* only failures inside the window count */
			if (t > (long long) ll->when - cfg->suppress_window)
				times[n++] = t;
		}
		free(buf);
	}
	free(v.data);
	times[n++] = (long long) ll->when;
	if (n >= cfg->suppress_after) {
		char	why[128];

		(void) snprintf(why, sizeof(why), "%zu soft failures in %lldd, last dsn=%s",
		    n, cfg->suppress_window / 86400, ll->dsn[0] ? ll->dsn : "?");
		if ((rc = suppress_rcpt(txn, cfg, ll, why, "soft_failures", out)) < 0)
			return (rc);
		rc = ipp_txn_del(txn, IPP_T_STATS, key, (size_t) klen);
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	if ((buf = malloc(n * 24 + 1)) == NULL)
		return (IPP_ERR);
	for (i = 0, off = 0; i < n; i++)
		off += (size_t) sprintf(buf + off, "%s%lld", i ? " " : "", times[i]);
	rc = ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, buf, off);
	free(buf);
	return (rc);
}

static int
fb_apply(struct ipp_txn *txn, const struct ipp_config *cfg, const struct ipp_logline *ll,
    struct ipp_ingest_out *out)
{
	char	key[400], val[IPP_ADDR_MAX + 32], dom[256];
	int	klen, vlen, rc;

	if (ll->kind == IPP_LOGK_SENDER) {
		if ((klen = qid_key(ll, key, sizeof(key))) < 0)
			return (IPP_OK);
		vlen = snprintf(val, sizeof(val), "%lld\t%s", (long long) ll->when, ll->sender);
		if (vlen < 0 || (size_t) vlen >= sizeof(val))
			return (IPP_OK);
		return (ipp_txn_put(txn, IPP_T_APPLIED, key, (size_t) klen, val, (size_t) vlen));
	}
	if ((rc = sender_domain(txn, ll, dom, sizeof(dom))) < 0)
		return (rc);
	if (ll->status == IPP_LOGS_SENT) {
		if (dom[0] && (rc = ipp_guard_txn_count(txn, dom, ll->when, 1, 0)) < 0)
			return (rc);
		return (soft_failure(txn, cfg, ll, 1, out));
	}
	if (hard_bounce(ll)) {
		char	why[64];

		(void) snprintf(why, sizeof(why), "dsn=%s", ll->dsn);
		if ((rc = suppress_rcpt(txn, cfg, ll, why, "hard_bounce", out)) < 0)
			return (rc);
		if (dom[0] && (rc = ipp_guard_txn_count(txn, dom, ll->when, 0, 1)) < 0)
			return (rc);
		return (IPP_OK);
	}
	/* deferred, or bounced with a 4.x.x code (soft_bounce) */
	if (recipient_soft_failure(ll))
		return (soft_failure(txn, cfg, ll, 0, out));
	return (IPP_OK);
}

struct purge_arg {
	time_t	qid_cutoff, soft_cutoff;
	int	soft;
};

static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct purge_arg *pa = arg;
	char	buf[64], *last;
	long long t;

	(void) k;
	(void) kl;
	if (vl >= sizeof(buf))
		vl = sizeof(buf) - 1;
	(void) memcpy(buf, v, vl);
	buf[vl] = '\0';
	if (!pa->soft) {
		/* "WHEN\tSENDER" */
		t = strtoll(buf, NULL, 10);
		return (t < (long long) pa->qid_cutoff ? IPP_SCAN_DELETE : IPP_SCAN_NEXT);
	}
	/* soft failures: the first (oldest) time decides only if it is the last */
	last = strrchr(buf, ' ');
	t = strtoll(last ? last + 1 : buf, NULL, 10);
	return (vl < sizeof(buf) - 1 && t < (long long) pa->soft_cutoff
	    ? IPP_SCAN_DELETE : IPP_SCAN_NEXT);
}

int
ipp_feedback_purge(struct ipp_store *st, const struct ipp_config *cfg, time_t now)
{
	struct purge_arg pa;
	int	rc;

	pa.qid_cutoff = now - QID_KEEP;
	pa.soft_cutoff = now - cfg->suppress_window;
	pa.soft = 0;
	if ((rc = ipp_store_scan(st, IPP_T_APPLIED, "Q", 1, purge_cb, &pa)) < 0)
		return (rc);
	pa.soft = 1;
	return (ipp_store_scan(st, IPP_T_STATS, "f|", 2, purge_cb, &pa));
}

const struct ipp_ingest_handler ipp_feedback_handler = {
	"feedback",
	fb_wants,
	fb_apply,
};
