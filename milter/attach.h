/* attach.h - what a loaded configuration carries for ippool-milter, read
 * once at start and on each reload (SIGHUP) and freed with that
 * configuration: its DKIM signer and its [unsubscribe] keys.  A key that
 * cannot be read refuses the configuration: exit 78 at start, the running
 * one stays on reload. */
#ifndef IPP_MILTER_ATTACH_H
#define IPP_MILTER_ATTACH_H

#include <stdio.h>

#include "config.h"
#include "hmackey.h"

/*
 * Load what CFG points to into cfg->attach, reusing OLD's unchanged DKIM
 * keys (OLD may be NULL).  0, or -1 after writing the problems as lines to
 * errs.  Fits ipp_confref_prepare_fn.
 */
int	milter_prepare(struct ipp_config *cfg, const struct ipp_config *old, FILE *errs);

/* The signer (sign.c's; NULL: nothing signs) and the unsubscribe keys
 * (NULL: [unsubscribe] is not configured) of a prepared configuration. */
const void *milter_attach_signer(const struct ipp_config *);
const struct ipp_hmac_keys *milter_attach_unsub(const struct ipp_config *);

#endif
