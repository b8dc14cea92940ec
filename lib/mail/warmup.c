/* warmup.c - the warm-up rules, and their records in the store's warm-up
 * table ("IP|ISP" -> "level=N day=D sent=N reserved=N limit=N|- pause=T
 * active=D").  See warmup.h for the model and ippool-policyd(8) for the
 * rules as administrators read them. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "log.h"
#include "warmup.h"

#define KEY_MAX (INET6_ADDRSTRLEN + IPP_NAME_MAX + 2)

void
ipp_wu_fresh(struct ipp_wu_state *st, long today)
{
	memset(st, 0, sizeof(*st));
	st->level = 1;
	st->day = today;
	st->limit = IPP_WU_UNLIMITED;
	st->last_active = -1;
}

int
ipp_wu_encode(const struct ipp_wu_state *st, char *buf, size_t len)
{
	char	limit[32];
	int	n;

	if (st->limit == IPP_WU_UNLIMITED)
		(void) strcpy(limit, "-");
	else
		(void) snprintf(limit, sizeof(limit), "%lu", st->limit);
	n = snprintf(buf, len, "level=%u day=%ld sent=%lu reserved=%lu limit=%s pause=%lld active=%ld",
	    st->level, st->day, st->sent, st->reserved, limit, (long long) st->pause_until,
	    st->last_active);
	return (n > 0 && (size_t) n < len ? n : -1);
}

/* One "name=number" token of a record; "-" stands for "none". */
static int
field(const char *tok, const char *name, long long min, long long *out)
{
	size_t	n = strlen(name);
	char   *end;

	if (strncmp(tok, name, n) != 0 || tok[n] != '=')
		return (-1);
	tok += n + 1;
	if (strcmp(tok, "-") == 0) {
		*out = -1;
		return (min < 0 ? 0 : -1);
	}
	errno = 0;
	*out = strtoll(tok, &end, 10);
	if (errno != 0 || end == tok || *end != '\0' || *out < min)
		return (-1);
	return (0);
}

int
ipp_wu_decode(const void *buf, size_t len, struct ipp_wu_state *st)
{
	static const char *names[] = { "level", "day", "sent", "reserved", "limit",
	    "pause", "active" };
	static const long long mins[] = { 1, 0, 0, 0, -1, 0, -1 };
	long long v[7];
	char	text[256], *tok, *save;
	size_t	i = 0;

	if (len >= sizeof(text))
		return (-1);
	(void) memcpy(text, buf, len);
	text[len] = '\0';
	for (tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (i >= 7 || field(tok, names[i], mins[i], &v[i]) != 0)
			return (-1);
		i++;
	}
	if (i != 7 || v[0] > 1000000)
		return (-1);
	st->level = (unsigned) v[0];
	st->day = (long) v[1];
	st->sent = (unsigned long) v[2];
	st->reserved = (unsigned long) v[3];
	st->limit = v[4] < 0 ? IPP_WU_UNLIMITED : (unsigned long) v[4];
	st->pause_until = (time_t) v[5];
	st->last_active = (long) v[6];
	return (0);
}

const unsigned long *
ipp_wu_schedule(const struct ipp_config *cfg, const struct ipp_isp *isp, size_t *n)
{
	if (isp != NULL && isp->schedule != NULL) {
		*n = isp->nschedule;
		return (isp->schedule);
	}
	*n = cfg->nschedule;
	return (cfg->schedule);
}

unsigned long
ipp_wu_schedule_cap(const struct ipp_config *cfg, const struct ipp_isp *isp,
    unsigned level)
{
	const unsigned long *s;
	size_t	n;

	s = ipp_wu_schedule(cfg, isp, &n);
	if (level == 0)
		level = 1;
	return (level <= n ? s[level - 1] : IPP_WU_UNLIMITED);
}

unsigned long
ipp_wu_used(const struct ipp_wu_state *st)
{
	return (st->sent + st->reserved);
}

