/* sign_ed25519.c - the Ed25519 signing algorithm (RFC 8463) behind the
 * signer interface of signer.h, on ippool's own edsign.c. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "edsign.h"
#include "signer.h"

struct ed_msg {
	struct edsign *ed;
	const struct ipp_dkim_key *key;
};

static void
ed_free(void *p)
{
	struct ed_msg *h = p;

	if (h == NULL)
		return;
	edsign_free(h->ed);
	free(h);
}

static void
ed_oom(const struct ipp_dkim_key *key, char *err, size_t errlen)
{
	(void) snprintf(err, errlen, "Ed25519 signer for d=%s s=%s: out of memory",
	    key->domain, key->selector);
}

static void *
ed_start(void *state, const struct ipp_sign_conf *sc,
    const struct ipp_dkim_key *key, time_t now, char *err, size_t errlen)
{
	struct ed_msg *h;

	(void) state;
	if ((h = calloc(1, sizeof(*h))) == NULL
	    || (h->ed = edsign_new(key->pkey, key->domain, key->selector,
	    sc->header_relaxed, sc->body_relaxed, sc->signhdrs, sc->oversign,
	    now)) == NULL) {
		free(h);
		ed_oom(key, err, errlen);
		return (NULL);
	}
	h->key = key;
	return (h);
}

static enum ipp_sign_result
ed_header(void *p, const char *hdrs, size_t hlen, const char *extra,
    char *err, size_t errlen)
{
	struct ed_msg *h = p;

	if (edsign_headers(h->ed, hdrs, hlen, extra) != 0) {
		ed_oom(h->key, err, errlen);
		return (IPP_SIGN_FAIL);
	}
	return (IPP_SIGN_OK);
}

static int
ed_body(void *p, const unsigned char *chunk, size_t len, char *err, size_t errlen)
{
	struct ed_msg *h = p;

	if (edsign_body(h->ed, chunk, len) != 0) {
		(void) snprintf(err, errlen, "Ed25519 body hash failed");
		return (-1);
	}
	return (0);
}

static char *
ed_end(void *p, char *err, size_t errlen)
{
	struct ed_msg *h = p;
	char	why[128], *v;

	if ((v = edsign_finish(h->ed, why, sizeof(why))) == NULL)
		(void) snprintf(err, errlen, "signature for d=%s s=%s: %s",
		    h->key->domain, h->key->selector, why);
	return (v);
}

static size_t
ed_left_out(void *p)
{
	struct ed_msg *h = p;

	return (edsign_left_out(h->ed));
}

const struct ipp_sign_alg ipp_sign_ed25519 = {
	IPP_KEY_ED25519,
	NULL,			/* init: the key was parsed with the keytable */
	NULL,			/* fini */
	ed_start,
	ed_header,
	ed_body,
	ed_end,
	ed_free,
	ed_left_out
};
