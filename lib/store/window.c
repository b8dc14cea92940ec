/* window.c - the window record format and its operations (window.h):
 * run here as store transactions, unless the backend runs them itself
 * as one operation of its own (store_redis.c: a server-side script on
 * the same record format). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_backend.h"
#include "window.h"

struct entry {
	int64_t	when;
	uint64_t token;
	uint8_t	state;
};

struct window {
	struct entry *e;
	size_t	n, cap;
};

static void
put64(unsigned char *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int	i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

void
ipp_window_le64(unsigned char *p, uint64_t v)
{
	put64(p, v);
}

static int
win_decode(const struct ipp_buf *v, struct window *w)
{
	const unsigned char *p = v->data;
	size_t	i, n;

	w->n = 0;
	if (v->len % IPP_WINDOW_ENTRY_SIZE != 0)
		return (-1);		/* a broken record: start it afresh */
	n = v->len / IPP_WINDOW_ENTRY_SIZE;
	if (n > IPP_WINDOW_MAX_ENTRIES)
		return (-1);
	if (n + 1 > w->cap) {
		struct entry *g = realloc(w->e, (n + 1) * sizeof(*g));

		if (g == NULL)
			return (-2);
		w->e = g;
		w->cap = n + 1;
	}
	for (i = 0; i < n; i++, p += IPP_WINDOW_ENTRY_SIZE) {
		w->e[i].when = (int64_t) get64(p);
		w->e[i].token = get64(p + 8);
		w->e[i].state = p[16];
	}
	w->n = n;
	return (0);
}

/* Drop what no longer counts at NOW: old acceptances, lapsed reservations. */
static void
win_prune(struct window *w, const struct ipp_window_span *sp, time_t now)
{
	size_t	i, o = 0;

	for (i = 0; i < w->n; i++) {
		const struct entry *e = &w->e[i];

		if (e->when <= (int64_t) now - sp->span)
			continue;
		if (e->state == IPP_WINDOW_PENDING && e->when <= (int64_t) now - sp->pending)
			continue;
		w->e[o++] = *e;
	}
	w->n = o;
}

static int
win_store(struct ipp_txn *txn, const char *key, const struct window *w)
{
	unsigned char *buf;
	size_t	i;
	int	rc;

	if (w->n == 0) {
		/* IPP_RETRY too goes up: the body must run again */
		rc = ipp_txn_del(txn, IPP_T_WINDOW, key, strlen(key));
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	if ((buf = malloc(w->n * IPP_WINDOW_ENTRY_SIZE)) == NULL)
		return (IPP_ERR);
	for (i = 0; i < w->n; i++) {
		put64(buf + i * IPP_WINDOW_ENTRY_SIZE, (uint64_t) w->e[i].when);
		put64(buf + i * IPP_WINDOW_ENTRY_SIZE + 8, w->e[i].token);
		buf[i * IPP_WINDOW_ENTRY_SIZE + 16] = w->e[i].state;
	}
	rc = ipp_txn_put(txn, IPP_T_WINDOW, key, strlen(key), buf,
	    w->n * IPP_WINDOW_ENTRY_SIZE);
	free(buf);
	return (rc);
}

/* Read (for update when FLAGS say so) and prune the window of KEY. */
static int
win_load(struct ipp_txn *txn, const char *key, const struct ipp_window_span *sp,
    time_t now, struct window *w, int flags)
{
	struct ipp_buf v = { NULL, 0 };
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_WINDOW, key, strlen(key), &v, flags);
	if (rc == IPP_NOTFOUND) {
		w->n = 0;
		rc = IPP_OK;
	} else if (rc == IPP_OK && win_decode(&v, w) == -2) {
		rc = IPP_ERR;
	}
	free(v.data);
	if (rc == IPP_OK)
		win_prune(w, sp, now);
	return (rc);
}

struct reserve_arg {
	const char *key;
	unsigned limit;
	const struct ipp_window_span *sp;
	time_t	now, retry_at;
	uint64_t token;
	struct window w;
};

static int
reserve_body(struct ipp_txn *txn, void *arg)
{
	struct reserve_arg *ra = arg;
	size_t	i;
	int	rc;

	rc = win_load(txn, ra->key, ra->sp, ra->now, &ra->w, IPP_GET_RMW);
	if (rc != IPP_OK)
		return (rc);
	if (ra->w.n >= ra->limit) {
		int64_t	first = ra->w.n ? ra->w.e[0].when : (int64_t) ra->now;

		/* the oldest entry leaves the window first */
		for (i = 1; i < ra->w.n; i++)
			if (ra->w.e[i].when < first)
				first = ra->w.e[i].when;
		ra->retry_at = (time_t) first + ra->sp->span;
		return (IPP_WINDOW_FULL);
	}
	if (ra->w.n + 1 > ra->w.cap) {
		struct entry *g = realloc(ra->w.e, (ra->w.n + 1) * sizeof(*g));

		if (g == NULL)
			return (IPP_ERR);
		ra->w.e = g;
		ra->w.cap = ra->w.n + 1;
	}
	ra->w.e[ra->w.n].when = ra->now;
	ra->w.e[ra->w.n].token = ra->token;
	ra->w.e[ra->w.n].state = IPP_WINDOW_PENDING;
	ra->w.n++;
	if ((rc = win_store(txn, ra->key, &ra->w)) < 0)
		return (rc);
	return (IPP_OK);
}

