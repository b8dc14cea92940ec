/* test_bounceguard.c - the per-sender-domain bounce-rate guard on the
 * store, one table of cases: counts of deliveries and hard bounces, then
 * the status at a time under given bounce_min and bounce_block: the
 * minimum volume, the threshold (reached, not only passed), the rolling
 * 24 hours to the hour, and a resume starting the counts afresh. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"
#include "tap.h"
#include "tstore.h"

#define H	3600L
#define T0	((time_t) 1767268800)		/* 2026-01-01 12:00 UTC, an hour's start */
#define MAXEV	6

/* AT seconds after T0: count SENT and BOUNCED; RESUME instead: a resume */
struct event {
	long	at;
	unsigned sent, bounced;
	int	resume;
};

struct guard_case {
	const char *name;
	unsigned min;			/* bounce_min */
	unsigned long block;		/* bounce_block, ppm */
	struct event ev[MAXEV];
	long	check_at;
	unsigned long want_sent, want_bounced, want_ppm;
	int	want_paused;
};

#define EV(at, s, b)	{ at, s, b, 0 }
#define RESUME(at)	{ at, 0, 0, 1 }

static const struct guard_case cases[] = {
	{ "below bounce_min: never paused, even at 100%", 10, 80000,
	    { EV(0, 0, 9) }, 60, 0, 9, 1000000, 0 },
	{ "at bounce_min and above bounce_block: paused", 10, 80000,
	    { EV(0, 9, 1) }, 60, 9, 1, 100000, 1 },
	{ "one message short of bounce_min: not paused", 10, 80000,
	    { EV(0, 8, 1) }, 60, 8, 1, 111111, 0 },
	{ "exactly at bounce_block: paused", 100, 80000,
	    { EV(0, 92, 8) }, 60, 92, 8, 80000, 1 },
	{ "just below bounce_block: not paused", 100, 80000,
	    { EV(0, 9201, 799) }, 60, 9201, 799, 79900, 0 },
	{ "no bounces: rate 0", 1, 1,
	    { EV(0, 500, 0) }, 60, 500, 0, 0, 0 },
	{ "counts of several hours add up", 10, 80000,
	    { EV(0, 5, 0), EV(H, 3, 1), EV(5 * H + 59, 1, 1) }, 6 * H, 9, 2, 181818, 1 },
	{ "the last second of the 24th hour still counts", 10, 80000,
	    { EV(1800, 9, 1) }, 24 * H - 1, 9, 1, 100000, 1 },
	{ "the next hour no longer does", 10, 80000,
	    { EV(1800, 9, 1) }, 24 * H, 0, 0, 0, 0 },
	{ "only the last 24 hours count", 10, 80000,
	    { EV(0, 0, 10), EV(23 * H, 10, 0) }, 24 * H, 10, 0, 0, 0 },
	{ "a slot reused a day later starts afresh", 10, 80000,
	    { EV(0, 0, 10), EV(24 * H, 10, 0) }, 24 * H, 10, 0, 0, 0 },
	{ "an event older than its slot's counts is dropped", 10, 80000,
	    { EV(24 * H, 10, 0), EV(0, 0, 10) }, 24 * H, 10, 0, 0, 0 },
	{ "resume starts afresh: paused no longer", 10, 80000,
	    { EV(0, 0, 20), RESUME(100) }, 200, 0, 0, 0, 0 },
	{ "events from before a resume do not count", 10, 80000,
	    { EV(0, 0, 20), RESUME(100), EV(50, 0, 20), EV(150, 9, 1) }, 200, 9, 1, 100000, 1 },
	{ "an event at the resume's second counts", 1, 500000,
	    { RESUME(100), EV(100, 0, 1) }, 200, 0, 1, 1000000, 1 },
	{ "a domain without counts: nothing", 1, 1,
	    { { 0, 0, 0, 0 } }, 60, 0, 0, 0, 0 },
};

struct count_arg {
	const char *domain;
	time_t	when;
	unsigned sent, bounced;
};

