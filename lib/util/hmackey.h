/* hmackey.h - the secret of an HMAC key file ([feedback] key, [unsubscribe]
 * key; DESIGN.md
 * "HMAC key files"): at least 32 bytes of random data, a regular file that
 * the owner (root, or the user reading it) may write and the group at most
 * read (mode 0640 or tighter), refused otherwise as DKIM keys are. */
#ifndef IPP_HMACKEY_H
#define IPP_HMACKEY_H

#include <stddef.h>

#define IPP_HMAC_KEY_MIN	32
#define IPP_HMAC_KEY_MAX	1024

struct ipp_hmac_key {
	unsigned char data[IPP_HMAC_KEY_MAX];
	size_t	len;			/* 0: no key */
};

/* Read FILE into key; 0, or -1 with the reason (naming FILE) in err. */
int	ipp_hmac_key_read(const char *file, struct ipp_hmac_key *key, char *err,
	    size_t errlen);

/* A key and, for checking only, the one it replaced (DESIGN.md: "a second
 * file may be named for checking only, so keys can be rotated"). */
struct ipp_hmac_keys {
	struct ipp_hmac_key k[2];
	int	n;
};

/* Read KEYFILE and, when not NULL, OLDFILE; 0, or -1 with the reason. */
int	ipp_hmac_keys_read(const char *keyfile, const char *oldfile,
	    struct ipp_hmac_keys *keys, char *err, size_t errlen);

#endif
