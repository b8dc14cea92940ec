/* dkim.h - the DKIM layer of lib/: the keytable and its keys, parsed once
 * per load (keytable.h), ippool's own DKIM signer (dkimsign.h), and
 * the interface every signing algorithm implements (signer.h).  The milter
 * drives them per message; ippoolctl generates and checks keys.
 *
 * May use: lib/util (and OpenSSL).  Nothing of the config, store or mail
 * layers: a key is a key, whoever asks. */
#ifndef IPP_DKIM_H
#define IPP_DKIM_H

#include "dkimsign.h"
#include "keytable.h"
#include "signer.h"

#endif
