/* dkimsign.c - DKIM signatures (RFC 6376 section 3), rsa-sha256 and
 * ed25519-sha256 (RFC 8463): header and body canonicalization (simple and
 * relaxed), the h= choice with oversigning, the body hashed as it streams,
 * the header hash signed by OpenSSL with the key the keytable parsed once
 * (RSA PKCS#1 v1.5 over the SHA-256 digest; PureEdDSA over the digest). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkimsign.h"

#define OUTBUF		8192
#define MAX_FIELDS	4096	/* header fields considered for signing */
/* The first line of the value: "DKIM-Signature: " and it within 990, the
 * smtp_line_length_limit of older Postfix (998 since 3.7), past which the
 * MTA folds a line wherever it is long, inside bh= too. */
#define SIG_MAX		974
#define B64_LINE	72	/* b= folded in lines of this many characters */

struct field {
	const char *text;	/* "Name:value" */
	size_t	len, namelen;
	int	used, listed;
};

struct dkimsign {
	EVP_PKEY *pkey;
	int	ed25519;		/* else RSA */
	char	domain[256], selector[64];
	int	hrelaxed, brelaxed;
	const char *const *signhdrs, *const *oversign;
	long long now;
	EVP_MD_CTX *hh, *bh;
	char	hlist[4096];
	size_t	left_out;		/* signed fields not in h= (dkimsign_left_out) */
	int	headers_done;
	/* body canonicalization */
	unsigned char out[OUTBUF];
	size_t	outlen;
	unsigned long pending_empty;	/* empty lines not yet known to be inside */
	int	pending_cr, wsp, content, any, failed;
};

static int
in_list(const char *const *list, const char *name, size_t len)
{
	for (; list && *list; list++)
		if (strlen(*list) == len && strncasecmp(*list, name, len) == 0)
			return (1);
	return (0);
}

