/* test_report.c - the feedback reader and what it applies: the meaning of
 * status codes and texts (hard or not), hostile input (50 MB, 10,000
 * recipients, no MIME end, NULs, deep nesting), return-path tokens (made,
 * verified, forged, found in text), and the application of findings to a
 * store exactly once, only for the recipients the token's record lists;
 * unsubscribe requests to the [unsubscribe] mailto address (the token in
 * the subject, RFC 2047 decoded, or in the address), told apart from
 * reports and auto-replies, applied once per token. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounceguard.h"
#include "config.h"
#include "fbapply.h"
#include "fbreport.h"
#include "retpath.h"
#include "store.h"
#include "suppress.h"
#include "tap.h"
#include "unsubtoken.h"

static const struct {
	const char *status, *diag;
	int	hard;
} hard_cases[] = {
	{ "5.1.1", "550 5.1.1 The email account that you tried to reach does not exist", 1 },
	{ "5.1.1", "unknown user: \"a\"", 1 },
	{ "5.1.10", "RESOLVER.ADR.RecipientNotFound", 1 },
	{ "5.2.1", "account disabled", 1 },
	{ "5.1.6", "mailbox has moved", 1 },
	{ "5.0.0", "550 user unknown", 1 },
	{ "5.0.0", "550 Requested action not taken: mailbox unavailable", 1 },
	{ "5.5.0", "No such user here", 1 },
	{ "", "Sorry, no mailbox here by that name.", 1 },
	{ "5.7.1", "Message rejected due to local policy", 0 },
	{ "5.7.1", "user unknown", 0 },		/* a 5.7 code is policy whatever it says */
	{ "5.1.1", "blocked using zen.spamhaus.org", 0 },
	{ "5.2.2", "Mailbox full", 0 },
	{ "5.3.4", "message too big", 0 },
	{ "5.7.26", "DMARC policy", 0 },
	{ "5.0.0", "rejected as spam", 0 },
	{ "5.0.0", "connection refused", 0 },
	{ "4.2.2", "no such user", 0 },		/* temporary: never hard */
	{ "5.4.1", "Recipient address rejected: Access denied", 0 },
	{ "5.7.515", "Access denied, sending domain does not meet the required authentication level", 0 },
};

