/* cmd_feedback.c - "ippoolctl feedback [--dry-run] [--json] [FILE|-]": read
 * one feedback message (a DSN, an ARF report, a bounce without a DSN, an
 * auto-reply) as the return domain's pipe(8) transport hands it over,
 * print what it says, resolve its return-path token (or check the token
 * of an unsubscribe request to the [unsubscribe] mailto address) and, without
 * --dry-run, apply each finding once (lib/ingest/fbapply.c).  Exit 0 when
 * the message was handled (no feedback and forged tokens included), 75
 * when the store failed or the key could not be read, so that Postfix
 * keeps the message and tries again; never a bounce of a bounce. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "addr.h"
#include "clock.h"
#include "ctl.h"
#include "printable.h"
#include "fbapply.h"
#include "log.h"
#include "fbreport.h"
#include "retpath.h"
#include "unsubtoken.h"

enum tok_state { TOK_NONE, TOK_INVALID, TOK_VALID };

static const char *const tok_names[] = { "none", "invalid", "valid" };

/* Read all of FD up to IPP_FBREPORT_MAX_BYTES; *over when there was more. */
static char *
slurp(int fd, size_t *len, int *over)
{
	size_t	cap = 65536, n = 0;
	char   *buf = malloc(cap), *g, sink[65536];
	ssize_t	r;

	*over = 0;
	if (buf == NULL)
		return (NULL);
	for (;;) {
		if (n == cap) {
			if (cap >= (size_t) IPP_FBREPORT_MAX_BYTES) {
				/* drain the rest so that the writer (pipe(8)) is not blocked */
				while ((r = read(fd, sink, sizeof(sink))) > 0 || (r < 0 && errno == EINTR))
					*over = 1;
				break;
			}
			cap = cap * 2 > (size_t) IPP_FBREPORT_MAX_BYTES ? (size_t) IPP_FBREPORT_MAX_BYTES : cap * 2;
			if ((g = realloc(buf, cap)) == NULL) {
				free(buf);
				return (NULL);
			}
			buf = g;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			msg_warn("feedback: read error: %s", strerror(errno));
			free(buf);
			return (NULL);
		}
		if (r == 0)
			break;
		n += (size_t) r;
	}
	*len = n;
	return (buf);
}

/* JSON strings must be UTF-8: anything else becomes '?'. */
static void
utf8_clean(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t	o = 0;
	int	n, i;

	while (*s && o + 5 < outlen) {
		n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 && *s >= 0xC2 ? 1 : (*s & 0xF0) == 0xE0 ? 2
		    : (*s & 0xF8) == 0xF0 && *s <= 0xF4 ? 3 : -1;
		for (i = 1; n > 0 && i <= n; i++)
			if ((s[i] & 0xC0) != 0x80)
				n = -1;
		if (n < 0) {
			out[o++] = '?';
			s++;
			continue;
		}
		for (i = 0; i <= n; i++)
			out[o++] = (char) *s++;
	}
	out[o] = '\0';
}

static int
jset(json_t *o, const char *k, const char *v)
{
	char	buf[1024];

	utf8_clean(v ? v : "", buf, sizeof(buf));
	return (json_object_set_new(o, k, json_string(buf)));
}

