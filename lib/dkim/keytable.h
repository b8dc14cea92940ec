/* keytable.h - the DKIM keytable ([dkim] keytable): lines "DOMAIN SELECTOR
 * KEYFILE", each key file checked (mode, type, size) and loaded once, so
 * that the milter signs and ippoolctl compares with the same keys. */
#ifndef IPP_KEYTABLE_H
#define IPP_KEYTABLE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/evp.h>

#define IPP_KEY_MAX_BYTES	65536	/* a 16384-bit RSA PEM is under 13 KiB */
#define IPP_RSA_MIN_BITS	1024	/* RFC 8301: verifiers refuse less */

enum ipp_key_type { IPP_KEY_RSA, IPP_KEY_ED25519 };

/* What identifies a key file's contents without reading it again. */
struct ipp_key_stamp {
	dev_t	dev;
	ino_t	ino;
	off_t	size;
	struct timespec mtime, ctime;
};

struct ipp_dkim_key {
	char   *domain;			/* lower case, at least two labels */
	char   *selector;
	char   *file;			/* absolute path */
	int	line;			/* in the keytable */
	enum ipp_key_type type;
	unsigned bits;			/* RSA modulus; 256 for Ed25519 */
	char   *pem;			/* the file's text (what libopendkim takes) */
	size_t	pemlen;
	char   *pubkey;			/* base64 of the DNS p= value */
	EVP_PKEY *pkey;			/* parsed once: ippool signs Ed25519 itself */
	struct ipp_key_stamp stamp;
};

struct ipp_keytable {
	char   *file;
	struct ipp_dkim_key *keys;	/* sorted by domain, then keytable order */
	size_t	nkeys;
};

/*
 * Load FILE and every key it names.  Keys of OLD (the running table, or
 * NULL) whose file is unchanged (same inode, size, times) are taken over
 * without reading them again: after dropping privileges, a reload still
 * works with keys only root can read.  On failure returns NULL after
 * writing each problem as "FILE:LINE: message" to errs (if not NULL).
 */
struct ipp_keytable *ipp_keytable_load(const char *file,
	    const struct ipp_keytable *old, FILE *errs);
void	ipp_keytable_free(struct ipp_keytable *);

/*
 * The keys of DOMAIN, or else of its closest parent domain that has keys
 * (mail.example.com uses example.com's).  Returns how many (0: none) and
 * points *keys at the first; they all have the same ->domain.
 */
size_t	ipp_keytable_find(const struct ipp_keytable *, const char *domain,
	    const struct ipp_dkim_key **keys);

/*
 * The group allowed to read key files: the group of the user the program
 * runs as (ipp_privs_run_gid), so that keys root:GROUP 0640 stay readable
 * after privileges are dropped.  Set once, before any key is read;
 * (gid_t) -1 (the default): no group may read them.
 */
void	ipp_keytable_set_group(gid_t);

/*
 * Read and check one private key file: a regular file, not accessible to
 * others, not writable by its group, readable by its group only when that
 * is the group set above, a PEM RSA key of at least 1024 bits or an Ed25519 key.
 * Fills key->type, bits, pem, pubkey, stamp.  Returns 0, or -1 with a
 * message naming the file in err.
 */
int	ipp_dkim_key_read(const char *file, struct ipp_dkim_key *key,
	    char *err, size_t errlen);
void	ipp_dkim_key_clear(struct ipp_dkim_key *);

/* The DNS p= value of a key: base64 of the SubjectPublicKeyInfo DER
 * (RSA, RFC 6376) or of the raw 32-byte public key (Ed25519, RFC 8463).
 * Malloc'ed; NULL on error. */
char   *ipp_dkim_pubkey(EVP_PKEY *);

/* "v=DKIM1; k=rsa; p=..." for a key, malloc'ed; NULL when out of memory. */
char   *ipp_dkim_txt(const struct ipp_dkim_key *);

/*
 * The value of TAG in a "tag=value; tag=value" list (a DKIM-Signature, a
 * DKIM key record, a DMARC record), folding white space removed.  NULL
 * when the tag is absent or its value does not fit in outlen.
 */
char   *ipp_dkim_tag(const char *list, const char *tag, char *out, size_t outlen);

const char *ipp_key_type_name(enum ipp_key_type);	/* "rsa", "ed25519" */
const char *ipp_key_alg_name(enum ipp_key_type);	/* "rsa-sha256", ... */

#endif
