/* dkimsign.h - DKIM signatures (RFC 6376: rsa-sha256; RFC 8463:
 * ed25519-sha256) made by ippool itself.  libopendkim 2.11, as Debian 12
 * ships it, takes the private key as PEM text and decodes it again for
 * every message (OpenSSL 3's decoders make that most of an RSA signature's
 * cost) and, for Ed25519, never frees it (about 0.5 KB a message); here the
 * key is the one the keytable parsed once, whatever its algorithm. */
#ifndef IPP_DKIMSIGN_H
#define IPP_DKIMSIGN_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

struct dkimsign;

/*
 * A signer for one message.  signhdrs: the header fields to sign (all
 * their occurrences); oversign: fields listed once more than they occur.
 * Both lists are NULL-terminated and must outlive the signer.
 */
/* The algorithm follows the key: RSA or Ed25519. */
struct dkimsign *dkimsign_new(EVP_PKEY *, const char *domain, const char *selector,
	    int header_relaxed, int body_relaxed, const char *const *signhdrs,
	    const char *const *oversign, time_t now);

/*
 * The message's header fields, each "Name:value" exactly as received
 * (folded lines with CRLF), NUL-terminated and packed one after another
 * in HDRS (HLEN bytes), then EXTRA, a field the MTA will add (the pool
 * tag).  Returns 0, or -1 when out of memory.
 */
int	dkimsign_headers(struct dkimsign *, const char *hdrs, size_t hlen, const char *extra);

/* How many signed header fields h= had to leave out for the signature's
 * tags to fit on one line (a message with hundreds of Cc: fields); 0
 * usually. */
size_t	dkimsign_left_out(const struct dkimsign *);

/* Body bytes as the MTA passes them (CRLF or LF line ends). */
int	dkimsign_body(struct dkimsign *, const unsigned char *, size_t);

/*
 * The DKIM-Signature field value, "v=1; a=...; ...; bh=...;" on one line,
 * then b= folded with LF (malloc'ed); NULL with a reason in err.
 */
char   *dkimsign_finish(struct dkimsign *, char *err, size_t errlen);

void	dkimsign_free(struct dkimsign *);

#endif