void
ipp_wu_roll(const struct ipp_config *cfg, const struct ipp_isp *isp,
    struct ipp_wu_state *st, long today)
{
	unsigned long long idle, loss;
	unsigned long cap, used = ipp_wu_used(st);
	unsigned level = st->level ? st->level : 1;
	size_t	n;
	int	active;

	/* a day in the future was written under another clock: keep it */
	if (st->day >= today)
		return;
	(void) ipp_wu_schedule(cfg, isp, &n);
	active = used > 0 || st->last_active == st->day;
	if (used > 0) {
		/* the day counts if at least half its (schedule) capacity was used */
		cap = ipp_wu_schedule_cap(cfg, isp, level);
		if ((cap == IPP_WU_UNLIMITED || (unsigned long long) used * 2 >= cap)
		    && level <= n)
			level++;
		st->last_active = st->day;
	}
	/* each idle day loses idle_decay warm-up days, down to day 1 */
	idle = (unsigned long long) (today - st->day - 1) + (active ? 0 : 1);
	loss = idle * cfg->idle_decay;
	level = loss >= level ? 1 : level - (unsigned) loss;
	st->level = level;
	st->day = today;
	st->sent = st->reserved = 0;
	st->limit = IPP_WU_UNLIMITED;
}

unsigned long
ipp_wu_capacity(const struct ipp_config *cfg, const struct ipp_pool *pool,
    const struct ipp_isp *isp, const struct ipp_wu_state *st)
{
	unsigned long cap;

	if (!pool->managed)
		return (IPP_WU_UNLIMITED);
	cap = ipp_wu_schedule_cap(cfg, isp, st->level);
	return (st->limit < cap ? st->limit : cap);
}

int
ipp_wu_paused(const struct ipp_pool *pool, const struct ipp_wu_state *st, time_t now)
{
	return (pool->managed && st->pause_until > now);
}

unsigned long
ipp_wu_left(const struct ipp_config *cfg, const struct ipp_pool *pool,
    const struct ipp_isp *isp, const struct ipp_wu_state *st, time_t now)
{
	unsigned long cap = ipp_wu_capacity(cfg, pool, isp, st), used = ipp_wu_used(st);

	if (ipp_wu_paused(pool, st, now))
		return (0);
	if (cap == IPP_WU_UNLIMITED)
		return (IPP_WU_UNLIMITED);
	return (used >= cap ? 0 : cap - used);
}

time_t
ipp_wu_next_day(time_t now)
{
	return ((time_t) (ipp_day(now) + 1) * 86400);
}

/* --- choosing an IP ---------------------------------------------------------- */

static int
load_pool(const struct ipp_config *cfg, const struct ipp_wu_io *io,
    const struct ipp_pool *pool, const struct ipp_isp *isp, long today,
    struct ipp_wu_state *st)
{
	size_t	i;
	int	rc;

	for (i = 0; i < pool->nips; i++) {
		if ((rc = io->load(io->ctx, &pool->ips[i], isp, today, &st[i])) < 0)
			return (rc);
		ipp_wu_roll(cfg, isp, &st[i], today);
	}
	return (IPP_OK);
}

long
ipp_wu_pick(const struct ipp_config *cfg, const struct ipp_pool *pool,
    const struct ipp_isp *isp, const struct ipp_wu_state *st, time_t now)
{
	long	best = -1;
	size_t	i, n;
	unsigned lvl, blvl = 0;

	(void) ipp_wu_schedule(cfg, isp, &n);
	for (i = 0; i < pool->nips; i++) {
		if (ipp_wu_left(cfg, pool, isp, &st[i], now) == 0)
			continue;
		/* every IP past the schedule is equally warm */
		lvl = !pool->managed ? 1 : st[i].level > n ? (unsigned) n + 1 : st[i].level;
		if (best < 0 || lvl > blvl
		    || (lvl == blvl && ipp_wu_used(&st[i]) < ipp_wu_used(&st[best]))) {
			best = (long) i;
			blvl = lvl;
		}
	}
	return (best);
}

