/* warmup_lease.c - blocks of warm-up capacity held in memory while
 * routing is busy (warmup_lease.h).  One entry per pool and ISP; an
 * entry is never freed before the whole cache, so a pointer to it stays
 * good without reference counts, and entries are few (pools x ISPs). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "log.h"
#include "warmup_lease.h"

#define LEASE_IPS	64		/* a larger pool is routed without blocks */
#define LEASE_SHARE	32		/* a block is at most 1/32 of what is left */

struct entry {
	struct entry *next;
	pthread_mutex_t lock;
	char	pool[IPP_NAME_MAX + 1];
	char	isp[IPP_NAME_MAX + 1];
	size_t	nips;			/* of the blocks below; 0: none */
	char	ip[LEASE_IPS][INET6_ADDRSTRLEN];
	struct ipp_wu_state st[LEASE_IPS];	/* as stored when the blocks were taken */
	unsigned long held[LEASE_IPS];	/* taken and not handed out */
	long	day;			/* the day of the blocks and of `own` */
	double	taken;			/* ipp_monotonic_fine() then */
	unsigned long own;		/* routed from blocks, not in the day's history yet */
	long	sec;			/* lookups counted in second `sec`, and before */
	unsigned long cur, prev;
};

struct ipp_wu_leases {
	pthread_mutex_t lock;		/* the list; entries have their own */
	struct entry *head;
};

struct ipp_wu_leases *
ipp_wu_leases_new(void)
{
	struct ipp_wu_leases *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		free(l);
		return (NULL);
	}
	return (l);
}

void
ipp_wu_leases_free(struct ipp_wu_leases *l)
{
	struct entry *e;

	if (l == NULL)
		return;
	while ((e = l->head) != NULL) {
		l->head = e->next;
		(void) pthread_mutex_destroy(&e->lock);
		free(e);
	}
	(void) pthread_mutex_destroy(&l->lock);
	free(l);
}

static struct entry *
find(struct ipp_wu_leases *l, const char *pool, const char *isp, int create)
{
	struct entry *e;

	(void) pthread_mutex_lock(&l->lock);
	for (e = l->head; e; e = e->next)
		if (strcmp(e->pool, pool) == 0 && strcmp(e->isp, isp) == 0)
			break;
	if (e == NULL && create && strlen(pool) <= IPP_NAME_MAX && strlen(isp) <= IPP_NAME_MAX
	    && (e = calloc(1, sizeof(*e))) != NULL) {
		if (pthread_mutex_init(&e->lock, NULL) != 0) {
			free(e);
			e = NULL;
		} else {
			(void) strcpy(e->pool, pool);
			(void) strcpy(e->isp, isp);
			e->next = l->head;
			l->head = e;
		}
	}
	(void) pthread_mutex_unlock(&l->lock);
	return (e);
}

/* Entries are only ever added at the head: a walk from a snapshot of it
 * is safe without the list lock. */
static struct entry *
first(struct ipp_wu_leases *l)
{
	struct entry *head;

	(void) pthread_mutex_lock(&l->lock);
	head = l->head;
	(void) pthread_mutex_unlock(&l->lock);
	return (head);
}

/* With e locked: the units it holds. */
static unsigned long
held_units(const struct entry *e)
{
	unsigned long units = 0;
	size_t	i;

	for (i = 0; i < e->nips; i++)
		units += e->held[i];
	return (units);
}

static void
count_lookup(struct entry *e, double mono)
{
	long	s = (long) mono;

	if (s != e->sec) {
		e->prev = s == e->sec + 1 ? e->cur : 0;
		e->cur = 0;
		e->sec = s;
	}
	e->cur++;
}

/* The blocks were taken for these very IPs (a reload may have changed the pool). */
static int
same_ips(const struct entry *e, const struct ipp_pool *pool)
{
	size_t	i;

	if (e->nips != pool->nips)
		return (0);
	for (i = 0; i < e->nips; i++)
		if (strcmp(e->ip[i], pool->ips[i].text) != 0)
			return (0);
	return (1);
}

