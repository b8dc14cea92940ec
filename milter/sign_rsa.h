/* sign_rsa.h - the rsa-sha256 signer of ippool-milter, on libopendkim. */
#ifndef IPP_SIGN_RSA_H
#define IPP_SIGN_RSA_H

#include "signer.h"

extern const struct ipp_sign_alg sign_rsa;

#endif
