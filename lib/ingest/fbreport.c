/* fbreport.c - one feedback message into findings.  GMime parses the MIME
 * structure (never a parser of our own); the parts it hands over are read
 * here: the fields of message/delivery-status and message/feedback-report
 * (RFC 3464 section 2, RFC 5965 section 3: header-like fields in blocks),
 * the enclosed original's headers for the return-path token, and the
 * human-readable text of bounces without a DSN (bouncepat.c). */
#include "autoconfig.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "log.h"
#include "fbreport.h"

#define MAX_DEPTH	12		/* MIME nesting followed (forwards of forwards) */
#define MAX_PARTS	2000		/* parts looked at */
#define FIELD_MAX	2000		/* one unfolded field */
#define TEXT_KEEP	(256 * 1024)	/* the human-readable text kept for patterns */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

const char *
ipp_fb_kind_name(enum ipp_fb_kind k)
{
	static const char *const names[] = {
		"none", "bounce", "delay", "complaint", "unsubscribe", "autoreply"
	};

	return ((unsigned) k < sizeof(names) / sizeof(names[0]) ? names[k] : "none");
}

const char *
ipp_fb_source_name(enum ipp_fb_source s)
{
	static const char *const names[] = {
		"none", "dsn", "arf", "pattern", "token", "autoreply"
	};

	return ((unsigned) s < sizeof(names) / sizeof(names[0]) ? names[s] : "none");
}

struct ipp_finding *
ipp_fbreport_add(struct ipp_fbreport *rep)
{
	struct ipp_finding *f;

	if (rep->n >= IPP_FBREPORT_MAX_FINDINGS) {
		rep->dropped++;
		return (NULL);
	}
	if (rep->n == rep->cap) {
		size_t	ncap = rep->cap ? rep->cap * 2 : 4;
		struct ipp_finding *g = realloc(rep->f, ncap * sizeof(*g));

		if (g == NULL)
			return (NULL);
		rep->f = g;
		rep->cap = ncap;
	}
	f = &rep->f[rep->n++];
	memset(f, 0, sizeof(*f));
	return (f);
}

void
ipp_fbreport_free(struct ipp_fbreport *rep)
{
	free(rep->f);
	memset(rep, 0, sizeof(*rep));
}

/* --- the parse's state ------------------------------------------------- */

struct ctx {
	struct ipp_fbreport *rep;
	const char *prefix;
	int	parts;
	int	nomem;
	GByteArray *dsn;		/* the first delivery-status part, decoded */
	GByteArray *arf;		/* the first feedback-report part */
	GMimeMessage *orig;		/* the enclosed original (or its headers) */
	GByteArray *text;		/* the first text/plain part */
	int	dsn_depth;		/* where the report was found */
};

static void
add_token(struct ipp_fbreport *rep, const char *tok)
{
	size_t	i;

	for (i = 0; i < rep->ntokens; i++)
		if (strcmp(rep->tokens[i], tok) == 0)
			return;
	if (rep->ntokens < IPP_FBREPORT_MAX_TOKENS)
		(void) memcpy(rep->tokens[rep->ntokens++], tok, IPP_RETPATH_TOKEN_LEN + 1);
}

static void
scan_tokens(struct ctx *c, const char *s, size_t len)
{
	char	tok[IPP_RETPATH_TOKEN_LEN + 1];
	const char *p, *end;

	if (s == NULL)
		return;
	p = s;
	end = s + len;
	while (p != NULL && p < end && (p = ipp_retpath_scan(p, (size_t) (end - p), c->prefix, tok)) != NULL)
		add_token(c->rep, tok);
}

static void
header_tokens(struct ctx *c, GMimeObject *obj, const char *name)
{
	const char *v;

	if (obj != NULL && (v = g_mime_object_get_header(obj, name)) != NULL)
		scan_tokens(c, v, strlen(v));
}

