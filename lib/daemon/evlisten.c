/* evlisten.c - an evconnlistener with a pause after a failed accept().
 * The listener's own argument is this wrapper (its error callback needs
 * it); connections are passed on to the caller's callback and argument. */
#include "autoconfig.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evlisten.h"
#include "log.h"

struct ipp_evlisten {
	struct evconnlistener *l;
	struct event *retry;
	evconnlistener_cb cb;
	void   *arg;
	char	spec[128];
	struct ipp_log_limit lim;
};

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct ipp_evlisten *el = arg;

	el->cb(l, fd, sa, salen, el->arg);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct ipp_evlisten *el = arg;

	(void) fd;
	(void) what;
	(void) evconnlistener_enable(el->l);
}

static void
on_error(struct evconnlistener *l, void *arg)
{
	struct ipp_evlisten *el = arg;
	struct timeval sec = { 1, 0 };
	int	err = EVUTIL_SOCKET_ERROR();

	msg_warn_limited(&el->lim, 10, "accept on %s: %s", el->spec,
	    evutil_socket_error_to_string(err));
	(void) evconnlistener_disable(l);
	(void) event_add(el->retry, &sec);
}

struct ipp_evlisten *
ipp_evlisten_new(struct event_base *base, int fd, const char *spec, evconnlistener_cb cb,
    void *arg)
{
	struct ipp_evlisten *el;

	if ((el = calloc(1, sizeof(*el))) == NULL)
		return (NULL);
	el->cb = cb;
	el->arg = arg;
	(void) snprintf(el->spec, sizeof(el->spec), "%s", spec);
	if ((el->l = evconnlistener_new(base, on_accept, el,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		free(el);
		return (NULL);
	}
	if ((el->retry = evtimer_new(base, on_retry, el)) == NULL) {
		evconnlistener_free(el->l);
		free(el);
		return (NULL);
	}
	evconnlistener_set_error_cb(el->l, on_error);
	return (el);
}

struct evconnlistener *
ipp_evlisten_get(const struct ipp_evlisten *el)
{
	return (el->l);
}

void
ipp_evlisten_free(struct ipp_evlisten *el)
{
	if (el == NULL)
		return;
	event_free(el->retry);
	evconnlistener_free(el->l);
	free(el);
}
