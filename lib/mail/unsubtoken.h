/* unsubtoken.h - one-click unsubscribe tokens (DESIGN.md "One-click
 * unsubscribe"): the recipient, the sender (From:) domain and the issue
 * time, with an HMAC-SHA256 under the [unsubscribe] key, in base64url.
 * The token carries everything it names, so ippool-policyd checks it with
 * the key alone, no stored state; it works until the key is changed (the
 * old key may be kept as [unsubscribe] old_key to check tokens still out).
 * The milter makes tokens, policyd and ippoolctl feedback check them. */
#ifndef IPP_UNSUBTOKEN_H
#define IPP_UNSUBTOKEN_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "hmackey.h"

#define IPP_UNSUB_RCPT_MAX	254	/* RFC 5321 path without brackets */
#define IPP_UNSUB_DOMAIN_MAX	253
/* base64url of 1 + 5 + 1 + 254 + 1 + 253 + 16 bytes, and the NUL */
#define IPP_UNSUB_TOKEN_MAX	712

/* What a valid token names. */
struct ipp_unsub_claim {
	time_t	when;				/* issue time */
	char	rcpt[IPP_UNSUB_RCPT_MAX + 1];	/* canonical recipient */
	char	domain[IPP_UNSUB_DOMAIN_MAX + 1];	/* sender domain, lower case */
	int	old_key;			/* checked with old_key */
};

/* Whether [unsubscribe] is on (url and key set) and POOL (may be NULL)
 * has not turned it off. */
int	ipp_unsub_enabled(const struct ipp_config *, const struct ipp_pool *);

/* Load [unsubscribe] key and old_key; 0, or -1 with the reason. */
int	ipp_unsub_keys_load(const struct ipp_config *, struct ipp_hmac_keys *,
	    char *err, size_t errlen);

/*
 * The token for RCPT (canonical, see ipp_addr_canon) and the sender
 * DOMAIN (lower case) issued at WHEN, into TOK (IPP_UNSUB_TOKEN_MAX
 * bytes suffice).  0, or -1 when an argument is too long or malformed.
 */
int	ipp_unsub_token_make(const struct ipp_hmac_keys *, const char *rcpt,
	    const char *domain, time_t when, char *tok, size_t toklen);

/*
 * Check TOK (LEN bytes, from the network: any bytes).  0 and the claim
 * when it is well formed and its HMAC verifies under a key; -1 and a
 * short reason otherwise ("malformed", "bad signature", ...).
 */
int	ipp_unsub_token_check(const struct ipp_hmac_keys *, const char *tok, size_t len,
	    struct ipp_unsub_claim *, const char **why);

/* URL/TOKEN into OUT; 0, or -1 when it does not fit. */
int	ipp_unsub_url(const struct ipp_config *, const char *tok, char *out, size_t outlen);

/* mailto:ADDRESS?subject=unsubscribe%20TOKEN (RFC 6068, the [unsubscribe]
 * mailto address escaped) into OUT; 0, or -1 when mailto is not set or it
 * does not fit. */
int	ipp_unsub_mailto(const struct ipp_config *, const char *tok, char *out, size_t outlen);

#endif
