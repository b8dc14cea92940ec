/* test_isp.c - ISP classification with a resolver stub: domain lists and
 * NAME.* patterns, MX suffixes of the most preferred hosts only, the
 * cache (TTL clamped, size bounded, LRU), DNS failures (others, logged
 * once per domain), and a reload that changes the lists. */
#include "autoconfig.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "isp.h"
#include "log.h"
#include "tap.h"

static int queries;
static int fail_dns;
static char last_query[256];

/* A tiny zone: MX records by domain. */
static const struct {
	const char *domain;
	const char *hosts[3];
	unsigned prefs[3];
	unsigned ttl;
} zone[] = {
	{ "custom.example", { "aspmx.l.google.com.", "alt1.aspmx.l.google.com" }, { 1, 5 }, 300 },
	{ "corp.example", { "corp-example.mail.protection.outlook.com" }, { 10 }, 30 },
	{ "mixed.example", { "mx.filter.example", "aspmx.l.google.com" }, { 10, 20 }, 300 },
	{ "evil.example", { "mx.evilgoogle.com" }, { 10 }, 300 },
	{ "ymx.example", { "MTA7.AM0.YAHOODNS.NET" }, { 10 }, 99999 },
	{ "plain.example", { "mail.plain.example" }, { 10 }, 300 },
};

static enum ipp_dns_status
stub(const char *name, int type, struct ipp_dns_answer *ans, char *err, size_t errlen)
{
	size_t	i, j;

	queries++;
	(void) snprintf(last_query, sizeof(last_query), "%s", name);
	memset(ans, 0, sizeof(*ans));
	ans->min_ttl = 300;
	if (type != ns_t_mx)
		return (IPP_DNS_ERROR);
	if (fail_dns) {
		(void) snprintf(err, errlen, "%s: DNS lookup failed temporarily", name);
		return (IPP_DNS_TEMP);
	}
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i].domain, name) != 0)
			continue;
		ans->rr = calloc(3, sizeof(*ans->rr));
		for (j = 0; j < 3 && zone[i].hosts[j]; j++) {
			ans->rr[j].text = strdup(zone[i].hosts[j]);
			ans->rr[j].pref = zone[i].prefs[j];
			ans->rr[j].ttl = zone[i].ttl;
		}
		ans->n = j;
		ans->min_ttl = zone[i].ttl;
		return (IPP_DNS_OK);
	}
	ans->min_ttl = 120;
	return (IPP_DNS_NXDOMAIN);
}

static const char *
cls(const struct ipp_config *cfg, const char *d, time_t now, enum ipp_isp_how *how)
{
	struct ipp_isp_result r;

	(void) ipp_isp_classify(cfg, d, now, &r);
	if (how)
		*how = r.how;
	return (r.isp->name);
}

static int
count_lines(const char *path, const char *needle)
{
	char	line[2048];
	FILE   *fp = fopen(path, "r");
	int	n = 0;

	if (fp == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, needle) != NULL;
	(void) fclose(fp);
	return (n);
}

