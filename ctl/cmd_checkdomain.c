/* cmd_checkdomain.c - "ippoolctl check-domain DOMAIN": can this domain send
 * from its pools' IPs?  The identity checks a cloud sending service makes
 * before it lets a domain send: MX, one SPF record that passes every pool
 * IP (evaluated by libspf2 for postmaster@DOMAIN), the published DKIM keys
 * matching the keytable's, a DMARC policy, and DKIM alignment; with
 * [feedback] rewriting the domain's return path, the return domain's MX
 * (it must reach this site) and SPF (it must pass the pools' IPs, since
 * receivers check SPF on the envelope sender's domain).
 *
 * Exit status: 0 ready, 1 problems, 2 a check could not be made (DNS
 * temporary failure, keys unreadable).  A definite problem wins over an
 * incomplete check: the domain is not ready either way. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libpsl.h>
#include <openssl/evp.h>
#include <spf2/spf.h>

#include "addr.h"
#include "ctl.h"
#include "dns.h"
#include "keytable.h"
#include "privs.h"
#include "log.h"
#include "parse.h"
#include "printable.h"
#include "pool.h"
#include "retpath.h"

enum status { ST_OK, ST_PROBLEM, ST_UNKNOWN };

struct report {
	const char *domain;
	int	json;
	json_t *checks;
	unsigned nproblems, nunknown;
};

static const char *
status_name(enum status st)
{
	return (st == ST_OK ? "ok" : st == ST_PROBLEM ? "problem" : "unknown");
}

/* One check's line (or JSON object); extra: NULL-terminated key/value pairs. */
static void say(struct report *, const char *check, const char *label,
    enum status, const char **extra, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
say(struct report *r, const char *check, const char *label, enum status st,
    const char **extra, const char *fmt, ...)
{
	char	detail[2048], safe[2048];
	va_list	ap;

	va_start(ap, fmt);
	(void) vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (st == ST_PROBLEM)
		r->nproblems++;
	else if (st == ST_UNKNOWN)
		r->nunknown++;
	if (r->json) {
		json_t *o = json_object();

		(void) json_object_set_new(o, "check", json_string(check));
		(void) json_object_set_new(o, "status", json_string(status_name(st)));
		for (; extra != NULL && extra[0] != NULL; extra += 2)
			(void) json_object_set_new(o, extra[0], json_string(extra[1]));
		/* jansson escapes control characters; bytes that are not
		 * UTF-8 (a TXT record may hold any) it refuses */
		(void) json_object_set_new(o, "detail", json_string(ipp_printable_needed(detail,
		    strlen(detail)) ? ipp_printable_str(detail, safe, sizeof(safe)) : detail));
		(void) json_array_append_new(r->checks, o);
		return;
	}
	/* DNS answers are the network's: no raw control characters */
	(void) printf("%s%s%s: %s: %s\n", check, label ? " " : "", label ? label : "",
	    status_name(st), ipp_printable_str(detail, safe, sizeof(safe)));
}

/* --- DNS helpers -------------------------------------------------------- */

/* TXT records of NAME that start with PREFIX (case-insensitive, then a
 * space, a ';' or the end).  Returns the DNS status; *n, and the first
 * match copied to first (may be truncated). */
static enum ipp_dns_status
txt_with_prefix(const char *name, const char *prefix, size_t *n, char *first,
    size_t firstlen, char *err, size_t errlen)
{
	struct ipp_dns_answer ans;
	enum ipp_dns_status st;
	size_t	i, plen = strlen(prefix);

	*n = 0;
	if (firstlen)
		first[0] = '\0';
	st = ipp_dns_lookup(name, ns_t_txt, &ans, err, errlen);
	if (st != IPP_DNS_OK)
		return (st);
	for (i = 0; i < ans.n; i++) {
		const char *t = ans.rr[i].text;

		if (strncasecmp(t, prefix, plen) != 0
		    || !(t[plen] == '\0' || t[plen] == ' ' || t[plen] == ';' || t[plen] == '\t'))
			continue;
		if ((*n)++ == 0 && firstlen)
			(void) snprintf(first, firstlen, "%s", t);
	}
	ipp_dns_answer_free(&ans);
	return (st);
}

/*
 * The organizational domain (RFC 7489 3.2): the public suffix of the
 * Public Suffix List plus one label, as libpsl finds it in the list the
 * publicsuffix package keeps up to date (else the copy built into
 * libpsl).  A pointer into d; d itself when d is a public suffix or the
 * list cannot be had (then only the domain's own DMARC record is found).
 */
static const char *
org_domain(const char *d)
{
	static const psl_ctx_t *psl;
	static int warned;
	char	low[256];		/* a domain name: at most 255 */
	const char *reg;
	size_t	len = strlen(d);

	if (psl == NULL && (psl = psl_latest(NULL)) == NULL && (psl = psl_builtin()) == NULL) {
		if (!warned++)
			msg_warn("Public Suffix List unavailable (Debian: publicsuffix): "
			    "organizational domains are not looked up");
		return (d);
	}
	if (len >= sizeof(low))
		return (d);
	(void) memcpy(low, d, len + 1);
	ipp_domain_lower(low);
	if ((reg = psl_registrable_domain(psl, low)) == NULL)
		return (d);
	return (d + (reg - low));
}

/* --- the checks ------------------------------------------------------------ */

static void
check_mx(struct report *r)
{
	struct ipp_dns_answer ans;
	enum ipp_dns_status st;
	char	err[512], list[1024];
	size_t	i, off = 0;

	st = ipp_dns_lookup(r->domain, ns_t_mx, &ans, err, sizeof(err));
	switch (st) {
	case IPP_DNS_OK:
		list[0] = '\0';
		for (i = 0; i < ans.n && off < sizeof(list); i++) {
			int	n = snprintf(list + off, sizeof(list) - off, "%s%u %s",
			    i ? ", " : "", ans.rr[i].pref, ans.rr[i].text[0] ? ans.rr[i].text : ".");

			if (n > 0)
				off += (size_t) n;
		}
		/* RFC 7505 null MX: the domain says it takes no mail at all */
		if (ans.n == 1 && (ans.rr[0].text[0] == '\0' || strcmp(ans.rr[0].text, ".") == 0))
			say(r, "mx", NULL, ST_PROBLEM, NULL,
			    "null MX (RFC 7505): the domain accepts no mail, so replies and bounces to it fail");
		else
			say(r, "mx", NULL, ST_OK, NULL, "%s", list);
		ipp_dns_answer_free(&ans);
		break;
	case IPP_DNS_NXDOMAIN:
		say(r, "mx", NULL, ST_PROBLEM, NULL, "%s does not exist in DNS", r->domain);
		break;
	case IPP_DNS_NODATA:
		say(r, "mx", NULL, ST_PROBLEM, NULL,
		    "no MX record: replies and bounces to %s have nowhere to go", r->domain);
		break;
	default:
		say(r, "mx", NULL, ST_UNKNOWN, NULL, "%s", err);
	}
}

/*
 * The SPF record of DOMAIN, reported as check CHECK (label LABEL).
 * 0: one record; -1: none or several (a problem); -2: could not tell.
 */
static int
check_spf_record(struct report *r, const char *check, const char *label, const char *domain)
{
	char	err[512], first[2048];
	size_t	n;
	enum ipp_dns_status st;

	st = txt_with_prefix(domain, "v=spf1", &n, first, sizeof(first), err, sizeof(err));
	if (st == IPP_DNS_TEMP || st == IPP_DNS_ERROR) {
		say(r, check, label, ST_UNKNOWN, NULL, "%s", err);
		return (-2);
	}
	if (n == 0) {
		say(r, check, label, ST_PROBLEM, NULL, "no SPF record (TXT \"v=spf1 ...\") at %s",
		    domain);
		return (-1);
	}
	if (n > 1) {
		say(r, check, label, ST_PROBLEM, NULL,
		    "%zu SPF records at %s: there must be exactly one (RFC 7208 4.5: permerror)",
		    n, domain);
		return (-1);
	}
	say(r, check, label, ST_OK, NULL, "\"%s\"", first);
	return (0);
}

/* The pools this domain's senders use (see DESIGN.md "Pool selection"). */
static size_t
domain_pools(const struct ipp_config *cfg, const char *domain,
    const struct ipp_pool **out, size_t max)
{
	char	addr[IPP_ADDR_MAX + 1];
	size_t	i, j, n = 0;

	for (i = 0; i < cfg->npools && n < max; i++) {
		const struct ipp_pool *p = &cfg->pools[i];

		for (j = 0; p->senders != NULL && p->senders[j] != NULL; j++) {
			const char *dom = ipp_addr_domain(p->senders[j]);

			if (dom != NULL && strcasecmp(dom, domain) == 0) {
				out[n++] = p;
				break;
			}
		}
	}
	if (n == 0 && max > 0) {
		(void) snprintf(addr, sizeof(addr), "postmaster@%s", domain);
		if ((out[0] = ipp_pool_select(cfg, NULL, addr, NULL)) != NULL)
			n = 1;
	}
	return (n);
}

/* An address receivers on the Internet never see (loopback, RFC 1918,
 * shared, link-local, unique local): what mail from it looks like after
 * NAT is not known here, and libspf2 passes loopback whatever the record
 * says.  NULL for a public address, else what kind it is. */
static const char *
private_kind(const struct ipp_ip *ip)
{
	const unsigned char *b;

	if (ip->family == AF_INET) {
		b = (const unsigned char *) &ip->a.v4;
		if (b[0] == 127)
			return ("loopback");
		if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16)
		    || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64))
			return ("private");
		if (b[0] == 169 && b[1] == 254)
			return ("link-local");
		return (NULL);
	}
	b = ip->a.v6.s6_addr;
	if (IN6_IS_ADDR_LOOPBACK(&ip->a.v6))
		return ("loopback");
	if (IN6_IS_ADDR_LINKLOCAL(&ip->a.v6))
		return ("link-local");
	if ((b[0] & 0xfe) == 0xfc)
		return ("private");
	if (IN6_IS_ADDR_V4MAPPED(&ip->a.v6)) {
		struct ipp_ip v4;

		v4.family = AF_INET;
		(void) memcpy(&v4.a.v4, b + 12, 4);
		return (private_kind(&v4));
	}
	return (NULL);
}

