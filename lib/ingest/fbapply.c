/* fbapply.c - the effects of feedback findings, and their applied marks:
 * "F" + hex SHA-256 of (the message the token names, kind, recipient) in
 * the applied table, written in the transaction that makes the finding's
 * changes, as ingest.c marks log lines.  One message to one recipient
 * bounces once and is complained about once: the same report delivered
 * again, or a second report about it, changes nothing.  An unsubscribe
 * request by mail is marked by its token: an operator's later removal of
 * the suppression is not undone by the same mail delivered again. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "bounceguard.h"
#include "events.h"
#include "isp.h"
#include "fbapply.h"
#include "suppress.h"
#include "unsubscribe.h"

#define FB_RETENTION	(60L * 86400)

int
ipp_fb_recipient(const struct ipp_config *cfg, const struct ipp_finding *f,
    const struct ipp_retpath_rec *rec, char *canon, size_t canonlen, const char **why)
{
	const char *sp;

	if (f->recipient[0] != '\0') {
		if (ipp_addr_canon(f->recipient, cfg->recipient_delimiter, canon, canonlen) != 0) {
			*why = "recipient address unusable";
			return (-1);
		}
		if (!ipp_retpath_listed(rec, canon)) {
			*why = "not a recipient of the message the token names";
			return (-1);
		}
		return (0);
	}
	/* the report names nobody (redacted ARF, a text bounce): the
	 * message's only recipient is the one it is about */
	if (rec->nrcpt != 1 || rec->rcpts == NULL || rec->rcpts[0] == '\0'
	    || (sp = strchr(rec->rcpts, ' ')) != NULL || strlen(rec->rcpts) >= canonlen) {
		*why = "the report names no recipient and the message had several";
		return (-1);
	}
	(void) strcpy(canon, rec->rcpts);
	return (0);
}

struct job {
	const struct ipp_config *cfg;
	const struct ipp_finding *f;
	const struct ipp_retpath_rec *rec;
	const char *canon;
	const char *sdom;
	time_t	now;
	char	key[80];
	size_t	klen;
	char	*note;
	size_t	notelen;
};

static int
suppress(struct ipp_txn *txn, const struct job *j, enum ipp_supp_reason reason,
    const char *sdom, long long ttl)
{
	struct ipp_supp s;

	memset(&s, 0, sizeof(s));
	(void) snprintf(s.addr, sizeof(s.addr), "%s", j->canon);
	(void) snprintf(s.sender_domain, sizeof(s.sender_domain), "%s", sdom);
	s.reason = reason;
	s.created = j->now;
	s.expires = ttl > 0 ? j->now + (time_t) ttl : 0;
	(void) snprintf(s.source, sizeof(s.source), "feedback %.40s %s: %.31s%s%.100s",
	    j->rec->qid[0] ? j->rec->qid : "?", ipp_fb_source_name(j->f->source),
	    j->f->status[0] ? j->f->status : j->f->feedback_type,
	    j->f->remote_mta[0] ? " from " : "", j->f->remote_mta);
	return (ipp_supp_txn_put(txn, &s, IPP_SUPP_EXTEND));
}

/* One event of a finding (events.h), in the finding's transaction. */
static int
event(struct ipp_txn *txn, const struct job *j, enum ipp_event_type type,
    const char *status)
{
	struct ipp_isp_result res;
	struct ipp_event ev;

	if (!ipp_events_enabled(j->cfg))
		return (IPP_OK);
	(void) ipp_isp_classify(j->cfg, j->canon, j->now, &res);
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.when = j->now;
	ev.pool = j->rec->pool;
	ev.isp = res.isp->name;
	ev.sender = j->rec->sender;
	ev.recipient = j->f->recipient[0] ? j->f->recipient : j->canon;
	ev.status = status;
	ev.diagnostic = j->f->diagnostic;
	return (ipp_event_txn_add(txn, j->cfg, &ev));
}

