/* ratelimit.c - per-recipient windows in the store's window table.
 *
 * A window is one record per address: a list of 17-byte entries (time,
 * token, state), little-endian, pruned on every write.  Reserve reads the
 * record with a write lock (DB_RMW), so two reservations for one address
 * serialize in the store, whichever thread or process makes them. */
#include "autoconfig.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"

#define ENTRY_SIZE	17
#define MAX_ENTRIES	100000		/* hourly_limit is bounded by config */

enum { PENDING = 0, ACCEPTED = 1 };

struct entry {
	int64_t	when;
	uint64_t token;
	uint8_t	state;
};

struct window {
	struct entry *e;
	size_t	n, cap;
};

static uint64_t token_base;
static pthread_once_t token_once = PTHREAD_ONCE_INIT;

static void
token_init(void)
{
	if (RAND_bytes((unsigned char *) &token_base, sizeof(token_base)) != 1)
		token_base = ((uint64_t) getpid() << 32) ^ (uint64_t) time(NULL);
}

/* A random base per process, then a counter: unique and cheap. */
uint64_t
ipp_rl_token(void)
{
	static atomic_uint_fast64_t counter;

	(void) pthread_once(&token_once, token_init);
	return (token_base + (atomic_fetch_add(&counter, 1) + 1) * 0x9E3779B97F4A7C15ULL);
}

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

static int
win_decode(const struct ipp_buf *v, struct window *w)
{
	const unsigned char *p = v->data;
	size_t	i, n;

	w->n = 0;
	if (v->len % ENTRY_SIZE != 0)
		return (-1);		/* a broken record: start it afresh */
	n = v->len / ENTRY_SIZE;
	if (n > MAX_ENTRIES)
		return (-1);
	if (n + 1 > w->cap) {
		struct entry *g = realloc(w->e, (n + 1) * sizeof(*g));

		if (g == NULL)
			return (-2);
		w->e = g;
		w->cap = n + 1;
	}
	for (i = 0; i < n; i++, p += ENTRY_SIZE) {
		w->e[i].when = (int64_t) get64(p);
		w->e[i].token = get64(p + 8);
		w->e[i].state = p[16];
	}
	w->n = n;
	return (0);
}

/* Drop what no longer counts at NOW: old acceptances, lapsed reservations. */
static void
win_prune(struct window *w, time_t now)
{
	size_t	i, o = 0;

	for (i = 0; i < w->n; i++) {
		const struct entry *e = &w->e[i];

		if (e->when <= (int64_t) now - IPP_RL_WINDOW)
			continue;
		if (e->state == PENDING && e->when <= (int64_t) now - IPP_RL_PENDING)
			continue;
		w->e[o++] = *e;
	}
	w->n = o;
}

static int
win_store(struct ipp_txn *txn, const char *rcpt, const struct window *w)
{
	unsigned char *buf;
	size_t	i;
	int	rc;

	if (w->n == 0) {
		/* IPP_RETRY too goes up: the body must run again */
		rc = ipp_txn_del(txn, IPP_T_WINDOW, rcpt, strlen(rcpt));
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	if ((buf = malloc(w->n * ENTRY_SIZE)) == NULL)
		return (IPP_ERR);
	for (i = 0; i < w->n; i++) {
		put64(buf + i * ENTRY_SIZE, (uint64_t) w->e[i].when);
		put64(buf + i * ENTRY_SIZE + 8, w->e[i].token);
		buf[i * ENTRY_SIZE + 16] = w->e[i].state;
	}
	rc = ipp_txn_put(txn, IPP_T_WINDOW, rcpt, strlen(rcpt), buf, w->n * ENTRY_SIZE);
	free(buf);
	return (rc);
}

/* Read (locked for update) and prune the window of RCPT. */
static int
win_load(struct ipp_txn *txn, const char *rcpt, time_t now, struct window *w, int flags)
{
	struct ipp_buf v = { NULL, 0 };
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_WINDOW, rcpt, strlen(rcpt), &v, flags);
	if (rc == IPP_NOTFOUND) {
		w->n = 0;
		rc = IPP_OK;
	} else if (rc == IPP_OK && win_decode(&v, w) == -2) {
		rc = IPP_ERR;
	}
	free(v.data);
	if (rc == IPP_OK)
		win_prune(w, now);
	return (rc);
}