/* libspf2's verdict on mail from postmaster@DOMAIN from each IP of POOLS. */
static void
check_spf_ips(struct report *r, const char *check, const char *domain,
    const struct ipp_pool *const *pools, size_t np, int record)
{
	char	sender[IPP_ADDR_MAX + 16], label[INET6_ADDRSTRLEN + IPP_NAME_MAX + 16];
	SPF_server_t *spf;
	size_t	i, j;

	(void) snprintf(sender, sizeof(sender), "postmaster@%s", domain);
	/* libspf2 prints its warnings on stderr otherwise */
	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
	spf = record == -2 ? NULL : SPF_server_new(SPF_DNS_CACHE, 0);
	for (i = 0; i < np; i++)
		for (j = 0; j < pools[i]->nips; j++) {
			const struct ipp_ip *ip = &pools[i]->ips[j];
			const char *extra[] = { "pool", pools[i]->name, "ip", ip->text,
			    "result", NULL, NULL };
			SPF_request_t *req;
			SPF_response_t *resp = NULL;
			SPF_result_t res;
			const char *name, *kind;

			(void) snprintf(label, sizeof(label), "%s (pool %s)", ip->text, pools[i]->name);
			if ((kind = private_kind(ip)) != NULL) {
				extra[4] = NULL;
				say(r, check, label, ST_UNKNOWN, extra,
				    "pool %s uses %s address %s: SPF cannot be checked for it (receivers see the address it is translated to)",
				    pools[i]->name, kind, ip->text);
				continue;
			}
			if (spf == NULL) {
				extra[4] = NULL;
				say(r, check, label, ST_UNKNOWN, extra, "%s",
				    record == -2 ? "the SPF record could not be read" : "libspf2: out of memory");
				continue;
			}
			if ((req = SPF_request_new(spf)) == NULL
			    || (ip->family == AF_INET ? SPF_request_set_ipv4(req, ip->a.v4)
			    : SPF_request_set_ipv6(req, ip->a.v6)) != SPF_E_SUCCESS
			    || SPF_request_set_env_from(req, sender) != 0
			    || SPF_request_set_helo_dom(req, pools[i]->helo ? pools[i]->helo
			    : domain) != SPF_E_SUCCESS) {
				extra[4] = NULL;
				say(r, check, label, ST_UNKNOWN, extra, "libspf2 refused the request");
				if (req != NULL)
					SPF_request_free(req);
				continue;
			}
			(void) SPF_request_query_mailfrom(req, &resp);
			res = resp != NULL ? SPF_response_result(resp) : SPF_RESULT_TEMPERROR;
			name = SPF_strresult(res);
			extra[5] = name;
			if (res == SPF_RESULT_PASS)
				say(r, check, label, ST_OK, extra, "%s", name);
			else if (res == SPF_RESULT_TEMPERROR)
				say(r, check, label, ST_UNKNOWN, extra, "%s", name);
			else
				say(r, check, label, ST_PROBLEM, extra,
				    "%s: mail from %s for %s is not authorized by SPF", name, ip->text,
				    sender);
			if (resp != NULL)
				SPF_response_free(resp);
			SPF_request_free(req);
		}
	if (spf != NULL)
		SPF_server_free(spf);
}

