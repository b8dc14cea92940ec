/* addr.h - e-mail address handling shared by pool selection, suppression
 * and rate limits: one normal form, so every table and every program
 * compares addresses the same way (DESIGN.md "Recipient protection": the
 * envelope form keeps the local part as written, for replies and logs; the
 * canonical form is the key of every per-recipient record). */
#ifndef IPP_ADDR_H
#define IPP_ADDR_H

#include <stddef.h>

#define IPP_ADDR_MAX 320	/* 64 local part + @ + 255 domain */

/*
 * Normalize an envelope address as the MTA passes it ("<User@Example.COM>",
 * with optional ESMTP parameters already stripped by the MTA): remove the
 * angle brackets and surrounding blanks, lower-case the domain.  The null
 * sender becomes "".  Returns 0, or -1 when the address is too long or
 * holds control characters.
 */
int	ipp_addr_normalize(const char *in, char *out, size_t outlen);

/*
 * The canonical form of a recipient: one mailbox, one key, for the hourly
 * window and every suppression read or write.  From a normalized address:
 * the domain lower-cased and IDNA-normalized (A-labels, no trailing dot),
 * the local part lower-cased (every large provider compares it without
 * case), a quoted local part unquoted when it needs no quotes, and the
 * sub-address from the first character of DELIM on removed (as Postfix's
 * recipient_delimiter; NULL or "" keeps it).  Returns 0, or -1 when the
 * result does not fit.
 */
int	ipp_addr_canon(const char *addr, const char *delim, char *out, size_t outlen);

/* The domain part of a normalized address (after the last '@'), or NULL. */
const char *ipp_addr_domain(const char *addr);

/* Lower-case a domain in place. */
void	ipp_domain_lower(char *);

#endif
