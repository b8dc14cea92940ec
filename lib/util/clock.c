/* clock.c - ipp_now() and the IPPOOL_NOW override (DESIGN.md, "Time"),
 * and ipp_monotonic() for the timers that must not follow it. */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static atomic_int clock_ready;
static int clock_fixed;
static long long clock_value;

int
ipp_clock_parse(const char *spec, int *fixed, long long *value)
{
	char	*end;
	long long v;

	if (spec[0] != '@' && spec[0] != '+' && spec[0] != '-')
		return (-1);
	if (spec[1] < '0' || spec[1] > '9')
		return (-1);
	errno = 0;
	v = strtoll(spec + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v > (long long) INT_MAX * 64)
		return (-1);
	*fixed = spec[0] == '@';
	*value = spec[0] == '-' ? -v : v;
	return (0);
}

int
ipp_clock_init(char *err, size_t errlen)
{
	const char *spec = getenv("IPPOOL_NOW");
	int	fixed = 0;
	long long value = 0;

	if (spec != NULL && *spec != '\0'
	    && ipp_clock_parse(spec, &fixed, &value) != 0) {
		/* A mistyped override must not silently become the real clock. */
		(void) snprintf(err, errlen,
		    "IPPOOL_NOW=\"%.100s\": expected @SECONDS, +SECONDS or -SECONDS", spec);
		return (-1);
	}
	clock_fixed = fixed;
	clock_value = value;
	atomic_store(&clock_ready, 1);
	return (0);
}

/*
 * A program that did not call ipp_clock_init() (it should, before any
 * thread starts) still gets a clock; a bad override is then reported, not
 * fatal: this may run in any thread, and exiting there is worse.
 */
static void
clock_lazy(void)
{
	char	err[200];

	if (atomic_load(&clock_ready))
		return;
	if (ipp_clock_init(err, sizeof(err)) != 0)
		msg_error("%s: using the real clock", err);
}

time_t
ipp_now(void)
{
	(void) pthread_once(&clock_once, clock_lazy);
	if (clock_fixed)
		return ((time_t) clock_value);
	return (time(NULL) + (time_t) clock_value);
}

time_t
ipp_monotonic(void)
{
	struct timespec ts;

	/* cannot fail on Linux with a valid clock id; the real clock is a fallback */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return (time(NULL));
	return ((time_t) ts.tv_sec);
}

static void
fmt(time_t t, const char *f, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, f, &tm) == 0)
		(void) snprintf(buf, len, "?");
}

void
ipp_fmt_hhmm(time_t t, char *buf, size_t len)
{
	fmt(t, "%H:%M", buf, len);
}

void
ipp_fmt_datetime(time_t t, char *buf, size_t len)
{
	fmt(t, "%Y-%m-%d %H:%M", buf, len);
}

void
ipp_fmt_iso(time_t t, char *buf, size_t len)
{
	fmt(t, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

long
ipp_day(time_t t)
{
	return ((long) (t >= 0 ? t / 86400 : (t - 86399) / 86400));
}

int
ipp_parse_iso(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL
	    && (end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL
	    && (end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL
	    && (end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL)
		return (-1);
	if (*end == 'Z')
		end++;
	else if (strcmp(end, " UTC") == 0)
		end += 4;
	if (*end != '\0')
		return (-1);
	*out = timegm(&tm);
	return (0);
}

double
ipp_monotonic_fine(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return ((double) time(NULL));
	return ((double) ts.tv_sec + (double) ts.tv_nsec / 1e9);
}

/* CPU time the calling thread has used, in seconds: what a benchmark
 * tells apart from the time it spent waiting (for a core, a lock, I/O). */
double
ipp_thread_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return (0);
	return ((double) ts.tv_sec + (double) ts.tv_nsec / 1e9);
}