/* Compare a published p= with the key's, byte for byte after base64. */
static int
same_pubkey(const char *published, const char *ours)
{
	unsigned char a[8192], b[8192];
	int	na, nb;
	size_t	la = strlen(published), lb = strlen(ours);

	if (la == 0 || la % 4 != 0 || lb % 4 != 0 || la * 3 / 4 > sizeof(a) || lb * 3 / 4 > sizeof(b))
		return (strcmp(published, ours) == 0);
	na = EVP_DecodeBlock(a, (const unsigned char *) published, (int) la);
	nb = EVP_DecodeBlock(b, (const unsigned char *) ours, (int) lb);
	return (na > 0 && na == nb && memcmp(a, b, (size_t) na) == 0);
}

/* Returns the signing domain (d=) for the alignment check, or NULL. */
static const char *
check_dkim(struct report *r, const struct ipp_config *cfg, struct ipp_keytable **ktp)
{
	const struct ipp_dkim_key *keys;
	struct ipp_keytable *kt;
	char   *buf = NULL, name[512], err[512], rec[4096], val[4096];
	size_t	len = 0, n, i;
	FILE   *errs;

	if (cfg->keytable == NULL || *cfg->keytable == '\0') {
		say(r, "dkim", NULL, ST_PROBLEM, NULL, "no [dkim] keytable in %s: nothing signs mail",
		    cfg->file);
		return (NULL);
	}
	if ((errs = open_memstream(&buf, &len)) == NULL) {
		say(r, "dkim", NULL, ST_UNKNOWN, NULL, "out of memory");
		return (NULL);
	}
	ipp_keytable_set_group(ipp_privs_run_gid(cfg->milter_user));
	kt = ipp_keytable_load(cfg->keytable, NULL, errs);
	(void) fclose(errs);
	if (kt == NULL) {
		char   *nl = buf ? strchr(buf, '\n') : NULL;

		if (nl != NULL)
			*nl = '\0';
		/* the milter would refuse it too; unreadable as this user is not that */
		say(r, "dkim", NULL, buf && strstr(buf, "Permission denied") ? ST_UNKNOWN : ST_PROBLEM,
		    NULL, "the keytable does not load: %s", buf ? buf : "out of memory");
		free(buf);
		return (NULL);
	}
	free(buf);
	*ktp = kt;
	if ((n = ipp_keytable_find(kt, r->domain, &keys)) == 0) {
		say(r, "dkim", NULL, ST_PROBLEM, NULL,
		    "no key for %s or a parent domain in %s: its mail leaves unsigned (ippoolctl dkim genkey)",
		    r->domain, kt->file);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		const struct ipp_dkim_key *k = &keys[i];
		const char *extra[] = { "selector", k->selector, "domain", k->domain,
		    "type", ipp_key_type_name(k->type), "record", name, NULL };
		char	label[128];
		size_t	nrec;
		enum ipp_dns_status st;
		char   *kv;

		(void) snprintf(name, sizeof(name), "%s._domainkey.%s", k->selector, k->domain);
		if (k->type == IPP_KEY_RSA)
			(void) snprintf(label, sizeof(label), "%s (rsa-%u)", k->selector, k->bits);
		else
			(void) snprintf(label, sizeof(label), "%s (%s)", k->selector,
			    ipp_key_type_name(k->type));
		/* a key record need not start with v=DKIM1: take the one with p= */
		st = txt_with_prefix(name, "v=DKIM1", &nrec, rec, sizeof(rec), err, sizeof(err));
		if (st == IPP_DNS_OK && nrec == 0) {
			struct ipp_dns_answer ans;

			if (ipp_dns_lookup(name, ns_t_txt, &ans, err, sizeof(err)) == IPP_DNS_OK) {
				size_t	j;

				for (j = 0; j < ans.n && nrec == 0; j++)
					if (ipp_dkim_tag(ans.rr[j].text, "p", val, sizeof(val)) != NULL) {
						(void) snprintf(rec, sizeof(rec), "%s", ans.rr[j].text);
						nrec = 1;
					}
				ipp_dns_answer_free(&ans);
			}
		}
		if (st == IPP_DNS_TEMP || st == IPP_DNS_ERROR) {
			say(r, "dkim", label, ST_UNKNOWN, extra, "%s", err);
			continue;
		}
		if (nrec == 0) {
			say(r, "dkim", label, ST_PROBLEM, extra,
			    "no DKIM key record at %s: publish the record ippoolctl dkim genkey printed", name);
			continue;
		}
		kv = ipp_dkim_tag(rec, "k", val, sizeof(val));
		if (strcasecmp(kv ? kv : "rsa", ipp_key_type_name(k->type)) != 0) {
			say(r, "dkim", label, ST_PROBLEM, extra,
			    "%s publishes a k=%s key, the keytable has an %s key (%s)", name,
			    kv ? kv : "rsa", ipp_key_type_name(k->type), k->file);
			continue;
		}
		if (ipp_dkim_tag(rec, "p", val, sizeof(val)) == NULL || val[0] == '\0') {
			say(r, "dkim", label, ST_PROBLEM, extra,
			    "%s has an empty p=: the key is revoked", name);
			continue;
		}
		if (!same_pubkey(val, k->pubkey)) {
			say(r, "dkim", label, ST_PROBLEM, extra,
			    "the key published at %s does not match %s: signatures will fail", name,
			    k->file);
			continue;
		}
		kv = ipp_dkim_tag(rec, "t", val, sizeof(val));
		say(r, "dkim", label, ST_OK, extra, "%s matches %s%s", name, k->file,
		    kv && strchr(kv, 'y') ? " (t=y: receivers treat the domain as testing DKIM)" : "");
	}
	return (keys[0].domain);
}

