/* test_warmup.c - the warm-up rules on states in memory (schedule,
 * capacity, the half-capacity rule, idle decay, warmest first, even
 * spread, spill vs defer by warm-up day, pause and backoff, settlement),
 * then the same engine on the store: reservations across processes and a
 * day rollover seen by processes started with IPPOOL_NOW. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "ingest.h"
#include "store.h"
#include "tap.h"
#include "warmup.h"

#define DAY	86400L
#define T0	((time_t) 20000 * DAY)		/* 2024-10-04 00:00 UTC */
#define NOON(d)	(T0 + (time_t) (d) * DAY + 12 * 3600)

/* --- states in memory ---------------------------------------------------------- */

struct mem {
	struct {
		char	key[128];
		struct ipp_wu_state st;
	} rec[64];
	int	n;
};

static int
mem_find(struct mem *m, const struct ipp_ip *ip, const struct ipp_isp *isp)
{
	char	key[128];
	int	i;

	(void) snprintf(key, sizeof(key), "%s|%s", ip->text, isp->name);
	for (i = 0; i < m->n; i++)
		if (strcmp(m->rec[i].key, key) == 0)
			return (i);
	return (-1);
}

static int
mem_load(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp, long today,
    struct ipp_wu_state *st)
{
	int	i = mem_find(ctx, ip, isp);

	if (i < 0)
		ipp_wu_fresh(st, today);
	else
		*st = ((struct mem *) ctx)->rec[i].st;
	return (IPP_OK);
}

static int
mem_save(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp,
    const struct ipp_wu_state *st)
{
	struct mem *m = ctx;
	int	i = mem_find(m, ip, isp);

	if (i < 0) {
		i = m->n++;
		(void) snprintf(m->rec[i].key, sizeof(m->rec[i].key), "%s|%s", ip->text, isp->name);
	}
	m->rec[i].st = *st;
	return (IPP_OK);
}

static struct mem mem;
static struct ipp_wu_io mio = { mem_load, mem_save, &mem };

static struct ipp_wu_state *
state(const struct ipp_pool *pool, size_t ip, const struct ipp_isp *isp)
{
	int	i = mem_find(&mem, &pool->ips[ip], isp);

	return (i < 0 ? NULL : &mem.rec[i].st);
}

/* Route n recipients; returns a string like "1 2 1 S D" (IP numbers, S spill, D defer). */
static const char *
route_n(const struct ipp_config *cfg, const char *pool, const char *isp, int n,
    time_t now, time_t *until)
{
	static char out[512];
	struct ipp_wu_decision d;
	size_t	off = 0;
	int	i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (ipp_wu_route(cfg, &mio, ipp_config_pool(cfg, pool), ipp_config_isp(cfg, isp),
		    now, &d) != IPP_OK)
			return ("error");
		if (d.kind == IPP_WU_ROUTE)
			off += (size_t) snprintf(out + off, sizeof(out) - off, "%s%zu", i ? " " : "",
			    d.ip + 1);
		else if (d.kind == IPP_WU_SPILL)
			off += (size_t) snprintf(out + off, sizeof(out) - off, "%sS%zu", i ? " " : "",
			    d.ip + 1);
		else {
			off += (size_t) snprintf(out + off, sizeof(out) - off, "%sD", i ? " " : "");
			if (until)
				*until = d.until;
		}
	}
	return (out);
}

static void
settle(const struct ipp_config *cfg, const char *pool, size_t ip, const char *isp,
    enum ipp_wu_outcome o, const char *text, time_t when, time_t now, int *backoff)
{
	int	b;

	(void) ipp_wu_settle(cfg, &mio, ipp_config_pool(cfg, pool), ip, ipp_config_isp(cfg, isp),
	    o, text, when, now, backoff ? backoff : &b);
}

