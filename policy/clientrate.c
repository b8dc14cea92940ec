/* clientrate.c - the per-address minute counters: open addressing over
 * PROBE neighbouring slots; a slot whose minute is over is free. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientrate.h"
#include "hash.h"

#define PROBE	8

struct slot {
	char	addr[48];		/* INET6_ADDRSTRLEN and the NUL */
	time_t	start;			/* the minute's first request */
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
	uint32_t h = ipp_hash_str(addr);
	struct slot *s, *use = NULL;
	int	i, live, use_live = 0;

	for (i = 0; i < PROBE; i++) {
		s = &cr->s[(h + (uint32_t) i) % CLIENTRATE_SLOTS];
		live = s->count > 0 && now - s->start < 60 && now >= s->start;
		if (live && strcmp(s->addr, addr) == 0) {
			use = s;
			use_live = 1;
			break;
		}
		/* a free slot, else the live one with the fewest requests */
		if (use == NULL || (use_live && (!live || s->count < use->count))) {
			use = s;
			use_live = live;
		}
	}
	if (!use_live || strcmp(use->addr, addr) != 0) {
		(void) snprintf(use->addr, sizeof(use->addr), "%s", addr);
		use->start = now;
		use->count = 0;
	}
	if (use->count >= limit)
		return ((int) (use->start + 60 - now));
	use->count++;
	return (0);
}
