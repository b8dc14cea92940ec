/* test_clock.c - IPPOOL_NOW, ipp_clock_init, the monotonic clock and the
 * time formats of replies. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "tap.h"

int
main(void)
{
	char	buf[64], err[200];
	int	fixed, status;
	long long v;
	time_t	t, m;
	pid_t	pid;

	ok(ipp_clock_parse("@1700000000", &fixed, &v) == 0 && fixed && v == 1700000000,
	    "@SECONDS is fixed");
	ok(ipp_clock_parse("+3600", &fixed, &v) == 0 && !fixed && v == 3600, "+SECONDS offset");
	ok(ipp_clock_parse("-86400", &fixed, &v) == 0 && !fixed && v == -86400,
	    "-SECONDS offset");
	ok(ipp_clock_parse("1700000000", &fixed, &v) != 0, "bare number refused");
	ok(ipp_clock_parse("@", &fixed, &v) != 0, "@ alone refused");
	ok(ipp_clock_parse("@12x", &fixed, &v) != 0, "@12x refused");

	/* first, in a child: the clock read without ipp_clock_init() */
	if ((pid = fork()) == 0) {
		(void) setenv("IPPOOL_NOW", "soon", 1);
		_exit(ipp_now() > 1700000000 ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
	    && WEXITSTATUS(status) == 0,
	    "without ipp_clock_init, a bad IPPOOL_NOW is reported, not fatal (any thread may read the clock)");

	(void) setenv("IPPOOL_NOW", "@12x", 1);
	err[0] = '\0';
	ok(ipp_clock_init(err, sizeof(err)) == -1, "ipp_clock_init: a bad IPPOOL_NOW is an error");
	is_str(err, "IPPOOL_NOW=\"@12x\": expected @SECONDS, +SECONDS or -SECONDS",
	    "  naming the variable, its value and what is expected");
	(void) setenv("IPPOOL_NOW", "1700000000", 1);
	ok(ipp_clock_init(err, sizeof(err)) == -1, "  a bare number too");
	(void) setenv("IPPOOL_NOW", "", 1);
	ok(ipp_clock_init(err, sizeof(err)) == 0, "an empty IPPOOL_NOW: the real clock");
	t = ipp_now();
	ok(t >= time(NULL) - 1 && t <= time(NULL), "  ipp_now is the real time");
	(void) unsetenv("IPPOOL_NOW");
	ok(ipp_clock_init(err, sizeof(err)) == 0, "no IPPOOL_NOW: the real clock");
	(void) setenv("IPPOOL_NOW", "-86400", 1);
	ok(ipp_clock_init(err, sizeof(err)) == 0, "-86400 accepted");
	t = ipp_now();
	ok(t >= time(NULL) - 86401 && t <= time(NULL) - 86400, "  ipp_now is a day behind");

	(void) setenv("IPPOOL_NOW", "@1795425900", 1);	/* 2026-11-23 09:25 UTC */
	ok(ipp_clock_init(err, sizeof(err)) == 0, "ipp_clock_init re-reads IPPOOL_NOW");
	t = ipp_now();
	is_int(t, 1795425900, "ipp_now honours IPPOOL_NOW=@");
	is_int(ipp_now(), 1795425900, "a fixed clock does not move");
	m = ipp_monotonic();
	ok(m != 1795425900 && m >= 0, "ipp_monotonic does not follow IPPOOL_NOW");
	ok(ipp_monotonic() >= m, "  and never goes back");
	ipp_fmt_hhmm(t + 3660, buf, sizeof(buf));
	is_str(buf, "10:26", "HH:MM in UTC");
	ipp_fmt_datetime(t, buf, sizeof(buf));
	is_str(buf, "2026-11-23 09:25", "date and time");
	ipp_fmt_iso(t, buf, sizeof(buf));
	is_str(buf, "2026-11-23T09:25:00Z", "ISO 8601");
	is_int(ipp_day(t), 20780, "UTC day number");
	is_int(ipp_day(20781L * 86400 - 1), 20780, "last second of a day");
	is_int(ipp_day(20781L * 86400), 20781, "day rolls at 00:00 UTC");
	return (done_testing());
}
