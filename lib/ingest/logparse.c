/* logparse.c - one Postfix log line into a struct ipp_logline.  Input is
 * untrusted text: every field is bounded, and a line that claims to be a
 * Postfix status line but is broken is reported as malformed with the
 * field that is wrong, never guessed at. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logparse.h"

#define LINE_MAX_LEN 8192

/* Postfix programs whose lines we recognize (the tail of the syslog tag). */
static const char *const postfix_programs[] = {
	"smtp", "lmtp", "local", "virtual", "pipe", "error", "retry", "discard",
	"qmgr", "smtpd", "cleanup", "bounce", "pickup", "postscreen", "anvil",
	"master", "postfix-script", "trivial-rewrite", "tlsmgr", "scache",
	"postsuper", "postqueue", "sendmail", "postdrop", "verify", "showq",
	"flush", "proxymap", "postlogd", "dnsblog", "tlsproxy", "oqmgr", NULL
};

#define FAIL(...) do { (void) snprintf(err, errlen, __VA_ARGS__); \
	return (IPP_LOGP_MALFORMED); } while (0)

/* At most 20 bytes of the line from p for an error message, as "%.*s"
 * arguments: the line is not NUL-terminated, so "%.20s" would read past
 * its end when fewer than 20 bytes are left. */
#define SHOWN(p, end)	(int) ((end) - (p) > 20 ? 20 : (end) - (p)), (p)

static int
digits(const char *s, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return (0);
	return (1);
}

static int
num(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return (v);
}

/* Out-of-range fields make a line foreign: timegm would quietly roll them over. */
static int
valid_tm(const struct tm *tm)
{
	return (tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 && tm->tm_mday <= 31
	    && tm->tm_hour < 24 && tm->tm_min < 60 && tm->tm_sec <= 60);
}

/* "Nov 23 00:37:02 " -> time (UTC), year from now; returns bytes used or 0. */
static size_t
stamp_traditional(const char *s, size_t len, time_t now, time_t *when)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm, nowtm;
	const char *m;
	time_t	t;

	if (len < 16 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':'
	    || s[15] != ' ')
		return (0);
	if ((m = strstr(months, (char[4]) { s[0], s[1], s[2], '\0' })) == NULL
	    || (m - months) % 3 != 0)
		return (0);
	if (!(s[4] == ' ' || isdigit((unsigned char) s[4])) || !isdigit((unsigned char) s[5])
	    || !digits(s + 7, 2) || !digits(s + 10, 2) || !digits(s + 13, 2))
		return (0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = (int) (m - months) / 3;
	tm.tm_mday = (s[4] == ' ' ? 0 : (s[4] - '0') * 10) + (s[5] - '0');
	tm.tm_hour = num(s + 7, 2);
	tm.tm_min = num(s + 10, 2);
	tm.tm_sec = num(s + 13, 2);
	if (!valid_tm(&tm))
		return (0);
	if (gmtime_r(&now, &nowtm) == NULL)
		return (0);
	tm.tm_year = nowtm.tm_year;
	t = timegm(&tm);
	/* a December line read in January belongs to last year */
	if (t > now + 86400) {
		tm.tm_year--;
		t = timegm(&tm);
	}
	*when = t;
	return (16);
}

/* "2026-11-23T00:37:02.123456+00:00 " -> time; returns bytes used or 0. */
static size_t
stamp_rfc3339(const char *s, size_t len, time_t *when)
{
	struct tm tm;
	size_t	i = 19;
	int	off = 0;

	if (len < 21 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-'
	    || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2)
	    || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return (0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	if (!valid_tm(&tm))
		return (0);
	if (i < len && s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char) s[i]); i++)
			;
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2)
	    && s[i + 3] == ':' && digits(s + i + 4, 2)) {
		off = (num(s + i + 1, 2) * 60 + num(s + i + 4, 2)) * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else {
		return (0);
	}
	if (i >= len || s[i] != ' ')
		return (0);
	*when = timegm(&tm) - off;
	return (i + 1);
}

static int
copy_field(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		return (-1);
	(void) memcpy(dst, s, n);
	dst[n] = '\0';
	return (0);
}

/* "<addr>" at s: normalized address into dst; returns bytes used or 0. */
static size_t
angle_addr(const char *s, const char *end, char *dst, size_t dstlen)
{
	const char *close;
	char	raw[IPP_ADDR_MAX + 3];

	if (s >= end || *s != '<')
		return (0);
	/* the last '>' before ", " or the end (a quoted local part may hold '>') */
	for (close = s + 1; close < end; close++)
		if (*close == '>' && (close + 1 == end || close[1] == ','))
			break;
	if (close >= end || (size_t) (close - s + 1) >= sizeof(raw))
		return (0);
	(void) memcpy(raw, s, (size_t) (close - s + 1));
	raw[close - s + 1] = '\0';
	if (ipp_addr_normalize(raw, dst, dstlen) != 0)
		return (0);
	return ((size_t) (close - s + 1));
}

