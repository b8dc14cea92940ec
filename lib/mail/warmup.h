/* warmup.h - the warm-up engine (DESIGN.md "Routing"): per (IP, ISP)
 * state, today's capacity from the schedule, the day rules (a day counts
 * when at least half its capacity was used, idle days decay, days roll at
 * 00:00 UTC), the choice of an IP for a recipient (warmest with capacity
 * first, spillover early in warm-up, deferral later), reservation and
 * settlement of capacity units, and backoff.
 *
 * The decisions are pure functions of states and a time, reached through
 * a small load/save interface, so that ippool-policyd (the store),
 * "ippoolctl ingest" (the store) and "ippoolctl warmup simulate" (memory)
 * run the same rules. */
#ifndef IPP_WARMUP_H
#define IPP_WARMUP_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

#define IPP_WU_UNLIMITED	ULONG_MAX

struct ipp_wu_state {
	unsigned level;		/* warm-up day: day `level` of the schedule; past its end: warm */
	long	day;		/* the UTC day the counters belong to */
	unsigned long sent;	/* deliveries confirmed by ingest that day */
	unsigned long reserved;	/* units handed out that day, not settled yet */
	unsigned long limit;	/* that day's cap after backoff, or IPP_WU_UNLIMITED */
	time_t	pause_until;	/* backoff pause; 0: none */
	long	last_active;	/* the last day with traffic (or "warmup set"); -1: never */
};

/* A state as it is before any traffic: day 1 of the schedule. */
void	ipp_wu_fresh(struct ipp_wu_state *, long today);

/* Record text in the store: "level=2 day=20415 sent=3 reserved=1 ...". */
int	ipp_wu_encode(const struct ipp_wu_state *, char *buf, size_t len);
int	ipp_wu_decode(const void *buf, size_t len, struct ipp_wu_state *);

/* The schedule that applies to an ISP, and its volume on warm-up day
 * `level` (IPP_WU_UNLIMITED past its end). */
const unsigned long *ipp_wu_schedule(const struct ipp_config *, const struct ipp_isp *,
	    size_t *n);
unsigned long ipp_wu_schedule_cap(const struct ipp_config *, const struct ipp_isp *,
	    unsigned level);

/* Bring a state to `today`: judge the day it holds, decay idle days,
 * clear the day's counters.  Nothing happens if it is already today's. */
void	ipp_wu_roll(const struct ipp_config *, const struct ipp_isp *,
	    struct ipp_wu_state *, long today);

/* Today's cap (schedule and backoff; IPP_WU_UNLIMITED for standard pools
 * and warm IPs), what was used, and what is left at `now` (0 if paused). */
unsigned long ipp_wu_capacity(const struct ipp_config *, const struct ipp_pool *,
	    const struct ipp_isp *, const struct ipp_wu_state *);
unsigned long ipp_wu_used(const struct ipp_wu_state *);
unsigned long ipp_wu_left(const struct ipp_config *, const struct ipp_pool *,
	    const struct ipp_isp *, const struct ipp_wu_state *, time_t now);
int	ipp_wu_paused(const struct ipp_pool *, const struct ipp_wu_state *, time_t now);

/* --- the routing decision ------------------------------------------------ */

/* Where states come from: the store inside a transaction, or memory.
 * load() fills a state as stored (or fresh for today) and returns IPP_OK
 * or a negative store code; save() returns IPP_OK or a negative code. */
struct ipp_wu_io {
	int	(*load)(void *ctx, const struct ipp_ip *, const struct ipp_isp *, long today,
		    struct ipp_wu_state *);
	int	(*save)(void *ctx, const struct ipp_ip *, const struct ipp_isp *,
		    const struct ipp_wu_state *);
	void   *ctx;
};

enum ipp_wu_kind {
	IPP_WU_ROUTE,		/* an IP of the pool */
	IPP_WU_SPILL,		/* an IP of the pool's spillover pool */
	IPP_WU_DEFER		/* no capacity: wait until `until` */
};

struct ipp_wu_decision {
	enum ipp_wu_kind kind;
	const struct ipp_pool *pool;	/* the pool whose IP carries the recipient */
	size_t	ip;			/* index into pool->ips */
	time_t	until;			/* IPP_WU_DEFER: when capacity returns */
};

