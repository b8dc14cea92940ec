/* test_metrics.c - the metrics registry: series by label values, the
 * exposition's exact text (HELP, TYPE, escapes, cumulative buckets),
 * re-registration, the series cap, and updates from many threads. */
#include "autoconfig.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "tap.h"

static struct ipp_metric *hits;

static void *
hammer(void *arg)
{
	int	i;

	(void) arg;
	for (i = 0; i < 10000; i++)
		ipp_metric_add(hits, 1, i % 2 ? "odd" : "even");
	return (NULL);
}

static int collected;

static void
collect(void *arg)
{
	ipp_metric_clear(arg);
	ipp_metric_set(arg, ++collected, "x");
}

int
main(void)
{
	struct ipp_metric *c, *g, *h, *big, *sc;
	static const double b[] = { 0.1, 1 };
	pthread_t t[4];
	char   *text;
	size_t	len;
	int	i;

	c = ipp_metric_counter("t_msgs_total", "Messages, by outcome.", "outcome,direction");
	ok(c != NULL, "a counter registers");
	ok(ipp_metric_counter("t_msgs_total", "Messages, by outcome.", "outcome,direction") == c,
	    "registering the name again gives the same family");
	ok(ipp_metric_gauge("t_msgs_total", "x", "outcome,direction") == NULL,
	    "  another type under that name is refused");
	ok(ipp_metric_counter("t_msgs_total", "x", "outcome") == NULL,
	    "  so are other labels");
	ok(ipp_metric_counter("9bad", "x", NULL) == NULL, "a name may not start with a digit");
	ok(ipp_metric_counter("t_le_total", "x", "le") == NULL, "le is not a label of ours");
	ipp_metric_add(c, 1, "accepted", "outbound");
	ipp_metric_add(c, 2, "accepted", "outbound");
	ipp_metric_add(c, 1, "held", "outbound");
	ipp_metric_add(c, -5, "held", "outbound");
	is_int((int) ipp_metric_value(c, "accepted", "outbound"), 3, "a series adds up");
	is_int((int) ipp_metric_value(c, "held", "outbound"), 1, "a counter never goes down");
	is_int((int) ipp_metric_value(c, "refused", "outbound"), 0, "an unseen series is 0");

	g = ipp_metric_gauge("t_temp", "Quote \" and \\ and\nnewline.", "v");
	ipp_metric_set(g, 1.5, "a\"b\\c\nd");
	ipp_metric_set(g, INFINITY, "inf");
	h = ipp_metric_histogram("t_dur_seconds", "Durations.", NULL, b, 2);
	ipp_metric_observe(h, 0.05);
	ipp_metric_observe(h, 0.5);
	ipp_metric_observe(h, 3);
	(void) ipp_metric_gauge("t_empty", "No series.", "x");

	text = ipp_metrics_render(&len);
	ok(text != NULL && len == strlen(text), "the exposition renders");
	is_str(text,
	    "# HELP t_msgs_total Messages, by outcome.\n"
	    "# TYPE t_msgs_total counter\n"
	    "t_msgs_total{outcome=\"accepted\",direction=\"outbound\"} 3\n"
	    "t_msgs_total{outcome=\"held\",direction=\"outbound\"} 1\n"
	    "# HELP t_temp Quote \" and \\\\ and\\nnewline.\n"
	    "# TYPE t_temp gauge\n"
	    "t_temp{v=\"a\\\"b\\\\c\\nd\"} 1.5\n"
	    "t_temp{v=\"inf\"} +Inf\n"
	    "# HELP t_dur_seconds Durations.\n"
	    "# TYPE t_dur_seconds histogram\n"
	    "t_dur_seconds_bucket{le=\"0.1\"} 1\n"
	    "t_dur_seconds_bucket{le=\"1\"} 2\n"
	    "t_dur_seconds_bucket{le=\"+Inf\"} 3\n"
	    "t_dur_seconds_sum 3.55\n"
	    "t_dur_seconds_count 3\n"
	    "# HELP t_empty No series.\n"
	    "# TYPE t_empty gauge\n",
	    "the exact text: labels escaped, buckets cumulative, +Inf");
	free(text);

	sc = ipp_metric_gauge("t_scraped", "Set at scrape time.", "k");
	ok(ipp_metrics_collector(collect, sc) == 0, "a collector registers");
	text = ipp_metrics_render(NULL);
	free(text);
	text = ipp_metrics_render(NULL);
	ok(text != NULL && strstr(text, "t_scraped{k=\"x\"} 2\n") != NULL,
	    "the collector ran before each exposition");
	free(text);

	big = ipp_metric_counter("t_big_total", "Many series.", "n");
	for (i = 0; i < IPP_METRIC_SERIES_MAX + 10; i++) {
		char	n[16];

		(void) snprintf(n, sizeof(n), "%d", i);
		ipp_metric_add(big, 1, n);
	}
	is_int((int) ipp_metric_value(big, "19999"), 1, "the last series under the cap counts");
	is_int((int) ipp_metric_value(big, "20000"), 0, "  one past it is dropped");
	ipp_metric_clear(big);
	is_int((int) ipp_metric_value(big, "1"), 0, "a cleared family has no series");

	hits = ipp_metric_counter("t_hits_total", "Hits.", "parity");
	for (i = 0; i < 4; i++)
		(void) pthread_create(&t[i], NULL, hammer, NULL);
	for (i = 0; i < 4; i++)
		(void) pthread_join(t[i], NULL);
	is_int((int) ipp_metric_value(hits, "odd"), 20000, "4 threads x 5000: none lost");
	is_int((int) ipp_metric_value(hits, "even"), 20000, "  on either series");

	ipp_metric_add(NULL, 1, "x");
	ok(1, "a NULL family is ignored");
	return (done_testing());
}
