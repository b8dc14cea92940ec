/* sign.c - DKIM signing with libopendkim.
 *
 * The signing domain comes from the From: header, which may come after
 * other headers, so the headers of a message are kept until the end of
 * the header (bounded by the MTA's own header limit); the body is never
 * kept: it goes into the per-key DKIM handles chunk by chunk.  The X-Settings
 * header the milter adds at end of message is known from MAIL FROM on, so
 * it is hashed with the other headers and its value is covered.
 *
 * One DKIM_LIB per loaded configuration (its header lists depend on it),
 * shared by all threads; one DKIM handle per key per message.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "clock.h"
#include "edsign.h"
#include "keytable.h"
#include "log.h"
#include "mailbox.h"
#include "milter.h"
#include "sign.h"
#include "signfrom.h"

#define SIGN_MAX_KEYS	2		/* one RSA and one Ed25519 per domain */
#define SIGN_MAX_SEEN	8		/* DKIM-Signature headers remembered */
#define SIGN_HDR_MAX	(4 * 1024 * 1024) /* Postfix's header_size_limit is 100 KiB */
#define SIGN_FROM_MAX	998		/* RFC 5322 line length */
#define SIGNHDR		"DKIM-Signature"
#define NOKEY_INTERVAL	3600

/* What a loaded configuration signs with (attached to struct ipp_config). */
struct signer {
	DKIM_LIB *lib;
	struct ipp_keytable *kt;
	dkim_canon_t hcanon, bcanon;
	const char **signhdrs;		/* kept alive as long as lib */
	const char **oversign;
};

enum sign_state { COLLECT, SIGNING, NOSIGN, FAILED };

struct sign_msg {
	enum sign_state state;
	char   *hdrs;			/* "Name: value\0" ... */
	size_t	hlen, hcap;
	char	from[SIGN_FROM_MAX + 1];
	unsigned nfrom;
	int	from_long;		/* longer than SIGN_FROM_MAX: not kept whole */
	struct {
		char	d[256];
		char	s[64];
	} seen[SIGN_MAX_SEEN];
	unsigned nseen;
	DKIM   *dkim[SIGN_MAX_KEYS];	/* RSA keys: libopendkim */
	struct edsign *ed[SIGN_MAX_KEYS];	/* Ed25519 keys: edsign.c */
	const struct ipp_dkim_key *key[SIGN_MAX_KEYS];
	unsigned nkeys;
	char	why[256];		/* FAILED: what went wrong */
	char	note[512];		/* logged at end of message, with the queue ID */
	int	note_warn;
};

/* RFC 6376 5.4.1's list, the list headers of RFC 2369/8058, Feedback-ID. */
static const char *const base_signhdrs[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date",
	"Resent-From", "Resent-To", "Resent-Cc", "In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post",
	"List-Subscribe", "List-Post", "List-Owner", "List-Archive",
	"Sender", "Message-ID", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Content-ID", "Content-Description",
	"Resent-Sender", "Resent-Message-ID", "Feedback-ID", NULL
};

/* --- the signer of a configuration --------------------------------------- */

static void
signer_free(void *p)
{
	struct signer *sg = p;

	if (sg == NULL)
		return;
	if (sg->lib != NULL)
		dkim_close(sg->lib);
	ipp_keytable_free(sg->kt);
	free(sg->signhdrs);
	free(sg->oversign);
	free(sg);
}

static int
in_list(const char **list, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			return (1);
	return (0);
}

/* The signed headers: the usual set, the pool tag, and every oversigned
 * header (libopendkim lists an oversigned name once more than it signed
 * it, so it must sign all its occurrences). */
static const char **
build_signhdrs(const struct ipp_config *cfg)
{
	size_t	nbase = sizeof(base_signhdrs) / sizeof(base_signhdrs[0]) - 1;
	size_t	n = 0, i, nover = ipp_list_len(cfg->oversign);
	const char **l = calloc(nbase + nover + 2, sizeof(*l));

	if (l == NULL)
		return (NULL);
	for (i = 0; i < nbase; i++)
		l[n++] = base_signhdrs[i];
	if (!in_list(l, n, cfg->header))
		l[n++] = cfg->header;
	for (i = 0; i < nover; i++)
		if (!in_list(l, n, cfg->oversign[i]))
			l[n++] = cfg->oversign[i];
	l[n] = NULL;
	return (l);
}

