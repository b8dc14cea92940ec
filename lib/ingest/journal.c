/* journal.c - one "journalctl -o json" entry judged by its trusted fields
 * and turned into a Postfix log line (journal.h).  A syslog file believes
 * any "postfix/smtp" tag (logger -t postfix/smtp); journald records who
 * really wrote each entry, and only that is believed here. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "journal.h"

/* Postfix's programs whose lines ingest may care about, and the rest of
 * its daemons (an entry from them is Postfix's, just not of interest). */
static const char *const programs[] = {
	"smtp", "lmtp", "local", "virtual", "pipe", "error", "discard", "bounce",
	"cleanup", "qmgr", "oqmgr", "pickup", "smtpd", "postscreen", "tlsproxy",
	"anvil", "scache", "showq", "trivial-rewrite", "flush", "proxymap", "verify",
	"spawn", "tlsmgr", "dnsblog", "master", "postlogd", "qmqpd", "postdrop",
	"sendmail", "postqueue", "postsuper", "postfix-script", NULL
};

static int
is_program(const char *p)
{
	int	i;

	for (i = 0; programs[i] != NULL; i++)
		if (strcmp(programs[i], p) == 0)
			return (1);
	return (0);
}

/* A field as text: journald writes a string, or an array of byte values
 * for a value that is not UTF-8. */
static int
field(json_t *o, const char *name, char *buf, size_t size, size_t *len)
{
	json_t *v = json_object_get(o, name);
	size_t	i, n;

	if (json_is_string(v)) {
		n = json_string_length(v);
		if (n >= size)
			n = size - 1;
		(void) memcpy(buf, json_string_value(v), n);
	} else if (json_is_array(v)) {
		n = json_array_size(v);
		if (n >= size)
			n = size - 1;
		for (i = 0; i < n; i++) {
			json_int_t b = json_integer_value(json_array_get(v, i));

			if (!json_is_integer(json_array_get(v, i)) || b < 0 || b > 255)
				return (-1);
			buf[i] = (char) b;
		}
	} else
		return (-1);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return (0);
}

static int
is_postfix_unit(const char *u)
{
	size_t	n = strlen(u);

	/* postfix.service, postfix@-.service, postfix@postfix-tx.service */
	return (strncmp(u, "postfix", 7) == 0 && n >= 15 && strcmp(u + n - 8, ".service") == 0);
}

enum ipp_journal_verdict
ipp_journal_entry(const char *json, size_t len, const struct ipp_journal_trust *trust,
    char *line, size_t linesize, size_t *linelen, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o;
	char	ident[256], comm[64], uid[32], unit[256], pid[32], host[256], ts[32];
	char	msg[16384], stamp[64];
	const char *prog;
	enum ipp_journal_verdict v = IPP_JOURNAL_BAD;
	size_t	mlen;
	long long us;
	char   *end;
	time_t	t;
	struct tm tm;
	int	n;

	*linelen = 0;
	why[0] = '\0';
	if ((o = json_loadb(json, len, 0, &jerr)) == NULL || !json_is_object(o)) {
		(void) snprintf(why, whylen, "not a journal entry (JSON object): %s",
		    o == NULL ? jerr.text : "not an object");
		json_decref(o);
		return (IPP_JOURNAL_BAD);
	}
	if (field(o, "SYSLOG_IDENTIFIER", ident, sizeof(ident), NULL) != 0) {
		v = IPP_JOURNAL_OTHER;	/* kernel, a service's own stdout, ... */
		goto out;
	}
	prog = strrchr(ident, '/');
	if (prog == NULL || !is_program(prog + 1)) {
		v = IPP_JOURNAL_OTHER;
		goto out;
	}
	prog++;
	/* it says Postfix: now the fields journald itself wrote */
	v = IPP_JOURNAL_FORGED;
	if (field(o, "_COMM", comm, sizeof(comm), NULL) != 0 || strcmp(comm, prog) != 0) {
		(void) snprintf(why, whylen, "%s entry written by _COMM=%s, not %s", ident,
		    field(o, "_COMM", comm, sizeof(comm), NULL) == 0 ? comm : "(none)", prog);
		goto out;
	}
	if (field(o, "_UID", uid, sizeof(uid), NULL) != 0) {
		(void) snprintf(why, whylen, "%s entry without _UID", ident);
		goto out;
	}
	us = strtoll(uid, &end, 10);
	if (*uid == '\0' || *end != '\0' || !(us == 0 || (trust->have_postfix_uid
	    && us == (long long) trust->postfix_uid))) {
		(void) snprintf(why, whylen, "%s entry written by _UID=%s, not root or postfix",
		    ident, uid);
		goto out;
	}
	if (field(o, "_SYSTEMD_UNIT", unit, sizeof(unit), NULL) != 0 || !is_postfix_unit(unit)) {
		(void) snprintf(why, whylen, "%s entry from _SYSTEMD_UNIT=%s, not postfix*.service",
		    ident, field(o, "_SYSTEMD_UNIT", unit, sizeof(unit), NULL) == 0 ? unit : "(none)");
		goto out;
	}
	v = IPP_JOURNAL_BAD;
	if (field(o, "MESSAGE", msg, sizeof(msg), &mlen) != 0
	    || field(o, "__REALTIME_TIMESTAMP", ts, sizeof(ts), NULL) != 0) {
		(void) snprintf(why, whylen, "%s entry without MESSAGE or __REALTIME_TIMESTAMP", ident);
		goto out;
	}
	us = strtoll(ts, &end, 10);
	if (*ts == '\0' || *end != '\0' || us < 0) {
		(void) snprintf(why, whylen, "%s entry: bad __REALTIME_TIMESTAMP \"%.20s\"", ident, ts);
		goto out;
	}
	t = (time_t) (us / 1000000);
	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		(void) snprintf(why, whylen, "%s entry: bad __REALTIME_TIMESTAMP", ident);
		goto out;
	}
	if (field(o, "_PID", pid, sizeof(pid), NULL) != 0)
		(void) strcpy(pid, "0");
	if (field(o, "_HOSTNAME", host, sizeof(host), NULL) != 0 || host[0] == '\0')
		(void) strcpy(host, "localhost");
	n = snprintf(line, linesize, "%s.%06lld+00:00 %s %s[%s]: ", stamp, us % 1000000,
	    host, ident, pid);
	if (n < 0 || (size_t) n + mlen >= linesize) {
		(void) snprintf(why, whylen, "%s entry too long", ident);
		goto out;
	}
	(void) memcpy(line + n, msg, mlen);
	line[n + mlen] = '\0';
	*linelen = (size_t) n + mlen;
	v = IPP_JOURNAL_POSTFIX;
out:
	json_decref(o);
	return (v);
}
