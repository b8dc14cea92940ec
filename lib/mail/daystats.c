/* daystats.c - the daily history records of daystats.h in the stats
 * table: counters as "name=N" text, one record per (day, IP, ISP) and per
 * (day, pool, ISP), written inside the transaction of the line or the
 * routing decision they count, so they are exact as those are. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "warmup.h"

#define KEY_MAX	160
#define VAL_MAX	256

/* Parse "n1=V n2=V ..." with exactly the names given, in order; "-" is
 * -1 where allowed (allow_dash names the one field that may be "-"). */
static int
parse_fields(const void *buf, size_t len, const char *const *names, size_t n,
    int allow_dash, unsigned long long *v)
{
	char	text[VAL_MAX], *tok, *save, *end;
	size_t	i = 0, nl;

	if (len >= sizeof(text))
		return (-1);
	(void) memcpy(text, buf, len);
	text[len] = '\0';
	for (tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
		if (i >= n)
			return (-1);
		nl = strlen(names[i]);
		if (strncmp(tok, names[i], nl) != 0 || tok[nl] != '=')
			return (-1);
		tok += nl + 1;
		if ((int) i == allow_dash && strcmp(tok, "-") == 0) {
			v[i] = IPP_WU_UNLIMITED;
			continue;
		}
		if (*tok < '0' || *tok > '9')
			return (-1);
		errno = 0;
		v[i] = strtoull(tok, &end, 10);
		if (errno != 0 || *end != '\0' || v[i] >= IPP_WU_UNLIMITED)
			return (-1);
	}
	return (i == n ? 0 : -1);
}

static const char *const ip_names[] = { "sent", "deferred", "bounced", "complained",
	"level", "cap" };
static const char *const route_names[] = { "own", "spilled", "waited" };

int
ipp_day_ip_encode(const struct ipp_day_ip *d, char *buf, size_t len)
{
	char	cap[32];
	int	n;

	if (d->cap == IPP_WU_UNLIMITED)
		(void) strcpy(cap, "-");
	else
		(void) snprintf(cap, sizeof(cap), "%lu", d->cap);
	n = snprintf(buf, len, "sent=%lu deferred=%lu bounced=%lu complained=%lu level=%u cap=%s",
	    d->sent, d->deferred, d->bounced, d->complained, d->level, cap);
	return (n > 0 && (size_t) n < len ? n : -1);
}

int
ipp_day_ip_decode(const void *buf, size_t len, struct ipp_day_ip *d)
{
	unsigned long long v[6];

	if (parse_fields(buf, len, ip_names, 6, 5, v) != 0 || v[4] > 1000000)
		return (-1);
	d->sent = (unsigned long) v[0];
	d->deferred = (unsigned long) v[1];
	d->bounced = (unsigned long) v[2];
	d->complained = (unsigned long) v[3];
	d->level = (unsigned) v[4];
	d->cap = (unsigned long) v[5];
	return (0);
}

int
ipp_day_route_encode(const struct ipp_day_route *d, char *buf, size_t len)
{
	int	n = snprintf(buf, len, "own=%lu spilled=%lu waited=%lu", d->own, d->spilled,
	    d->waited);

	return (n > 0 && (size_t) n < len ? n : -1);
}

int
ipp_day_route_decode(const void *buf, size_t len, struct ipp_day_route *d)
{
	unsigned long long v[3];

	if (parse_fields(buf, len, route_names, 3, -1, v) != 0)
		return (-1);
	d->own = (unsigned long) v[0];
	d->spilled = (unsigned long) v[1];
	d->waited = (unsigned long) v[2];
	return (0);
}

static int
make_key(char kind, long day, const char *a, const char *b, char *key, size_t len)
{
	int	n;

	if (day < 0 || day > 99999999)
		return (-1);
	n = snprintf(key, len, "%c|%08ld|%s|%s", kind, day, a, b);
	return (n > 0 && (size_t) n < len ? n : -1);
}