/* A part's content, transfer encoding undone; NULL when out of memory. */
static GByteArray *
content_of(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *out;
	GByteArray *a;

	if (w == NULL)
		return (g_byte_array_new());
	if ((out = g_mime_stream_mem_new()) == NULL)
		return (NULL);
	(void) g_mime_data_wrapper_write_to_stream(w, out);
	/* the array is ours: the stream must not empty it when it goes */
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_object_unref(out);
	return (a);
}

/* Headers (text/rfc822-headers, message/global-headers) as a message. */
static GMimeMessage *
headers_message(GByteArray *a)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;

	if (a->len == 0
	    || (s = g_mime_stream_mem_new_with_buffer((const char *) a->data, a->len)) == NULL)
		return (NULL);
	p = g_mime_parser_new_with_stream(s);
	g_object_unref(s);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	return (m);
}

static int
type_is(GMimeObject *o, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return (ct != NULL && g_mime_content_type_is_type(ct, type, sub));
}

static void
walk(struct ctx *c, GMimeObject *obj, int depth)
{
	GByteArray *a;
	int	i, n;

	if (obj == NULL || depth > MAX_DEPTH || ++c->parts > MAX_PARTS || c->nomem)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			walk(c, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m == NULL)
			return;
		if (c->orig == NULL && (c->dsn != NULL || c->arf != NULL)) {
			c->orig = m;
			g_object_ref(m);
		}
		/* a forward of a report: the report is inside */
		walk(c, g_mime_message_get_mime_part(m), depth + 1);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	if (type_is(obj, "message", "delivery-status") || type_is(obj, "message", "global-delivery-status")
	    || type_is(obj, "text", "delivery-status")) {
		if (c->dsn == NULL && c->arf == NULL && (c->dsn = content_of(GMIME_PART(obj))) == NULL)
			c->nomem = 1;
		return;
	}
	if (type_is(obj, "message", "feedback-report")) {
		if (c->arf == NULL && c->dsn == NULL && (c->arf = content_of(GMIME_PART(obj))) == NULL)
			c->nomem = 1;
		return;
	}
	if (type_is(obj, "text", "rfc822-headers") || type_is(obj, "message", "global-headers")
	    || (type_is(obj, "message", "rfc822") && (c->dsn || c->arf))) {
		if (c->orig == NULL && (c->dsn != NULL || c->arf != NULL)) {
			if ((a = content_of(GMIME_PART(obj))) == NULL) {
				c->nomem = 1;
				return;
			}
			c->orig = headers_message(a);
			g_byte_array_unref(a);
		}
		return;
	}
	if (type_is(obj, "text", "plain") && c->text == NULL && c->dsn == NULL && c->arf == NULL) {
		if ((c->text = content_of(GMIME_PART(obj))) == NULL)
			c->nomem = 1;
		else if (c->text->len > TEXT_KEEP)
			g_byte_array_set_size(c->text, TEXT_KEEP);
	}
}

/* --- fields (RFC 3464 2.1, RFC 5965 3.1) --------------------------------- */

struct field {
	char	name[64];
	char	value[FIELD_MAX + 1];
};

/*
 * The next field of BUF from *pos: 1 with the field, 0 at a blank line
 * (the end of a block), -1 at the end.  Continuation lines are unfolded;
 * a line that is no field is skipped.  Line ends are LF (normalized).
 */
