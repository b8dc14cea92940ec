/* milter_metrics.h - ippool-milter's metrics in the process registry
 * (lib/util/metrics.h) and their GET /metrics listener on [milter]
 * metrics, served by the daemons' shared listener (lib/daemon/httpd.h) in
 * a thread of its own: messages and recipients by direction and outcome,
 * DKIM signatures by algorithm and failures, X-Settings tags by pool,
 * client tags removed, and the time of each libmilter callback. */
#ifndef MILTER_METRICS_H
#define MILTER_METRICS_H

#include "config.h"

/* Register every family (zeros visible from the start) and the build info. */
void	mm_init(void);

/* As root, with the other sockets: open [milter] metrics when set (exits
 * on failure, as for the milter socket). */
void	mm_listen(const struct ipp_config *);
/* Serve it (detached, unprivileged); stop before exit. */
void	mm_start(void);
void	mm_stop(void);

/* Outcomes (the label values, documented in ippool-milter(8)). */
#define MM_ACCEPTED		"accepted"
#define MM_HELD			"held"
#define MM_REFUSED_GUARD	"refused_guard"
#define MM_REFUSED_SUPPRESSED	"refused_suppressed"
#define MM_REFUSED_LIMIT	"refused_hourly_limit"
#define MM_REMOVED		"removed"
#define MM_TEMPFAIL		"tempfail"

void	mm_message(int outbound, const char *outcome);
void	mm_rcpt(int outbound, const char *outcome, unsigned long n);
void	mm_tag(const char *pool);
void	mm_client_tags(unsigned long n);
void	mm_signature(const char *algorithm);
void	mm_sign_failure(void);
void	mm_callback(const char *callback, double seconds);

#endif
