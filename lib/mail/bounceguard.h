/* bounceguard.h - the bounce-rate and complaint-rate guard: per sender
 * domain, hard bounces, complaints and deliveries over a rolling 24 hours;
 * at bounce_block (with at least bounce_min messages) or at [feedback]
 * complaint_block (with at least complaint_min) the domain's mail is
 * paused at MAIL FROM until the rate falls below or an operator resumes
 * it.  Counts come from ingest and ippoolctl feedback (which counts per
 * pool too), the check from the milter. */
#ifndef IPP_BOUNCEGUARD_H
#define IPP_BOUNCEGUARD_H

#include <time.h>

#include "config.h"
#include "store.h"

#define IPP_GUARD_HOURS 24

struct ipp_guard_status {
	char	domain[256];
	unsigned long sent;		/* deliveries in the last 24 h */
	unsigned long bounced;		/* hard bounces in the last 24 h */
	unsigned long rate_ppm;		/* bounced / (sent + bounced), parts per million */
	unsigned long complaints;	/* complaints (ARF) in the last 24 h */
	unsigned long complaint_ppm;	/* complaints / sent (at least the complaints) */
	time_t	resumed;		/* last "sender resume", 0 if never */
	int	paused;			/* either of: */
	int	paused_bounces, paused_complaints;
};

/* Inside an ingest transaction: count a delivery or hard bounce at WHEN. */
int	ipp_guard_txn_count(struct ipp_txn *, const char *domain, time_t when,
	    unsigned sent, unsigned bounced);

/* The same, with complaints, for the sender DOMAIN and POOL ("" or NULL:
 * not counted). */
int	ipp_guard_txn_add(struct ipp_txn *, const char *domain, const char *pool,
	    time_t when, unsigned sent, unsigned bounced, unsigned complaints);

/* The domain's status at NOW under the config's thresholds. */
int	ipp_guard_check(struct ipp_store *, const struct ipp_config *, const char *domain,
	    time_t now, struct ipp_guard_status *);

/* Start the domain's counts afresh ("ippoolctl sender resume"). */
int	ipp_guard_resume(struct ipp_store *, const char *domain, time_t now);

/* Every domain with counts; cb returns IPP_SCAN_*. */
int	ipp_guard_scan(struct ipp_store *, const struct ipp_config *, time_t now,
	    int (*cb)(const struct ipp_guard_status *, void *), void *arg);

/* The same per pool (domain holds the pool's name; paused means nothing). */
int	ipp_guard_scan_pools(struct ipp_store *, const struct ipp_config *, time_t now,
	    int (*cb)(const struct ipp_guard_status *, void *), void *arg);

/* "8.26%" */
void	ipp_guard_fmt_rate(unsigned long ppm, char *buf, size_t len);

#endif
