/* report.h - the data of "ippoolctl report": the daily history
 * (daystats.h) of the last N days matched to the configured pools, IPs
 * and ISPs, one value a day with the days without records filled in, so
 * that the text, JSON and HTML renderings read the same arrays. */
#ifndef IPP_REPORT_H
#define IPP_REPORT_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* One (IP, ISP) on one day. */
struct ipp_rep_day {
	unsigned long sent, deferred, bounced, complained;
	unsigned level;		/* warm-up day; 0: not known that day */
	unsigned long cap;	/* capacity; IPP_WU_UNLIMITED: none or not known */
	unsigned long plan;	/* the schedule's capacity had every day since the
				 * first known one counted; IPP_WU_UNLIMITED: none */
};

/* An IP of a pool at an ISP, over the report's days. */
struct ipp_rep_ip {
	const struct ipp_pool *pool;
	size_t	ip;
	const struct ipp_isp *isp;
	struct ipp_rep_day *d;	/* ndays */
};

/* Where a pool's mail to an ISP went, per day (the routing decisions). */
struct ipp_rep_flow_day {
	unsigned long own, spilled, waited;
};
struct ipp_rep_flow {
	const struct ipp_pool *pool;
	const struct ipp_isp *isp;
	struct ipp_rep_flow_day *d;	/* ndays */
};

struct ipp_report {
	long	first;			/* the first day (days since 1970-01-01) */
	size_t	ndays;
	struct ipp_rep_ip *ips;		/* pool, IP, ISP with any record: config order */
	size_t	nips;
	struct ipp_rep_flow *flows;	/* pool, ISP with any routing record */
	size_t	nflows;
};

/*
 * The last `days` days up to today (now), of every pool or of `pool`
 * (NULL: all).  Returns IPP_OK or a negative store code; free with
 * ipp_report_free.
 */
int	ipp_report_gather(struct ipp_store *, const struct ipp_config *, time_t now,
	    unsigned days, const struct ipp_pool *pool, struct ipp_report *);
void	ipp_report_free(struct ipp_report *);

/* Totals of one pool at one ISP (isp NULL: every ISP) on day k (k >=
 * ndays: every day). */
void	ipp_report_sum(const struct ipp_report *, const struct ipp_pool *,
	    const struct ipp_isp *, size_t k, struct ipp_rep_day *sum,
	    struct ipp_rep_flow_day *flow);

#endif
