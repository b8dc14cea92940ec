/* conf.h - the configuration layer of lib/: ippool.conf read, typed and
 * cross-checked once (config.h), shared read-only through refcounted
 * references that a reload swaps (confref.h); the schema is a table
 * (config_schema.c) that defaults, freeing, the restart rule of a reload
 * and the man page test walk.
 *
 * May use: lib/util.  Nothing above it (store, mail, ingest, dkim, daemon). */
#ifndef IPP_CONF_H
#define IPP_CONF_H

#include "config.h"
#include "confref.h"

#endif
