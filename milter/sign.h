/* sign.h - DKIM signing in ippool-milter: the keys of a configuration,
 * what negotiation must ask for, and the per-message steps the callbacks
 * call.  A message is signed with every key of its From:
 * domain (or closest parent domain) in the keytable: RSA and Ed25519 give
 * two signatures (RFC 8463). */
#ifndef IPP_SIGN_H
#define IPP_SIGN_H

#include <stdio.h>

#include "config.h"

struct conn;
struct sign_conn;		/* opaque: sign.c alone touches it */

/*
 * Load the keys of cfg's [dkim] keytable into a signer, *out (NULL when
 * [milter] dkim = no or no keytable is set), for cfg's struct
 * milter_attach (attach.c).  Keys of the OLD signer (may be NULL) whose
 * files did not change are reused.  Returns 0, or -1 after writing
 * "FILE:LINE: message" lines to errs.
 */
int	sign_load(const struct ipp_config *cfg, const void *old, void **out, FILE *errs);
void	sign_free(void *);

/*
 * The connection's signing state, its own: at negotiation, ask for the
 * body (and leading spaces of header values) only when the current
 * configuration signs.  NULL when out of memory.
 */
struct sign_conn *sign_conn_new(unsigned long offered, unsigned long *steps);
void	sign_conn_free(struct sign_conn *);

/* What negotiation gave: body steps never reply (SMFIP_NR_BODY); header
 * values carry their own leading space (SMFIP_HDR_LEADSPC). */
int	sign_body_noreply(const struct sign_conn *);
int	sign_leadspc(const struct sign_conn *);

/* Message steps, on c->sign.  Errors are kept and reported by sign_eom(),
 * because header and body callbacks may be "no reply" steps. */
void	sign_header(const struct conn *, const char *name, const char *value);
void	sign_body(const struct conn *, const unsigned char *chunk, size_t len);

/*
 * At end of message, after the pool tag is added: insert the signatures
 * at the top.  Returns 0 (signed, or nothing to sign), or -1 after setting
 * a 451 4.3.0 reply: the MTA must then tempfail the message.
 */
struct smfi_str;
int	sign_eom(struct smfi_str *, const struct conn *);

/* Forget the current message's signing state. */
void	sign_reset(const struct conn *);

#endif