int
main(void)
{
	struct ipp_config *cfg, *cfg2;
	struct ipp_isp_cache_stats cs;
	enum ipp_isp_how how;
	const char *f, *logf;
	time_t	t0 = 1700000000;
	char	logpath[512];
	int	i, q;

	ipp_log_init("test_isp", IPP_LOG_STDERR);
	ipp_isp_set_resolver(stub);
	f = tap_write("a.conf", "[store]\npath = /tmp/x\n[pool p]\nips = 192.0.2.1\n"
	    "[isp fastmail]\ndomains = fastmail.com\nmx = messagingengine.com\n");
	cfg = ipp_config_load(f, stderr);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL)
		return (done_testing());

	/* domains lists, no DNS */
	queries = 0;
	is_str(cls(cfg, "gmail.com", t0, &how), "gmail", "gmail.com: gmail");
	is_int(how, IPP_ISP_DOMAIN, "  by its domain");
	is_str(cls(cfg, "someone@GoogleMail.COM", t0, NULL), "gmail", "an address, any case: gmail");
	is_str(cls(cfg, "outlook.com.", t0, NULL), "microsoft", "trailing dot: microsoft");
	is_str(cls(cfg, "hotmail.co.uk", t0, NULL), "microsoft", "hotmail.* matches hotmail.co.uk");
	is_str(cls(cfg, "hotmail.fr", t0, NULL), "microsoft", "hotmail.* matches hotmail.fr");
	is_str(cls(cfg, "yahoo.com.br", t0, NULL), "yahoo", "yahoo.* matches yahoo.com.br");
	is_str(cls(cfg, "aol.com", t0, NULL), "yahoo", "aol.com: yahoo");
	is_str(cls(cfg, "icloud.com", t0, NULL), "apple", "icloud.com: apple");
	is_str(cls(cfg, "fastmail.com", t0, NULL), "fastmail", "a configured ISP's domain");
	is_int(queries, 0, "domain matches ask no DNS");
	ok(!ipp_isp_domain_match("hotmail.*", "hotmail.evil.com"), "hotmail.* does not match hotmail.evil.com");
	ok(!ipp_isp_domain_match("hotmail.*", "hotmail.example.org"), "hotmail.* does not match hotmail.example.org");
	ok(!ipp_isp_domain_match("hotmail.*", "nothotmail.com"), "hotmail.* does not match nothotmail.com");
	ok(!ipp_isp_domain_match("gmail.com", "mail.gmail.com"), "gmail.com does not match a subdomain");

	/* MX suffixes */
	is_str(cls(cfg, "custom.example", t0, &how), "gmail", "MX aspmx.l.google.com.: gmail");
	is_int(how, IPP_ISP_MX, "  by its MX");
	is_str(last_query, "custom.example", "  the MX of the domain was asked");
	is_str(cls(cfg, "corp.example", t0, NULL), "microsoft", "MX *.protection.outlook.com: microsoft");
	is_str(cls(cfg, "ymx.example", t0, NULL), "yahoo", "MX in capitals: yahoo");
	is_str(cls(cfg, "mixed.example", t0, &how), "others",
	    "a Google MX of lower preference does not count (mail goes to the filter)");
	is_int(how, IPP_ISP_NOMATCH, "  no match");
	is_str(cls(cfg, "evil.example", t0, NULL), "others", ".google.com does not match evilgoogle.com");
	is_str(cls(cfg, "plain.example", t0, NULL), "others", "an unknown MX: others");
	is_str(cls(cfg, "nx.example", t0, &how), "others", "NXDOMAIN: others");
	is_int(how, IPP_ISP_NOMATCH, "  not a failure");
	is_str(cls(cfg, "user@[192.0.2.7]", t0, NULL), "others", "an address literal: others");

	/* the cache: hits within the TTL, clamped TTLs */
	q = queries;
	is_str(cls(cfg, "custom.example", t0 + 299, NULL), "gmail", "custom.example again");
	is_int(queries, q, "  from the cache within its TTL (300 s)");
	(void) cls(cfg, "custom.example", t0 + 301, NULL);
	is_int(queries, q + 1, "  asked again after its TTL");
	q = queries;
	(void) cls(cfg, "corp.example", t0 + 59, NULL);
	is_int(queries, q, "a 30 s TTL is raised to the 60 s minimum");
	(void) cls(cfg, "corp.example", t0 + 61, NULL);
	is_int(queries, q + 1, "  and asked again after it");
	q = queries;
	(void) cls(cfg, "ymx.example", t0 + 3599, NULL);
	is_int(queries, q, "a 99999 s TTL is cached");
	(void) cls(cfg, "ymx.example", t0 + 3601, NULL);
	is_int(queries, q + 1, "  but no longer than the 3600 s maximum");
	q = queries;
	(void) cls(cfg, "nx.example", t0 + 100, NULL);
	is_int(queries, q, "a negative answer is cached too");

	/* a reload changes the lists: the cached MX is judged by the new config */
	f = tap_write("b.conf", "[store]\npath = /tmp/x\n[pool p]\nips = 192.0.2.1\n"
	    "[isp filtered]\nmx = .filter.example\n");
	cfg2 = ipp_config_load(f, stderr);
	ok(cfg2 != NULL, "second config loads");
	q = queries;
	is_str(cls(cfg2, "mixed.example", t0 + 10, NULL), "filtered",
	    "after a reload, a cached MX answer is classified with the new lists");
	is_int(queries, q, "  without asking DNS again");
	ipp_config_free(cfg2);

	/* size bound and LRU */
	ipp_isp_cache_flush();
	ipp_isp_cache_limits(3, IPP_ISP_TTL_MIN, IPP_ISP_TTL_MAX);
	(void) cls(cfg, "custom.example", t0, NULL);
	(void) cls(cfg, "corp.example", t0, NULL);
	(void) cls(cfg, "ymx.example", t0, NULL);
	(void) cls(cfg, "custom.example", t0, NULL);	/* now most recent */
	(void) cls(cfg, "plain.example", t0, NULL);	/* evicts corp.example */
	ipp_isp_cache_stats(&cs);
	is_int(cs.entries, 3, "the cache holds at most its limit");
	is_int(cs.evictions, 1, "  one eviction");
	q = queries;
	(void) cls(cfg, "custom.example", t0, NULL);
	is_int(queries, q, "  the recently used entry stayed");
	(void) cls(cfg, "corp.example", t0, NULL);
	is_int(queries, q + 1, "  the least recently used one was evicted");
	ipp_isp_cache_limits(IPP_ISP_CACHE_MAX, IPP_ISP_TTL_MIN, IPP_ISP_TTL_MAX);
	ipp_isp_cache_flush();
	for (i = 0; i < 20000; i++) {
		char	d[64];

		(void) snprintf(d, sizeof(d), "d%d.example", i);
		(void) cls(cfg, d, t0, NULL);
	}
	ipp_isp_cache_stats(&cs);
	is_int(cs.entries, IPP_ISP_CACHE_MAX, "20000 domains: the cache stays at 10000 entries");

	/* DNS failures: others, logged once per domain */
	ipp_isp_cache_flush();
	(void) snprintf(logpath, sizeof(logpath), "%s/log", tap_tmpdir());
	logf = logpath;
	(void) fflush(stderr);
	if (freopen(logf, "w", stderr) == NULL)
		return (99);
	fail_dns = 1;
	is_str(cls(cfg, "custom.example", t0, &how), "others", "DNS failure: others");
	is_int(how, IPP_ISP_DNSFAIL, "  marked as a DNS failure");
	q = queries;
	(void) cls(cfg, "custom.example", t0 + 30, NULL);
	is_int(queries, q, "  the failure is cached briefly");
	(void) cls(cfg, "custom.example", t0 + 61, NULL);
	is_int(queries, q + 1, "  and retried after 60 s");
	(void) cls(cfg, "custom.example", t0 + 122, NULL);
	(void) cls(cfg, "corp.example", t0 + 122, NULL);
	(void) fflush(stderr);
	is_int(count_lines(logf, "MX lookup for custom.example failed"), 1,
	    "three failed lookups of one domain: logged once");
	is_int(count_lines(logf, "MX lookup for corp.example failed"), 1,
	    "another domain's failure is logged too");
	fail_dns = 0;
	is_str(cls(cfg, "custom.example", t0 + 200, NULL), "gmail", "DNS back: gmail again");
	fail_dns = 1;
	(void) cls(cfg, "custom.example", t0 + 1000, NULL);
	(void) fflush(stderr);
	is_int(count_lines(logf, "MX lookup for custom.example failed"), 2,
	    "a new failure after a success is logged again");
	fail_dns = 0;

	ipp_config_free(cfg);
	return (done_testing());
}
