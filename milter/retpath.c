/* retpath.c - rewriting the envelope sender to a return-path token.  The
 * message's recipients and From: domain are collected as the callbacks
 * see them; at end of message the record goes to the store first and the
 * sender is changed only once it is there, so every token handed out
 * resolves. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "mailbox.h"
#include "milter.h"
#include "qid.h"
#include "retpath.h"
#include "mail.h"		/* lib/mail/retpath.h: tokens and records */

struct retpath_msg {
	char	fromdom[256];
	int	from_seen;
	char   *rcpts;			/* canonical, space-separated */
	size_t	len, cap, nrcpt, listed;
};

static struct ipp_log_limit key_warn = IPP_LOG_LIMIT_INIT;
static struct ipp_log_limit store_warn = IPP_LOG_LIMIT_INIT;

static struct retpath_msg *
state(struct conn *c)
{
	if (c->rp == NULL)
		c->rp = calloc(1, sizeof(*c->rp));
	return (c->rp);
}

void
retpath_negotiate(struct conn *c, unsigned long offered, unsigned long *actions)
{
	c->chgfrom = (offered & SMFIF_CHGFROM) != 0;
	if (c->chgfrom)
		*actions |= SMFIF_CHGFROM;
}

void
retpath_header(struct conn *c, const char *name, const char *value)
{
	struct retpath_msg *m;

	if (strcasecmp(name, "From") != 0 || (m = state(c)) == NULL)
		return;
	/* a second From: makes the author unclear: the sender's domain decides */
	if (m->from_seen++ || ipp_from_mailboxes(value, m->fromdom, sizeof(m->fromdom)) != 1)
		m->fromdom[0] = '\0';
}

void
retpath_rcpt(struct conn *c, const char *raw)
{
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	struct retpath_msg *m;
	char	addr[IPP_ADDR_MAX + 1], canon[IPP_ADDR_MAX + 1], *g;
	size_t	n;

	if (cfg->fb_key == NULL || (m = state(c)) == NULL)
		return;
	m->nrcpt++;
	if (m->listed >= IPP_RETPATH_MAX_RCPTS || ipp_addr_normalize(raw, addr, sizeof(addr)) != 0
	    || ipp_addr_canon(addr, cfg->recipient_delimiter, canon, sizeof(canon)) != 0)
		return;
	n = strlen(canon);
	if (m->len + n + 2 > m->cap) {
		size_t	ncap = m->cap ? m->cap * 2 : 256;

		while (ncap < m->len + n + 2)
			ncap *= 2;
		if ((g = realloc(m->rcpts, ncap)) == NULL)
			return;
		m->rcpts = g;
		m->cap = ncap;
	}
	if (m->len)
		m->rcpts[m->len++] = ' ';
	(void) memcpy(m->rcpts + m->len, canon, n + 1);
	m->len += n;
	m->listed++;
}

struct put_arg {
	uint64_t id;
	const struct ipp_retpath_rec *rec;
};

static int
put_body(struct ipp_txn *txn, void *arg)
{
	struct put_arg *pa = arg;

	return (ipp_retpath_txn_put(txn, pa->id, pa->rec));
}

sfsistat
retpath_eom(SMFICTX *ctx, struct conn *c)
{
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	struct ipp_hmac_keys keys;
	struct ipp_retpath_rec rec;
	struct retpath_msg *m;
	struct put_arg pa;
	char	tok[IPP_RETPATH_TOKEN_LEN + 1], dom[256], addr[IPP_ADDR_MAX + 3], err[512];
	const char *sdom;

	if (!ipp_retpath_wanted(cfg, c->pool, c->sender))
		return (SMFIS_CONTINUE);
	if (!c->chgfrom) {
		msg_warn_limited(&key_warn, 60, "%s: the MTA does not offer to change the sender (SMFIF_CHGFROM): return path not rewritten",
		    milter_qid(ctx));
		return (SMFIS_CONTINUE);
	}
	m = state(c);
	sdom = ipp_addr_domain(c->sender);
	if (m == NULL || ipp_retpath_domain(c->pool, m->fromdom[0] ? m->fromdom : sdom,
	    dom, sizeof(dom)) != 0) {
		msg_warn("%s: from=<%s>: no return domain: return path not rewritten", milter_qid(ctx),
		    c->sender);
		return (SMFIS_CONTINUE);
	}
	if (ipp_retpath_keys_load(cfg, &keys, err, sizeof(err)) != 0
	    || ipp_retpath_new(&keys, tok, &pa.id) != 0) {
		msg_warn_limited(&key_warn, 60, "%s: [feedback] key: %s", milter_qid(ctx), err);
		memset(&keys, 0, sizeof(keys));
		if (c->local)
			return (SMFIS_CONTINUE);
		(void) smfi_setreply(ctx, "451", "4.3.0", "ippool: return path unavailable, try again later");
		return (SMFIS_TEMPFAIL);
	}
	memset(&keys, 0, sizeof(keys));
	memset(&rec, 0, sizeof(rec));
	rec.when = ipp_now();
	(void) snprintf(rec.sender, sizeof(rec.sender), "%s", c->sender);
	(void) snprintf(rec.pool, sizeof(rec.pool), "%s", c->pool ? c->pool->name : "");
	(void) snprintf(rec.qid, sizeof(rec.qid), "%s", milter_qid(ctx));
	rec.rcpts = m->rcpts;
	rec.nrcpt = m->nrcpt;
	pa.rec = &rec;
	if (ipp_store_run(milter_store, put_body, &pa) < 0) {
		msg_warn_limited(&store_warn, 60, "%s: store unavailable for the return path%s",
		    milter_qid(ctx), c->local ? ": local submission keeps its sender" : ": answering 4xx");
		if (c->local)
			return (SMFIS_CONTINUE);
		(void) smfi_setreply(ctx, "451", "4.3.0", "temporary failure in the return path, try again later");
		return (SMFIS_TEMPFAIL);
	}
	(void) snprintf(addr, sizeof(addr), "<%s%s@%s>", cfg->fb_prefix, tok, dom);
	if (smfi_chgfrom(ctx, addr, NULL) != MI_SUCCESS) {
		msg_warn("%s: cannot change the sender to %s", milter_qid(ctx), addr);
		(void) smfi_setreply(ctx, "451", "4.3.0", "ippool: return path unavailable, try again later");
		return (SMFIS_TEMPFAIL);
	}
	msg_info("%s: return path from=<%s> -> %s", milter_qid(ctx), c->sender, addr);
	return (SMFIS_CONTINUE);
}

void
retpath_reset(struct conn *c)
{
	if (c->rp != NULL) {
		free(c->rp->rcpts);
		free(c->rp);
		c->rp = NULL;
	}
}
