/* log.c - syslog plus optional stderr, one line per message, thread-safe. */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>

#include "clock.h"
#include "log.h"

static const char *log_prog = "ippool";
static int log_dest = IPP_LOG_STDERR;
static int log_verbose;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
ipp_log_init(const char *progname, int dest)
{
	const char *slash = strrchr(progname, '/');

	log_prog = slash ? slash + 1 : progname;
	log_dest = dest;
	if (dest & IPP_LOG_SYSLOG)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

const char *
ipp_log_progname(void)
{
	return log_prog;
}

void
ipp_log_verbose(int level)
{
	log_verbose = level;
}

int
ipp_log_verbosity(void)
{
	return log_verbose;
}

static void
vlog(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char	buf[2048];
	int	saved = errno;

	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_dest & IPP_LOG_SYSLOG)
		syslog(prio, "%s%s", prefix, buf);
	if (log_dest & IPP_LOG_STDERR) {
		(void) pthread_mutex_lock(&log_lock);
		(void) fprintf(stderr, "%s: %s%s\n", log_prog, prefix, buf);
		(void) fflush(stderr);
		(void) pthread_mutex_unlock(&log_lock);
	}
	errno = saved;
}

#define LOGGER(name, prio, prefix) \
void \
name(const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	vlog(prio, prefix, fmt, ap); \
	va_end(ap); \
}

LOGGER(msg_info, LOG_INFO, "")
LOGGER(msg_warn, LOG_WARNING, "warning: ")
LOGGER(msg_error, LOG_ERR, "error: ")

void
msg_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose == 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}

void
msg_fatal_status(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(status);
}

void
msg_fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(EX_SOFTWARE);
}

void
msg_warn_limited(struct ipp_log_limit *lim, int interval, const char *fmt, ...)
{
	static pthread_mutex_t lim_lock = PTHREAD_MUTEX_INITIALIZER;
	time_t	now = ipp_now();
	unsigned long skipped = 0;
	int	emit = 0;
	char	buf[1800];
	va_list	ap;

	(void) pthread_mutex_lock(&lim_lock);
	if (lim->last == 0 || now - lim->last >= interval || now < lim->last) {
		emit = 1;
		skipped = lim->suppressed;
		lim->suppressed = 0;
		lim->last = now;
	} else {
		lim->suppressed++;
	}
	(void) pthread_mutex_unlock(&lim_lock);
	if (!emit)
		return;
	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (skipped)
		msg_warn("%s (%lu similar messages suppressed)", buf, skipped);
	else
		msg_warn("%s", buf);
}
