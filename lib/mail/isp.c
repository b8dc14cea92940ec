/* isp.c - ISP classification of recipient domains and the MX cache.
 *
 * The cache is a hash table with an LRU list under one mutex; DNS queries
 * run outside the lock, so a slow resolver delays only the lookups of
 * that domain's first recipients.  Two threads missing the same domain at
 * once both ask DNS; the second answer simply replaces the first. */
#include "autoconfig.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "hash.h"
#include "isp.h"
#include "log.h"

#define BUCKETS		4096	/* power of two */
#define HOSTS_MAX	1024	/* bytes of MX host names kept per domain */
#define FAIL_LOG_INTERVAL 3600	/* a failing domain is logged once an hour */

struct entry {
	struct entry *hnext;		/* hash chain */
	struct entry *prev, *next;	/* LRU list, most recent first */
	enum ipp_dns_status status;
	time_t	expires;
	char	domain[256];
	char	hosts[HOSTS_MAX];	/* most preferred MX hosts, space-separated */
	char	error[200];
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[BUCKETS];
static struct entry *lru_head, *lru_tail;
static size_t cache_n;
static size_t cache_max = IPP_ISP_CACHE_MAX;
static unsigned ttl_min = IPP_ISP_TTL_MIN, ttl_max = IPP_ISP_TTL_MAX;
static struct ipp_isp_cache_stats stats;
static ipp_isp_resolver_fn resolver = ipp_dns_lookup;

void
ipp_isp_set_resolver(ipp_isp_resolver_fn fn)
{
	(void) pthread_mutex_lock(&cache_lock);
	resolver = fn ? fn : ipp_dns_lookup;
	(void) pthread_mutex_unlock(&cache_lock);
}

void
ipp_isp_cache_limits(size_t max_entries, unsigned tmin, unsigned tmax)
{
	(void) pthread_mutex_lock(&cache_lock);
	cache_max = max_entries ? max_entries : 1;
	ttl_min = tmin;
	ttl_max = tmax < tmin ? tmin : tmax;
	(void) pthread_mutex_unlock(&cache_lock);
}

static uint32_t
hash(const char *s)
{
	return (ipp_hash_str(s) & (BUCKETS - 1));
}

static void
lru_unlink(struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct entry *e)
{
	e->prev = NULL;
	e->next = lru_head;
	if (lru_head)
		lru_head->prev = e;
	lru_head = e;
	if (lru_tail == NULL)
		lru_tail = e;
}

static struct entry *
find(const char *domain)
{
	struct entry *e;

	for (e = buckets[hash(domain)]; e; e = e->hnext)
		if (strcmp(e->domain, domain) == 0)
			return (e);
	return (NULL);
}

static void
remove_entry(struct entry *e)
{
	struct entry **pp;

	for (pp = &buckets[hash(e->domain)]; *pp; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(e);
	free(e);
	cache_n--;
}

void
ipp_isp_cache_flush(void)
{
	(void) pthread_mutex_lock(&cache_lock);
	while (lru_head)
		remove_entry(lru_head);
	memset(&stats, 0, sizeof(stats));
	(void) pthread_mutex_unlock(&cache_lock);
}

void
ipp_isp_cache_stats(struct ipp_isp_cache_stats *out)
{
	(void) pthread_mutex_lock(&cache_lock);
	*out = stats;
	out->entries = cache_n;
	(void) pthread_mutex_unlock(&cache_lock);
}

/* Store a lookup's outcome. */
static void
store(const char *domain, enum ipp_dns_status st, const char *hosts,
    const char *error, time_t expires)
{
	struct entry *e;

	(void) pthread_mutex_lock(&cache_lock);
	if ((e = find(domain)) == NULL) {
		while (cache_n >= cache_max && lru_tail) {
			remove_entry(lru_tail);
			stats.evictions++;
		}
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			(void) pthread_mutex_unlock(&cache_lock);
			return;
		}
		(void) snprintf(e->domain, sizeof(e->domain), "%s", domain);
		e->hnext = buckets[hash(domain)];
		buckets[hash(domain)] = e;
		cache_n++;
	} else {
		lru_unlink(e);
	}
	lru_push(e);
	e->status = st;
	e->expires = expires;
	(void) snprintf(e->hosts, sizeof(e->hosts), "%s", hosts);
	(void) snprintf(e->error, sizeof(e->error), "%s", error);
	(void) pthread_mutex_unlock(&cache_lock);
}

/* A fresh cached answer: 1 with the fields copied, else 0. */
static int
cached(const char *domain, time_t now, enum ipp_dns_status *st, char *hosts,
    size_t hlen, char *error, size_t elen, int count_miss)
{
	struct entry *e;
	int	hit = 0;

	(void) pthread_mutex_lock(&cache_lock);
	if ((e = find(domain)) != NULL && now < e->expires && now + (time_t) ttl_max + 1 > e->expires) {
		/* (an entry dated in the future was made under another clock: ignored) */
		lru_unlink(e);
		lru_push(e);
		*st = e->status;
		(void) snprintf(hosts, hlen, "%s", e->hosts);
		(void) snprintf(error, elen, "%s", e->error);
		hit = 1;
		stats.hits++;
	} else if (count_miss) {
		stats.misses++;		/* the lookup that follows is the miss */
	}
	(void) pthread_mutex_unlock(&cache_lock);
	return (hit);
}

static time_t
clamp_ttl(uint32_t ttl)
{
	unsigned lo, hi;

	(void) pthread_mutex_lock(&cache_lock);
	lo = ttl_min;
	hi = ttl_max;
	(void) pthread_mutex_unlock(&cache_lock);
	if (ttl < lo)
		return ((time_t) lo);
	if (ttl > hi)
		return ((time_t) hi);
	return ((time_t) ttl);
}

/* Ask DNS for the domain's MX hosts of the best preference. */
static void
resolve(const char *domain, time_t now, enum ipp_dns_status *st, char *hosts,
    size_t hlen, char *error, size_t elen)
{
	struct ipp_dns_answer ans;
	ipp_isp_resolver_fn fn;
	time_t	ttl;
	size_t	i, off = 0;
	char	err[256] = "", key[300];

	(void) pthread_mutex_lock(&cache_lock);
	fn = resolver;
	(void) pthread_mutex_unlock(&cache_lock);
	hosts[0] = '\0';
	error[0] = '\0';
	memset(&ans, 0, sizeof(ans));
	*st = fn(domain, ns_t_mx, &ans, err, sizeof(err));
	switch (*st) {
	case IPP_DNS_OK:
		for (i = 0; i < ans.n && ans.rr[i].pref == ans.rr[0].pref; i++) {
			int	n = snprintf(hosts + off, hlen - off, "%s%s", off ? " " : "",
			    ans.rr[i].text);

			if (n < 0 || (size_t) n >= hlen - off) {
				hosts[off] = '\0';
				break;
			}
			off += (size_t) n;
		}
		ttl = clamp_ttl(ans.min_ttl);
		break;
	case IPP_DNS_NXDOMAIN:
	case IPP_DNS_NODATA:
		ttl = clamp_ttl(ans.min_ttl);
		break;
	default:
		(void) snprintf(error, elen, "%s", err[0] ? err : ipp_dns_status_name(*st));
		ttl = IPP_ISP_TTL_FAIL;
		break;
	}
	ipp_dns_answer_free(&ans);
	store(domain, *st, hosts, error, now + ttl);
	(void) snprintf(key, sizeof(key), "mx:%s", domain);
	if (*st != IPP_DNS_TEMP && *st != IPP_DNS_ERROR)
		ipp_log_forget(key);	/* works again: a new failure is news */
	else if (ipp_log_once(key, FAIL_LOG_INTERVAL))
		msg_warn("MX lookup for %s failed (%s): its recipients count as ISP %s until DNS answers",
		    domain, error, IPP_ISP_OTHERS);
}

/* The rest of "name.REST" looks like a public suffix: "com", "fr", "co.uk". */
static int
suffix_like(const char *rest)
{
	const char *dot = strchr(rest, '.'), *p;
	size_t	n1, n2;

	if (dot == NULL) {
		n1 = strlen(rest);
		for (p = rest; *p; p++)
			if (!isalpha((unsigned char) *p))
				return (0);
		return (n1 >= 2 && n1 <= 63);
	}
	if (strchr(dot + 1, '.') != NULL)
		return (0);
	n1 = (size_t) (dot - rest);
	n2 = strlen(dot + 1);
	for (p = rest; p < dot; p++)
		if (!isalnum((unsigned char) *p))
			return (0);
	for (p = dot + 1; *p; p++)
		if (!isalpha((unsigned char) *p))
			return (0);
	/* a second-level label under a country code: co.uk, com.br, ne.jp */
	return (n1 >= 2 && n1 <= 3 && n2 == 2);
}

int
ipp_isp_domain_match(const char *pattern, const char *domain)
{
	size_t	n = strlen(pattern);

	if (n > 2 && strcmp(pattern + n - 2, ".*") == 0)
		return (strncmp(domain, pattern, n - 1) == 0 && suffix_like(domain + n - 1));
	return (strcmp(pattern, domain) == 0);
}

static int
host_match(const char *suffix, const char *host, size_t hlen)
{
	size_t	n = strlen(suffix);

	/* suffixes carry a leading dot: ".google.com" matches "x.google.com"
	 * and "google.com" itself, never "evilgoogle.com" */
	if (suffix[0] == '.' && hlen == n - 1 && strncmp(host, suffix + 1, hlen) == 0)
		return (1);
	return (hlen > n && strncmp(host + hlen - n, suffix, n) == 0);
}

static const struct ipp_isp *
others(const struct ipp_config *cfg)
{
	const struct ipp_isp *isp = ipp_config_isp(cfg, IPP_ISP_OTHERS);

	/* "others" is built in: a config always has it */
	return (isp ? isp : &cfg->isps[cfg->nisps - 1]);
}

static const struct ipp_isp *
by_mx(const struct ipp_config *cfg, const char *hosts, struct ipp_isp_result *res)
{
	const char *h = hosts, *end;
	char	host[256];
	size_t	i, j, len;

	while (*h) {
		end = h + strcspn(h, " ");
		len = (size_t) (end - h);
		if (len > 0 && h[len - 1] == '.')
			len--;
		if (len > 0 && len < sizeof(host)) {
			(void) memcpy(host, h, len);
			host[len] = '\0';
			ipp_domain_lower(host);
			for (i = 0; i < cfg->nisps; i++)
				for (j = 0; cfg->isps[i].mx[j]; j++)
					if (host_match(cfg->isps[i].mx[j], host, len)) {
						res->how = IPP_ISP_MX;
						(void) snprintf(res->detail, sizeof(res->detail),
						    "MX %s", host);
						return (&cfg->isps[i]);
					}
		}
		h = *end ? end + 1 : end;
	}
	return (NULL);
}

/* may_resolve 0: NULL when the answer needs a DNS lookup not in the cache */
static const struct ipp_isp *
classify(const struct ipp_config *cfg, const char *name, time_t now,
    struct ipp_isp_result *res, int may_resolve)
{
	const struct ipp_isp *isp;
	enum ipp_dns_status st;
	const char *at = strrchr(name, '@');
	char	domain[256], hosts[HOSTS_MAX], error[200];
	size_t	i, j, len;

