/* qid.h - the queue ID that ippool-milter's log lines start with. */
#ifndef IPP_MILTER_QID_H
#define IPP_MILTER_QID_H

#include <libmilter/mfapi.h>

/* The {i} macro, or "NOQUEUE" before Postfix has assigned one. */
const char *milter_qid(SMFICTX *);

#endif