static int
body(struct ipp_txn *txn, void *arg)
{
	struct job *j = arg;
	struct ipp_buf v = { NULL, 0 };
	const struct ipp_finding *f = j->f;
	char	stamp[32];
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_APPLIED, j->key, j->klen, &v, IPP_GET_RMW);
	free(v.data);
	if (rc == IPP_OK)
		return (IPP_FB_DUPLICATE);
	if (rc != IPP_NOTFOUND)
		return (rc);
	j->note[0] = '\0';
	switch (f->kind) {
	case IPP_FBK_BOUNCE:
		if ((rc = ipp_guard_txn_add(txn, j->sdom, j->rec->pool, j->now, 0, 1, 0)) < 0
		    || (rc = event(txn, j, IPP_EV_BOUNCE, f->status)) < 0)
			return (rc);
		if (f->hard) {
			if ((rc = suppress(txn, j, IPP_SUPP_BOUNCE, "", j->cfg->suppress_ttl)) < 0
			    || (rc = event(txn, j, IPP_EV_SUPPRESSION, "bounce")) < 0)
				return (rc);
			(void) snprintf(j->note, j->notelen, "suppressed %s (bounce %s), counted for %s",
			    j->canon, f->status, j->sdom);
		} else
			(void) snprintf(j->note, j->notelen, "bounce of %s (%s, not hard) counted for %s",
			    j->canon, f->status[0] ? f->status : "?", j->sdom);
		break;
	case IPP_FBK_COMPLAINT:
		if ((rc = ipp_guard_txn_add(txn, j->sdom, j->rec->pool, j->now, 0, 0, 1)) < 0
		    || (rc = event(txn, j, IPP_EV_COMPLAINT, f->feedback_type)) < 0
		    || (rc = suppress(txn, j, IPP_SUPP_COMPLAINT, j->sdom, j->cfg->complaint_ttl)) < 0
		    || (rc = event(txn, j, IPP_EV_SUPPRESSION, "complaint")) < 0)
			return (rc);
		(void) snprintf(j->note, j->notelen, "suppressed %s for mail from %s (complaint %s), counted",
		    j->canon, j->sdom, f->feedback_type);
		break;
	case IPP_FBK_UNSUBSCRIBE:
		if ((rc = event(txn, j, IPP_EV_UNSUBSCRIBE, f->feedback_type)) < 0
		    || (rc = suppress(txn, j, IPP_SUPP_UNSUBSCRIBE, j->sdom, 0)) < 0
		    || (rc = event(txn, j, IPP_EV_SUPPRESSION, "unsubscribe")) < 0)
			return (rc);
		(void) snprintf(j->note, j->notelen, "suppressed %s for mail from %s (unsubscribe by report)",
		    j->canon, j->sdom);
		break;
	default:
		return (IPP_FB_NOTHING);
	}
	(void) snprintf(stamp, sizeof(stamp), "%lld", (long long) j->now);
	if ((rc = ipp_txn_put(txn, IPP_T_APPLIED, j->key, j->klen, stamp, strlen(stamp))) < 0)
		return (rc);
	return (IPP_OK);
}

static int
mark_key(const struct ipp_retpath_rec *rec, const struct ipp_finding *f, const char *canon,
    char *key, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char	buf[IPP_ADDR_MAX + 200];
	int	n;

	n = snprintf(buf, sizeof(buf), "%lld|%.63s|%.160s|%d|%s", (long long) rec->when, rec->qid,
	    rec->sender, (int) f->kind, canon);
	if (n < 0 || (size_t) n >= sizeof(buf)
	    || EVP_Digest(buf, (size_t) n, md, &mdlen, EVP_sha256(), NULL) != 1
	    || len < 2 + 2 * (size_t) mdlen)
		return (-1);
	key[0] = 'F';
	for (i = 0; i < mdlen; i++) {
		key[1 + 2 * i] = hex[md[i] >> 4];
		key[2 + 2 * i] = hex[md[i] & 15];
	}
	key[1 + 2 * mdlen] = '\0';
	return ((int) (1 + 2 * mdlen));
}

int
ipp_fb_apply(struct ipp_store *st, const struct ipp_config *cfg, const struct ipp_fbreport *rep,
    size_t i, const struct ipp_retpath_rec *rec, time_t now, char *note, size_t notelen)
{
	const struct ipp_finding *f = &rep->f[i];
	char	canon[IPP_ADDR_MAX + 1];
	const char *why = "", *sdom = ipp_addr_domain(rec->sender);
	struct job j;
	int	n;

	note[0] = '\0';
	if (f->kind != IPP_FBK_BOUNCE && f->kind != IPP_FBK_COMPLAINT
	    && f->kind != IPP_FBK_UNSUBSCRIBE) {
		(void) snprintf(note, notelen, "%s: nothing to apply", ipp_fb_kind_name(f->kind));
		return (IPP_FB_NOTHING);
	}
	if (ipp_fb_recipient(cfg, f, rec, canon, sizeof(canon), &why) != 0) {
		(void) snprintf(note, notelen, "%s <%s>: not applied: %s", ipp_fb_kind_name(f->kind),
		    f->recipient, why);
		return (IPP_FB_NOTHING);
	}
	memset(&j, 0, sizeof(j));
	j.cfg = cfg;
	j.f = f;
	j.rec = rec;
	j.canon = canon;
	j.sdom = sdom ? sdom : "";
	j.now = now;
	j.note = note;
	j.notelen = notelen;
	if ((n = mark_key(rec, f, canon, j.key, sizeof(j.key))) < 0)
		return (IPP_ERR);
	j.klen = (size_t) n;
	return (ipp_store_run(st, body, &j));
}

