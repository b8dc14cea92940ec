/* sign.c - DKIM signing in ippool-milter: which keys sign a message, the
 * headers kept until the signing domain is known, the per-connection and
 * per-message state, and the signatures inserted at end of message.  The
 * signing itself is one algorithm per key type behind lib/dkim/signer.h
 * (lib/dkim/sign_pkey.c on dkimsign.c, the key parsed once per load).
 *
 * The signing domain comes from the From: header, which may come after
 * other headers, so the headers of a message are kept until the end of
 * the header (bounded by the MTA's own header limit); the body is never
 * kept: it goes into the per-key signers chunk by chunk.  The X-Settings
 * header the milter adds at end of message is known from MAIL FROM on, so
 * it is hashed with the other headers and its value is covered.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "keytable.h"
#include "log.h"
#include "mailbox.h"
#include "attach.h"
#include "milter.h"
#include "milter_metrics.h"
#include "qid.h"
#include "sign.h"
#include "signer.h"
#include "signfrom.h"

#define SIGN_MAX_KEYS	2		/* one RSA and one Ed25519 per domain */
#define SIGN_MAX_SEEN	8		/* DKIM-Signature headers remembered */
#define SIGN_HDR_MAX	(4 * 1024 * 1024) /* Postfix's header_size_limit is 100 KiB */
#define SIGN_FROM_MAX	998		/* RFC 5322 line length */
#define SIGNHDR		IPP_SIGN_HEADER
#define NOKEY_INTERVAL	3600
#define SIGN_ERR_MAX	512

