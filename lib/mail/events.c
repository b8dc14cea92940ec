/* events.c - the events outbox: "o|SEQ" records in the stats table (SEQ:
 * 20 decimal digits, so key order is recording order), the sequence in
 * the meta table ("events-seq").  A record is a JSON object holding the
 * exact body to post and the delivery state; the body is made once, at
 * recording, so every retry posts (and signs) the same bytes. */
#include "autoconfig.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "addr.h"
#include "clock.h"
#include "events.h"
#include "log.h"

#define SEQ_KEY		"events-seq"
#define PREFIX		"o|"

static const char *const type_names[] = {
	"delivery", "deferral", "bounce", "complaint", "unsubscribe", "suppression"
};

const char *
ipp_event_type_name(enum ipp_event_type t)
{
	return ((size_t) t < sizeof(type_names) / sizeof(type_names[0])
	    ? type_names[t] : "unknown");
}

int
ipp_events_enabled(const struct ipp_config *cfg)
{
	size_t	i;

	if (cfg->ev_url != NULL || (cfg->ev_domain_urls && cfg->ev_domain_urls[0]))
		return (1);
	for (i = 0; i < cfg->npools; i++)
		if (cfg->pools[i].events_url != NULL)
			return (1);
	return (0);
}

const char *
ipp_event_url(const struct ipp_config *cfg, const char *pool, const char *sender)
{
	const struct ipp_pool *p;
	const char *dom = sender && *sender ? ipp_addr_domain(sender) : NULL;
	size_t	i, dl;

	for (i = 0; dom && cfg->ev_domain_urls && cfg->ev_domain_urls[i]; i++) {
		dl = strlen(dom);
		if (strncasecmp(cfg->ev_domain_urls[i], dom, dl) == 0
		    && cfg->ev_domain_urls[i][dl] == '=')
			return (cfg->ev_domain_urls[i] + dl + 1);
	}
	if (pool && *pool && (p = ipp_config_pool(cfg, pool)) != NULL && p->events_url)
		return (p->events_url);
	return (cfg->ev_url);
}

/* A field as a JSON string, or null when empty.  A log line's bytes need
 * not be UTF-8: such a field is sent with '?' for every byte outside
 * printable ASCII rather than refused (the event would be lost). */