/* When some IP of the pool has capacity again: the end of a pause, or the next day. */
static time_t
capacity_returns(const struct ipp_config *cfg, const struct ipp_pool *pool,
    const struct ipp_isp *isp, const struct ipp_wu_state *st, time_t now)
{
	time_t	until = ipp_wu_next_day(now);
	unsigned long cap;
	size_t	i;

	for (i = 0; i < pool->nips; i++) {
		cap = ipp_wu_capacity(cfg, pool, isp, &st[i]);
		if (ipp_wu_paused(pool, &st[i], now) && st[i].pause_until < until
		    && (cap == IPP_WU_UNLIMITED || ipp_wu_used(&st[i]) < cap))
			until = st[i].pause_until;
	}
	return (until);
}

static int
reserve(const struct ipp_wu_io *io, const struct ipp_pool *pool, size_t ip,
    const struct ipp_isp *isp, struct ipp_wu_state *st)
{
	st->reserved++;
	st->last_active = st->day;
	return (io->save(io->ctx, &pool->ips[ip], isp, st));
}

static int
route(const struct ipp_config *cfg, const struct ipp_wu_io *io,
    const struct ipp_pool *pool, const struct ipp_isp *isp, time_t now,
    struct ipp_wu_decision *d, struct ipp_wu_state *st, struct ipp_wu_state *sst)
{
	const struct ipp_pool *spill = pool->spill;
	long	today = ipp_day(now), i;
	unsigned maxlevel = 0;
	size_t	k;
	int	rc;

	if ((rc = load_pool(cfg, io, pool, isp, today, st)) < 0)
		return (rc);
	if ((i = ipp_wu_pick(cfg, pool, isp, st, now)) >= 0) {
		d->kind = IPP_WU_ROUTE;
		d->pool = pool;
		d->ip = (size_t) i;
		return (reserve(io, pool, (size_t) i, isp, &st[i]));
	}
	d->kind = IPP_WU_DEFER;
	d->pool = pool;
	d->until = capacity_returns(cfg, pool, isp, st, now);
	/* spill over while the pool is young: its warmest IP is within spill_days */
	for (k = 0; k < pool->nips; k++)
		if (st[k].level > maxlevel)
			maxlevel = st[k].level;
	if (spill == NULL || maxlevel > cfg->spill_days)
		return (IPP_OK);
	if ((rc = load_pool(cfg, io, spill, isp, today, sst)) < 0)
		return (rc);
	if ((i = ipp_wu_pick(cfg, spill, isp, sst, now)) < 0)
		return (IPP_OK);
	d->kind = IPP_WU_SPILL;
	d->pool = spill;
	d->ip = (size_t) i;
	d->until = 0;
	return (reserve(io, spill, (size_t) i, isp, &sst[i]));
}

int
ipp_wu_route(const struct ipp_config *cfg, const struct ipp_wu_io *io,
    const struct ipp_pool *pool, const struct ipp_isp *isp, time_t now,
    struct ipp_wu_decision *d)
{
	struct ipp_wu_state *st, *sst = NULL;
	int	rc;

	memset(d, 0, sizeof(*d));
	if (pool->nips == 0)
		return (IPP_ERR);
	if ((st = calloc(pool->nips, sizeof(*st))) == NULL
	    || (pool->spill && (sst = calloc(pool->spill->nips, sizeof(*sst))) == NULL)) {
		free(st);
		return (IPP_ERR);
	}
	rc = route(cfg, io, pool, isp, now, d, st, sst);
	free(st);
	free(sst);
	return (rc);
}

/* --- settlement and backoff ---------------------------------------------------- */

/*
 * Patterns match case-insensitively anywhere in the text, but not inside
 * a word or number: "421" matches "said: 421-4.7.0" but not "14213";
 * "rate limit" matches "rate limited" (a pattern may end a word early,
 * not a number).
 */
int
ipp_wu_backoff_match(const struct ipp_config *cfg, const char *text)
{
	size_t	i, n, tlen = strlen(text), k;
	const char *p;

	for (i = 0; cfg->backoff && cfg->backoff[i]; i++) {
		p = cfg->backoff[i];
		n = strlen(p);
		if (n == 0 || n > tlen)
			continue;
		for (k = 0; k + n <= tlen; k++) {
			if (strncasecmp(text + k, p, n) != 0)
				continue;
			if (isalnum((unsigned char) p[0]) && k > 0
			    && isalnum((unsigned char) text[k - 1]))
				continue;
			if (isdigit((unsigned char) p[n - 1]) && isdigit((unsigned char) text[k + n]))
				continue;
			return (1);
		}
	}
	return (0);
}

