/* warmup_ingest.h - what the pool instances' delivery lines mean for
 * warm-up (DESIGN.md "Routing"): the syslog_name postfix/ippool-POOL-N
 * names the IP; a delivery confirms the unit reserved when policyd chose
 * that IP, a deferral returns it, and a deferral whose reply matches
 * [warmup] backoff halves today's capacity at that ISP and pauses the IP.
 * An ingest handler (lib/ingest/ingest.c). */
#ifndef IPP_WARMUP_INGEST_H
#define IPP_WARMUP_INGEST_H

#include "ingest.h"

extern const struct ipp_ingest_handler ipp_warmup_handler;

#endif
