/* addr.h - e-mail address handling shared by pool selection, suppression
 * and rate limits: one normal form, so every table and every program
 * compares addresses the same way (domain case-insensitive, local part as
 * given, DESIGN.md "Recipient protection"). */
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

/* The domain part of a normalized address (after the last '@'), or NULL. */
const char *ipp_addr_domain(const char *addr);

/* Lower-case a domain in place. */
void	ipp_domain_lower(char *);

#endif