/* With e locked: hand out a unit of a block when the pick allows it. */
static int
hand_out(struct entry *e, const struct ipp_config *cfg, const struct ipp_pool *pool,
    const struct ipp_isp *isp, time_t now, double mono, struct ipp_wu_decision *d)
{
	struct ipp_wu_state v[LEASE_IPS];
	size_t	i;
	long	pick;

	if (e->nips == 0 || e->day != ipp_day(now) || mono - e->taken > IPP_LEASE_LIFE
	    || !same_ips(e, pool))
		return (0);
	/* the states as if the units still held were not reserved: the pick
	 * is the one a transaction would make now (but for other hosts) */
	if (held_units(e) == 0)
		return (0);
	for (i = 0; i < e->nips; i++) {
		v[i] = e->st[i];
		v[i].reserved -= e->held[i];
	}
	if ((pick = ipp_wu_pick(cfg, pool, isp, v, now)) < 0 || e->held[pick] == 0)
		return (0);
	e->held[pick]--;
	e->own++;
	memset(d, 0, sizeof(*d));
	d->kind = IPP_WU_ROUTE;
	d->pool = pool;
	d->ip = (size_t) pick;
	return (1);
}

int
ipp_wu_lease_try(struct ipp_wu_leases *l, const struct ipp_config *cfg,
    const struct ipp_pool *pool, const struct ipp_isp *isp, time_t now,
    struct ipp_wu_decision *d)
{
	struct entry *e;
	double	mono;
	int	hit;

	if (l == NULL || (e = find(l, pool->name, isp->name, 0)) == NULL
	    || pthread_mutex_trylock(&e->lock) != 0)
		return (0);
	mono = ipp_monotonic_fine();
	if ((hit = hand_out(e, cfg, pool, isp, now, mono, d)) != 0)
		count_lookup(e, mono);
	(void) pthread_mutex_unlock(&e->lock);
	return (hit);
}

/* What a refresh transaction reads from the entry and makes for it. */
struct refresh {
	const struct entry *e;
	const struct ipp_config *cfg;
	const struct ipp_pool *pool;	/* NULL: give back only (a sweep) */
	const struct ipp_isp *isp;
	time_t	now;
	unsigned long want;		/* units per IP to take; 0: none */
	struct ipp_wu_decision *d;
	struct ipp_wu_state st[LEASE_IPS];
	unsigned long held[LEASE_IPS];
};

/* Give back the entry's blocks and write its history. */
static int
give_back(struct ipp_txn *txn, const struct entry *e)
{
	size_t	i;
	int	rc;

	for (i = 0; i < e->nips; i++)
		if (e->held[i] > 0
		    && (rc = ipp_wu_txn_release(txn, e->ip[i], e->isp, e->day, e->held[i])) < 0)
			return (rc);
	if (e->own > 0)
		return (ipp_day_txn_route(txn, e->day, e->pool, e->isp, IPP_DAY_OWN, e->own));
	return (IPP_OK);
}

/* Take a block of each IP of the pool that has enough left. */
static int
take(struct ipp_txn *txn, struct refresh *r)
{
	struct ipp_wu_io io;
	unsigned long left, k;
	long	today = ipp_day(r->now);
	size_t	i;
	int	rc;

	ipp_wu_txn_io(&io, txn);
	for (i = 0; i < r->pool->nips; i++) {
		/* the transaction reads its own writes: the route's unit is in */
		if ((rc = io.load(io.ctx, &r->pool->ips[i], r->isp, today, &r->st[i])) < 0)
			return (rc);
		ipp_wu_roll(r->cfg, r->isp, &r->st[i], today);
		left = ipp_wu_left(r->cfg, r->pool, r->isp, &r->st[i], r->now);
		k = left == IPP_WU_UNLIMITED ? r->want
		    : left / LEASE_SHARE < r->want ? left / LEASE_SHARE : r->want;
		if (k < 2)
			continue;
		r->st[i].reserved += k;
		r->st[i].last_active = r->st[i].day;
		if ((rc = io.save(io.ctx, &r->pool->ips[i], r->isp, &r->st[i])) < 0)
			return (rc);
		r->held[i] = k;
	}
	return (IPP_OK);
}

