/* mail.h - the mail layer of lib/: what ippool decides about a message:
 * outbound or inbound (direction.h), its pool (pool.h), who may sign for
 * its From: domain (signfrom.h), the recipient's ISP (isp.h), warm-up
 * capacity (warmup.h), the hourly limit (ratelimit.h), the return path
 * of its own (retpath.h), the suppression list (suppress.h), the
 * bounce-rate guard (bounceguard.h), the names ippool gives Postfix
 * (transport.h), and the daily history of results and routing
 * (daystats.h) that "ippoolctl report" reads (report.h).
 *
 * May use: lib/store, lib/conf, lib/util.  Not ingest, dkim or daemon. */
#ifndef IPP_MAIL_H
#define IPP_MAIL_H

#include "bounceguard.h"
#include "daystats.h"
#include "direction.h"
#include "isp.h"
#include "pool.h"
#include "ratelimit.h"
#include "report.h"
#include "retpath.h"
#include "signfrom.h"
#include "suppress.h"
#include "transport.h"
#include "warmup.h"

#endif