int
ipp_wu_settle(const struct ipp_config *cfg, const struct ipp_wu_io *io,
    const struct ipp_pool *pool, size_t ip, const struct ipp_isp *isp,
    enum ipp_wu_outcome outcome, const char *text, time_t when, time_t now,
    int *backoff)
{
	struct ipp_wu_state st;
	unsigned long cap;
	long	today = ipp_day(now);
	int	rc, same_day;

	*backoff = 0;
	if (ip >= pool->nips)
		return (IPP_ERR);
	if ((rc = io->load(io->ctx, &pool->ips[ip], isp, today, &st)) < 0)
		return (rc);
	ipp_wu_roll(cfg, isp, &st, today);
	/* a line of an earlier day settles nothing: that day is judged already */
	same_day = ipp_day(when) == st.day;
	if (same_day) {
		if (st.reserved > 0)
			st.reserved--;
		if (outcome == IPP_WU_DELIVERED) {
			st.sent++;
			st.last_active = st.day;
		}
	}
	if (outcome == IPP_WU_DEFERRED && pool->managed && text != NULL
	    && ipp_wu_backoff_match(cfg, text) && when + cfg->pause > now
	    && st.pause_until <= when) {
		/* one backoff per pause: a burst of deferrals halves once */
		if (same_day) {
			cap = ipp_wu_capacity(cfg, pool, isp, &st);
			if (cap == IPP_WU_UNLIMITED)
				cap = ipp_wu_used(&st) ? ipp_wu_used(&st) : 1;
			st.limit = cap / 2;
		}
		st.pause_until = when + cfg->pause;
		*backoff = 1;
	}
	return (io->save(io->ctx, &pool->ips[ip], isp, &st));
}

/* --- the store ------------------------------------------------------------- */

static int
make_key(const char *ip, const char *isp, char *key, size_t len)
{
	int	n = snprintf(key, len, "%s|%s", ip, isp);

	return (n > 0 && (size_t) n < len ? n : -1);
}

static struct ipp_log_limit bad_record = IPP_LOG_LIMIT_INIT;

static int
txn_load(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp, long today,
    struct ipp_wu_state *st)
{
	struct ipp_buf v = { NULL, 0 };
	char	key[KEY_MAX];
	int	klen, rc;

	if ((klen = make_key(ip->text, isp->name, key, sizeof(key))) < 0)
		return (IPP_ERR);
	rc = ipp_txn_get(ctx, IPP_T_WARMUP, key, (size_t) klen, &v, IPP_GET_RMW);
	if (rc == IPP_OK && ipp_wu_decode(v.data, v.len, st) != 0) {
		/* a damaged record must not stop routing: start that IP over */
		msg_warn_limited(&bad_record, 60,
		    "warm-up record %s is damaged; treating the IP as new at that ISP", key);
		ipp_wu_fresh(st, today);
	} else if (rc == IPP_NOTFOUND) {
		ipp_wu_fresh(st, today);
		rc = IPP_OK;
	}
	free(v.data);
	return (rc);
}

static int
txn_save(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp,
    const struct ipp_wu_state *st)
{
	char	key[KEY_MAX], val[256];
	int	klen, vlen;

	if ((klen = make_key(ip->text, isp->name, key, sizeof(key))) < 0
	    || (vlen = ipp_wu_encode(st, val, sizeof(val))) < 0)
		return (IPP_ERR);
	return (ipp_txn_put(ctx, IPP_T_WARMUP, key, (size_t) klen, val, (size_t) vlen));
}

