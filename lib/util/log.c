/* log.c - syslog plus optional stderr, one line per message, thread-safe;
 * and the limits that keep a repeating message from flooding the log. */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>

#include "clock.h"
#include "hash.h"
#include "log.h"
#include "printable.h"

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
	char	raw[2048], buf[2048];
	int	saved = errno;

	(void) vsnprintf(raw, sizeof(raw), fmt, ap);
	/* messages quote log lines, headers and DNS answers: no control
	 * character reaches the terminal or the log */
	(void) ipp_printable_str(raw, buf, sizeof(buf));
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

/* --- log limits ------------------------------------------------------------ */

static pthread_mutex_t lim_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The one rule of every log limit, with lim_lock held: the first time,
 * then once interval seconds have passed (monotonic: a test's frozen or
 * shifted IPPOOL_NOW must not silence or flood the log).  Returns 1 to
 * log, with the number of repeats suppressed since the last one.
 */
static int
limit_pass(struct ipp_log_limit *lim, int interval, time_t now, unsigned long *skipped)
{
	if (lim->last == 0 || now - lim->last >= interval || now < lim->last) {
		*skipped = lim->suppressed;
		lim->suppressed = 0;
		lim->last = now;
		return (1);
	}
	lim->suppressed++;
	return (0);
}

void
msg_warn_limited(struct ipp_log_limit *lim, int interval, const char *fmt, ...)
{
	time_t	now = ipp_monotonic();
	unsigned long skipped = 0;
	int	emit;
	char	buf[1800];
	va_list	ap;

	(void) pthread_mutex_lock(&lim_lock);
	emit = limit_pass(lim, interval, now, &skipped);
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

/*
 * The keyed limits: a small set-associative table, so that memory stays
 * bounded whatever the keys (recipient domains chosen by senders).  A key
 * pushed out by newer ones is news again when it comes back.
 */
#define KEYED_SLOTS	512		/* power of two */
#define KEYED_WAYS	4		/* slots a key may take; power of two */
#define KEYED_KEYLEN	280		/* "what:" + a 255-byte domain */

static struct keyed {
	char	key[KEYED_KEYLEN];	/* "" when free */
	struct ipp_log_limit lim;
	unsigned long used;		/* keyed_clock at the last use */
} keyed[KEYED_SLOTS];
static unsigned long keyed_clock;	/* counts uses: least recently used goes */

/* The slot of key, or NULL; with lim_lock held.  *set: its first way. */
static struct keyed *
keyed_find(const char *key, struct keyed **set)
{
	struct keyed *k;
	int	i;

	*set = &keyed[ipp_hash_str(key) & (KEYED_SLOTS - 1) & ~(uint32_t) (KEYED_WAYS - 1)];
	for (i = 0, k = *set; i < KEYED_WAYS; i++, k++)
		if (strcmp(k->key, key) == 0)
			return (k);
	return (NULL);
}

int
ipp_log_once(const char *key, int interval)
{
	struct keyed *k, *set, *victim;
	char	kb[KEYED_KEYLEN];
	unsigned long skipped;
	time_t	now = ipp_monotonic();
	int	i, emit;

	/* a longer key is told apart by its first KEYED_KEYLEN - 1 bytes */
	(void) snprintf(kb, sizeof(kb), "%s", key);
	if (kb[0] == '\0')
		return (1);
	(void) pthread_mutex_lock(&lim_lock);
	if ((k = keyed_find(kb, &set)) == NULL) {
		/* a free way, else the least recently used one */
		for (i = 0, victim = set; i < KEYED_WAYS; i++)
			if (set[i].key[0] == '\0') {
				victim = &set[i];
				break;
			} else if (set[i].used < victim->used) {
				victim = &set[i];
			}
		k = victim;
		(void) memcpy(k->key, kb, sizeof(kb));
		memset(&k->lim, 0, sizeof(k->lim));
	}
	k->used = ++keyed_clock;
	emit = limit_pass(&k->lim, interval, now, &skipped);
	(void) pthread_mutex_unlock(&lim_lock);
	return (emit);
}

void
ipp_log_forget(const char *key)
{
	struct keyed *k, *set;
	char	kb[KEYED_KEYLEN];

	(void) snprintf(kb, sizeof(kb), "%s", key);
	if (kb[0] == '\0')
		return;
	(void) pthread_mutex_lock(&lim_lock);
	if ((k = keyed_find(kb, &set)) != NULL)
		k->key[0] = '\0';
	(void) pthread_mutex_unlock(&lim_lock);
}