/* SDOM: the sender domain when no record names it (NULL: the record's). */
static void
print_finding(const struct ipp_finding *f, const struct ipp_retpath_rec *rec,
    const char *sdom, enum tok_state ts, int json)
{
	json_t *o;
	char   *s, line[4096], safe[4096];

	if (sdom == NULL)
		sdom = rec && rec->sender[0] ? ipp_addr_domain(rec->sender) : NULL;
	if (!json) {
		/* every field is the sender's: no raw control characters */
		(void) snprintf(line, sizeof(line), "%s%s%s%s%s%s (%s) token=%s%s%s%s%s%s%s%s%s",
		    ipp_fb_kind_name(f->kind), f->recipient[0] ? " <" : "", f->recipient,
		    f->recipient[0] ? ">" : "", f->status[0] ? " " : "", f->status,
		    ipp_fb_source_name(f->source), tok_names[ts],
		    rec ? " sender=<" : "", rec ? rec->sender : "", rec ? ">" : "",
		    !rec && sdom && *sdom ? " sender_domain=" : "", !rec && sdom ? sdom : "",
		    f->hard ? " hard" : "", f->diagnostic[0] ? ": " : "", f->diagnostic);
		(void) printf("%s\n", ipp_printable_str(line, safe, sizeof(safe)));
		return;
	}
	if ((o = json_object()) == NULL)
		return;
	if (jset(o, "kind", ipp_fb_kind_name(f->kind)) || jset(o, "recipient", f->recipient)
	    || jset(o, "status", f->status) || json_object_set_new(o, "hard", json_boolean(f->hard))
	    || jset(o, "diagnostic", f->diagnostic) || jset(o, "remote_mta", f->remote_mta)
	    || jset(o, "feedback_type", f->feedback_type)
	    || jset(o, "sender", rec ? rec->sender : "") || jset(o, "sender_domain", sdom ? sdom : "")
	    || jset(o, "pool", rec ? rec->pool : "") || jset(o, "token", tok_names[ts])
	    || jset(o, "source", ipp_fb_source_name(f->source))
	    || (s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(o);
		return;
	}
	(void) printf("%s\n", s);
	free(s);
	json_decref(o);
}

/*
 * Mail to the [unsubscribe] mailto address: its own token names the
 * recipient and the sender domain, no return-path record is involved.
 * A token that does not check is logged and changes nothing (exit 0).
 */
static int
unsub_mail(struct ctl *ctl, struct ipp_fbreport *rep, const char *file, int dry, int json)
{
	const struct ipp_config *cfg = ctl->cfg;
	struct ipp_finding *f = &rep->f[0];
	struct ipp_hmac_keys keys;
	struct ipp_unsub_claim claim;
	const char *why = NULL;
	char	err[512], note[600];
	int	rc;

	if (!ipp_unsub_enabled(cfg, NULL)) {
		msg_info("feedback: %s: unsubscribe request by mail; no [unsubscribe] key to check its token: not applied",
		    file);
		print_finding(f, NULL, "", TOK_INVALID, json);
		return (0);
	}
	/* keys before the store: opening the store drops privileges */
	if (ipp_unsub_keys_load(cfg, &keys, err, sizeof(err)) != 0) {
		msg_warn("feedback: [unsubscribe] key: %s: message kept for a retry", err);
		return (EX_TEMPFAIL);
	}
	rc = ipp_unsub_token_check(&keys, rep->unsub_token, strlen(rep->unsub_token), &claim, &why);
	OPENSSL_cleanse(&keys, sizeof(keys));
	if (rc != 0) {
		msg_info("feedback: %s: unsubscribe request by mail; token %.80s refused (%s): not applied",
		    file, rep->unsub_token, why);
		print_finding(f, NULL, "", TOK_INVALID, json);
		return (0);
	}
	(void) snprintf(f->recipient, sizeof(f->recipient), "%s", claim.rcpt);
	msg_info("feedback: %s: unsubscribe request by mail; token valid%s: %s for mail from %s",
	    file, claim.old_key ? " (old key)" : "", claim.rcpt, claim.domain);
	print_finding(f, NULL, claim.domain, TOK_VALID, json);
	if (dry)
		return (0);
	rc = ipp_fb_apply_unsub(ctl_store(ctl), ctl_config(ctl), rep->unsub_token, &claim, ipp_now(), note,
	    sizeof(note));
	if (rc < 0) {
		msg_warn("feedback: store failure applying the unsubscribe: message kept for a retry");
		return (EX_TEMPFAIL);
	}
	msg_info("feedback: %s", note);
	return (0);
}

/*
 * The report's token: TOK_VALID with the record, TOK_INVALID (forged, a
 * key of another site, expired), TOK_NONE.  -1 when the store failed.
 */
static int
resolve(struct ctl *ctl, const struct ipp_fbreport *rep, const struct ipp_hmac_keys *keys,
    struct ipp_retpath_rec *rec, enum tok_state *ts, char *why, size_t whylen)
{
	const struct ipp_config *cfg = ctl->cfg;
	uint64_t id = 0;
	size_t	i;
	int	rc;

	*ts = rep->ntokens ? TOK_INVALID : TOK_NONE;
	(void) snprintf(why, whylen, "%s", rep->ntokens ? "no token with a valid signature" : "no token");
	if (keys == NULL || rep->ntokens == 0) {
		if (keys == NULL && rep->ntokens)
			(void) snprintf(why, whylen, "no [feedback] key to check the token");
		return (0);
	}
	for (i = 0; i < rep->ntokens; i++)
		if (ipp_retpath_verify(keys, rep->tokens[i], &id) == 0)
			break;
	if (i == rep->ntokens)
		return (0);
	rc = ipp_retpath_get(ctl_store(ctl), id, rec);
	if (rc < 0)
		return (-1);
	if (rc == IPP_NOTFOUND || rec->when < ipp_now() - (time_t) cfg->fb_keep) {
		ipp_retpath_rec_free(rec);
		(void) snprintf(why, whylen, "token %s is older than [feedback] keep or unknown",
		    rep->tokens[i]);
		return (0);
	}
	*ts = TOK_VALID;
	(void) snprintf(why, whylen, "token %s: queue id %.40s, from=<%.160s>, pool %s", rep->tokens[i],
	    rec->qid, rec->sender, rec->pool[0] ? rec->pool : "-");
	return (0);
}

int
cmd_feedback(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg;
	const char *envrcpt = NULL;
	struct ipp_hmac_keys keys, *kp = NULL;
	struct ipp_retpath_rec rec;
	struct ipp_fbreport rep;
	enum tok_state ts;
	const char *file = "-";
	char	err[512], why[400], note[600];
	unsigned long applied = 0, dup = 0, nothing = 0;
	size_t	len = 0, i;
	char   *msg;
	int	ch, dry = 0, json = 0, fd, over, rc, status = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "nj", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			dry = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'r':
			/* Sendmail speaks SMTP to a mailer without $u: it passes $u here */
			if (strlen(optarg) > IPP_ADDR_MAX || strpbrk(optarg, " \t\r\n") != NULL) {
				(void) fprintf(stderr, "ippoolctl: feedback: --recipient: not an address: %.80s\n",
				    optarg);
				return (EX_USAGE);
			}
			envrcpt = optarg;
			break;
		default:
			return (ctl_usage(ctl_find("feedback")));
		}
	}
	if (argc - optind > 1)
		return (ctl_usage(ctl_find("feedback")));
	if (optind < argc)
		file = argv[optind];
	/* the pipe transport's output is seen by nobody: log to syslog too */
	if (!isatty(2))
		ipp_log_init("ippoolctl", IPP_LOG_STDERR | IPP_LOG_SYSLOG);
	cfg = ctl_config(ctl);
	if (strcmp(file, "-") == 0)
		fd = 0;
	else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		msg_warn("feedback: cannot open %s: %s", file, strerror(errno));
		return (EX_NOINPUT);
	}
	msg = slurp(fd, &len, &over);
	if (fd != 0)
		(void) close(fd);
	if (msg == NULL) {
		msg_warn("feedback: %s: cannot read the message (out of memory?)", file);
		return (EX_TEMPFAIL);
	}
	if (over) {
		/* handled: a report is never this large; Postfix need not keep it */
		msg_warn("feedback: %s: larger than %ld bytes: not read, nothing applied", file,
		    IPP_FBREPORT_MAX_BYTES);
		free(msg);
		return (0);
	}
	/* keys before the store: opening the store drops privileges */
	if (cfg->fb_key != NULL) {
		if (ipp_retpath_keys_load(cfg, &keys, err, sizeof(err)) != 0) {
			msg_warn("feedback: %s: message kept for a retry", err);
			free(msg);
			return (EX_TEMPFAIL);
		}
		kp = &keys;
	}
	rc = ipp_fbreport_parse(msg, len, cfg->fb_prefix, &rep);
	free(msg);
	if (rc != 0) {
		msg_warn("feedback: %s: out of memory reading the message", file);
		return (EX_TEMPFAIL);
	}
	if (rep.unsub_token[0] != '\0') {
		status = unsub_mail(ctl, &rep, file, dry, json);
		ipp_fbreport_free(&rep);
		return (status);
	}
	memset(&rec, 0, sizeof(rec));
	if (resolve(ctl, &rep, kp, &rec, &ts, why, sizeof(why)) != 0) {
		msg_warn("feedback: store failure resolving the token: message kept for a retry");
		ipp_fbreport_free(&rep);
		return (EX_TEMPFAIL);
	}
	msg_info("feedback: %s%s%s%s: %s; %s%s", file, envrcpt ? " to <" : "",
	    envrcpt ? envrcpt : "", envrcpt ? ">" : "", rep.what, why,
	    rep.dropped ? "; findings over the limit dropped" : "");
	for (i = 0; i < rep.n; i++)
		print_finding(&rep.f[i], ts == TOK_VALID ? &rec : NULL, NULL, ts, json);
	if (!dry && ts != TOK_VALID) {
		for (i = 0; i < rep.n; i++)
			if (rep.f[i].kind == IPP_FBK_BOUNCE || rep.f[i].kind == IPP_FBK_COMPLAINT
			    || rep.f[i].kind == IPP_FBK_UNSUBSCRIBE)
				msg_info("feedback: %s <%s> %s: not applied: token %s",
				    ipp_fb_kind_name(rep.f[i].kind), rep.f[i].recipient,
				    rep.f[i].status, tok_names[ts]);
	} else if (!dry) {
		for (i = 0; i < rep.n; i++) {
			rc = ipp_fb_apply(ctl_store(ctl), cfg, &rep, i, &rec, ipp_now(), note, sizeof(note));
			if (rc < 0) {
				msg_warn("feedback: store failure applying the report: message kept for a retry");
				status = EX_TEMPFAIL;
				break;
			}
			if (rc == IPP_FB_DUPLICATE)
				dup++;
			else if (rc == IPP_FB_NOTHING)
				nothing++;
			else
				applied++;
			if (note[0] && rc != IPP_FB_DUPLICATE)
				msg_info("feedback: %s (queue id %s)", note, rec.qid);
		}
		if (status == 0)
			msg_info("feedback: %lu finding%s applied, %lu applied before, %lu with nothing to apply",
			    applied, applied == 1 ? "" : "s", dup, nothing);
	}
	ipp_retpath_rec_free(&rec);
	ipp_fbreport_free(&rep);
	return (status);
}
