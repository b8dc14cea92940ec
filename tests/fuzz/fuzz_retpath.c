/* fuzz_retpath.c - the scan for return-path tokens in feedback mail
 * (lib/mail/retpath.c ipp_retpath_scan), over an exact-size buffer; the
 * first byte picks the [feedback] prefix.  Every token found is a token. */
#include "autoconfig.h"

#include <ctype.h>

#include "fuzz.h"
#include "retpath.h"

FUZZ_QUIET("fuzz_retpath")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "fb-", "", "bounce+", "x" };
	char	tok[IPP_RETPATH_TOKEN_LEN + 1];
	const char *prefix, *s, *p, *end;
	char   *copy;
	size_t	i, n = 0;

	if (size == 0)
		return (0);
	prefix = prefixes[data[0] % 4];
	copy = fuzz_bytes(data + 1, size - 1);
	end = copy + size - 1;
	for (s = copy; s < end && (p = ipp_retpath_scan(s, (size_t) (end - s), prefix, tok)) != NULL;
	    s = p) {
		FUZZ_ASSERT(p > s && p <= end);
		FUZZ_ASSERT(strlen(tok) == IPP_RETPATH_TOKEN_LEN);
		for (i = 0; i < IPP_RETPATH_TOKEN_LEN; i++)
			FUZZ_ASSERT(!isupper((unsigned char) tok[i]));
		n++;
	}
	FUZZ_ASSERT(n <= size);
	free(copy);
	return (0);
}