	memset(res, 0, sizeof(*res));
	res->how = IPP_ISP_NOMATCH;
	res->isp = others(cfg);
	if (at)
		name = at + 1;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	/* an address literal or a bad name: nothing to look up */
	if (len == 0 || len >= sizeof(domain) || name[0] == '[')
		return (res->isp);
	(void) memcpy(domain, name, len);
	domain[len] = '\0';
	ipp_domain_lower(domain);

	for (i = 0; i < cfg->nisps; i++)
		for (j = 0; cfg->isps[i].domains[j]; j++)
			if (ipp_isp_domain_match(cfg->isps[i].domains[j], domain)) {
				res->isp = &cfg->isps[i];
				res->how = IPP_ISP_DOMAIN;
				(void) snprintf(res->detail, sizeof(res->detail), "domain %s",
				    cfg->isps[i].domains[j]);
				return (res->isp);
			}
	if (!cached(domain, now, &st, hosts, sizeof(hosts), error, sizeof(error), may_resolve)) {
		if (!may_resolve)
			return (NULL);
		resolve(domain, now, &st, hosts, sizeof(hosts), error, sizeof(error));
	}
	if (st == IPP_DNS_TEMP || st == IPP_DNS_ERROR) {
		res->how = IPP_ISP_DNSFAIL;
		(void) snprintf(res->detail, sizeof(res->detail), "%s", error);
		return (res->isp);
	}
	if (st == IPP_DNS_OK && (isp = by_mx(cfg, hosts, res)) != NULL) {
		res->isp = isp;
		return (isp);
	}
	(void) snprintf(res->detail, sizeof(res->detail), "%s",
	    st == IPP_DNS_OK ? "no known MX" : ipp_dns_status_name(st));
	return (res->isp);
}

const struct ipp_isp *
ipp_isp_classify(const struct ipp_config *cfg, const char *name, time_t now,
    struct ipp_isp_result *res)
{
	return (classify(cfg, name, now, res, 1));
}

const struct ipp_isp *
ipp_isp_classify_cached(const struct ipp_config *cfg, const char *name, time_t now,
    struct ipp_isp_result *res)
{
	return (classify(cfg, name, now, res, 0));
}

const char *
ipp_isp_how_name(enum ipp_isp_how how)
{
	switch (how) {
	case IPP_ISP_DOMAIN: return ("domain");
	case IPP_ISP_MX: return ("mx");
	case IPP_ISP_NOMATCH: return ("default");
	case IPP_ISP_DNSFAIL: return ("dns-failure");
	}
	return ("?");
}
