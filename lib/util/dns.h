/* dns.h - DNS lookups through the system resolver (resolv.conf, so a test
 * can point them at its own server with "ip netns exec"), thread-safe,
 * with the records' TTLs for callers that cache. */
#ifndef IPP_DNS_H
#define IPP_DNS_H

#include <stddef.h>
#include <stdint.h>

enum ipp_dns_status {
	IPP_DNS_OK,		/* records of the type were found */
	IPP_DNS_NXDOMAIN,	/* the name does not exist */
	IPP_DNS_NODATA,		/* the name exists, no records of the type */
	IPP_DNS_TEMP,		/* timeout, SERVFAIL, no server: try later */
	IPP_DNS_ERROR		/* malformed answer or bad query */
};

struct ipp_dns_rr {
	char   *text;		/* MX/CNAME/NS: host; TXT: strings joined; A/AAAA: address */
	unsigned pref;		/* MX preference */
	uint32_t ttl;
};

struct ipp_dns_answer {
	struct ipp_dns_rr *rr;
	size_t	n;
	uint32_t min_ttl;	/* smallest TTL of the records (negative: SOA minimum or 300) */
};

/* type: ns_t_mx, ns_t_txt, ns_t_a, ns_t_aaaa (arpa/nameser.h).  MX answers
 * come sorted by preference.  err gets a reason for TEMP and ERROR. */
enum ipp_dns_status ipp_dns_lookup(const char *name, int type,
	    struct ipp_dns_answer *, char *err, size_t errlen);
void	ipp_dns_answer_free(struct ipp_dns_answer *);
const char *ipp_dns_status_name(enum ipp_dns_status);

#endif
