/* test_logparse.c - Postfix log lines into events: both timestamp styles,
 * pool transport syslog names, every status, foreign and malformed lines. */
#include "autoconfig.h"

#include <stdlib.h>

#include "clock.h"
#include "logparse.h"
#include "tap.h"

static enum ipp_logparse_result
parse(const char *line, struct ipp_logline *ll, char *err)
{
	/* "now" is 2026-11-23 12:00 UTC */
	return (ipp_logparse(line, strlen(line), 1795435200, ll, err, 256));
}

/* As "ippoolctl ingest" passes a line: in a buffer without a NUL after it
 * (a heap copy of exactly its bytes, so that ASan sees any read past it). */
static enum ipp_logparse_result
parse_unterminated(const char *line, struct ipp_logline *ll, char *err)
{
	size_t	n = strlen(line);
	char   *copy = malloc(n);
	enum ipp_logparse_result r;

	if (copy == NULL)
		abort();
	(void) memcpy(copy, line, n);
	r = ipp_logparse(copy, n, 1795435200, ll, err, 256);
	free(copy);
	return (r);
}

int
main(void)
{
	struct ipp_logline ll;
	char	err[256], buf[64];

	is_int(parse("Nov 23 00:37:02 mta postfix/smtp[9665]: 1856DA72145: to=<someone@Gmail.COM>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=0.1, delays=0.09/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK  1700000000 x)\n",
	    &ll, err), IPP_LOGP_POSTFIX, "traditional stamp, status=sent");
	is_int(ll.kind, IPP_LOGK_DELIVERY, "  delivery line");
	is_int(ll.status, IPP_LOGS_SENT, "  sent");
	is_str(ll.rcpt, "someone@gmail.com", "  recipient normalized");
	is_str(ll.qid, "1856DA72145", "  queue id");
	is_str(ll.syslog_name, "postfix", "  syslog name");
	is_str(ll.program, "smtp", "  program");
	is_str(ll.dsn, "2.0.0", "  dsn");
	is_str(ll.relay, "gmail-smtp-in.l.google.com[142.250.1.27]:25", "  relay");
	is_str(ll.reply, "250 2.0.0 OK  1700000000 x", "  reply text without parentheses");
	ipp_fmt_iso(ll.when, buf, sizeof(buf));
	is_str(buf, "2026-11-23T00:37:02Z", "  year taken from now");

	is_int(parse("Dec 31 23:59:59 mta postfix/smtp[1]: ABCDE12345: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.1]:25: Connection refused)",
	    &ll, err), IPP_LOGP_POSTFIX, "a December line read in November");
	ipp_fmt_iso(ll.when, buf, sizeof(buf));
	is_str(buf, "2025-12-31T23:59:59Z", "  belongs to last year");
	is_int(ll.status, IPP_LOGS_DEFERRED, "  deferred");
	is_str(ll.relay, "none", "  relay=none");

	is_int(parse("2026-11-23T10:15:00.123456+01:00 mta postfix/ippool-tx-2/smtp[4242]: 4Q9sz7SllQzBcd: to=<x@yahoo.com>, orig_to=<X@Yahoo.com>, relay=mta5.am0.yahoodns.net[67.195.204.72]:25, delay=2.5, delays=0.1/0/1.2/1.2, dsn=4.7.0, status=deferred (host mta5.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command))",
	    &ll, err), IPP_LOGP_POSTFIX, "RFC 3339 stamp, pool transport, long queue id");
	ipp_fmt_iso(ll.when, buf, sizeof(buf));
	is_str(buf, "2026-11-23T09:15:00Z", "  offset applied");
	is_str(ll.syslog_name, "postfix/ippool-tx-2", "  pool transport syslog name");
	is_str(ll.orig_rcpt, "X@yahoo.com", "  orig_to");
	is_str(ll.dsn, "4.7.0", "  dsn 4.7.0");
	ok(strstr(ll.reply, "[TSS04]") != NULL && strstr(ll.reply, "(in reply to MAIL FROM command)") != NULL,
	    "  reply with nested parentheses kept whole");

	is_int(parse("Nov 23 08:00:01 mta postfix/smtp[77]: 0A1B2C3D4E: to=<gone@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
	    &ll, err), IPP_LOGP_POSTFIX, "status=bounced");
	is_int(ll.status, IPP_LOGS_BOUNCED, "  bounced");
	is_int(ipp_dsn_class(ll.dsn), '5', "  permanent");

	is_int(parse("Nov 23 08:00:02 mta postfix/qmgr[50]: 0A1B2C3D4E: from=<News@Sender.Example>, size=2048, nrcpt=3 (queue active)",
	    &ll, err), IPP_LOGP_POSTFIX, "qmgr from= line");
	is_int(ll.kind, IPP_LOGK_SENDER, "  sender line");
	is_str(ll.sender, "News@sender.example", "  sender normalized");
	is_int(parse("Nov 23 08:00:03 mta postfix/qmgr[50]: 0A1B2C3D4E: from=<>, size=2048, nrcpt=1 (queue active)",
	    &ll, err), IPP_LOGP_POSTFIX, "null sender line");
	is_str(ll.sender, "", "  null sender");
	is_int(parse("Nov 23 08:00:04 mta postfix/qmgr[50]: 0A1B2C3D4E: from=<a@b.example>, status=expired, returned to sender",
	    &ll, err), IPP_LOGP_POSTFIX, "expired line");
	is_int(ll.kind, IPP_LOGK_EXPIRED, "  expired");
	is_int(parse("Nov 23 08:00:05 mta postfix/error[51]: 0A1B2C3D4E: to=<a@gmail.com>, relay=none, delay=0, delays=0/0/0/0, dsn=4.7.1, status=deferred (warm-up capacity for gmail on pool tx exhausted until 00:00 UTC)",
	    &ll, err), IPP_LOGP_POSTFIX, "error(8) retry line");
	is_str(ll.program, "error", "  program error");

	is_int(parse("Nov 23 08:00:06 mta postfix/smtpd[52]: connect from unknown[192.0.2.9]", &ll, err),
	    IPP_LOGP_POSTFIX, "smtpd connect: a Postfix line");
	is_int(ll.kind, IPP_LOGK_OTHER, "  of no interest");
	is_int(parse("Nov 23 08:00:07 mta sshd[53]: Accepted publickey for root", &ll, err),
	    IPP_LOGP_FOREIGN, "sshd line: foreign");
	is_int(parse("Nov 23 08:00:08 mta kernel: [12.3] eth0: link up", &ll, err),
	    IPP_LOGP_FOREIGN, "kernel line: foreign");
	is_int(parse("this is not a log line at all", &ll, err), IPP_LOGP_FOREIGN, "garbage: foreign");
	is_int(parse("", &ll, err), IPP_LOGP_FOREIGN, "empty line: foreign");
	is_int(parse("Nov 23 08:00:09 mta postfix/smtp[54]: 0A1B2C3D4E: to=<broken@example.com, relay=none, status=sent (x)",
	    &ll, err), IPP_LOGP_MALFORMED, "unterminated address: malformed");
	is_str(err, "bad to= address", "  reason");
	is_int(parse("Nov 23 08:00:10 mta postfix/smtp[55]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=9.9.9, status=sent (ok)",
	    &ll, err), IPP_LOGP_MALFORMED, "bad dsn: malformed");
	is_str(err, "bad dsn \"9.9.9\"", "  reason");
	is_int(parse("Nov 23 08:00:11 mta postfix/smtp[56]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=2.0.0",
	    &ll, err), IPP_LOGP_MALFORMED, "no status: malformed");
	is_int(parse("Nov 23 08:00:12 mta postfix/smtp[57]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=2.0.0, status=teleported (ok)",
	    &ll, err), IPP_LOGP_MALFORMED, "unknown status: malformed");
	is_int(parse("Nov 23 08:00:13 mta postfix/smtp[58]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=2.0.0, status=sent (unclosed",
	    &ll, err), IPP_LOGP_MALFORMED, "reply without closing parenthesis: malformed");
	is_int(parse("Nov 32 08:00:14 mta postfix/smtp[59]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=2.0.0, status=sent (ok)",
	    &ll, err), IPP_LOGP_FOREIGN, "day 32: not a timestamp, foreign");
	is_int(parse("2026-13-01T00:00:00Z mta postfix/smtp[59]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn=2.0.0, status=sent (ok)",
	    &ll, err), IPP_LOGP_FOREIGN, "month 13: foreign");
	/* error messages quote at most 20 bytes, never past the line's end */
	is_int(parse_unterminated("Nov 23 08:00:15 mta postfix/smtp[60]: 0A1B2C3D4E: to=<a@example.com>, relay=x, dsn",
	    &ll, err), IPP_LOGP_MALFORMED, "unterminated buffer, field without '=' at the end: malformed");
	is_str(err, "field without '=' at \"dsn\"", "  reason quotes what is there");
	is_int(parse_unterminated("Nov 23 08:00:16 mta postfix/smtp[61]: 0A1B2C3D4E: to=<a@example.com>,;",
	    &ll, err), IPP_LOGP_MALFORMED, "unterminated buffer, no \", \" at the end: malformed");
	is_str(err, "expected \", \" between fields at \",;\"", "  reason quotes what is there");
	return (done_testing());
}
