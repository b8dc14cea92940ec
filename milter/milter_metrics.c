/* milter_metrics.c - the milter's families, and its metrics listener:
 * opened as root with the milter socket, served by lib/daemon/httpd.c in
 * its own thread and event base (libmilter owns the other threads), with
 * [milter] metrics_clients as its access list. */
#include "autoconfig.h"

#include <stdio.h>
#include <sysexits.h>

#include "confref.h"
#include "httpd.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "milter_metrics.h"
#include "parse.h"

static struct ipp_metric *msgs, *rcpts, *tags, *ctags, *sigs, *sigfail, *cbdur, *hconns,
	*hrefused, *hslow;
static char spec[300];
static int fd = -1;
static struct ipp_httpd_thread *thr;

void
mm_message(int outbound, const char *outcome)
{
	ipp_metric_add(msgs, 1, outbound ? "outbound" : "inbound", outcome);
}

void
mm_rcpt(int outbound, const char *outcome, unsigned long n)
{
	ipp_metric_add(rcpts, (double) n, outbound ? "outbound" : "inbound", outcome);
}

void
mm_tag(const char *pool)
{
	ipp_metric_add(tags, 1, pool);
}

void
mm_client_tags(unsigned long n)
{
	ipp_metric_add(ctags, (double) n);
}

void
mm_signature(const char *algorithm)
{
	ipp_metric_add(sigs, 1, algorithm);
}

void
mm_sign_failure(void)
{
	ipp_metric_add(sigfail, 1);
}

void
mm_callback(const char *callback, double seconds)
{
	ipp_metric_observe(cbdur, seconds, callback);
}

void
mm_init(void)
{
	static const char *const mo[] = { MM_ACCEPTED, MM_HELD, MM_REFUSED_GUARD, MM_TEMPFAIL };
	static const char *const ro[] = { MM_ACCEPTED, MM_REFUSED_SUPPRESSED, MM_REFUSED_LIMIT,
	    MM_REMOVED, MM_TEMPFAIL };
	size_t	i;

	msgs = ipp_metric_counter("ippool_milter_messages_total",
	    "Messages at their end, by direction and outcome (refused_guard: at MAIL FROM).",
	    "direction,outcome");
	rcpts = ipp_metric_counter("ippool_milter_recipients_total",
	    "Recipients, by direction and outcome.", "direction,outcome");
	tags = ipp_metric_counter("ippool_milter_tags_total",
	    "X-Settings tags added to outbound messages, by pool.", "pool");
	ctags = ipp_metric_counter("ippool_milter_client_tags_removed_total",
	    "Client-supplied tag headers removed.", NULL);
	sigs = ipp_metric_counter("ippool_milter_dkim_signatures_total",
	    "DKIM signatures added, by algorithm.", "algorithm");
	sigfail = ipp_metric_counter("ippool_milter_dkim_failures_total",
	    "Messages answered 4xx because they could not be signed.", NULL);
	cbdur = ipp_metric_histogram("ippool_milter_callback_duration_seconds",
	    "Time of one libmilter callback, store calls included.", "callback", NULL, 0);
	hconns = ipp_metric_gauge("ippool_milter_metrics_connections",
	    "Open connections to the metrics listener.", NULL);
	hrefused = ipp_metric_counter("ippool_milter_metrics_refused_total",
	    "Metrics connections refused: not in [milter] metrics_clients, or the cap.",
	    "reason");
	hslow = ipp_metric_counter("ippool_milter_metrics_slow_total",
	    "Metrics connections closed for a request or reply too slow.", NULL);
	for (i = 0; i < sizeof(mo) / sizeof(mo[0]); i++)
		ipp_metric_add(msgs, 0, "outbound", mo[i]);
	ipp_metric_add(msgs, 0, "inbound", MM_ACCEPTED);
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		ipp_metric_add(rcpts, 0, "outbound", ro[i]);
	ipp_metric_add(rcpts, 0, "inbound", MM_ACCEPTED);
	ipp_metric_add(ctags, 0);
	ipp_metric_add(sigfail, 0);
	ipp_metric_add(hconns, 0);
	ipp_metric_add(hrefused, 0, "clients");
	ipp_metric_add(hrefused, 0, "cap");
	ipp_metric_add(hslow, 0);
	ipp_metrics_build_info("ippool-milter");
}

/* --- the listener --------------------------------------------------------- */

static int
allowed(const struct ipp_ip *ip, void *arg)
{
	struct ipp_confref *ref = ipp_confref_get();
	const struct ipp_config *cfg = ipp_confref_cfg(ref);
	size_t	i;
	int	yes = 0;

	(void) arg;
	for (i = 0; cfg != NULL && i < cfg->nmilter_metrics_clients && !yes; i++)
		yes = ipp_net_contains(&cfg->milter_metrics_clients[i], ip);
	ipp_confref_put(ref);
	return (yes);
}

static void
count(enum ipp_httpd_event e, void *arg)
{
	(void) arg;
	switch (e) {
	case IPP_HTTPD_OPEN:
		ipp_metric_add(hconns, 1);
		break;
	case IPP_HTTPD_CLOSE:
		ipp_metric_add(hconns, -1);
		break;
	case IPP_HTTPD_REFUSED:
		ipp_metric_add(hrefused, 1, "clients");
		break;
	case IPP_HTTPD_OVERCAP:
		ipp_metric_add(hrefused, 1, "cap");
		break;
	case IPP_HTTPD_SLOW:
		ipp_metric_add(hslow, 1);
	}
}

void
mm_listen(const struct ipp_config *cfg)
{
	char	err[512];

	if (cfg->milter_metrics == NULL || *cfg->milter_metrics == '\0')
		return;
	(void) snprintf(spec, sizeof(spec), "%s", cfg->milter_metrics);
	if ((fd = ipp_listen_open(spec, (uid_t) -1, (gid_t) -1, err, sizeof(err))) < 0)
		msg_fatal_status(EX_UNAVAILABLE, "%s", err);
}

void
mm_start(void)
{
	struct ipp_httpd_kind k = {
		.name = "metrics", .max_conns = HTTPD_CONNS_METRICS,
		.clients_name = "[milter] metrics_clients", .allowed = allowed,
		.handle = ipp_httpd_metrics_handle, .count = count,
	};

	if (fd < 0)
		return;
	if ((thr = ipp_httpd_thread_start(&k, fd, spec)) == NULL)
		msg_fatal("cannot serve %s", spec);
}

void
mm_stop(void)
{
	ipp_httpd_thread_stop(thr);
	thr = NULL;
}
