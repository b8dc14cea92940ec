/* clientrate.c - the per-address minute counters: open addressing over
 * PROBE neighbouring slots; a slot of an earlier minute is free. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientrate.h"
#include "hash.h"

#define PROBE	8

struct slot {
	char	addr[48];		/* INET6_ADDRSTRLEN and the NUL */
	time_t	minute;
	unsigned count;
};

struct clientrate {
	struct slot s[CLIENTRATE_SLOTS];
};

struct clientrate *
clientrate_new(void)
{
	return (calloc(1, sizeof(struct clientrate)));
}

void
clientrate_free(struct clientrate *cr)
{
	free(cr);
}

int
clientrate_hit(struct clientrate *cr, const char *addr, unsigned limit, time_t now)
{
	time_t	minute = now / 60;
	uint32_t h = ipp_hash_str(addr);
	struct slot *s, *use = NULL;
	int	i;

	for (i = 0; i < PROBE; i++) {
		s = &cr->s[(h + (uint32_t) i) % CLIENTRATE_SLOTS];
		if (s->minute == minute && strcmp(s->addr, addr) == 0) {
			use = s;
			break;
		}
		if (s->minute != minute) {
			if (use == NULL || use->minute == minute)
				use = s;
		} else if (use == NULL || (use->minute == minute && s->count < use->count))
			use = s;
	}
	if (use->minute != minute || strcmp(use->addr, addr) != 0) {
		(void) snprintf(use->addr, sizeof(use->addr), "%s", addr);
		use->minute = minute;
		use->count = 0;
	}
	if (use->count >= limit)
		return ((int) (60 - now % 60));
	use->count++;
	return (0);
}
