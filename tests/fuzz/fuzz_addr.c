/* fuzz_addr.c - envelope addresses as the MTA passes them: normalized,
 * then canonicalized (lib/util/addr.c), the key of every per-recipient
 * record.  The first byte picks the recipient delimiter; a canonical
 * form must be its own canonical form. */
#include "autoconfig.h"

#include "addr.h"
#include "fuzz.h"

FUZZ_QUIET("fuzz_addr")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const delims[] = { "", "+", "+-", "-" };
	char	norm[IPP_ADDR_MAX + 1], canon[IPP_ADDR_MAX + 1], again[IPP_ADDR_MAX + 1];
	const char *delim;
	char   *in;

	if (size == 0)
		return (0);
	delim = delims[data[0] % 4];
	in = fuzz_cstr(data + 1, size - 1);
	if (ipp_addr_normalize(in, norm, sizeof(norm)) == 0) {
		FUZZ_ASSERT(memchr(norm, '\0', sizeof(norm)) != NULL);
		(void) ipp_addr_domain(norm);
		if (ipp_addr_canon(norm, delim, canon, sizeof(canon)) == 0) {
			FUZZ_ASSERT(ipp_addr_canon(canon, delim, again, sizeof(again)) == 0);
			FUZZ_ASSERT(strcmp(canon, again) == 0);
		}
	}
	free(in);
	return (0);
}
