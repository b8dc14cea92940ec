/* events_ingest.c - log lines as events: what an outbound transport
 * (smtp, lmtp, error) logged about a recipient, with the pool and IP when
 * the line's syslog_name is a pool transport's (DESIGN.md "Routing").
 * The relay transports' hand-offs to a pool instance and local
 * deliveries (the feedback pipe, mailboxes) are not the customer's mail
 * reaching its recipient. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "events.h"
#include "events_ingest.h"
#include "feedback.h"
#include "isp.h"
#include "log.h"
#include "retpath.h"
#include "transport.h"

static int
outbound(const struct ipp_config *cfg, const struct ipp_logline *ll)
{
	const struct ipp_pool *pool;
	size_t	idx;

	if (ipp_transport_is_relay_syslog(ll->syslog_name))
		return (0);
	return (ipp_transport_from_syslog(cfg, ll->syslog_name, &pool, &idx) == 0
	    || strcmp(ll->program, "smtp") == 0 || strcmp(ll->program, "lmtp") == 0
	    || strcmp(ll->program, "error") == 0);
}

/* The [feedback] keys, read on first use (after the privilege drop: the
 * key is readable by the run user's group). */
static const struct ipp_hmac_keys *
keys(const struct ipp_config *cfg)
{
	static struct ipp_hmac_keys k;
	static int state;		/* 0 not tried, 1 loaded, -1 failed */
	char	err[512];

	if (state == 0) {
		if (ipp_retpath_keys_load(cfg, &k, err, sizeof(err)) == 0)
			state = 1;
		else {
			state = -1;
			msg_warn("events: [feedback] key: %s; events name the return path as sender", err);
		}
	}
	return (state == 1 ? &k : NULL);
}

int
ipp_events_txn_sender(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_logline *ll, char *sender, size_t len)
{
	const struct ipp_hmac_keys *k;
	struct ipp_retpath_rec rec;
	char	tok[IPP_RETPATH_TOKEN_LEN + 1];
	uint64_t id;
	int	rc;

	if ((rc = ipp_feedback_txn_sender(txn, ll, sender, len)) < 0)
		return (rc);
	if (cfg->fb_key == NULL || *sender == '\0'
	    || ipp_retpath_scan(sender, strlen(sender), cfg->fb_prefix, tok) == NULL
	    || (k = keys(cfg)) == NULL || ipp_retpath_verify(k, tok, &id) != 0)
		return (IPP_OK);
	memset(&rec, 0, sizeof(rec));
	rc = ipp_retpath_txn_get(txn, id, &rec);
	if (rc == IPP_OK)
		(void) snprintf(sender, len, "%s", rec.sender);
	ipp_retpath_rec_free(&rec);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

static int
ev_wants(const struct ipp_config *cfg, const struct ipp_logline *ll)
{
	if (ll->kind != IPP_LOGK_DELIVERY || !ipp_events_enabled(cfg))
		return (0);
	if (ll->status != IPP_LOGS_SENT && ll->status != IPP_LOGS_BOUNCED
	    && ll->status != IPP_LOGS_DEFERRED)
		return (0);
	return (outbound(cfg, ll));
}

static int
ev_apply(struct ipp_txn *txn, const struct ipp_config *cfg, const struct ipp_logline *ll,
    struct ipp_ingest_out *out)
{
	const struct ipp_pool *pool = NULL;
	struct ipp_isp_result res;
	struct ipp_event ev;
	char	sender[IPP_ADDR_MAX + 1];
	size_t	idx = 0;
	int	rc;

	(void) out;
	if (ipp_transport_from_syslog(cfg, ll->syslog_name, &pool, &idx) != 0)
		pool = NULL;
	if ((rc = ipp_events_txn_sender(txn, cfg, ll, sender, sizeof(sender))) < 0)
		return (rc);
	(void) ipp_isp_classify(cfg, ll->rcpt, ipp_now(), &res);
	memset(&ev, 0, sizeof(ev));
	ev.type = ll->status == IPP_LOGS_SENT ? IPP_EV_DELIVERY
	    : ll->status == IPP_LOGS_DEFERRED ? IPP_EV_DEFERRAL : IPP_EV_BOUNCE;
	ev.when = ll->when;
	ev.pool = pool ? pool->name : NULL;
	ev.ip = pool ? pool->ips[idx].text : NULL;
	ev.isp = res.isp->name;
	ev.sender = sender;
	ev.recipient = ll->rcpt;
	ev.status = ll->dsn;
	ev.diagnostic = ll->reply;
	return (ipp_event_txn_add(txn, cfg, &ev));
}

const struct ipp_ingest_handler ipp_events_handler = {
	"events",
	ev_wants,
	ev_apply,
};