/* Read a record for update; *found says whether there was a good one. */
static int
get_rmw(struct ipp_txn *txn, const char *key, size_t klen, char *val, size_t *vlen)
{
	struct ipp_buf v = { NULL, 0 };
	int	rc;

	*vlen = 0;
	rc = ipp_txn_get(txn, IPP_T_STATS, key, klen, &v, IPP_GET_RMW);
	if (rc == IPP_OK && v.len < VAL_MAX) {
		(void) memcpy(val, v.data, v.len);
		*vlen = v.len;
	}
	free(v.data);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_day_txn_result(struct ipp_txn *txn, long day, const char *ip, const char *isp,
    enum ipp_day_result what, unsigned level, unsigned long cap)
{
	struct ipp_day_ip d;
	char	key[KEY_MAX], val[VAL_MAX];
	size_t	vlen;
	int	klen, rc;

	if ((klen = make_key('d', day, ip, isp, key, sizeof(key))) < 0)
		return (IPP_OK);	/* cannot be a configured IP and ISP */
	if ((rc = get_rmw(txn, key, (size_t) klen, val, &vlen)) < 0)
		return (rc);
	memset(&d, 0, sizeof(d));
	/* a damaged record starts the day's counts over rather than stop ingest */
	if (vlen == 0 || ipp_day_ip_decode(val, vlen, &d) != 0) {
		memset(&d, 0, sizeof(d));
		d.cap = IPP_WU_UNLIMITED;
	}
	switch (what) {
	case IPP_DAY_SENT:
		d.sent++;
		break;
	case IPP_DAY_DEFERRED:
		d.deferred++;
		break;
	case IPP_DAY_BOUNCED:
		d.bounced++;
		break;
	case IPP_DAY_COMPLAINED:
		d.complained++;
		break;
	}
	if (level != IPP_DAY_NOLEVEL) {
		d.level = level;
		d.cap = cap;
	}
	if ((rc = ipp_day_ip_encode(&d, val, sizeof(val))) < 0)
		return (IPP_ERR);
	return (ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, val, (size_t) rc));
}

int
ipp_day_txn_route(struct ipp_txn *txn, long day, const char *pool, const char *isp,
    enum ipp_day_route_kind kind, unsigned long n)
{
	struct ipp_day_route d;
	char	key[KEY_MAX], val[VAL_MAX];
	size_t	vlen;
	int	klen, rc;

	if ((klen = make_key('r', day, pool, isp, key, sizeof(key))) < 0)
		return (IPP_OK);
	if ((rc = get_rmw(txn, key, (size_t) klen, val, &vlen)) < 0)
		return (rc);
	memset(&d, 0, sizeof(d));
	if (vlen == 0 || ipp_day_route_decode(val, vlen, &d) != 0)
		memset(&d, 0, sizeof(d));
	if (n == 0)
		return (IPP_OK);
	if (kind == IPP_DAY_OWN)
		d.own += n;
	else if (kind == IPP_DAY_SPILLED)
		d.spilled += n;
	else
		d.waited += n;
	if ((rc = ipp_day_route_encode(&d, val, sizeof(val))) < 0)
		return (IPP_ERR);
	return (ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, val, (size_t) rc));
}

/* --- reading ------------------------------------------------------------- */

struct collect {
	long	first, last;
	struct ipp_day_ip *ips;
	size_t	nips, capips;
	struct ipp_day_route *routes;
	size_t	nroutes, caproutes;
};

static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void   *g;

	if (n < *cap)
		return (arr);
	if ((g = realloc(arr, (*cap ? *cap * 2 : 64) * size)) == NULL)
		return (NULL);
	*cap = *cap ? *cap * 2 : 64;
	return (g);
}

