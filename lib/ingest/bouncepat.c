/* bouncepat.c - what the texts of reports mean, kept as data: the phrases
 * that say an address does not work or that a refusal was about policy,
 * the lines that make up bounces without a DSN (qmail's QSBMF, Sendmail's
 * and Exim's text bounces, Exchange's NDRs) and the headers of bounces
 * and auto-replies.  Each table is a list of POSIX extended regular
 * expressions, case-insensitive, compiled once; a new MTA's format is a
 * new row, not new code. */
#include "autoconfig.h"

#include <ctype.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "fbreport.h"

/* --- the tables -------------------------------------------------------- */

enum row_kind {
	R_ADDRESS,	/* a refusal that says the address does not work */
	R_NOT_HARD,	/* policy, content, reputation, spam, size, auth: the address works */
	R_START,	/* a bounce text: the list of recipients follows */
	R_PERM,		/* ... and the failure is permanent */
	R_TEMP,		/* ... or the delivery is only delayed */
	R_RCPT,		/* a recipient line anywhere in the text (group 1) */
	R_RCPT_IN,	/* a recipient line inside the list only (group 1) */
	R_REMOTE,	/* the remote MTA, in a recipient's text (group 1) */
	R_END,		/* the copy of the original message starts */
	R_BOUNCE_SUBJ,	/* the subject of a bounce */
	R_BOUNCE_FROM,	/* the author of a bounce */
	R_AUTO_SUBJ	/* the subject of an auto-reply */
};

struct row {
	enum row_kind kind;
	const char *re;
};

#define ADDR	"[^][<>()[:space:],;:\"]+@[^][<>()[:space:],;:\"]+"

