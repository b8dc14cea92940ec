/* fuzz_config.c - ippool.conf (lib/conf/config_read.c and the checks
 * after it) from a file, as every program loads it: any text is either
 * a configuration or errors as "FILE:LINE: message" lines. */
#include "autoconfig.h"

#include "config.h"
#include "fuzz.h"

FUZZ_QUIET("fuzz_config")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipp_config *cfg;
	char   *errs = NULL;
	size_t	elen = 0;
	FILE   *fp;

	FUZZ_ASSERT((fp = open_memstream(&errs, &elen)) != NULL);
	cfg = ipp_config_load(fuzz_file("ippool.conf", data, size), fp);
	FUZZ_ASSERT(fclose(fp) == 0);
	if (cfg == NULL)
		FUZZ_ASSERT(elen > 0 && strstr(errs, "ippool.conf") != NULL);
	else {
		FUZZ_ASSERT(cfg->npools >= 1);
		ipp_config_free(cfg);
	}
	free(errs);
	return (0);
}
