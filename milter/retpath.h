/* retpath.h - the return path of ippool's own in ippool-milter (DESIGN.md
 * "Feedback by mail"): for outbound mail from the [feedback] domains and
 * pools, the envelope sender becomes PREFIX TOKEN @ RETURN-DOMAIN at end
 * of message (smfi_chgfrom), after the token's store record is written.
 * The null sender is never rewritten (nothing may bounce back to a
 * bounce); mail from other domains keeps its sender; a local submission
 * is rewritten like SMTP mail, but when the store fails it keeps its
 * sender (it cannot be held at this step) where SMTP mail gets a 451. */
#ifndef IPP_MILTER_RETPATH_H
#define IPP_MILTER_RETPATH_H

#include <libmilter/mfapi.h>

struct conn;

/* Ask for SMFIF_CHGFROM when the MTA offers it. */
void	retpath_negotiate(struct conn *, unsigned long offered, unsigned long *actions);
/* The From: header's domain, for the default return domain. */
void	retpath_header(struct conn *, const char *name, const char *value);
/* A recipient the milter let through (the raw RCPT argument). */
void	retpath_rcpt(struct conn *, const char *raw);
/* At end of message: rewrite.  SMFIS_CONTINUE, or SMFIS_TEMPFAIL with a reply set. */
sfsistat retpath_eom(SMFICTX *, struct conn *);
/* Forget the message's state. */
void	retpath_reset(struct conn *);

#endif
