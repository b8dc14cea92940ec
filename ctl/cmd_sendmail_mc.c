/* cmd_sendmail_mc.c - "ippoolctl sendmail-mc": the sendmail.mc fragment
 * that wires Sendmail to ippool-milter, generated from ippool.conf so that
 * the socket and the macros cannot drift from what the milter uses; with
 * [feedback] key set, also the way back of the return path: a local
 * mailer running "ippoolctl feedback -" and the return domains routed to
 * it.  The tests build their sendmail.cf from this output. */
#include "autoconfig.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "parse.h"
#include "retpath.h"
#include "transport.h"

static int
usage(void)
{
	(void) fputs("usage: ippoolctl sendmail-mc [--milter-only]\n", stderr);
	return (EX_USAGE);
}

/* libmilter's "unix:" is Sendmail's "local:"; inet sockets read the same. */
static int
sendmail_socket(const char *spec, char *out, size_t len)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];

	if (ipp_parse_sockspec(spec, &sp, err, sizeof(err)) != 0)
		return (-1);
	switch (sp.kind) {
	case IPP_SOCK_UNIX:
		(void) snprintf(out, len, "local:%s", sp.path);
		break;
	case IPP_SOCK_INET:
		(void) snprintf(out, len, "inet:%u@%s", sp.port, sp.host[0] ? sp.host : "127.0.0.1");
		break;
	case IPP_SOCK_INET6:
		(void) snprintf(out, len, "inet6:%u@%s", sp.port, sp.host[0] ? sp.host : "::1");
		break;
	}
	return (0);
}

/*
 * Routing: Sendmail has no per-mailer source address, so it hands each
 * remote recipient to the Postfix instance of the message's pool, which
 * binds the pool's addresses.  The pool comes from ippool-policyd's socket
 * map (the same selection function as the milter's tag), asked with
 * "LOGIN:SENDER".  Sendmail's relay mailer has one port for every
 * destination, so each pool instance gets a mailer of its own.
 */
static int
routes(const struct ipp_config *cfg)
{
	char	sock[400], mailer[IPP_TRANSPORT_MAX], addr[64];
	size_t	i;

	if (sendmail_socket(cfg->socketmap_socket, sock, sizeof(sock)) != 0)
		return (-1);
	(void) printf(
	    "dnl\n"
	    "dnl Routing: every remote recipient (not the host's own names, $=w)\n"
	    "dnl goes to the Postfix instance of\n"
	    "dnl the message's pool (ippool-policyd picks it from the SASL login and\n"
	    "dnl the envelope sender); that instance sends from the pool's addresses.\n"
	    "dnl -T<TMPF>: when ippool-policyd cannot answer, the recipient gets a\n"
	    "dnl temporary error instead of leaving through another route; -f keeps\n"
	    "dnl the key's case (local parts are compared as given).\n"
	    "LOCAL_CONFIG\n"
	    "K" IPP_SENDMAIL_ROUTE_MAP " socket -f -T<TMPF> %s\n"
	    "LOCAL_RULE_0\n"
	    "R$* < @ $=w . > $*\t$@ $1 < @ $2 . > $3\n"
	    "R$* < @ $=w > $*\t$@ $1 < @ $2 > $3\n"
	    "R$* < @ $+ > $*\t\t$: $(" IPP_SENDMAIL_ROUTE_MAP " $&{auth_authen}:$&f $: <NOROUTE> $) $| $1 < @ $2 > $3\n"
	    "R<NOROUTE> $| $*\t$: $1\n"
	    "R<TMPF> $| $*\t\t$#error $@ 4.3.0 $: \"451 ippool routing is unavailable, try again later\"\n",
	    sock);
	ipp_instance_address(cfg, addr, sizeof(addr));
	for (i = 0; i < cfg->npools; i++) {
		if (ipp_relay_transport_name(cfg, &cfg->pools[i], mailer, sizeof(mailer)) != 0)
			return (-1);
		(void) printf("R%s $| $*\t$#%s $@ [%s] $: $1\n", mailer, mailer, addr);
	}
	/* an unreachable map answers neither the default nor <TMPF> */
	(void) printf("R$* $| $*\t\t$#error $@ 4.3.0 $: \"451 ippool routing is unavailable, try again later\"\n"
	    "MAILER_DEFINITIONS\n");
	for (i = 0; i < cfg->npools; i++) {
		if (ipp_relay_transport_name(cfg, &cfg->pools[i], mailer, sizeof(mailer)) != 0)
			return (-1);
		(void) printf("M%s,\tP=[IPC], F=mDFMuXa8, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\\r\\n, L=2040,\n"
		    "\t\tT=DNS/RFC822/SMTP, A=TCP $h %u\n", mailer, cfg->pools[i].port);
	}
	return (0);
}

#define FB_MAILER	"ippool_feedback"
#define FB_CLASS	"{IppoolFeedback}"
#define FB_MAX_DOMAINS	200

