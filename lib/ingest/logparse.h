/* logparse.h - Postfix log lines as structured events: the delivery
 * status lines (to=..., status=sent|deferred|bounced|expired) with the
 * syslog_name that tells which pool transport (source IP) carried them,
 * and the queue manager's from= lines that tie a queue ID to its sender. */
#ifndef IPP_LOGPARSE_H
#define IPP_LOGPARSE_H

#include <stddef.h>
#include <time.h>

#include "addr.h"

enum ipp_logkind {
	IPP_LOGK_OTHER,		/* a Postfix line of no interest (connect, cleanup, ...) */
	IPP_LOGK_DELIVERY,	/* QID: to=<rcpt>, ..., status=... */
	IPP_LOGK_SENDER,	/* QID: from=<sender>, size=..., nrcpt=... */
	IPP_LOGK_EXPIRED	/* QID: from=<sender>, status=expired, returned to sender */
};

enum ipp_logstatus {
	IPP_LOGS_NONE,
	IPP_LOGS_SENT,
	IPP_LOGS_DEFERRED,
	IPP_LOGS_BOUNCED,
	IPP_LOGS_EXPIRED,
	IPP_LOGS_OTHER		/* deliverable, undeliverable, SOFTBOUNCE (address verification, soft_bounce) */
};

struct ipp_logline {
	time_t	when;
	char	host[256];
	char	syslog_name[128];	/* "postfix", "postfix/ippool-tx-1" */
	char	program[64];		/* "smtp", "error", "qmgr", "local", ... */
	char	qid[32];
	enum ipp_logkind kind;
	enum ipp_logstatus status;
	char	rcpt[IPP_ADDR_MAX + 1];		/* normalized (domain lower-cased) */
	char	orig_rcpt[IPP_ADDR_MAX + 1];
	char	sender[IPP_ADDR_MAX + 1];
	char	relay[256];
	char	dsn[16];			/* "5.1.1"; "" when absent */
	char	reply[1024];			/* the text in parentheses after status= */
};

enum ipp_logparse_result {
	IPP_LOGP_POSTFIX,	/* a Postfix line: see kind */
	IPP_LOGP_FOREIGN,	/* not a Postfix line */
	IPP_LOGP_MALFORMED	/* a Postfix status line with a broken field: err says which */
};

/*
 * Parse one line of LEN bytes (a trailing newline is allowed).  NOW
 * supplies the year of traditional "Mmm dd hh:mm:ss" syslog stamps
 * (RFC 3339 stamps, as rsyslog writes by default, are read as they are).
 */
enum ipp_logparse_result ipp_logparse(const char *line, size_t len, time_t now,
	    struct ipp_logline *, char *err, size_t errlen);

const char *ipp_logstatus_name(enum ipp_logstatus);

/* The class digit of a DSN: '2', '4', '5', or 0 when absent or malformed. */
int	ipp_dsn_class(const char *dsn);

#endif