/* The DMARC record of the domain, else of its organizational domain. */
static void
check_dmarc(struct report *r, const char *signing)
{
	const char *org = org_domain(r->domain), *where;
	char	name[512], err[512], rec[2048], p[64], adkim[16], sp[64];
	const char *extra[] = { "record", name, NULL };
	enum ipp_dns_status st;
	size_t	n;
	int	inherited = 0;

	(void) snprintf(name, sizeof(name), "_dmarc.%s", r->domain);
	st = txt_with_prefix(name, "v=DMARC1", &n, rec, sizeof(rec), err, sizeof(err));
	if ((st == IPP_DNS_OK || st == IPP_DNS_NODATA || st == IPP_DNS_NXDOMAIN) && n == 0
	    && strcasecmp(org, r->domain) != 0) {
		(void) snprintf(name, sizeof(name), "_dmarc.%s", org);
		st = txt_with_prefix(name, "v=DMARC1", &n, rec, sizeof(rec), err, sizeof(err));
		inherited = 1;
	}
	if (st == IPP_DNS_TEMP || st == IPP_DNS_ERROR) {
		say(r, "dmarc", NULL, ST_UNKNOWN, extra, "%s", err);
		return;
	}
	if (n == 0) {
		if (inherited)
			say(r, "dmarc", NULL, ST_PROBLEM, NULL,
			    "no DMARC record at _dmarc.%s nor at its organizational domain's %s",
			    r->domain, name);
		else
			say(r, "dmarc", NULL, ST_PROBLEM, NULL, "no DMARC record at %s", name);
		return;
	}
	if (n > 1) {
		say(r, "dmarc", NULL, ST_PROBLEM, extra,
		    "%zu DMARC records at %s: receivers ignore them all (RFC 7489 6.6.3)", n, name);
		return;
	}
	where = inherited ? " (inherited from the organizational domain)" : "";
	if (ipp_dkim_tag(rec, "p", p, sizeof(p)) == NULL || p[0] == '\0') {
		say(r, "dmarc", NULL, ST_PROBLEM, extra,
		    "%s has no p= policy: receivers ignore the record%s", name, where);
		return;
	}
	if (strcasecmp(p, "none") != 0 && strcasecmp(p, "quarantine") != 0
	    && strcasecmp(p, "reject") != 0) {
		say(r, "dmarc", NULL, ST_PROBLEM, extra, "%s: p=%s is not none, quarantine or reject",
		    name, p);
		return;
	}
	if (inherited && ipp_dkim_tag(rec, "sp", sp, sizeof(sp)) != NULL && sp[0] != '\0')
		(void) snprintf(p, sizeof(p), "%s", sp);
	say(r, "dmarc", NULL, ST_OK, extra, "%s: p=%s%s", name, p, where);

	/* alignment of d= with the From: domain (RFC 7489 3.1.1) */
	if (signing == NULL)
		return;
	if (ipp_dkim_tag(rec, "adkim", adkim, sizeof(adkim)) == NULL)
		(void) strcpy(adkim, "r");
	if (strcasecmp(signing, r->domain) == 0)
		say(r, "alignment", NULL, ST_OK, NULL, "d=%s is the From: domain (strict and relaxed)",
		    signing);
	else if (strcasecmp(adkim, "s") == 0)
		say(r, "alignment", NULL, ST_PROBLEM, NULL,
		    "adkim=s needs d=%s, but the key signs as d=%s: add a key for %s",
		    r->domain, signing, r->domain);
	else if (strcasecmp(org_domain(signing), org) == 0)
		say(r, "alignment", NULL, ST_OK, NULL,
		    "d=%s is aligned with %s (relaxed, the DMARC default)", signing, r->domain);
	else
		say(r, "alignment", NULL, ST_PROBLEM, NULL,
		    "d=%s is not aligned with %s: DMARC fails on DKIM", signing, r->domain);
}

