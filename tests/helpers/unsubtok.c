/* unsubtok.c - a one-click unsubscribe token for the end-to-end tests,
 * made by lib/mail/unsubtoken.c itself (the format has one
 * implementation): unsubtok KEYFILE RECIPIENT SENDER-DOMAIN [UNIX-TIME] */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unsubtoken.h"

int
main(int argc, char **argv)
{
	struct ipp_hmac_keys keys;
	char	tok[IPP_UNSUB_TOKEN_MAX], err[512];
	time_t	when = argc > 4 ? (time_t) strtoll(argv[4], NULL, 10) : time(NULL);

	if (argc < 4 || argc > 5) {
		(void) fprintf(stderr, "usage: unsubtok KEYFILE RECIPIENT SENDER-DOMAIN [UNIX-TIME]\n");
		return (64);
	}
	if (ipp_hmac_keys_read(argv[1], NULL, &keys, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "unsubtok: %s\n", err);
		return (66);
	}
	if (ipp_unsub_token_make(&keys, argv[2], argv[3], when, tok, sizeof(tok)) != 0) {
		(void) fprintf(stderr, "unsubtok: cannot make a token for %s, %s\n", argv[2], argv[3]);
		return (65);
	}
	(void) printf("%s\n", tok);
	return (0);
}