static void
test_memory(const struct ipp_config *cfg)
{
	const struct ipp_pool *tx = ipp_config_pool(cfg, "tx"), *std = ipp_config_pool(cfg, "shared");
	const struct ipp_isp *gmail = ipp_config_isp(cfg, "gmail"), *yahoo = ipp_config_isp(cfg, "yahoo");
	struct ipp_wu_state st, st2;
	char	buf[256];
	time_t	until = 0;
	int	backoff;

	/* schedules */
	is_int(ipp_wu_schedule_cap(cfg, gmail, 1), 3, "gmail day 1: its own schedule, 3");
	is_int(ipp_wu_schedule_cap(cfg, gmail, 2), 6, "gmail day 2: 6");
	ok(ipp_wu_schedule_cap(cfg, gmail, 3) == IPP_WU_UNLIMITED, "gmail day 3: past the end, uncapped");
	is_int(ipp_wu_schedule_cap(cfg, yahoo, 1), 2, "yahoo: the [warmup] schedule, day 1: 2");
	is_int(ipp_wu_schedule_cap(cfg, yahoo, 4), 8, "yahoo day 4: 8");

	/* record text round trip */
	ipp_wu_fresh(&st, 20001);
	st.level = 4;
	st.sent = 7;
	st.reserved = 2;
	st.limit = 5;
	st.pause_until = 1234567;
	st.last_active = 20000;
	ok(ipp_wu_encode(&st, buf, sizeof(buf)) > 0, "encode");
	is_str(buf, "level=4 day=20001 sent=7 reserved=2 limit=5 pause=1234567 active=20000",
	    "  record text");
	ok(ipp_wu_decode(buf, strlen(buf), &st2) == 0 && st2.level == st.level
	    && st2.day == st.day && st2.sent == st.sent && st2.reserved == st.reserved
	    && st2.limit == st.limit && st2.pause_until == st.pause_until
	    && st2.last_active == st.last_active, "  decodes to the same state");
	ok(ipp_wu_decode("level=0 day=1", 13, &st2) != 0, "a damaged record is refused");
	ok(ipp_wu_decode("level=1 day=2 sent=x reserved=0 limit=- pause=0 active=-1", 57, &st2) != 0,
	    "  a bad number is refused");

	/* the half-capacity rule and decay */
	ipp_wu_fresh(&st, 20000);
	st.sent = 1;
	ipp_wu_roll(cfg, gmail, &st, 20001);
	is_int(st.level, 1, "day 1 with 1 of 3 sent: does not count");
	st.sent = 2;
	ipp_wu_roll(cfg, gmail, &st, 20002);
	is_int(st.level, 2, "day with 2 of 3 sent (half or more): counts, day 2");
	is_int(st.sent, 0, "  counters start again");
	st.reserved = 3;
	ipp_wu_roll(cfg, gmail, &st, 20003);
	is_int(st.level, 3, "reserved units count as used: day 3");
	st.sent = 100;
	ipp_wu_roll(cfg, gmail, &st, 20004);
	is_int(st.level, 3, "past the schedule the day stays at its end + 1");
	ipp_wu_roll(cfg, gmail, &st, 20005);
	is_int(st.level, 2, "one idle day: loses idle_decay (1) day");
	ipp_wu_roll(cfg, gmail, &st, 20008);
	is_int(st.level, 1, "three idle days more: down to day 1, never below");
	ipp_wu_fresh(&st, 20000);
	st.level = 8;
	st.last_active = 20000;
	ipp_wu_roll(cfg, yahoo, &st, 20001);
	is_int(st.level, 8, "a day marked active by warmup set, without traffic, is not idle");
	ipp_wu_roll(cfg, yahoo, &st, 20004);
	is_int(st.level, 5, "three idle days from day 8: day 5");
	ipp_wu_roll(cfg, yahoo, &st, 20004 + 400000);
	is_int(st.level, 1, "400000 idle days: day 1 (no overflow)");

	/* a fresh pool: even spread between equally cold IPs, then spillover */
	is_str(route_n(cfg, "tx", "gmail", 6, NOON(0), NULL), "1 2 1 2 1 2",
	    "tx at gmail, day 1: 2 IPs x 3, alternating");
	is_int(state(tx, 0, gmail)->reserved, 3, "  3 reserved on IP 1");
	is_str(route_n(cfg, "tx", "gmail", 3, NOON(0), NULL), "S1 S2 S1",
	    "  then the spillover pool (day 1 <= spill_days 2), spread evenly");
	is_int(state(std, 0, gmail)->reserved, 2, "  the spill IPs count them");
	is_str(route_n(cfg, "tx", "yahoo", 5, NOON(0), NULL), "1 2 1 2 S1",
	    "yahoo is counted on its own: 2 + 2, then spill");

	/* next day: day 1 counted (3 of 3) -> day 2, cap 6 each; still spilling */
	is_str(route_n(cfg, "tx", "gmail", 13, NOON(1), NULL), "1 2 1 2 1 2 1 2 1 2 1 2 S1",
	    "day 2 at gmail: 6 per IP, then spill (day 2 <= spill_days 2)");
	is_int(state(tx, 0, gmail)->level, 2, "  IP 1 is on warm-up day 2");

	/* day 3: past the schedule: uncapped */
	is_str(route_n(cfg, "tx", "gmail", 4, NOON(2), NULL), "1 2 1 2", "day 3 at gmail: uncapped");
	ok(ipp_wu_capacity(cfg, tx, gmail, state(tx, 0, gmail)) == IPP_WU_UNLIMITED,
	    "  capacity unlimited");

	/* yahoo day 2 (2 of 2 sent on day 1), day 3: 4 per IP; day 3 > spill_days: defer */
	is_str(route_n(cfg, "tx", "yahoo", 8, NOON(1), NULL), "1 2 1 2 1 2 1 2",
	    "yahoo day 2: 4 per IP");
	is_str(route_n(cfg, "tx", "yahoo", 13, NOON(2), &until), "1 2 1 2 1 2 1 2 1 2 1 2 D",
	    "yahoo day 3: 6 per IP, then deferred (day 3 > spill_days 2)");
	is_int(until, T0 + 3 * DAY, "  until the next 00:00 UTC");

	/* no spillover configured: defer even on day 1 */
	is_str(route_n(cfg, "solo", "gmail", 4, NOON(0), &until), "1 1 1 D",
	    "a pool without spillover defers on day 1");

	/* warmest first: an imported IP serves before a cold one */
	mem.n = 0;
	ipp_wu_fresh(&st, ipp_day(NOON(10)));
	st.level = 4;			/* [warmup] day 4: 8 */
	st.last_active = st.day;
	(void) mem_save(&mem, &tx->ips[1], yahoo, &st);
	is_str(route_n(cfg, "tx", "yahoo", 11, NOON(10), NULL), "2 2 2 2 2 2 2 2 1 1 D",
	    "warmest first: IP 2 (day 4, 8) before cold IP 1 (day 1, 2); then defer (day 4 > 2)");

	/* pause and backoff */
	mem.n = 0;
	is_str(route_n(cfg, "tx", "yahoo", 2, NOON(20), NULL), "1 2", "yahoo: one each");
	settle(cfg, "tx", 0, "yahoo", IPP_WU_DEFERRED,
	    "4.7.0 host mx said: 421-4.7.0 [192.0.2.1] Try again later", NOON(20) + 60, NOON(20) + 61,
	    &backoff);
	is_int(backoff, 1, "a 421 4.7.0 deferral is a backoff");
	is_int(state(tx, 0, yahoo)->reserved, 0, "  the deferral returned its unit");
	is_int(state(tx, 0, yahoo)->limit, 1, "  today's cap halved: 2 -> 1");
	is_int(state(tx, 0, yahoo)->pause_until, NOON(20) + 60 + 3600, "  paused for [warmup] pause (1h)");
	is_str(route_n(cfg, "tx", "yahoo", 2, NOON(20) + 120, NULL), "2 S1",
	    "paused IP 1 is skipped: IP 2, then spill");
	settle(cfg, "tx", 0, "yahoo", IPP_WU_DEFERRED, "4.7.0 said: 421 4.7.0 again",
	    NOON(20) + 200, NOON(20) + 201, &backoff);
	is_int(backoff, 0, "a second backoff during the pause changes nothing");
	is_int(state(tx, 0, yahoo)->limit, 1, "  cap still 1");
	is_str(route_n(cfg, "tx", "yahoo", 2, NOON(20) + 3600 + 61, NULL), "1 S2",
	    "after the pause: IP 1 has 1 left (halved cap), then spill");
	mem.n = 0;
	(void) route_n(cfg, "solo", "gmail", 1, NOON(30), NULL);
	settle(cfg, "solo", 0, "gmail", IPP_WU_DEFERRED, "4.7.28 said: 421 4.7.28 rate limited",
	    NOON(30), NOON(30), NULL);
	is_str(route_n(cfg, "solo", "gmail", 1, NOON(30) + 10, &until), "D",
	    "the only IP paused: deferred");
	is_int(until, NOON(30) + 3600, "  until the pause ends (it still has capacity)");
	settle(cfg, "solo", 0, "gmail", IPP_WU_DEFERRED,
	    "4.4.1 connect to mx: Connection timed out", NOON(30) + 4000, NOON(30) + 4000, &backoff);
	is_int(backoff, 0, "a connection timeout is no backoff");

	/* settlement */
	mem.n = 0;
	(void) route_n(cfg, "solo", "gmail", 2, NOON(40), NULL);
	settle(cfg, "solo", 0, "gmail", IPP_WU_DELIVERED, "2.0.0 ok", NOON(40), NOON(40), NULL);
	is_int(state(ipp_config_pool(cfg, "solo"), 0, gmail)->sent, 1, "a delivery is counted as sent");
	is_int(state(ipp_config_pool(cfg, "solo"), 0, gmail)->reserved, 1, "  and confirms a reserved unit");
	settle(cfg, "solo", 0, "gmail", IPP_WU_DEFERRED, "4.4.1 timeout", NOON(40), NOON(40), NULL);
	is_int(state(ipp_config_pool(cfg, "solo"), 0, gmail)->reserved, 0, "a deferral returns its unit");
	is_str(route_n(cfg, "solo", "gmail", 3, NOON(40), NULL), "1 1 D",
	    "the returned unit can be used again (1 sent + 2 = 3)");
	settle(cfg, "solo", 0, "gmail", IPP_WU_DELIVERED, "2.0.0 ok", NOON(39), NOON(40), NULL);
	is_int(state(ipp_config_pool(cfg, "solo"), 0, gmail)->sent, 1,
	    "a line of an earlier day changes nothing today");

	/* standard pools: no caps, even spread, no pause */
	mem.n = 0;
	is_str(route_n(cfg, "shared", "gmail", 5, NOON(50), NULL), "1 2 1 2 1",
	    "standard pool: even spread, uncapped");
	settle(cfg, "shared", 0, "gmail", IPP_WU_DEFERRED, "421 4.7.0 said: 421 4.7.0",
	    NOON(50), NOON(50), &backoff);
	is_int(backoff, 0, "standard pool: no backoff");

	/* backoff pattern boundaries */
	ok(ipp_wu_backoff_match(cfg, "said: 421-4.7.0 slow down"), "\"421-4.7.0\" matches");
	ok(ipp_wu_backoff_match(cfg, "said: 451 4.7.28 Our system has detected"), "4.7.28 matches");
	ok(!ipp_wu_backoff_match(cfg, "said: 4.7.280 nope"), "4.7.280 does not match 4.7.28");
	ok(!ipp_wu_backoff_match(cfg, "queue 14213 said 250"), "14213 does not match 421");
	ok(ipp_wu_backoff_match(cfg, "Too Many connections"), "\"too many\", any case");
	ok(ipp_wu_backoff_match(cfg, "you are rate limited"), "\"rate limit\" matches \"rate limited\"");
	ok(ipp_wu_backoff_match(cfg, "(TS03) Messages temporarily deferred"), "TS03 matches");
	ok(!ipp_wu_backoff_match(cfg, "said: 450 4.2.1 mailbox busy"), "450 4.2.1 is no backoff");
}