static int
next_field(const GByteArray *buf, size_t *pos, struct field *f)
{
	const char *s = (const char *) buf->data, *end, *p, *nl, *colon;
	size_t	n, vl;

	if (s == NULL)		/* an empty part: GLib keeps no buffer */
		return (-1);
	end = s + buf->len;
	for (;;) {
		p = s + *pos;
		if (p >= end)
			return (-1);
		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
			nl = end;
		*pos = (size_t) (nl - s) + (nl < end);
		if (nl == p || (nl - p == 1 && *p == '\r'))
			return (0);
		if (*p == ' ' || *p == '\t')
			continue;	/* a continuation without a field */
		if ((colon = memchr(p, ':', (size_t) (nl - p))) == NULL || colon == p
		    || (size_t) (colon - p) >= sizeof(f->name))
			continue;
		n = (size_t) (colon - p);
		(void) memcpy(f->name, p, n);
		f->name[n] = '\0';
		while (n > 0 && isspace((unsigned char) f->name[n - 1]))
			f->name[--n] = '\0';
		vl = 0;
		for (p = colon + 1;;) {
			for (; p < nl; p++) {
				unsigned char ch = (unsigned char) *p;

				if (ch == '\0' || ch == '\r')
					ch = ' ';
				if (isspace(ch) && (vl == 0 || f->value[vl - 1] == ' '))
					continue;
				if (vl < FIELD_MAX)
					f->value[vl++] = isspace(ch) ? ' ' : (char) ch;
			}
			/* folded: the next line starts with a blank */
			if (nl < end && nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t')) {
				p = nl + 1;
				if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL)
					nl = end;
				*pos = (size_t) (nl - s) + (nl < end);
				if (vl > 0 && vl < FIELD_MAX && f->value[vl - 1] != ' ')
					f->value[vl++] = ' ';
				continue;
			}
			break;
		}
		while (vl > 0 && f->value[vl - 1] == ' ')
			vl--;
		f->value[vl] = '\0';
		return (1);
	}
}

