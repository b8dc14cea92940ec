/* fuzz_socketmap.c - ippool-policyd's socketmap input: netstrings framed
 * as the connection reads them (policy/frame.c), then read as "NAME KEY"
 * requests (policy/answer.c).  A recipient lookup of a pool goes to a
 * worker, the store and DNS (answer_socketmap_blocks): that part is
 * decided here but not run, so that the harness stays deterministic. */
#include "autoconfig.h"

#include "answer.h"
#include "config.h"
#include "frames.h"
#include "fuzzconf.h"

FUZZ_WITH_CONFIG("fuzz_socketmap")

static void
request(const char *req, size_t len)
{
	static const char *const words[] = { "OK ", "NOTFOUND ", "TEMP ", NULL };
	char	reply[ANSWER_MAX], why[256];
	enum metric kind;

	if (answer_socketmap_blocks(fuzz_cfg, req, len))
		return;
	reply[0] = why[0] = '\0';
	fuzz_answer_check(answer_socketmap(fuzz_cfg, NULL, NULL, req, len, reply, sizeof(reply),
	    &kind, why, sizeof(why)), reply, why, words);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_frames(frame_netstring, data, size, request);
	return (0);
}
