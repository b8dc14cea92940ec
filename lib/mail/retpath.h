/* retpath.h - ippool's own return path (DESIGN.md "Feedback by mail"): the
 * envelope sender of outbound mail from the [feedback] domains and pools
 * becomes PREFIX TOKEN @ RETURN-DOMAIN.  The token is 24 characters of
 * base32: a random 64-bit id and 56 bits of HMAC-SHA256 over it with the
 * [feedback] key, so it cannot be forged; the id names a store record
 * (kept [feedback] keep) with the original sender, pool, queue ID and
 * recipients.  The milter writes tokens, ippoolctl feedback reads them. */
#ifndef IPP_RETPATH_H
#define IPP_RETPATH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "hmackey.h"
#include "store.h"

#define IPP_RETPATH_TOKEN_LEN	24
#define IPP_RETPATH_MAX_RCPTS	1000	/* recipients a record lists */

/* What a token resolves to. */
struct ipp_retpath_rec {
	time_t	when;
	char	sender[IPP_ADDR_MAX + 1];	/* the original envelope sender */
	char	pool[IPP_NAME_MAX + 1];
	char	qid[64];
	char   *rcpts;			/* canonical recipients, space-separated (malloc) */
	size_t	nrcpt;			/* the message's recipients, listed or not */
};

/* Whether mail from SENDER (normalized, not the null sender) in POOL gets
 * the return path: [feedback] key set, and the sender's domain in
 * [feedback] domains or POOL in [feedback] pools. */
int	ipp_retpath_wanted(const struct ipp_config *, const struct ipp_pool *,
	    const char *sender);

/* The return domain: the pool's return_domain, else bounce.FROMDOM
 * (FROMDOM: the From: domain, or the sender's when From: names none). */
int	ipp_retpath_domain(const struct ipp_pool *, const char *fromdom, char *out,
	    size_t outlen);

/*
 * The return domains the configuration names, for the MTA's routing: every
 * pool's return_domain, bounce.D for D in [feedback] domains and for the
 * sender domains of [feedback] pools without one; each once, lower-cased,
 * as malloc'd strings in OUT (at most MAX).  None without [feedback] key.
 * bounce.<From: domain> of other From: domains cannot be named here.
 */
size_t	ipp_retpath_config_domains(const struct ipp_config *, char **out, size_t max);
void	ipp_retpath_domains_free(char **list, size_t n);

/* Load [feedback] key and old_key; 0, or -1 with the reason. */
int	ipp_retpath_keys_load(const struct ipp_config *, struct ipp_hmac_keys *,
	    char *err, size_t errlen);

/* A new token (IPP_RETPATH_TOKEN_LEN + 1 bytes) and its id; -1 without randomness. */
int	ipp_retpath_new(const struct ipp_hmac_keys *, char *tok, uint64_t *id);
/* 0 and the id when TOK (any case) carries a valid HMAC under one of the keys. */
int	ipp_retpath_verify(const struct ipp_hmac_keys *, const char *tok, uint64_t *id);

/*
 * Find the next "PREFIX TOKEN@" in S (LEN bytes, any case) not preceded by
 * a local-part character; copy the token, lower-cased, to TOK and return
 * where the scan goes on, or NULL when there is none.
 */
const char *ipp_retpath_scan(const char *s, size_t len, const char *prefix, char *tok);

/* The store record of ID: put inside a transaction; get: IPP_OK,
 * IPP_NOTFOUND or a store failure.  ipp_retpath_rec_free frees rcpts. */
int	ipp_retpath_txn_put(struct ipp_txn *, uint64_t id, const struct ipp_retpath_rec *);
int	ipp_retpath_get(struct ipp_store *, uint64_t id, struct ipp_retpath_rec *);
int	ipp_retpath_txn_get(struct ipp_txn *, uint64_t id, struct ipp_retpath_rec *);
void	ipp_retpath_rec_free(struct ipp_retpath_rec *);
/* Whether the record lists the canonical recipient CANON. */
int	ipp_retpath_listed(const struct ipp_retpath_rec *, const char *canon);

/* Drop records older than [feedback] keep. */
int	ipp_retpath_purge(struct ipp_store *, const struct ipp_config *, time_t now);

#endif
