/* fuzz_keytable.c - the DKIM keytable (lib/dkim/keytable.c) from a file
 * beside two good key files, rsa.pem and ed25519.pem (and a bad one,
 * open.pem, mode 0644), which the table's lines may name: any text is a
 * table or errors as "FILE:LINE: message" lines. */
#include "autoconfig.h"

#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz.h"
#include "keytable.h"

static void
write_key(const char *name, EVP_PKEY *pkey, mode_t mode)
{
	char	*pem = NULL;
	long	len;
	BIO    *bio;
	const char *path;

	FUZZ_ASSERT(pkey != NULL && (bio = BIO_new(BIO_s_mem())) != NULL);
	FUZZ_ASSERT(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1);
	FUZZ_ASSERT((len = BIO_get_mem_data(bio, &pem)) > 0);
	path = fuzz_file(name, pem, (size_t) len);
	FUZZ_ASSERT(chmod(path, mode) == 0);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	ipp_log_init("fuzz_keytable", 0);
	write_key("rsa.pem", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 1024), 0600);
	write_key("ed25519.pem", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), 0600);
	write_key("open.pem", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), 0644);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ipp_dkim_key *keys;
	struct ipp_keytable *kt;
	char   *errs = NULL;
	size_t	elen = 0, i, n;
	FILE   *fp;

	FUZZ_ASSERT((fp = open_memstream(&errs, &elen)) != NULL);
	kt = ipp_keytable_load(fuzz_file("keytable", data, size), NULL, fp);
	FUZZ_ASSERT(fclose(fp) == 0);
	if (kt == NULL)
		FUZZ_ASSERT(elen > 0 && strstr(errs, "keytable") != NULL);
	else {
		for (i = 0; i < kt->nkeys; i++) {
			FUZZ_ASSERT(kt->keys[i].pem != NULL && kt->keys[i].pubkey != NULL);
			n = ipp_keytable_find(kt, kt->keys[i].domain, &keys);
			FUZZ_ASSERT(n >= 1 && strcmp(keys[0].domain, kt->keys[i].domain) == 0);
		}
		ipp_keytable_free(kt);
	}
	free(errs);
	return (0);
}
