/* events_ingest.h - the events of log lines (lib/mail/events.h): a pool
 * transport's delivery, deferral or bounce becomes one event in the
 * line's own transaction.  An ingest handler (lib/ingest/ingest.c). */
#ifndef IPP_EVENTS_INGEST_H
#define IPP_EVENTS_INGEST_H

#include "ingest.h"

extern const struct ipp_ingest_handler ipp_events_handler;

#endif
