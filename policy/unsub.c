/* unsub.c - the endpoint's answers.  A token is checked with the keys
 * attached to the running configuration, no stored state; a GET (a link
 * scanner, a preview pane, a person) gets a page whose form POSTs the
 * one-click body, and changes nothing; a one-click POST suppresses the
 * token's recipient for the token's sender domain, permanently, in a
 * worker (the store may wait for a lock or a Redis timeout).  A store
 * failure is a 503 with Retry-After: the provider retries, and no 200 is
 * ever given for an unsubscribe that is not stored.  Pages show only
 * what the token names, HTML-escaped; nothing of the request. */
#include "autoconfig.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "confref.h"
#include "form.h"
#include "log.h"
#include "policy_metrics.h"
#include "suppress.h"
#include "unsub.h"
#include "unsubscribe.h"
#include "unsubtoken.h"
#include "workers.h"

#define STORE_RETRY_AFTER	60	/* seconds, after a store failure */
#define BUSY_RETRY_AFTER	10	/* seconds, when the workers are full */

struct unsub_keys {
	struct ipp_hmac_keys keys;
};

struct unsub_job {
	struct job job;
	struct ipp_store *store;
	struct ipp_confref *ref;
	struct ipp_unsub_claim claim;
	char	client[64];
	int	rc;			/* IPP_OK stored, IPP_NOTFOUND there already */
	struct unsub_reply *r;
	unsub_done_fn done;
	void   *arg;
};

static struct ipp_log_limit store_lim = IPP_LOG_LIMIT_INIT, bad_lim = IPP_LOG_LIMIT_INIT,
	off_lim = IPP_LOG_LIMIT_INIT, busy_lim = IPP_LOG_LIMIT_INIT;

static void
keys_free(void *p)
{
	if (p != NULL)
		explicit_bzero(p, sizeof(struct unsub_keys));
	free(p);
}

int
unsub_prepare(struct ipp_config *cfg, const struct ipp_config *old, FILE *errs)
{
	struct unsub_keys *k;
	char	err[512];

	(void) old;
	if (!ipp_unsub_enabled(cfg, NULL))
		return (0);
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		(void) fprintf(errs, "[unsubscribe] key: out of memory\n");
		return (-1);
	}
	if (ipp_unsub_keys_load(cfg, &k->keys, err, sizeof(err)) != 0) {
		(void) fprintf(errs, "[unsubscribe] key: %s\n", err);
		keys_free(k);
		return (-1);
	}
	cfg->attach = k;
	cfg->attach_free = keys_free;
	return (0);
}

const char *
unsub_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 400: return ("Bad Request");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 411: return ("Length Required");
	case 413: return ("Content Too Large");
	case 429: return ("Too Many Requests");
	case 431: return ("Request Header Fields Too Large");
	case 503: return ("Service Unavailable");
	default: return ("Internal Server Error");
	}
}

/* s as HTML text or attribute value */
static void
html(struct evbuffer *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': (void) evbuffer_add(b, "&amp;", 5); break;
		case '<': (void) evbuffer_add(b, "&lt;", 4); break;
		case '>': (void) evbuffer_add(b, "&gt;", 4); break;
		case '"': (void) evbuffer_add(b, "&quot;", 6); break;
		case '\'': (void) evbuffer_add(b, "&#39;", 5); break;
		default: (void) evbuffer_add(b, s, 1);
		}
	}
}

static void
page_start(struct unsub_reply *r, int status, const char *title)
{
	r->status = status;
	(void) evbuffer_drain(r->body, evbuffer_get_length(r->body));
	(void) evbuffer_add_printf(r->body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>%s</title></head>\n<body>\n",
	    title);
}

static void
page_end(struct unsub_reply *r)
{
	(void) evbuffer_add_printf(r->body, "</body></html>\n");
}

