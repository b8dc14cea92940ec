/* protect.c - the bounce-rate guard, suppression list and hourly limit as
 * seen by the MTA.  Every decision reads the shared store; when the store
 * fails, the answer is a 4xx (logged at most once a minute), never a 5xx,
 * and a local submission is held rather than let through unchecked. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounceguard.h"
#include "clock.h"
#include "log.h"
#include "milter_metrics.h"
#include "protect.h"
#include "qid.h"
#include "ratelimit.h"
#include "suppress.h"

struct prcpt {
	char	addr[IPP_ADDR_MAX + 1];		/* as the client wrote it */
	char	key[IPP_ADDR_MAX + 1];		/* canonical: the store's key */
	uint64_t token;
	int	reserved;		/* a slot is held for it */
	int	drop;			/* remove at EOM (local submission, or From: scope) */
	int	scoped;			/* dropped: suppressed for the From: domain */
	char	why[160];
};

struct protect {
	struct prcpt *r;
	size_t	n, cap;
	unsigned nrcpt;			/* RCPT commands seen */
	int	hold;			/* local submission: hold the message */
	char	hold_why[480];
	int	scope_failed;		/* store failed in the From: domain check */
	char	scope_reply[600];	/* the 550 when every recipient is scoped out */
};

static struct ipp_log_limit store_warn = IPP_LOG_LIMIT_INIT;

static void
store_failed(SMFICTX *ctx, const char *what)
{
	msg_warn_limited(&store_warn, 60, "%s: store unavailable during %s: answering 4xx",
	    milter_qid(ctx), what);
}

static struct protect *
state(struct conn *c)
{
	if (c->prot == NULL)
		c->prot = calloc(1, sizeof(*c->prot));
	return (c->prot);
}

static void
hold(struct protect *p, const char *why)
{
	if (!p->hold) {
		p->hold = 1;
		(void) snprintf(p->hold_why, sizeof(p->hold_why), "ippool: %.400s", why);
	}
}

/* smfi_setreply treats '%' specially; rates and addresses hold it. */
static void
reply(SMFICTX *ctx, const char *code, const char *dsn, const char *text)
{
	char	safe[600], *o = safe;
	const char *s;

	for (s = text; *s && o < safe + sizeof(safe) - 2; s++) {
		if (*s == '%')
			*o++ = '%';
		*o++ = *s;
	}
	*o = '\0';
	(void) smfi_setreply(ctx, (char *) code, (char *) dsn, safe);
}

sfsistat
protect_mail(SMFICTX *ctx, struct conn *c)
{
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	struct ipp_guard_status gs;
	const char *dom = ipp_addr_domain(c->sender);
	struct protect *p;
	char	rate[32], msg[400];

	if ((p = state(c)) == NULL)
		return (SMFIS_TEMPFAIL);
	if (dom == NULL)
		return (SMFIS_CONTINUE);	/* null sender: bounces are not paused */
	if (ipp_guard_check(milter_store, cfg, dom, ipp_now(), &gs) < 0) {
		store_failed(ctx, "the bounce-rate check");
		if (c->local) {
			hold(p, "store unavailable for the bounce-rate check");
			return (SMFIS_CONTINUE);
		}
		(void) smfi_setreply(ctx, "451", "4.3.0",
		    "temporary failure in the sender check, try again later");
		mm_message(1, MM_TEMPFAIL);
		return (SMFIS_TEMPFAIL);
	}
	if (!gs.paused)
		return (SMFIS_CONTINUE);
	if (gs.paused_bounces) {
		ipp_guard_fmt_rate(gs.rate_ppm, rate, sizeof(rate));
		(void) snprintf(msg, sizeof(msg), "sending for %s paused: bounce rate %s over 24h",
		    dom, rate);
	} else {
		ipp_guard_fmt_rate(gs.complaint_ppm, rate, sizeof(rate));
		(void) snprintf(msg, sizeof(msg), "sending for %s paused: complaint rate %s over 24h",
		    dom, rate);
	}
	msg_info("%s: from=<%s>: %s (%lu hard bounces, %lu complaints, %lu delivered)",
	    milter_qid(ctx), c->sender, msg, gs.bounced, gs.complaints, gs.sent);
	if (c->local) {
		hold(p, msg);
		return (SMFIS_CONTINUE);
	}
	reply(ctx, "451", "4.7.1", msg);
	mm_message(1, MM_REFUSED_GUARD);
	return (SMFIS_TEMPFAIL);
}