/* --- the store, across processes ---------------------------------------------- */

/*
 * Run body in a child process started with IPPOOL_NOW=@when, with the
 * config and store open; it writes one line to fp, which is returned.
 * (This process must not have read the clock: children inherit it.)
 */
typedef int (*child_fn)(struct ipp_config *, struct ipp_store *, FILE *, time_t, const void *);

static const char *
in_child(const char *conf, time_t when, child_fn body, const void *arg)
{
	static char out[512];
	char	now[32], path[512];
	pid_t	pid;
	int	status;
	FILE   *fp;

	(void) snprintf(path, sizeof(path), "%s/child.out", tap_tmpdir());
	if ((pid = fork()) == 0) {
		struct ipp_config *cfg = ipp_config_load(conf, stderr);
		struct ipp_store *st;
		char	err[512];
		int	rc;

		(void) snprintf(now, sizeof(now), "@%lld", (long long) when);
		(void) setenv("IPPOOL_NOW", now, 1);
		if (ipp_clock_init(err, sizeof(err)) != 0)
			_exit(2);
		if (cfg == NULL || (st = ipp_store_open(cfg, err, sizeof(err))) == NULL
		    || (fp = fopen(path, "w")) == NULL)
			_exit(2);
		rc = body(cfg, st, fp, when, arg);
		(void) fclose(fp);
		ipp_store_close(st);
		ipp_config_free(cfg);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
	    || WEXITSTATUS(status) != 0)
		return ("child failed");
	if ((fp = fopen(path, "r")) == NULL || fgets(out, sizeof(out), fp) == NULL)
		(void) snprintf(out, sizeof(out), "no output");
	if (fp)
		(void) fclose(fp);
	return (out);
}

