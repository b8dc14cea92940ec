/* evsend.c - one pass of the events sender: pick from the outbox, in
 * sequence order, the first pending event of each recipient that is due
 * and whose receiver is not failing, post them one by one, and write
 * back what came of each. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clock.h"
#include "events.h"
#include "evsend.h"
#include "hash.h"
#include "hmackey.h"
#include "httppost.h"
#include "log.h"

#define BATCH		100
#define BUCKETS		4096
#define MAX_DOWN	64

struct down {
	char   *url;
	time_t	until;
};

struct ipp_evsend {
	struct ipp_hmac_key key;
	struct down down[MAX_DOWN];	/* receivers failing now */
	size_t	ndown;
};

struct ipp_evsend *
ipp_evsend_new(const struct ipp_config *cfg, char *err, size_t errlen)
{
	struct ipp_evsend *s;

	if (cfg->ev_key == NULL) {
		(void) snprintf(err, errlen, "no [events] key configured");
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (ipp_hmac_key_read(cfg->ev_key, &s->key, err, errlen) != 0) {
		free(s);
		return (NULL);
	}
	return (s);
}

void
ipp_evsend_free(struct ipp_evsend *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ndown; i++)
		free(s->down[i].url);
	OPENSSL_cleanse(&s->key, sizeof(s->key));
	free(s);
}

int
ipp_evsend_signature(const struct ipp_evsend *s, const char *body, size_t len,
    char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (HMAC(EVP_sha256(), s->key.data, (int) s->key.len, (const unsigned char *) body,
	    len, md, &mdlen) == NULL || outlen < 8 + 2 * (size_t) mdlen)
		return (-1);
	(void) strcpy(out, "sha256=");
	for (i = 0; i < mdlen; i++)
		(void) snprintf(out + 7 + 2 * i, outlen - 7 - 2 * i, "%02x", md[i]);
	return (0);
}

static struct down *
down_find(struct ipp_evsend *s, const char *url)
{
	size_t	i;

	for (i = 0; i < s->ndown; i++)
		if (strcmp(s->down[i].url, url) == 0)
			return (&s->down[i]);
	return (NULL);
}

static int
is_down(struct ipp_evsend *s, const char *url, time_t now)
{
	struct down *d = down_find(s, url);

	return (d != NULL && d->until > now);
}

static void
set_down(struct ipp_evsend *s, const char *url, time_t until)
{
	struct down *d = down_find(s, url);
	size_t	i, old = 0;

	if (d == NULL) {
		if (s->ndown == MAX_DOWN) {
			/* forget the one that recovers first */
			for (i = 1; i < s->ndown; i++)
				if (s->down[i].until < s->down[old].until)
					old = i;
			free(s->down[old].url);
			s->down[old] = s->down[--s->ndown];
		}
		d = &s->down[s->ndown];
		if ((d->url = strdup(url)) == NULL)
			return;		/* it is only a courtesy to the receiver */
		s->ndown++;
	}
	d->until = until;
}

/* Recipients seen in this pass: a chained set, freed at the end. */
struct seen {
	struct seen *next;
	char	rcpt[];
};

struct pass {
	struct ipp_evsend *s;
	const struct ipp_config *cfg;
	time_t	now;
	struct seen *set[BUCKETS];
	struct ipp_outbox_rec pick[BATCH];
	size_t	npick;
	int	full, nomem;
};

/* 1 when rcpt was seen already; else remembers it and returns 0 */
static int
seen_add(struct pass *p, const char *rcpt)
{
	uint32_t h = ipp_hash_str(rcpt) % BUCKETS;
	struct seen *e;
	size_t	len = strlen(rcpt);

	for (e = p->set[h]; e; e = e->next)
		if (strcmp(e->rcpt, rcpt) == 0)
			return (1);
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL) {
		p->nomem = 1;
		return (1);
	}
	(void) memcpy(e->rcpt, rcpt, len + 1);
	e->next = p->set[h];
	p->set[h] = e;
	return (0);
}

static int
pick_cb(const struct ipp_outbox_rec *r, void *arg)
{
	struct pass *p = arg;
	const char *url;

	/* a failed event waits for the administrator, not the recipient's
	 * later events */
	if (r->failed || seen_add(p, r->rcpt))
		return (p->nomem ? 1 : 0);
	if (r->next > p->now)
		return (0);
	url = ipp_event_url(p->cfg, r->pool, r->sender);
	if (url != NULL && is_down(p->s, url, p->now))
		return (0);
	if (p->npick == BATCH) {
		p->full = 1;
		return (1);
	}
	p->pick[p->npick] = *r;
	if ((p->pick[p->npick].body = strdup(r->body)) == NULL) {
		p->nomem = 1;
		return (1);
	}
	p->npick++;
	return (0);
}

static int
retryable(int status)
{
	return (status < 0 || status >= 500 || status == 408 || status == 429);
}

