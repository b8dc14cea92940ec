/* edsign.c - ed25519-sha256 DKIM signatures (RFC 6376 section 3, RFC 8463):
 * header and body canonicalization (simple and relaxed), the h= choice
 * with oversigning, the body hashed as it streams, the header hash signed
 * with PureEdDSA by OpenSSL. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "edsign.h"

#define OUTBUF		8192
#define MAX_FIELDS	4096	/* header fields considered for signing */
#define SIG_MAX		990	/* one line: RFC 5322's 998 less "DKIM-Signature: " slack */

struct field {
	const char *text;	/* "Name:value" */
	size_t	len, namelen;
	int	used, listed;
};

struct edsign {
	EVP_PKEY *pkey;
	char	domain[256], selector[64];
	int	hrelaxed, brelaxed;
	const char *const *signhdrs, *const *oversign;
	long long now;
	EVP_MD_CTX *hh, *bh;
	char	hlist[4096];
	size_t	left_out;		/* signed fields not in h= (edsign_left_out) */
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

struct edsign *
edsign_new(EVP_PKEY *pkey, const char *domain, const char *selector, int hrelaxed,
    int brelaxed, const char *const *signhdrs, const char *const *oversign, time_t now)
{
	struct edsign *e;

	if (strlen(domain) >= sizeof(e->domain) || strlen(selector) >= sizeof(e->selector))
		return (NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->pkey = pkey;
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
		edsign_free(e);
		return (NULL);
	}
	return (e);
}

void
edsign_free(struct edsign *e)
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
hash_field(struct edsign *e, const char *text, size_t len, size_t namelen, int crlf)
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
hlist_add(struct edsign *e, const char *name, size_t len, size_t max)
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
hlist_has(const struct edsign *e, const char *name, size_t len)
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

/* The bytes h= may take for the signature to fit on one line of SIG_MAX
 * (edsign_finish: the fixed tags, a 44-byte bh= and an 88-byte b=). */
static size_t
hlist_budget(const struct edsign *e)
{
	int	fixed = snprintf(NULL, 0,
	    "v=1; a=ed25519-sha256; c=%s/%s; d=%s; s=%s; t=%lld; h=; bh=; b=",
	    e->hrelaxed ? "relaxed" : "simple", e->brelaxed ? "relaxed" : "simple",
	    e->domain, e->selector, e->now);

	return (fixed < 0 || (size_t) fixed + 44 + 88 >= SIG_MAX ? 0
	    : SIG_MAX - (size_t) fixed - 44 - 88);
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
hlist_build(struct edsign *e, struct field *f, size_t n)
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
edsign_headers(struct edsign *e, const char *hdrs, size_t hlen, const char *extra)
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
edsign_left_out(const struct edsign *e)
{
	return (e->left_out);
}

/* --- body ------------------------------------------------------------------- */

static int
flush(struct edsign *e)
{
	if (e->outlen && EVP_DigestUpdate(e->bh, e->out, e->outlen) != 1)
		e->failed = 1;
	e->outlen = 0;
	return (e->failed ? -1 : 0);
}

static void
out(struct edsign *e, const char *s, size_t n)
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
content(struct edsign *e, char ch)
{
	if (!e->content) {
		for (; e->pending_empty > 0; e->pending_empty--)
			out(e, "\r\n", 2);
		e->content = 1;
	}
	out(e, &ch, 1);
}

static void
end_of_line(struct edsign *e)
{
	e->wsp = 0;		/* relaxed: blanks at the end of a line go */
	if (e->content)
		out(e, "\r\n", 2);
	else
		e->pending_empty++;
	e->content = 0;
}

int
edsign_body(struct edsign *e, const unsigned char *p, size_t n)
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

char *
edsign_finish(struct edsign *e, char *err, size_t errlen)
{
	unsigned char bhash[EVP_MAX_MD_SIZE], hhash[EVP_MAX_MD_SIZE], sig[64];
	unsigned int bl = 0, hl = 0;
	size_t	siglen = sizeof(sig), off;
	char	bh64[64], b64sig[96], *value = NULL;
	EVP_MD_CTX *sctx = NULL;

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
	if ((value = malloc(SIG_MAX + 1)) == NULL)
		FAIL("out of memory");
	off = (size_t) snprintf(value, SIG_MAX + 1,
	    "v=1; a=ed25519-sha256; c=%s/%s; d=%s; s=%s; t=%lld; h=%s; bh=%s; b=",
	    e->hrelaxed ? "relaxed" : "simple", e->brelaxed ? "relaxed" : "simple",
	    e->domain, e->selector, e->now, e->hlist, bh64);
	if (off + 88 > SIG_MAX)
		FAIL("signature header would be longer than %d characters (h= too long)", SIG_MAX);
	/* the signature field itself, b= empty, without its CRLF */
	{
		char	field[SIG_MAX + 32];
		int	fl = snprintf(field, sizeof(field), "DKIM-Signature: %s", value);

		if (fl < 0 || (size_t) fl >= sizeof(field)
		    || hash_field(e, field, (size_t) fl, strlen("DKIM-Signature"), 0) != 0)
			FAIL("header hash failed");
	}
	if (EVP_DigestFinal_ex(e->hh, hhash, &hl) != 1)
		FAIL("header hash failed");
	/* RFC 8463: PureEdDSA over the SHA-256 hash */
	if ((sctx = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestSignInit(sctx, NULL, NULL, NULL, e->pkey) != 1
	    || EVP_DigestSign(sctx, sig, &siglen, hhash, hl) != 1
	    || b64(sig, siglen, b64sig, sizeof(b64sig)) != 0)
		FAIL("Ed25519 signing failed");
	EVP_MD_CTX_free(sctx);
	(void) strcat(value, b64sig);
	return (value);
fail:
	EVP_MD_CTX_free(sctx);
	free(value);
	return (NULL);
}
