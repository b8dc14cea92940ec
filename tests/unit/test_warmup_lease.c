/* test_warmup_lease.c - warm-up capacity held in blocks (warmup_lease.h)
 * on a real Berkeley DB store, from 4 threads routing as ippool-policyd
 * does (the non-blocking try first, then the transaction): a quiet pool
 * takes no blocks; a busy one is answered mostly from memory, yet routes
 * exactly its capacity and then defers; what is held is counted as
 * reserved in the store and goes back at a sweep; a process that dies
 * holding blocks leaves them reserved, so no other one can route more
 * than the capacity. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "store.h"
#include "tap.h"
#include "warmup.h"
#include "warmup_lease.h"

#define THREADS	4

#define bail(...) do { (void) printf("Bail out! "); (void) printf(__VA_ARGS__); \
	(void) printf("\n"); exit(99); } while (0)
#define diag(...) do { (void) printf("# "); (void) printf(__VA_ARGS__); \
	(void) printf("\n"); } while (0)

struct run {
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct ipp_wu_leases *l;
	const char *pool, *isp;
	double	until;			/* monotonic: stop then, or at the first deferral */
	long	limit;			/* lookups per thread at most; 0: no limit */
	/* results, under lock */
	pthread_mutex_t lock;
	long	routed[4], deferred, hits, errors;
};

static void *
worker(void *arg)
{
	struct run *r = arg;
	const struct ipp_pool *pool = ipp_config_pool(r->cfg, r->pool);
	const struct ipp_isp *isp = ipp_config_isp(r->cfg, r->isp);
	struct ipp_wu_decision d;
	long	n, hit;
	int	rc;

	for (n = 0; r->limit == 0 || n < r->limit; n++) {
		if (r->limit == 0 && ipp_monotonic_fine() > r->until)
			break;
		hit = ipp_wu_lease_try(r->l, r->cfg, pool, isp, ipp_now(), &d);
		rc = hit ? IPP_OK : ipp_wu_lease_route(r->l, r->st, r->cfg, pool, isp,
		    ipp_now(), &d);
		(void) pthread_mutex_lock(&r->lock);
		if (rc != IPP_OK)
			r->errors++;
		else if (d.kind == IPP_WU_ROUTE && d.ip < 4)
			r->routed[d.ip]++;
		else
			r->deferred++;
		r->hits += hit;
		(void) pthread_mutex_unlock(&r->lock);
		if (rc == IPP_OK && d.kind == IPP_WU_DEFER && r->limit == 0)
			break;
	}
	return (NULL);
}

static void
run(struct run *r, double secs, long limit)
{
	pthread_t t[THREADS];
	int	i;

	memset(r->routed, 0, sizeof(r->routed));
	r->deferred = r->hits = r->errors = 0;
	r->until = ipp_monotonic_fine() + secs;
	r->limit = limit;
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, r) != 0)
			bail("pthread_create");
	for (i = 0; i < THREADS; i++)
		(void) pthread_join(t[i], NULL);
}

/* "reserved" of IP at ISP as stored. */
static long
stored_reserved(struct ipp_config *cfg, struct ipp_store *st, const char *pool,
    size_t ip, const char *isp)
{
	struct ipp_wu_row *rows;
	size_t	n, i;
	long	v = -1;

	if (ipp_wu_store_snapshot(st, cfg, ipp_now(), &rows, &n) != IPP_OK)
		return (-2);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].pool->name, pool) == 0 && rows[i].ip == ip
		    && strcmp(rows[i].isp->name, isp) == 0)
			v = (long) rows[i].st.reserved;
	free(rows);
	return (v);
}

