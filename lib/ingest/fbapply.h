/* fbapply.h - what a feedback report changes (DESIGN.md "Feedback by
 * mail"), each finding exactly once: a hard bounce suppresses the
 * recipient for suppress_ttl, a complaint suppresses it for the sender
 * domain (reason complaint, complaint_ttl), an ARF opt-out likewise
 * (reason unsubscribe), an unsubscribe request by mail (its own token)
 * likewise, and every bounce and complaint is counted per
 * sender domain and pool for the guards.  Only findings whose token
 * resolved to a store record are applied, and only to recipients that
 * record lists: a report can speak only for the mail it is about. */
#ifndef IPP_FBAPPLY_H
#define IPP_FBAPPLY_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "fbreport.h"
#include "retpath.h"
#include "store.h"
#include "unsubtoken.h"

#define IPP_FB_DUPLICATE	1	/* applied before */
#define IPP_FB_NOTHING		2	/* nothing to apply (no recipient of the message, a delay, ...) */

/*
 * The canonical recipient finding F is about, given the record REC: its
 * own, or the record's only one when the report names none.  0 and the
 * address in canon when REC lists it, else -1 with the reason in why.
 */
int	ipp_fb_recipient(const struct ipp_config *, const struct ipp_finding *,
	    const struct ipp_retpath_rec *, char *canon, size_t canonlen,
	    const char **why);

/*
 * Apply finding I of REP, resolved to REC, at NOW, once per message,
 * kind and recipient: IPP_OK (applied now),
 * IPP_FB_DUPLICATE, IPP_FB_NOTHING (with the reason in note), or a
 * negative store code.  note gets what was done, for the log.
 */
int	ipp_fb_apply(struct ipp_store *, const struct ipp_config *,
	    const struct ipp_fbreport *rep, size_t i, const struct ipp_retpath_rec *rec,
	    time_t now, char *note, size_t notelen);

/*
 * An unsubscribe request by mail whose token TOK checked and names CLAIM:
 * suppress claim->rcpt for mail from claim->domain (reason unsubscribe,
 * permanent) with its events, once per token.  IPP_OK, IPP_FB_DUPLICATE, or a negative
 * store code; note gets what was done.
 */
int	ipp_fb_apply_unsub(struct ipp_store *, const struct ipp_config *, const char *tok,
	    const struct ipp_unsub_claim *, time_t now, char *note, size_t notelen);

/* Forget the marks of findings applied more than 60 days ago. */
int	ipp_fb_purge(struct ipp_store *, time_t now);

#endif