struct dkimsign *
dkimsign_new(EVP_PKEY *pkey, const char *domain, const char *selector, int hrelaxed,
    int brelaxed, const char *const *signhdrs, const char *const *oversign, time_t now)
{
	struct dkimsign *e;

	if (strlen(domain) >= sizeof(e->domain) || strlen(selector) >= sizeof(e->selector))
		return (NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->pkey = pkey;
	e->ed25519 = EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519;
	(void) strcpy(e->domain, domain);
	(void) strcpy(e->selector, selector);
	e->hrelaxed = hrelaxed;
	e->brelaxed = brelaxed;
	e->signhdrs = signhdrs;
	e->oversign = oversign;
	e->now = (long long) now;
	if ((e->hh = EVP_MD_CTX_new()) == NULL || (e->bh = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestInit_ex(e->hh, EVP_sha256(), NULL) != 1
	    || EVP_DigestInit_ex(e->bh, EVP_sha256(), NULL) != 1) {
		dkimsign_free(e);
		return (NULL);
	}
	return (e);
}

void
dkimsign_free(struct dkimsign *e)
{
	if (e == NULL)
		return;
	EVP_MD_CTX_free(e->hh);
	EVP_MD_CTX_free(e->bh);
	free(e);
}

/* --- headers ---------------------------------------------------------------- */

/* Bytes on their way into the header hash, in blocks. */
struct hbuf {
	EVP_MD_CTX *ctx;
	char	b[1024];
	size_t	n;
	int	failed;
};

static void
hput(struct hbuf *h, char ch)
{
	if (h->n == sizeof(h->b)) {
		if (EVP_DigestUpdate(h->ctx, h->b, h->n) != 1)
			h->failed = 1;
		h->n = 0;
	}
	h->b[h->n++] = ch;
}

/* Hash one field in the chosen canonicalization, CRLF-terminated unless last. */
static int
hash_field(struct dkimsign *e, const char *text, size_t len, size_t namelen, int crlf)
{
	struct hbuf h;
	size_t	i;
	int	wsp = 0, started = 0;

	if (!e->hrelaxed) {
		if (EVP_DigestUpdate(e->hh, text, len) != 1)
			return (-1);
		return (crlf ? (EVP_DigestUpdate(e->hh, "\r\n", 2) == 1 ? 0 : -1) : 0);
	}
	/* relaxed: lower-case name without blanks, ':', value unfolded, one
	 * SP per run of blanks, none at either end */
	h.ctx = e->hh;
	h.n = 0;
	h.failed = 0;
	for (i = 0; i < namelen; i++)
		if (text[i] != ' ' && text[i] != '\t')
			hput(&h, (char) tolower((unsigned char) text[i]));
	hput(&h, ':');
	for (i = namelen + 1; i < len; i++) {
		char	ch = text[i];

		if (ch == '\r' || ch == '\n')
			continue;
		if (ch == ' ' || ch == '\t') {
			wsp = 1;
			continue;
		}
		if (wsp && started)
			hput(&h, ' ');
		wsp = 0;
		started = 1;
		hput(&h, ch);
	}
	if (crlf) {
		hput(&h, '\r');
		hput(&h, '\n');
	}
	if (h.n && EVP_DigestUpdate(e->hh, h.b, h.n) != 1)
		h.failed = 1;
	return (h.failed ? -1 : 0);
}

/* Append name to h= unless that makes it longer than max bytes. */
static int
hlist_add(struct dkimsign *e, const char *name, size_t len, size_t max)
{
	size_t	off = strlen(e->hlist), i;

	if (off + len + 2 > sizeof(e->hlist) || off + (off > 0) + len > max)
		return (-1);
	if (off)
		e->hlist[off++] = ':';
	for (i = 0; i < len; i++)
		e->hlist[off++] = (char) tolower((unsigned char) name[i]);
	e->hlist[off] = '\0';
	return (0);
}

/* Whether h= lists name already. */
static int
hlist_has(const struct dkimsign *e, const char *name, size_t len)
{
	const char *p;
	size_t	n;

	for (p = e->hlist; *p; p += n + (p[n] == ':')) {
		n = strcspn(p, ":");
		if (n == len && strncasecmp(p, name, len) == 0)
			return (1);
	}
	return (0);
}

static const char *
alg_name(const struct dkimsign *e)
{
	return (e->ed25519 ? "ed25519-sha256" : "rsa-sha256");
}

/* The bytes h= may take for the signature's first line to fit in SIG_MAX
 * (dkimsign_finish: the fixed tags and a 44-byte bh=; b= follows on lines
 * of its own). */
static size_t
hlist_budget(const struct dkimsign *e)
{
	int	fixed = snprintf(NULL, 0,
	    "v=1; a=%s; c=%s/%s; d=%s; s=%s; t=%lld; h=; bh=;", alg_name(e),
	    e->hrelaxed ? "relaxed" : "simple", e->brelaxed ? "relaxed" : "simple",
	    e->domain, e->selector, e->now);

	return (fixed < 0 || (size_t) fixed + 44 >= SIG_MAX ? 0
	    : SIG_MAX - (size_t) fixed - 44);
}

/*
 * h=: every signed field, top to bottom, then each oversigned name once
 * more.  When that is too long for the signature's line (a message with
 * 300 Cc: fields), h= takes first each signed name once, then the
 * oversigned names, then further occurrences while they fit; the rest
 * are left out (counted), and the signature still verifies: a verifier
 * hashes the fields h= names, each name's occurrences from the bottom up.
 */
static int
hlist_build(struct dkimsign *e, struct field *f, size_t n)
{
	size_t	i, max = hlist_budget(e), room = sizeof(e->hlist);
	int	fits = 1;

	e->hlist[0] = '\0';
	for (i = 0; i < n && fits; i++)
		if (in_list(e->signhdrs, f[i].text, f[i].namelen))
			fits = hlist_add(e, f[i].text, f[i].namelen, room) == 0;
	for (i = 0; e->oversign && e->oversign[i] && fits; i++)
		fits = hlist_add(e, e->oversign[i], strlen(e->oversign[i]), room) == 0;
	if (fits && strlen(e->hlist) <= max)
		return (0);

	e->hlist[0] = '\0';
	for (i = 0; i < n; i++) {
		f[i].listed = 0;
		if (in_list(e->signhdrs, f[i].text, f[i].namelen)
		    && !hlist_has(e, f[i].text, f[i].namelen)
		    && hlist_add(e, f[i].text, f[i].namelen, max) == 0)
			f[i].listed = 1;
	}
	for (i = 0; e->oversign && e->oversign[i]; i++)
		(void) hlist_add(e, e->oversign[i], strlen(e->oversign[i]), max);
	e->left_out = 0;
	for (i = 0; i < n; i++)
		if (in_list(e->signhdrs, f[i].text, f[i].namelen) && !f[i].listed
		    && hlist_add(e, f[i].text, f[i].namelen, max) != 0)
			e->left_out++;
	return (e->hlist[0] == '\0' ? -1 : 0);
}

int
dkimsign_headers(struct dkimsign *e, const char *hdrs, size_t hlen, const char *extra)
{
	struct field *f;
	const char *p, *colon, *name;
	size_t	n = 0, j, len;
	int	rc = -1;

	if ((f = calloc(MAX_FIELDS, sizeof(*f))) == NULL)
		return (-1);
	for (p = hdrs; p != NULL && p < hdrs + hlen && n < MAX_FIELDS - 1; p += strlen(p) + 1)
		if ((colon = strchr(p, ':')) != NULL) {
			f[n].text = p;
			f[n].len = strlen(p);
			f[n++].namelen = (size_t) (colon - p);
		}
	if (extra != NULL && (colon = strchr(extra, ':')) != NULL) {
		f[n].text = extra;
		f[n].len = strlen(extra);
		f[n++].namelen = (size_t) (colon - extra);
	}
	if (hlist_build(e, f, n) != 0)
		goto out;
	/* hash in h= order, each name taking its occurrences from the bottom up */
	for (name = e->hlist; *name; name += len + (name[len] == ':')) {
		len = strcspn(name, ":");
		for (j = n; j > 0; j--) {
			struct field *x = &f[j - 1];

			if (x->used || x->namelen != len || strncasecmp(x->text, name, len) != 0)
				continue;
			x->used = 1;
			if (hash_field(e, x->text, x->len, x->namelen, 1) != 0)
				goto out;
			break;
		}
	}
	e->headers_done = 1;
	rc = 0;
out:
	free(f);
	return (rc);
}

size_t
dkimsign_left_out(const struct dkimsign *e)
{
	return (e->left_out);
}

/* --- body ------------------------------------------------------------------- */

static int
flush(struct dkimsign *e)
{
	if (e->outlen && EVP_DigestUpdate(e->bh, e->out, e->outlen) != 1)
		e->failed = 1;
	e->outlen = 0;
	return (e->failed ? -1 : 0);
}

static void
out(struct dkimsign *e, const char *s, size_t n)
{
	while (n--) {
		if (e->outlen == sizeof(e->out))
			(void) flush(e);
		e->out[e->outlen++] = (unsigned char) *s++;
	}
	e->any = 1;
}

/* A byte of line content: empty lines before it were not trailing after all. */
static void
content(struct dkimsign *e, char ch)
{
	if (!e->content) {
		for (; e->pending_empty > 0; e->pending_empty--)
			out(e, "\r\n", 2);
		e->content = 1;
	}
	out(e, &ch, 1);
}

static void
end_of_line(struct dkimsign *e)
{
	e->wsp = 0;		/* relaxed: blanks at the end of a line go */
	if (e->content)
		out(e, "\r\n", 2);
	else
		e->pending_empty++;
	e->content = 0;
}

int
dkimsign_body(struct dkimsign *e, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		char	ch = (char) p[i];

		if (ch == '\n') {
			e->pending_cr = 0;
			end_of_line(e);
			continue;
		}
		if (e->pending_cr) {
			e->pending_cr = 0;
			content(e, '\r');	/* a CR alone is data */
		}
		if (ch == '\r') {
			e->pending_cr = 1;
			continue;
		}
		if (e->brelaxed && (ch == ' ' || ch == '\t')) {
			e->wsp = 1;
			continue;
		}
		if (e->wsp) {
			e->wsp = 0;
			content(e, ' ');
		}
		content(e, ch);
	}
	return (flush(e));
}

/* --- the signature ------------------------------------------------------------ */

static int
b64(const unsigned char *in, size_t len, char *outb, size_t outcap)
{
	if (4 * ((len + 2) / 3) + 1 > outcap)
		return (-1);
	return (EVP_EncodeBlock((unsigned char *) outb, in, (int) len) < 0 ? -1 : 0);
}

#define FAIL(...) do { (void) snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

/* The header hash signed: RSA PKCS#1 v1.5 over the SHA-256 digest
 * (rsa-sha256), or PureEdDSA over it (RFC 8463).  SIG gets at most
 * EVP_PKEY_get_size bytes. */
static int
sign_digest(const struct dkimsign *e, const unsigned char *md, size_t mdlen,
    unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX *sctx;
	EVP_PKEY_CTX *pc;
	int	ok;

	if (e->ed25519) {
		if ((sctx = EVP_MD_CTX_new()) == NULL)
			return (-1);
		ok = EVP_DigestSignInit(sctx, NULL, NULL, NULL, e->pkey) == 1
		    && EVP_DigestSign(sctx, sig, siglen, md, mdlen) == 1;
		EVP_MD_CTX_free(sctx);
		return (ok ? 0 : -1);
	}
	if ((pc = EVP_PKEY_CTX_new(e->pkey, NULL)) == NULL)
		return (-1);
	ok = EVP_PKEY_sign_init(pc) == 1
	    && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1
	    && EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1
	    && EVP_PKEY_sign(pc, sig, siglen, md, mdlen) == 1;
	EVP_PKEY_CTX_free(pc);
	return (ok ? 0 : -1);
}

/*
 * The value: the tags and h= on the first line, then "b=" and the
 * signature folded in lines of B64_LINE characters (FWS inside b= is
 * ignored by verifiers, RFC 6376 3.5), so that a 4096-bit RSA signature
 * fits as well as an Ed25519 one.  Folds are LF, as the MTA takes them;
 * the header hash sees them as CRLF, as the message will carry them.
 */
char *
dkimsign_finish(struct dkimsign *e, char *err, size_t errlen)
{
	unsigned char bhash[EVP_MAX_MD_SIZE], hhash[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned int bl = 0, hl = 0;
	size_t	siglen, off, b64len, i, cap;
	char	bh64[64], *b64sig = NULL, *value = NULL, *field = NULL;
	int	fl;

	if (!e->headers_done)
		FAIL("no header was hashed");
	/* the end of the body: a last line without CRLF gets one; trailing
	 * empty lines are dropped; an empty body is CRLF (simple) or nothing */
	if (e->pending_cr)
		content(e, '\r');
	e->pending_cr = 0;
	if (e->content)
		end_of_line(e);
	if (!e->any && !e->brelaxed)
		out(e, "\r\n", 2);
	if (flush(e) != 0 || EVP_DigestFinal_ex(e->bh, bhash, &bl) != 1
	    || b64(bhash, bl, bh64, sizeof(bh64)) != 0)
		FAIL("body hash failed");
	siglen = (size_t) EVP_PKEY_get_size(e->pkey);
	b64len = 4 * ((siglen + 2) / 3);
	cap = SIG_MAX + 8 + b64len + 3 * (b64len / B64_LINE + 1) + 1;
	if ((value = malloc(cap)) == NULL || (field = malloc(cap + 32)) == NULL
	    || (sig = malloc(siglen)) == NULL || (b64sig = malloc(b64len + 1)) == NULL)
		FAIL("out of memory");
	off = (size_t) snprintf(value, SIG_MAX + 1,
	    "v=1; a=%s; c=%s/%s; d=%s; s=%s; t=%lld; h=%s; bh=%s;", alg_name(e),
	    e->hrelaxed ? "relaxed" : "simple", e->brelaxed ? "relaxed" : "simple",
	    e->domain, e->selector, e->now, e->hlist, bh64);
	if (off > SIG_MAX)
		FAIL("signature header would be longer than %d characters (h= too long)", SIG_MAX);
	(void) memcpy(value + off, "\n\tb=", 4);
	off += 4;
	/* the signature field itself, b= empty, without its CRLF */
	fl = snprintf(field, cap + 32, "DKIM-Signature: %.*s\r\n\tb=", (int) (off - 4), value);
	if (fl < 0 || (size_t) fl >= cap + 32
	    || hash_field(e, field, (size_t) fl, strlen("DKIM-Signature"), 0) != 0)
		FAIL("header hash failed");
	if (EVP_DigestFinal_ex(e->hh, hhash, &hl) != 1)
		FAIL("header hash failed");
	if (sign_digest(e, hhash, hl, sig, &siglen) != 0
	    || b64(sig, siglen, b64sig, b64len + 1) != 0)
		FAIL("%s signing failed", e->ed25519 ? "Ed25519" : "RSA");
	b64len = strlen(b64sig);
	for (i = 0; i < b64len; i += B64_LINE) {
		size_t	n = b64len - i < B64_LINE ? b64len - i : B64_LINE;

		if (i > 0) {
			(void) memcpy(value + off, "\n\t", 2);
			off += 2;
		}
		(void) memcpy(value + off, b64sig + i, n);
		off += n;
	}
	value[off] = '\0';
	free(field);
	free(sig);
	free(b64sig);
	return (value);
fail:
	free(field);
	free(sig);
	free(b64sig);
	free(value);
	return (NULL);
}
