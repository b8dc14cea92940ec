/* unsub.c - the List-Unsubscribe and List-Unsubscribe-Post fields the
 * milter adds.  The token names the one recipient, so a message with
 * several gets none; the decision is made once, at the end of the header,
 * and the same fields are signed and added.  Notes wait for the end of the
 * message, where Postfix's queue ID is known. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach.h"
#include "clock.h"
#include "log.h"
#include "mailbox.h"
#include "milter.h"
#include "protect.h"
#include "qid.h"
#include "sign.h"
#include "unsub.h"
#include "unsubtoken.h"

#define LU		"List-Unsubscribe"
#define LUP		"List-Unsubscribe-Post"
#define LUP_VALUE	"List-Unsubscribe=One-Click"
#define LINE_MAX_RFC	998		/* RFC 5322 2.1.1 */
#define MULTI_INTERVAL	3600
#define VALUE_MAX	(2 * (LINE_MAX_RFC + 2))

struct unsub_msg {
	unsigned nfrom;
	char	fromdom[256];		/* "" unless From: names one mailbox */
	int	has_lu, has_lup;	/* the client's own fields */
	int	decided;
	int	add_lu, add_lup;
	char	value[VALUE_MAX];	/* List-Unsubscribe, folded with LF */
	char	rcpt[IPP_ADDR_MAX + 1];
	char	note[512];
	int	note_warn;
};

static struct unsub_msg *
state(struct conn *c)
{
	if (c->unsub == NULL)
		c->unsub = calloc(1, sizeof(*c->unsub));
	return (c->unsub);
}

static void note(struct unsub_msg *, int warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct unsub_msg *m, int warn, const char *fmt, ...)
{
	va_list	ap;

	m->note_warn = warn;
	va_start(ap, fmt);
	(void) vsnprintf(m->note, sizeof(m->note), fmt, ap);
	va_end(ap);
}

void
unsub_header(struct conn *c, const char *name, const char *value)
{
	struct unsub_msg *m;

	if ((m = state(c)) == NULL)
		return;
	if (strcasecmp(name, LU) == 0)
		m->has_lu = 1;
	else if (strcasecmp(name, LUP) == 0)
		m->has_lup = 1;
	else if (strcasecmp(name, "From") == 0
	    && (m->nfrom++ > 0 || ipp_from_mailboxes(value, m->fromdom, sizeof(m->fromdom)) != 1))
		m->fromdom[0] = '\0';
}

const char *
unsub_from_domain(const struct conn *c)
{
	return (c->unsub != NULL && c->unsub->fromdom[0] ? c->unsub->fromdom : NULL);
}

/* The field value, one URL a line; -1 when a line would be too long. */
static int
build_value(const struct ipp_config *cfg, const char *tok, char *out, size_t outlen)
{
	char	url[LINE_MAX_RFC + 1], mailto[LINE_MAX_RFC + 1];
	int	n;

	if (ipp_unsub_url(cfg, tok, url, sizeof(url)) != 0
	    || strlen(LU) + 4 + strlen(url) + 1 > LINE_MAX_RFC)
		return (-1);
	if (cfg->unsub_mailto == NULL || cfg->unsub_mailto[0] == '\0')
		n = snprintf(out, outlen, "<%s>", url);
	else if (ipp_unsub_mailto(cfg, tok, mailto, sizeof(mailto)) != 0
	    || 1 + strlen(mailto) + 2 > LINE_MAX_RFC)
		return (-1);
	else
		n = snprintf(out, outlen, "<%s>,\n\t<%s>", url, mailto);
	return (n < 0 || (size_t) n >= outlen ? -1 : 0);
}

/* As the MTA passes a field: with SMFIP_HDR_LEADSPC, its leading space. */
static void
sign_field(struct conn *c, const char *name, const char *value)
{
	char	v[VALUE_MAX + 2];

	(void) snprintf(v, sizeof(v), "%s%s", sign_leadspc(c->sign) ? " " : "", value);
	sign_header(c, name, v);
}

