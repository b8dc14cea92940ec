/* frames.h - the framing harnesses' driver (policy, socketmap, metrics
 * HTTP): the input goes into an evbuffer whole, and again in small reads
 * of varying size, as a slow or hostile client sends it.  Both must cut
 * the same requests and end in the same state: the framers keep a scan
 * position across reads (policy/frame.c), and a request must not depend
 * on where the reads fell. */
#ifndef IPP_FUZZ_FRAMES_H
#define IPP_FUZZ_FRAMES_H

#include <event2/buffer.h>

#include "frame.h"
#include "fuzz.h"

typedef enum frame (*fuzz_framer)(struct evbuffer *, size_t *, char **, size_t *,
	    char *, size_t);

/* What one pass cut: the requests, each as its length then its bytes. */
struct fuzz_cut {
	struct evbuffer *reqs;
	size_t	n;
	enum frame last;		/* FRAME_MORE or FRAME_BAD */
};

/* Take every request the buffer holds; 0, or -1 after FRAME_BAD. */
static inline int
fuzz_take(fuzz_framer f, struct evbuffer *in, size_t *scan, struct fuzz_cut *cut,
    void (*each)(const char *, size_t))
{
	char   *req, why[256];
	size_t	len;

	for (;;) {
		why[0] = '\0';
		switch (f(in, scan, &req, &len, why, sizeof(why))) {
		case FRAME_MORE:
			cut->last = FRAME_MORE;
			return (0);
		case FRAME_BAD:
			FUZZ_ASSERT(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
			cut->last = FRAME_BAD;
			return (-1);
		case FRAME_GOT:
			FUZZ_ASSERT(req != NULL && req[len] == '\0');
			FUZZ_ASSERT(evbuffer_add(cut->reqs, &len, sizeof(len)) == 0);
			FUZZ_ASSERT(evbuffer_add(cut->reqs, req, len) == 0);
			cut->n++;
			if (each != NULL)
				each(req, len);
			free(req);
			break;
		}
	}
}

/* Feed data whole (step 0) or in reads of 1 to 61 bytes. */
static inline void
fuzz_pass(fuzz_framer f, const uint8_t *data, size_t size, int step, struct fuzz_cut *cut,
    void (*each)(const char *, size_t))
{
	struct evbuffer *in = evbuffer_new();
	size_t	off = 0, scan = 0, n;
	unsigned r = (unsigned) size * 2654435761u;

	FUZZ_ASSERT(in != NULL && (cut->reqs = evbuffer_new()) != NULL);
	cut->n = 0;
	cut->last = FRAME_MORE;
	while (off < size) {
		r = r * 1103515245u + 12345u;
		n = step == 0 ? size - off : 1 + (r >> 16) % 61;
		if (n > size - off)
			n = size - off;
		FUZZ_ASSERT(evbuffer_add(in, data + off, n) == 0);
		off += n;
		if (fuzz_take(f, in, &scan, cut, each) != 0)
			break;
	}
	evbuffer_free(in);
}

/* Cut data both ways, compare, and hand each request of the first to each. */
static inline void
fuzz_frames(fuzz_framer f, const uint8_t *data, size_t size,
    void (*each)(const char *, size_t))
{
	struct fuzz_cut whole, reads;
	size_t	len = 0;

	fuzz_pass(f, data, size, 0, &whole, each);
	fuzz_pass(f, data, size, 1, &reads, NULL);
	FUZZ_ASSERT(whole.n == reads.n);
	FUZZ_ASSERT(whole.last == reads.last);
	len = evbuffer_get_length(whole.reqs);
	FUZZ_ASSERT(len == evbuffer_get_length(reads.reqs));
	if (len > 0)
		FUZZ_ASSERT(memcmp(evbuffer_pullup(whole.reqs, -1),
		    evbuffer_pullup(reads.reqs, -1), len) == 0);
	evbuffer_free(whole.reqs);
	evbuffer_free(reads.reqs);
}

#endif
