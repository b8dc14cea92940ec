/* dns.c - res_nquery with a private resolver state per call (no shared
 * _res), answers parsed with ns_parserr; only the asked type is kept,
 * so a CNAME chain yields its target's records. */
#include "autoconfig.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define ANSWER_MAX 65536
#define NEGATIVE_TTL 300

static int
rr_cmp(const void *a, const void *b)
{
	const struct ipp_dns_rr *x = a, *y = b;

	if (x->pref != y->pref)
		return (x->pref < y->pref ? -1 : 1);
	return (strcmp(x->text, y->text));
}

static char *
txt_join(const unsigned char *rd, size_t len)
{
	char   *out = malloc(len + 1);
	size_t	o = 0, i = 0;

	if (out == NULL)
		return (NULL);
	while (i < len) {
		size_t	n = rd[i++];

		if (n > len - i) {
			free(out);
			return (NULL);
		}
		(void) memcpy(out + o, rd + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return (out);
}

enum ipp_dns_status
ipp_dns_lookup(const char *name, int type, struct ipp_dns_answer *ans,
    char *err, size_t errlen)
{
	struct __res_state rs;
	unsigned char *buf;
	ns_msg	msg;
	ns_rr	rr;
	int	len, i, count;
	enum ipp_dns_status st = IPP_DNS_OK;

	memset(ans, 0, sizeof(*ans));
	ans->min_ttl = NEGATIVE_TTL;
	if (err && errlen)
		err[0] = '\0';
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0) {
		(void) snprintf(err, errlen, "cannot initialize the resolver");
		return (IPP_DNS_TEMP);
	}
	if ((buf = malloc(ANSWER_MAX)) == NULL) {
		res_nclose(&rs);
		(void) snprintf(err, errlen, "out of memory");
		return (IPP_DNS_TEMP);
	}
	len = res_nquery(&rs, name, ns_c_in, type, buf, ANSWER_MAX);
	if (len < 0) {
		switch (rs.res_h_errno) {
		case HOST_NOT_FOUND:
			st = IPP_DNS_NXDOMAIN;
			break;
		case NO_DATA:
			st = IPP_DNS_NODATA;
			break;
		case NO_RECOVERY:
			st = IPP_DNS_ERROR;
			(void) snprintf(err, errlen, "%s: non-recoverable DNS error", name);
			break;
		default:
			st = IPP_DNS_TEMP;
			(void) snprintf(err, errlen, "%s: DNS lookup failed temporarily", name);
		}
		goto out;
	}
	if (len > ANSWER_MAX)
		len = ANSWER_MAX;
	if (ns_initparse(buf, len, &msg) != 0) {
		st = IPP_DNS_ERROR;
		(void) snprintf(err, errlen, "%s: malformed DNS answer", name);
		goto out;
	}
	count = ns_msg_count(msg, ns_s_an);
	if (count > 0 && (ans->rr = calloc((size_t) count, sizeof(*ans->rr))) == NULL) {
		st = IPP_DNS_TEMP;
		(void) snprintf(err, errlen, "out of memory");
		goto out;
	}
	ans->min_ttl = UINT32_MAX;
	for (i = 0; i < count; i++) {
		struct ipp_dns_rr *r = &ans->rr[ans->n];
		char	host[NS_MAXDNAME];
		const unsigned char *rd;

		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
			st = IPP_DNS_ERROR;
			(void) snprintf(err, errlen, "%s: malformed DNS record", name);
			goto out;
		}
		if ((int) ns_rr_type(rr) != type)
			continue;
		rd = ns_rr_rdata(rr);
		switch (type) {
		case ns_t_mx:
			if (ns_rr_rdlen(rr) < 3 || ns_name_uncompress(ns_msg_base(msg),
			    ns_msg_end(msg), rd + 2, host, sizeof(host)) < 0)
				continue;
			r->pref = ns_get16(rd);
			r->text = strdup(host);
			break;
		case ns_t_cname:
		case ns_t_ns:
			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd,
			    host, sizeof(host)) < 0)
				continue;
			r->text = strdup(host);
			break;
		case ns_t_txt:
			r->text = txt_join(rd, ns_rr_rdlen(rr));
			break;
		case ns_t_a:
			if (ns_rr_rdlen(rr) != 4 || inet_ntop(AF_INET, rd, host, sizeof(host)) == NULL)
				continue;
			r->text = strdup(host);
			break;
		case ns_t_aaaa:
			if (ns_rr_rdlen(rr) != 16 || inet_ntop(AF_INET6, rd, host, sizeof(host)) == NULL)
				continue;
			r->text = strdup(host);
			break;
		default:
			continue;
		}
		if (r->text == NULL)
			continue;
		r->ttl = ns_rr_ttl(rr);
		if (r->ttl < ans->min_ttl)
			ans->min_ttl = r->ttl;
		ans->n++;
	}
	if (ans->n == 0) {
		st = IPP_DNS_NODATA;
		ans->min_ttl = NEGATIVE_TTL;
	} else if (type == ns_t_mx) {
		qsort(ans->rr, ans->n, sizeof(*ans->rr), rr_cmp);
	}
out:
	free(buf);
	res_nclose(&rs);
	if (st != IPP_DNS_OK && st != IPP_DNS_NODATA)
		ipp_dns_answer_free(ans);
	else if (st == IPP_DNS_NODATA && ans->rr && ans->n == 0) {
		free(ans->rr);
		ans->rr = NULL;
	}
	if (st != IPP_DNS_OK && ans->min_ttl == 0)
		ans->min_ttl = NEGATIVE_TTL;
	return (st);
}

void
ipp_dns_answer_free(struct ipp_dns_answer *ans)
{
	size_t	i;

	for (i = 0; i < ans->n; i++)
		free(ans->rr[i].text);
	free(ans->rr);
	ans->rr = NULL;
	ans->n = 0;
}

const char *
ipp_dns_status_name(enum ipp_dns_status st)
{
	switch (st) {
	case IPP_DNS_OK: return ("ok");
	case IPP_DNS_NXDOMAIN: return ("nxdomain");
	case IPP_DNS_NODATA: return ("nodata");
	case IPP_DNS_TEMP: return ("temporary failure");
	case IPP_DNS_ERROR: return ("error");
	}
	return ("?");
}
