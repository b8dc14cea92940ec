/* protect.h - recipient protection in ippool-milter (DESIGN.md
 * "Recipient protection"): the bounce-rate guard at MAIL FROM, the
 * suppression list and the hourly limit at RCPT, settled at the end of
 * the message.  Local submissions are never refused at RCPT: protected
 * recipients are removed at the end of the message instead, and a message
 * left without recipients is held. */
#ifndef IPP_PROTECT_H
#define IPP_PROTECT_H

#include "milter.h"

struct protect;		/* per-message state, hung off struct conn */

sfsistat protect_mail(SMFICTX *, struct conn *);
sfsistat protect_rcpt(SMFICTX *, struct conn *, const char *rcpt);
/*
 * At the end of the header: recipients suppressed for the From: domain
 * FROMDOM (when it is not the envelope sender's, which RCPT checked) are
 * taken out at EOM; a message left with none of its recipients is
 * refused 550 5.7.1 (SMTP) or held (local submission).
 */
void	protect_from_domain(struct conn *, const char *fromdom);
/* Distinct recipients the message keeps; *sole: the canonical form of the
 * only one, else NULL. */
size_t	protect_kept(const struct conn *, const char **sole);
/* Settle reservations and edit local submissions; before any other EOM change. */
sfsistat protect_eom(SMFICTX *, struct conn *);
/* The message ended without being accepted (abort, close, new MAIL). */
void	protect_reset(struct conn *);

#endif