/*
 * Choose an IP for one recipient of `pool` at `isp` and reserve one unit
 * of its capacity.  Returns IPP_OK with the decision, or a negative store
 * code (IPP_RETRY passed up for the transaction to run again).
 */
int	ipp_wu_route(const struct ipp_config *, const struct ipp_wu_io *,
	    const struct ipp_pool *, const struct ipp_isp *, time_t now,
	    struct ipp_wu_decision *);

/*
 * The IP of POOL ipp_wu_route would take given the states ST (one per
 * IP, brought to today), or -1 when none has capacity.  Managed: the
 * warmest (highest warm-up day) with capacity left, and among equally
 * warm ones the least used today, so they fill evenly; a colder IP only
 * when the warmer ones are full.  Standard: the least used, no caps.
 */
long	ipp_wu_pick(const struct ipp_config *, const struct ipp_pool *,
	    const struct ipp_isp *, const struct ipp_wu_state *, time_t now);

/* --- settlement and backoff (from the pool instances' logs) ---------------- */

enum ipp_wu_outcome { IPP_WU_DELIVERED, IPP_WU_DEFERRED };

/*
 * A delivery or deferral by IP `ip` of `pool` to `isp`, logged at `when`,
 * applied at `now`: a delivery confirms a reserved unit (or counts one
 * that was never reserved), a deferral returns it; a deferral whose text
 * matches [warmup] backoff halves today's cap and pauses the IP.  Sets
 * *backoff when it did.  Returns IPP_OK or a negative store code.
 */
int	ipp_wu_settle(const struct ipp_config *, const struct ipp_wu_io *,
	    const struct ipp_pool *, size_t ip, const struct ipp_isp *,
	    enum ipp_wu_outcome, const char *text, time_t when, time_t now, int *backoff);

/* Whether an ISP reply matches a [warmup] backoff pattern (see warmup.c). */
int	ipp_wu_backoff_match(const struct ipp_config *, const char *text);

/* The next 00:00 UTC after `now`. */
time_t	ipp_wu_next_day(time_t now);

/* --- the store ----------------------------------------------------------- */

/* Store-backed io for a transaction body. */
void	ipp_wu_txn_io(struct ipp_wu_io *, struct ipp_txn *);
/* Inside a transaction: give back N units reserved on DAY by IP at ISP
 * and never handed out (warmup_lease.h); nothing if the record holds
 * another day.  IPP_OK or a negative store code. */
int	ipp_wu_txn_release(struct ipp_txn *, const char *ip, const char *isp, long day,
	    unsigned long n);

/* Inside a transaction: route, reserve, and count the decision in the
 * day's history. */
int	ipp_wu_txn_route(struct ipp_txn *, const struct ipp_config *,
	    const struct ipp_pool *, const struct ipp_isp *, time_t now,
	    struct ipp_wu_decision *);
/* One transaction: route and reserve (retried on conflict). */
int	ipp_wu_store_route(struct ipp_store *, const struct ipp_config *,
	    const struct ipp_pool *, const struct ipp_isp *, time_t now,
	    struct ipp_wu_decision *);

/* Every configured (pool, IP, ISP) with its state brought to now. */
struct ipp_wu_row {
	const struct ipp_pool *pool;
	size_t	ip;
	const struct ipp_isp *isp;
	struct ipp_wu_state st;
	int	stored;			/* a record exists */
};
int	ipp_wu_store_snapshot(struct ipp_store *, const struct ipp_config *, time_t now,
	    struct ipp_wu_row **rows, size_t *nrows);

/* "warmup set": IP ip of pool is on warm-up day `level` at isp from today. */
int	ipp_wu_store_set(struct ipp_store *, const struct ipp_config *,
	    const struct ipp_ip *, const struct ipp_isp *, unsigned level, time_t now);

/* "warmup reset": forget the states of ip (NULL: all) at isp (NULL: all).
 * Returns the number of records removed, or a negative store code. */
long	ipp_wu_store_reset(struct ipp_store *, const char *ip, const char *isp);

#endif
