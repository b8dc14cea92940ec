/* test_csv.c - CSV fields for suppression import/export, and ISO times. */
#include "autoconfig.h"

#include "clock.h"
#include "csv.h"
#include "tap.h"

int
main(void)
{
	char	line[256], err[128], *f[IPP_CSV_MAXFIELDS], out[256];
	time_t	t;
	FILE   *fp;
	int	n;

	(void) strcpy(line, "a@b.example,,bounce,2026-11-23T09:25:00Z,permanent,op");
	n = ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err));
	ok(n == 6 && strcmp(f[0], "a@b.example") == 0 && f[1][0] == '\0'
	    && strcmp(f[4], "permanent") == 0, "six fields, one empty");
	(void) strcpy(line, "\"\"\"odd,one\"\"@b.example\",x");
	n = ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err));
	ok(n == 2 && strcmp(f[0], "\"odd,one\"@b.example") == 0, "quoted field with quotes and a comma");
	(void) strcpy(line, "\"open,x");
	ok(ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err)) < 0, "unterminated quote");
	is_str(err, "field 1: unterminated quote", "  reason");
	(void) strcpy(line, "\"a\"b,c");
	ok(ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err)) < 0, "text after closing quote");
	(void) strcpy(line, "a\"b,c");
	ok(ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err)) < 0, "quote inside unquoted field");
	(void) strcpy(line, "1,2,3");
	ok(ipp_csv_split(line, f, 2, err, sizeof(err)) < 0, "too many fields");

	memset(out, 0, sizeof(out));
	fp = fmemopen(out, sizeof(out), "w");
	ipp_csv_put(fp, "plain", 0);
	ipp_csv_put(fp, "\"odd,one\"@b.example", 0);
	ipp_csv_put(fp, "", 1);
	(void) fclose(fp);
	is_str(out, "plain,\"\"\"odd,one\"\"@b.example\",\n", "quoting on output");

	ok(ipp_parse_iso("2026-11-23T09:25:00Z", &t) == 0 && t == 1795425900, "ISO time with Z");
	ok(ipp_parse_iso("2026-11-23 09:25", &t) == 0 && t == 1795425900, "date and minutes");
	ok(ipp_parse_iso("2026-11-23T09:25:00+02:00", &t) != 0, "offsets refused (UTC only)");
	ok(ipp_parse_iso("yesterday", &t) != 0, "words refused");
	return (done_testing());
}