static int
refresh_body(struct ipp_txn *txn, void *arg)
{
	struct refresh *r = arg;
	int	rc;

	/* a transaction that runs again starts from the entry unchanged */
	memset(r->held, 0, sizeof(r->held));
	if ((rc = give_back(txn, r->e)) < 0 || r->pool == NULL)
		return (rc);
	if ((rc = ipp_wu_txn_route(txn, r->cfg, r->pool, r->isp, r->now, r->d)) < 0)
		return (rc);
	if (r->want == 0 || r->d->kind != IPP_WU_ROUTE || r->pool->nips > LEASE_IPS)
		return (IPP_OK);
	return (take(txn, r));
}

/* After a committed refresh: the entry holds what it made. */
static void
install(struct entry *e, const struct refresh *r, double mono)
{
	size_t	i;

	e->own = 0;
	e->nips = 0;
	if (r->pool == NULL || r->pool->nips > LEASE_IPS)
		return;
	for (i = 0; i < r->pool->nips; i++) {
		(void) snprintf(e->ip[i], sizeof(e->ip[i]), "%s", r->pool->ips[i].text);
		e->st[i] = r->st[i];
		e->held[i] = r->held[i];
		if (r->held[i] > 0)
			e->nips = r->pool->nips;
	}
	e->day = ipp_day(r->now);
	e->taken = mono;
}

int
ipp_wu_lease_route(struct ipp_wu_leases *l, struct ipp_store *store,
    const struct ipp_config *cfg, const struct ipp_pool *pool, const struct ipp_isp *isp,
    time_t now, struct ipp_wu_decision *d)
{
	struct refresh *r;
	struct entry *e;
	double	mono;
	int	rc;

	if (l == NULL || (e = find(l, pool->name, isp->name, 1)) == NULL)
		return (ipp_wu_store_route(store, cfg, pool, isp, now, d));
	(void) pthread_mutex_lock(&e->lock);
	mono = ipp_monotonic_fine();
	count_lookup(e, mono);
	/* another thread may have refreshed the blocks while this one waited */
	if (hand_out(e, cfg, pool, isp, now, mono, d)) {
		(void) pthread_mutex_unlock(&e->lock);
		return (IPP_OK);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		(void) pthread_mutex_unlock(&e->lock);
		return (IPP_ERR);
	}
	r->e = e;
	r->cfg = cfg;
	r->pool = pool;
	r->isp = isp;
	r->now = now;
	r->d = d;
	/* a block lasts about an eighth of a second at the rate of the last one */
	r->want = e->prev < IPP_LEASE_MIN_RATE ? 0
	    : e->prev / 8 < IPP_LEASE_MAX ? e->prev / 8 : IPP_LEASE_MAX;
	if ((rc = ipp_store_run(store, refresh_body, r)) == IPP_OK)
		install(e, r, mono);
	(void) pthread_mutex_unlock(&e->lock);
	free(r);
	return (rc);
}

long
ipp_wu_leases_sweep(struct ipp_wu_leases *l, struct ipp_store *store, int all)
{
	struct refresh r;
	struct entry *e;
	unsigned long units;
	long	given = 0;
	double	mono = ipp_monotonic_fine();
	int	rc, failed = 0;

	if (l == NULL)
		return (0);
	for (e = first(l); e; e = e->next) {
		(void) pthread_mutex_lock(&e->lock);
		units = held_units(e);
		if ((units > 0 || e->own > 0) && (all || mono - e->taken > IPP_LEASE_LIFE)) {
			memset(&r, 0, sizeof(r));
			r.e = e;
			if ((rc = ipp_store_run(store, refresh_body, &r)) == IPP_OK) {
				install(e, &r, mono);
				given += (long) units;
			} else {
				failed = rc;
			}
		}
		(void) pthread_mutex_unlock(&e->lock);
	}
	return (failed < 0 ? failed : given);
}

unsigned long
ipp_wu_leases_held(struct ipp_wu_leases *l)
{
	struct entry *e;
	unsigned long units = 0;

	if (l == NULL)
		return (0);
	for (e = first(l); e; e = e->next) {
		(void) pthread_mutex_lock(&e->lock);
		units += held_units(e);
		(void) pthread_mutex_unlock(&e->lock);
	}
	return (units);
}
