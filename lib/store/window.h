/* window.h - sliding windows in the store's window table: per key, a list
 * of stamped entries, each pending (reserved) or accepted, that count for
 * SPAN seconds (a pending one for PENDING seconds unless settled).  Each
 * call is one atomic store operation: a Berkeley DB transaction, or one
 * server-side script on Redis (store_redis.c), so a check and its
 * reservation can never be split by another host's write.
 *
 * Time: every call takes the caller's NOW (lib/util/clock.h, so
 * IPPOOL_NOW moves it in tests) and stamps and prunes with it; the store
 * never reads a clock of its own.  On a store shared by several hosts an
 * entry counts [store] redis_clock_skew longer than SPAN (window.c). */
#ifndef IPP_WINDOW_H
#define IPP_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define IPP_WINDOW_FULL	2	/* ipp_window_reserve: LIMIT entries count */

/* How long entries count, in seconds (both below IPP_WINDOW_IDLE_TTL). */
struct ipp_window_span {
	time_t	span;			/* an entry */
	time_t	pending;		/* a reservation nobody settled */
};

/*
 * Add a pending entry TOKEN stamped NOW to the window of KEY unless LIMIT
 * entries count at NOW.  IPP_OK; IPP_WINDOW_FULL with *retry_at = when the
 * oldest entry stops counting (nothing written); or a negative store code.
 */
int	ipp_window_reserve(struct ipp_store *, const char *key, unsigned limit,
	    const struct ipp_window_span *, time_t now, uint64_t token,
	    time_t *retry_at);

/*
 * Settle the pending entries (KEY, TOKEN), all in one atomic operation:
 * accept (the entry now counts from NOW) or release (removed).
 */
struct ipp_window_resv {
	const char *key;
	uint64_t token;
};
int	ipp_window_settle(struct ipp_store *, const struct ipp_window_resv *, size_t n,
	    int accept, const struct ipp_window_span *, time_t now);

/* The entries of KEY that count at NOW, in the order they were made. */
struct ipp_window_entry {
	time_t	when;
	int	pending;
};
int	ipp_window_read(struct ipp_store *, const char *key,
	    const struct ipp_window_span *, time_t now, struct ipp_window_entry *out,
	    size_t max, size_t *n);
int	ipp_window_reset(struct ipp_store *, const char *key);

/* The record format, for a backend that runs the operations itself: an
 * entry is ENTRY_SIZE bytes, the stamp and the token little-endian
 * 64-bit, then the state. */
#define IPP_WINDOW_ENTRY_SIZE	17
#define IPP_WINDOW_PENDING	0
#define IPP_WINDOW_ACCEPTED	1
#define IPP_WINDOW_MAX_ENTRIES	100000
void	ipp_window_le64(unsigned char *p, uint64_t v);	/* 8 bytes */

#endif
