/* bounceguard.c - one record per sender domain in the stats table,
 * "g|DOMAIN": the resume time and 24 hourly slots (hour, sent, bounced,
 * complaints), so the milter's check at MAIL FROM is a single read.  The
 * same records count per pool under "p|POOL".  Records written before
 * complaints were counted (slots without them) read as 0 complaints. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"

#define SLOT_SIZE 20			/* hour (8), sent (4), bounced (4), complaints (4) */
#define REC_SIZE (8 + IPP_GUARD_HOURS * SLOT_SIZE)
#define OLD_SLOT_SIZE 16		/* without complaints */
#define OLD_REC_SIZE (8 + IPP_GUARD_HOURS * OLD_SLOT_SIZE)

struct slot {
	int64_t	hour;			/* hours since the epoch */
	uint32_t sent, bounced, complaints;
};

struct guard_rec {
	int64_t	resumed;
	struct slot s[IPP_GUARD_HOURS];
};

static void
put(unsigned char *p, uint64_t v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

static uint64_t
get(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int	i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

static void
rec_encode(const struct guard_rec *r, unsigned char *buf)
{
	int	i;

	put(buf, (uint64_t) r->resumed, 8);
	for (i = 0; i < IPP_GUARD_HOURS; i++) {
		unsigned char *p = buf + 8 + i * SLOT_SIZE;

		put(p, (uint64_t) r->s[i].hour, 8);
		put(p + 8, r->s[i].sent, 4);
		put(p + 12, r->s[i].bounced, 4);
		put(p + 16, r->s[i].complaints, 4);
	}
}

static int
rec_decode(const struct ipp_buf *v, struct guard_rec *r)
{
	const unsigned char *buf = v->data;
	int	i, size;

	memset(r, 0, sizeof(*r));
	if (v->len == REC_SIZE)
		size = SLOT_SIZE;
	else if (v->len == OLD_REC_SIZE)
		size = OLD_SLOT_SIZE;
	else
		return (-1);
	r->resumed = (int64_t) get(buf, 8);
	for (i = 0; i < IPP_GUARD_HOURS; i++) {
		const unsigned char *p = buf + 8 + i * size;

		r->s[i].hour = (int64_t) get(p, 8);
		r->s[i].sent = (uint32_t) get(p + 8, 4);
		r->s[i].bounced = (uint32_t) get(p + 12, 4);
		if (size == SLOT_SIZE)
			r->s[i].complaints = (uint32_t) get(p + 16, 4);
	}
	return (0);
}

static int
make_key(const char *domain, char *key, size_t len)
{
	int	n = snprintf(key, len, "g|%s", domain);

	return (n > 0 && (size_t) n < len ? n : -1);
}

static int
pool_key(const char *pool, char *key, size_t len)
{
	int	n = snprintf(key, len, "p|%s", pool);

	return (n > 0 && (size_t) n < len ? n : -1);
}

static void
evaluate(const struct guard_rec *r, const struct ipp_config *cfg, time_t now,
    struct ipp_guard_status *st)
{
	int64_t	cur = now / 3600;
	unsigned long long total, base;
	int	i;

	st->sent = st->bounced = st->complaints = 0;
	for (i = 0; i < IPP_GUARD_HOURS; i++)
		if (r->s[i].hour > cur - IPP_GUARD_HOURS && r->s[i].hour <= cur) {
			st->sent += r->s[i].sent;
			st->bounced += r->s[i].bounced;
			st->complaints += r->s[i].complaints;
		}
	total = (unsigned long long) st->sent + st->bounced;
	st->rate_ppm = total ? (unsigned long) (st->bounced * 1000000ULL / total) : 0;
	/* complaints are about delivered mail; without the log's deliveries
	 * (no ingest) the complaints themselves are the volume seen */
	base = st->sent > st->complaints ? st->sent : st->complaints;
	st->complaint_ppm = base ? (unsigned long) (st->complaints * 1000000ULL / base) : 0;
	st->resumed = (time_t) r->resumed;
	st->paused_bounces = total >= cfg->bounce_min && st->rate_ppm >= cfg->bounce_block_ppm;
	st->paused_complaints = base >= cfg->complaint_min
	    && st->complaint_ppm >= cfg->complaint_block_ppm;
	st->paused = st->paused_bounces || st->paused_complaints;
}

static int
count_key(struct ipp_txn *txn, const char *key, int klen, time_t when,
    unsigned sent, unsigned bounced, unsigned complaints)
{
	struct ipp_buf v = { NULL, 0 };
	struct guard_rec r;
	unsigned char buf[REC_SIZE];
	int64_t	hour = when / 3600;
	struct slot *s;
	int	rc;

	if (klen < 0)
		return (IPP_OK);
	rc = ipp_txn_get(txn, IPP_T_STATS, key, (size_t) klen, &v, IPP_GET_RMW);
	if (rc < 0 && rc != IPP_NOTFOUND) {
		free(v.data);
		return (rc);
	}
	if (rc == IPP_NOTFOUND || rec_decode(&v, &r) != 0)
		memset(&r, 0, sizeof(r));
	free(v.data);
	/* events from before a resume do not count against the domain */
	if ((int64_t) when < r.resumed)
		return (IPP_OK);
	s = &r.s[hour % IPP_GUARD_HOURS];
	if (s->hour != hour) {
		if (s->hour > hour)
			return (IPP_OK);	/* older than the window */
		s->hour = hour;
		s->sent = s->bounced = s->complaints = 0;
	}
	s->sent += sent;
	s->bounced += bounced;
	s->complaints += complaints;
	rec_encode(&r, buf);
	return (ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, buf, sizeof(buf)));
}

int
ipp_guard_txn_count(struct ipp_txn *txn, const char *domain, time_t when,
    unsigned sent, unsigned bounced)
{
	return (ipp_guard_txn_add(txn, domain, NULL, when, sent, bounced, 0));
}

int
ipp_guard_txn_add(struct ipp_txn *txn, const char *domain, const char *pool, time_t when,
    unsigned sent, unsigned bounced, unsigned complaints)
{
	char	key[300];
	int	rc;

	if (domain != NULL && *domain != '\0'
	    && (rc = count_key(txn, key, make_key(domain, key, sizeof(key)), when,
	    sent, bounced, complaints)) < 0)
		return (rc);
	if (pool != NULL && *pool != '\0')
		return (count_key(txn, key, pool_key(pool, key, sizeof(key)), when,
		    sent, bounced, complaints));
	return (IPP_OK);
}

struct check_arg {
	const char *domain;
	struct guard_rec r;
	int	found;
	int	resume;
	time_t	now;
};

static int
check_body(struct ipp_txn *txn, void *arg)
{
	struct check_arg *ca = arg;
	struct ipp_buf v = { NULL, 0 };
	unsigned char buf[REC_SIZE];
	char	key[300];
	int	klen, rc;

	ca->found = 0;
	if ((klen = make_key(ca->domain, key, sizeof(key))) < 0)
		return (IPP_OK);
	if (ca->resume) {
		memset(&ca->r, 0, sizeof(ca->r));
		ca->r.resumed = ca->now;
		rec_encode(&ca->r, buf);
		return (ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, buf, sizeof(buf)));
	}
	rc = ipp_txn_get(txn, IPP_T_STATS, key, (size_t) klen, &v, 0);
	if (rc == IPP_OK && rec_decode(&v, &ca->r) == 0)
		ca->found = 1;
	free(v.data);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_guard_check(struct ipp_store *st, const struct ipp_config *cfg, const char *domain,
    time_t now, struct ipp_guard_status *out)
{
	struct check_arg ca;
	int	rc;

	memset(&ca, 0, sizeof(ca));
	memset(out, 0, sizeof(*out));
	(void) snprintf(out->domain, sizeof(out->domain), "%s", domain);
	ca.domain = domain;
	if ((rc = ipp_store_run(st, check_body, &ca)) < 0)
		return (rc);
	if (ca.found)
		evaluate(&ca.r, cfg, now, out);
	return (IPP_OK);
}

int
ipp_guard_resume(struct ipp_store *st, const char *domain, time_t now)
{
	struct check_arg ca;

	memset(&ca, 0, sizeof(ca));
	ca.domain = domain;
	ca.resume = 1;
	ca.now = now;
	return (ipp_store_run(st, check_body, &ca));
}

struct scan_arg {
	const struct ipp_config *cfg;
	int	pools;
	time_t	now;
	int	(*cb)(const struct ipp_guard_status *, void *);
	void   *arg;
};

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_arg *sa = arg;
	struct ipp_buf b = { (void *) v, vl };
	struct ipp_guard_status st;
	struct guard_rec r;

	if (kl < 3 || kl - 2 >= sizeof(st.domain) || rec_decode(&b, &r) != 0)
		return (IPP_SCAN_NEXT);
	memset(&st, 0, sizeof(st));
	(void) memcpy(st.domain, (const char *) k + 2, kl - 2);
	st.domain[kl - 2] = '\0';
	evaluate(&r, sa->cfg, sa->now, &st);
	return (sa->cb(&st, sa->arg));
}

int
ipp_guard_scan(struct ipp_store *st, const struct ipp_config *cfg, time_t now,
    int (*cb)(const struct ipp_guard_status *, void *), void *arg)
{
	struct scan_arg sa = { cfg, 0, now, cb, arg };

	return (ipp_store_scan(st, IPP_T_STATS, "g|", 2, scan_cb, &sa));
}

int
ipp_guard_scan_pools(struct ipp_store *st, const struct ipp_config *cfg, time_t now,
    int (*cb)(const struct ipp_guard_status *, void *), void *arg)
{
	struct scan_arg sa = { cfg, 1, now, cb, arg };

	return (ipp_store_scan(st, IPP_T_STATS, "p|", 2, scan_cb, &sa));
}

void
ipp_guard_fmt_rate(unsigned long ppm, char *buf, size_t len)
{
	(void) snprintf(buf, len, "%lu.%02lu%%", ppm / 10000, (ppm % 10000) / 100);
}
