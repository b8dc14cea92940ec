/* unsub.h - one-click unsubscribe headers in ippool-milter (DESIGN.md
 * "One-click unsubscribe", RFC 2369 and 8058): an outbound message with
 * one recipient and one From: mailbox gets List-Unsubscribe (the
 * [unsubscribe] url with a token, and the mailto address when set) and
 * List-Unsubscribe-Post, decided at the end of the header so that the DKIM
 * signature covers them, and added at the end of the message.  A client's
 * own List-Unsubscribe is kept and nothing is added. */
#ifndef IPP_MILTER_UNSUB_H
#define IPP_MILTER_UNSUB_H

#include <libmilter/mfapi.h>

struct conn;

/* Each header field of an outbound message. */
void	unsub_header(struct conn *, const char *name, const char *value);
/* The From: domain (lower case, A-labels) when From: names one mailbox, else NULL. */
const char *unsub_from_domain(const struct conn *);
/* End of the header, after the recipients are final: decide, and hand the
 * fields to the signer (sign_header) as if the client had sent them. */
void	unsub_eoh(struct conn *);
/* End of message: add the fields.  SMFIS_CONTINUE, or SMFIS_TEMPFAIL
 * with a reply set. */
sfsistat unsub_eom(SMFICTX *, struct conn *);
void	unsub_reset(struct conn *);

#endif