static char *
repeat_dsn(unsigned n, size_t *len)
{
	size_t	cap = 400 + (size_t) n * 160, o;
	char   *b = malloc(cap);
	unsigned i;

	o = (size_t) snprintf(b, cap, "From: MAILER-DAEMON@x\nSubject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n");
	for (i = 0; i < n; i++)
		o += (size_t) snprintf(b + o, cap - o, "Final-Recipient: rfc822; u%u@example.com\n"
		    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 no such user\n\n", i);
	o += (size_t) snprintf(b + o, cap - o, "--b--\n");
	*len = o;
	return (b);
}

static void
hostile(void)
{
	struct ipp_fbreport rep;
	size_t	len, i;
	char   *b;

	/* 10,000 recipients, every one a finding */
	b = repeat_dsn(10000, &len);
	ok(ipp_fbreport_parse(b, len, "fb-", &rep) == 0 && rep.n == 10000 && rep.dropped == 0
	    && strcmp(rep.f[9999].recipient, "u9999@example.com") == 0 && rep.f[9999].hard,
	    "10,000 recipients: 10,000 findings");
	ipp_fbreport_free(&rep);
	free(b);
	/* more than the limit: the rest is counted, not kept */
	b = repeat_dsn(IPP_FBREPORT_MAX_FINDINGS + 5, &len);
	ok(ipp_fbreport_parse(b, len, "fb-", &rep) == 0 && rep.n == IPP_FBREPORT_MAX_FINDINGS
	    && rep.dropped == 5, "over the limit: %d kept, 5 dropped", IPP_FBREPORT_MAX_FINDINGS);
	ipp_fbreport_free(&rep);
	free(b);
	/* a 50 MB message: a DSN with a huge base64 original */
	len = 50u * 1024 * 1024;
	b = malloc(len + 1);
	i = (size_t) snprintf(b, len, "From: MAILER-DAEMON@x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	    "--b\nContent-Type: message/delivery-status\n\n\nFinal-Recipient: rfc822; big@example.com\n"
	    "Action: failed\nStatus: 5.2.2\n\n--b\nContent-Type: message/rfc822\n\n"
	    "Return-Path: <x@y>\nContent-Transfer-Encoding: base64\n\n");
	for (; i + 78 < len - 20; i += 77)
		(void) memcpy(b + i, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n", 77);
	i += (size_t) snprintf(b + i, len + 1 - i, "\n--b--\n");
	ok(ipp_fbreport_parse(b, i, "fb-", &rep) == 0 && rep.n == 1
	    && strcmp(rep.f[0].recipient, "big@example.com") == 0 && !rep.f[0].hard,
	    "50 MB: read, one finding (5.2.2, not hard)");
	ipp_fbreport_free(&rep);
	free(b);
	/* nonsense of every kind: a finding, never a crash */
	{
		static const char *const junk[] = {
			"", "\n\n\n", "x", "From: a\n", "Content-Type: multipart/report; boundary=\"\n\n--\n",
			"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--",
			"Content-Type: message/delivery-status\n\nFinal-Recipient:\nAction\nStatus: 5.\n",
			"Content-Type: message/delivery-status\n\nStatus: 5.1.1111\nFinal-Recipient: ;;;;\n",
			"Content-Type: message/feedback-report\n\nFeedback-Type:\nOriginal-Rcpt-To: <<<@>>>\n",
			"Content-Type: message/delivery-status\n\nFinal-Recipient: utf-8; \\x{110000}@x\\x{\n",
		};
		int	good = 1;

		for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
			if (ipp_fbreport_parse(junk[i], strlen(junk[i]), "fb-", &rep) != 0 || rep.n < 1)
				good = 0;
			ipp_fbreport_free(&rep);
		}
		ok(good, "malformed input: at least one finding each, no crash");
	}
	/* NULs and deep nesting */
	{
		char	nul[] = "From: MAILER-DAEMON@x\nContent-Type: message/delivery-status\n\n"
		    "Final-Recipient: rfc822; a\0b@example.com\nAction: failed\nStatus: 5.1.1\n";
		char   *deep = malloc(200000);
		size_t	o = 0;
		int	d;

		ok(ipp_fbreport_parse(nul, sizeof(nul) - 1, "fb-", &rep) == 0 && rep.n == 1,
		    "a NUL inside a field: read");
		ipp_fbreport_free(&rep);
		for (d = 0; d < 500; d++)
			o += (size_t) snprintf(deep + o, 200000 - o,
			    "MIME-Version: 1.0\nContent-Type: message/rfc822\n\n");
		o += (size_t) snprintf(deep + o, 200000 - o, "Subject: bottom\n\nx\n");
		ok(ipp_fbreport_parse(deep, o, "fb-", &rep) == 0 && rep.n == 1, "500 nested messages: read");
		ipp_fbreport_free(&rep);
		free(deep);
	}
}

static const char *
keyfile(const char *name, char fill)
{
	static char path[512];
	char	data[40];
	int	fd;

	memset(data, fill, sizeof(data));
	(void) snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0
	    || write(fd, data, sizeof(data)) != (ssize_t) sizeof(data) || close(fd) != 0)
		exit(99);
	return (path);
}