struct route_arg {
	const char *pool, *isp;
	int	n;
};

/* Route n recipients: "1 2 S1 D" (IP numbers, S spill, D defer). */
static int
route_body(struct ipp_config *cfg, struct ipp_store *st, FILE *fp, time_t when,
    const void *arg)
{
	const struct route_arg *ra = arg;
	struct ipp_wu_decision d;
	int	i;

	(void) when;
	for (i = 0; i < ra->n; i++) {
		if (ipp_wu_store_route(st, cfg, ipp_config_pool(cfg, ra->pool),
		    ipp_config_isp(cfg, ra->isp), ipp_now(), &d) != IPP_OK)
			return (3);
		(void) fprintf(fp, "%s%s%zu", i ? " " : "",
		    d.kind == IPP_WU_ROUTE ? "" : d.kind == IPP_WU_SPILL ? "S" : "D",
		    d.kind == IPP_WU_DEFER ? (size_t) 0 : d.ip + 1);
	}
	return (0);
}

static const char *
child_route(const char *conf, const char *pool, const char *isp, int n, time_t when)
{
	struct route_arg ra = { pool, isp, n };

	return (in_child(conf, when, route_body, &ra));
}

static void
test_store(const char *conf)
{
	struct ipp_config *cfg = ipp_config_load(conf, stderr);
	struct ipp_store *st;
	struct ipp_wu_row *rows;
	size_t	n, i;
	char	err[512];
	long	removed;
	int	found = 0;

	ok(cfg != NULL, "store config loads");
	if (cfg == NULL)
		return;
	is_str(child_route(conf, "tx", "gmail", 4, NOON(0)), "1 2 1 2",
	    "process 1 (day 1, noon): 4 recipients");
	is_str(child_route(conf, "tx", "gmail", 4, NOON(0) + 3600), "1 2 S1 S2",
	    "process 2, same day: sees the first one's reservations");
	is_str(child_route(conf, "tx", "gmail", 1, T0 + DAY - 1), "S1",
	    "23:59:59 UTC: still day 1");
	is_str(child_route(conf, "tx", "gmail", 13, T0 + DAY), "1 2 1 2 1 2 1 2 1 2 1 2 S1",
	    "00:00:00 UTC: the day rolls, day 2 at gmail (6 per IP)");

	if ((st = ipp_store_open(cfg, err, sizeof(err))) == NULL) {
		ok(0, "store opens: %s", err);
		ipp_config_free(cfg);
		return;
	}
	ok(ipp_wu_store_snapshot(st, cfg, T0 + DAY + 60, &rows, &n) == IPP_OK, "snapshot");
	is_int(n, 5 * cfg->nisps, "  one row per IP x ISP");
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].pool->name, "tx") == 0 && rows[i].ip == 0
		    && strcmp(rows[i].isp->name, "gmail") == 0) {
			found = 1;
			is_int(rows[i].st.level, 2, "  tx IP 1 at gmail: day 2");
			is_int(rows[i].st.reserved, 6, "  6 reserved today");
			ok(rows[i].stored, "  stored");
		}
	ok(found, "  the row of tx IP 1 at gmail is there");
	free(rows);
	ok(ipp_wu_store_set(st, cfg, &ipp_config_pool(cfg, "solo")->ips[0],
	    ipp_config_isp(cfg, "gmail"), 5, T0 + DAY + 60) == IPP_OK, "warmup set solo IP day 5");
	removed = ipp_wu_store_reset(st, ipp_config_pool(cfg, "tx")->ips[0].text, "gmail");
	is_int(removed, 1, "reset one IP at one ISP: one record");
	removed = ipp_wu_store_reset(st, NULL, NULL);
	is_int(removed, 4, "reset all: the rest (tx IP 2, shared IPs 1 and 2, solo IP 1 at gmail)");
	ipp_store_close(st);
	ipp_config_free(cfg);
}

