/* sign_rsa.c - the rsa-sha256 signing algorithm behind the signer
 * interface of lib/dkim/signer.h, on libopendkim: one DKIM_LIB per loaded
 * configuration (its header lists depend on it), shared by all threads;
 * one DKIM handle per key per message.  libopendkim stays in this file. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "milter.h"
#include "sign_rsa.h"

struct rsa_conf {
	DKIM_LIB *lib;
	dkim_canon_t hcanon, bcanon;
};

struct rsa_msg {
	DKIM   *dkim;
	const struct ipp_dkim_key *key;
};

static void
rsa_fini(void *p)
{
	struct rsa_conf *rc = p;

	if (rc == NULL)
		return;
	if (rc->lib != NULL)
		dkim_close(rc->lib);
	free(rc);
}

static int
rsa_init(const struct ipp_sign_conf *sc, void **state, char *err, size_t errlen)
{
	struct rsa_conf *rc;
	unsigned flags = DKIM_LIBFLAGS_NONE;

	*state = NULL;
	if ((rc = calloc(1, sizeof(*rc))) == NULL || (rc->lib = dkim_init(NULL, NULL)) == NULL) {
		free(rc);
		(void) snprintf(err, errlen, "cannot initialize libopendkim: out of memory");
		return (-1);
	}
	rc->hcanon = sc->header_relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	rc->bcanon = sc->body_relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	/* libopendkim keeps the lists, which outlive it (signer.h) */
	if (dkim_options(rc->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags))
	    != DKIM_STAT_OK
	    || dkim_options(rc->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
	    (void *) (uintptr_t) sc->signhdrs, sizeof(sc->signhdrs)) != DKIM_STAT_OK
	    || (sc->oversign[0] != NULL && dkim_options(rc->lib, DKIM_OP_SETOPT,
	    DKIM_OPTS_OVERSIGNHDRS, (void *) (uintptr_t) sc->oversign,
	    sizeof(sc->oversign)) != DKIM_STAT_OK)) {
		(void) snprintf(err, errlen, "libopendkim refused the header lists");
		rsa_fini(rc);
		return (-1);
	}
	*state = rc;
	return (0);
}

/* libopendkim's reason: the handle's error text, else the status's. */
static const char *
rsa_why(DKIM *d, DKIM_STAT st)
{
	const char *e = d != NULL ? dkim_geterror(d) : NULL;

	return (e != NULL ? e : dkim_getresultstr(st));
}

static void
rsa_free(void *p)
{
	struct rsa_msg *h = p;

	if (h == NULL)
		return;
	if (h->dkim != NULL)
		(void) dkim_free(h->dkim);
	free(h);
}

static void *
rsa_start(void *state, const struct ipp_sign_conf *sc,
    const struct ipp_dkim_key *key, time_t now, char *err, size_t errlen)
{
	struct rsa_conf *rc = state;
	struct rsa_msg *h;
	DKIM_STAT st;

	(void) sc;
	(void) now;			/* libopendkim reads the clock itself */
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		(void) snprintf(err, errlen, "dkim_sign for d=%s s=%s: %s", key->domain,
		    key->selector, dkim_getresultstr(DKIM_STAT_NORESOURCE));
		return (NULL);
	}
	h->key = key;
	h->dkim = dkim_sign(rc->lib, (const unsigned char *) MILTER_NAME, NULL,
	    (dkim_sigkey_t) (uintptr_t) key->pem, (const unsigned char *) key->selector,
	    (const unsigned char *) key->domain, rc->hcanon, rc->bcanon,
	    DKIM_SIGN_RSASHA256, -1, &st);
	if (h->dkim == NULL) {
		(void) snprintf(err, errlen, "dkim_sign for d=%s s=%s: %s", key->domain,
		    key->selector, dkim_getresultstr(st));
		free(h);
		return (NULL);
	}
	/*
	 * With simple header canonicalization the signature header is
	 * hashed exactly as written; libopendkim 2.11's folded header
	 * failed to verify (seen with python3-dkim on its Ed25519
	 * signatures), an unfolded one verifies.  It stays well under
	 * Postfix's 2048-byte line limit.
	 */
	if (rc->hcanon == DKIM_CANON_SIMPLE && (st = dkim_set_margin(h->dkim, 0)) != DKIM_STAT_OK) {
		(void) snprintf(err, errlen, "libopendkim: %s", rsa_why(h->dkim, st));
		rsa_free(h);
		return (NULL);
	}
	return (h);
}

/* A status that is the message's fault, not ours: deliver unsigned. */
static int
message_fault(DKIM_STAT st)
{
	return (st == DKIM_STAT_SYNTAX);
}

static enum ipp_sign_result
rsa_header(void *p, const char *hdrs, size_t hlen, const char *extra,
    char *err, size_t errlen)
{
	struct rsa_msg *h = p;
	const char *f;
	DKIM_STAT st = DKIM_STAT_OK;

	for (f = hdrs; f != NULL && f < hdrs + hlen; f += strlen(f) + 1)
		if ((st = dkim_header(h->dkim, (unsigned char *) (uintptr_t) f, strlen(f)))
		    != DKIM_STAT_OK)
			break;
	if (st == DKIM_STAT_OK
	    && (st = dkim_header(h->dkim, (unsigned char *) (uintptr_t) extra, strlen(extra)))
	    == DKIM_STAT_OK
	    && (st = dkim_eoh(h->dkim)) == DKIM_STAT_OK)
		return (IPP_SIGN_OK);
	if (message_fault(st)) {
		(void) snprintf(err, errlen, "%s", rsa_why(h->dkim, st));
		return (IPP_SIGN_UNSIGNED);
	}
	(void) snprintf(err, errlen, "libopendkim: %s", rsa_why(h->dkim, st));
	return (IPP_SIGN_FAIL);
}

static int
rsa_body(void *p, const unsigned char *chunk, size_t len, char *err, size_t errlen)
{
	struct rsa_msg *h = p;
	DKIM_STAT st;

	if ((st = dkim_body(h->dkim, (unsigned char *) (uintptr_t) chunk, len)) != DKIM_STAT_OK) {
		(void) snprintf(err, errlen, "libopendkim body: %s", rsa_why(h->dkim, st));
		return (-1);
	}
	return (0);
}

/* libopendkim folds with CRLF; the MTA wants LF inside header values. */
static void
crlf_to_lf(char *s)
{
	char   *o = s;

	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
}

static char *
rsa_end(void *p, char *err, size_t errlen)
{
	struct rsa_msg *h = p;
	unsigned char *buf;
	size_t	len;
	char   *v;
	DKIM_STAT st;

	if ((st = dkim_eom(h->dkim, NULL)) != DKIM_STAT_OK
	    || (st = dkim_getsighdr_d(h->dkim, strlen(IPP_SIGN_HEADER) + 2, &buf, &len))
	    != DKIM_STAT_OK) {
		(void) snprintf(err, errlen, "libopendkim signature for d=%s s=%s: %s",
		    h->key->domain, h->key->selector, rsa_why(h->dkim, st));
		return (NULL);
	}
	if ((v = strdup((char *) buf)) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	crlf_to_lf(v);
	return (v);
}

const struct ipp_sign_alg sign_rsa = {
	IPP_KEY_RSA,
	rsa_init,
	rsa_fini,
	rsa_start,
	rsa_header,
	rsa_body,
	rsa_end,
	rsa_free,
	NULL			/* left_out: libopendkim signs every field */
};
