/* pool.c - pool selection over the sorted indexes built by config_check.c. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "pool.h"

static const struct ipp_pool *
lookup(const struct ipp_selkey *idx, size_t n, const char *key)
{
	size_t	lo = 0, hi = n;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;
		int	c = strcmp(key, idx[mid].key);

		if (c == 0)
			return (idx[mid].pool);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

const struct ipp_pool *
ipp_pool_select(const struct ipp_config *cfg, const char *login,
    const char *sender, enum ipp_pool_why *why)
{
	const struct ipp_pool *pool;
	char	norm[IPP_ADDR_MAX + 1];
	const char *dom;
	enum ipp_pool_why dummy;

	if (why == NULL)
		why = &dummy;
	if (login != NULL && *login != '\0'
	    && (pool = lookup(cfg->by_login, cfg->nby_login, login)) != NULL) {
		*why = IPP_POOL_BY_LOGIN;
		return (pool);
	}
	if (sender != NULL && ipp_addr_normalize(sender, norm, sizeof(norm)) == 0
	    && norm[0] != '\0') {
		if ((pool = lookup(cfg->by_sender, cfg->nby_sender, norm)) != NULL) {
			*why = IPP_POOL_BY_SENDER;
			return (pool);
		}
		/* "@domain" entries: the '@' before the domain starts the key */
		if ((dom = ipp_addr_domain(norm)) != NULL) {
			if ((pool = lookup(cfg->by_sender, cfg->nby_sender, dom - 1)) != NULL) {
				*why = IPP_POOL_BY_DOMAIN;
				return (pool);
			}
		}
	}
	if ((pool = ipp_config_pool(cfg, "default")) != NULL) {
		*why = IPP_POOL_BY_DEFAULT;
		return (pool);
	}
	*why = IPP_POOL_BY_FIRST;
	return (cfg->npools ? &cfg->pools[0] : NULL);
}

const char *
ipp_pool_why_name(enum ipp_pool_why why)
{
	switch (why) {
	case IPP_POOL_BY_LOGIN: return ("login");
	case IPP_POOL_BY_SENDER: return ("sender");
	case IPP_POOL_BY_DOMAIN: return ("domain");
	case IPP_POOL_BY_DEFAULT: return ("default");
	case IPP_POOL_BY_FIRST: return ("first");
	}
	return ("?");
}