static void
tokens(void)
{
	struct ipp_hmac_keys k1, k2;
	struct ipp_hmac_key hk;
	char	tok[IPP_RETPATH_TOKEN_LEN + 1], found[IPP_RETPATH_TOKEN_LEN + 1], text[200], err[300];
	uint64_t id, id2;
	const char *p;
	char	save;

	memset(&k1, 0, sizeof(k1));
	memset(&k2, 0, sizeof(k2));
	ok(ipp_hmac_key_read(keyfile("k1", 'a'), &k1.k[0], err, sizeof(err)) == 0, "key file read");
	k1.n = 1;
	(void) ipp_hmac_key_read(keyfile("k2", 'b'), &k2.k[0], err, sizeof(err));
	k2.n = 1;
	(void) chmod(keyfile("k3", 'c'), 0644);
	ok(ipp_hmac_key_read(tap_write("k3x", ""), &hk, err, sizeof(err)) != 0, "empty key refused");
	{
		char	path[512];

		(void) snprintf(path, sizeof(path), "%s/k3", tap_tmpdir());
		ok(ipp_hmac_key_read(path, &hk, err, sizeof(err)) != 0 && strstr(err, "chmod 640"),
		    "world-readable key refused: %s", err);
	}
	ok(ipp_retpath_new(&k1, tok, &id) == 0 && strlen(tok) == IPP_RETPATH_TOKEN_LEN, "token made");
	ok(ipp_retpath_verify(&k1, tok, &id2) == 0 && id2 == id, "token verifies, same id");
	ok(ipp_retpath_verify(&k2, tok, &id2) != 0, "another key: invalid");
	save = tok[3];
	tok[3] = save == 'a' ? 'b' : 'a';
	ok(ipp_retpath_verify(&k1, tok, &id2) != 0, "one character changed: invalid");
	tok[3] = save;
	k2.k[1] = k1.k[0];
	k2.n = 2;
	ok(ipp_retpath_verify(&k2, tok, &id2) == 0, "the old key still checks (rotation)");
	(void) snprintf(text, sizeof(text), "To: <FB-%s@bounce.example.com>, xfb-%s@b", tok, tok);
	p = ipp_retpath_scan(text, strlen(text), "fb-", found);
	ok(p != NULL && strcmp(found, tok) == 0, "found in a header, any case");
	ok(ipp_retpath_scan(p, strlen(p), "fb-", found) == NULL, "not inside a longer local part");
}

static struct ipp_config *
config(const char *extra)
{
	char	conf[2048];

	(void) snprintf(conf, sizeof(conf), "[store]\npath = %s/store\n[milter]\nuser =\n"
	    "[pool tx]\nips = 192.0.2.1\n%s", tap_tmpdir(), extra);
	return (ipp_config_load(tap_write("ippool.conf", conf), stderr));
}

struct put_arg {
	uint64_t id;
	struct ipp_retpath_rec *rec;
};

static int
put_body(struct ipp_txn *txn, void *arg)
{
	struct put_arg *pa = arg;

	return (ipp_retpath_txn_put(txn, pa->id, pa->rec));
}

