/* evlisten.h - a libevent listener that survives running out of
 * descriptors: a failed accept() pauses it for a second (logged at most
 * every 10 seconds) instead of spinning on a socket that stays readable.
 * ippool-policyd's listeners and the HTTP listeners (httpd.c) use it. */
#ifndef IPP_EVLISTEN_H
#define IPP_EVLISTEN_H

#include <event2/listener.h>

struct ipp_evlisten;

/* Listen on fd (closed with the listener), calling cb(arg) per
 * connection; spec names it in logs.  NULL on failure. */
struct ipp_evlisten *ipp_evlisten_new(struct event_base *, int fd, const char *spec,
	    evconnlistener_cb cb, void *arg);
/* The evconnlistener, as the callback sees it. */
struct evconnlistener *ipp_evlisten_get(const struct ipp_evlisten *);
void	ipp_evlisten_free(struct ipp_evlisten *);

#endif