static int
valid_dsn(const char *s, size_t n)
{
	size_t	i = 0, part = 0, k;

	for (part = 0; part < 3; part++) {
		for (k = 0; i < n && isdigit((unsigned char) s[i]); i++, k++)
			;
		if (k == 0 || k > 3 || (part == 0 && k != 1))
			return (0);
		if (part < 2) {
			if (i >= n || s[i] != '.')
				return (0);
			i++;
		}
	}
	return (i == n && (s[0] == '2' || s[0] == '4' || s[0] == '5'));
}

static enum ipp_logstatus
status_word(const char *s, size_t n)
{
	static const struct {
		const char *w;
		enum ipp_logstatus st;
	} words[] = {
		{ "sent", IPP_LOGS_SENT }, { "deferred", IPP_LOGS_DEFERRED },
		{ "bounced", IPP_LOGS_BOUNCED }, { "expired", IPP_LOGS_EXPIRED },
		{ "deliverable", IPP_LOGS_OTHER }, { "undeliverable", IPP_LOGS_OTHER },
		{ "SOFTBOUNCE", IPP_LOGS_OTHER }, { NULL, IPP_LOGS_NONE }
	};
	int	i;

	for (i = 0; words[i].w; i++)
		if (strlen(words[i].w) == n && memcmp(words[i].w, s, n) == 0)
			return (words[i].st);
	return (IPP_LOGS_NONE);
}

/* The ", key=value" fields and final "status=WORD (reply)" of a to= line. */
static enum ipp_logparse_result
delivery_fields(const char *p, const char *end, struct ipp_logline *ll,
    char *err, size_t errlen)
{
	const char *st, *word_end, *open, *close;

	st = NULL;
	while (p < end) {
		const char *comma, *eq;

		if (end - p < 2 || p[0] != ',' || p[1] != ' ')
			FAIL("expected \", \" between fields at \"%.*s\"", SHOWN(p, end));
		p += 2;
		if ((size_t) (end - p) >= 7 && memcmp(p, "status=", 7) == 0) {
			st = p + 7;
			break;
		}
		if ((size_t) (end - p) >= 8 && memcmp(p, "orig_to=", 8) == 0) {
			size_t	n = angle_addr(p + 8, end, ll->orig_rcpt, sizeof(ll->orig_rcpt));

			if (n == 0)
				FAIL("bad orig_to address");
			p += 8 + n;
			continue;
		}
		comma = memchr(p, ',', (size_t) (end - p));
		if (comma == NULL)
			comma = end;
		eq = memchr(p, '=', (size_t) (comma - p));
		if (eq == NULL)
			FAIL("field without '=' at \"%.*s\"", SHOWN(p, end));
		if (eq - p == 5 && memcmp(p, "relay", 5) == 0) {
			if (copy_field(ll->relay, sizeof(ll->relay), eq + 1, (size_t) (comma - eq - 1)) != 0)
				FAIL("relay too long");
		} else if (eq - p == 3 && memcmp(p, "dsn", 3) == 0) {
			if (!valid_dsn(eq + 1, (size_t) (comma - eq - 1)))
				FAIL("bad dsn \"%.*s\"", (int) (comma - eq - 1 > 16 ? 16 : comma - eq - 1), eq + 1);
			(void) copy_field(ll->dsn, sizeof(ll->dsn), eq + 1, (size_t) (comma - eq - 1));
		}
		p = comma;
	}
	if (st == NULL)
		FAIL("delivery line without status=");
	for (word_end = st; word_end < end && *word_end != ' ' && *word_end != ','; word_end++)
		;
	ll->status = status_word(st, (size_t) (word_end - st));
	if (ll->status == IPP_LOGS_NONE)
		FAIL("unknown status \"%.*s\"", (int) (word_end - st > 20 ? 20 : word_end - st), st);
	open = word_end;
	if (open < end && *open == ' ') {
		open++;
		if (open >= end || *open != '(')
			FAIL("status not followed by a (reply)");
		for (close = end - 1; close > open && *close != ')'; close--)
			;
		if (close <= open)
			FAIL("reply without closing parenthesis");
		(void) copy_field(ll->reply, sizeof(ll->reply), open + 1,
		    (size_t) (close - open - 1) < sizeof(ll->reply) - 1
		    ? (size_t) (close - open - 1) : sizeof(ll->reply) - 1);
	}
	return (IPP_LOGP_POSTFIX);
}

