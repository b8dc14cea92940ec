/* clientrate.h - requests per client address per minute, for the
 * unsubscribe endpoint: a fixed table (CLIENTRATE_SLOTS addresses; when
 * a neighbourhood of it is full, the address with the fewest requests
 * gives way).  An address's minute starts with its first request (no
 * boundary for a burst to straddle), on the monotonic clock.  Loop
 * thread only. */
#ifndef POLICY_CLIENTRATE_H
#define POLICY_CLIENTRATE_H

#include <time.h>

#define CLIENTRATE_SLOTS	4096

struct clientrate;

struct clientrate *clientrate_new(void);
void	clientrate_free(struct clientrate *);

/* Count a request from ADDR at NOW (ipp_monotonic()): 0 when it is
 * within LIMIT in its minute, else the seconds until that minute ends. */
int	clientrate_hit(struct clientrate *, const char *addr, unsigned limit, time_t now);

#endif
