/* util.h - the bottom layer of lib/: what any program could use and that
 * knows nothing of ippool's configuration, store or mail logic: logging
 * (log.h), the clock (clock.h), value parsers (parse.h), e-mail addresses
 * and their canonical form (addr.h), From: mailboxes (mailbox.h), CSV
 * (csv.h), DNS (dns.h), form bodies (form.h), hashing (hash.h), listening
 * sockets (listen.h), text made printable (printable.h), privileges
 * (privs.h), reading a file whole (readall.h), the X-Settings codec
 * (settings.h), SVG charts (svg.h), the metrics registry (metrics.h).
 *
 * May use: the C library and the libraries it wraps (OpenSSL, jansson,
 * libidn2, GMime, libresolv, libm).  Nothing else of lib/. */
#ifndef IPP_UTIL_H
#define IPP_UTIL_H

#include "addr.h"
#include "clock.h"
#include "csv.h"
#include "dns.h"
#include "form.h"
#include "hash.h"
#include "listen.h"
#include "log.h"
#include "mailbox.h"
#include "metrics.h"
#include "parse.h"
#include "printable.h"
#include "privs.h"
#include "readall.h"
#include "settings.h"
#include "svg.h"

#endif
