/* fuzz_settings.c - the X-Settings decoder (lib/util/settings.c) with any
 * header value; what it accepts must encode back to the same pool. */
#include "autoconfig.h"

#include "fuzz.h"
#include "settings.h"

FUZZ_QUIET("fuzz_settings")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *value = fuzz_cstr(data, size), *json = NULL, *again, *json2 = NULL;
	char	pool[33], pool2[33], err[256];

	if (ipp_settings_decode(value, &json, pool, sizeof(pool), err, sizeof(err)) == 0) {
		FUZZ_ASSERT(json != NULL && pool[0] != '\0');
		FUZZ_ASSERT((again = ipp_settings_encode(pool)) != NULL);
		FUZZ_ASSERT(ipp_settings_decode(again, &json2, pool2, sizeof(pool2), err,
		    sizeof(err)) == 0);
		FUZZ_ASSERT(strcmp(pool, pool2) == 0);
		free(again);
		free(json2);
	} else
		FUZZ_ASSERT(json == NULL && memchr(err, '\0', sizeof(err)) != NULL);
	free(json);
	free(value);
	return (0);
}