int
main(void)
{
	struct run r;
	char	conf[1024], err[512];
	const char *f;
	long	held;

	if (ipp_clock_init(err, sizeof(err)) != 0)
		bail("%s", err);
	(void) snprintf(conf, sizeof(conf),
	    "[store]\npath = %s/store\n"
	    "[pool big]\nips = 192.0.2.1 192.0.2.2\nmode = standard\n"
	    "[pool tx]\nips = 192.0.2.3 192.0.2.4\n"
	    "[isp yahoo]\ndomains = yahoo.com\nschedule = 100000000\n"
	    "[warmup]\nschedule = 50000 100000\n", tap_tmpdir());
	f = tap_write("lease.conf", conf);
	memset(&r, 0, sizeof(r));
	(void) pthread_mutex_init(&r.lock, NULL);
	if ((r.cfg = ipp_config_load(f, stderr)) == NULL)
		bail("config");
	if ((r.st = ipp_store_open(r.cfg, err, sizeof(err))) == NULL)
		bail("store: %s", err);
	if ((r.l = ipp_wu_leases_new()) == NULL)
		bail("leases");

	/* quiet: 12 lookups, nothing held, every unit reserved one by one */
	r.pool = "tx";
	r.isp = "others";
	run(&r, 0, 3);
	is_int(r.routed[0] + r.routed[1], 12, "quiet: 12 lookups from 4 threads, 12 routed");
	is_int(r.hits, 0, "  none from memory");
	is_int((long) ipp_wu_leases_held(r.l), 0, "  nothing held");
	is_int(stored_reserved(r.cfg, r.st, "tx", 0, "others")
	    + stored_reserved(r.cfg, r.st, "tx", 1, "others"), 12, "  12 reserved in the store");

	/* busy, standard pool: most lookups from memory; the store's count
	 * covers what was routed and what is held, and a sweep gives back */
	r.pool = "big";
	r.isp = "gmail";
	run(&r, 3.5, 0);
	diag("standard pool: %ld routed in 3.5 s, %ld from memory, %ld errors",
	    r.routed[0] + r.routed[1], r.hits, r.errors);
	is_int(r.errors, 0, "busy standard pool: no store error");
	ok(r.hits * 2 > r.routed[0] + r.routed[1], "  most lookups answered from memory");
	held = (long) ipp_wu_leases_held(r.l);
	is_int(stored_reserved(r.cfg, r.st, "big", 0, "gmail")
	    + stored_reserved(r.cfg, r.st, "big", 1, "gmail"),
	    r.routed[0] + r.routed[1] + held, "  the store reserves what was routed and what is held");
	ok(r.routed[0] > 0 && r.routed[1] > 0
	    && labs(r.routed[0] - r.routed[1]) <= 2 * IPP_LEASE_MAX + 2, "  the two IPs evenly used");
	ok(ipp_wu_leases_sweep(r.l, r.st, 1) == held, "  a sweep gives back the %ld held", held);
	is_int((long) ipp_wu_leases_held(r.l), 0, "  nothing held after it");
	is_int(stored_reserved(r.cfg, r.st, "big", 0, "gmail")
	    + stored_reserved(r.cfg, r.st, "big", 1, "gmail"),
	    r.routed[0] + r.routed[1], "  the store reserves exactly what was routed");

	/* busy, managed pool on day 1 (50000 a day per IP): exactly the
	 * capacity routed, then deferral; nothing held is left unused.
	 * Blocks are taken from the second after the rate is first seen:
	 * one second of transactions cannot spend that capacity here. */
	r.pool = "tx";
	r.isp = "gmail";
	run(&r, 30, 0);
	diag("managed pool: %ld + %ld routed, %ld from memory", r.routed[0], r.routed[1], r.hits);
	is_int(r.errors, 0, "busy managed pool: no store error");
	is_int(r.routed[0], 50000, "  IP 1 routed exactly its day-1 capacity");
	is_int(r.routed[1], 50000, "  IP 2 too");
	ok(r.hits > 25000, "  most of it from memory (%ld)", r.hits);
	is_int(r.deferred, THREADS, "  then every thread is told to wait");
	is_int(stored_reserved(r.cfg, r.st, "tx", 0, "gmail"), 50000, "  the store: 50000 reserved at IP 1");
	(void) ipp_wu_leases_sweep(r.l, r.st, 1);

	/* a process that dies holding blocks: they stay reserved for the day */
	r.isp = "yahoo";
	run(&r, 1.5, 0);
	held = (long) ipp_wu_leases_held(r.l);
	ok(held > 0, "a busy process holds %ld units at yahoo", held);
	ipp_wu_leases_free(r.l);	/* dies: no sweep */
	is_int(stored_reserved(r.cfg, r.st, "tx", 0, "yahoo")
	    + stored_reserved(r.cfg, r.st, "tx", 1, "yahoo"), r.routed[0] + r.routed[1] + held,
	    "  it dies: the store still counts what it routed and what it held, for the day");
	ipp_store_close(r.st);
	ipp_config_free(r.cfg);
	return (done_testing());
}