static void
apply(void)
{
	struct ipp_config *cfg = config("[feedback]\ncomplaint_min = 2\n");
	struct ipp_retpath_rec rec, got;
	struct ipp_fbreport rep;
	struct ipp_guard_status gs;
	struct ipp_supp s;
	struct ipp_store *st;
	struct put_arg pa;
	char	err[300], note[600], rcpts[] = "a@rcpt.test b@rcpt.test", msg[2000];
	time_t	now = 1795435200;
	int	n;

	if (cfg == NULL || (st = ipp_store_open(cfg, err, sizeof(err))) == NULL) {
		ok(0, "store: %s", cfg ? err : "config");
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.when = now;
	(void) strcpy(rec.sender, "news@site.test");
	(void) strcpy(rec.pool, "tx");
	(void) strcpy(rec.qid, "4QABC");
	rec.rcpts = rcpts;
	rec.nrcpt = 2;
	pa.id = 42;
	pa.rec = &rec;
	ok(ipp_store_run(st, put_body, &pa) == IPP_OK, "record written");
	ok(ipp_retpath_get(st, 42, &got) == IPP_OK && strcmp(got.sender, "news@site.test") == 0
	    && strcmp(got.rcpts, rcpts) == 0 && got.nrcpt == 2 && strcmp(got.qid, "4QABC") == 0,
	    "record read back");
	ok(ipp_retpath_listed(&got, "b@rcpt.test") && !ipp_retpath_listed(&got, "rcpt.test")
	    && !ipp_retpath_listed(&got, "a@rcpt.tes"), "listed: whole addresses only");
	n = snprintf(msg, sizeof(msg), "From: MAILER-DAEMON@mx\nMessage-ID: <dsn1@mx>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
	    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
	    "Final-Recipient: rfc822; A+tag@rcpt.test\nAction: failed\nStatus: 5.1.1\n\n"
	    "Final-Recipient: rfc822; b@rcpt.test\nAction: failed\nStatus: 5.7.1\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 policy\n\n"
	    "Final-Recipient: rfc822; stranger@rcpt.test\nAction: failed\nStatus: 5.1.1\n\n--b--\n");
	ok(ipp_fbreport_parse(msg, (size_t) n, "fb-", &rep) == 0 && rep.n == 3, "DSN with 3 recipients");
	is_int(ipp_fb_apply(st, cfg, &rep, 0, &got, now, note, sizeof(note)), IPP_OK, "hard bounce applied");
	ok(ipp_supp_check(st, "a@rcpt.test", "", now, &s) == IPP_OK && s.reason == IPP_SUPP_BOUNCE
	    && s.expires == now + cfg->suppress_ttl, "  suppressed (sub-address folded), suppress_ttl");
	is_int(ipp_fb_apply(st, cfg, &rep, 1, &got, now, note, sizeof(note)), IPP_OK, "policy bounce applied");
	ok(ipp_supp_check(st, "b@rcpt.test", "", now, &s) == IPP_NOTFOUND, "  not suppressed");
	is_int(ipp_fb_apply(st, cfg, &rep, 2, &got, now, note, sizeof(note)), IPP_FB_NOTHING,
	    "a recipient the record does not list: nothing");
	ok(ipp_supp_check(st, "stranger@rcpt.test", "", now, &s) == IPP_NOTFOUND, "  not suppressed");
	is_int(ipp_fb_apply(st, cfg, &rep, 0, &got, now, note, sizeof(note)), IPP_FB_DUPLICATE,
	    "the same finding again: applied before");
	ok(ipp_guard_check(st, cfg, "site.test", now, &gs) == IPP_OK && gs.bounced == 2,
	    "two bounces counted for the sender domain");
	ipp_fbreport_free(&rep);
	/* a complaint, redacted: the record's only recipient is the one */
	rec.rcpts = rcpts + 12;		/* "b@rcpt.test" */
	rec.nrcpt = 1;
	pa.id = 43;
	(void) ipp_store_run(st, put_body, &pa);
	ipp_retpath_rec_free(&got);
	(void) ipp_retpath_get(st, 43, &got);
	n = snprintf(msg, sizeof(msg), "From: fbl@isp\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n--b--\n");
	ok(ipp_fbreport_parse(msg, (size_t) n, "fb-", &rep) == 0 && rep.n == 1
	    && rep.f[0].kind == IPP_FBK_COMPLAINT, "ARF without a recipient");
	is_int(ipp_fb_apply(st, cfg, &rep, 0, &got, now, note, sizeof(note)), IPP_OK, "complaint applied");
	ok(ipp_supp_check(st, "b@rcpt.test", "site.test", now, &s) == IPP_OK
	    && s.reason == IPP_SUPP_COMPLAINT && s.expires == 0
	    && strcmp(s.sender_domain, "site.test") == 0, "  suppressed for site.test, permanently");
	ok(ipp_supp_check(st, "b@rcpt.test", "other.test", now, &s) == IPP_NOTFOUND,
	    "  not for another sender domain");
	ok(ipp_guard_check(st, cfg, "site.test", now, &gs) == IPP_OK && gs.complaints == 1
	    && !gs.paused, "  one complaint counted, under complaint_min");
	is_int(ipp_fb_apply(st, cfg, &rep, 0, &got, now, note, sizeof(note)), IPP_FB_DUPLICATE,
	    "  another report of the same complaint: applied before");
	ipp_fbreport_free(&rep);
	/* a complaint about another message */
	(void) strcpy(rec.qid, "4QDEF");
	pa.id = 44;
	(void) ipp_store_run(st, put_body, &pa);
	ipp_retpath_rec_free(&got);
	(void) ipp_retpath_get(st, 44, &got);
	n = snprintf(msg, sizeof(msg), "From: fbl@isp\nMessage-ID: <second@isp>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n--b--\n");
	(void) ipp_fbreport_parse(msg, (size_t) n, "fb-", &rep);
	(void) ipp_fb_apply(st, cfg, &rep, 0, &got, now, note, sizeof(note));
	ok(ipp_guard_check(st, cfg, "site.test", now, &gs) == IPP_OK && gs.complaints == 2
	    && gs.paused && gs.paused_complaints && !gs.paused_bounces,
	    "a second complaint: complaint rate over 0.3%%, paused");
	ipp_fbreport_free(&rep);
	ipp_retpath_rec_free(&got);
	ipp_store_close(st);
	ipp_config_free(cfg);
}

/* The reader's verdict on MSG: its unsubscribe token ("" for none) and kind. */
static enum ipp_fb_kind
unsub_read(const char *msg, char *tok, size_t toklen)
{
	struct ipp_fbreport rep;
	enum ipp_fb_kind k;

	tok[0] = '\0';
	if (ipp_fbreport_parse(msg, strlen(msg), "fb-", &rep) != 0 || rep.n < 1)
		return ((enum ipp_fb_kind) -1);
	k = rep.f[0].kind;
	(void) snprintf(tok, toklen, "%s", rep.unsub_token);
	ipp_fbreport_free(&rep);
	return (k);
}

static void
unsub(void)
{
	struct ipp_config *cfg;
	struct ipp_hmac_keys keys;
	struct ipp_unsub_claim claim;
	struct ipp_store *st;
	struct ipp_supp s;
	const char *why;
	char	tok[IPP_UNSUB_TOKEN_MAX], got[IPP_UNSUB_TOKEN_MAX], msg[4096], conf[600], err[300],
		note[600], enc[IPP_UNSUB_TOKEN_MAX + 64];
	time_t	now = 1795435200;
	size_t	i, o;

	(void) snprintf(conf, sizeof(conf), "[unsubscribe]\nurl = https://u.example/u\nkey = %s\n"
	    "mailto = unsub@bounce.example.com\n", keyfile("uk", 'u'));
	if ((cfg = config(conf)) == NULL || ipp_unsub_keys_load(cfg, &keys, err, sizeof(err)) != 0
	    || ipp_unsub_token_make(&keys, "bob@gmail.com", "example.com", now, tok, sizeof(tok)) != 0) {
		ok(0, "unsubscribe config, key and token: %s", err);
		return;
	}
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\nTo: unsub@bounce.example.com\n"
	    "Subject: unsubscribe %s\n\nx\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_UNSUBSCRIBE && strcmp(got, tok) == 0,
	    "Subject: unsubscribe TOKEN: an unsubscribe request, the token read");
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\r\nSubject:   RE:  Unsubscribe\t%s  \r\n\r\nx\r\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_UNSUBSCRIBE && strcmp(got, tok) == 0,
	    "a reply's Re:, any case, blanks around, CRLF");
	/* RFC 2047 Q encoding, the space as "_", split over two encoded words */
	o = (size_t) snprintf(enc, sizeof(enc), "=?UTF-8?Q?unsubscribe_");
	for (i = 0; tok[i] && o + 8 < sizeof(enc); i++) {
		if (i == 20)
			o += (size_t) snprintf(enc + o, sizeof(enc) - o, "?=\n =?utf-8?q?");
		enc[o++] = tok[i] == '_' ? '=' : tok[i];
		if (tok[i] == '_')
			o += (size_t) snprintf(enc + o, sizeof(enc) - o, "5F");
	}
	(void) snprintf(enc + o, sizeof(enc) - o, "?=");
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\nSubject: %s\n\nx\n", enc);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_UNSUBSCRIBE && strcmp(got, tok) == 0,
	    "an RFC 2047 subject in two encoded words: decoded");
	(void) snprintf(msg, sizeof(msg), "Delivered-To: unsub+%s@bounce.example.com\n"
	    "From: bob@gmail.com\nSubject: stop\n\nx\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_UNSUBSCRIBE && strcmp(got, tok) == 0,
	    "the token in the recipient address (Delivered-To: LOCAL+TOKEN@)");
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\nSubject: please unsubscribe %s\n\nx\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_NONE && got[0] == '\0',
	    "words before \"unsubscribe\": no request");
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\nSubject: unsubscribe %s now\n\nx\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_NONE, "words after the token: no request");
	ok(unsub_read("From: bob@gmail.com\nSubject: unsubscribe\n\nx\n", got, sizeof(got))
	    == IPP_FBK_NONE, "\"unsubscribe\" alone: no request");
	ok(unsub_read("From: bob@gmail.com\nSubject: unsubscribe abc\n\nx\n", got, sizeof(got))
	    == IPP_FBK_NONE, "a short word: no request");
	ok(unsub_read("From: bob@gmail.com\nSubject: unsubscribe aaaaaaaaaaaaaaaaaaaaaaaa<script>\n\nx\n",
	    got, sizeof(got)) == IPP_FBK_NONE, "characters outside base64url: no request");
	(void) snprintf(msg, sizeof(msg), "From: bob@gmail.com\nAuto-Submitted: auto-replied\n"
	    "Subject: unsubscribe %s\n\nI am away.\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_AUTOREPLY && got[0] == '\0',
	    "an auto-reply quoting the subject: an auto-reply, no request");
	(void) snprintf(msg, sizeof(msg), "From: MAILER-DAEMON@mx\nSubject: unsubscribe %s\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
	    "Final-Recipient: rfc822; x@rcpt.test\nAction: failed\nStatus: 5.1.1\n\n--b--\n", tok);
	ok(unsub_read(msg, got, sizeof(got)) == IPP_FBK_BOUNCE && got[0] == '\0',
	    "a DSN whose subject says unsubscribe: a bounce");
	/* what ippoolctl feedback then does with the token */
	ok(ipp_unsub_token_check(&keys, tok, strlen(tok), &claim, &why) == 0
	    && strcmp(claim.rcpt, "bob@gmail.com") == 0 && strcmp(claim.domain, "example.com") == 0,
	    "the token read checks: bob@gmail.com, example.com");
	if ((st = ipp_store_open(cfg, err, sizeof(err))) == NULL) {
		ok(0, "store: %s", err);
		ipp_config_free(cfg);
		return;
	}
	is_int(ipp_fb_apply_unsub(st, cfg, tok, &claim, now, note, sizeof(note)), IPP_OK, "applied: %s", note);
	ok(ipp_supp_check(st, "bob@gmail.com", "example.com", now + 86400 * 400, &s) == IPP_OK
	    && s.reason == IPP_SUPP_UNSUBSCRIBE && s.expires == 0
	    && strcmp(s.sender_domain, "example.com") == 0, "  suppressed for example.com, permanently");
	ok(ipp_supp_check(st, "bob@gmail.com", "example.org", now, &s) == IPP_NOTFOUND,
	    "  not for another sender domain");
	ok(ipp_supp_del(st, "bob@gmail.com", "example.com") == IPP_OK, "  removed by the operator");
	is_int(ipp_fb_apply_unsub(st, cfg, tok, &claim, now + 60, note, sizeof(note)), IPP_FB_DUPLICATE,
	    "the same request again: applied before");
	ok(ipp_supp_check(st, "bob@gmail.com", "example.com", now, &s) == IPP_NOTFOUND,
	    "  the removal stays");
	ipp_store_close(st);
	ipp_config_free(cfg);
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(hard_cases) / sizeof(hard_cases[0]); i++)
		is_int(ipp_bounce_hard(hard_cases[i].status, hard_cases[i].diag), hard_cases[i].hard,
		    "%s %s: %s", hard_cases[i].status, hard_cases[i].diag,
		    hard_cases[i].hard ? "hard" : "not hard");
	hostile();
	tokens();
	apply();
	unsub();
	return (done_testing());
}