static long long
delay(const struct ipp_config *cfg, unsigned attempts)
{
	long long d = cfg->ev_backoff_min;

	while (attempts-- > 1 && d < cfg->ev_backoff_max)
		d *= 2;
	return (d < cfg->ev_backoff_max ? d : cfg->ev_backoff_max);
}

/* Post one event; write back what came of it. */
static int
post_one(struct pass *p, struct ipp_store *st, struct ipp_outbox_rec *r,
    struct ipp_evsend_stats *stats)
{
	const struct ipp_config *cfg = p->cfg;
	const char *url = ipp_event_url(cfg, r->pool, r->sender);
	struct ipp_http_post hp;
	char	sig[80], sighdr[100], idhdr[80], typehdr[48], reply[200], err[300];
	const char *hdrs[6];
	int	status, rc;
	long long d;

	if (url == NULL) {
		r->failed = 1;
		(void) snprintf(r->error, sizeof(r->error), "no receiver configured for it any more");
		msg_warn("events: event %s (%s to %s): no [events] URL applies to it any more; kept as failed",
		    r->id, r->type, r->rcpt);
		stats->failed++;
		return (ipp_outbox_update(st, r) < 0 ? IPP_ERR : IPP_OK);
	}
	if (is_down(p->s, url, p->now))
		return (IPP_OK);
	if (ipp_evsend_signature(p->s, r->body, strlen(r->body), sig, sizeof(sig)) != 0)
		return (IPP_ERR);
	(void) snprintf(sighdr, sizeof(sighdr), "X-Ippool-Signature: %s", sig);
	(void) snprintf(idhdr, sizeof(idhdr), "X-Ippool-Event-Id: %s", r->id);
	(void) snprintf(typehdr, sizeof(typehdr), "X-Ippool-Event-Type: %s", r->type);
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = sighdr;
	hdrs[2] = idhdr;
	hdrs[3] = typehdr;
	hdrs[4] = "Expect:";		/* no 100-continue round trip */
	hdrs[5] = NULL;
	memset(&hp, 0, sizeof(hp));
	hp.url = url;
	hp.body = r->body;
	hp.len = strlen(r->body);
	hp.headers = hdrs;
	hp.connect_timeout = (long) cfg->ev_connect_timeout;
	hp.timeout = (long) cfg->ev_timeout;
	hp.ca_file = cfg->ev_ca_file;
	err[0] = '\0';
	status = ipp_http_post(&hp, reply, sizeof(reply), err, sizeof(err));
	if (status >= 200 && status <= 299) {
		if (ipp_log_verbosity() > 0)
			msg_info("events: sent %s (%s to %s) to %s: %d", r->id, r->type, r->rcpt, url,
			    status);
		stats->sent++;
		return (ipp_outbox_done(st, r) < 0 ? IPP_ERR : IPP_OK);
	}
	r->attempts++;
	if (status < 0)
		(void) snprintf(r->error, sizeof(r->error), "%s", err);
	else
		(void) snprintf(r->error, sizeof(r->error), "answered %d%s%.160s", status,
		    reply[0] ? ": " : "", reply);
	if (!retryable(status)) {
		r->failed = 1;
		stats->failed++;
		msg_warn("events: event %s (%s to %s): %s: %s; not retried, kept as failed (ippoolctl events list --failed)",
		    r->id, r->type, r->rcpt, url, r->error);
	} else if (p->now - r->created >= cfg->ev_max_age) {
		r->failed = 1;
		stats->failed++;
		msg_warn("events: event %s (%s to %s): %s: %s; not delivered within max_age (%u attempts), kept as failed",
		    r->id, r->type, r->rcpt, url, r->error, r->attempts);
	} else {
		d = delay(cfg, r->attempts);
		r->next = p->now + (time_t) d;
		set_down(p->s, url, r->next);
		stats->retried++;
		msg_warn("events: %s: %s; event %s and the receiver's others wait %llds (attempt %u)",
		    url, r->error, r->id, d, r->attempts);
	}
	rc = ipp_outbox_update(st, r);
	return (rc < 0 ? IPP_ERR : IPP_OK);
}

int
ipp_evsend_pass(struct ipp_evsend *s, struct ipp_store *st, const struct ipp_config *cfg,
    struct ipp_evsend_stats *stats, int *more)
{
	struct pass *p;
	struct seen *e, *n;
	size_t	i;
	int	rc;

	*more = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (IPP_ERR);
	p->s = s;
	p->cfg = cfg;
	p->now = ipp_now();
	rc = ipp_outbox_scan(st, pick_cb, p);
	if (rc >= 0 && p->nomem)
		rc = IPP_ERR;
	for (i = 0; rc >= 0 && i < p->npick; i++)
		rc = post_one(p, st, &p->pick[i], stats);
	*more = rc >= 0 && p->full;
	for (i = 0; i < p->npick; i++)
		ipp_outbox_rec_free(&p->pick[i]);
	for (i = 0; i < BUCKETS; i++)
		for (e = p->set[i]; e; e = n) {
			n = e->next;
			free(e);
		}
	free(p);
	return (rc < 0 ? IPP_ERR : IPP_OK);
}