/* Split "K|DAY|A|B" into its day and the two names; -1 if malformed. */
static int
split_key(const char *k, size_t kl, long *day, char *a, size_t alen, char *b, size_t blen)
{
	char	buf[KEY_MAX], *p, *q, *end;

	if (kl < 12 || kl >= sizeof(buf))
		return (-1);
	(void) memcpy(buf, k, kl);
	buf[kl] = '\0';
	*day = strtol(buf + 2, &end, 10);
	if (end != buf + 10 || *end != '|')
		return (-1);
	p = end + 1;
	/* the name after the last '|' is the ISP; an IPv6 address has no '|' */
	if ((q = strrchr(p, '|')) == NULL || (size_t) (q - p) >= alen || strlen(q + 1) >= blen
	    || q == p || q[1] == '\0')
		return (-1);
	(void) memcpy(a, p, (size_t) (q - p));
	a[q - p] = '\0';
	(void) strcpy(b, q + 1);
	return (0);
}

static int
collect_ip_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct collect *c = arg;
	struct ipp_day_ip d;
	void   *g;

	memset(&d, 0, sizeof(d));
	if (split_key(k, kl, &d.day, d.ip, sizeof(d.ip), d.isp, sizeof(d.isp)) != 0)
		return (IPP_SCAN_NEXT);
	if (d.day > c->last)
		return (IPP_SCAN_STOP);
	if (d.day < c->first || ipp_day_ip_decode(v, vl, &d) != 0)
		return (IPP_SCAN_NEXT);
	if ((g = grow(c->ips, &c->capips, c->nips, sizeof(d))) == NULL)
		return (IPP_ERR);
	c->ips = g;
	c->ips[c->nips++] = d;
	return (IPP_SCAN_NEXT);
}

static int
collect_route_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct collect *c = arg;
	struct ipp_day_route d;
	void   *g;

	memset(&d, 0, sizeof(d));
	if (split_key(k, kl, &d.day, d.pool, sizeof(d.pool), d.isp, sizeof(d.isp)) != 0)
		return (IPP_SCAN_NEXT);
	if (d.day > c->last)
		return (IPP_SCAN_STOP);
	if (d.day < c->first || ipp_day_route_decode(v, vl, &d) != 0)
		return (IPP_SCAN_NEXT);
	if ((g = grow(c->routes, &c->caproutes, c->nroutes, sizeof(d))) == NULL)
		return (IPP_ERR);
	c->routes = g;
	c->routes[c->nroutes++] = d;
	return (IPP_SCAN_NEXT);
}

int
ipp_day_collect(struct ipp_store *store, long first, long last,
    struct ipp_day_ip **ips, size_t *nips, struct ipp_day_route **routes, size_t *nroutes)
{
	struct collect c;
	int	rc;

	memset(&c, 0, sizeof(c));
	c.first = first;
	c.last = last;
	if ((rc = ipp_store_scan(store, IPP_T_STATS, "d|", 2, collect_ip_cb, &c)) < 0
	    || (rc = ipp_store_scan(store, IPP_T_STATS, "r|", 2, collect_route_cb, &c)) < 0) {
		free(c.ips);
		free(c.routes);
		return (rc);
	}
	*ips = c.ips;
	*nips = c.nips;
	*routes = c.routes;
	*nroutes = c.nroutes;
	return (IPP_OK);
}

static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	long	cutoff = *(const long *) arg, day;
	char	digits[9];

	(void) v;
	(void) vl;
	if (kl < 10)
		return (IPP_SCAN_DELETE);	/* not ours: a broken key */
	(void) memcpy(digits, (const char *) k + 2, 8);
	digits[8] = '\0';
	day = atol(digits);
	/* keys sort by day: the first recent one ends the scan */
	return (day >= cutoff ? IPP_SCAN_STOP : IPP_SCAN_DELETE);
}

int
ipp_day_purge(struct ipp_store *store, time_t now)
{
	long	cutoff = ipp_day(now) - IPP_DAY_KEEP;
	int	rc;

	if ((rc = ipp_store_scan(store, IPP_T_STATS, "d|", 2, purge_cb, &cutoff)) < 0)
		return (rc);
	return (ipp_store_scan(store, IPP_T_STATS, "r|", 2, purge_cb, &cutoff));
}
