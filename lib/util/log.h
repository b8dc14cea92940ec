/* log.h - the one logging facility of every ippool program: syslog (mail
 * facility), plus stderr when running in the foreground or from a terminal,
 * in the style of Postfix's "warning:" and "fatal:" lines. */
#ifndef IPP_LOG_H
#define IPP_LOG_H

#include <stdarg.h>
#include <time.h>

/* Where messages go. */
enum ipp_log_dest {
	IPP_LOG_SYSLOG = 1,	/* syslog(3), LOG_MAIL */
	IPP_LOG_STDERR = 2	/* stderr, prefixed with the program name */
};

void	ipp_log_init(const char *progname, int dest);
const char *ipp_log_progname(void);
void	ipp_log_verbose(int level);
int	ipp_log_verbosity(void);

void	msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	msg_fatal_status(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * A warning that repeats at most once per interval seconds (e.g. "store
 * unavailable" under load); suppressed repeats are counted and reported
 * with the next one that gets through. The state is caller-owned and
 * thread-safe.  Intervals run on ipp_monotonic(), never on IPPOOL_NOW.
 */
struct ipp_log_limit {
	time_t	last;
	unsigned long suppressed;
};
#define IPP_LOG_LIMIT_INIT { 0, 0 }
void	msg_warn_limited(struct ipp_log_limit *, int interval,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The same rule for messages about many things ("no DKIM key for DOMAIN",
 * "MX lookup for DOMAIN failed"): should a message about key be logged
 * now?  1 the first time, then at most once per interval seconds per key.
 * Keys share a bounded table (a key pushed out by others is news again);
 * prefix them with what they are about ("nokey:", "mx:").  Thread-safe.
 */
int	ipp_log_once(const char *key, int interval);

/* The condition key was about is over (DNS answers again): its next
 * message is news, whatever the interval. */
void	ipp_log_forget(const char *key);

#endif
