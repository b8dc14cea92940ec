/* cmd_events.c - "ippoolctl events run [--once]", "events list [--failed]
 * [--json]", "events retry [ID]" and "events drop ID|--failed": the
 * sender of the events outbox (lib/mail/evsend.c) and what an
 * administrator does with events that failed. */
#include "autoconfig.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
#include "ctl.h"
#include "events.h"
#include "evsend.h"
#include "log.h"

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static int
usage(void)
{
	(void) fputs("usage: ippoolctl events run [--once]\n"
	    "       ippoolctl events list [--failed] [--json]\n"
	    "       ippoolctl events retry [ID]\n"
	    "       ippoolctl events drop ID|--failed\n", stderr);
	return (EX_USAGE);
}

/* Wait SECONDS of real time, or less when asked to stop. */
static void
nap(long long seconds)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long long i;

	for (i = 0; i < seconds * 10 && !stop_requested; i++)
		(void) nanosleep(&ts, NULL);
}

static int
run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	struct ipp_evsend_stats st;
	struct ipp_evsend *s;
	struct sigaction sa;
	char	err[512];
	int	ch, once = 0, more, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			once = 1;
		else
			return (usage());
	}
	if (optind != argc)
		return (usage());
	if (!ipp_events_enabled(cfg)) {
		(void) fprintf(stderr, "ippoolctl: events run: %s: no [events] url, domain_urls or pool events_url is set\n",
		    cfg->file);
		return (IPP_EX_CONFIG);
	}
	/* as started (root): the key may be readable by root and a group only */
	if ((s = ipp_evsend_new(cfg, err, sizeof(err))) == NULL) {
		(void) fprintf(stderr, "ippoolctl: events run: [events] key: %s\n", err);
		return (IPP_EX_CONFIG);
	}
	(void) ctl_store(ctl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void) sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	memset(&st, 0, sizeof(st));
	if (!once)
		msg_info("events: sending from %s every %llds", ipp_store_describe(ctl->store),
		    cfg->ev_poll);
	rc = 0;
	while (!stop_requested) {
		unsigned long sent = st.sent;

		if (ipp_evsend_pass(s, ctl->store, cfg, &st, &more) != IPP_OK) {
			msg_warn("events: the store failed; trying again in %llds", cfg->ev_poll);
			if (once) {
				rc = EX_TEMPFAIL;
				break;
			}
			more = 0;
		}
		/* a pass posts one event per recipient: what was sent may have
		 * made the recipient's next one due */
		if (more || st.sent > sent)
			continue;
		if (once)
			break;
		nap(cfg->ev_poll);
	}
	msg_info("events: %s: %lu sent, %lu to retry, %lu failed",
	    stop_requested ? "stopped" : "done", st.sent, st.retried, st.failed);
	ipp_evsend_free(s);
	return (rc);
}

struct list_arg {
	int	failed_only;
	json_t *arr;
	unsigned long n;
	int	nomem;
};

static int
list_cb(const struct ipp_outbox_rec *r, void *arg)
{
	struct list_arg *la = arg;
	char	created[32], next[32];
	json_error_t jerr;
	json_t *o, *ev;

	if (la->failed_only && !r->failed)
		return (0);
	la->n++;
	ipp_fmt_iso(r->created, created, sizeof(created));
	ipp_fmt_iso(r->next, next, sizeof(next));
	if (la->arr == NULL) {
		(void) printf("%s %s %s %s %s attempts=%u%s%s%s%s\n", r->id, created, r->type, r->rcpt,
		    r->failed ? "failed" : "pending", r->attempts,
		    !r->failed && r->next ? " next=" : "", !r->failed && r->next ? next : "",
		    r->error[0] ? " error=" : "", r->error);
		return (0);
	}
	ev = json_loads(r->body, 0, &jerr);
	o = json_object();
	if (ev == NULL || o == NULL
	    || json_object_set_new(o, "id", json_string(r->id))
	    || json_object_set_new(o, "seq", json_integer((json_int_t) r->seq))
	    || json_object_set_new(o, "state", json_string(r->failed ? "failed" : "pending"))
	    || json_object_set_new(o, "recorded", json_string(created))
	    || json_object_set_new(o, "attempts", json_integer((json_int_t) r->attempts))
	    || json_object_set_new(o, "next", r->next && !r->failed ? json_string(next) : json_null())
	    || json_object_set_new(o, "error", r->error[0] ? json_string(r->error) : json_null())
	    || json_object_set_new(o, "event", ev)
	    || json_array_append_new(la->arr, o)) {
		json_decref(o);
		la->nomem = 1;
		return (1);
	}
	return (0);
}

static int
list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "failed", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct list_arg la;
	char   *s;
	int	ch, rc;

	memset(&la, 0, sizeof(la));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'f')
			la.failed_only = 1;
		else if (ch == 'j') {
			if (la.arr == NULL && (la.arr = json_array()) == NULL)
				return (EX_SOFTWARE);
		} else {
			json_decref(la.arr);
			return (usage());
		}
	}
	if (optind != argc) {
		json_decref(la.arr);
		return (usage());
	}
	rc = ipp_outbox_scan(ctl_store(ctl), list_cb, &la);
	if (rc < 0 || la.nomem) {
		json_decref(la.arr);
		(void) fprintf(stderr, "ippoolctl: events list: %s\n",
		    la.nomem ? "out of memory" : "the store failed");
		return (la.nomem ? EX_SOFTWARE : EX_TEMPFAIL);
	}
	if (la.arr != NULL) {
		s = json_dumps(la.arr, JSON_INDENT(2));
		json_decref(la.arr);
		if (s == NULL)
			return (EX_SOFTWARE);
		(void) printf("%s\n", s);
		free(s);
	}
	return (0);
}

static int
change(struct ctl *ctl, int argc, char **argv, int drop)
{
	const char *id = NULL;
	unsigned long n = 0;
	int	rc;

	if (argc > 2)
		return (usage());
	if (argc == 2 && strcmp(argv[1], "--failed") != 0) {
		if (argv[1][0] == '-')
			return (usage());
		id = argv[1];
	}
	if (drop && argc != 2)
		return (usage());
	rc = drop ? ipp_outbox_drop(ctl_store(ctl), id, &n)
	    : ipp_outbox_retry(ctl_store(ctl), id, &n);
	if (rc < 0) {
		(void) fprintf(stderr, "ippoolctl: events %s: the store failed\n", argv[0]);
		return (EX_TEMPFAIL);
	}
	if (id != NULL && n == 0) {
		(void) fprintf(stderr, "ippoolctl: events %s: no failed event %s\n", argv[0], id);
		return (1);
	}
	(void) printf("%lu failed event%s %s\n", n, n == 1 ? "" : "s",
	    drop ? "dropped" : "to be sent again");
	return (0);
}

int
cmd_events(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		return (usage());
	if (strcmp(argv[1], "run") == 0)
		return (run(ctl, argc - 1, argv + 1));
	if (strcmp(argv[1], "list") == 0)
		return (list(ctl, argc - 1, argv + 1));
	if (strcmp(argv[1], "retry") == 0)
		return (change(ctl, argc - 1, argv + 1, 0));
	if (strcmp(argv[1], "drop") == 0)
		return (change(ctl, argc - 1, argv + 1, 1));
	return (usage());
}