/* One implementation per key type; a new one is one more row. */
static const struct ipp_sign_alg *const algs[] = {
	&ipp_sign_rsa,
	&ipp_sign_ed25519,
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

/* What a loaded configuration signs with (in its struct milter_attach). */
struct signer {
	struct ipp_keytable *kt;
	struct ipp_sign_conf sc;
	const char **signhdrs;		/* sc's lists, kept alive as long as the state */
	const char **oversign;
	void   *state[NALGS];		/* each algorithm's, from its init */
};

/* What negotiation gave this connection, and the current message. */
struct sign_conn {
	int	body;			/* the MTA sends the body */
	int	nr_body;		/* SMFIP_NR_BODY: body steps never reply */
	int	leadspc;		/* SMFIP_HDR_LEADSPC: header values keep their leading space */
	int	oom;			/* no memory for the message's state */
	struct sign_msg *msg;
};

enum sign_state { COLLECT, SIGNING, NOSIGN, FAILED };

/* One key signing the message: its algorithm and that algorithm's handle. */
struct sign_key {
	const struct ipp_sign_alg *alg;
	void   *h;
	const struct ipp_dkim_key *key;
};

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
	struct sign_key k[SIGN_MAX_KEYS];
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

void
sign_free(void *p)
{
	struct signer *sg = p;
	size_t	i;

	if (sg == NULL)
		return;
	for (i = 0; i < NALGS; i++)
		if (sg->state[i] != NULL && algs[i]->fini != NULL)
			algs[i]->fini(sg->state[i]);
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
 * header (a signer lists an oversigned name once more than it signed it,
 * so it must sign all its occurrences). */
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
sign_load(const struct ipp_config *cfg, const void *old, void **out, FILE *errs)
{
	const struct signer *osg = old;
	struct signer *sg;
	char	err[SIGN_ERR_MAX];
	size_t	i, nover;

	*out = NULL;
	if (!cfg->dkim || cfg->keytable == NULL || *cfg->keytable == '\0')
		return (0);
	if ((sg = calloc(1, sizeof(*sg))) == NULL) {
		(void) fprintf(errs, "%s: out of memory\n", cfg->keytable);
		return (-1);
	}
	if ((sg->kt = ipp_keytable_load(cfg->keytable, osg ? osg->kt : NULL, errs)) == NULL) {
		sign_free(sg);
		return (-1);
	}
	nover = ipp_list_len(cfg->oversign);
	if ((sg->signhdrs = build_signhdrs(cfg)) == NULL
	    || (sg->oversign = calloc(nover + 1, sizeof(*sg->oversign))) == NULL) {
		(void) fprintf(errs, "%s: out of memory\n", cfg->keytable);
		sign_free(sg);
		return (-1);
	}
	for (i = 0; i < nover; i++)
		sg->oversign[i] = cfg->oversign[i];
	sg->sc.header_relaxed = cfg->canon_header_relaxed;
	sg->sc.body_relaxed = cfg->canon_body_relaxed;
	sg->sc.signhdrs = (const char *const *) sg->signhdrs;
	sg->sc.oversign = (const char *const *) sg->oversign;
	for (i = 0; i < NALGS; i++)
		if (algs[i]->init != NULL
		    && algs[i]->init(&sg->sc, &sg->state[i], err, sizeof(err)) != 0) {
			(void) fprintf(errs, "%s: %s\n", cfg->keytable, err);
			sign_free(sg);
			return (-1);
		}
	*out = sg;
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
	const struct signer *sg;

	if (c->ref == NULL)
		return (NULL);
	cfg = ipp_confref_cfg(c->ref);
	sg = milter_attach_signer(cfg);
	return (cfg->dkim && sg != NULL && sg->kt->nkeys > 0 ? sg : NULL);
}

/* --- per connection ----------------------------------------------------- */

struct sign_conn *
sign_conn_new(unsigned long offered, unsigned long *steps)
{
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ref ? ipp_confref_cfg(ref) : NULL;
	int	signs = cfg != NULL && cfg->dkim && milter_attach_signer(cfg) != NULL;
	struct sign_conn *sc;

	ipp_confref_put(ref);
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return (NULL);
	if (!signs)
		return (sc);
	*steps &= ~(unsigned long) SMFIP_NOBODY;
	sc->body = 1;
	if (offered & SMFIP_NR_BODY) {
		*steps |= SMFIP_NR_BODY;
		sc->nr_body = 1;
	}
	/* the exact header value, as simple header canonicalization needs */
	if (offered & SMFIP_HDR_LEADSPC) {
		*steps |= SMFIP_HDR_LEADSPC;
		sc->leadspc = 1;
	}
	return (sc);
}

int
sign_body_noreply(const struct sign_conn *sc)
{
	return (sc != NULL && sc->nr_body);
}

int
sign_leadspc(const struct sign_conn *sc)
{
	return (sc != NULL && sc->leadspc);
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
		m->k[i].alg->free(m->k[i].h);
		m->k[i].h = NULL;
	}
	m->nkeys = 0;
	free(m->hdrs);
	m->hdrs = NULL;
	m->hlen = m->hcap = 0;
}

void
sign_reset(const struct conn *c)
{
	struct sign_conn *sc = c->sign;

	if (sc == NULL)
		return;
	sc->oom = 0;
	if (sc->msg == NULL)
		return;
	msg_free_handles(sc->msg);
	free(sc->msg);
	sc->msg = NULL;
}

void
sign_conn_free(struct sign_conn *sc)
{
	if (sc == NULL)
		return;
	if (sc->msg != NULL) {
		msg_free_handles(sc->msg);
		free(sc->msg);
	}
	free(sc);
}

static struct sign_msg *
msg_get(struct sign_conn *sc)
{
	if (sc->msg == NULL) {
		if ((sc->msg = calloc(1, sizeof(*sc->msg))) == NULL)
			return (NULL);
		sc->msg->state = COLLECT;
	}
	return (sc->msg);
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
sign_header(const struct conn *c, const char *name, const char *value)
{
	const struct signer *sg = conn_signer(c);
	struct sign_conn *sc = c->sign;
	struct sign_msg *m;

	if (sg == NULL || sc == NULL)
		return;
	if ((m = msg_get(sc)) == NULL) {
		sc->oom = 1;
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
	if (hdr_append(m, name, sc->leadspc ? "" : " ", value) != 0)
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

/* The algorithm that signs with keys of TYPE, and its configuration state. */
static const struct ipp_sign_alg *
alg_for(const struct signer *sg, enum ipp_key_type type, void **state)
{
	size_t	i;

	for (i = 0; i < NALGS; i++)
		if (algs[i]->type == type) {
			*state = sg->state[i];
			return (algs[i]);
		}
	return (NULL);
}

/* End of header: pick the keys, start their signers, hash the headers. */
static void
start(const struct conn *c, struct sign_msg *m)
{
	const struct signer *sg = conn_signer(c);
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	const struct ipp_dkim_key *keys;
	char	domain[256], why[600], err[SIGN_ERR_MAX];
	unsigned nmb;
	char	xs[IPP_NAME_MAX * 8 + 512];
	size_t	nkeys, i;
	time_t	now = ipp_now();

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
	if (!c->sign->body) {
		/* negotiated before a reload turned signing on: the body never comes */
		fail(m, "signing was enabled after this connection began");
		goto done;
	}
	/* the tag as the MTA will write it: "Name:" + value (with its space) */
	(void) snprintf(xs, sizeof(xs), "%s: %s", cfg->header, c->pool->xsettings);
	m->state = SIGNING;
	for (i = 0; i < nkeys && m->nkeys < SIGN_MAX_KEYS; i++) {
		const struct ipp_dkim_key *key = &keys[i];
		struct sign_key *k = &m->k[m->nkeys];
		void   *state = NULL;

		if (seen(m, key)) {
			note(m, 0, "already signed with d=%s s=%s: not signing again",
			    key->domain, key->selector);
			continue;
		}
		if ((k->alg = alg_for(sg, key->type, &state)) == NULL) {
			fail(m, "d=%s s=%s: no signer for %s keys", key->domain, key->selector,
			    ipp_key_type_name(key->type));
			goto done;
		}
		if ((k->h = k->alg->start(state, &sg->sc, key, now, err, sizeof(err))) == NULL) {
			fail(m, "%s", err);
			goto done;
		}
		k->key = key;
		m->nkeys++;
		switch (k->alg->header(k->h, m->hdrs, m->hlen, xs, err, sizeof(err))) {
		case IPP_SIGN_OK:
			break;
		case IPP_SIGN_UNSIGNED:
			note(m, 1, "not signed: %s", err);
			m->state = NOSIGN;
			goto done;
		case IPP_SIGN_FAIL:
			fail(m, "%s", err);
			goto done;
		}
	}
	if (m->nkeys == 0)
		m->state = NOSIGN;
done:
	/* the header is hashed (or not needed): only the body streams on */
	free(m->hdrs);
	m->hdrs = NULL;
	m->hlen = m->hcap = 0;
}

void
sign_body(const struct conn *c, const unsigned char *chunk, size_t len)
{
	struct sign_msg *m = c->sign != NULL ? c->sign->msg : NULL;
	char	err[SIGN_ERR_MAX];
	unsigned i;

	if (m == NULL || m->state == NOSIGN || m->state == FAILED)
		return;
	if (m->state == COLLECT)
		start(c, m);
	for (i = 0; m->state == SIGNING && i < m->nkeys; i++)
		if (m->k[i].alg->body(m->k[i].h, chunk, len, err, sizeof(err)) != 0)
			fail(m, "%s", err);
}

int
sign_eom(SMFICTX *ctx, const struct conn *c)
{
	struct sign_conn *sc = c->sign;
	struct sign_msg *m;
	const char *qid = milter_qid(ctx);
	char	log[1024], err[SIGN_ERR_MAX], *val[SIGN_MAX_KEYS] = { NULL };
	size_t	off = 0;
	unsigned i;
	int	rc = -1;

	if (conn_signer(c) == NULL || sc == NULL) {
		sign_reset(c);
		return (0);
	}
	if (sc->oom) {
		msg_warn("%s: cannot sign: out of memory", qid);
		goto tempfail;
	}
	if ((m = msg_get(sc)) == NULL) {
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
		const struct sign_key *k = &m->k[i];
		char   *v = k->alg->end(k->h, err, sizeof(err));

		if (v == NULL) {
			fail(m, "%s", err);
			break;
		}
		if (k->alg->left_out != NULL && k->alg->left_out(k->h) > 0)
			msg_info("%s: d=%s s=%s: %zu signed header fields left out of h= (the signature must fit on one line)",
			    qid, k->key->domain, k->key->selector, k->alg->left_out(k->h));
		/* with SMFIP_HDR_LEADSPC the value carries its own leading space */
		if (!sc->leadspc)
			val[i] = v;
		else if (asprintf(&val[i], " %s", v) < 0) {
			val[i] = NULL;
			free(v);
			fail(m, "signature for d=%s s=%s: out of memory", k->key->domain,
			    k->key->selector);
			break;
		} else
			free(v);
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
		    i ? ", " : "", m->k[i].key->domain, m->k[i].key->selector,
		    ipp_key_alg_name(m->k[i].key->type));

		if (n > 0)
			off += (size_t) n;
	}
	msg_info("%s: DKIM-Signature added: %s", qid, log);
	for (i = 0; i < m->nkeys; i++)
		mm_signature(ipp_key_alg_name(m->k[i].key->type));
	rc = 0;
	goto out;

tempfail:
	mm_sign_failure();
	(void) smfi_setreply(ctx, "451", "4.3.0", "ippool: cannot DKIM-sign the message, try again later");
out:
	for (i = 0; i < SIGN_MAX_KEYS; i++)
		free(val[i]);
	sign_reset(c);
	return (rc);
}
