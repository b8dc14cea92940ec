/* ippoolctl.c - the administration command: global options, the table of
 * subcommands, and lazy access to the config and store they need. */
#include "autoconfig.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "suppress.h"
#include "privs.h"

static const struct ctl_cmd commands[] = {
	{ "decode", cmd_decode, "VALUE",
	    "print the JSON of an X-Settings header value", CTL_NOOPTS },
	{ "check", cmd_check, "[--json]",
	    "check the configuration and the store", 0 },
	{ "config", cmd_config, "[-n]",
	    "the effective configuration with defaults (-n: only what the file sets)", 0 },
	{ "ingest", cmd_ingest, "[--follow] [--json] [--metrics-file FILE] FILE... | [--follow] [--json] [--metrics-file FILE] --journal [FILE...]",
	    "apply Postfix log lines (or journal entries Postfix wrote): bounces, deferrals, deliveries", 0 },
	{ "feedback", cmd_feedback, "[--dry-run] [--json] [--recipient ADDR] [FILE|-]",
	    "read a bounce, DSN, ARF report or auto-reply; apply it once", 0 },
	{ "limits", cmd_limits, "show ADDR [--json] | reset ADDR",
	    "a recipient's hourly window", 0 },
	{ "sendmail-mc", cmd_sendmail_mc, "[--milter-only]",
	    "print the sendmail.mc fragment for ippool", 0 },
	{ "sender", cmd_sender, "status [DOMAIN] [--json] | resume DOMAIN",
	    "the bounce- and complaint-rate guard per sender domain", 0 },
	{ "suppress", cmd_suppress, "add|del|show|list|import|export|purge ...",
	    "the suppression list", 0 },
	{ "dkim", cmd_dkim, "genkey DOMAIN SELECTOR [--type rsa|ed25519] [--bits N] [--dir DIR]",
	    "make a DKIM key; print its DNS record and keytable line", 0 },
	{ "check-domain", cmd_check_domain, "DOMAIN [--json]",
	    "check MX, SPF for the pool IPs, DKIM keys, DMARC of a sender domain", 0 },
	{ "warmup", cmd_warmup, "status|set|reset|simulate|classify ...",
	    "warm-up state per IP and ISP; import, reset, simulate", CTL_OWN_V },
	{ "events", cmd_events, "run [--once] | list [--failed] [--json] | retry [ID] | drop ID|--failed",
	    "post recorded events to the [events] URL; failed events", 0 },
	{ "report", cmd_report, "[--days N] [--pool P] [--json] [--html FILE]",
	    "sent, deferred, bounced, capacity, spillover per day; charts", 0 },
	{ "store", cmd_store,
	    "verify | recover [--catastrophic] | backup DIR | export [FILE] | import FILE|-",
	    "check, recover, back up the store; move it between backends", 0 },
	{ "unsubscribe", cmd_unsubscribe,
	    "url RCPT --sender-domain DOMAIN [--json] | check TOKEN [--json]",
	    "the one-click unsubscribe URL of a recipient; what a token names", 0 },
	{ "postfix-setup", cmd_postfix_setup,
	    "[--dry-run [--json]] [--main-dir DIR] [--pool-dir TEMPLATE]",
	    "create or update the Postfix main and pool instances", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static void
help(FILE *fp)
{
	const struct ctl_cmd *c;

	(void) fprintf(fp,
	    "usage: ippoolctl [-c FILE] [-v] COMMAND [ARGS]\n"
	    "       ippoolctl --help | -V\n\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -v       verbose\n\n"
	    "commands:\n", ipp_config_default_path());
	for (c = commands; c->name; c++)
		if (*c->args != '\0')
			(void) fprintf(fp, "  %-13s %s\n      %s\n", c->name, c->args, c->summary);
		else
			(void) fprintf(fp, "  %s\n      %s\n", c->name, c->summary);
	(void) fprintf(fp, "\nSee ippoolctl(8).\n");
}

const struct ctl_cmd *
ctl_find(const char *name)
{
	const struct ctl_cmd *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return (c);
	return (NULL);
}

void
ctl_self(const struct ctl *ctl, char *exe, size_t exelen, char *conf, size_t conflen)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", exe, exelen - 1)) <= 0)
		(void) snprintf(exe, exelen, "%s/ippoolctl", SBINDIR);
	else
		exe[n] = '\0';
	if (realpath(ctl->conf_file, buf) == NULL)
		(void) snprintf(conf, conflen, "%s", ctl->conf_file);
	else
		(void) snprintf(conf, conflen, "%s", buf);
}

int
ctl_usage(const struct ctl_cmd *c)
{
	(void) fprintf(stderr, "usage: ippoolctl %s %s\n", c->name, c->args);
	return (EX_USAGE);
}

/* "ippoolctl COMMAND ... --help": to stdout, exit 0. */
static int
command_help(const struct ctl_cmd *c)
{
	(void) printf("usage: ippoolctl [-c FILE] [-v] %s %s\n\n%s.\n\nSee ippoolctl(8), COMMANDS, %s.\n",
	    c->name, c->args, c->summary, c->name);
	return (0);
}

/*
 * Before the command sees its arguments: --help anywhere (before "--")
 * is help; the global -c and -v after the command say where they belong;
 * a command without options refuses "-x" rather than take it as data
 * ("sender status --json" is not about a domain named "--json"), and
 * drops a "--" that ends its options.  Returns -1 to go on, else the
 * exit status.
 */
static int
check_args(const struct ctl_cmd *c, int *argcp, char **argv)
{
	int	i, argc = *argcp;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return (command_help(c));
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (strncmp(a, "-c", 2) == 0 || strcmp(a, "--config") == 0
		    || (strcmp(a, "-v") == 0 && !(c->flags & CTL_OWN_V))) {
			(void) fprintf(stderr,
			    "ippoolctl: %.2s is an option of ippoolctl itself: put it before the command (ippoolctl %s %s ...)\n",
			    a, a[1] == 'c' ? "-c FILE" : "-v", c->name);
			return (EX_USAGE);
		}
		if (c->flags & CTL_NOOPTS) {
			(void) fprintf(stderr, "ippoolctl %s: unknown option \"%s\" (\"--\" before an argument that starts with \"-\")\n",
			    c->name, a);
			return (ctl_usage(c));
		}
	}
	if ((c->flags & CTL_NOOPTS) && i < argc) {
		/* drop the "--" */
		for (; i + 1 < argc; i++)
			argv[i] = argv[i + 1];
		argv[--argc] = NULL;
		*argcp = argc;
	}
	return (-1);
}

