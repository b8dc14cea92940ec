/* signer.h - one DKIM signing algorithm behind a small interface, so that
 * ippool-milter signs a message the same way whatever its keys are: one
 * table per algorithm, chosen by key type (both in sign_pkey.c on
 * dkimsign.c today).  A table of function pointers, as OpenSMTPD's table
 * backends. */
#ifndef IPP_SIGNER_H
#define IPP_SIGNER_H

#include <stddef.h>
#include <time.h>

#include "keytable.h"

#define IPP_SIGN_HEADER	"DKIM-Signature"

/* What a configuration signs, the same for all its keys and algorithms. */
struct ipp_sign_conf {
	int	header_relaxed;		/* else simple */
	int	body_relaxed;
	const char *const *signhdrs;	/* NULL-terminated; outlive the signers */
	const char *const *oversign;
};

enum ipp_sign_result {
	IPP_SIGN_OK,
	IPP_SIGN_UNSIGNED,		/* the message's fault: it leaves unsigned */
	IPP_SIGN_FAIL			/* ours: the message must be tried again */
};

/*
 * Every step that can fail writes the reason, as it is logged, to err.
 * The per-message handle is the implementation's own.
 */
struct ipp_sign_alg {
	enum ipp_key_type type;		/* the keys it signs with */
	/* Once per loaded configuration (NULL: nothing to keep); 0 or -1. */
	int	(*init)(const struct ipp_sign_conf *, void **state, char *err, size_t);
	void	(*fini)(void *state);
	/* A handle for one message and key; NULL on failure. */
	void   *(*start)(void *state, const struct ipp_sign_conf *,
		    const struct ipp_dkim_key *, time_t now, char *err, size_t);
	/*
	 * The header fields, each "Name:value" exactly as received (folded
	 * with CRLF), NUL-terminated and packed in HDRS (HLEN bytes), then
	 * EXTRA, a field the MTA will add (the pool tag).
	 */
	enum ipp_sign_result (*header)(void *, const char *hdrs, size_t hlen,
		    const char *extra, char *err, size_t);
	/* Body bytes as the MTA passes them (CRLF or LF line ends); 0 or -1. */
	int	(*body)(void *, const unsigned char *, size_t, char *err, size_t);
	/*
	 * The DKIM-Signature field value, malloc'ed, as the MTA takes it:
	 * one line, or folded with LF.  NULL on failure.
	 */
	char   *(*end)(void *, char *err, size_t);
	void	(*free)(void *);
	/* After end: signed header fields left out of h= to keep it on one
	 * line (NULL: the signer never leaves any out). */
	size_t	(*left_out)(void *);
};

/* ed25519-sha256 (RFC 8463) and rsa-sha256 (RFC 6376) on dkimsign.c. */
extern const struct ipp_sign_alg ipp_sign_ed25519;
extern const struct ipp_sign_alg ipp_sign_rsa;

#endif
