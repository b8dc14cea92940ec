/* test_daystats.c - the daily history (lib/mail/daystats.h) as ingest and
 * routing write it, on a store of the test's own: each pool-IP log line
 * counts once in its day's record of that IP and ISP (sent, deferred,
 * bounced), with the warm-up day and capacity of a line of today; lines
 * of other transports count nowhere; each routing decision counts in its
 * pool's record (own, spilled, waited); the records read back by day
 * range, decode strictly, and go after IPP_DAY_KEEP days. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "ingest.h"
#include "isp.h"
#include "tap.h"
#include "tstore.h"
#include "warmup.h"

#define T0	((time_t) 1767268800)		/* 2026-01-01 12:00 UTC */
#define DAY0	(T0 / 86400)

#define SENT_TEXT	"250 2.0.0 OK"
#define FULL_TEXT	"host mx[192.0.2.5] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)"
#define GONE_TEXT	"host mx[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command)"

struct line_case {
	const char *name;
	long	day;			/* of the line and of the clock, from DAY0 */
	const char *tag, *qid, *rcpt, *status;
	int	applied;		/* 1: applied, 0: duplicate or ignored */
};

static const struct line_case lines[] = {
	{ "a delivery by a pool IP", 0, "postfix/ippool-tx-1/smtp", "4QDST1Axyz1", "a@gmail.com", "sent", 1 },
	{ "another", 0, "postfix/ippool-tx-1/smtp", "4QDST2Axyz2", "b@gmail.com", "sent", 1 },
	{ "the same line again", 0, "postfix/ippool-tx-1/smtp", "4QDST2Axyz2", "b@gmail.com", "sent", 0 },
	{ "a deferral", 0, "postfix/ippool-tx-1/smtp", "4QDST3Axyz3", "c@gmail.com", "deferred", 1 },
	{ "a bounce", 0, "postfix/ippool-tx-1/smtp", "4QDST4Axyz4", "d@gmail.com", "bounced", 1 },
	{ "another ISP", 0, "postfix/ippool-tx-1/smtp", "4QDST5Axyz5", "e@yahoo.com", "sent", 1 },
	{ "the pool's second IP", 0, "postfix/ippool-tx-2/smtp", "4QDST6Axyz6", "f@gmail.com", "sent", 1 },
	{ "the main instance: no pool IP", 0, "postfix/smtp", "4QDST7Axyz7", "g@gmail.com", "sent", 1 },
	{ "the next day", 1, "postfix/ippool-tx-1/smtp", "4QDST8Axyz8", "h@gmail.com", "sent", 1 },
};

static const char *
make_line(const struct line_case *c)
{
	static char buf[1024];
	time_t	t = T0 + c->day * 86400;
	struct tm tm;
	char	stamp[40];
	const char *dsn = strcmp(c->status, "sent") == 0 ? "2.0.0"
	    : strcmp(c->status, "deferred") == 0 ? "4.2.2" : "5.1.1";
	const char *text = dsn[0] == '2' ? SENT_TEXT : dsn[0] == '4' ? FULL_TEXT : GONE_TEXT;

	(void) gmtime_r(&t, &tm);
	(void) strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
	(void) snprintf(buf, sizeof(buf), "%s mta %s[100]: %s: to=<%s>, relay=mx[192.0.2.5]:25,"
	    " delay=1, delays=0.1/0/0.4/0.5, dsn=%s, status=%s (%s)", stamp, c->tag, c->qid,
	    c->rcpt, dsn, c->status, text);
	return (buf);
}

static void
set_clock(time_t t)
{
	char	spec[32], err[128];

	(void) snprintf(spec, sizeof(spec), "@%lld", (long long) t);
	(void) setenv("IPPOOL_NOW", spec, 1);
	if (ipp_clock_init(err, sizeof(err)) != 0) {
		(void) printf("Bail out! %s\n", err);
		exit(99);
	}
}

static const struct ipp_day_ip *
find_ip(const struct ipp_day_ip *r, size_t n, long day, const char *ip, const char *isp)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (r[i].day == day && strcmp(r[i].ip, ip) == 0 && strcmp(r[i].isp, isp) == 0)
			return (&r[i]);
	return (NULL);
}

static void
check_ip(const struct ipp_day_ip *r, size_t n, long day, const char *ip, const char *isp,
    unsigned long sent, unsigned long deferred, unsigned long bounced, unsigned level,
    unsigned long cap)
{
	const struct ipp_day_ip *d = find_ip(r, n, day, ip, isp);

	ok(d && d->sent == sent && d->deferred == deferred && d->bounced == bounced
	    && d->complained == 0 && d->level == level && d->cap == cap,
	    "day +%ld %s at %s: %lu sent, %lu deferred, %lu bounced, warm-up day %u, capacity %lu",
	    day - DAY0, ip, isp, sent, deferred, bounced, level, cap);
	if (d && !(d->sent == sent && d->deferred == deferred && d->bounced == bounced
	    && d->level == level && d->cap == cap))
		(void) printf("#   %lu sent, %lu deferred, %lu bounced, %lu complained, day %u, cap %lu\n",
		    d->sent, d->deferred, d->bounced, d->complained, d->level, d->cap);
}