enum ipp_logparse_result
ipp_logparse(const char *line, size_t len, time_t now, struct ipp_logline *ll,
    char *err, size_t errlen)
{
	const char *p, *end, *tag, *tagend, *colon, *slash, *q;
	size_t	n;
	int	i;

	memset(ll, 0, sizeof(*ll));
	if (err && errlen)
		err[0] = '\0';
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > LINE_MAX_LEN)
		return (IPP_LOGP_FOREIGN);
	if (memchr(line, '\0', len) != NULL)
		return (IPP_LOGP_FOREIGN);
	end = line + len;
	if ((n = stamp_rfc3339(line, len, &ll->when)) == 0
	    && (n = stamp_traditional(line, len, now, &ll->when)) == 0)
		return (IPP_LOGP_FOREIGN);
	p = line + n;
	/* host */
	for (q = p; q < end && *q != ' '; q++)
		;
	if (q == p || q >= end || copy_field(ll->host, sizeof(ll->host), p, (size_t) (q - p)) != 0)
		return (IPP_LOGP_FOREIGN);
	/* tag: NAME/PROGRAM[PID]: */
	tag = q + 1;
	for (tagend = tag; tagend < end && *tagend != ':' && *tagend != '[' && *tagend != ' '; tagend++)
		;
	if (tagend >= end)
		return (IPP_LOGP_FOREIGN);
	colon = tagend;
	if (*colon == '[') {
		while (colon < end && *colon != ']')
			colon++;
		colon++;
	}
	if (colon + 1 >= end || colon[0] != ':' || colon[1] != ' ')
		return (IPP_LOGP_FOREIGN);
	for (slash = tagend; slash > tag && slash[-1] != '/'; slash--)
		;
	if (slash == tag)
		return (IPP_LOGP_FOREIGN);	/* no "name/" prefix: not Postfix */
	if (copy_field(ll->program, sizeof(ll->program), slash, (size_t) (tagend - slash)) != 0
	    || copy_field(ll->syslog_name, sizeof(ll->syslog_name), tag,
	    (size_t) (slash - 1 - tag)) != 0)
		return (IPP_LOGP_FOREIGN);
	for (i = 0; postfix_programs[i]; i++)
		if (strcmp(ll->program, postfix_programs[i]) == 0)
			break;
	if (postfix_programs[i] == NULL)
		return (IPP_LOGP_FOREIGN);

	/* message: QID: ... */
	p = colon + 2;
	for (q = p; q < end && isalnum((unsigned char) *q); q++)
		;
	if (q - p < 5 || q - p >= (ptrdiff_t) sizeof(ll->qid) || q + 1 >= end
	    || q[0] != ':' || q[1] != ' ')
		return (IPP_LOGP_POSTFIX);	/* kind OTHER: no queue ID */
	(void) copy_field(ll->qid, sizeof(ll->qid), p, (size_t) (q - p));
	p = q + 2;
	if ((size_t) (end - p) >= 3 && memcmp(p, "to=", 3) == 0) {
		ll->kind = IPP_LOGK_DELIVERY;
		if ((n = angle_addr(p + 3, end, ll->rcpt, sizeof(ll->rcpt))) == 0)
			FAIL("bad to= address");
		return (delivery_fields(p + 3 + n, end, ll, err, errlen));
	}
	if ((size_t) (end - p) >= 5 && memcmp(p, "from=", 5) == 0) {
		if ((n = angle_addr(p + 5, end, ll->sender, sizeof(ll->sender))) == 0)
			FAIL("bad from= address");
		p += 5 + n;
		if ((size_t) (end - p) >= 16 && memcmp(p, ", status=expired", 16) == 0) {
			ll->kind = IPP_LOGK_EXPIRED;
			ll->status = IPP_LOGS_EXPIRED;
		} else {
			ll->kind = IPP_LOGK_SENDER;
		}
		return (IPP_LOGP_POSTFIX);
	}
	return (IPP_LOGP_POSTFIX);
}

const char *
ipp_logstatus_name(enum ipp_logstatus st)
{
	switch (st) {
	case IPP_LOGS_NONE: return ("none");
	case IPP_LOGS_SENT: return ("sent");
	case IPP_LOGS_DEFERRED: return ("deferred");
	case IPP_LOGS_BOUNCED: return ("bounced");
	case IPP_LOGS_EXPIRED: return ("expired");
	case IPP_LOGS_OTHER: return ("other");
	}
	return ("?");
}

int
ipp_dsn_class(const char *dsn)
{
	if (dsn == NULL || !valid_dsn(dsn, strlen(dsn)))
		return (0);
	return (dsn[0]);
}
