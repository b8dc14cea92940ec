/* config_reload.c - the settings a reload cannot change: sockets are
 * bound, users switched to and the store opened once, at start-up. */
#include "autoconfig.h"

#include <string.h>

#include "config_reload.h"
#include "log.h"

static int
same(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0));
}

/* ippool-policyd's user: [policy] user when the key is there, else [milter] user. */
static const char *
policy_user(const struct ipp_config *cfg)
{
	return (cfg->policy_user_line ? cfg->policy_user : cfg->milter_user);
}

int
ipp_config_reload_compat(const struct ipp_config *old, const struct ipp_config *new)
{
	int	ok = 1;

#define SAME(a, b, what) \
	if (!same(a, b)) { \
		msg_warn("%s: changing %s needs a restart", new->file, what); \
		ok = 0; \
	}
	SAME(old->milter_socket, new->milter_socket, "[milter] socket");
	SAME(old->milter_user, new->milter_user, "[milter] user");
	SAME(old->policy_socket, new->policy_socket, "[policy] policy");
	SAME(old->socketmap_socket, new->socketmap_socket, "[policy] socketmap");
	SAME(old->metrics, new->metrics, "[policy] metrics");
	/* without a [policy] user key on either side, a change is the
	 * [milter] user's, already told */
	if (old->policy_user_line || new->policy_user_line)
		SAME(policy_user(old), policy_user(new), "[policy] user");
	SAME(old->store_path, new->store_path, "[store] path");
	SAME(old->redis, new->redis, "[store] redis");
#undef SAME
	if (old->backend != new->backend) {
		msg_warn("%s: changing [store] backend needs a restart", new->file);
		ok = 0;
	}
	return (ok ? 0 : -1);
}