/* "TYPE; VALUE": the value, and whether the type is TYPE1 or TYPE2. */
static const char *
typed(const char *v, const char *t1, const char *t2, int *is)
{
	const char *semi = strchr(v, ';');
	size_t	n;

	*is = 0;
	if (semi == NULL)
		return (v);
	n = (size_t) (semi - v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	*is = (strlen(t1) == n && strncasecmp(v, t1, n) == 0)
	    || (t2 != NULL && strlen(t2) == n && strncasecmp(v, t2, n) == 0);
	for (semi++; *semi == ' '; semi++)
		;
	return (semi);
}

/* RFC 6533 utf-8 addresses may write characters as \x{HEX}. */
static void
unitext(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;
	unsigned long cp;
	char   *end;

	while (*in && o + 5 < outlen) {
		if (in[0] == '\\' && in[1] == 'x' && in[2] == '{'
		    && (cp = strtoul(in + 3, &end, 16)) > 0 && *end == '}' && cp <= 0x10FFFF
		    && end - (in + 3) <= 6) {
			if (cp < 0x80)
				out[o++] = (char) cp;
			else if (cp < 0x800) {
				out[o++] = (char) (0xC0 | (cp >> 6));
				out[o++] = (char) (0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				out[o++] = (char) (0xE0 | (cp >> 12));
				out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
				out[o++] = (char) (0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char) (0xF0 | (cp >> 18));
				out[o++] = (char) (0x80 | ((cp >> 12) & 0x3F));
				out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
				out[o++] = (char) (0x80 | (cp & 0x3F));
			}
			in = end + 1;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/* An address of an rfc822 or utf-8 field into out (normalized), or "". */
static void
field_addr(const char *v, int need_type, char *out, size_t outlen)
{
	char	buf[FIELD_MAX + 1], *p, *e;
	const char *a;
	int	is;

	out[0] = '\0';
	a = typed(v, "rfc822", "utf-8", &is);
	if (need_type && !is)
		return;		/* X400 and others: no mailbox of ours */
	unitext(a, buf, sizeof(buf));
	p = buf;
	while (*p == ' ' || *p == '<')
		p++;
	if ((e = strchr(p, '>')) != NULL)
		*e = '\0';
	for (e = p; *e && *e != ' ' && *e != ','; e++)
		;
	*e = '\0';
	if (strchr(p, '@') == NULL || ipp_addr_normalize(p, out, outlen) != 0)
		out[0] = '\0';
}

/* --- DSN ------------------------------------------------------------------ */

struct block {
	char	final[IPP_ADDR_MAX + 1], orig[IPP_ADDR_MAX + 1];
	int	has_final, has_orig, has_any;
	char	action[32], status[16], diag[400], remote[256];
};

static void
put_block(struct ctx *c, struct block *b)
{
	struct ipp_finding *f;
	const char *a = b->action;
	enum ipp_fb_kind kind;

	if (!b->has_final && !b->has_orig) {
		memset(b, 0, sizeof(*b));
		return;
	}
	if (strncasecmp(a, "failed", 6) == 0)
		kind = IPP_FBK_BOUNCE;
	else if (strncasecmp(a, "delayed", 7) == 0)
		kind = IPP_FBK_DELAY;
	else if (*a)
		kind = IPP_FBK_NONE;	/* delivered, relayed, expanded */
	else
		kind = b->status[0] == '5' ? IPP_FBK_BOUNCE : b->status[0] == '4'
		    ? IPP_FBK_DELAY : IPP_FBK_NONE;
	if (kind == IPP_FBK_NONE) {
		memset(b, 0, sizeof(*b));
		return;		/* a success notice is no feedback */
	}
	if ((f = ipp_fbreport_add(c->rep)) == NULL) {
		if (c->rep->dropped == 0)
			c->nomem = 1;
		memset(b, 0, sizeof(*b));
		return;
	}
	f->kind = kind;
	f->source = IPP_FBS_DSN;
	/* what the sender wrote is what ippool keyed: Original-Recipient first */
	(void) snprintf(f->recipient, sizeof(f->recipient), "%s", b->orig[0] ? b->orig : b->final);
	(void) snprintf(f->status, sizeof(f->status), "%s", b->status);
	(void) snprintf(f->diagnostic, sizeof(f->diagnostic), "%s", b->diag);
	(void) snprintf(f->remote_mta, sizeof(f->remote_mta), "%s", b->remote);
	if (f->status[0] == '\0'
	    && ipp_find_status(f->diagnostic, strlen(f->diagnostic), f->status) != 0)
		(void) snprintf(f->status, sizeof(f->status), "%s", kind == IPP_FBK_BOUNCE ? "5.0.0" : "4.0.0");
	if (kind == IPP_FBK_BOUNCE) {
		char	code[16];

		/* a general Status with a precise code in the text: the text's decides */
		if (ipp_find_status(f->diagnostic, strlen(f->diagnostic), code) == 0
		    && code[0] == f->status[0])
			f->hard = ipp_bounce_hard(code, f->diagnostic);
		else
			f->hard = ipp_bounce_hard(f->status, f->diagnostic);
	}
	memset(b, 0, sizeof(*b));
}

static void
read_dsn(struct ctx *c)
{
	struct field *f = malloc(sizeof(*f));
	struct block b;
	size_t	pos = 0;
	int	rc, is;
	const char *v;

	if (f == NULL) {
		c->nomem = 1;
		return;
	}
	memset(&b, 0, sizeof(b));
	while ((rc = next_field(c->dsn, &pos, f)) >= 0 && !c->nomem) {
		if (rc == 0) {
			put_block(c, &b);
			continue;
		}
		if (strcasecmp(f->name, "Final-Recipient") == 0) {
			if (b.has_final)
				put_block(c, &b);
			b.has_final = 1;
			field_addr(f->value, 0, b.final, sizeof(b.final));
		} else if (strcasecmp(f->name, "Original-Recipient") == 0) {
			/* Postfix writes Final before Original, RFC 3464 after */
			if (b.has_orig)
				put_block(c, &b);
			b.has_orig = 1;
			field_addr(f->value, 1, b.orig, sizeof(b.orig));
		} else if (strcasecmp(f->name, "Action") == 0) {
			(void) snprintf(b.action, sizeof(b.action), "%.31s", f->value);
		} else if (strcasecmp(f->name, "Status") == 0) {
			if (ipp_find_status(f->value, strlen(f->value), b.status) != 0)
				b.status[0] = '\0';
		} else if (strcasecmp(f->name, "Diagnostic-Code") == 0) {
			v = typed(f->value, "smtp", NULL, &is);
			(void) snprintf(b.diag, sizeof(b.diag), "%s", v);
		} else if (strcasecmp(f->name, "Remote-MTA") == 0) {
			v = typed(f->value, "dns", NULL, &is);
			(void) snprintf(b.remote, sizeof(b.remote), "%s", v);
		}
	}
	put_block(c, &b);
	free(f);
}

/*
 * What a DSN's per-recipient block leaves general is taken from the
 * report's human-readable part (RFC 3464 section 2: its first part):
 * Exim writes Status 5.0.0 with the precise reply only in
 * Diagnostic-Code, or for a local failure in the text alone
 * ("Unrouteable address"); OpenSMTPD writes Status 5.0.0 and no
 * Diagnostic-Code, the reply only in the text.  A recipient without a
 * Diagnostic-Code gets the reason the text gives it (read by the text
 * patterns, the same recipient); a general X.0.0 status gets a precise
 * code of the same class from the reason; hard is decided again.
 */
static int
dsn_from_text(struct ctx *c)
{
	struct ipp_fbreport t;
	size_t	i, j;
	char	code[16];

	memset(&t, 0, sizeof(t));
	if (c->text != NULL
	    && ipp_bounce_text((const char *) c->text->data, c->text->len, &t) < 0) {
		ipp_fbreport_free(&t);
		return (-1);
	}
	for (i = 0; i < c->rep->n; i++) {
		struct ipp_finding *f = &c->rep->f[i];

		for (j = 0; f->diagnostic[0] == '\0' && j < t.n; j++)
			if (strcasecmp(t.f[j].recipient, f->recipient) == 0) {
				(void) snprintf(f->diagnostic, sizeof(f->diagnostic), "%s",
				    t.f[j].diagnostic);
				if (f->remote_mta[0] == '\0')
					(void) snprintf(f->remote_mta, sizeof(f->remote_mta), "%s",
					    t.f[j].remote_mta);
				break;
			}
		if (f->status[0] != '\0' && strcmp(f->status + 1, ".0.0") == 0
		    && ipp_find_status(f->diagnostic, strlen(f->diagnostic), code) == 0
		    && code[0] == f->status[0])
			(void) snprintf(f->status, sizeof(f->status), "%s", code);
		if (f->kind == IPP_FBK_BOUNCE)
			f->hard = ipp_bounce_hard(f->status, f->diagnostic);
	}
	ipp_fbreport_free(&t);
	return (0);
}

/* --- ARF -------------------------------------------------------------------- */

static void
read_arf(struct ctx *c)
{
	struct field *f = malloc(sizeof(*f));
	char	type[32] = "", ip[64] = "", date[80] = "", rcpts[8][IPP_ADDR_MAX + 1];
	char	addr[IPP_ADDR_MAX + 1];
	size_t	pos = 0, nr = 0, i;
	struct ipp_finding *fi;
	enum ipp_fb_kind kind;
	int	rc;

	if (f == NULL) {
		c->nomem = 1;
		return;
	}
	while ((rc = next_field(c->arf, &pos, f)) >= 0) {
		if (rc == 0)
			continue;
		if (strcasecmp(f->name, "Feedback-Type") == 0 && type[0] == '\0') {
			for (i = 0; f->value[i] && f->value[i] != ' ' && i < sizeof(type) - 1; i++)
				type[i] = (char) tolower((unsigned char) f->value[i]);
			type[i] = '\0';
		} else if ((strcasecmp(f->name, "Original-Rcpt-To") == 0
		    || strcasecmp(f->name, "Removal-Recipient") == 0) && nr < 8) {
			field_addr(f->value, 0, addr, sizeof(addr));
			for (i = 0; i < nr && strcmp(rcpts[i], addr) != 0; i++)
				;
			if (addr[0] && i == nr)
				(void) snprintf(rcpts[nr++], sizeof(rcpts[0]), "%s", addr);
		} else if (strcasecmp(f->name, "Source-IP") == 0)
			(void) snprintf(ip, sizeof(ip), "%.63s", f->value);
		else if (strcasecmp(f->name, "Arrival-Date") == 0 || strcasecmp(f->name, "Received-Date") == 0)
			(void) snprintf(date, sizeof(date), "%.79s", f->value);
	}
	free(f);
	if (strcmp(type, "abuse") == 0 || strcmp(type, "fraud") == 0 || strcmp(type, "virus") == 0
	    || strcmp(type, "other") == 0 || type[0] == '\0')
		kind = IPP_FBK_COMPLAINT;
	else if (strcmp(type, "opt-out") == 0 || strcmp(type, "opt-out-list") == 0
	    || strcmp(type, "unsubscribe") == 0)
		kind = IPP_FBK_UNSUBSCRIBE;
	else
		kind = IPP_FBK_NONE;	/* not-spam, auth-failure: no one complained */
	for (i = 0; i < (nr ? nr : 1); i++) {
		if ((fi = ipp_fbreport_add(c->rep)) == NULL) {
			c->nomem = c->rep->dropped == 0;
			return;
		}
		fi->kind = kind;
		fi->source = IPP_FBS_ARF;
		(void) snprintf(fi->feedback_type, sizeof(fi->feedback_type), "%s", type[0] ? type : "abuse");
		if (nr)
			(void) memcpy(fi->recipient, rcpts[i], sizeof(fi->recipient));
		(void) snprintf(fi->diagnostic, sizeof(fi->diagnostic), "%s%s%s%s%s",
		    ip[0] ? "source-ip " : "", ip, ip[0] && date[0] ? ", " : "",
		    date[0] ? "arrival-date " : "", date);
	}
}

/* --- the message -------------------------------------------------------- */

/* LF line ends: CRLF and a lone CR each become LF. */
static GByteArray *
normalize(const char *msg, size_t len)
{
	GByteArray *a = g_byte_array_sized_new((guint) len);
	size_t	i;
	guint8	lf = '\n';

	if (a == NULL)
		return (NULL);
	for (i = 0; i < len; i++) {
		size_t	j = i;

		while (j < len && msg[j] != '\r')
			j++;
		if (j > i)
			g_byte_array_append(a, (const guint8 *) msg + i, (guint) (j - i));
		if (j < len) {
			g_byte_array_append(a, &lf, 1);
			if (j + 1 < len && msg[j + 1] == '\n')
				j++;
		}
		i = j;
	}
	return (a);
}

static const char *
from_addr(GMimeMessage *m, char *buf, size_t len)
{
	InternetAddressList *l = g_mime_message_get_from(m);
	InternetAddress *a;
	const char *s;

	buf[0] = '\0';
	if (l != NULL && internet_address_list_length(l) > 0
	    && INTERNET_ADDRESS_IS_MAILBOX(a = internet_address_list_get_address(l, 0))
	    && (s = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))) != NULL)
		(void) snprintf(buf, len, "%s", s);
	return (buf);
}

static void
tokens_from(struct ctx *c, GMimeMessage *m, const GByteArray *norm)
{
	static const char *const top[] = {
		"Delivered-To", "X-Original-To", "To", "Cc", "Envelope-To", NULL
	};
	const char *const *h;

	/* the report's own recipient (pipe(8) flags=DO add the first two),
	 * then the original's return path, then anywhere */
	for (h = top; *h; h++)
		header_tokens(c, GMIME_OBJECT(m), *h);
	if (c->orig != NULL) {
		header_tokens(c, GMIME_OBJECT(c->orig), "Return-Path");
		header_tokens(c, GMIME_OBJECT(c->orig), "From");
	}
	scan_tokens(c, (const char *) norm->data, norm->len);
}

/* A token's alphabet (base64url), at least MIN_UNSUB_TOKEN long. */
#define MIN_UNSUB_TOKEN	20

static int
unsub_token_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < MIN_UNSUB_TOKEN || n >= IPP_UNSUB_TOKEN_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char) s[i]) && s[i] != '-' && s[i] != '_')
			return (0);
	return (1);
}