static int
count_body(struct ipp_txn *txn, void *arg)
{
	struct count_arg *ca = arg;

	return (ipp_guard_txn_count(txn, ca->domain, ca->when, ca->sent, ca->bounced));
}

static int
count_cb(const struct ipp_guard_status *gs, void *arg)
{
	(void) gs;
	(*(int *) arg)++;
	return (IPP_SCAN_NEXT);
}

int
main(void)
{
	struct ipp_config *cfg, c;
	struct ipp_store *st;
	struct ipp_guard_status gs;
	char	domain[64], rate[32];
	size_t	ci, i;
	int	rc, seen = 0;

	st = tstore_open("guard", "[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n", &cfg);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct guard_case *g = &cases[ci];

		(void) snprintf(domain, sizeof(domain), "case%zu.example", ci);
		rc = IPP_OK;
		for (i = 0; i < MAXEV && rc == IPP_OK
		    && (g->ev[i].sent || g->ev[i].bounced || g->ev[i].resume); i++) {
			if (g->ev[i].resume) {
				rc = ipp_guard_resume(st, domain, T0 + g->ev[i].at);
			} else {
				struct count_arg ca = { domain, T0 + g->ev[i].at, g->ev[i].sent,
				    g->ev[i].bounced };

				rc = ipp_store_run(st, count_body, &ca);
			}
		}
		is_int(rc, IPP_OK, "%s: counted", g->name);
		/* the thresholds are all evaluate() reads: a copy with the case's */
		c = *cfg;
		c.bounce_min = g->min;
		c.bounce_block_ppm = g->block;
		rc = ipp_guard_check(st, &c, domain, T0 + g->check_at, &gs);
		ok(rc == IPP_OK && gs.sent == g->want_sent && gs.bounced == g->want_bounced
		    && gs.rate_ppm == g->want_ppm && gs.paused == g->want_paused,
		    "%s: %lu sent, %lu bounced, %lu ppm, %s", g->name, g->want_sent,
		    g->want_bounced, g->want_ppm, g->want_paused ? "paused" : "not paused");
		if (rc != IPP_OK || gs.sent != g->want_sent || gs.bounced != g->want_bounced
		    || gs.rate_ppm != g->want_ppm || gs.paused != g->want_paused)
			(void) printf("#   got rc %d: %lu sent, %lu bounced, %lu ppm, paused %d\n",
			    rc, gs.sent, gs.bounced, gs.rate_ppm, gs.paused);
	}

	/* the config's defaults: bounce_min 100, bounce_block 8% */
	is_int(cfg->bounce_min, 100, "default bounce_min");
	is_int(cfg->bounce_block_ppm, 80000, "default bounce_block (8%%)");
	ok(ipp_guard_check(st, cfg, "case1.example", T0 + 60, &gs) == IPP_OK && !gs.paused,
	    "10 messages at 10%% under the defaults: not paused (below bounce_min)");
	ok(ipp_guard_check(st, cfg, "case3.example", T0 + 60, &gs) == IPP_OK && gs.paused,
	    "100 messages at 8%% under the defaults: paused");
	ok(gs.resumed == 0 && strcmp(gs.domain, "case3.example") == 0,
	    "  status names the domain; never resumed");
	ok(ipp_guard_check(st, cfg, "case12.example", T0 + 200, &gs) == IPP_OK
	    && gs.resumed == T0 + 100, "status gives the resume time");

	/* every domain with counts is listed */
	is_int(ipp_guard_scan(st, cfg, T0 + 60, count_cb, &seen), IPP_OK, "scan");
	is_int(seen, (int) (sizeof(cases) / sizeof(cases[0])) - 1,
	    "  lists every domain with a record");

	ipp_guard_fmt_rate(82600, rate, sizeof(rate));
	is_str(rate, "8.26%", "rate format");
	ipp_guard_fmt_rate(1000000, rate, sizeof(rate));
	is_str(rate, "100.00%", "rate format: 100%%");

	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