/* --- the return path ([feedback]) ------------------------------------------ */

/*
 * Whether TEXT (an address from DNS) is one of this site's: an address of
 * an interface of this host or of a pool.  *who says which, for the report.
 */
static int
site_address(const struct ipp_config *cfg, const struct ifaddrs *ifs, const char *text,
    const char **who)
{
	unsigned char a[16];
	int	fam = strchr(text, ':') ? AF_INET6 : AF_INET;
	size_t	i, j, alen = fam == AF_INET ? 4 : 16;
	const struct ifaddrs *ifa;

	if (inet_pton(fam, text, a) != 1)
		return (0);
	for (i = 0; i < cfg->npools; i++)
		for (j = 0; j < cfg->pools[i].nips; j++) {
			const struct ipp_ip *ip = &cfg->pools[i].ips[j];

			if (ip->family == fam && memcmp(fam == AF_INET ? (const void *) &ip->a.v4
			    : (const void *) &ip->a.v6, a, alen) == 0) {
				*who = cfg->pools[i].name;
				return (1);
			}
		}
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;

		if (sa == NULL || sa->sa_family != fam)
			continue;
		if (memcmp(fam == AF_INET ? (const void *) &((const struct sockaddr_in *) sa)->sin_addr
		    : (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr, a, alen) == 0) {
			*who = NULL;
			return (1);
		}
	}
	return (0);
}

