/* isp.h - which mailbox provider (ISP) a recipient domain belongs to
 * (DESIGN.md "Routing"): its domain in an [isp] domains list, else the
 * suffix of its most preferred MX hosts against the [isp] mx lists, else
 * "others".  MX answers are cached by TTL, bounded in time and size, and
 * shared by threads; the cache holds DNS answers, not verdicts, so a
 * reloaded configuration classifies with its own lists at once. */
#ifndef IPP_ISP_H
#define IPP_ISP_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "dns.h"

#define IPP_ISP_OTHERS	"others"

enum ipp_isp_how {
	IPP_ISP_DOMAIN,		/* the domain is in the ISP's domains list */
	IPP_ISP_MX,		/* a most preferred MX host ends with one of its mx suffixes */
	IPP_ISP_NOMATCH,	/* neither: others */
	IPP_ISP_DNSFAIL		/* the MX lookup failed for now: others, until it works */
};

struct ipp_isp_result {
	const struct ipp_isp *isp;	/* never NULL */
	enum ipp_isp_how how;
	char	detail[300];		/* the pattern or MX host that matched, or the DNS error */
};

/*
 * Classify a domain (or an address: its domain part is used).  now is the
 * caller's ipp_now(), for the cache.  Always yields an ISP: "others" when
 * nothing matches or DNS fails; a DNS failure is logged once per domain
 * (again an hour later if it still fails) until a lookup for it works
 * again.
 */
const struct ipp_isp *ipp_isp_classify(const struct ipp_config *, const char *domain,
	    time_t now, struct ipp_isp_result *);
/* The same without waiting for DNS: NULL when the domain's MX answer is
 * not in the cache (a caller that must not block asks a thread that may). */
const struct ipp_isp *ipp_isp_classify_cached(const struct ipp_config *,
	    const char *domain, time_t now, struct ipp_isp_result *);
const char *ipp_isp_how_name(enum ipp_isp_how);

/* Whether domain matches a domains-list entry ("gmail.com", "hotmail.*"). */
int	ipp_isp_domain_match(const char *pattern, const char *domain);

/* The MX lookup, replaceable by tests (NULL restores ipp_dns_lookup). */
typedef enum ipp_dns_status (*ipp_isp_resolver_fn)(const char *name, int type,
	    struct ipp_dns_answer *, char *err, size_t errlen);
void	ipp_isp_set_resolver(ipp_isp_resolver_fn);

/* Cache bounds: entries, and the range a TTL is clamped to. */
#define IPP_ISP_CACHE_MAX	10000
#define IPP_ISP_TTL_MIN		60
#define IPP_ISP_TTL_MAX		3600
#define IPP_ISP_TTL_FAIL	60	/* a failed lookup is tried again after this */
void	ipp_isp_cache_limits(size_t max_entries, unsigned ttl_min, unsigned ttl_max);
void	ipp_isp_cache_flush(void);

struct ipp_isp_cache_stats {
	unsigned long hits, misses, evictions, entries;
};
void	ipp_isp_cache_stats(struct ipp_isp_cache_stats *);

#endif
