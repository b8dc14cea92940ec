/* fuzz_logparse.c - Postfix log lines (lib/ingest/logparse.c), split at
 * newlines and each passed as ippoolctl ingest passes it: an exact-size
 * buffer with no NUL after it.  Every field read must be terminated. */
#include "autoconfig.h"

#include "fuzz.h"
#include "logparse.h"

FUZZ_QUIET("fuzz_logparse")

static void
line(const uint8_t *data, size_t size)
{
	struct ipp_logline ll;
	char   *copy = fuzz_bytes(data, size), err[256];

	/* 2026-11-23 12:00 UTC, as the unit tests' "now" */
	switch (ipp_logparse(copy, size, (time_t) 1795435200, &ll, err, sizeof(err))) {
	case IPP_LOGP_MALFORMED:
		FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		break;
	case IPP_LOGP_POSTFIX:
		FUZZ_ASSERT(memchr(ll.host, '\0', sizeof(ll.host)) != NULL);
		FUZZ_ASSERT(memchr(ll.qid, '\0', sizeof(ll.qid)) != NULL);
		FUZZ_ASSERT(memchr(ll.rcpt, '\0', sizeof(ll.rcpt)) != NULL);
		FUZZ_ASSERT(memchr(ll.orig_rcpt, '\0', sizeof(ll.orig_rcpt)) != NULL);
		FUZZ_ASSERT(memchr(ll.sender, '\0', sizeof(ll.sender)) != NULL);
		FUZZ_ASSERT(memchr(ll.relay, '\0', sizeof(ll.relay)) != NULL);
		FUZZ_ASSERT(memchr(ll.dsn, '\0', sizeof(ll.dsn)) != NULL);
		FUZZ_ASSERT(memchr(ll.reply, '\0', sizeof(ll.reply)) != NULL);
		(void) ipp_logstatus_name(ll.status);
		(void) ipp_dsn_class(ll.dsn);
		break;
	case IPP_LOGP_FOREIGN:
		break;
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t) (end - p));
		line(p, (size_t) ((nl != NULL ? nl + 1 : end) - p));
		p = nl != NULL ? nl + 1 : end;
	}
	return (0);
}