/* An MX of the return domain RD whose host resolves to an address of the site. */
static void
check_return_mx(struct report *r, const struct ipp_config *cfg, const char *rd)
{
	struct ipp_dns_answer mx, ad;
	struct ifaddrs *ifs = NULL;
	enum ipp_dns_status st;
	char	err[512], seen[1024];
	const char *extra[] = { "domain", rd, NULL };
	static const int types[] = { ns_t_a, ns_t_aaaa };
	size_t	i, j, t, off = 0;
	int	temp = 0, n;

	st = ipp_dns_lookup(rd, ns_t_mx, &mx, err, sizeof(err));
	if (st == IPP_DNS_NXDOMAIN || st == IPP_DNS_NODATA) {
		say(r, "return-mx", rd, ST_PROBLEM, extra,
		    "no MX record at %s: bounces and complaints sent to the return path do not reach this site",
		    rd);
		return;
	}
	if (st != IPP_DNS_OK) {
		say(r, "return-mx", rd, ST_UNKNOWN, extra, "%s", err);
		return;
	}
	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	seen[0] = '\0';
	for (i = 0; i < mx.n; i++) {
		const char *host = mx.rr[i].text;

		if (host[0] == '\0' || strcmp(host, ".") == 0)
			continue;
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			st = ipp_dns_lookup(host, types[t], &ad, err, sizeof(err));
			if (st == IPP_DNS_TEMP || st == IPP_DNS_ERROR)
				temp = 1;
			if (st != IPP_DNS_OK)
				continue;
			for (j = 0; j < ad.n; j++) {
				const char *who = NULL;

				if (site_address(cfg, ifs, ad.rr[j].text, &who)) {
					char	what[IPP_NAME_MAX + 32];

					if (who != NULL)
						(void) snprintf(what, sizeof(what), "an address of pool %s", who);
					else
						(void) snprintf(what, sizeof(what), "an address of this host");
					say(r, "return-mx", rd, ST_OK, extra, "%u %s (%s: %s)", mx.rr[i].pref,
					    host, ad.rr[j].text, what);
					ipp_dns_answer_free(&ad);
					ipp_dns_answer_free(&mx);
					if (ifs != NULL)
						freeifaddrs(ifs);
					return;
				}
				if (off < sizeof(seen) && (n = snprintf(seen + off, sizeof(seen) - off,
				    "%s%s %s", off ? ", " : "", host, ad.rr[j].text)) > 0)
					off += (size_t) n;
			}
			ipp_dns_answer_free(&ad);
		}
	}
	ipp_dns_answer_free(&mx);
	if (ifs != NULL)
		freeifaddrs(ifs);
	if (temp)
		say(r, "return-mx", rd, ST_UNKNOWN, extra,
		    "the MX hosts of %s could not all be resolved (DNS temporary failure?)", rd);
	else
		say(r, "return-mx", rd, ST_PROBLEM, extra,
		    "no MX host of %s resolves to an address of this host or of its pools (%s): feedback does not reach ippoolctl feedback",
		    rd, seen[0] ? seen : "no addresses");
}

