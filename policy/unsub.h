/* unsub.h - the one-click unsubscribe endpoint (RFC 8058, DESIGN.md
 * "One-click unsubscribe") on [unsubscribe] listen: what a request to
 * URL/TOKEN is answered, and the suppression a one-click POST makes.
 * The connections, their limits and TLS are unsub_server.c's. */
#ifndef POLICY_UNSUB_H
#define POLICY_UNSUB_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "httphead.h"
#include "store.h"

struct evbuffer;
struct workers;

/* An answer: the status, its page (text/html) and Retry-After. */
struct unsub_reply {
	int	status;
	int	retry_after;		/* seconds; 0: no Retry-After */
	struct evbuffer *body;		/* the caller's, filled here */
};

/*
 * The [unsubscribe] keys of a loaded configuration, attached to it (the
 * daemon's prepare and reload_prepare step): read when [unsubscribe] is
 * on, so that a key that cannot be read stops the start (78) or refuses
 * a reload (the running key stays).  Problems are lines on errs.
 */
int	unsub_prepare(struct ipp_config *new, const struct ipp_config *old, FILE *errs);

typedef void (*unsub_done_fn)(void *arg);

/*
 * Answer one complete request (HEAD, BODY of BLEN bytes) from CLIENT
 * (its address as text).  0: *r is the answer.  1: a suppression is
 * being stored by a worker; done(arg) runs in the loop thread once *r is
 * filled (r must stay valid until then).
 */
int	unsub_answer(const struct http_head *, const char *body, size_t blen,
	    const char *client, struct ipp_store *, struct workers *,
	    struct unsub_reply *r, unsub_done_fn done, void *arg);

/* A page for a status the connections give themselves (408, 413, ...). */
void	unsub_page(struct unsub_reply *, int status, int retry_after);

/* "OK", "Not Found", ... */
const char *unsub_reason(int status);

#endif