int
sign_prepare(struct ipp_config *cfg, const struct ipp_config *old, FILE *errs)
{
	const struct signer *osg = old != NULL ? old->attach : NULL;
	struct signer *sg;
	unsigned flags = DKIM_LIBFLAGS_NONE;
	size_t	i, nover;

	if (!cfg->dkim || cfg->keytable == NULL || *cfg->keytable == '\0')
		return (0);
	if ((sg = calloc(1, sizeof(*sg))) == NULL) {
		(void) fprintf(errs, "%s: out of memory\n", cfg->keytable);
		return (-1);
	}
	if ((sg->kt = ipp_keytable_load(cfg->keytable, osg ? osg->kt : NULL, errs)) == NULL) {
		signer_free(sg);
		return (-1);
	}
	sg->hcanon = cfg->canon_header_relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	sg->bcanon = cfg->canon_body_relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	nover = ipp_list_len(cfg->oversign);
	if ((sg->lib = dkim_init(NULL, NULL)) == NULL
	    || (sg->signhdrs = build_signhdrs(cfg)) == NULL
	    || (sg->oversign = calloc(nover + 1, sizeof(*sg->oversign))) == NULL) {
		(void) fprintf(errs, "%s: cannot initialize libopendkim: out of memory\n",
		    cfg->keytable);
		signer_free(sg);
		return (-1);
	}
	for (i = 0; i < nover; i++)
		sg->oversign[i] = cfg->oversign[i];
	if (dkim_options(sg->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags))
	    != DKIM_STAT_OK
	    || dkim_options(sg->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sg->signhdrs,
	    sizeof(sg->signhdrs)) != DKIM_STAT_OK
	    || (nover > 0 && dkim_options(sg->lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    sg->oversign, sizeof(sg->oversign)) != DKIM_STAT_OK)) {
		(void) fprintf(errs, "%s: libopendkim refused the header lists\n", cfg->keytable);
		signer_free(sg);
		return (-1);
	}
	cfg->attach = sg;
	cfg->attach_free = signer_free;
	if (sg->kt->nkeys == 0)
		msg_warn("%s: no keys: messages leave unsigned", cfg->keytable);
	else
		msg_info("DKIM: %zu key%s from %s", sg->kt->nkeys,
		    sg->kt->nkeys == 1 ? "" : "s", cfg->keytable);
	return (0);
}

static const struct signer *
conn_signer(const struct conn *c)
{
	const struct ipp_config *cfg;

	if (c->ref == NULL)
		return (NULL);
	cfg = ipp_confref_cfg(c->ref);
	return (cfg->dkim && cfg->attach != NULL
	    && ((const struct signer *) cfg->attach)->kt->nkeys > 0 ? cfg->attach : NULL);
}

void
sign_negotiate(struct conn *c, unsigned long offered, unsigned long *steps)
{
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ref ? ipp_confref_cfg(ref) : NULL;
	int	signs = cfg != NULL && cfg->dkim && cfg->attach != NULL;

	ipp_confref_put(ref);
	if (!signs)
		return;
	*steps &= ~(unsigned long) SMFIP_NOBODY;
	c->body = 1;
	if (offered & SMFIP_NR_BODY) {
		*steps |= SMFIP_NR_BODY;
		c->nr_body = 1;
	}
	/* the exact header value, as simple header canonicalization needs */
	if (offered & SMFIP_HDR_LEADSPC) {
		*steps |= SMFIP_HDR_LEADSPC;
		c->leadspc = 1;
	}
}

/* --- per message ------------------------------------------------------------ */