/*
 * The spans as this store counts them.  Hosts sharing a store stamp
 * entries with their own clocks; one that runs d seconds ahead would see
 * another's entry stop counting d seconds early, and let a burst through
 * at the end of the window.  So each entry counts the clock skew the
 * configuration allows longer: a window never admits more than its
 * limit, at the price of entries counting a few seconds too long.
 */
static struct ipp_window_span
widen(const struct ipp_store *st, const struct ipp_window_span *sp)
{
	struct ipp_window_span w = *sp;
	time_t	skew = ipp_store_clock_skew(st);

	w.span += skew;
	w.pending += skew;
	return (w);
}

int
ipp_window_reserve(struct ipp_store *st, const char *key, unsigned limit,
    const struct ipp_window_span *span, time_t now, uint64_t token, time_t *retry_at)
{
	const struct ipp_store_ops *ops;
	struct ipp_window_span wide = widen(st, span), *sp = &wide;
	struct reserve_arg ra;
	void   *h;
	time_t	at = 0;
	int	rc;

	ops = ipp_store_backend(st, &h);
	if (ops->window_reserve != NULL) {
		rc = ops->window_reserve(h, key, strlen(key), limit, sp, now, token, &at);
	} else {
		memset(&ra, 0, sizeof(ra));
		ra.key = key;
		ra.limit = limit;
		ra.sp = sp;
		ra.now = now;
		ra.token = token;
		rc = ipp_store_run(st, reserve_body, &ra);
		free(ra.w.e);
		at = ra.retry_at;
	}
	if (rc == IPP_WINDOW_FULL && retry_at)
		*retry_at = at;
	return (rc);
}

struct settle_arg {
	const struct ipp_window_resv *r;
	size_t	n;
	int	accept;
	const struct ipp_window_span *sp;
	time_t	now;
	struct window w;
};

static int
settle_body(struct ipp_txn *txn, void *arg)
{
	struct settle_arg *sa = arg;
	size_t	i, j, o;
	int	rc;

	for (i = 0; i < sa->n; i++) {
		rc = win_load(txn, sa->r[i].key, sa->sp, sa->now, &sa->w, IPP_GET_RMW);
		if (rc != IPP_OK)
			return (rc);
		for (j = 0, o = 0; j < sa->w.n; j++) {
			struct entry *e = &sa->w.e[j];

			if (e->token == sa->r[i].token && e->state == IPP_WINDOW_PENDING) {
				if (!sa->accept)
					continue;		/* released */
				e->state = IPP_WINDOW_ACCEPTED;
				e->when = sa->now;		/* counts from acceptance */
			}
			sa->w.e[o++] = *e;
		}
		sa->w.n = o;
		if ((rc = win_store(txn, sa->r[i].key, &sa->w)) < 0)
			return (rc);
	}
	return (IPP_OK);
}

int
ipp_window_settle(struct ipp_store *st, const struct ipp_window_resv *r, size_t n,
    int accept, const struct ipp_window_span *span, time_t now)
{
	const struct ipp_store_ops *ops;
	struct ipp_window_span wide = widen(st, span), *sp = &wide;
	struct settle_arg sa;
	void   *h;
	int	rc;

	if (n == 0)
		return (IPP_OK);
	ops = ipp_store_backend(st, &h);
	if (ops->window_settle != NULL)
		return (ops->window_settle(h, r, n, accept, sp, now));
	memset(&sa, 0, sizeof(sa));
	sa.r = r;
	sa.n = n;
	sa.accept = accept;
	sa.sp = sp;
	sa.now = now;
	rc = ipp_store_run(st, settle_body, &sa);
	free(sa.w.e);
	return (rc);
}

struct show_arg {
	const char *key;
	const struct ipp_window_span *sp;
	time_t	now;
	struct window w;
	int	reset;
};

static int
show_body(struct ipp_txn *txn, void *arg)
{
	struct show_arg *sa = arg;
	int	rc;

	if (sa->reset) {
		rc = ipp_txn_del(txn, IPP_T_WINDOW, sa->key, strlen(sa->key));
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	return (win_load(txn, sa->key, sa->sp, sa->now, &sa->w, 0));
}

int
ipp_window_read(struct ipp_store *st, const char *key, const struct ipp_window_span *span,
    time_t now, struct ipp_window_entry *out, size_t max, size_t *n)
{
	struct ipp_window_span wide = widen(st, span), *sp = &wide;
	struct show_arg sa;
	size_t	i;
	int	rc;

	memset(&sa, 0, sizeof(sa));
	sa.key = key;
	sa.sp = sp;
	sa.now = now;
	rc = ipp_store_run(st, show_body, &sa);
	*n = 0;
	for (i = 0; rc == IPP_OK && i < sa.w.n && i < max; i++) {
		out[i].when = (time_t) sa.w.e[i].when;
		out[i].pending = sa.w.e[i].state == IPP_WINDOW_PENDING;
		(*n)++;
	}
	free(sa.w.e);
	return (rc);
}

int
ipp_window_reset(struct ipp_store *st, const char *key)
{
	struct show_arg sa;

	memset(&sa, 0, sizeof(sa));
	sa.key = key;
	sa.reset = 1;
	return (ipp_store_run(st, show_body, &sa));
}
