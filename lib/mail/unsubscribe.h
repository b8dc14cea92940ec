/* unsubscribe.h - what an unsubscribe writes, whoever received it (the
 * one-click endpoint of ippool-policyd, a mail to [unsubscribe] mailto
 * read by ippoolctl feedback): the suppression of the recipient for the
 * sender domain, and, with [events], the unsubscribe and suppression
 * events, in the caller's transaction so that no event announces what
 * was not stored. */
#ifndef IPP_UNSUBSCRIBE_H
#define IPP_UNSUBSCRIBE_H

#include <time.h>

#include "config.h"
#include "store.h"
#include "suppress.h"

/*
 * Inside a transaction body: put S (reason unsubscribe, its sender
 * domain set) never shortening what is there, and record the events;
 * VIA ("one-click", "mail") is the event's status.  IPP_OK or a store
 * code to pass up.
 */
int	ipp_unsub_txn_apply(struct ipp_txn *, const struct ipp_config *,
	    const struct ipp_supp *s, const char *via);

#endif