static const struct row rows[] = {
	/* RFC 3463 x.1.x and x.2.1 in words, as servers write them */
	{ R_ADDRESS, "(user|mailbox|recipient|address|account|addressee|alias)( name)? (is )?"
	    "(unknown|not found|not exist|does not exist|doesn't exist|invalid|not valid|unavailable"
	    "|disabled|deactivated|inactive|suspended|closed|not listed|no longer)" },
	{ R_ADDRESS, "unknown (user|recipient|mailbox|address|local[- ]part|alias)" },
	{ R_ADDRESS, "no such (user|mailbox|recipient|address|account|person|domain|local user)" },
	{ R_ADDRESS, "invalid (recipient|mailbox|address|user)" },
	{ R_ADDRESS, "(does not|doesn't|no longer|not) exist" },
	{ R_ADDRESS, "not a (valid|known|registered)" },
	{ R_ADDRESS, "no mailbox|user not found|not found in directory|recip(ient)?notfound" },
	{ R_ADDRESS, "could( not|n't) be found" },
	{ R_ADDRESS, "(has|have) moved|no longer (active|valid|available|in use|with)" },
	{ R_ADDRESS, "(host|domain)( name)? not found|no such domain|nxdomain|unroutable|unrouteable" },
	{ R_ADDRESS, "account (has been |is )?(disabled|deactivated|suspended|closed|terminated|expired)" },
	{ R_NOT_HARD, "spam|polic(y|ies)|block(ed|list|ing)?|black ?list|deny ?list|reputation" },
	{ R_NOT_HARD, "dnsbl|(^|[^a-z])rbl([^a-z]|$)|spamhaus|spamcop|barracuda|sorbs|uceprotect" },
	{ R_NOT_HARD, "content|virus|malware|phish|suspicious|unsolicited" },
	{ R_NOT_HARD, "authenticat|dmarc|(^|[^a-z])spf([^a-z]|$)|dkim|reverse dns|ptr record|rdns" },
	{ R_NOT_HARD, "not (authori[sz]ed|permitted|allowed)|relay(ing)? (access )?(denied|not permitted)" },
	{ R_NOT_HARD, "too (large|big|long)|message size|size (limit|exceeds)|exceed" },
	{ R_NOT_HARD, "quota|(mailbox|inbox|storage|disk) (is )?full|insufficient (storage|space)" },
	{ R_NOT_HARD, "rate limit|too many|try again|greylist|graylist|(^|[^a-z])tls([^a-z]|$)|encrypt" },

	{ R_START, "this is the qmail-send program|i'm afraid i wasn't able to deliver" },
	{ R_START, "following address(\\(es\\)|es)? (failed|had (permanent|transient))" },
	{ R_START, "had (permanent fatal|transient non-fatal) errors|had delivery problems" },
	{ R_START, "could not be delivered to one or more|delivery has failed to these recipients" },
	{ R_START, "following recipient(\\(s\\)|s)? (cannot be reached|could not be reached|failed)" },
	{ R_START, "did not reach some or all of the intended recipients" },
	{ R_START, "has not yet been delivered to one or more|to which the message has not yet been delivered" },
	{ R_START, "delivery to the following recipients? (failed|has been delayed)" },
	{ R_START, "unable to deliver (your |the )?message to the following" },
	{ R_START, "the following list of recipients" },			/* OpenSMTPD */
	{ R_PERM, "permanent (error|fatal|failure)|i've given up|delivery has failed|failed permanently" },
	{ R_PERM, "cannot be reached|could not be delivered|fatal errors" },
	{ R_TEMP, "has not yet been delivered|transient non-fatal|delivery attempts will continue" },
	{ R_TEMP, "will (keep|continue) (trying|to try)|has been delayed|temporary (error|failure|problem)" },
	{ R_RCPT, "^<(" ADDR ")>:" },					/* qmail, Postfix text */
	{ R_RCPT, "^<(" ADDR ")>\\.\\.\\. " },				/* old Sendmail */
	{ R_RCPT, "^(" ADDR "): ([245][0-9][0-9][ -])" },		/* OpenSMTPD: "addr: 550 ..." */
	{ R_RCPT_IN, "^[[:space:]]*<?(" ADDR "\\.[a-z0-9-]+)>?[[:space:]]*$" },	/* Exim, Exchange, Sendmail */
	{ R_RCPT_IN, "^[[:space:]]*<(" ADDR ")>[[:space:]]" },		/* "<addr>  (unrecoverable error)" */
	{ R_RCPT_IN, "^[[:space:]]*(" ADDR ") on [0-9]" },			/* Exchange 2003 */
	{ R_REMOTE, "while talking to ([^][:space:]:]+|\\[[0-9a-f.:]+\\])" },
	{ R_REMOTE, "^[[:space:]]*host ([a-z0-9.-]+\\.[a-z0-9-]+) \\[" },
	{ R_REMOTE, "^([0-9a-f.:]+) does not like recipient" },
	{ R_END, "^-+ ?below this line is|^-+ ?this is a copy of the message|^-+ ?enclosed are the original" },
	{ R_END, "^[[:space:]]*-+ ?(original|undelivered|returned) message( follows| headers)? ?-*[[:space:]]*$" },
	{ R_END, "^original message headers:|^-----original message-----" },
	{ R_END, "^[[:space:]]*below is a copy of the original message" },	/* OpenSMTPD */

	{ R_BOUNCE_SUBJ, "^(fwd?: *)?(failure notice|returned mail|undeliver(ed|able)|undelivered mail"
	    "|mail delivery (failed|failure|system)|delivery (status notification|failure|has failed|notification)"
	    "|non[- ]?deliver|could not be delivered|mail system error|warning: message .* delayed"
	    "|delayed mail|unzustellbar|non remis|no entregado|niet afgeleverd|mail could not be delivered)" },
	{ R_BOUNCE_FROM, "^(mailer-daemon|mail-daemon|maildaemon|postmaster|mdaemon|mail delivery"
	    "|microsoftexchange[0-9a-f]*)(@|$)" },
	{ R_AUTO_SUBJ, "^(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort)"
	    "|autoreply|auto:|vacation|abwesenheit|absence|r[ée]ponse automatique|away from|on leave"
	    "|respuesta autom)" },
	{ R_AUTO_SUBJ, "(out of (the )?office|auto(matic)?[- ]?reply|on vacation)" },
	{ R_AUTO_SUBJ, "(please )?(confirm|verify) (your|that you|you are)|challenge|spam (arrest|check)" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static regex_t compiled[NROWS];
static int usable[NROWS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
compile(void)
{
	char	err[200];
	size_t	i;
	int	rc;

	for (i = 0; i < NROWS; i++) {
		rc = regcomp(&compiled[i], rows[i].re, REG_EXTENDED | REG_ICASE);
		if (rc != 0) {
			(void) regerror(rc, &compiled[i], err, sizeof(err));
			msg_warn("bounce pattern %zu unusable: %s", i, err);
			continue;
		}
		usable[i] = 1;
	}
}

/* The first row of KIND matching S; with a group, its text into cap; *end:
 * where the match ends, or where a second group starts (the reason of a
 * recipient line that the row needs to see but not to consume). */
static int
match(enum row_kind kind, const char *s, char *cap, size_t caplen, size_t *end)
{
	regmatch_t m[3];
	size_t	i, n;

	(void) pthread_once(&once, compile);
	for (i = 0; i < NROWS; i++) {
		if (rows[i].kind != kind || !usable[i] || regexec(&compiled[i], s, 3, m, 0) != 0)
			continue;
		if (cap != NULL) {
			cap[0] = '\0';
			if (m[1].rm_so >= 0 && (n = (size_t) (m[1].rm_eo - m[1].rm_so)) < caplen) {
				(void) memcpy(cap, s + m[1].rm_so, n);
				cap[n] = '\0';
			}
		}
		if (end != NULL)
			*end = (size_t) (m[2].rm_so >= 0 ? m[2].rm_so : m[0].rm_eo);
		return (1);
	}
	return (0);
}

/* --- status codes -------------------------------------------------------- */

static int
status_at(const char *s, const char *end, char *out)
{
	const char *p = s;
	int	d, n;

	if (p >= end || (*p != '2' && *p != '4' && *p != '5') || p + 1 >= end || p[1] != '.')
		return (-1);
	p += 2;
	for (d = 0; d < 2; d++) {
		for (n = 0; p < end && isdigit((unsigned char) *p) && n < 4; p++, n++)
			;
		if (n == 0 || n > 3)
			return (-1);
		if (d == 0) {
			if (p >= end || *p != '.')
				return (-1);
			p++;
		}
	}
	if (p < end && (isdigit((unsigned char) *p) || (*p == '.' && p + 1 < end
	    && isdigit((unsigned char) p[1]))))
		return (-1);
	(void) memcpy(out, s, (size_t) (p - s));
	out[p - s] = '\0';
	return (0);
}

int
ipp_find_status(const char *text, size_t len, char *out)
{
	const char *p, *end = text + len;

	for (p = text; p < end; p++)
		if ((p == text || !(isdigit((unsigned char) p[-1]) || p[-1] == '.'))
		    && status_at(p, end, out) == 0)
			return (0);
	return (-1);
}

/* The class of a basic SMTP reply code in TEXT ("550 ", "452-"): '4', '5' or 0. */
static int
reply_class(const char *text)
{
	const char *p;

	for (p = text; *p; p++)
		if ((*p == '4' || *p == '5') && (p == text || !isalnum((unsigned char) p[-1]))
		    && isdigit((unsigned char) p[1]) && isdigit((unsigned char) p[2])
		    && (p[3] == ' ' || p[3] == '-'))
			return (*p);
	return (0);
}

/* --- hard or not --------------------------------------------------------- */

/* x.1.x and 5.2.1 codes that are about the recipient's address itself */
static const char *const hard_codes[] = {
	"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1", NULL
};
/* codes too general to say anything: the words decide */
static const char *const generic_codes[] = {
	"5.0.0", "5.1.0", "5.2.0", "5.3.0", "5.4.0", "5.4.4", "5.5.0", "5.5.1", NULL
};

static int
listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return (1);
	return (0);
}

int
ipp_bounce_hard(const char *status, const char *diag)
{
	if (status[0] != '\0' && status[0] != '5')
		return (0);
	if (match(R_NOT_HARD, diag, NULL, 0, NULL))
		return (0);
	if (status[0] != '\0' && listed(hard_codes, status))
		return (1);
	if (status[0] == '\0' || listed(generic_codes, status))
		return (match(R_ADDRESS, diag, NULL, 0, NULL));
	return (0);
}

/* --- headers ------------------------------------------------------------- */

enum ipp_msg_class
ipp_classify_headers(const char *subject, const char *from, const char *return_path,
    const char *auto_submitted, int autoreply_header)
{
	(void) return_path;
	if ((subject && match(R_BOUNCE_SUBJ, subject, NULL, 0, NULL))
	    || (from && match(R_BOUNCE_FROM, from, NULL, 0, NULL)))
		return (IPP_MSG_BOUNCE);
	/* RFC 3834: any value but "no" */
	if (auto_submitted != NULL) {
		const char *a = auto_submitted;

		while (isspace((unsigned char) *a))
			a++;
		if (*a && strncasecmp(a, "no", 2) != 0)
			return (IPP_MSG_AUTOREPLY);
	}
	if (autoreply_header || (subject && match(R_AUTO_SUBJ, subject, NULL, 0, NULL)))
		return (IPP_MSG_AUTOREPLY);
	return (IPP_MSG_OTHER);
}

/* --- bounces without a DSN ---------------------------------------------- */

#define TEXT_MAX	(256 * 1024)	/* the human-readable part that is read */
#define LINE_MAX_READ	1000

/* Append S to the finding's diagnostic, blanks collapsed. */
static void
append(struct ipp_finding *f, const char *s)
{
	size_t	n = strlen(f->diagnostic);

	while (isspace((unsigned char) *s))
		s++;
	if (*s == '\0')
		return;
	if (n > 0 && n < sizeof(f->diagnostic) - 1)
		f->diagnostic[n++] = ' ';
	for (; *s && n < sizeof(f->diagnostic) - 1; s++) {
		if (isspace((unsigned char) *s)) {
			if (n > 0 && f->diagnostic[n - 1] == ' ')
				continue;
			f->diagnostic[n++] = ' ';
		} else
			f->diagnostic[n++] = *s;
	}
	while (n > 0 && f->diagnostic[n - 1] == ' ')
		n--;
	f->diagnostic[n] = '\0';
}

int
ipp_bounce_text(const char *text, size_t len, struct ipp_fbreport *rep)
{
	char	line[LINE_MAX_READ + 1], addr[IPP_ADDR_MAX + 1], norm[IPP_ADDR_MAX + 1];
	const char *p, *end, *nl;
	size_t	first = rep->n, i, n, mend;
	struct ipp_finding *cur = NULL, *f;
	int	in_list = 0, perm = 0, temp = 0, found = 0, strong;

	/* a message without text: no pointer arithmetic on NULL */
	if (text == NULL)
		text = "", len = 0;
	p = text;
	end = text + (len > TEXT_MAX ? TEXT_MAX : len);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
			nl = end;
		n = (size_t) (nl - p);
		if (n > LINE_MAX_READ)
			n = LINE_MAX_READ;
		(void) memcpy(line, p, n);
		line[n] = '\0';
		/* a NUL inside the line ends it; the rest is not text */
		if (match(R_END, line, NULL, 0, NULL))
			break;
		if (match(R_PERM, line, NULL, 0, NULL))
			perm = 1;
		if (match(R_TEMP, line, NULL, 0, NULL))
			temp = 1;
		if (match(R_START, line, NULL, 0, NULL)) {
			in_list = 1;
			continue;
		}
		if ((strong = match(R_RCPT, line, addr, sizeof(addr), &mend))
		    || (in_list && match(R_RCPT_IN, line, addr, sizeof(addr), &mend))) {
			if (ipp_addr_normalize(addr, norm, sizeof(norm)) != 0 || norm[0] == '\0')
				continue;
			for (cur = NULL, i = first; i < rep->n; i++)
				if (strcasecmp(rep->f[i].recipient, norm) == 0)
					cur = &rep->f[i];
			if (cur == NULL) {
				if ((cur = ipp_fbreport_add(rep)) == NULL) {
					if (rep->dropped == 0)
						return (-1);
					continue;
				}
				cur->source = IPP_FBS_PATTERN;
				(void) snprintf(cur->recipient, sizeof(cur->recipient), "%s", norm);
				found++;
			}
			/* "<addr>: reason" (qmail, Postfix) goes on with the reason */
			if (strong)
				append(cur, line + mend);
			continue;
		}
		if (cur != NULL) {
			if (cur->remote_mta[0] == '\0')
				(void) match(R_REMOTE, line, cur->remote_mta, sizeof(cur->remote_mta), NULL);
			append(cur, line);
		}
	}
	for (i = first; i < rep->n; i++) {
		f = &rep->f[i];
		if (ipp_find_status(f->diagnostic, strlen(f->diagnostic), f->status) != 0) {
			int	c = reply_class(f->diagnostic);

			if (c == 0)
				c = perm ? '5' : temp ? '4' : 0;
			if (c != 0)
				(void) snprintf(f->status, sizeof(f->status), "%c.0.0", c);
		}
		/* a text that says it gave up is a failure, whatever the code */
		if (perm || (!temp && f->status[0] != '4'))
			f->kind = IPP_FBK_BOUNCE;
		else
			f->kind = IPP_FBK_DELAY;
		f->hard = f->kind == IPP_FBK_BOUNCE && f->status[0] != '4'
		    && ipp_bounce_hard(f->status, f->diagnostic);
	}
	return (found);
}