/*
 * The subject of the mailto URL the milter writes, "unsubscribe TOKEN"
 * (GMime has undone RFC 2047; a reply's "Re: " and blanks around are
 * allowed, nothing else).
 */
static int
unsub_subject(const char *subj, char *tok, size_t toklen)
{
	static const char word[] = "unsubscribe";
	const char *p = subj, *e;

	if (p == NULL)
		return (0);
	while (isspace((unsigned char) *p))
		p++;
	if (strncasecmp(p, "re:", 3) == 0)
		for (p += 3; isspace((unsigned char) *p); p++)
			;
	if (strncasecmp(p, word, sizeof(word) - 1) != 0 || !isspace((unsigned char) p[sizeof(word) - 1]))
		return (0);
	for (p += sizeof(word) - 1; isspace((unsigned char) *p); p++)
		;
	for (e = p; *e != '\0' && !isspace((unsigned char) *e); e++)
		;
	if (!unsub_token_ok(p, (size_t) (e - p)) || (size_t) (e - p) >= toklen)
		return (0);
	while (isspace((unsigned char) *e))
		e++;
	if (*e != '\0')
		return (0);
	(void) memcpy(tok, p, (size_t) (e - p));
	tok[e - p] = '\0';
	return (1);
}

/* The recipient address, LOCAL+TOKEN@DOMAIN, as pipe(8) adds it. */
static int
unsub_address(GMimeMessage *m, char *tok, size_t toklen)
{
	static const char *const hdrs[] = { "Delivered-To", "X-Original-To", NULL };
	const char *const *h, *v, *plus, *at;

	for (h = hdrs; *h; h++) {
		if ((v = g_mime_object_get_header(GMIME_OBJECT(m), *h)) == NULL)
			continue;
		while (isspace((unsigned char) *v) || *v == '<')
			v++;
		if ((at = strrchr(v, '@')) == NULL || (plus = memchr(v, '+', (size_t) (at - v))) == NULL)
			continue;
		plus++;
		if (unsub_token_ok(plus, (size_t) (at - plus)) && (size_t) (at - plus) < toklen) {
			(void) memcpy(tok, plus, (size_t) (at - plus));
			tok[at - plus] = '\0';
			return (1);
		}
	}
	return (0);
}