struct reserve_arg {
	const char *rcpt;
	unsigned limit;
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

	if ((rc = win_load(txn, ra->rcpt, ra->now, &ra->w, IPP_GET_RMW)) != IPP_OK)
		return (rc);
	if (ra->w.n >= ra->limit) {
		int64_t	first = ra->w.e[0].when;

		/* the oldest entry leaves the window first */
		for (i = 1; i < ra->w.n; i++)
			if (ra->w.e[i].when < first)
				first = ra->w.e[i].when;
		ra->retry_at = (time_t) first + IPP_RL_WINDOW;
		return (IPP_RL_OVER);
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
	ra->w.e[ra->w.n].state = PENDING;
	ra->w.n++;
	if ((rc = win_store(txn, ra->rcpt, &ra->w)) < 0)
		return (rc);
	return (IPP_OK);
}

int
ipp_rl_reserve(struct ipp_store *st, const char *rcpt, unsigned limit, time_t now,
    uint64_t token, time_t *retry_at)
{
	struct reserve_arg ra;
	int	rc;

	memset(&ra, 0, sizeof(ra));
	ra.rcpt = rcpt;
	ra.limit = limit;
	ra.now = now;
	ra.token = token;
	rc = ipp_store_run(st, reserve_body, &ra);
	free(ra.w.e);
	if (rc == IPP_RL_OVER && retry_at)
		*retry_at = ra.retry_at;
	return (rc);
}

struct settle_arg {
	const struct ipp_rl_resv *r;
	size_t	n;
	int	accept;
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
		if ((rc = win_load(txn, sa->r[i].rcpt, sa->now, &sa->w, IPP_GET_RMW)) != IPP_OK)
			return (rc);
		for (j = 0, o = 0; j < sa->w.n; j++) {
			struct entry *e = &sa->w.e[j];

			if (e->token == sa->r[i].token && e->state == PENDING) {
				if (!sa->accept)
					continue;		/* released */
				e->state = ACCEPTED;
				e->when = sa->now;		/* counts from acceptance */
			}
			sa->w.e[o++] = *e;
		}
		sa->w.n = o;
		if ((rc = win_store(txn, sa->r[i].rcpt, &sa->w)) < 0)
			return (rc);
	}
	return (IPP_OK);
}

int
ipp_rl_settle(struct ipp_store *st, const struct ipp_rl_resv *r, size_t n, int accept,
    time_t now)
{
	struct settle_arg sa;
	int	rc;

	if (n == 0)
		return (IPP_OK);
	memset(&sa, 0, sizeof(sa));
	sa.r = r;
	sa.n = n;
	sa.accept = accept;
	sa.now = now;
	rc = ipp_store_run(st, settle_body, &sa);
	free(sa.w.e);
	return (rc);
}

struct show_arg {
	const char *rcpt;
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
		rc = ipp_txn_del(txn, IPP_T_WINDOW, sa->rcpt, strlen(sa->rcpt));
		return (rc == IPP_NOTFOUND ? IPP_OK : rc);
	}
	return (win_load(txn, sa->rcpt, sa->now, &sa->w, 0));
}

int
ipp_rl_show(struct ipp_store *st, const char *rcpt, time_t now,
    struct ipp_rl_entry *out, size_t max, size_t *n)
{
	struct show_arg sa;
	size_t	i;
	int	rc;

	memset(&sa, 0, sizeof(sa));
	sa.rcpt = rcpt;
	sa.now = now;
	rc = ipp_store_run(st, show_body, &sa);
	*n = 0;
	for (i = 0; rc == IPP_OK && i < sa.w.n && i < max; i++) {
		out[i].when = (time_t) sa.w.e[i].when;
		out[i].pending = sa.w.e[i].state == PENDING;
		(*n)++;
	}
	free(sa.w.e);
	return (rc);
}

int
ipp_rl_reset(struct ipp_store *st, const char *rcpt)
{
	struct show_arg sa;

	memset(&sa, 0, sizeof(sa));
	sa.rcpt = rcpt;
	sa.reset = 1;
	return (ipp_store_run(st, show_body, &sa));
}