/*
 * With [feedback] rewriting the domain's return path: each return domain
 * its pools use must take mail at this site and pass the pools' IPs in
 * SPF (the SPF check of the envelope sender is made on it, not on the
 * From: domain).
 */
static void
check_return(struct report *r, const struct ipp_config *cfg)
{
	const struct ipp_pool *pools[IPP_MAX_POOLS], *users[IPP_MAX_POOLS];
	char	sender[IPP_ADDR_MAX + 16], rds[IPP_MAX_POOLS][256];
	size_t	np, nrd = 0, i, k, nu;
	int	record;

	np = domain_pools(cfg, r->domain, pools, IPP_MAX_POOLS);
	(void) snprintf(sender, sizeof(sender), "postmaster@%s", r->domain);
	for (i = 0; i < np; i++) {
		if (!ipp_retpath_wanted(cfg, pools[i], sender)
		    || ipp_retpath_domain(pools[i], r->domain, rds[nrd], sizeof(rds[nrd])) != 0)
			continue;
		for (k = 0; k < nrd && strcmp(rds[k], rds[nrd]) != 0; k++)
			;
		if (k == nrd)
			nrd++;
	}
	for (k = 0; k < nrd; k++) {
		char	rd[256];

		for (i = 0, nu = 0; i < np; i++)
			if (ipp_retpath_wanted(cfg, pools[i], sender)
			    && ipp_retpath_domain(pools[i], r->domain, rd, sizeof(rd)) == 0
			    && strcmp(rd, rds[k]) == 0)
				users[nu++] = pools[i];
		check_return_mx(r, cfg, rds[k]);
		record = check_spf_record(r, "return-spf", rds[k], rds[k]);
		check_spf_ips(r, "return-spf", rds[k], users, nu, record);
	}
}

