/* journal.h - Postfix log lines from the systemd journal, with the proof
 * of origin a syslog file lacks: journald's trusted fields (_COMM, _UID,
 * _SYSTEMD_UNIT), which no client can set.  One entry of "journalctl -o
 * json" becomes the log line ipp_ingest_line() reads, or is refused. */
#ifndef IPP_JOURNAL_H
#define IPP_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

enum ipp_journal_verdict {
	IPP_JOURNAL_POSTFIX,	/* written by Postfix: the line is in LINE */
	IPP_JOURNAL_OTHER,	/* not a Postfix entry (its identifier says so) */
	IPP_JOURNAL_FORGED,	/* says Postfix, but its trusted fields do not */
	IPP_JOURNAL_BAD		/* not a journal entry: why says what */
};

/* Who may have written Postfix's entries: root and the mail_owner. */
struct ipp_journal_trust {
	uid_t	postfix_uid;
	int	have_postfix_uid;
};

/*
 * Judge one JSON entry (LEN bytes).  An entry is Postfix's when its
 * SYSLOG_IDENTIFIER ends in a Postfix program ("postfix/smtp",
 * "postfix-tx/ippool-tx-1/smtp"); it is accepted only when its _COMM is
 * that program, its _UID is 0 or Postfix's, and its _SYSTEMD_UNIT is a
 * postfix*.service.  Accepted, LINE gets "TIME HOST IDENT[PID]: MESSAGE"
 * (TIME in RFC 3339 from __REALTIME_TIMESTAMP) and *linelen its length;
 * refused, why says which field failed.
 */
enum ipp_journal_verdict ipp_journal_entry(const char *json, size_t len,
	    const struct ipp_journal_trust *, char *line, size_t linesize,
	    size_t *linelen, char *why, size_t whylen);

#endif
