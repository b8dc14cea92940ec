/* clock.h - the one clock of every ippool program.  IPPOOL_NOW overrides it:
 * "@SECONDS" freezes time at that UNIX time, "+SECONDS"/"-SECONDS" shifts
 * the real clock, so tests move hours and days without waiting. */
#ifndef IPP_CLOCK_H
#define IPP_CLOCK_H

#include <stddef.h>
#include <time.h>

/*
 * Read IPPOOL_NOW once, at start-up before any thread: 0, or -1 with err
 * ("IPPOOL_NOW=...: expected ...") for the caller to exit on (78 in the
 * daemons, 64 in ippoolctl).  Called again, it re-reads the variable.
 */
int	ipp_clock_init(char *err, size_t errlen);

/* Business time: windows, warm-up days, expiry.  Follows IPPOOL_NOW. */
time_t	ipp_now(void);

/*
 * Infrastructure time in seconds since an arbitrary start
 * (CLOCK_MONOTONIC): checkpoints, log limits, timeouts.  Never follows
 * IPPOOL_NOW (a frozen test clock must not stop them) nor clock changes.
 */
time_t	ipp_monotonic(void);

/* The same clock in seconds with its fraction: durations (latency metrics). */
double	ipp_monotonic_fine(void);
/* CPU seconds of the calling thread (benchmarks). */
double	ipp_thread_cpu(void);

/* Parse an IPPOOL_NOW value; 0 on success, -1 if malformed. */
int	ipp_clock_parse(const char *spec, int *fixed, long long *value);

/* Formats used in replies and listings (UTC). */
void	ipp_fmt_hhmm(time_t, char *buf, size_t len);		/* "14:05" */
void	ipp_fmt_datetime(time_t, char *buf, size_t len);	/* "2026-11-23 14:05" */
void	ipp_fmt_iso(time_t, char *buf, size_t len);		/* "2026-11-23T14:05:09Z" */

/* Parse "2026-11-23T14:05:09Z" (or with a space, or without seconds). */
int	ipp_parse_iso(const char *, time_t *);

/* The UTC day number (days since 1970-01-01) of a time. */
long	ipp_day(time_t);

#endif
