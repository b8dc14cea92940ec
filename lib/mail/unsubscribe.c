/* unsubscribe.c - the suppression an unsubscribe makes and its events,
 * one transaction body for the endpoint and for the mailto path. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "events.h"
#include "isp.h"
#include "unsubscribe.h"

int
ipp_unsub_txn_apply(struct ipp_txn *txn, const struct ipp_config *cfg, const struct ipp_supp *s,
    const char *via)
{
	struct ipp_isp_result res;
	struct ipp_event ev;
	char	sender[sizeof(s->sender_domain) + 1];
	int	rc;

	if ((rc = ipp_supp_txn_put(txn, s, IPP_SUPP_EXTEND)) < 0 || !ipp_events_enabled(cfg))
		return (rc < 0 ? rc : IPP_OK);
	/* only the sender domain is known: "@DOMAIN", which picks its receiver */
	(void) snprintf(sender, sizeof(sender), "@%s", s->sender_domain);
	(void) ipp_isp_classify(cfg, s->addr, s->created, &res);
	memset(&ev, 0, sizeof(ev));
	ev.type = IPP_EV_UNSUBSCRIBE;
	ev.when = s->created;
	ev.isp = res.isp->name;
	ev.sender = sender;
	ev.recipient = s->addr;
	ev.status = via;
	ev.diagnostic = s->source;
	if ((rc = ipp_event_txn_add(txn, cfg, &ev)) < 0)
		return (rc);
	ev.type = IPP_EV_SUPPRESSION;
	ev.status = "unsubscribe";
	return (ipp_event_txn_add(txn, cfg, &ev));
}