void
unsub_eoh(struct conn *c)
{
	const struct ipp_config *cfg = ipp_confref_cfg(c->ref);
	const struct ipp_hmac_keys *keys = milter_attach_unsub(cfg);
	const char *sole;
	struct unsub_msg *m;
	char	tok[IPP_UNSUB_TOKEN_MAX], key[300];
	size_t	n;

	if ((m = state(c)) == NULL || m->decided)
		return;
	m->decided = 1;
	if (c->pool == NULL || !ipp_unsub_enabled(cfg, c->pool) || keys == NULL)
		return;
	if (m->has_lu) {
		if (m->has_lup)
			note(m, 0, "the message has its own " LU " and " LUP ": kept, none added");
		else
			note(m, 0, "the message has its own " LU " without " LUP
			    ": kept, none added (not one-click: ippool cannot know that its URL takes a POST)");
		return;
	}
	if (m->fromdom[0] == '\0') {
		note(m, 0, "From: does not name one mailbox with a domain: no " LU " added");
		return;
	}
	if ((n = protect_kept(c, &sole)) == 0)
		return;
	if (n > 1) {
		(void) snprintf(key, sizeof(key), "unsub-multi:%s", m->fromdom);
		if (ipp_log_once(key, MULTI_INTERVAL))
			note(m, 0, "%zu recipients: no " LU " added for mail from %s (a one-click"
			    " token names one recipient; logged once an hour per sender domain)",
			    n, m->fromdom);
		return;
	}
	if (ipp_unsub_token_make(keys, sole, m->fromdom, ipp_now(), tok, sizeof(tok)) != 0
	    || build_value(cfg, tok, m->value, sizeof(m->value)) != 0) {
		note(m, 1, "no " LU " added: recipient <%.320s> or sender domain %s too long"
		    " for a token or a header line", sole, m->fromdom);
		return;
	}
	(void) snprintf(m->rcpt, sizeof(m->rcpt), "%s", sole);
	m->add_lu = 1;
	m->add_lup = !m->has_lup;
	sign_field(c, LU, m->value);
	if (m->add_lup)
		sign_field(c, LUP, LUP_VALUE);
}

static int
add_field(SMFICTX *ctx, struct conn *c, const char *name, const char *value)
{
	char	v[VALUE_MAX + 2];

	(void) snprintf(v, sizeof(v), "%s%s", sign_leadspc(c->sign) ? " " : "", value);
	if (smfi_addheader(ctx, (char *) name, v) == MI_SUCCESS)
		return (0);
	msg_warn("%s: cannot add the %s header", milter_qid(ctx), name);
	return (-1);
}

sfsistat
unsub_eom(SMFICTX *ctx, struct conn *c)
{
	struct unsub_msg *m = c->unsub;

	if (m == NULL)
		return (SMFIS_CONTINUE);
	if (m->note[0] != '\0') {
		if (m->note_warn)
			msg_warn("%s: %s", milter_qid(ctx), m->note);
		else
			msg_info("%s: %s", milter_qid(ctx), m->note);
	}
	if (!m->add_lu)
		return (SMFIS_CONTINUE);
	if (add_field(ctx, c, LU, m->value) != 0
	    || (m->add_lup && add_field(ctx, c, LUP, LUP_VALUE) != 0)) {
		(void) smfi_setreply(ctx, "451", "4.3.0",
		    "ippool: cannot add the unsubscribe headers, try again later");
		return (SMFIS_TEMPFAIL);
	}
	msg_info("%s: %s%s added for <%s> from %s", milter_qid(ctx), LU,
	    m->add_lup ? " and " LUP : "", m->rcpt, m->fromdom);
	return (SMFIS_CONTINUE);
}

void
unsub_reset(struct conn *c)
{
	free(c->unsub);
	c->unsub = NULL;
}
