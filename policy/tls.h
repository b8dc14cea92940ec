/* tls.h - the TLS server context of the unsubscribe listener, made from
 * [unsubscribe] tls_cert and tls_key once, as root at start (the key may
 * be readable by root only); a change needs a restart. */
#ifndef POLICY_TLS_H
#define POLICY_TLS_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;

/* NULL with the reason in err (naming the file) on failure. */
SSL_CTX *tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen);

#endif
