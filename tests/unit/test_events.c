/* test_events.c - the events outbox on the store: which receiver an event
 * goes to (sender domain, then pool, then the default), what
 * ipp_event_txn_add records (in sequence order, the documented body, a
 * rolled-back transaction leaving nothing), the state a sender writes
 * back, retry and drop of failed events, and the signature against a
 * value computed independently (openssl dgst -sha256 -hmac). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "events.h"
#include "evsend.h"
#include "tap.h"
#include "tstore.h"

struct add_arg {
	const struct ipp_config *cfg;
	const struct ipp_event *ev;
	size_t	n;
	int	abort;
};

static int
add_body(struct ipp_txn *txn, void *arg)
{
	struct add_arg *a = arg;
	size_t	i;
	int	rc;

	for (i = 0; i < a->n; i++)
		if ((rc = ipp_event_txn_add(txn, a->cfg, &a->ev[i])) < 0)
			return (rc);
	return (a->abort ? IPP_ABORT : IPP_OK);
}

struct seen {
	struct ipp_outbox_rec r[16];
	size_t	n;
};

static int
collect(const struct ipp_outbox_rec *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->r[s->n] = *r;
		s->r[s->n].body = strdup(r->body);
		s->n++;
	}
	return (0);
}

static void
seen_free(struct seen *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		ipp_outbox_rec_free(&s->r[i]);
	s->n = 0;
}

int
main(void)
{
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct seen s = { .n = 0 };
	struct ipp_evsend *snd;
	struct add_arg a;
	unsigned long n;
	char	conf[1024], sig[80], err[256];
	char	keyfile[512];
	json_error_t jerr;
	json_t *o;
	struct ipp_event ev[3] = {
		{ IPP_EV_BOUNCE, 1795420801, "tx", "192.0.2.1", "gmail", "news@example.com",
		    "Gone@Gmail.com", "5.1.1", "550 5.1.1 User unknown" },
		{ IPP_EV_SUPPRESSION, 1795420801, "tx", NULL, "gmail", "news@example.com",
		    "gone@gmail.com", "bounce", "" },
		{ IPP_EV_DELIVERY, 1795420802, "bulk", "192.0.2.2", "yahoo", "a@shop.example",
		    "b@yahoo.com", "2.0.0", "250 ok" },
	};

	(void) snprintf(keyfile, sizeof(keyfile), "%s",
	    tap_write("ev.key", "0123456789abcdef0123456789abcdef"));
	if (chmod(keyfile, 0600) != 0) {
		(void) printf("Bail out! chmod %s\n", keyfile);
		return (99);
	}
	(void) snprintf(conf, sizeof(conf),
	    "[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n[pool bulk]\nips = 192.0.2.2\n"
	    "events_url = https://bulk.example/e\n"
	    "[events]\nurl = https://hooks.example/e\nkey = %s\n"
	    "domain_urls = Shop.Example=https://shop.example/e other.example=http://o.example/x\n",
	    keyfile);
	st = tstore_open("events", conf, &cfg);

	ok(ipp_events_enabled(cfg), "a URL: events enabled");
	is_str(ipp_event_url(cfg, "tx", "news@example.com"), "https://hooks.example/e",
	    "pool without events_url, other domain: the default");
	is_str(ipp_event_url(cfg, "bulk", "news@example.com"), "https://bulk.example/e",
	    "pool bulk: its events_url");
	is_str(ipp_event_url(cfg, "bulk", "a@SHOP.example"), "https://shop.example/e",
	    "sender domain (any case) before the pool");
	is_str(ipp_event_url(cfg, NULL, "x@other.example"), "http://o.example/x",
	    "a second domain_urls item");
	is_str(ipp_event_url(cfg, "", ""), "https://hooks.example/e", "no pool, no sender: the default");

	memset(&a, 0, sizeof(a));
	a.cfg = cfg;
	a.ev = ev;
	a.n = 3;
	a.abort = 1;
	is_int(ipp_store_run(st, add_body, &a), IPP_ABORT, "a transaction that rolls back");
	is_int(ipp_outbox_scan(st, collect, &s), IPP_OK, "  scan");
	is_int(s.n, 0, "  leaves no event");
	a.abort = 0;
	is_int(ipp_store_run(st, add_body, &a), IPP_OK, "three events in one transaction");
	a.n = 1;
	a.ev = &ev[2];
	is_int(ipp_store_run(st, add_body, &a), IPP_OK, "a fourth in another");
	is_int(ipp_outbox_scan(st, collect, &s), IPP_OK, "scan the outbox");
	is_int(s.n, 4, "  four records");
	ok(s.n == 4 && s.r[0].seq == 1 && s.r[1].seq == 2 && s.r[2].seq == 3 && s.r[3].seq == 4,
	    "  in sequence order (rolled-back numbers are not used)");
	is_str(s.n ? s.r[0].key : "", "o|00000000000000000001", "  keyed o| and 20 digits");
	is_str(s.n ? s.r[0].rcpt : "", "gone@gmail.com", "  the order key is the recipient, lower-cased");
	ok(s.n == 4 && strlen(s.r[0].id) == 32 && strcmp(s.r[0].id, s.r[1].id) != 0
	    && strcmp(s.r[2].id, s.r[3].id) != 0, "  ids: 32 hex digits, each its own");
	is_str(s.n ? s.r[0].body : "",
	    s.n ? (snprintf(conf, sizeof(conf), "{\"id\":\"%s\",\"type\":\"bounce\",\"time\":\"2026-11-23T08:00:01Z\","
	    "\"pool\":\"tx\",\"ip\":\"192.0.2.1\",\"isp\":\"gmail\",\"sender\":\"news@example.com\","
	    "\"recipient\":\"Gone@Gmail.com\",\"status\":\"5.1.1\",\"diagnostic\":\"550 5.1.1 User unknown\"}",
	    s.r[0].id), conf) : "", "  the body: the documented fields in order, the recipient as written");
	o = s.n > 1 ? json_loads(s.r[1].body, 0, &jerr) : NULL;
	ok(o != NULL && json_is_null(json_object_get(o, "ip"))
	    && json_is_null(json_object_get(o, "diagnostic")), "  empty fields are null");
	json_decref(o);

	/* the sender's write-back, then retry and drop */
	if (s.n == 4) {
		s.r[1].failed = 1;
		s.r[1].attempts = 1;
		(void) strcpy(s.r[1].error, "answered 400");
		is_int(ipp_outbox_update(st, &s.r[1]), IPP_OK, "mark one failed");
		is_int(ipp_outbox_done(st, &s.r[0]), IPP_OK, "one delivered: removed");
		is_int(ipp_outbox_update(st, &s.r[0]), IPP_NOTFOUND, "  an update of it: not found");
	}
	seen_free(&s);
	(void) ipp_outbox_scan(st, collect, &s);
	ok(s.n == 3 && s.r[0].failed && s.r[0].attempts == 1 && strcmp(s.r[0].error, "answered 400") == 0
	    && !s.r[1].failed, "the failed record kept its state");
	seen_free(&s);
	is_int(ipp_outbox_retry(st, "nosuchid", &n), IPP_OK, "retry of an unknown id");
	is_int(n, 0, "  changes nothing");
	is_int(ipp_outbox_retry(st, NULL, &n), IPP_OK, "retry all failed");
	is_int(n, 1, "  one");
	(void) ipp_outbox_scan(st, collect, &s);
	ok(s.n == 3 && !s.r[0].failed && s.r[0].attempts == 0, "  pending again, attempts reset");
	if (s.n == 3) {
		s.r[0].failed = 1;
		(void) ipp_outbox_update(st, &s.r[0]);
	}
	seen_free(&s);
	is_int(ipp_outbox_drop(st, NULL, &n), IPP_OK, "drop the failed");
	is_int(n, 1, "  one");
	(void) ipp_outbox_scan(st, collect, &s);
	is_int(s.n, 2, "  two left");
	seen_free(&s);

	/* printf '{"a":1}' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef */
	snd = ipp_evsend_new(cfg, err, sizeof(err));
	ok(snd != NULL, "the sender reads the key");
	ok(snd && ipp_evsend_signature(snd, "{\"a\":1}", 7, sig, sizeof(sig)) == 0,
	    "a signature");
	is_str(sig, "sha256=f0546246da9e2349100c845a8561214788d75d900f3c086a72fcfa03bb1f42ab",
	    "  HMAC-SHA256 of the body, hex, after sha256=");
	ipp_evsend_free(snd);

	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
