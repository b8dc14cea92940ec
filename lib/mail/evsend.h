/* evsend.h - posting the events outbox (events.h) to the receivers: at
 * least once, in order per recipient, signed.  An event leaves the outbox
 * only after its receiver answered 2xx; no answer, 5xx, 408 and 429 are
 * tried again with doubling delays (backoff_min to backoff_max) until
 * max_age, and while a receiver fails, its other events wait too; any
 * other answer fails the event at once (kept, "ippoolctl events list
 * --failed").  While an event of a recipient waits for a retry, no later
 * event of that recipient is posted. */
#ifndef IPP_EVSEND_H
#define IPP_EVSEND_H

#include <stddef.h>

#include "config.h"
#include "store.h"

struct ipp_evsend;

struct ipp_evsend_stats {
	unsigned long sent;		/* answered 2xx, removed */
	unsigned long retried;		/* will be tried again */
	unsigned long failed;		/* given up */
};

/* Read the [events] key; NULL with the reason in err. */
struct ipp_evsend *ipp_evsend_new(const struct ipp_config *, char *err, size_t errlen);
void	ipp_evsend_free(struct ipp_evsend *);

/*
 * One pass over the outbox at the clock's now: post what is due, at most
 * a batch.  IPP_OK, with *more set when the batch was full (pass again at
 * once), or IPP_ERR when the store failed.
 */
int	ipp_evsend_pass(struct ipp_evsend *, struct ipp_store *, const struct ipp_config *,
	    struct ipp_evsend_stats *, int *more);

/* "sha256=" and the hex HMAC-SHA256 of BODY under the key: the
 * X-Ippool-Signature header's value.  0, or -1. */
int	ipp_evsend_signature(const struct ipp_evsend *, const char *body, size_t len,
	    char *out, size_t outlen);

#endif
