/* ratelimit.h - at most N accepted messages per recipient address in any
 * sliding 60 minutes, exact under concurrency (threads and processes):
 * a slot is reserved at RCPT in one store transaction, and settled at
 * the end of the message: accepted, or released if the message is not. */
#ifndef IPP_RATELIMIT_H
#define IPP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define IPP_RL_WINDOW	3600	/* seconds */
#define IPP_RL_PENDING	900	/* a reservation nobody settled lapses after this */
/* an idle window record may vanish (store.h): only once nothing in it counts */
_Static_assert(IPP_RL_WINDOW < IPP_WINDOW_IDLE_TTL && IPP_RL_PENDING < IPP_WINDOW_IDLE_TTL,
    "a window entry outlives IPP_WINDOW_IDLE_TTL");
#define IPP_RL_OVER	2	/* ipp_rl_reserve: the limit is reached */

/* A fresh reservation token, unique across processes and threads. */
uint64_t ipp_rl_token(void);

/*
 * Reserve a slot for RCPT under LIMIT at NOW.  IPP_OK, IPP_RL_OVER with
 * *retry_at = when the next slot frees, or a negative store code.
 */
int	ipp_rl_reserve(struct ipp_store *, const char *rcpt, unsigned limit, time_t now,
	    uint64_t token, time_t *retry_at);

/*
 * Settle reservations, all in one transaction: accept (the slot now
 * counts from NOW, the time of acceptance) or release them.
 */
struct ipp_rl_resv {
	const char *rcpt;
	uint64_t token;
};
int	ipp_rl_settle(struct ipp_store *, const struct ipp_rl_resv *, size_t n,
	    int accept, time_t now);

/* For ippoolctl: the entries of a window at NOW. */
struct ipp_rl_entry {
	time_t	when;
	int	pending;
};
int	ipp_rl_show(struct ipp_store *, const char *rcpt, time_t now,
	    struct ipp_rl_entry *out, size_t max, size_t *n);
int	ipp_rl_reset(struct ipp_store *, const char *rcpt);

#endif
