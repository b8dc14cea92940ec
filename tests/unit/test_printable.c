/* test_printable.c - the one escape for text from outside: control
 * characters, C1 controls and broken UTF-8 become \xHH, text passes. */
#include "autoconfig.h"

#include <string.h>

#include "printable.h"
#include "tap.h"

static const char *
p(const char *in, size_t len, size_t outlen)
{
	static char out[256];

	return (ipp_printable(in, len, out, outlen));
}

int
main(void)
{
	char	small[8];

	is_str(p("v=spf1 -all", 11, 256), "v=spf1 -all", "plain ASCII passes");
	is_str(p("\x1b[2J", 4, 256), "\\x1b[2J", "ESC becomes \\x1b");
	is_str(p("a\nb\rc\td", 7, 256), "a\\x0ab\\x0dc\\x09d", "newline, CR, tab escaped");
	is_str(p("a\0b", 3, 256), "a\\x00b", "a NUL inside the length is escaped");
	is_str(p("x\x7f", 2, 256), "x\\x7f", "DEL escaped");
	is_str(p("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", 14, 256),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", "valid UTF-8 passes (2, 3, 4 bytes)");
	is_str(p("\xc2\x9b" "31m", 5, 256), "\\xc2\\x9b31m", "C1 CSI (U+009B) escaped");
	is_str(p("\xff\xfe", 2, 256), "\\xff\\xfe", "bytes that are not UTF-8 escaped");
	is_str(p("\xc0\xaf", 2, 256), "\\xc0\\xaf", "an overlong form escaped");
	is_str(p("\xed\xa0\x80", 3, 256), "\\xed\\xa0\\x80", "a surrogate escaped");
	is_str(p("\xe2\x82", 2, 256), "\\xe2\\x82", "a truncated sequence escaped");
	is_str(p("abcdefghij", 10, sizeof(small)), "abcd...", "too long: cut with ...");
	is_str(ipp_printable("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, small, sizeof(small)),
	    "\xe2\x82\xac...", "  at a character boundary");
	is_str(p("abc", 3, 4), "abc", "exactly fits");
	ok(ipp_printable_needed("\x1b", 1) && !ipp_printable_needed("ok \xc3\xa9", 5),
	    "ipp_printable_needed tells");
	is_str(ipp_printable_str("bell\a", small, sizeof(small)), "bell...", "a string, cut before an escape that does not fit");
	done_testing();
}
