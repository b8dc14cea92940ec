/* fbreport.h - reading feedback mail (DESIGN.md "Feedback by mail"): one
 * message, as the pipe(8) transport of the return domain hands it over,
 * becomes a list of findings.  MIME is GMime's; what this layer reads is
 * the report formats inside: DSNs (RFC 3464, RFC 6533), ARF reports
 * (RFC 5965), bounces without a DSN (qmail, older Sendmail and Exim,
 * Exchange: the pattern table of bouncepat.c), auto-replies (RFC 3834),
 * unsubscribe requests to the [unsubscribe] mailto address (RFC 2369).
 * The input is untrusted: every field is bounded, a message that cannot
 * be read is a finding of kind none with the reason, never a crash. */
#ifndef IPP_FBREPORT_H
#define IPP_FBREPORT_H

#include <stddef.h>

#include "addr.h"
#include "retpath.h"
#include "unsubtoken.h"

#define IPP_FBREPORT_MAX_BYTES	(64L * 1024 * 1024)	/* ippoolctl reads no more */
#define IPP_FBREPORT_MAX_FINDINGS	20000
#define IPP_FBREPORT_MAX_TOKENS	8

enum ipp_fb_kind {
	IPP_FBK_NONE, IPP_FBK_BOUNCE, IPP_FBK_DELAY, IPP_FBK_COMPLAINT,
	IPP_FBK_UNSUBSCRIBE, IPP_FBK_AUTOREPLY
};
enum ipp_fb_source {
	IPP_FBS_NONE, IPP_FBS_DSN, IPP_FBS_ARF, IPP_FBS_PATTERN, IPP_FBS_TOKEN,
	IPP_FBS_AUTOREPLY
};

struct ipp_finding {
	enum ipp_fb_kind kind;
	enum ipp_fb_source source;
	char	recipient[IPP_ADDR_MAX + 1];	/* normalized; "" when the report names none */
	char	status[16];			/* RFC 3463 "5.1.1", or "" */
	int	hard;				/* the address itself does not work */
	char	diagnostic[400];
	char	remote_mta[256];
	char	feedback_type[32];		/* ARF: abuse, fraud, opt-out, ... */
};

struct ipp_fbreport {
	struct ipp_finding *f;
	size_t	n, cap;
	size_t	dropped;		/* findings over IPP_FBREPORT_MAX_FINDINGS */
	/* return-path tokens the message carries, most telling first */
	char	tokens[IPP_FBREPORT_MAX_TOKENS][IPP_RETPATH_TOKEN_LEN + 1];
	size_t	ntokens;
	/* an unsubscribe request by mail (the [unsubscribe] mailto address):
	 * its token, unchecked, from the subject "unsubscribe TOKEN" or the
	 * recipient address LOCAL+TOKEN@...; "" when the message is none */
	char	unsub_token[IPP_UNSUB_TOKEN_MAX];
	char	what[200];		/* what the message is, for the log */
};

/*
 * Read MSG (LEN bytes; LF, CRLF or CR line ends) looking for tokens that
 * start with PREFIX.  Every message gives at least one finding.  Returns
 * 0, or -1 when out of memory (the report is then empty).
 */
int	ipp_fbreport_parse(const char *msg, size_t len, const char *prefix,
	    struct ipp_fbreport *);
void	ipp_fbreport_free(struct ipp_fbreport *);

const char *ipp_fb_kind_name(enum ipp_fb_kind);
const char *ipp_fb_source_name(enum ipp_fb_source);

/* --- bouncepat.c: what the texts of reports mean --------------------------- */

/* Whether a permanent failure with STATUS ("" if none) and DIAG says the
 * address itself does not work. */
int	ipp_bounce_hard(const char *status, const char *diag);
/* The first RFC 3463 code in TEXT (LEN bytes) into out[16]; 0 or -1. */
int	ipp_find_status(const char *text, size_t len, char *out);

/* What the headers of a message that is no report say it is. */
enum ipp_msg_class { IPP_MSG_OTHER, IPP_MSG_BOUNCE, IPP_MSG_AUTOREPLY };
enum ipp_msg_class ipp_classify_headers(const char *subject, const char *from,
	    const char *return_path, const char *auto_submitted, int autoreply_header);

/*
 * The recipients of a bounce without a DSN: TEXT (LEN bytes, LF line
 * ends) is its human-readable text.  Adds a finding (source pattern) per
 * recipient to the report; returns their number, or -1 out of memory.
 */
int	ipp_bounce_text(const char *text, size_t len, struct ipp_fbreport *);

/* Add a finding; NULL when out of memory or over the limit (counted). */
struct ipp_finding *ipp_fbreport_add(struct ipp_fbreport *);

#endif