static struct prcpt *
add_rcpt(struct protect *p, const char *addr, const char *key)
{
	struct prcpt *r;

	if (p->n == p->cap) {
		size_t	ncap = p->cap ? p->cap * 2 : 8;
		struct prcpt *g = realloc(p->r, ncap * sizeof(*g));

		if (g == NULL)
			return (NULL);
		p->r = g;
		p->cap = ncap;
	}
	r = &p->r[p->n++];
	memset(r, 0, sizeof(*r));
	(void) snprintf(r->addr, sizeof(r->addr), "%s", addr);
	(void) snprintf(r->key, sizeof(r->key), "%s", key);
	return (r);
}

sfsistat
protect_rcpt(SMFICTX *ctx, struct conn *c, const char *raw)
{
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	struct protect *p;
	struct prcpt *r;
	struct ipp_supp s;
	char	addr[IPP_ADDR_MAX + 1], key[IPP_ADDR_MAX + 1], until[64], text[600], hhmm[8];
	const char *sdom = ipp_addr_domain(c->sender);
	time_t	now = ipp_now(), retry_at = 0;
	size_t	i;
	int	rc;

	if ((p = state(c)) == NULL)
		return (SMFIS_TEMPFAIL);
	p->nrcpt++;
	if (ipp_addr_normalize(raw, addr, sizeof(addr)) != 0 || addr[0] == '\0'
	    || ipp_addr_canon(addr, cfg->recipient_delimiter, key, sizeof(key)) != 0) {
		msg_warn("%s: malformed recipient %.100s: not checked", milter_qid(ctx), raw);
		if (c->local) {
			hold(p, "malformed recipient address");
			return (SMFIS_CONTINUE);
		}
		(void) smfi_setreply(ctx, "451", "4.1.3", "malformed recipient address");
		return (SMFIS_TEMPFAIL);
	}
	/*
	 * One mailbox twice in one message is one message to it.  Another
	 * spelling of a recipient that a local submission drops is dropped
	 * too: smfi_delrcpt takes the address as written.
	 */
	for (i = 0; i < p->n; i++)
		if (strcmp(p->r[i].key, key) == 0) {
			if (!p->r[i].drop || strcmp(p->r[i].addr, addr) == 0)
				return (SMFIS_CONTINUE);
			(void) snprintf(text, sizeof(text), "%.150s", p->r[i].why);
			if ((r = add_rcpt(p, addr, key)) == NULL)
				return (SMFIS_TEMPFAIL);
			r->drop = 1;
			(void) snprintf(r->why, sizeof(r->why), "%.150s", text);
			return (SMFIS_CONTINUE);
		}

	rc = ipp_supp_check(milter_store, key, sdom ? sdom : "", now, &s);
	if (rc < 0) {
		store_failed(ctx, "the suppression check");
		if (c->local) {
			hold(p, "store unavailable for the suppression check");
			return (SMFIS_CONTINUE);
		}
		(void) snprintf(text, sizeof(text),
		    "<%s>: temporary failure in the recipient check, try again later", addr);
		reply(ctx, "451", "4.3.0", text);
		mm_rcpt(1, MM_TEMPFAIL, 1);
		return (SMFIS_TEMPFAIL);
	}
	if (rc == IPP_OK) {
		ipp_supp_until(&s, until, sizeof(until));
		(void) snprintf(text, sizeof(text), "<%s>: recipient suppressed (%s) %s", addr,
		    ipp_supp_reason_name(s.reason), until);
		msg_info("%s: from=<%s> to=<%s>: suppressed (%s%s%s) %s", milter_qid(ctx),
		    c->sender, addr, ipp_supp_reason_name(s.reason),
		    s.sender_domain[0] ? " for mail from " : "", s.sender_domain, until);
		if (c->local) {
			if ((r = add_rcpt(p, addr, key)) == NULL)
				return (SMFIS_TEMPFAIL);
			r->drop = 1;
			(void) snprintf(r->why, sizeof(r->why), "suppressed (%s) %s",
			    ipp_supp_reason_name(s.reason), until);
			return (SMFIS_CONTINUE);
		}
		reply(ctx, "550", "5.7.1", text);
		mm_rcpt(1, MM_REFUSED_SUPPRESSED, 1);
		return (SMFIS_REJECT);
	}

	if ((r = add_rcpt(p, addr, key)) == NULL)
		return (SMFIS_TEMPFAIL);
	if (cfg->hourly_limit == 0)
		return (SMFIS_CONTINUE);
	r->token = ipp_rl_token();
	rc = ipp_rl_reserve(milter_store, key, cfg->hourly_limit, now, r->token, &retry_at);
	if (rc == IPP_OK) {
		r->reserved = 1;
		return (SMFIS_CONTINUE);
	}
	if (rc == IPP_RL_OVER) {
		ipp_fmt_hhmm(retry_at, hhmm, sizeof(hhmm));
		(void) snprintf(text, sizeof(text),
		    "<%s>: hourly limit of %u messages reached, retry after %s UTC", addr,
		    cfg->hourly_limit, hhmm);
		msg_info("%s: from=<%s> to=<%s>: hourly limit of %u reached, retry after %s UTC",
		    milter_qid(ctx), c->sender, addr, cfg->hourly_limit, hhmm);
		if (c->local) {
			r->drop = 1;
			(void) snprintf(r->why, sizeof(r->why),
			    "hourly limit of %u messages reached", cfg->hourly_limit);
			return (SMFIS_CONTINUE);
		}
		p->n--;			/* not part of this message */
		reply(ctx, "451", "4.7.1", text);
		mm_rcpt(1, MM_REFUSED_LIMIT, 1);
		return (SMFIS_TEMPFAIL);
	}
	store_failed(ctx, "the hourly limit");
	{
		/* a reply that timed out may hide a reservation that was made:
		 * give it back now, or it counts until its pending time ends */
		struct ipp_rl_resv one = { key, r->token };

		(void) ipp_rl_settle(milter_store, &one, 1, 0, ipp_now());
	}
	if (c->local) {
		hold(p, "store unavailable for the hourly limit");
		return (SMFIS_CONTINUE);
	}
	p->n--;
	(void) snprintf(text, sizeof(text),
	    "<%s>: temporary failure in the recipient check, try again later", addr);
	reply(ctx, "451", "4.3.0", text);
	mm_rcpt(1, MM_TEMPFAIL, 1);
	return (SMFIS_TEMPFAIL);
}

