/* callbacks.c - the libmilter callbacks of ippool-milter: decide whether
 * the message is outbound (the site sends it) or inbound, and only for
 * outbound mail select the pool, protect the recipients, tag and sign;
 * every client-supplied pool tag is removed either way.  Per-connection
 * state lives in smfi_setpriv; the only shared state is the refcounted
 * config and the store. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "clock.h"
#include "confref.h"
#include "log.h"
#include "milter.h"
#include "milter_metrics.h"
#include "pool.h"
#include "protect.h"
#include "qid.h"
#include "retpath.h"
#include "sign.h"
#include "unsub.h"

static void
message_reset(struct conn *c)
{
	/* both use the message's config: release them before it */
	protect_reset(c);
	sign_reset(c);
	retpath_reset(c);
	unsub_reset(c);
	ipp_confref_put(c->ref);
	c->ref = NULL;
	c->pool = NULL;
	memset(&c->dir, 0, sizeof(c->dir));	/* inbound until decided */
	c->ntags = 0;
	c->nrcpt = c->removed = 0;
	c->held = 0;
	c->eoh = 0;
	c->sender[0] = '\0';
}

/*
 * The end of the header of an outbound message (the first body chunk, or
 * the end of the message): the recipients are final, so the ones
 * suppressed for the From: domain are known, and the unsubscribe fields
 * are decided before the signer hashes the header.
 */
static void
headers_done(struct conn *c)
{
	if (c->eoh || c->dir.dir != IPP_DIR_OUTBOUND || c->pool == NULL)
		return;
	c->eoh = 1;
	protect_from_domain(c, unsub_from_domain(c));
	unsub_eoh(c);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want_actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT
	    | SMFIF_QUARANTINE;
	/*
	 * The DATA step is kept on purpose: when it is skipped, Postfix still
	 * sends the DATA-stage macro packet alone and then waits for the
	 * client's content, and over TCP its next write stalls behind that
	 * unanswered packet until our delayed ACK (about 40 ms a message).
	 */
	unsigned long skip_steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOBODY
	    | SMFIP_NOEOH | SMFIP_NOUNKNOWN;
	struct conn *c;

	(void) f2;
	(void) f3;
	if ((f0 & want_actions) != want_actions) {
		msg_warn("MTA does not offer the header, remove-recipient and quarantine actions (0x%lx): cannot work", f0);
		return (SMFIS_REJECT);	/* libmilter: fail the negotiation */
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		msg_warn("out of memory for a new connection");
		return (SMFIS_TEMPFAIL);
	}
	*pf0 = want_actions;
	retpath_negotiate(c, f0, pf0);
	*pf1 = f1 & skip_steps;
	if (f1 & SMFIP_NR_HDR) {
		*pf1 |= SMFIP_NR_HDR;
		c->nr_hdr = 1;
	}
	if ((c->sign = sign_conn_new(f1, pf1)) == NULL) {
		msg_warn("out of memory for a new connection");
		free(c);
		return (SMFIS_TEMPFAIL);
	}
	*pf2 = 0;
	*pf3 = 0;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		sign_conn_free(c->sign);
		free(c);
		return (SMFIS_TEMPFAIL);
	}
	atomic_fetch_add(&milter_sessions, 1);
	/*
	 * Ask only for the macros we use.  {client_port} is "0" for Postfix's
	 * local submissions (non_smtpd_milters), never for an SMTP client.
	 */
	(void) smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} {client_port} {client_addr}");
	(void) smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return (SMFIS_CONTINUE);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	const struct ipp_config *cfg;
	struct ipp_dir_client cl;
	const char *port;

	if (c == NULL)
		return (SMFIS_TEMPFAIL);
	message_reset(c);
	if ((c->ref = ipp_confref_get()) == NULL) {
		(void) smfi_setreply(ctx, "451", "4.3.0", "ippool: no configuration loaded");
		return (SMFIS_TEMPFAIL);
	}
	cfg = ipp_confref_cfg(c->ref);
	if (argv[0] == NULL || ipp_addr_normalize(argv[0], c->sender, sizeof(c->sender)) != 0) {
		msg_warn("bad envelope sender %s: cannot select a pool",
		    argv[0] ? argv[0] : "(none)");
		(void) smfi_setreply(ctx, "451", "4.1.7", "ippool: malformed sender address");
		return (SMFIS_TEMPFAIL);
	}
	memset(&cl, 0, sizeof(cl));
	cl.login = smfi_getsymval(ctx, "{auth_authen}");
	cl.addr = smfi_getsymval(ctx, "{client_addr}");
	port = smfi_getsymval(ctx, "{client_port}");
	cl.local = c->local = port != NULL && strcmp(port, "0") == 0;
	ipp_direction_decide(cfg, &cl, &c->dir);
	if (c->dir.dir == IPP_DIR_INBOUND)
		return (SMFIS_CONTINUE);
	c->pool = ipp_pool_select(cfg, cl.login, c->sender, &c->why);
	return (protect_mail(ctx, c));
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->ref == NULL || argv[0] == NULL)
		return (SMFIS_TEMPFAIL);
	sfsistat rc;

	if (c->dir.dir == IPP_DIR_INBOUND) {
		c->nrcpt++;
		return (SMFIS_CONTINUE);
	}
	if ((rc = protect_rcpt(ctx, c, argv[0])) == SMFIS_CONTINUE) {
		c->nrcpt++;
		retpath_rcpt(c, argv[0]);
	}
	return (rc);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->ref != NULL
	    && strcasecmp(name, ipp_confref_cfg(c->ref)->header) == 0)
		c->ntags++;
	if (c != NULL && c->dir.dir == IPP_DIR_OUTBOUND) {
		sign_header(c, name, value);
		retpath_header(c, name, value);
		unsub_header(c, name, value);
	}
	return (c != NULL && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->dir.dir == IPP_DIR_OUTBOUND) {
		headers_done(c);
		sign_body(c, chunk, len);
	}
	return (c != NULL && sign_body_noreply(c->sign) ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	const struct ipp_config *cfg;
	sfsistat rc;
	char	tag[512];
	unsigned i;

	if (c == NULL || c->ref == NULL
	    || (c->dir.dir == IPP_DIR_OUTBOUND && c->pool == NULL)) {
		msg_warn("%s: end of message without a selected pool", milter_qid(ctx));
		return (SMFIS_TEMPFAIL);
	}
	headers_done(c);
	if (c->dir.dir == IPP_DIR_OUTBOUND && (rc = protect_eom(ctx, c)) != SMFIS_CONTINUE) {
		mm_message(1, MM_TEMPFAIL);
		message_reset(c);
		return (rc);
	}
	cfg = ipp_confref_cfg(c->ref);
	/*
	 * A client's tag never survives, inbound included: it must not reach
	 * a local mailbox as if ippool had set it.  From the last occurrence
	 * down, so indexes stay valid.
	 */
	for (i = c->ntags; i > 0; i--)
		if (smfi_chgheader(ctx, cfg->header, (int) i, NULL) != MI_SUCCESS) {
			msg_warn("%s: cannot remove %s header #%u", milter_qid(ctx), cfg->header, i);
			mm_message(c->dir.dir == IPP_DIR_OUTBOUND, MM_TEMPFAIL);
			message_reset(c);
			return (SMFIS_TEMPFAIL);
		}
	mm_client_tags(c->ntags);
	if (c->dir.dir == IPP_DIR_INBOUND) {
		mm_message(0, MM_ACCEPTED);
		mm_rcpt(0, MM_ACCEPTED, c->nrcpt);
		msg_info("%s: inbound (%s): from=<%s>: not tagged, limited or signed%s",
		    milter_qid(ctx), c->dir.text, c->sender,
		    c->ntags ? "; removed client tag" : "");
		message_reset(c);
		return (SMFIS_CONTINUE);
	}
	/* with SMFIP_HDR_LEADSPC the value carries its own leading space */
	(void) snprintf(tag, sizeof(tag), "%s%s", sign_leadspc(c->sign) ? " " : "",
	    c->pool->xsettings);
	if (smfi_addheader(ctx, cfg->header, tag) != MI_SUCCESS) {
		msg_warn("%s: cannot add the %s header", milter_qid(ctx), cfg->header);
		mm_message(1, MM_TEMPFAIL);
		message_reset(c);
		return (SMFIS_TEMPFAIL);
	}
	if ((rc = unsub_eom(ctx, c)) != SMFIS_CONTINUE) {
		mm_message(1, MM_TEMPFAIL);
		message_reset(c);
		return (rc);
	}
	if (sign_eom(ctx, c) != 0) {
		mm_message(1, MM_TEMPFAIL);
		message_reset(c);
		return (SMFIS_TEMPFAIL);
	}
	if ((rc = retpath_eom(ctx, c)) != SMFIS_CONTINUE) {
		mm_message(1, MM_TEMPFAIL);
		message_reset(c);
		return (rc);
	}
	mm_tag(c->pool->name);
	mm_message(1, c->held ? MM_HELD : MM_ACCEPTED);
	mm_rcpt(1, MM_ACCEPTED, c->nrcpt - c->removed);
	msg_info("%s: outbound (%s): pool=%s by=%s from=<%s>%s", milter_qid(ctx),
	    c->dir.text, c->pool->name, ipp_pool_why_name(c->why), c->sender,
	    c->ntags ? " removed client tag" : "");
	message_reset(c);
	return (SMFIS_CONTINUE);
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		message_reset(c);
	return (SMFIS_CONTINUE);
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		message_reset(c);
		sign_conn_free(c->sign);
		free(c);
		(void) smfi_setpriv(ctx, NULL);
		atomic_fetch_sub(&milter_sessions, 1);
	}
	return (SMFIS_CONTINUE);
}

