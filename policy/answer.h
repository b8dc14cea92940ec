/* answer.h - what ippool-policyd answers (DESIGN.md "Routing"): the
 * socketmap lookups of the pool instances' transport_maps ("POOL rcpt")
 * and of the main instance's sender_dependent_default_transport_maps
 * ("ippool-sender sender"), and the policy delegation request at RCPT.
 * Requests arrive here framed but untrusted; replies leave unframed. */
#ifndef POLICY_ANSWER_H
#define POLICY_ANSWER_H

#include <stddef.h>

#include "config.h"
#include "policy_metrics.h"
#include "store.h"
#include "warmup_lease.h"

#define ANSWER_MAX	1024	/* longest reply text */

enum answer_status { ANSWER_OK, ANSWER_MALFORMED };

/* Whether a socketmap request needs the store or DNS, i.e. a worker
 * (a recipient lookup of a pool); everything else is answered at once. */
int	answer_socketmap_blocks(const struct ipp_config *, const char *req, size_t len);

/*
 * req: a netstring's payload, "NAME KEY" (len bytes).  reply gets "OK
 * ...", "NOTFOUND " or "TEMP ...", and *kind what it was, for the
 * counters.  ANSWER_MALFORMED (why says what is wrong) when the request
 * is not "NAME KEY".
 */
enum answer_status answer_socketmap(const struct ipp_config *, struct ipp_store *,
	    struct ipp_wu_leases *, const char *req, size_t len, char *reply, size_t rlen,
	    enum metric *kind, char *why, size_t wlen);

/*
 * A recipient lookup answered at once from warm-up capacity held in
 * memory (warmup_lease.h), never blocking: 1 with the reply, 0 when it
 * needs a worker (answer_socketmap_blocks).
 */
int	answer_socketmap_leased(const struct ipp_config *, struct ipp_wu_leases *,
	    const char *req, size_t len, char *reply, size_t rlen, enum metric *kind);

/*
 * req: the attribute lines of one policy request, each ending in '\n',
 * without the empty line.  reply gets "action=...".
 */
enum answer_status answer_policy(const struct ipp_config *, const char *req, size_t len,
	    char *reply, size_t rlen, enum metric *kind, char *why, size_t wlen);

#endif