static void fail(struct sign_msg *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct sign_msg *m, const char *fmt, ...)
{
	va_list	ap;

	if (m->state == FAILED)
		return;			/* keep the first reason */
	m->state = FAILED;
	va_start(ap, fmt);
	(void) vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
}

static void note(struct sign_msg *, int warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Body steps come before Postfix sends the queue ID: say it at the end. */
static void
note(struct sign_msg *m, int warn, const char *fmt, ...)
{
	size_t	len = strlen(m->note);
	va_list	ap;

	m->note_warn |= warn;
	if (len > 0 && len + 2 < sizeof(m->note)) {
		(void) strcpy(m->note + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	(void) vsnprintf(m->note + len, sizeof(m->note) - len, fmt, ap);
	va_end(ap);
}

static void
msg_free_handles(struct sign_msg *m)
{
	unsigned i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->dkim[i] != NULL)
			(void) dkim_free(m->dkim[i]);
		edsign_free(m->ed[i]);
		m->dkim[i] = NULL;
		m->ed[i] = NULL;
	}
	m->nkeys = 0;
	free(m->hdrs);
	m->hdrs = NULL;
	m->hlen = m->hcap = 0;
}

void
sign_reset(struct conn *c)
{
	if (c->sign == NULL)
		return;
	msg_free_handles(c->sign);
	free(c->sign);
	c->sign = NULL;
}

static struct sign_msg *
msg_get(struct conn *c)
{
	if (c->sign == NULL) {
		if ((c->sign = calloc(1, sizeof(*c->sign))) == NULL)
			return (NULL);
		c->sign->state = COLLECT;
	}
	return (c->sign);
}

/* Append "Name:" SP value with bare LFs made CRLF (Postfix folds with LF). */
static int
hdr_append(struct sign_msg *m, const char *name, const char *sp, const char *value)
{
	size_t	need = strlen(name) + 1 + strlen(sp) + 2 * strlen(value) + 1;
	const char *v;
	char   *p;

	if (m->hlen + need > SIGN_HDR_MAX)
		return (-1);
	if (m->hlen + need > m->hcap) {
		size_t	ncap = m->hcap ? m->hcap : 8192;
		char   *g;

		while (ncap < m->hlen + need)
			ncap *= 2;
		if ((g = realloc(m->hdrs, ncap)) == NULL)
			return (-1);
		m->hdrs = g;
		m->hcap = ncap;
	}
	p = m->hdrs + m->hlen;
	p += sprintf(p, "%s:%s", name, sp);
	for (v = value; *v; v++) {
		if (*v == '\n' && (v == value || v[-1] != '\r'))
			*p++ = '\r';
		*p++ = *v;
	}
	*p++ = '\0';
	m->hlen = (size_t) (p - m->hdrs);
	return (0);
}

/* Remember d= and s= of a signature already on the message. */
static void
note_signature(struct sign_msg *m, const char *value)
{
	char	d[256], s[64];

	if (m->nseen == SIGN_MAX_SEEN || ipp_dkim_tag(value, "d", d, sizeof(d)) == NULL
	    || ipp_dkim_tag(value, "s", s, sizeof(s)) == NULL)
		return;
	if (d[0] && s[0]) {
		(void) snprintf(m->seen[m->nseen].d, sizeof(m->seen[0].d), "%s", d);
		(void) snprintf(m->seen[m->nseen].s, sizeof(m->seen[0].s), "%s", s);
		m->nseen++;
	}
}

void
sign_header(struct conn *c, const char *name, const char *value)
{
	const struct signer *sg = conn_signer(c);
	struct sign_msg *m;

	if (sg == NULL)
		return;
	if ((m = msg_get(c)) == NULL) {
		c->sign_oom = 1;
		return;
	}
	if (m->state != COLLECT)
		return;
	/* removed at end of message and replaced by ours, hashed then */
	if (strcasecmp(name, ipp_confref_cfg(c->ref)->header) == 0)
		return;
	if (strcasecmp(name, SIGNHDR) == 0)
		note_signature(m, value);
	else if (strcasecmp(name, "From") == 0 && m->nfrom++ == 0) {
		/* a cut address could name another domain: such a From: is not signed */
		m->from_long = strlen(value) > SIGN_FROM_MAX;
		(void) snprintf(m->from, sizeof(m->from), "%s", value);
	}
	if (hdr_append(m, name, c->leadspc ? "" : " ", value) != 0)
		fail(m, "the header is too large to keep for signing (over %d bytes) or out of memory",
		    SIGN_HDR_MAX);
}

/* Once per domain per hour: a relay for many domains would log every message. */
static int
nokey_should_log(const char *domain)
{
	char	key[300];

	(void) snprintf(key, sizeof(key), "nokey:%s", domain);
	return (ipp_log_once(key, NOKEY_INTERVAL));
}

static int
seen(const struct sign_msg *m, const struct ipp_dkim_key *key)
{
	unsigned i;

	for (i = 0; i < m->nseen; i++)
		if (strcasecmp(m->seen[i].d, key->domain) == 0
		    && strcmp(m->seen[i].s, key->selector) == 0)
			return (1);
	return (0);
}

/* A DKIM status that is the message's fault, not ours: deliver unsigned. */
static int
message_fault(DKIM_STAT st)
{
	return (st == DKIM_STAT_SYNTAX);
}

/* End of header: pick the keys, create the handles, hash the headers. */
static void
start(struct conn *c, struct sign_msg *m)
{
	const struct signer *sg = conn_signer(c);
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	const struct ipp_dkim_key *keys;
	char	domain[256], why[600];
	unsigned nmb;
	const char *h;
	char	xs[IPP_NAME_MAX * 8 + 512];
	size_t	nkeys, i;
	DKIM_STAT st;

	if (m->state != COLLECT)
		return;
	if (m->nfrom == 0 || c->pool == NULL) {
		note(m, 0, "no From: header: not signed");
		m->state = NOSIGN;
		goto done;
	}
	/* a signature vouches for one author (RFC 6376 5.4, DMARC) */
	if (m->nfrom > 1) {
		note(m, 1, "%u From: headers: not signed", m->nfrom);
		m->state = NOSIGN;
		goto done;
	}
	if (m->from_long) {
		note(m, 1, "From: longer than %d bytes: not signed", SIGN_FROM_MAX);
		m->state = NOSIGN;
		goto done;
	}
	if ((nmb = ipp_from_mailboxes(m->from, domain, sizeof(domain))) != 1) {
		note(m, 1, "From: %.200s names %u mailboxes, not one: not signed", m->from, nmb);
		m->state = NOSIGN;
		goto done;
	}
	if (domain[0] == '\0') {
		note(m, 0, "no domain in From: %.200s: not signed", m->from);
		m->state = NOSIGN;
		goto done;
	}
	if ((nkeys = ipp_keytable_find(sg->kt, domain, &keys)) == 0) {
		if (nokey_should_log(domain))
			note(m, 1, "no DKIM key for %.255s or a parent domain in %s: not signed"
			    " (logged once an hour per domain)", domain, sg->kt->file);
		m->state = NOSIGN;
		goto done;
	}
	if (!ipp_sign_from_ok(cfg->sign_from, domain, ipp_addr_domain(c->sender),
	    c->why == IPP_POOL_BY_LOGIN, why, sizeof(why))) {
		note(m, 1, "%s: not signed", why);
		m->state = NOSIGN;
		goto done;
	}
	if (!c->body) {
		/* negotiated before a reload turned signing on: the body never comes */
		fail(m, "signing was enabled after this connection began");
		goto done;
	}
	/* the tag as the MTA will write it: "Name:" + value (with its space) */
	(void) snprintf(xs, sizeof(xs), "%s: %s", cfg->header, c->pool->xsettings);
	m->state = SIGNING;
	for (i = 0; i < nkeys && m->nkeys < SIGN_MAX_KEYS; i++) {
		const struct ipp_dkim_key *key = &keys[i];
		DKIM   *d;

		if (seen(m, key)) {
			note(m, 0, "already signed with d=%s s=%s: not signing again",
			    key->domain, key->selector);
			continue;
		}
		if (key->type == IPP_KEY_ED25519) {
			struct edsign *ed = edsign_new(key->pkey, key->domain, key->selector,
			    cfg->canon_header_relaxed, cfg->canon_body_relaxed,
			    (const char *const *) sg->signhdrs, (const char *const *) sg->oversign,
			    ipp_now());

			if (ed == NULL || edsign_headers(ed, m->hdrs, m->hlen, xs) != 0) {
				edsign_free(ed);
				fail(m, "Ed25519 signer for d=%s s=%s: out of memory", key->domain,
				    key->selector);
				goto done;
			}
			m->ed[m->nkeys] = ed;
			m->key[m->nkeys++] = key;
			continue;
		}
		d = dkim_sign(sg->lib, (const unsigned char *) MILTER_NAME, NULL,
		    (dkim_sigkey_t) (uintptr_t) key->pem, (const unsigned char *) key->selector,
		    (const unsigned char *) key->domain, sg->hcanon, sg->bcanon,
		    key->type == IPP_KEY_ED25519 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256,
		    -1, &st);
		if (d == NULL) {
			fail(m, "dkim_sign for d=%s s=%s: %s", key->domain, key->selector,
			    dkim_getresultstr(st));
			goto done;
		}
		m->dkim[m->nkeys] = d;
		m->key[m->nkeys++] = key;
		/*
		 * With simple header canonicalization the signature header is
		 * hashed exactly as written; libopendkim 2.11's folded Ed25519
		 * header then fails to verify (seen with python3-dkim), an
		 * unfolded one verifies.  It stays well under Postfix's
		 * 2048-byte line limit.
		 */
		if (sg->hcanon == DKIM_CANON_SIMPLE && (st = dkim_set_margin(d, 0)) != DKIM_STAT_OK)
			goto dkim_error;
		for (h = m->hdrs; h != NULL && h < m->hdrs + m->hlen; h += strlen(h) + 1)
			if ((st = dkim_header(d, (unsigned char *) (uintptr_t) h, strlen(h)))
			    != DKIM_STAT_OK)
				goto dkim_error;
		if ((st = dkim_header(d, (unsigned char *) xs, strlen(xs))) != DKIM_STAT_OK
		    || (st = dkim_eoh(d)) != DKIM_STAT_OK)
			goto dkim_error;
	}
	if (m->nkeys == 0)
		m->state = NOSIGN;
	goto done;

dkim_error:
	if (message_fault(st)) {
		note(m, 1, "not signed: %s", dkim_geterror(m->dkim[m->nkeys - 1])
		    ? dkim_geterror(m->dkim[m->nkeys - 1]) : dkim_getresultstr(st));
		m->state = NOSIGN;
	} else {
		fail(m, "libopendkim: %s", dkim_geterror(m->dkim[m->nkeys - 1])
		    ? dkim_geterror(m->dkim[m->nkeys - 1]) : dkim_getresultstr(st));
	}
done:
	/* the header is hashed (or not needed): only the body streams on */
	free(m->hdrs);
	m->hdrs = NULL;
	m->hlen = m->hcap = 0;
}

void
sign_body(struct conn *c, const unsigned char *chunk, size_t len)
{
	struct sign_msg *m = c->sign;
	unsigned i;
	DKIM_STAT st;

	if (m == NULL || m->state == NOSIGN || m->state == FAILED)
		return;
	if (m->state == COLLECT)
		start(c, m);
	for (i = 0; m->state == SIGNING && i < m->nkeys; i++) {
		if (m->ed[i] != NULL) {
			if (edsign_body(m->ed[i], chunk, len) != 0)
				fail(m, "Ed25519 body hash failed");
			continue;
		}
		if ((st = dkim_body(m->dkim[i], (unsigned char *) (uintptr_t) chunk, len))
		    != DKIM_STAT_OK)
			fail(m, "libopendkim body: %s", dkim_geterror(m->dkim[i])
			    ? dkim_geterror(m->dkim[i]) : dkim_getresultstr(st));
	}
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

int
sign_eom(SMFICTX *ctx, struct conn *c)
{
	struct sign_msg *m;
	const char *qid = milter_qid(ctx);
	char	log[1024], *val[SIGN_MAX_KEYS] = { NULL };
	size_t	off = 0;
	unsigned i;
	int	rc = -1;

	if (conn_signer(c) == NULL) {
		sign_reset(c);
		return (0);
	}
	if (c->sign_oom) {
		msg_warn("%s: cannot sign: out of memory", qid);
		goto tempfail;
	}
	if ((m = msg_get(c)) == NULL) {
		msg_warn("%s: cannot sign: out of memory", qid);
		goto tempfail;
	}
	if (m->state == COLLECT)
		start(c, m);
	if (m->note[0] != '\0') {
		if (m->note_warn)
			msg_warn("%s: %s", qid, m->note);
		else
			msg_info("%s: %s", qid, m->note);
	}
	if (m->state == NOSIGN) {
		rc = 0;
		goto out;
	}
	for (i = 0; m->state == SIGNING && i < m->nkeys; i++) {
		unsigned char *buf;
		size_t	len;
		DKIM_STAT st;

		if (m->ed[i] != NULL) {
			char	why[128], *v = edsign_finish(m->ed[i], why, sizeof(why));

			if (v == NULL || asprintf(&val[i], "%s%s", c->leadspc ? " " : "", v) < 0) {
				val[i] = NULL;
				fail(m, "signature for d=%s s=%s: %s", m->key[i]->domain,
				    m->key[i]->selector, v == NULL ? why : "out of memory");
				free(v);
				break;
			}
			if (edsign_left_out(m->ed[i]) > 0)
				msg_info("%s: d=%s s=%s: %zu signed header fields left out of h= (the signature must fit on one line)",
				    qid, m->key[i]->domain, m->key[i]->selector, edsign_left_out(m->ed[i]));
			free(v);
			continue;
		}
		if ((st = dkim_eom(m->dkim[i], NULL)) != DKIM_STAT_OK
		    || (st = dkim_getsighdr_d(m->dkim[i], strlen(SIGNHDR) + 2, &buf, &len))
		    != DKIM_STAT_OK) {
			fail(m, "libopendkim signature for d=%s s=%s: %s", m->key[i]->domain,
			    m->key[i]->selector, dkim_geterror(m->dkim[i])
			    ? dkim_geterror(m->dkim[i]) : dkim_getresultstr(st));
			break;
		}
		if (asprintf(&val[i], "%s%s", c->leadspc ? " " : "", (char *) buf) < 0) {
			val[i] = NULL;
			fail(m, "out of memory");
			break;
		}
		crlf_to_lf(val[i]);
	}
	if (m->state == FAILED) {
		msg_warn("%s: cannot sign: %s", qid, m->why);
		goto tempfail;
	}
	/* from the last key up, so the first key's signature ends on top */
	for (i = m->nkeys; i > 0; i--)
		if (smfi_insheader(ctx, 0, SIGNHDR, val[i - 1]) != MI_SUCCESS) {
			msg_warn("%s: cannot insert the %s header", qid, SIGNHDR);
			goto tempfail;
		}
	for (i = 0; i < m->nkeys && off < sizeof(log); i++) {
		int	n = snprintf(log + off, sizeof(log) - off, "%sd=%s s=%s a=%s",
		    i ? ", " : "", m->key[i]->domain, m->key[i]->selector,
		    ipp_key_alg_name(m->key[i]->type));

		if (n > 0)
			off += (size_t) n;
	}
	msg_info("%s: DKIM-Signature added: %s", qid, log);
	rc = 0;
	goto out;

tempfail:
	(void) smfi_setreply(ctx, "451", "4.3.0", "ippool: cannot DKIM-sign the message, try again later");
	c->sign_oom = 0;
out:
	for (i = 0; i < SIGN_MAX_KEYS; i++)
		free(val[i]);
	sign_reset(c);
	return (rc);
}
