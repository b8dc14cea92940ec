/* conf.h - the configuration layer of lib/: ippool.conf read, typed and
 * cross-checked once (config.h), shared read-only through refcounted
 * references that a reload swaps (confref.h), and the rule of which
 * changes need a restart (config_reload.h).
 *
 * May use: lib/util.  Nothing above it (store, mail, ingest, dkim, daemon). */
#ifndef IPP_CONF_H
#define IPP_CONF_H

#include "config.h"
#include "config_reload.h"
#include "confref.h"

#endif