int
main(void)
{
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct ipp_ingest_stats stats;
	struct ipp_day_ip *ips, dip;
	struct ipp_day_route *routes, drt;
	struct ipp_wu_decision d;
	size_t	nips, nroutes, i;
	char	buf[256];
	int	n;

	set_clock(T0);
	st = tstore_open("daystats", "[warmup]\nschedule = 2, 4\n"
	    "[pool tx]\nips = 192.0.2.3, 192.0.2.4\nspillover = shared\n"
	    "[pool shared]\nmode = standard\nips = 192.0.2.9\n", &cfg);

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const struct line_case *c = &lines[i];
		const char *l;

		set_clock(T0 + c->day * 86400 + 60);
		l = make_line(c);
		memset(&stats, 0, sizeof(stats));
		ok(ipp_ingest_line(st, cfg, l, strlen(l), "test", &stats) == IPP_OK
		    && stats.applied == (unsigned long) c->applied && stats.failed == 0,
		    "%s: %s", c->name, c->applied ? "applied" : "not applied again");
	}
	ok(ipp_day_collect(st, DAY0, DAY0 + 1, &ips, &nips, &routes, &nroutes) == IPP_OK,
	    "the records of two days read back");
	is_int(nips, 4, "  one record per day, IP and ISP with lines (the main instance's: none)");
	/* two sent of schedule day 1 (capacity 2): a deferral returns its unit */
	check_ip(ips, nips, DAY0, "192.0.2.3", "gmail", 2, 1, 1, 1, 2);
	check_ip(ips, nips, DAY0, "192.0.2.3", "yahoo", 1, 0, 0, 1, 2);
	check_ip(ips, nips, DAY0, "192.0.2.4", "gmail", 1, 0, 0, 1, 2);
	/* day 0 used 3 of 2 (the bounce reached the ISP): day 1 is warm-up day 2 */
	check_ip(ips, nips, DAY0 + 1, "192.0.2.3", "gmail", 1, 0, 0, 2, 4);
	is_int(nroutes, 0, "no routing records yet");
	free(ips);
	free(routes);

	/* routing on day 2: tx's IPs at gmail are on warm-up days 2 and 1 (an
	 * idle day), 4 + 2 units, then it spills over */
	set_clock(T0 + 2 * 86400);
	for (i = 0; i < 10; i++)
		if (ipp_wu_store_route(st, cfg, ipp_config_pool(cfg, "tx"),
		    ipp_config_isp(cfg, "gmail"), ipp_now(), &d) != IPP_OK)
			break;
	is_int(i, 10, "ten routing decisions");
	ok(ipp_day_collect(st, DAY0 + 2, DAY0 + 2, &ips, &nips, &routes, &nroutes) == IPP_OK
	    && nroutes == 1 && nips == 0, "one day: one routing record, no results");
	ok(nroutes == 1 && routes[0].day == DAY0 + 2 && strcmp(routes[0].pool, "tx") == 0
	    && strcmp(routes[0].isp, "gmail") == 0 && routes[0].own == 6
	    && routes[0].spilled == 4 && routes[0].waited == 0,
	    "  tx at gmail: 6 through its own IPs, then 4 spilled over");
	if (nroutes && routes[0].own != 6)
		(void) printf("#   own %lu spilled %lu waited %lu\n", routes[0].own, routes[0].spilled,
		    routes[0].waited);
	free(ips);
	free(routes);

	/* the record text */
	memset(&dip, 0, sizeof(dip));
	dip.sent = 5;
	dip.level = 3;
	dip.cap = IPP_WU_UNLIMITED;
	n = ipp_day_ip_encode(&dip, buf, sizeof(buf));
	is_str(n > 0 ? buf : NULL, "sent=5 deferred=0 bounced=0 complained=0 level=3 cap=-",
	    "a result record's text");
	ok(ipp_day_ip_decode(buf, (size_t) n, &dip) == 0 && dip.sent == 5
	    && dip.cap == IPP_WU_UNLIMITED, "  and back");
	ok(ipp_day_ip_decode("sent=5 deferred=0", 17, &dip) != 0, "a short record does not decode");
	ok(ipp_day_ip_decode("sent=5 deferred=0 bounced=0 complained=0 level=3 cap=-1", 55, &dip) != 0,
	    "a negative number does not decode");
	ok(ipp_day_route_decode("own=1 waited=0 spilled=0", 24, &drt) != 0,
	    "fields out of order do not decode");
	ok(ipp_day_route_decode("own=1 spilled=2 waited=3", 24, &drt) == 0 && drt.spilled == 2,
	    "a routing record decodes");

	/* purge */
	ok(ipp_day_purge(st, T0 + (IPP_DAY_KEEP + 2) * 86400) == IPP_OK, "purge");
	ok(ipp_day_collect(st, 0, DAY0 + 1000, &ips, &nips, &routes, &nroutes) == IPP_OK
	    && nips == 0 && nroutes == 1, "  days older than IPP_DAY_KEEP are gone, a younger one stays");
	free(ips);
	free(routes);

	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