void
unsub_page(struct unsub_reply *r, int status, int retry_after)
{
	static const struct {
		int	status;
		const char *text;
	} texts[] = {
		{ 400, "This unsubscribe link is not valid." },
		{ 404, "There is nothing here." },
		{ 405, "Only GET, HEAD and POST are answered here." },
		{ 408, "The request was not complete in time." },
		{ 411, "A POST needs a Content-Length (no chunked bodies)." },
		{ 413, "The request body is too large." },
		{ 429, "Too many requests from your address: try again in a minute." },
		{ 431, "The request's header fields are too large or too many." },
		{ 503, "The service is busy or unavailable: try again later." },
	};
	const char *text = "Internal error.";
	size_t	i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].status == status)
			text = texts[i].text;
	page_start(r, status, unsub_reason(status));
	r->retry_after = retry_after;
	(void) evbuffer_add_printf(r->body, "<p>%s</p>\n", text);
	page_end(r);
}

/* The form that POSTs the one-click body to this very URL (no action:
 * the document's own, whatever a proxy in front calls it). */
static void
page_confirm(struct unsub_reply *r, const struct ipp_unsub_claim *c)
{
	page_start(r, 200, "Unsubscribe");
	(void) evbuffer_add_printf(r->body, "<p>Unsubscribe <b>");
	html(r->body, c->rcpt);
	(void) evbuffer_add_printf(r->body, "</b> from mail sent by <b>");
	html(r->body, c->domain);
	(void) evbuffer_add_printf(r->body, "</b>?</p>\n<form method=\"post\">"
	    "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
	    "<button type=\"submit\">Unsubscribe</button></form>\n");
	page_end(r);
}

static void
page_done(struct unsub_reply *r, const struct ipp_unsub_claim *c)
{
	page_start(r, 200, "Unsubscribed");
	(void) evbuffer_add_printf(r->body, "<p><b>");
	html(r->body, c->rcpt);
	(void) evbuffer_add_printf(r->body, "</b> is unsubscribed from mail sent by <b>");
	html(r->body, c->domain);
	(void) evbuffer_add_printf(r->body, "</b>.</p>\n");
	page_end(r);
}

/* The path of [unsubscribe] url, "" for none ("https://host"). */
static void
url_path(const char *url, const char **p, size_t *n)
{
	const char *h = strstr(url, "://"), *s;

	h = h != NULL ? h + 3 : url;
	s = strchr(h, '/');
	*p = s != NULL ? s : "";
	*n = strlen(*p);
}

/* --- the suppression, in a worker -------------------------------------------- */

struct apply_arg {
	const struct ipp_config *cfg;
	const struct ipp_supp *s;
};

static int
apply_body(struct ipp_txn *txn, void *arg)
{
	struct apply_arg *a = arg;

	return (ipp_unsub_txn_apply(txn, a->cfg, a->s, "one-click"));
}

static void
job_run(struct job *j)
{
	struct unsub_job *uj = (struct unsub_job *) j;
	const struct ipp_config *cfg = ipp_confref_cfg(uj->ref);
	struct ipp_supp e, have;
	char	err[256];
	int	rc;

	(void) memset(&e, 0, sizeof(e));
	if (ipp_supp_set_target(&e, uj->claim.rcpt, uj->claim.domain, cfg->recipient_delimiter,
	    err, sizeof(err)) != 0) {
		/* the token was signed for it: cannot happen but for a changed delimiter */
		msg_warn("unsubscribe: %s for sender domain %s: %s", uj->claim.rcpt,
		    uj->claim.domain, err);
		uj->rc = IPP_ERR;
		return;
	}
	rc = ipp_supp_get(uj->store, e.addr, e.sender_domain, &have);
	if (rc == IPP_OK && have.expires == 0) {
		uj->rc = IPP_NOTFOUND;		/* there already: nothing changes */
		return;
	}
	if (rc < 0) {
		uj->rc = rc;
		return;
	}
	e.reason = IPP_SUPP_UNSUBSCRIBE;
	e.created = ipp_now();
	e.expires = 0;
	(void) snprintf(e.source, sizeof(e.source), "unsubscribe %s", uj->client);
	/* EXTEND: a second POST racing this one keeps the first's entry */
	{
		struct apply_arg a = { cfg, &e };

		uj->rc = ipp_store_run(uj->store, apply_body, &a);
	}
}