static json_t *
str_or_null(const char *s)
{
	json_t *j;
	char   *c, *p;

	if (s == NULL || *s == '\0')
		return (json_null());
	if ((j = json_string(s)) != NULL || (c = strdup(s)) == NULL)
		return (j);
	for (p = c; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
			*p = '?';
	j = json_string(c);
	free(c);
	return (j);
}

static void
lower_copy(char *dst, size_t len, const char *src)
{
	size_t	i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (char) tolower((unsigned char) src[i]);
	dst[i] = '\0';
}

/* The record's JSON; NULL when out of memory. */
static char *
rec_encode(const struct ipp_outbox_rec *r)
{
	json_t *o = json_object();
	char   *s;

	if (o == NULL || json_object_set_new(o, "seq", json_integer((json_int_t) r->seq))
	    || json_object_set_new(o, "id", json_string(r->id))
	    || json_object_set_new(o, "type", json_string(r->type))
	    || json_object_set_new(o, "rcpt", json_string(r->rcpt))
	    || json_object_set_new(o, "pool", json_string(r->pool))
	    || json_object_set_new(o, "sender", json_string(r->sender))
	    || json_object_set_new(o, "created", json_integer((json_int_t) r->created))
	    || json_object_set_new(o, "next", json_integer((json_int_t) r->next))
	    || json_object_set_new(o, "attempts", json_integer((json_int_t) r->attempts))
	    || json_object_set_new(o, "failed", json_boolean(r->failed))
	    || json_object_set_new(o, "error", json_string(r->error))
	    || json_object_set_new(o, "body", json_string(r->body))) {
		json_decref(o);
		return (NULL);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return (s);
}

static int
copy_field(json_t *o, const char *name, char *dst, size_t len)
{
	json_t *v = json_object_get(o, name);
	const char *s;

	if (!json_is_string(v) || strlen(s = json_string_value(v)) >= len)
		return (-1);
	(void) strcpy(dst, s);
	return (0);
}

/* 0, or -1 when the record is damaged. */
static int
rec_decode(const void *key, size_t klen, const void *val, size_t vlen,
    struct ipp_outbox_rec *r)
{
	json_error_t jerr;
	json_t *o, *v;
	int	rc = -1;

	memset(r, 0, sizeof(*r));
	if (klen > IPP_OUTBOX_KEY_MAX)
		return (-1);
	(void) memcpy(r->key, key, klen);
	r->key[klen] = '\0';
	if ((o = json_loadb(val, vlen, 0, &jerr)) == NULL)
		return (-1);
	if (json_is_integer(v = json_object_get(o, "seq")))
		r->seq = (uint64_t) json_integer_value(v);
	else
		goto out;
	if (copy_field(o, "id", r->id, sizeof(r->id)) != 0
	    || copy_field(o, "type", r->type, sizeof(r->type)) != 0
	    || copy_field(o, "rcpt", r->rcpt, sizeof(r->rcpt)) != 0
	    || copy_field(o, "pool", r->pool, sizeof(r->pool)) != 0
	    || copy_field(o, "sender", r->sender, sizeof(r->sender)) != 0
	    || copy_field(o, "error", r->error, sizeof(r->error)) != 0)
		goto out;
	r->created = (time_t) json_integer_value(json_object_get(o, "created"));
	r->next = (time_t) json_integer_value(json_object_get(o, "next"));
	r->attempts = (unsigned) json_integer_value(json_object_get(o, "attempts"));
	r->failed = json_is_true(json_object_get(o, "failed"));
	if (!json_is_string(v = json_object_get(o, "body"))
	    || (r->body = strdup(json_string_value(v))) == NULL)
		goto out;
	rc = 0;
out:
	json_decref(o);
	return (rc);
}

void
ipp_outbox_rec_free(struct ipp_outbox_rec *r)
{
	free(r->body);
	r->body = NULL;
}

/* The event's body: the documented fields, in the documented order. */
static char *
event_body(const struct ipp_event *ev, const char *id)
{
	json_t *o = json_object();
	char	when[32], *s;

	ipp_fmt_iso(ev->when, when, sizeof(when));
	if (o == NULL || json_object_set_new(o, "id", json_string(id))
	    || json_object_set_new(o, "type", json_string(ipp_event_type_name(ev->type)))
	    || json_object_set_new(o, "time", json_string(when))
	    || json_object_set_new(o, "pool", str_or_null(ev->pool))
	    || json_object_set_new(o, "ip", str_or_null(ev->ip))
	    || json_object_set_new(o, "isp", str_or_null(ev->isp))
	    || json_object_set_new(o, "sender", str_or_null(ev->sender))
	    || json_object_set_new(o, "recipient", str_or_null(ev->recipient))
	    || json_object_set_new(o, "status", str_or_null(ev->status))
	    || json_object_set_new(o, "diagnostic", str_or_null(ev->diagnostic))) {
		json_decref(o);
		return (NULL);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return (s);
}

int
ipp_event_txn_add(struct ipp_txn *txn, const struct ipp_config *cfg,
    const struct ipp_event *ev)
{
	struct ipp_outbox_rec r;
	struct ipp_buf v = { NULL, 0 };
	unsigned char rnd[16];
	char	num[32], *val;
	uint64_t seq = 0;
	size_t	i;
	int	rc, n;

	if (ipp_event_url(cfg, ev->pool, ev->sender) == NULL)
		return (IPP_OK);
	if (ev->recipient == NULL || *ev->recipient == '\0')
		return (IPP_ERR);
	rc = ipp_txn_get(txn, IPP_T_META, SEQ_KEY, strlen(SEQ_KEY), &v, IPP_GET_RMW);
	if (rc == IPP_OK && v.len > 0 && v.len < sizeof(num)) {
		(void) memcpy(num, v.data, v.len);
		num[v.len] = '\0';
		seq = strtoull(num, NULL, 10);
	}
	free(v.data);
	if (rc < 0)
		return (rc);
	seq++;
	n = snprintf(num, sizeof(num), "%" PRIu64, seq);
	if ((rc = ipp_txn_put(txn, IPP_T_META, SEQ_KEY, strlen(SEQ_KEY), num, (size_t) n)) < 0)
		return (rc);

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	(void) snprintf(r.key, sizeof(r.key), PREFIX "%020" PRIu64, seq);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (IPP_ERR);
	for (i = 0; i < sizeof(rnd); i++)
		(void) snprintf(r.id + 2 * i, sizeof(r.id) - 2 * i, "%02x", rnd[i]);
	(void) snprintf(r.type, sizeof(r.type), "%s", ipp_event_type_name(ev->type));
	lower_copy(r.rcpt, sizeof(r.rcpt), ev->recipient);
	(void) snprintf(r.pool, sizeof(r.pool), "%s", ev->pool ? ev->pool : "");
	(void) snprintf(r.sender, sizeof(r.sender), "%s", ev->sender ? ev->sender : "");
	r.created = ipp_now();
	if ((r.body = event_body(ev, r.id)) == NULL)
		return (IPP_ERR);
	val = rec_encode(&r);
	ipp_outbox_rec_free(&r);
	if (val == NULL)
		return (IPP_ERR);
	rc = ipp_txn_put(txn, IPP_T_STATS, r.key, strlen(r.key), val, strlen(val));
	free(val);
	return (rc);
}

struct scan_arg {
	ipp_outbox_fn fn;
	void   *arg;
};

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_arg *sa = arg;
	struct ipp_outbox_rec r;
	int	rc;

	if (rec_decode(k, kl, v, vl, &r) != 0) {
		ipp_outbox_rec_free(&r);
		msg_warn("events: damaged outbox record %.*s skipped", (int) (kl > 64 ? 64 : kl),
		    (const char *) k);
		return (IPP_SCAN_NEXT);
	}
	rc = sa->fn(&r, sa->arg);
	ipp_outbox_rec_free(&r);
	return (rc < 0 ? rc : rc > 0 ? IPP_SCAN_STOP : IPP_SCAN_NEXT);
}

int
ipp_outbox_scan(struct ipp_store *st, ipp_outbox_fn fn, void *arg)
{
	struct scan_arg sa = { fn, arg };

	return (ipp_store_scan(st, IPP_T_STATS, PREFIX, strlen(PREFIX), scan_cb, &sa));
}

static int
done_body(struct ipp_txn *txn, void *arg)
{
	const struct ipp_outbox_rec *r = arg;
	int	rc = ipp_txn_del(txn, IPP_T_STATS, r->key, strlen(r->key));

	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_outbox_done(struct ipp_store *st, const struct ipp_outbox_rec *r)
{
	return (ipp_store_run(st, done_body, (void *) r));
}

static int
update_body(struct ipp_txn *txn, void *arg)
{
	const struct ipp_outbox_rec *r = arg;
	struct ipp_buf v = { NULL, 0 };
	char   *val;
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_STATS, r->key, strlen(r->key), &v, IPP_GET_RMW);
	free(v.data);
	if (rc != IPP_OK)
		return (rc == IPP_NOTFOUND ? IPP_ABORT : rc);
	if ((val = rec_encode(r)) == NULL)
		return (IPP_ERR);
	rc = ipp_txn_put(txn, IPP_T_STATS, r->key, strlen(r->key), val, strlen(val));
	free(val);
	return (rc);
}

int
ipp_outbox_update(struct ipp_store *st, const struct ipp_outbox_rec *r)
{
	int	rc = ipp_store_run(st, update_body, (void *) r);

	return (rc == IPP_ABORT ? IPP_NOTFOUND : rc);
}

/* The failed records that ID selects, copied for a change after the scan. */
struct pick {
	const char *id;
	struct ipp_outbox_rec *recs;
	size_t	n, cap;
	int	nomem;
};

static int
pick_cb(const struct ipp_outbox_rec *r, void *arg)
{
	struct pick *p = arg;
	struct ipp_outbox_rec *nr;

	if (!r->failed || (p->id != NULL && strcmp(p->id, r->id) != 0))
		return (0);
	if (p->n == p->cap) {
		size_t	cap = p->cap ? 2 * p->cap : 64;

		if ((nr = realloc(p->recs, cap * sizeof(*nr))) == NULL) {
			p->nomem = 1;
			return (1);
		}
		p->recs = nr;
		p->cap = cap;
	}
	p->recs[p->n] = *r;
	if ((p->recs[p->n].body = strdup(r->body)) == NULL) {
		p->nomem = 1;
		return (1);
	}
	p->n++;
	return (0);
}

static int
change_failed(struct ipp_store *st, const char *id, int drop, unsigned long *n)
{
	struct pick p;
	size_t	i;
	int	rc;

	memset(&p, 0, sizeof(p));
	p.id = id;
	*n = 0;
	rc = ipp_outbox_scan(st, pick_cb, &p);
	if (rc >= 0 && p.nomem)
		rc = IPP_ERR;
	for (i = 0; rc >= 0 && i < p.n; i++) {
		struct ipp_outbox_rec *r = &p.recs[i];

		if (drop)
			rc = ipp_outbox_done(st, r);
		else {
			r->failed = 0;
			r->attempts = 0;
			r->next = 0;
			r->created = ipp_now();	/* max_age counts from here */
			rc = ipp_outbox_update(st, r);
		}
		if (rc == IPP_OK)
			(*n)++;
		else if (rc == IPP_NOTFOUND)
			rc = IPP_OK;
	}
	for (i = 0; i < p.n; i++)
		ipp_outbox_rec_free(&p.recs[i]);
	free(p.recs);
	return (rc < 0 ? rc : IPP_OK);
}

int
ipp_outbox_retry(struct ipp_store *st, const char *id, unsigned long *n)
{
	return (change_failed(st, id, 0, n));
}

int
ipp_outbox_drop(struct ipp_store *st, const char *id, unsigned long *n)
{
	return (change_failed(st, id, 1, n));
}
