/* fuzz_fbreport.c - feedback mail (lib/ingest/fbreport.c): a whole message
 * as the pipe transport hands it to "ippoolctl feedback", read by GMime
 * and then as DSN, ARF, pattern bounce or auto-reply. */
#include "autoconfig.h"

#include "fbreport.h"
#include "fuzz.h"

FUZZ_QUIET("fuzz_fbreport")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipp_fbreport rep;
	char   *msg = fuzz_bytes(data, size);
	size_t	i;

	memset(&rep, 0, sizeof(rep));
	if (ipp_fbreport_parse(msg, size, "fb-", &rep) == 0) {
		FUZZ_ASSERT(rep.n >= 1 && rep.n <= IPP_FBREPORT_MAX_FINDINGS);
		FUZZ_ASSERT(rep.ntokens <= IPP_FBREPORT_MAX_TOKENS);
		FUZZ_ASSERT(memchr(rep.what, '\0', sizeof(rep.what)) != NULL);
		for (i = 0; i < rep.n; i++) {
			const struct ipp_finding *f = &rep.f[i];

			FUZZ_ASSERT(memchr(f->recipient, '\0', sizeof(f->recipient)) != NULL);
			FUZZ_ASSERT(memchr(f->status, '\0', sizeof(f->status)) != NULL);
			FUZZ_ASSERT(memchr(f->diagnostic, '\0', sizeof(f->diagnostic)) != NULL);
			FUZZ_ASSERT(memchr(f->remote_mta, '\0', sizeof(f->remote_mta)) != NULL);
			(void) ipp_fb_kind_name(f->kind);
			(void) ipp_fb_source_name(f->source);
		}
	}
	ipp_fbreport_free(&rep);
	free(msg);
	return (0);
}