/* Each callback timed whole, store calls and signing included. */
#define TIMED(name, call) do { \
	double	t0_ = ipp_monotonic_fine(); \
	sfsistat rc_ = (call); \
	mm_callback(name, ipp_monotonic_fine() - t0_); \
	return (rc_); \
} while (0)

static sfsistat
t_envfrom(SMFICTX *ctx, char **argv)
{
	TIMED("envfrom", cb_envfrom(ctx, argv));
}

static sfsistat
t_envrcpt(SMFICTX *ctx, char **argv)
{
	TIMED("envrcpt", cb_envrcpt(ctx, argv));
}

static sfsistat
t_header(SMFICTX *ctx, char *name, char *value)
{
	TIMED("header", cb_header(ctx, name, value));
}

static sfsistat
t_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	TIMED("body", cb_body(ctx, chunk, len));
}

static sfsistat
t_eom(SMFICTX *ctx)
{
	TIMED("eom", cb_eom(ctx));
}

struct smfiDesc milter_desc = {
	MILTER_NAME,
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT | SMFIF_QUARANTINE | SMFIF_CHGFROM,
	NULL,			/* connect */
	NULL,			/* helo */
	t_envfrom,
	t_envrcpt,
	t_header,
	NULL,			/* eoh */
	t_body,
	t_eom,
	cb_abort,
	cb_close,
	NULL,			/* unknown */
	NULL,			/* data */
	cb_negotiate
};
