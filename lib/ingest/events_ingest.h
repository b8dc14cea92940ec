/* events_ingest.h - the events of log lines (lib/mail/events.h): a pool
 * transport's delivery, deferral or bounce becomes one event in the
 * line's own transaction.  An ingest handler (lib/ingest/ingest.c). */
#ifndef IPP_EVENTS_INGEST_H
#define IPP_EVENTS_INGEST_H

#include "ingest.h"

extern const struct ipp_ingest_handler ipp_events_handler;

/*
 * Inside a line's transaction: the sender an event of the line names.
 * The envelope sender of its queue ID's from= line; when that is one of
 * ippool's return paths ([feedback]) with a valid token, the original
 * sender its record names.  "" when unknown.  IPP_OK or a store code.
 */
int	ipp_events_txn_sender(struct ipp_txn *, const struct ipp_config *,
	    const struct ipp_logline *, char *sender, size_t len);

#endif