static int
cd_usage(void)
{
	return (ctl_usage(ctl_find("check-domain")));
}

int
cmd_check_domain(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg;
	const struct ipp_pool *pools[IPP_MAX_POOLS];
	struct ipp_keytable *kt = NULL;
	struct report r;
	size_t	np;
	const char *signing;
	char	domain[256];
	int	ch, rc, record;

	memset(&r, 0, sizeof(r));
	optind = 0;			/* glibc: start a new scan of this argv */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'j')
			return (cd_usage());
		r.json = 1;
	}
	if (argc - optind != 1)
		return (cd_usage());
	if (strlen(argv[optind]) >= sizeof(domain))
		return (cd_usage());
	(void) strcpy(domain, argv[optind]);
	ipp_domain_lower(domain);
	if (domain[0] != '\0' && domain[strlen(domain) - 1] == '.')
		domain[strlen(domain) - 1] = '\0';
	if (!ipp_valid_hostname(domain) || strchr(domain, '.') == NULL) {
		(void) fprintf(stderr, "ippoolctl: check-domain: \"%s\" is not a domain name\n",
		    argv[optind]);
		return (EX_USAGE);
	}
	r.domain = domain;
	cfg = ctl_config(ctl);
	if (r.json && (r.checks = json_array()) == NULL) {
		(void) fprintf(stderr, "ippoolctl: check-domain: out of memory\n");
		return (EX_SOFTWARE);
	}

	check_mx(&r);
	record = check_spf_record(&r, "spf", NULL, domain);
	np = domain_pools(cfg, domain, pools, IPP_MAX_POOLS);
	check_spf_ips(&r, "spf", domain, pools, np, record);
	signing = check_dkim(&r, cfg, &kt);
	check_dmarc(&r, signing);
	check_return(&r, cfg);

	rc = r.nproblems ? 1 : r.nunknown ? 2 : 0;
	if (r.json) {
		json_t *o = json_object();
		char   *text;

		(void) json_object_set_new(o, "domain", json_string(domain));
		(void) json_object_set_new(o, "checks", r.checks);
		(void) json_object_set_new(o, "verdict",
		    json_string(rc == 0 ? "ready" : rc == 1 ? "problems" : "unknown"));
		(void) json_object_set_new(o, "problems", json_integer(r.nproblems));
		(void) json_object_set_new(o, "unknown", json_integer(r.nunknown));
		if ((text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
			json_decref(o);
			ipp_keytable_free(kt);
			(void) fprintf(stderr, "ippoolctl: check-domain: out of memory\n");
			return (EX_SOFTWARE);
		}
		(void) printf("%s\n", text);
		free(text);
		json_decref(o);
	} else if (rc == 0) {
		(void) printf("verdict: ready: %s can send from its pools\n", domain);
	} else if (rc == 1) {
		(void) printf("verdict: problems: %u problem%s%s\n", r.nproblems,
		    r.nproblems == 1 ? "" : "s",
		    r.nunknown ? " (and some checks could not be made)" : "");
	} else {
		(void) printf("verdict: unknown: %u check%s could not be made (DNS temporary failure? private pool addresses?)\n",
		    r.nunknown, r.nunknown == 1 ? "" : "s");
	}
	ipp_keytable_free(kt);
	return (rc);
}
