/* cmd_unsubscribe.c - "ippoolctl unsubscribe url RECIPIENT --sender-domain
 * DOMAIN [--json]": the one-click URL (and the mailto URL) the milter would
 * put in List-Unsubscribe, for applications that also print it in the
 * body's footer; "unsubscribe check TOKEN [--json]": what a token names, or
 * why it is refused. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "addr.h"
#include "clock.h"
#include "ctl.h"
#include "unsubtoken.h"

static int
usage(void)
{
	(void) fputs("usage: ippoolctl unsubscribe url RECIPIENT --sender-domain DOMAIN [--json]\n"
	    "       ippoolctl unsubscribe check TOKEN [--json]\n", stderr);
	return (EX_USAGE);
}

static int
keys_load(const struct ipp_config *cfg, struct ipp_hmac_keys *keys)
{
	char	err[512];

	if (!ipp_unsub_enabled(cfg, NULL)) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe: %s: no [unsubscribe] url and key configured\n",
		    cfg->file);
		return (EX_CONFIG);
	}
	if (ipp_unsub_keys_load(cfg, keys, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe: [unsubscribe] key: %s\n", err);
		return (EX_CONFIG);
	}
	return (0);
}

static int
print_json(json_t *o)
{
	char   *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (s == NULL) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe: out of memory\n");
		return (EX_SOFTWARE);
	}
	(void) printf("%s\n", s);
	free(s);
	return (0);
}

/* The sender domain as tokens carry it: lower case, A-labels. */
static int
sender_domain(const char *in, const char *delim, char *out, size_t outlen)
{
	char	addr[IPP_ADDR_MAX + 1], canon[IPP_ADDR_MAX + 1];
	const char *d;

	if (in[0] == '\0' || strchr(in, '@') != NULL
	    || (size_t) snprintf(addr, sizeof(addr), "postmaster@%s", in) >= sizeof(addr)
	    || ipp_addr_canon(addr, delim, canon, sizeof(canon)) != 0
	    || (d = ipp_addr_domain(canon)) == NULL || *d == '\0' || strlen(d) >= outlen)
		return (-1);
	(void) snprintf(out, outlen, "%s", d);
	return (0);
}

static int
unsub_url_cmd(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_hmac_keys keys;
	const char *rcpt = NULL, *sdom = NULL;
	char	addr[IPP_ADDR_MAX + 1], canon[IPP_ADDR_MAX + 1], dom[256];
	char	tok[IPP_UNSUB_TOKEN_MAX], url[2048], mailto[2048];
	int	i, json = 0, rc, has_mailto;

	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--sender-domain") == 0 && i + 1 < argc)
			sdom = argv[++i];
		else if (argv[i][0] == '-' || rcpt != NULL)
			return (usage());
		else
			rcpt = argv[i];
	if (rcpt == NULL || sdom == NULL)
		return (usage());
	cfg = ctl_config(ctl);
	if (ipp_addr_normalize(rcpt, addr, sizeof(addr)) != 0 || strchr(addr, '@') == NULL
	    || ipp_addr_canon(addr, cfg->recipient_delimiter, canon, sizeof(canon)) != 0) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe url: bad recipient address: %s\n", rcpt);
		return (EX_DATAERR);
	}
	if (sender_domain(sdom, cfg->recipient_delimiter, dom, sizeof(dom)) != 0) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe url: bad sender domain: %s\n", sdom);
		return (EX_DATAERR);
	}
	if ((rc = keys_load(cfg, &keys)) != 0)
		return (rc);
	rc = ipp_unsub_token_make(&keys, canon, dom, ipp_now(), tok, sizeof(tok));
	OPENSSL_cleanse(&keys, sizeof(keys));
	has_mailto = cfg->unsub_mailto != NULL && cfg->unsub_mailto[0] != '\0';
	if (rc != 0 || ipp_unsub_url(cfg, tok, url, sizeof(url)) != 0
	    || (has_mailto && ipp_unsub_mailto(cfg, tok, mailto, sizeof(mailto)) != 0)) {
		(void) fprintf(stderr, "ippoolctl: unsubscribe url: %s for %s: too long for a token\n",
		    canon, dom);
		return (EX_DATAERR);
	}
	if (json)
		return (print_json(json_pack("{s:s, s:s, s:s, s:s, s:s?}", "recipient", canon,
		    "sender_domain", dom, "token", tok, "url", url,
		    "mailto", has_mailto ? mailto : NULL)));
	(void) printf("%s\n", url);
	if (has_mailto)
		(void) printf("%s\n", mailto);
	return (0);
}

static int
cmd_tokcheck(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_hmac_keys keys;
	struct ipp_unsub_claim claim;
	const char *tok = NULL, *why;
	char	when[32];
	struct tm tm;
	int	i, json = 0, rc;

	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (tok != NULL)
			return (usage());
		else
			tok = argv[i];
	if (tok == NULL)
		return (usage());
	cfg = ctl_config(ctl);
	if ((rc = keys_load(cfg, &keys)) != 0)
		return (rc);
	rc = ipp_unsub_token_check(&keys, tok, strlen(tok), &claim, &why);
	OPENSSL_cleanse(&keys, sizeof(keys));
	if (rc != 0) {
		if (json)
			(void) print_json(json_pack("{s:b, s:s}", "valid", 0, "why", why));
		else
			(void) printf("invalid: %s\n", why);
		return (EX_DATAERR);
	}
	if (gmtime_r(&claim.when, &tm) == NULL
	    || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void) snprintf(when, sizeof(when), "%lld", (long long) claim.when);
	if (json)
		return (print_json(json_pack("{s:b, s:s, s:s, s:s, s:b}", "valid", 1,
		    "recipient", claim.rcpt, "sender_domain", claim.domain, "issued", when,
		    "old_key", claim.old_key)));
	(void) printf("valid: recipient=%s sender_domain=%s issued=%s%s\n", claim.rcpt,
	    claim.domain, when, claim.old_key ? " (old key)" : "");
	return (0);
}

int
cmd_unsubscribe(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		return (usage());
	if (strcmp(argv[1], "url") == 0)
		return (unsub_url_cmd(ctl, argc, argv));
	if (strcmp(argv[1], "check") == 0)
		return (cmd_tokcheck(ctl, argc, argv));
	return (usage());
}
