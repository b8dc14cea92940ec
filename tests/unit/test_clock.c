/* test_clock.c - IPPOOL_NOW and the time formats of replies. */
#include "autoconfig.h"

#include <stdlib.h>

#include "clock.h"
#include "tap.h"

int
main(void)
{
	char	buf[64];
	int	fixed;
	long long v;
	time_t	t;

	ok(ipp_clock_parse("@1700000000", &fixed, &v) == 0 && fixed && v == 1700000000,
	    "@SECONDS is fixed");
	ok(ipp_clock_parse("+3600", &fixed, &v) == 0 && !fixed && v == 3600, "+SECONDS offset");
	ok(ipp_clock_parse("-86400", &fixed, &v) == 0 && !fixed && v == -86400,
	    "-SECONDS offset");
	ok(ipp_clock_parse("1700000000", &fixed, &v) != 0, "bare number refused");
	ok(ipp_clock_parse("@", &fixed, &v) != 0, "@ alone refused");
	ok(ipp_clock_parse("@12x", &fixed, &v) != 0, "@12x refused");

	(void) setenv("IPPOOL_NOW", "@1795425900", 1);	/* 2026-11-23 09:25 UTC */
	t = ipp_now();
	is_int(t, 1795425900, "ipp_now honours IPPOOL_NOW=@");
	is_int(ipp_now(), 1795425900, "a fixed clock does not move");
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