struct unsub_job {
	const struct ipp_config *cfg;
	const struct ipp_unsub_claim *claim;
	time_t	now;
	char	key[80];
	size_t	klen;
};

static int
unsub_body(struct ipp_txn *txn, void *arg)
{
	struct unsub_job *j = arg;
	struct ipp_buf v = { NULL, 0 };
	struct ipp_supp s;
	char	stamp[32];
	struct tm tm;
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_APPLIED, j->key, j->klen, &v, IPP_GET_RMW);
	free(v.data);
	if (rc == IPP_OK)
		return (IPP_FB_DUPLICATE);
	if (rc != IPP_NOTFOUND)
		return (rc);
	memset(&s, 0, sizeof(s));
	(void) snprintf(s.addr, sizeof(s.addr), "%s", j->claim->rcpt);
	(void) snprintf(s.sender_domain, sizeof(s.sender_domain), "%s", j->claim->domain);
	s.reason = IPP_SUPP_UNSUBSCRIBE;
	s.created = j->now;
	s.expires = 0;
	if (gmtime_r(&j->claim->when, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y-%m-%d", &tm) == 0)
		(void) snprintf(stamp, sizeof(stamp), "?");
	(void) snprintf(s.source, sizeof(s.source), "feedback mail: unsubscribe token of %s", stamp);
	if ((rc = ipp_unsub_txn_apply(txn, j->cfg, &s, "mail")) < 0)
		return (rc);
	(void) snprintf(stamp, sizeof(stamp), "%lld", (long long) j->now);
	if ((rc = ipp_txn_put(txn, IPP_T_APPLIED, j->key, j->klen, stamp, strlen(stamp))) < 0)
		return (rc);
	return (IPP_OK);
}

int
ipp_fb_apply_unsub(struct ipp_store *st, const struct ipp_config *cfg, const char *tok,
    const struct ipp_unsub_claim *claim, time_t now, char *note, size_t notelen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	struct unsub_job j;
	EVP_MD_CTX *ctx;
	int	rc;

	memset(&j, 0, sizeof(j));
	j.cfg = cfg;
	j.claim = claim;
	j.now = now;
	/* "F" as the other findings: one purge forgets them all */
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (IPP_ERR);
	rc = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
	    && EVP_DigestUpdate(ctx, "unsubscribe|", 12) == 1
	    && EVP_DigestUpdate(ctx, tok, strlen(tok)) == 1
	    && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!rc || 2 + 2 * (size_t) mdlen > sizeof(j.key))
		return (IPP_ERR);
	j.key[0] = 'F';
	for (i = 0; i < mdlen; i++) {
		j.key[1 + 2 * i] = hex[md[i] >> 4];
		j.key[2 + 2 * i] = hex[md[i] & 15];
	}
	j.klen = 1 + 2 * (size_t) mdlen;
	rc = ipp_store_run(st, unsub_body, &j);
	if (rc == IPP_OK)
		(void) snprintf(note, notelen, "suppressed %s for mail from %s (unsubscribe by mail)",
		    claim->rcpt, claim->domain);
	else if (rc == IPP_FB_DUPLICATE)
		(void) snprintf(note, notelen, "unsubscribe of %s for mail from %s: applied before",
		    claim->rcpt, claim->domain);
	else
		note[0] = '\0';
	return (rc);
}

static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	char	buf[24];
	time_t	cutoff = *(const time_t *) arg;

	(void) k;
	(void) kl;
	if (vl >= sizeof(buf))
		vl = sizeof(buf) - 1;
	(void) memcpy(buf, v, vl);
	buf[vl] = '\0';
	return (strtoll(buf, NULL, 10) < (long long) cutoff ? IPP_SCAN_DELETE : IPP_SCAN_NEXT);
}

int
ipp_fb_purge(struct ipp_store *st, time_t now)
{
	time_t	cutoff = now - FB_RETENTION;

	return (ipp_store_scan(st, IPP_T_APPLIED, "F", 1, purge_cb, &cutoff));
}