int
ipp_wu_txn_release(struct ipp_txn *txn, const char *ip, const char *isp, long day,
    unsigned long n)
{
	struct ipp_buf v = { NULL, 0 };
	struct ipp_wu_state st;
	char	key[KEY_MAX], val[256];
	int	klen, vlen, rc;

	if ((klen = make_key(ip, isp, key, sizeof(key))) < 0)
		return (IPP_ERR);
	rc = ipp_txn_get(txn, IPP_T_WARMUP, key, (size_t) klen, &v, IPP_GET_RMW);
	if (rc == IPP_NOTFOUND)
		return (IPP_OK);
	if (rc == IPP_OK && ipp_wu_decode(v.data, v.len, &st) != 0)
		rc = IPP_NOTFOUND;		/* txn_load starts it over */
	free(v.data);
	if (rc != IPP_OK)
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	/* another day's counters started from 0: nothing of ours is in them */
	if (st.day != day || n == 0)
		return (IPP_OK);
	st.reserved = st.reserved > n ? st.reserved - n : 0;
	if ((vlen = ipp_wu_encode(&st, val, sizeof(val))) < 0)
		return (IPP_ERR);
	return (ipp_txn_put(txn, IPP_T_WARMUP, key, (size_t) klen, val, (size_t) vlen));
}

void
ipp_wu_txn_io(struct ipp_wu_io *io, struct ipp_txn *txn)
{
	io->load = txn_load;
	io->save = txn_save;
	io->ctx = txn;
}

struct route_job {
	const struct ipp_config *cfg;
	const struct ipp_pool *pool;
	const struct ipp_isp *isp;
	time_t	now;
	struct ipp_wu_decision *d;
};

int
ipp_wu_txn_route(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_pool *pool, const struct ipp_isp *isp, time_t now,
    struct ipp_wu_decision *d)
{
	struct ipp_wu_io io;
	int	rc;

	ipp_wu_txn_io(&io, txn);
	if ((rc = ipp_wu_route(cfg, &io, pool, isp, now, d)) < 0)
		return (rc);
	/* the day's history of where the pool's mail went (daystats.h) */
	return (ipp_day_txn_route(txn, ipp_day(now), pool->name, isp->name,
	    d->kind == IPP_WU_ROUTE ? IPP_DAY_OWN : d->kind == IPP_WU_SPILL
	    ? IPP_DAY_SPILLED : IPP_DAY_WAITED, 1));
}

static int
route_body(struct ipp_txn *txn, void *arg)
{
	struct route_job *j = arg;

	return (ipp_wu_txn_route(txn, j->cfg, j->pool, j->isp, j->now, j->d));
}

int
ipp_wu_store_route(struct ipp_store *store, const struct ipp_config *cfg,
    const struct ipp_pool *pool, const struct ipp_isp *isp, time_t now,
    struct ipp_wu_decision *d)
{
	struct route_job j = { cfg, pool, isp, now, d };

	return (ipp_store_run(store, route_body, &j));
}

/* Read every record in a scan, then match configured triples.  Not a
 * snapshot of one moment (store.h): a record routing changes meanwhile may
 * show its old or new state, which is good enough for a report. */
struct rec {
	char	key[KEY_MAX];
	struct ipp_wu_state st;
};

struct collect {
	struct rec *recs;
	size_t	n, cap;
};

static int
collect_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct collect *c = arg;
	struct rec *g;

	if (kl >= KEY_MAX)
		return (IPP_SCAN_NEXT);
	if (c->n == c->cap) {
		size_t	ncap = c->cap ? c->cap * 2 : 64;

		if ((g = realloc(c->recs, ncap * sizeof(*g))) == NULL)
			return (IPP_ERR);
		c->recs = g;
		c->cap = ncap;
	}
	if (ipp_wu_decode(v, vl, &c->recs[c->n].st) != 0)
		return (IPP_SCAN_NEXT);
	(void) memcpy(c->recs[c->n].key, k, kl);
	c->recs[c->n].key[kl] = '\0';
	c->n++;
	return (IPP_SCAN_NEXT);
}

static int
rec_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct rec *) a)->key, ((const struct rec *) b)->key));
}