static int
one(struct ipp_fbreport *rep, enum ipp_fb_kind kind, enum ipp_fb_source src, const char *why)
{
	struct ipp_finding *f = ipp_fbreport_add(rep);

	if (f == NULL)
		return (-1);
	f->kind = kind;
	f->source = src;
	(void) snprintf(f->diagnostic, sizeof(f->diagnostic), "%s", why);
	return (0);
}

int
ipp_fbreport_parse(const char *msg, size_t len, const char *prefix, struct ipp_fbreport *rep)
{
	struct ctx c;
	GByteArray *norm;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m = NULL;
	char	from[IPP_ADDR_MAX + 1];
	const char *subj;
	int	rc = 0, found;

	memset(rep, 0, sizeof(*rep));
	memset(&c, 0, sizeof(c));
	c.rep = rep;
	c.prefix = prefix ? prefix : "";
	(void) pthread_once(&gmime_once, gmime_start);
	if ((norm = normalize(msg, len)) == NULL)
		return (-1);
	if (norm->len == 0) {
		g_byte_array_unref(norm);
		(void) snprintf(rep->what, sizeof(rep->what), "an empty message");
		return (one(rep, IPP_FBK_NONE, IPP_FBS_NONE, "an empty message"));
	}
	if ((stream = g_mime_stream_mem_new_with_buffer((const char *) norm->data, norm->len)) == NULL) {
		g_byte_array_unref(norm);
		return (-1);
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (m == NULL) {
		(void) snprintf(rep->what, sizeof(rep->what), "not a mail message");
		scan_tokens(&c, (const char *) norm->data, norm->len);
		rc = one(rep, IPP_FBK_NONE, IPP_FBS_NONE, "not a mail message");
		g_byte_array_unref(norm);
		return (rc);
	}
	walk(&c, g_mime_message_get_mime_part(m), 0);
	if (!c.nomem)
		tokens_from(&c, m, norm);
	subj = g_mime_message_get_subject(m);
	if (c.nomem)
		rc = -1;
	else if (c.dsn != NULL) {
		read_dsn(&c);
		if (!c.nomem && dsn_from_text(&c) != 0)
			c.nomem = 1;
		if (c.nomem)
			rc = -1;
		(void) snprintf(rep->what, sizeof(rep->what), "DSN (RFC 3464): %zu recipient%s",
		    rep->n, rep->n == 1 ? "" : "s");
		if (!c.nomem && rep->n == 0 && rep->dropped == 0)
			rc = one(rep, IPP_FBK_NONE, IPP_FBS_DSN,
			    "a delivery-status report without a failed or delayed recipient");
	} else if (c.arf != NULL) {
		read_arf(&c);
		(void) snprintf(rep->what, sizeof(rep->what), "ARF report (RFC 5965): %s",
		    rep->n ? rep->f[0].feedback_type : "?");
	} else {
		GMimeObject *top = GMIME_OBJECT(m);
		const char *as = g_mime_object_get_header(top, "Auto-Submitted");
		int	autoh = g_mime_object_get_header(top, "X-Autoreply") != NULL
		    || g_mime_object_get_header(top, "X-Autorespond") != NULL
		    || (g_mime_object_get_header(top, "Precedence") != NULL
		    && strcasecmp(g_mime_object_get_header(top, "Precedence"), "auto_reply") == 0);
		enum ipp_msg_class mc = ipp_classify_headers(subj, from_addr(m, from, sizeof(from)),
		    g_mime_object_get_header(top, "Return-Path"), as, autoh);

		found = 0;
		if (mc == IPP_MSG_OTHER && (unsub_subject(subj, rep->unsub_token, sizeof(rep->unsub_token))
		    || unsub_address(m, rep->unsub_token, sizeof(rep->unsub_token)))) {
			(void) snprintf(rep->what, sizeof(rep->what), "unsubscribe request by mail");
			rc = one(rep, IPP_FBK_UNSUBSCRIBE, IPP_FBS_TOKEN, "unsubscribe request by mail");
		} else if (c.text != NULL && mc != IPP_MSG_AUTOREPLY)
			found = ipp_bounce_text((const char *) c.text->data, c.text->len, rep);
		if (rep->unsub_token[0] != '\0') {
			/* the finding is made */
		} else if (found < 0)
			rc = -1;
		else if (found > 0) {
			(void) snprintf(rep->what, sizeof(rep->what), "bounce without a DSN: %zu recipient%s",
			    rep->n, rep->n == 1 ? "" : "s");
		} else if (mc == IPP_MSG_BOUNCE) {
			(void) snprintf(rep->what, sizeof(rep->what), "bounce without a DSN, recipient not named");
			rc = one(rep, IPP_FBK_BOUNCE, rep->ntokens ? IPP_FBS_TOKEN : IPP_FBS_PATTERN,
			    subj ? subj : "");
			if (rc == 0)
				(void) snprintf(rep->f[0].status, sizeof(rep->f[0].status), "5.0.0");
		} else if (mc == IPP_MSG_AUTOREPLY) {
			(void) snprintf(rep->what, sizeof(rep->what), "auto-reply (RFC 3834)");
			rc = one(rep, IPP_FBK_AUTOREPLY, IPP_FBS_AUTOREPLY, subj ? subj : "");
		} else {
			(void) snprintf(rep->what, sizeof(rep->what), "no feedback");
			rc = one(rep, IPP_FBK_NONE, IPP_FBS_NONE, subj ? subj : "");
		}
	}
	if (c.dsn)
		g_byte_array_unref(c.dsn);
	if (c.arf)
		g_byte_array_unref(c.arf);
	if (c.text)
		g_byte_array_unref(c.text);
	if (c.orig)
		g_object_unref(c.orig);
	g_object_unref(m);
	g_byte_array_unref(norm);
	if (rc != 0)
		ipp_fbreport_free(rep);
	return (rc);
}
