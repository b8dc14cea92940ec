/* feedback.h - what delivery results mean for recipients and senders
 * (DESIGN.md "Feedback"): a hard bounce suppresses the recipient for
 * suppress_ttl, suppress_after soft failures within suppress_window do the
 * same, and deliveries and hard bounces feed the per-sender-domain
 * bounce-rate guard.  An ingest handler (lib/ingest/ingest.c). */
#ifndef IPP_FEEDBACK_H
#define IPP_FEEDBACK_H

#include "ingest.h"

extern const struct ipp_ingest_handler ipp_feedback_handler;

/* Inside a line's transaction: the envelope sender of the line's queue ID
 * as its from= line gave it (applied earlier), or "" when none was seen.
 * IPP_OK, or a negative store code. */
int	ipp_feedback_txn_sender(struct ipp_txn *, const struct ipp_logline *,
	    char *sender, size_t len);

/* Forget queue ID -> sender mappings older than 7 days, and soft-failure
 * counts whose newest failure left the window. */
int	ipp_feedback_purge(struct ipp_store *, const struct ipp_config *, time_t now);

#endif
