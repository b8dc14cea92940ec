/* milter.h - what the ippool-milter files share: the store handle and the
 * libmilter filter description. */
#ifndef IPP_MILTER_H
#define IPP_MILTER_H

#include <stdbool.h>
#include <libmilter/mfapi.h>

#include "store.h"

#define MILTER_NAME "ippool"

/* Opened once at start (after dropping privileges), shared by all threads. */
extern struct ipp_store *milter_store;

/* Sessions in progress, so that shutdown does not close the store under them. */
#include <stdatomic.h>
extern atomic_int milter_sessions;

extern struct smfiDesc milter_desc;

#endif
