/* warmup_lease.h - warm-up capacity taken from the store in blocks while
 * routing is busy, so that most route lookups of ippool-policyd are
 * answered from memory instead of a store transaction each.
 *
 * A block is reserved in the store when it is taken (the record's
 * "reserved" counts it), so the units a process holds are used capacity
 * for every other process and host: an IP never sends more than its
 * day's capacity, whatever crashes.  Units not handed out go back within
 * about a second (ipp_wu_leases_sweep), or at exit; a process that dies
 * holding a block leaves at most that block counted until the day ends.
 * Blocks are taken only when a pool sees many lookups at an ISP (a
 * quiet pool is routed one transaction per lookup, exactly as before),
 * and are at most 1/32 of what is left, so a host never starves another
 * of the last units of a day. */
#ifndef IPP_WARMUP_LEASE_H
#define IPP_WARMUP_LEASE_H

#include <time.h>

#include "config.h"
#include "store.h"
#include "warmup.h"

#define IPP_LEASE_MAX		64	/* units per IP in one block */
#define IPP_LEASE_LIFE		1.0	/* seconds a block is used before it goes back */
#define IPP_LEASE_MIN_RATE	32	/* lookups a second before blocks are taken */

struct ipp_wu_leases;

struct ipp_wu_leases *ipp_wu_leases_new(void);
/* Frees the memory only: call ipp_wu_leases_sweep(..., 1) first. */
void	ipp_wu_leases_free(struct ipp_wu_leases *);

/*
 * Route from a block held in memory, never blocking (safe in an event
 * loop): 1 with the decision (an IP of POOL), 0 when a transaction is
 * needed (no block, another thread busy with it, or the pick is an IP
 * whose block is spent).
 */
int	ipp_wu_lease_try(struct ipp_wu_leases *, const struct ipp_config *,
	    const struct ipp_pool *, const struct ipp_isp *, time_t now,
	    struct ipp_wu_decision *);

/*
 * ipp_wu_store_route with blocks: one transaction that gives back what
 * is left of the pool's blocks at the ISP, routes this recipient, and
 * takes new blocks when the lookup rate calls for them.  Blocks; NULL
 * leases: a plain ipp_wu_store_route.  IPP_OK or a negative store code.
 */
int	ipp_wu_lease_route(struct ipp_wu_leases *, struct ipp_store *,
	    const struct ipp_config *, const struct ipp_pool *, const struct ipp_isp *,
	    time_t now, struct ipp_wu_decision *);

/*
 * Give back the blocks older than IPP_LEASE_LIFE (every block when ALL)
 * and write the routing history counted in memory (daystats.h).  Call it
 * about once a second from a thread that may block.  Returns the number
 * of units given back, or a negative store code (they stay held and
 * counted, and the next sweep tries again).
 */
long	ipp_wu_leases_sweep(struct ipp_wu_leases *, struct ipp_store *, int all);

/* Units held now, over every pool, IP and ISP (metrics, tests). */
unsigned long ipp_wu_leases_held(struct ipp_wu_leases *);

#endif
