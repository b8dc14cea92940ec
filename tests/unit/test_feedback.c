/* test_feedback.c - what delivery results in the Postfix log do to
 * recipients and sender domains, through ipp_ingest_line on a store of the
 * test's own.  One table of log lines, applied in order: a hard bounce
 * suppresses the recipient (its canonical key) for suppress_ttl, to the
 * second; suppress_after soft failures within suppress_window do the same;
 * what no recipient's server said never counts; every line counts exactly
 * once, however often it is read; deliveries and hard bounces of a queue
 * ID whose sender is known feed that sender domain's bounce guard. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"
#include "clock.h"
#include "feedback.h"
#include "ingest.h"
#include "suppress.h"
#include "tap.h"
#include "tstore.h"

#define T0	((time_t) 1767268800)		/* 2026-01-01 12:00 UTC */
#define TTL	172800L				/* suppress_ttl = 2d */
#define WINDOW	86400L				/* suppress_window = 1d */
#define NONE	(-1L)

#define MX	"mx.example.com[192.0.2.5]:25"
#define SAID	"host mx.example.com[192.0.2.5] said: "
#define AT_RCPT	" (in reply to RCPT TO command)"
#define AT_DATA	" (in reply to end of DATA command)"
#define AT_MAIL	" (in reply to MAIL FROM command)"
#define UNKNOWN	SAID "550 5.1.1 <x>: Recipient address rejected: User unknown" AT_RCPT
#define FULL	SAID "452 4.2.2 Mailbox full" AT_RCPT

enum outcome { APPLIED, DUPLICATE, IGNORED };

/*
 * A log line AT seconds after T0 from TAG ("postfix/smtp"): a delivery
 * to RCPT with STATUS, or, STATUS NULL, the queue manager's from= line
 * with RCPT the sender.  Then: KEY (a canonical recipient) suppressed
 * until T0 + EXPIRES (checked at the second before and at that second),
 * or not (NONE) at AT; and when GUARD names a sender domain, its counts.
 */
struct fb_case {
	const char *name;
	long	at;
	const char *tag, *qid, *rcpt, *status, *dsn, *relay, *reply;
	enum outcome want;
	const char *key;
	long	expires;
	const char *guard;
	unsigned long sent, bounced;
};

#define SMTP	"postfix/smtp"
#define NOGUARD	NULL, 0, 0