const struct ipp_config *
ctl_config(struct ctl *ctl)
{
	if (ctl->cfg == NULL && (ctl->cfg = ipp_config_load(ctl->conf_file, stderr)) == NULL)
		exit(IPP_EX_CONFIG);
	return (ctl->cfg);
}

void
ctl_privs(struct ctl *ctl)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	char	err[512];

	if (ctl->dropped)
		return;
	/* files the daemons must keep using may not end up owned by root */
	if (ipp_store_prepare(cfg, cfg->milter_user, err, sizeof(err)) != 0
	    || ipp_privs_drop_keep(cfg->milter_user, ctl->keep_groups,
	    ctl->nkeep_groups, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	ctl->dropped = 1;
}

struct ipp_store *
ctl_store(struct ctl *ctl)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	char	err[512];

	if (ctl->store != NULL)
		return (ctl->store);
	ctl_privs(ctl);
	if ((ctl->store = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		msg_fatal_status(EX_TEMPFAIL, "%s", err);
	ipp_supp_migrate_log(ctl->store, cfg->recipient_delimiter);
	return (ctl->store);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ctl_cmd *cmd;
	struct ctl ctl;
	char	err[200];
	int	ch, rc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.conf_file = ipp_config_default_path();
	ipp_log_init("ippoolctl", IPP_LOG_STDERR);
	/* '+': options after the command belong to the command */
	while ((ch = getopt_long(argc, argv, "+c:hvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl.conf_file = optarg;
			break;
		case 'h':
			help(stdout);
			return (0);
		case 'v':
			ctl.verbose++;
			ipp_log_verbose(ctl.verbose);
			break;
		case 'V':
			(void) printf("ippoolctl %s\n", PACKAGE_VERSION);
			return (0);
		default:
			help(stderr);
			return (EX_USAGE);
		}
	}
	if (optind >= argc) {
		help(stderr);
		return (EX_USAGE);
	}
	if (strcmp(argv[optind], "help") == 0) {
		help(stdout);
		return (0);
	}
	if ((cmd = ctl_find(argv[optind])) == NULL) {
		(void) fprintf(stderr, "ippoolctl: unknown command \"%s\" (ippoolctl --help lists them)\n",
		    argv[optind]);
		return (EX_USAGE);
	}
	/* before any command reads the clock: a bad IPPOOL_NOW is an error */
	if (ipp_clock_init(err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: %s\n", err);
		return (EX_USAGE);
	}
	/* each command parses its own options from its own argv[0] */
	optind++;
	{
		int	cargc = argc - optind + 1;

		if ((rc = check_args(cmd, &cargc, argv + optind - 1)) >= 0)
			return (rc);
		rc = cmd->run(&ctl, cargc, argv + optind - 1);
	}
	ipp_store_close(ctl.store);
	ipp_config_free(ctl.cfg);
	return (rc);
}