/* Accept or release every reservation of the message. */
static int
settle(struct protect *p, int accept)
{
	struct ipp_rl_resv *v;
	size_t	i, n = 0;
	int	rc;

	if (p == NULL || p->n == 0)
		return (IPP_OK);
	if ((v = calloc(p->n, sizeof(*v))) == NULL)
		return (IPP_ERR);
	/* a recipient taken out at EOM is released later, by the reset */
	for (i = 0; i < p->n; i++)
		if (p->r[i].reserved && !(accept && p->r[i].drop)) {
			v[n].rcpt = p->r[i].key;
			v[n].token = p->r[i].token;
			n++;
		}
	rc = ipp_rl_settle(milter_store, v, n, accept, ipp_now());
	free(v);
	if (rc >= 0)
		for (i = 0; i < p->n; i++)
			if (!(accept && p->r[i].drop))
				p->r[i].reserved = 0;
	return (rc);
}

/*
 * The suppression list is keyed (recipient, From: domain) for unsubscribes
 * and complaints, but RCPT only knows the envelope sender.  When the From:
 * domain differs, its entries are checked here, at the end of the header.
 */
void
protect_from_domain(struct conn *c, const char *fromdom)
{
	struct protect *p = c->prot;
	const char *sdom = ipp_addr_domain(c->sender);
	struct ipp_supp s;
	char	until[64];
	size_t	i;
	int	rc;

	if (p == NULL || fromdom == NULL || fromdom[0] == '\0'
	    || (sdom != NULL && strcasecmp(sdom, fromdom) == 0))
		return;
	for (i = 0; i < p->n; i++) {
		struct prcpt *r = &p->r[i];

		if (r->drop)
			continue;
		rc = ipp_supp_check(milter_store, r->key, fromdom, ipp_now(), &s);
		if (rc < 0) {
			p->scope_failed = 1;
			return;
		}
		if (rc != IPP_OK)
			continue;
		ipp_supp_until(&s, until, sizeof(until));
		r->drop = r->scoped = 1;
		(void) snprintf(r->why, sizeof(r->why), "suppressed (%s) for mail from %.60s %s",
		    ipp_supp_reason_name(s.reason), fromdom, until);
		if (p->scope_reply[0] == '\0')
			(void) snprintf(p->scope_reply, sizeof(p->scope_reply),
			    "<%s>: recipient suppressed (%s) %s", r->addr,
			    ipp_supp_reason_name(s.reason), until);
	}
}

