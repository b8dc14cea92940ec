/* tls.c - an OpenSSL server context: TLS 1.2 or later, the chain and key
 * checked to belong together before the first client comes. */
#include "autoconfig.h"

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

static void
ssl_error(char *err, size_t errlen, const char *what, const char *file)
{
	char	e[256];

	ERR_error_string_n(ERR_get_error(), e, sizeof(e));
	(void) snprintf(err, errlen, "%s %s: %s", what, file, e);
	ERR_clear_error();
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_error(err, errlen, "cannot make a TLS context for", cert);
		return (NULL);
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		ssl_error(err, errlen, "cannot require TLS 1.2 for", cert);
	} else if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error(err, errlen, "[unsubscribe] tls_cert", cert);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, errlen, "[unsubscribe] tls_key", key);
	} else if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errlen, "[unsubscribe] tls_key does not match tls_cert:", key);
	} else {
		(void) SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
		return (ctx);
	}
	SSL_CTX_free(ctx);
	return (NULL);
}
