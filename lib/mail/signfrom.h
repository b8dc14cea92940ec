/* signfrom.h - may an outbound message be signed for its From: domain?
 * ([milter] sign_from, ippool.conf(5)).  Outbound is necessary, not
 * enough: an authenticated user or an internal host must not get a
 * signature for any domain the site has a key for unless the site says so. */
#ifndef IPP_SIGNFROM_H
#define IPP_SIGNFROM_H

#include <stddef.h>

#include "config.h"

/*
 * FROM_DOM: the From: domain; ENV_DOM: the envelope sender's domain (NULL
 * for the null sender); POOL_LOGIN: the SASL login is listed in the
 * message's pool's logins.  Returns 1 when the message may be signed, 0
 * with the reason in why.
 */
int	ipp_sign_from_ok(enum ipp_sign_from, const char *from_dom, const char *env_dom,
	    int pool_login, char *why, size_t whylen);

const char *ipp_sign_from_name(enum ipp_sign_from);

#endif
