/* ingest.h - the ingest layer of lib/ (may use lib/mail, lib/store,
 * lib/conf and lib/util): applying Postfix log lines to the store exactly once.  Each
 * line's effects and the mark that it was applied commit in one store
 * transaction, so a line read twice (overlapping files, a restarted
 * --follow) changes nothing.  The effects come from handlers: feedback.c
 * (suppressions, sender statistics) and the warm-up engine. */
#ifndef IPP_INGEST_H
#define IPP_INGEST_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "logparse.h"
#include "store.h"

struct ipp_ingest_stats {
	unsigned long read;		/* lines read */
	unsigned long applied;		/* lines whose effects were applied now */
	unsigned long duplicate;	/* lines applied before */
	unsigned long ignored;		/* Postfix lines nothing needs */
	unsigned long skipped;		/* foreign or malformed lines */
	unsigned long failed;		/* store failures (the line was not applied) */
};

/*
 * A handler looks at a parsed line inside the line's transaction.
 * wants() says whether the line concerns it (cheap, no store access);
 * apply() makes its changes with the txn calls and returns IPP_OK, or a
 * negative store code (IPP_RETRY must be passed up unchanged).  apply()
 * is a transaction body (store.h): it may run several times, so what it
 * has to say goes into OUT (cleared on entry): a note logged, and effects
 * counted in the metrics, once the line's transaction has committed.
 */
#define IPP_INGEST_NOTE_MAX 512
struct ipp_ingest_out {
	char	note[IPP_INGEST_NOTE_MAX];
	const char *suppressed;		/* a suppression added: why ("hard_bounce") */
	/* a pool instance's result: the pool, IP and ISP (NULL: none), and
	 * whether it was a backoff that paused the IP */
	const char *pool, *ip, *isp;
	int	backoff;
};
struct ipp_ingest_handler {
	const char *name;
	int	(*wants)(const struct ipp_config *, const struct ipp_logline *);
	int	(*apply)(struct ipp_txn *, const struct ipp_config *,
		    const struct ipp_logline *, struct ipp_ingest_out *);
};

/* Apply one raw line; "where" names it in warnings ("FILE:LINE"). */
int	ipp_ingest_line(struct ipp_store *, const struct ipp_config *,
	    const char *line, size_t len, const char *where,
	    struct ipp_ingest_stats *);

/* Register the ingest families (lines, findings, suppressions, backoffs)
 * so that they show from the start; ipp_ingest_line counts into them. */
void	ipp_ingest_metrics_init(void);
/* Every (pool, IP, ISP) series of the configuration at 0, so that a
 * counter's first step is seen as one by Prometheus. */
void	ipp_ingest_metrics_prime(const struct ipp_config *);

/* Forget applied-line marks older than the retention (60 days), and what
 * the handlers keep only for a while; feedback marks (fbapply.c) and
 * return-path records (retpath.c) too. */
int	ipp_ingest_purge(struct ipp_store *, const struct ipp_config *, time_t now);

#define IPP_INGEST_RETENTION (60L * 86400)

#endif