static const struct fb_case cases[] = {
	/* hard bounces */
	{ "a hard bounce suppresses the recipient for suppress_ttl",
	    0, SMTP, "BNC01", "gone@example.com", "bounced", "5.1.1", MX, UNKNOWN,
	    APPLIED, "gone@example.com", TTL, NOGUARD },
	{ "the same line read again: a duplicate, nothing changes",
	    0, SMTP, "BNC01", "gone@example.com", "bounced", "5.1.1", MX, UNKNOWN,
	    DUPLICATE, "gone@example.com", TTL, NOGUARD },
	{ "a later bounce extends the suppression",
	    1000, SMTP, "BNC02", "gone@example.com", "bounced", "5.1.1", MX, UNKNOWN,
	    APPLIED, "gone@example.com", 1000 + TTL, NOGUARD },
	{ "an earlier bounce read late does not shorten it",
	    500, SMTP, "BNC00", "gone@example.com", "bounced", "5.1.1", MX, UNKNOWN,
	    APPLIED, "gone@example.com", 1000 + TTL, NOGUARD },
	{ "the recipient is suppressed under its canonical key",
	    0, SMTP, "BNC03", "Some.One+list@EXAMPLE.com", "bounced", "5.1.1", MX, UNKNOWN,
	    APPLIED, "some.one@example.com", TTL, NOGUARD },
	{ "a bounce no server gave (relay=none) suppresses nobody",
	    0, "postfix/error", "BNC04", "local@example.com", "bounced", "5.0.0", "none",
	    "mail for example.com loops back to myself",
	    APPLIED, "local@example.com", NONE, NOGUARD },
	{ "a delivery of a pool transport counts",
	    0, "postfix/ippool-tx-1/smtp", "BNC05", "pool@example.com", "bounced", "5.1.1", MX,
	    UNKNOWN, APPLIED, "pool@example.com", TTL, NOGUARD },
	{ "a hand-off by the relay transport is no delivery",
	    0, "postfix/ippool-relay/smtp", "BNC06", "handoff@example.com", "bounced", "5.1.1", MX,
	    UNKNOWN, IGNORED, "handoff@example.com", NONE, NOGUARD },

	/* soft failures: suppress_after = 3 within suppress_window */
	{ "a soft failure alone suppresses nobody",
	    0, SMTP, "SOFT1", "soft@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "soft@example.com", NONE, NOGUARD },
	{ "the same soft failure read again counts once",
	    0, SMTP, "SOFT1", "soft@example.com", "deferred", "4.2.2", MX, FULL,
	    DUPLICATE, "soft@example.com", NONE, NOGUARD },
	{ "a second soft failure",
	    100, SMTP, "SOFT1", "soft@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "soft@example.com", NONE, NOGUARD },
	{ "the third (to the end of DATA) suppresses for suppress_ttl",
	    200, SMTP, "SOFT1", "soft@example.com", "deferred", "4.2.2", MX,
	    SAID "452 4.2.2 Over quota" AT_DATA, APPLIED, "soft@example.com", 200 + TTL, NOGUARD },
	{ "a 4.x.x bounce (soft_bounce) is a soft failure, not a hard bounce",
	    0, SMTP, "SOFT2", "sb@example.com", "bounced", "4.2.2", MX, FULL,
	    APPLIED, "sb@example.com", NONE, NOGUARD },
	{ "  and counts toward suppress_after",
	    10, SMTP, "SOFT2", "sb@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "sb@example.com", NONE, NOGUARD },
	{ "  up to it",
	    20, SMTP, "SOFT2", "sb@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "sb@example.com", 20 + TTL, NOGUARD },

	/* the window */
	{ "window: a first failure",
	    0, SMTP, "WIN01", "win@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "win@example.com", NONE, NOGUARD },
	{ "window: a second",
	    1000, SMTP, "WIN01", "win@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "win@example.com", NONE, NOGUARD },
	{ "window: at exactly suppress_window the first no longer counts",
	    WINDOW, SMTP, "WIN01", "win@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "win@example.com", NONE, NOGUARD },
	{ "window: three inside it suppress",
	    WINDOW + 1, SMTP, "WIN01", "win@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "win@example.com", WINDOW + 1 + TTL, NOGUARD },

	/* what does not count */
	{ "no server reached (relay=none): no soft failure",
	    0, SMTP, "NOC01", "nc@example.com", "deferred", "4.4.1", "none",
	    "connect to mx.example.com[192.0.2.5]:25: Connection refused",
	    APPLIED, "nc@example.com", NONE, NOGUARD },
	{ "an answer to MAIL FROM is no recipient's failure",
	    1, SMTP, "NOC01", "nc@example.com", "deferred", "4.7.0", MX,
	    SAID "421 4.7.0 Try again later" AT_MAIL, APPLIED, "nc@example.com", NONE, NOGUARD },
	{ "an answer without \"said:\" is no recipient's failure",
	    2, SMTP, "NOC01", "nc@example.com", "deferred", "4.4.2", MX,
	    "lost connection with mx.example.com[192.0.2.5] while sending RCPT TO",
	    APPLIED, "nc@example.com", NONE, NOGUARD },
	{ "  so three such lines suppress nobody",
	    3, SMTP, "NOC01", "nc@example.com", "deferred", "4.4.1", "none",
	    "connect to mx.example.com[192.0.2.5]:25: Connection timed out",
	    APPLIED, "nc@example.com", NONE, NOGUARD },
	{ "a delivery clears the soft failures: one",
	    0, SMTP, "CLR01", "clr@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "clr@example.com", NONE, NOGUARD },
	{ "  two",
	    10, SMTP, "CLR01", "clr@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "clr@example.com", NONE, NOGUARD },
	{ "  delivered",
	    20, SMTP, "CLR02", "clr@example.com", "sent", "2.0.0", MX, "250 2.0.0 Ok: queued",
	    APPLIED, "clr@example.com", NONE, NOGUARD },
	{ "  a third after it counts as the first",
	    30, SMTP, "CLR03", "clr@example.com", "deferred", "4.2.2", MX, FULL,
	    APPLIED, "clr@example.com", NONE, NOGUARD },

	/* the bounce guard */
	{ "guard: the from= line ties GRD01 to its sender",
	    0, "postfix/qmgr", "GRD01", "news@shop.example", NULL, NULL, NULL, NULL,
	    APPLIED, NULL, NONE, "shop.example", 0, 0 },
	{ "guard: a delivery counts as sent",
	    1, SMTP, "GRD01", "a@example.net", "sent", "2.0.0", MX, "250 2.0.0 Ok",
	    APPLIED, NULL, NONE, "shop.example", 1, 0 },
	{ "guard: a hard bounce counts as bounced",
	    2, SMTP, "GRD01", "b@example.net", "bounced", "5.1.1", MX, UNKNOWN,
	    APPLIED, "b@example.net", 2 + TTL, "shop.example", 1, 1 },
	{ "guard: read again, counted once",
	    2, SMTP, "GRD01", "b@example.net", "bounced", "5.1.1", MX, UNKNOWN,
	    DUPLICATE, "b@example.net", 2 + TTL, "shop.example", 1, 1 },
	{ "guard: a soft failure does not count",
	    3, SMTP, "GRD01", "c@example.net", "deferred", "4.2.2", MX, FULL,
	    APPLIED, NULL, NONE, "shop.example", 1, 1 },
	{ "guard: a queue ID of unknown sender counts for nobody",
	    4, SMTP, "GRD02", "d@example.net", "sent", "2.0.0", MX, "250 2.0.0 Ok",
	    APPLIED, NULL, NONE, "shop.example", 1, 1 },
};

static const char *
make_line(const struct fb_case *c)
{
	static char line[2048];
	char	stamp[32];

	ipp_fmt_iso(T0 + c->at, stamp, sizeof(stamp));
	if (c->status == NULL)
		(void) snprintf(line, sizeof(line),
		    "%s mta %s[50]: %s: from=<%s>, size=1000, nrcpt=1 (queue active)\n",
		    stamp, c->tag, c->qid, c->rcpt);
	else
		(void) snprintf(line, sizeof(line),
		    "%s mta %s[4242]: %s: to=<%s>, relay=%s, delay=0.2, "
		    "delays=0.1/0/0.05/0.05, dsn=%s, status=%s (%s)\n",
		    stamp, c->tag, c->qid, c->rcpt, c->relay, c->dsn, c->status, c->reply);
	return (line);
}

static const char *outcome_names[] = { "applied", "a duplicate", "ignored" };

static void
run_case(struct ipp_store *st, const struct ipp_config *cfg, const struct fb_case *c)
{
	struct ipp_ingest_stats stats;
	struct ipp_guard_status gs;
	struct ipp_supp s;
	const char *line = make_line(c);
	enum outcome got;
	int	rc;

	memset(&stats, 0, sizeof(stats));
	rc = ipp_ingest_line(st, cfg, line, strlen(line), "test", &stats);
	got = stats.applied ? APPLIED : stats.duplicate ? DUPLICATE : IGNORED;
	ok(rc == IPP_OK && stats.failed == 0 && stats.skipped == 0 && got == c->want,
	    "%s: %s", c->name, outcome_names[c->want]);
	if (rc != IPP_OK || got != c->want)
		(void) printf("#   rc %d, read %lu applied %lu duplicate %lu ignored %lu skipped %lu\n",
		    rc, stats.read, stats.applied, stats.duplicate, stats.ignored, stats.skipped);
	if (c->key != NULL && c->expires == NONE) {
		is_int(ipp_supp_check(st, c->key, "", T0 + c->at, &s), IPP_NOTFOUND,
		    "%s: %s not suppressed", c->name, c->key);
	} else if (c->key != NULL) {
		rc = ipp_supp_check(st, c->key, "", T0 + c->expires - 1, &s);
		ok(rc == IPP_OK && s.expires == T0 + c->expires && s.reason == IPP_SUPP_BOUNCE
		    && s.sender_domain[0] == '\0',
		    "%s: %s suppressed (bounce, every sender) until +%lds", c->name, c->key,
		    c->expires);
		if (rc == IPP_OK && s.expires != T0 + c->expires)
			(void) printf("#   expires at +%lds\n", (long) (s.expires - T0));
		is_int(ipp_supp_check(st, c->key, "", T0 + c->expires, &s), IPP_NOTFOUND,
		    "%s: %s free again at +%lds", c->name, c->key, c->expires);
	}
	if (c->guard != NULL) {
		rc = ipp_guard_check(st, cfg, c->guard, T0 + c->at, &gs);
		ok(rc == IPP_OK && gs.sent == c->sent && gs.bounced == c->bounced,
		    "%s: %s has %lu sent, %lu bounced", c->name, c->guard, c->sent, c->bounced);
		if (rc != IPP_OK || gs.sent != c->sent || gs.bounced != c->bounced)
			(void) printf("#   got rc %d: %lu sent, %lu bounced\n", rc, gs.sent, gs.bounced);
	}
}

static int
count_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void) k;
	(void) kl;
	(void) v;
	(void) vl;
	(*(int *) arg)++;
	return (IPP_SCAN_NEXT);
}

/* The number of records of TABLE whose key starts with PREFIX. */
static int
records(struct ipp_store *st, enum ipp_table table, const char *prefix)
{
	int	n = 0;

	if (ipp_store_scan(st, table, prefix, strlen(prefix), count_cb, &n) != IPP_OK)
		return (-1);
	return (n);
}

int
main(void)
{
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct ipp_supp s;
	size_t	ci;

	st = tstore_open("fb", "[milter]\nuser =\nsuppress_ttl = 2d\nsuppress_after = 3\n"
	    "suppress_window = 1d\n[pool tx]\nips = 192.0.2.1\n", &cfg);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++)
		run_case(st, cfg, &cases[ci]);

	/* what the suppression records about where it came from */
	ok(ipp_supp_get(st, "gone@example.com", "", &s) == IPP_OK && s.created == T0
	    && strcmp(s.source, "log mta BNC02: dsn=5.1.1") == 0,
	    "a bounce's entry: created at the first bounce, its source the bounce that set its end");
	(void) printf("# source: %s\n", s.source);
	ok(ipp_supp_get(st, "soft@example.com", "", &s) == IPP_OK
	    && strstr(s.source, "3 soft failures in 1d, last dsn=4.2.2") != NULL,
	    "a soft-failure entry says how many, in what window");
	(void) printf("# source: %s\n", s.source);

	/* purge: soft-failure counts whose newest failure left the window */
	ok(records(st, IPP_T_STATS, "f|") > 0, "soft-failure counts are kept");
	is_int(ipp_feedback_purge(st, cfg, T0 + WINDOW + 1000), IPP_OK, "purge a window later");
	is_int(records(st, IPP_T_STATS, "f|"), 0, "  drops every count whose last failure left it");
	ok(records(st, IPP_T_APPLIED, "Q") > 0, "  keeps queue ID -> sender mappings of a day");
	is_int(ipp_feedback_purge(st, cfg, T0 + 8 * 86400), IPP_OK, "purge 8 days later");
	is_int(records(st, IPP_T_APPLIED, "Q"), 0, "  drops the mappings older than 7 days");

	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