/*
 * The return path's way back, as the Postfix pipe transport of
 * postfix-setup: the return domains are relayed (class R) and resolve in
 * ruleset 0, before any other routing, to a local mailer that runs
 * "ippoolctl feedback -" as the [milter] user, one recipient a delivery
 * (no m flag), 64 MB at most (M=); $u is in A= because Sendmail speaks
 * SMTP to a mailer without it.  Sendmail takes the mailer's exit
 * status as sysexits: 75 (the store failed) keeps the message queued for
 * a retry, 0 is delivered; ippoolctl feedback never exits 5x for input.
 */
static int
feedback(const struct ctl *ctl, const struct ipp_config *cfg)
{
	char   *doms[FB_MAX_DOMAINS], exe[PATH_MAX], conf[PATH_MAX];
	const char *user = cfg->milter_user && *cfg->milter_user ? cfg->milter_user : "nobody";
	size_t	n, i;

	if (cfg->fb_key == NULL)
		return (0);
	n = ipp_retpath_config_domains(cfg, doms, FB_MAX_DOMAINS);
	if (n == 0)
		(void) fprintf(stderr, "ippoolctl: [feedback]: no return domain to route (add bounce.<From: domain> domains to class " FB_CLASS " by hand)\n");
	ctl_self(ctl, exe, sizeof(exe), conf, sizeof(conf));
	if (strpbrk(exe, " \t\n,") != NULL || strpbrk(conf, " \t\n,") != NULL) {
		(void) fprintf(stderr, "ippoolctl: sendmail-mc: %s or %s has a space or comma, which a mailer's P= and A= cannot carry\n",
		    exe, conf);
		ipp_retpath_domains_free(doms, n);
		return (-1);
	}
	(void) printf(
	    "dnl\n"
	    "dnl Feedback: mail to the return domains (bounces, complaints) goes to\n"
	    "dnl the local mailer " FB_MAILER ", which runs \"ippoolctl feedback -\" as\n"
	    "dnl %s; exit 75 (store failed) keeps the message queued.\n", user);
	for (i = 0; i < n; i++)
		(void) printf("RELAY_DOMAIN(`%s')dnl\n", doms[i]);
	(void) printf("LOCAL_CONFIG\n");
	for (i = 0; i < n; i++)
		(void) printf("C" FB_CLASS "%s\n", doms[i]);
	(void) printf(
	    "LOCAL_RULE_0\n"
	    "R$* < @ $=" FB_CLASS " . > $*\t$#" FB_MAILER " $@ $2 $: $1 < @ $2 >\n"
	    "R$* < @ $=" FB_CLASS " > $*\t$#" FB_MAILER " $@ $2 $: $1 < @ $2 >\n"
	    "MAILER_DEFINITIONS\n"
	    "M" FB_MAILER ",\tP=%s, F=lsDFMq, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,\n"
	    "\t\tU=%s, M=67108864, T=DNS/RFC822/X-Unix,\n"
	    "\t\tA=ippoolctl -c %s feedback --recipient $u -\n", exe, user, conf);
	ipp_retpath_domains_free(doms, n);
	return (0);
}

int
cmd_sendmail_mc(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "milter-only", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg;
	char	sock[400];
	int	ch, milter_only = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'm')
			return (usage());
		milter_only = 1;
	}
	if (optind != argc)
		return (usage());
	cfg = ctl_config(ctl);
	if (sendmail_socket(cfg->milter_socket, sock, sizeof(sock)) != 0)
		return (usage());

	(void) printf(
	    "dnl ippool: generated by \"ippoolctl sendmail-mc\" from %s.\n"
	    "dnl Put it in sendmail.mc before the MAILER() lines, then rebuild\n"
	    "dnl sendmail.cf (make -C /etc/mail, or m4 sendmail.mc > sendmail.cf).\n"
	    "dnl\n"
	    "dnl ippool-milter: pool tag, suppression list, hourly limits, DKIM.\n"
	    "dnl F=T: when the milter cannot be reached, mail is refused with a\n"
	    "dnl temporary error (451 4.3.2), never passed on untagged.\n"
	    "INPUT_MAIL_FILTER(`ippool', `S=%s, F=T, T=C:30s;S:4m;R:4m;E:10m')dnl\n"
	    "dnl The milter's macros, added to Sendmail's defaults: the SASL login\n"
	    "dnl client address and port at MAIL FROM (outbound or inbound), the queue\n"
	    "dnl ID at the end of the message.\n"
	    "define(`confMILTER_MACROS_ENVFROM', defn(`confMILTER_MACROS_ENVFROM')`, {auth_authen}, {client_addr}, {client_port}')dnl\n"
	    "define(`confMILTER_MACROS_EOM', defn(`confMILTER_MACROS_EOM')`, i')dnl\n",
	    cfg->file, sock);
	/* before the routing: its rules must see the return domains first */
	if (feedback(ctl, cfg) != 0 || (!milter_only && routes(cfg) != 0))
		return (EX_CONFIG);
	return (0);
}
