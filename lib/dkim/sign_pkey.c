/* sign_pkey.c - the signing algorithms behind the signer interface of
 * signer.h, Ed25519 (RFC 8463) and RSA (RFC 6376), both on ippool's own
 * dkimsign.c with the key the keytable parsed once. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "dkimsign.h"
#include "signer.h"

struct pk_msg {
	struct dkimsign *ds;
	const struct ipp_dkim_key *key;
};

static void
pk_free(void *p)
{
	struct pk_msg *h = p;

	if (h == NULL)
		return;
	dkimsign_free(h->ds);
	free(h);
}

static void
pk_oom(const struct ipp_dkim_key *key, char *err, size_t errlen)
{
	(void) snprintf(err, errlen, "%s signer for d=%s s=%s: out of memory",
	    ipp_key_type_name(key->type), key->domain, key->selector);
}

static void *
pk_start(void *state, const struct ipp_sign_conf *sc,
    const struct ipp_dkim_key *key, time_t now, char *err, size_t errlen)
{
	struct pk_msg *h;

	(void) state;
	if ((h = calloc(1, sizeof(*h))) == NULL
	    || (h->ds = dkimsign_new(key->pkey, key->domain, key->selector,
	    sc->header_relaxed, sc->body_relaxed, sc->signhdrs, sc->oversign,
	    now)) == NULL) {
		free(h);
		pk_oom(key, err, errlen);
		return (NULL);
	}
	h->key = key;
	return (h);
}

static enum ipp_sign_result
pk_header(void *p, const char *hdrs, size_t hlen, const char *extra,
    char *err, size_t errlen)
{
	struct pk_msg *h = p;

	if (dkimsign_headers(h->ds, hdrs, hlen, extra) != 0) {
		pk_oom(h->key, err, errlen);
		return (IPP_SIGN_FAIL);
	}
	return (IPP_SIGN_OK);
}

static int
pk_body(void *p, const unsigned char *chunk, size_t len, char *err, size_t errlen)
{
	struct pk_msg *h = p;

	if (dkimsign_body(h->ds, chunk, len) != 0) {
		(void) snprintf(err, errlen, "body hash failed");
		return (-1);
	}
	return (0);
}

static char *
pk_end(void *p, char *err, size_t errlen)
{
	struct pk_msg *h = p;
	char	why[128], *v;

	if ((v = dkimsign_finish(h->ds, why, sizeof(why))) == NULL)
		(void) snprintf(err, errlen, "signature for d=%s s=%s: %s",
		    h->key->domain, h->key->selector, why);
	return (v);
}

static size_t
pk_left_out(void *p)
{
	struct pk_msg *h = p;

	return (dkimsign_left_out(h->ds));
}

const struct ipp_sign_alg ipp_sign_ed25519 = {
	IPP_KEY_ED25519,
	NULL,			/* init: the key was parsed with the keytable */
	NULL,			/* fini */
	pk_start,
	pk_header,
	pk_body,
	pk_end,
	pk_free,
	pk_left_out
};

const struct ipp_sign_alg ipp_sign_rsa = {
	IPP_KEY_RSA,
	NULL,
	NULL,
	pk_start,
	pk_header,
	pk_body,
	pk_end,
	pk_free,
	pk_left_out
};
