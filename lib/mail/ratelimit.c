/* ratelimit.c - per-recipient hourly windows: the window operations of
 * lib/store/window.h on the store's window table, keyed by the canonical
 * address, with the spans of ratelimit.h.  Each reservation and each
 * settlement is one atomic store operation, so two reservations for one
 * address serialize in the store, whichever thread, process or host
 * makes them. */
#include "autoconfig.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"
#include "window.h"

static const struct ipp_window_span rl_span = { IPP_RL_WINDOW, IPP_RL_PENDING };

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

int
ipp_rl_reserve(struct ipp_store *st, const char *rcpt, unsigned limit, time_t now,
    uint64_t token, time_t *retry_at)
{
	int	rc;

	rc = ipp_window_reserve(st, rcpt, limit, &rl_span, now, token, retry_at);
	return (rc == IPP_WINDOW_FULL ? IPP_RL_OVER : rc);
}

int
ipp_rl_settle(struct ipp_store *st, const struct ipp_rl_resv *r, size_t n, int accept,
    time_t now)
{
	struct ipp_window_resv *w;
	size_t	i;
	int	rc;

	if (n == 0)
		return (IPP_OK);
	if ((w = calloc(n, sizeof(*w))) == NULL)
		return (IPP_ERR);
	for (i = 0; i < n; i++) {
		w[i].key = r[i].rcpt;
		w[i].token = r[i].token;
	}
	rc = ipp_window_settle(st, w, n, accept, &rl_span, now);
	free(w);
	return (rc);
}

int
ipp_rl_show(struct ipp_store *st, const char *rcpt, time_t now,
    struct ipp_rl_entry *out, size_t max, size_t *n)
{
	struct ipp_window_entry *e;
	size_t	i;
	int	rc;

	*n = 0;
	if (max == 0)
		return (IPP_OK);
	if ((e = calloc(max, sizeof(*e))) == NULL)
		return (IPP_ERR);
	rc = ipp_window_read(st, rcpt, &rl_span, now, e, max, n);
	for (i = 0; rc == IPP_OK && i < *n; i++) {
		out[i].when = e[i].when;
		out[i].pending = e[i].pending;
	}
	free(e);
	return (rc);
}

int
ipp_rl_reset(struct ipp_store *st, const char *rcpt)
{
	return (ipp_window_reset(st, rcpt));
}
