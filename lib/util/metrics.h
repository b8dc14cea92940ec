/* metrics.h - the process's metrics registry: counters, gauges and
 * histograms with labels, safe from any thread, and their Prometheus text
 * exposition (format 0.0.4: HELP and TYPE lines, counters named *_total,
 * base units: seconds, bytes).  Every program uses the one registry of its
 * process; ippool-milter and ippool-policyd serve it at GET /metrics
 * (lib/daemon/httpd.h), ippoolctl ingest --follow writes it to a file.
 *
 * Adding a counter, from any file of any layer:
 *
 *	static struct ipp_metric *m;
 *	m = ipp_metric_counter("ippool_unsubscribe_requests_total",
 *	    "Unsubscribe requests, by result.", "result");	// once, at start
 *	ipp_metric_add(m, 1, "accepted");			// then, any thread
 *
 * Registering a name again returns the same family (the help, type and
 * labels must be the same).  A family pointer may be NULL (out of memory
 * at registration): every call then does nothing. */
#ifndef IPP_METRICS_H
#define IPP_METRICS_H

#include <stddef.h>

struct ipp_metric;

/* Label values per family at most, and series per family at most (an
 * update past it is dropped with a limited warning: the page stays
 * bounded whatever the input). */
#define IPP_METRIC_LABELS_MAX	6
#define IPP_METRIC_SERIES_MAX	20000

/* Bucket bounds in seconds for latencies: 100 µs to 10 s. */
extern const double ipp_metric_latency_bounds[];
extern const size_t ipp_metric_latency_nbounds;

/*
 * Register (or find) a family.  labels: the label names separated by
 * commas ("pool,ip,isp"), or NULL for none.  A histogram's bounds are
 * increasing upper bounds (+Inf is implicit); NULL: the latency bounds.
 * NULL out of memory, or when the name is taken by another kind or label
 * list (logged: a programming error).
 */
struct ipp_metric *ipp_metric_counter(const char *name, const char *help, const char *labels);
struct ipp_metric *ipp_metric_gauge(const char *name, const char *help, const char *labels);
struct ipp_metric *ipp_metric_histogram(const char *name, const char *help,
	    const char *labels, const double *bounds, size_t nbounds);

/*
 * Update the series of the label values given after the number, exactly
 * as many as the family has labels (const char *; NULL is "").  A new
 * series starts at 0: ipp_metric_add(m, 0, ...) makes one visible.
 */
void	ipp_metric_add(struct ipp_metric *, double delta, ...);		/* counter, gauge */
void	ipp_metric_set(struct ipp_metric *, double value, ...);		/* gauge */
void	ipp_metric_observe(struct ipp_metric *, double value, ...);	/* histogram */

/* A series' value (a histogram's count); 0 if there is none. */
double	ipp_metric_value(struct ipp_metric *, ...);

/* Drop every series of a family: gauges that a collector sets afresh. */
void	ipp_metric_clear(struct ipp_metric *);

/* Call fn(arg) before each exposition (gauges read at scrape time);
 * 0, or -1 when the collectors' table is full. */
int	ipp_metrics_collector(void (*fn)(void *), void *arg);

/* ippool_build_info{program,version} 1. */
void	ipp_metrics_build_info(const char *program);

/* The exposition of every family, NUL-terminated, to free; NULL out of
 * memory.  Runs the collectors first. */
char   *ipp_metrics_render(size_t *len);

/* Write the exposition to PATH atomically (PATH.tmp, then renamed: a
 * textfile collector never reads half a file); 0, or -1 with err. */
int	ipp_metrics_write_file(const char *path, char *err, size_t errlen);

#endif