/* Reserve 3 units for solo at gmail, then ingest Postfix lines; print
 * the state that results. */
static int
ingest_body(struct ipp_config *cfg, struct ipp_store *st, FILE *fp, time_t when,
    const void *arg)
{
	static const char *const tail[] = {
		/* a delivery: confirms a unit */
		"postfix/ippool-solo-1/smtp[11]: 4AAA1: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.99]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)",
		/* the same line again: applied once */
		"postfix/ippool-solo-1/smtp[11]: 4AAA1: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.99]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)",
		/* a 421 4.7.0 deferral: returns a unit, backoff */
		"postfix/ippool-solo-1/smtp[11]: 4AAA2: to=<b@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.99]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred (host gmail-smtp-in.l.google.com[192.0.2.99] said: 421-4.7.0 Try again later (in reply to end of DATA command))",
		/* a bounce that reached no server: returns a unit */
		"postfix/ippool-solo-1/smtp[11]: 4AAA3: to=<c@gmail.com>, relay=none, delay=1, delays=0/0/1/0, dsn=5.4.4, status=bounced (Host or domain name not found)",
		/* the main instance's hand-off: not a delivery of a pool IP */
		"postfix/ippool-relay/smtp[12]: 4BBB1: to=<d@gmail.com>, relay=127.0.0.1[127.0.0.1]:10033, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4AAA4)",
	};
	struct ipp_ingest_stats stats;
	struct ipp_wu_decision d;
	struct ipp_wu_row *rows;
	char	stamp[40], line[1024];
	size_t	n, i;

	(void) arg;
	for (i = 0; i < 3; i++)
		if (ipp_wu_store_route(st, cfg, ipp_config_pool(cfg, "solo"),
		    ipp_config_isp(cfg, "gmail"), ipp_now(), &d) != IPP_OK)
			return (3);
	ipp_fmt_iso(when, stamp, sizeof(stamp));
	memset(&stats, 0, sizeof(stats));
	for (i = 0; i < sizeof(tail) / sizeof(tail[0]); i++) {
		(void) snprintf(line, sizeof(line), "%s mx %s", stamp, tail[i]);
		if (ipp_ingest_line(st, cfg, line, strlen(line), "test", &stats) != IPP_OK)
			return (4);
	}
	if (ipp_wu_store_snapshot(st, cfg, ipp_now(), &rows, &n) != IPP_OK)
		return (5);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].pool->name, "solo") == 0 && strcmp(rows[i].isp->name, "gmail") == 0)
			(void) fprintf(fp, "sent=%lu reserved=%lu limit=%lu paused=%d dup=%lu",
			    rows[i].st.sent, rows[i].st.reserved, rows[i].st.limit,
			    rows[i].st.pause_until == when + 3600, stats.duplicate);
	free(rows);
	return (0);
}

