/* fuzz_http.c - the metrics listener's input: request heads framed as the
 * connection reads them (policy/frame.c), then their request line
 * (policy/http.c http_request). */
#include "autoconfig.h"

#include "frames.h"
#include "http.h"

FUZZ_QUIET("fuzz_http")

static void
request(const char *req, size_t len)
{
	enum http_want w = http_request(req, len);

	FUZZ_ASSERT(w >= HTTP_WANT_METRICS && w <= HTTP_WANT_BAD);
	if (w == HTTP_WANT_METRICS || w == HTTP_WANT_HEAD)
		FUZZ_ASSERT(len > 9 && (memcmp(req, "GET /metrics", 12) == 0
		    || memcmp(req, "HEAD /metrics", 13) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_frames(frame_http, data, size, request);
	return (0);
}
