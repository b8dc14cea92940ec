/* attach.c - the keys a configuration of ippool-milter carries: loaded
 * before the configuration is installed, so that a bad key refuses it
 * as a whole and messages never meet a half-loaded one. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attach.h"
#include "sign.h"
#include "unsubtoken.h"

struct milter_attach {
	void   *signer;
	struct ipp_hmac_keys unsub;
	int	has_unsub;
};

static void
attach_free(void *p)
{
	struct milter_attach *a = p;

	if (a == NULL)
		return;
	sign_free(a->signer);
	OPENSSL_cleanse(&a->unsub, sizeof(a->unsub));
	free(a);
}

int
milter_prepare(struct ipp_config *cfg, const struct ipp_config *old, FILE *errs)
{
	struct milter_attach *a;
	char	err[512];

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		(void) fprintf(errs, "%s: out of memory\n", cfg->file);
		return (-1);
	}
	if (ipp_unsub_enabled(cfg, NULL)) {
		if (ipp_unsub_keys_load(cfg, &a->unsub, err, sizeof(err)) != 0) {
			(void) fprintf(errs, "[unsubscribe] key: %s\n", err);
			attach_free(a);
			return (-1);
		}
		a->has_unsub = 1;
	}
	if (sign_load(cfg, milter_attach_signer(old), &a->signer, errs) != 0) {
		attach_free(a);
		return (-1);
	}
	cfg->attach = a;
	cfg->attach_free = attach_free;
	return (0);
}

const void *
milter_attach_signer(const struct ipp_config *cfg)
{
	const struct milter_attach *a = cfg != NULL ? cfg->attach : NULL;

	return (a != NULL ? a->signer : NULL);
}

const struct ipp_hmac_keys *
milter_attach_unsub(const struct ipp_config *cfg)
{
	const struct milter_attach *a = cfg != NULL ? cfg->attach : NULL;

	return (a != NULL && a->has_unsub ? &a->unsub : NULL);
}