int
main(void)
{
	struct ipp_config *cfg;
	char	conf[1024], err[200];
	const char *f;

	if (ipp_clock_init(err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "%s\n", err);
		return (99);
	}

	(void) snprintf(conf, sizeof(conf),
	    "[store]\npath = %s/store\n"
	    "[pool tx]\nips = 192.0.2.1 192.0.2.2\nspillover = shared\n"
	    "[pool shared]\nips = 192.0.2.10 192.0.2.11\nmode = standard\n"
	    "[pool solo]\nips = 192.0.2.20\n"
	    "[isp gmail]\nschedule = 3 6\n"
	    "[warmup]\nschedule = 2 4 6 8 10\nspill_days = 2\nidle_decay = 1\npause = 1h\n",
	    tap_tmpdir());
	f = tap_write("wu.conf", conf);
	cfg = ipp_config_load(f, stderr);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL)
		return (done_testing());
	test_memory(cfg);
	ipp_config_free(cfg);
	/* before anything in this process reads the clock: children inherit it */
	is_str(in_child(f, NOON(100), ingest_body, NULL), "sent=1 reserved=0 limit=1 paused=1 dup=1",
	    "ingest: a delivery confirms a unit (once), a 421 4.7.0 deferral returns one, halves"
	    " the cap (3 -> 1) and pauses 1h, a bounce without a server returns one,"
	    " a relay hand-off counts nothing");
	test_store(f);
	return (done_testing());
}
