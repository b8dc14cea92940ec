/* daystats.h - what happened each UTC day, kept for "ippoolctl report":
 *
 *   per (IP, ISP) and day, from the pool instances' logs (ingest): how
 *     many recipients were sent, deferred, bounced and complained about,
 *     with the warm-up day and capacity the IP had at that ISP that day;
 *   per (pool, ISP) and day, from the routing decisions (ippool-policyd):
 *     how many recipients left through the pool's own IPs, how many
 *     spilled over to its spillover pool, how many were deferred for
 *     want of capacity.
 *
 * The warm-up records hold today only; these hold the history, for
 * IPP_DAY_KEEP days.  Records in the stats table: "d|DAY|IP|ISP" and
 * "r|DAY|POOL|ISP" (DAY: 8 digits, days since 1970-01-01, so the keys
 * sort by day). */
#ifndef IPP_DAYSTATS_H
#define IPP_DAYSTATS_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

#define IPP_DAY_KEEP	400L		/* days a record is kept */
#define IPP_DAY_NOLEVEL	0		/* level: not known (no line of that day settled) */

/* Delivery results at one (IP, ISP) on one day. */
struct ipp_day_ip {
	long	day;
	char	ip[64];
	char	isp[IPP_NAME_MAX + 1];
	unsigned long sent, deferred, bounced, complained;
	unsigned level;			/* warm-up day; IPP_DAY_NOLEVEL: unknown */
	unsigned long cap;		/* capacity; IPP_WU_UNLIMITED: none */
};

/* Routing decisions for one (pool, ISP) on one day. */
struct ipp_day_route {
	long	day;
	char	pool[IPP_NAME_MAX + 1];
	char	isp[IPP_NAME_MAX + 1];
	unsigned long own, spilled, waited;
};

enum ipp_day_result { IPP_DAY_SENT, IPP_DAY_DEFERRED, IPP_DAY_BOUNCED, IPP_DAY_COMPLAINED };

/*
 * Inside a transaction: count one result for IP at ISP on DAY; when
 * level is not IPP_DAY_NOLEVEL, also set that day's warm-up day and
 * capacity.  IPP_OK or a negative store code.
 */
int	ipp_day_txn_result(struct ipp_txn *, long day, const char *ip, const char *isp,
	    enum ipp_day_result, unsigned level, unsigned long cap);

/* Inside a transaction: count N routing decisions of POOL at ISP on DAY
 * (own: an IP of the pool; spilled: of its spillover pool; else waited). */
enum ipp_day_route_kind { IPP_DAY_OWN, IPP_DAY_SPILLED, IPP_DAY_WAITED };
int	ipp_day_txn_route(struct ipp_txn *, long day, const char *pool, const char *isp,
	    enum ipp_day_route_kind, unsigned long n);

/* Record text: "sent=1 deferred=0 bounced=0 complained=0 level=3 cap=200|-",
 * "own=5 spilled=2 waited=0". */
int	ipp_day_ip_encode(const struct ipp_day_ip *, char *buf, size_t len);
int	ipp_day_ip_decode(const void *, size_t, struct ipp_day_ip *);
int	ipp_day_route_encode(const struct ipp_day_route *, char *buf, size_t len);
int	ipp_day_route_decode(const void *, size_t, struct ipp_day_route *);

/*
 * Every record of days first..last (inclusive), in key order: arrays the
 * caller frees.  IPP_OK or a negative store code.
 */
int	ipp_day_collect(struct ipp_store *, long first, long last,
	    struct ipp_day_ip **ips, size_t *nips,
	    struct ipp_day_route **routes, size_t *nroutes);

/* Drop records older than IPP_DAY_KEEP days before now. */
int	ipp_day_purge(struct ipp_store *, time_t now);

#endif
