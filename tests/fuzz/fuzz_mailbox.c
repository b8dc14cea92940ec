/* fuzz_mailbox.c - From: header values (lib/util/mailbox.c, GMime's
 * address parser), as the milter reads them to decide what to sign. */
#include "autoconfig.h"

#include "fuzz.h"
#include "mailbox.h"

FUZZ_QUIET("fuzz_mailbox")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *value = fuzz_cstr(data, size), dom[256];
	unsigned n;

	n = ipp_from_mailboxes(value, dom, sizeof(dom));
	FUZZ_ASSERT(memchr(dom, '\0', sizeof(dom)) != NULL);
	if (n != 1)
		FUZZ_ASSERT(dom[0] == '\0');
	free(value);
	return (0);
}