size_t
protect_kept(const struct conn *c, const char **sole)
{
	const struct protect *p = c->prot;
	size_t	i, n = 0;

	*sole = NULL;
	for (i = 0; p != NULL && i < p->n; i++)
		if (!p->r[i].drop) {
			if (n++ == 0)
				*sole = p->r[i].key;
			else if (strcmp(*sole, p->r[i].key) != 0)
				*sole = NULL;
			else
				n--;		/* one mailbox, another spelling */
		}
	if (n != 1)
		*sole = NULL;
	return (n);
}

sfsistat
protect_eom(SMFICTX *ctx, struct conn *c)
{
	struct protect *p = c->prot;
	unsigned dropped = 0, kept = 0;
	size_t	i;

	if (p == NULL)
		return (SMFIS_CONTINUE);
	if (p->scope_failed) {
		store_failed(ctx, "the suppression check for the From: domain");
		if (c->local)
			hold(p, "store unavailable for the suppression check");
		else {
			(void) smfi_setreply(ctx, "451", "4.3.0",
			    "temporary failure in the recipient check, try again later");
			return (SMFIS_TEMPFAIL);
		}
	}
	for (i = 0; i < p->n; i++)
		kept += !p->r[i].drop;
	/* SMTP mail to nobody but recipients suppressed for its From: domain */
	if (!c->local && kept == 0 && p->scope_reply[0] != '\0') {
		for (i = 0; i < p->n; i++)
			msg_info("%s: from=<%s> to=<%s>: %s: message refused", milter_qid(ctx),
			    c->sender, p->r[i].addr, p->r[i].why);
		reply(ctx, "550", "5.7.1", p->scope_reply);
		return (SMFIS_REJECT);
	}
	if (settle(p, 1) < 0) {
		store_failed(ctx, "the hourly limit");
		(void) smfi_setreply(ctx, "451", "4.3.0",
		    "temporary failure in the recipient check, try again later");
		return (SMFIS_TEMPFAIL);
	}
	for (i = 0; i < p->n; i++) {
		if (!p->r[i].drop)
			continue;
		if (smfi_delrcpt(ctx, p->r[i].addr) != MI_SUCCESS) {
			/* cannot take it out: keep everyone from it */
			hold(p, "a protected recipient could not be removed");
			continue;
		}
		dropped++;
		msg_info("%s: to=<%s>: removed from a %s: %s", milter_qid(ctx),
		    p->r[i].addr, c->local ? "local submission" : "message", p->r[i].why);
	}
	if (c->local && !p->hold && dropped > 0 && dropped >= p->nrcpt)
		hold(p, "every recipient is suppressed or over its hourly limit");
	mm_rcpt(1, MM_REMOVED, dropped);
	c->removed = dropped;
	if (p->hold) {
		if (smfi_quarantine(ctx, p->hold_why) != MI_SUCCESS) {
			msg_warn("%s: cannot hold the message (%s): refusing it", milter_qid(ctx),
			    p->hold_why);
			return (SMFIS_TEMPFAIL);
		}
		msg_info("%s: held: %s", milter_qid(ctx), p->hold_why);
		c->held = 1;
	}
	return (SMFIS_CONTINUE);
}

void
protect_reset(struct conn *c)
{
	struct protect *p = c->prot;

	if (p == NULL)
		return;
	if (settle(p, 0) < 0)
		msg_warn_limited(&store_warn, 60,
		    "store unavailable: reservations of an unfinished message lapse in %d minutes",
		    IPP_RL_PENDING / 60);
	free(p->r);
	free(p);
	c->prot = NULL;
}
