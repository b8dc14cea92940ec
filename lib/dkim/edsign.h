/* edsign.h - Ed25519 DKIM signatures (RFC 6376 with RFC 8463's
 * ed25519-sha256) made by ippool itself.  libopendkim 2.11, as Debian 12
 * ships it, parses the private key again for every message and, for
 * Ed25519, never frees it (about 0.5 KB a message); here the key is the
 * one the keytable parsed once.  RSA signatures stay libopendkim's. */
#ifndef IPP_EDSIGN_H
#define IPP_EDSIGN_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

struct edsign;

/*
 * A signer for one message.  signhdrs: the header fields to sign (all
 * their occurrences); oversign: fields listed once more than they occur.
 * Both lists are NULL-terminated and must outlive the signer.
 */
struct edsign *edsign_new(EVP_PKEY *, const char *domain, const char *selector,
	    int header_relaxed, int body_relaxed, const char *const *signhdrs,
	    const char *const *oversign, time_t now);

/*
 * The message's header fields, each "Name:value" exactly as received
 * (folded lines with CRLF), NUL-terminated and packed one after another
 * in HDRS (HLEN bytes), then EXTRA, a field the MTA will add (the pool
 * tag).  Returns 0, or -1 when out of memory.
 */
int	edsign_headers(struct edsign *, const char *hdrs, size_t hlen, const char *extra);

/* How many signed header fields h= had to leave out for the signature
 * to fit on one line (a message with hundreds of Cc: fields); 0 usually. */
size_t	edsign_left_out(const struct edsign *);

/* Body bytes as the MTA passes them (CRLF or LF line ends). */
int	edsign_body(struct edsign *, const unsigned char *, size_t);

/*
 * The DKIM-Signature field value, "v=1; a=ed25519-sha256; ...; b=...",
 * on one line (malloc'ed); NULL with a reason in err.
 */
char   *edsign_finish(struct edsign *, char *err, size_t errlen);

void	edsign_free(struct edsign *);

#endif
