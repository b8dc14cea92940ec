/* minserver.c - the baseline for bench/policy-rate.sh: a minimal server
 * of both protocols on libevent that frames requests like ippool-policyd
 * and answers a constant, so the difference in rate is the cost of
 * ippool's work (pool selection, ISP classification, a store transaction
 * per lookup, the worker hand-off).
 *   minserver SOCKETMAP-PORT POLICY-PORT */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev), *out = bufferevent_get_output(bev);
	int	policy = arg != NULL;

	for (;;) {
		if (policy) {
			struct evbuffer_ptr p = evbuffer_search(in, "\n\n", 2, NULL);

			if (p.pos < 0)
				return;
			(void) evbuffer_drain(in, (size_t) p.pos + 2);
			(void) evbuffer_add(out, "action=DUNNO\n\n", 14);
		} else {
			char	hdr[8];
			size_t	have = evbuffer_get_length(in), n = 0, i;
			ev_ssize_t got = evbuffer_copyout(in, hdr, have < 8 ? have : 8);

			for (i = 0; i < (size_t) got && hdr[i] >= '0' && hdr[i] <= '9'; i++)
				n = n * 10 + (size_t) (hdr[i] - '0');
			if (i == (size_t) got || have < i + n + 2)
				return;
			(void) evbuffer_drain(in, i + n + 2);
			(void) evbuffer_add(out, "18:OK ippool_tx_1:[x],", 22);
		}
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void) what;
	(void) arg;
	bufferevent_free(bev);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);

	(void) sa;
	(void) len;
	bufferevent_setcb(bev, on_read, NULL, on_event, arg);
	(void) bufferevent_enable(bev, EV_READ);
}

static struct evconnlistener *
listen_on(struct event_base *base, int port, void *arg)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short) port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (evconnlistener_new_bind(base, on_accept, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512, (struct sockaddr *) &sin, sizeof(sin)));
}

int
main(int argc, char **argv)
{
	struct event_base *base;

	if (argc != 3)
		return (64);
	(void) signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL || listen_on(base, atoi(argv[1]), NULL) == NULL
	    || listen_on(base, atoi(argv[2]), base) == NULL) {
		perror("listen");
		return (1);
	}
	return (event_base_dispatch(base) < 0);
}