static void
job_done(struct job *j)
{
	struct unsub_job *uj = (struct unsub_job *) j;
	const struct ipp_unsub_claim *c = &uj->claim;

	if (uj->rc == IPP_OK || uj->rc == IPP_NOTFOUND) {
		msg_info("unsubscribe: %s for sender domain %s from client %s: %s", c->rcpt,
		    c->domain, uj->client, uj->rc == IPP_OK ? "suppressed"
		    : "already suppressed");
		metrics_add(uj->rc == IPP_OK ? M_UNSUB_STORED : M_UNSUB_REPEAT, 1);
		page_done(uj->r, c);
	} else {
		msg_warn_limited(&store_lim, 60,
		    "unsubscribe: %s for sender domain %s from client %s: store unavailable: answering 503",
		    c->rcpt, c->domain, uj->client);
		metrics_add(M_UNSUB_FAILED, 1);
		unsub_page(uj->r, 503, STORE_RETRY_AFTER);
	}
	ipp_confref_put(uj->ref);
	uj->done(uj->arg);
	free(uj);
}

/* --- routing ------------------------------------------------------------------- */

int
unsub_answer(const struct http_head *h, const char *body, size_t blen, const char *client,
    struct ipp_store *store, struct workers *workers, struct unsub_reply *r,
    unsub_done_fn done, void *arg)
{
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ipp_confref_cfg(ref);
	const struct unsub_keys *k = cfg->attach;
	struct ipp_unsub_claim claim;
	struct unsub_job *uj;
	const char *path, *tok, *q, *why;
	size_t	plen, tlen;
	int	post = http_slice_is(&h->method, "POST");

	r->retry_after = 0;
	if (!ipp_unsub_enabled(cfg, NULL) || k == NULL) {
		msg_warn_limited(&off_lim, 60,
		    "unsubscribe: [unsubscribe] url or key is no longer set: answering 503 (restart to close the listener)");
		unsub_page(r, 503, STORE_RETRY_AFTER);
		goto out;
	}
	url_path(cfg->unsub_url, &path, &plen);
	tlen = h->target.len;
	if ((q = memchr(h->target.p, '?', tlen)) != NULL)
		tlen = (size_t) (q - h->target.p);
	if (tlen <= plen + 1 || memcmp(h->target.p, path, plen) != 0
	    || h->target.p[plen] != '/'
	    || memchr(h->target.p + plen + 1, '/', tlen - plen - 1) != NULL) {
		unsub_page(r, 404, 0);
		goto out;
	}
	tok = h->target.p + plen + 1;
	tlen -= plen + 1;
	if (!post && !http_slice_is(&h->method, "GET") && !http_slice_is(&h->method, "HEAD")) {
		unsub_page(r, 405, 0);
		goto out;
	}
	if (ipp_unsub_token_check(&k->keys, tok, tlen, &claim, &why) != 0) {
		msg_warn_limited(&bad_lim, 60, "unsubscribe: client %s: bad token (%s): answering 400",
		    client, why);
		metrics_add(M_UNSUB_BAD, 1);
		unsub_page(r, 400, 0);
		goto out;
	}
	if (!post) {
		page_confirm(r, &claim);
		goto out;
	}
	if (ipp_form_has(h->ctype.p, h->ctype.len, body, blen, "List-Unsubscribe", "One-Click")
	    != IPP_FORM_HAS) {
		msg_info("unsubscribe: %s for sender domain %s from client %s: not a one-click body: answering 400",
		    claim.rcpt, claim.domain, client);
		page_start(r, 400, unsub_reason(400));
		(void) evbuffer_add_printf(r->body,
		    "<p>A one-click unsubscribe POSTs the form field List-Unsubscribe=One-Click (RFC 8058).</p>\n");
		page_end(r);
		goto out;
	}
	if ((uj = calloc(1, sizeof(*uj))) != NULL) {
		uj->job.run = job_run;
		uj->job.done = job_done;
		uj->store = store;
		uj->ref = ref;
		uj->claim = claim;
		(void) snprintf(uj->client, sizeof(uj->client), "%s", client);
		uj->r = r;
		uj->done = done;
		uj->arg = arg;
		if (workers_submit(workers, &uj->job) == 0)
			return (1);
		free(uj);
	}
	msg_warn_limited(&busy_lim, 10, "unsubscribe: %zu suppressions waiting for the store: answering 503",
	    workers_pending(workers));
	metrics_add(M_UNSUB_FAILED, 1);
	unsub_page(r, 503, BUSY_RETRY_AFTER);
out:
	ipp_confref_put(ref);
	return (0);
}
