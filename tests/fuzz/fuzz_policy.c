/* fuzz_policy.c - ippool-policyd's policy delegation input: attribute
 * blocks framed as the connection reads them (policy/frame.c), then read
 * as a request (policy/answer.c answer_policy). */
#include "autoconfig.h"

#include "answer.h"
#include "config.h"
#include "frames.h"
#include "fuzzconf.h"

FUZZ_WITH_CONFIG("fuzz_policy")

static void
request(const char *req, size_t len)
{
	static const char *const words[] = { "action=", NULL };
	char	reply[ANSWER_MAX], why[256];
	enum metric kind;

	reply[0] = why[0] = '\0';
	fuzz_answer_check(answer_policy(fuzz_cfg, req, len, reply, sizeof(reply), &kind, why,
	    sizeof(why)), reply, why, words);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_frames(frame_policy, data, size, request);
	return (0);
}