int
ipp_wu_store_snapshot(struct ipp_store *store, const struct ipp_config *cfg,
    time_t now, struct ipp_wu_row **rowsp, size_t *nrowsp)
{
	struct collect c = { NULL, 0, 0 };
	struct ipp_wu_row *rows;
	struct rec probe, *hit;
	size_t	n = 0, total = 0, p, i, s;
	long	today = ipp_day(now);
	int	rc;

	if ((rc = ipp_store_scan(store, IPP_T_WARMUP, "", 0, collect_cb, &c)) < 0) {
		free(c.recs);
		return (rc);
	}
	if (c.n)
		qsort(c.recs, c.n, sizeof(*c.recs), rec_cmp);
	for (p = 0; p < cfg->npools; p++)
		total += cfg->pools[p].nips * cfg->nisps;
	if ((rows = calloc(total ? total : 1, sizeof(*rows))) == NULL) {
		free(c.recs);
		return (IPP_ERR);
	}
	for (p = 0; p < cfg->npools; p++)
		for (i = 0; i < cfg->pools[p].nips; i++)
			for (s = 0; s < cfg->nisps; s++) {
				struct ipp_wu_row *r = &rows[n++];

				r->pool = &cfg->pools[p];
				r->ip = i;
				r->isp = &cfg->isps[s];
				hit = NULL;
				if (c.n && make_key(r->pool->ips[i].text, r->isp->name, probe.key,
				    sizeof(probe.key)) >= 0)
					hit = bsearch(&probe, c.recs, c.n, sizeof(*c.recs), rec_cmp);
				if (hit) {
					r->st = hit->st;
					r->stored = 1;
				} else {
					ipp_wu_fresh(&r->st, today);
				}
				ipp_wu_roll(cfg, r->isp, &r->st, today);
			}
	free(c.recs);
	*rowsp = rows;
	*nrowsp = n;
	return (IPP_OK);
}

struct set_job {
	const struct ipp_config *cfg;
	const struct ipp_ip *ip;
	const struct ipp_isp *isp;
	unsigned level;
	time_t	now;
};

static int
set_body(struct ipp_txn *txn, void *arg)
{
	struct set_job *j = arg;
	struct ipp_wu_state st;
	long	today = ipp_day(j->now);
	int	rc;

	if ((rc = txn_load(txn, j->ip, j->isp, today, &st)) < 0)
		return (rc);
	ipp_wu_roll(j->cfg, j->isp, &st, today);
	st.level = j->level;
	/* today counts as active: an imported IP does not decay overnight */
	st.last_active = today;
	return (txn_save(txn, j->ip, j->isp, &st));
}

int
ipp_wu_store_set(struct ipp_store *store, const struct ipp_config *cfg,
    const struct ipp_ip *ip, const struct ipp_isp *isp, unsigned level, time_t now)
{
	struct set_job j = { cfg, ip, isp, level ? level : 1, now };

	return (ipp_store_run(store, set_body, &j));
}

struct reset_arg {
	const char *isp;
	long	removed;
};

static int
reset_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct reset_arg *ra = arg;
	const char *bar;
	size_t	n;

	(void) v;
	(void) vl;
	if (ra->isp != NULL) {
		n = strlen(ra->isp);
		bar = memchr(k, '|', kl);
		if (bar == NULL || (size_t) ((const char *) k + kl - bar - 1) != n
		    || memcmp(bar + 1, ra->isp, n) != 0)
			return (IPP_SCAN_NEXT);
	}
	ra->removed++;
	return (IPP_SCAN_DELETE);
}

long
ipp_wu_store_reset(struct ipp_store *store, const char *ip, const char *isp)
{
	struct reset_arg ra = { isp, 0 };
	char	prefix[KEY_MAX];
	int	rc, plen = 0;

	if (ip != NULL && (plen = snprintf(prefix, sizeof(prefix), "%s|", ip)) >= (int) sizeof(prefix))
		return (IPP_ERR);
	rc = ipp_store_scan(store, IPP_T_WARMUP, ip ? prefix : "", ip ? (size_t) plen : 0,
	    reset_cb, &ra);
	return (rc < 0 ? rc : ra.removed);
}
