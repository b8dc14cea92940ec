/* config_check.c - the rules of ippool.conf that span keys and sections
 * (ippool.conf(5) CROSS-CHECKS): addresses, ports, senders and logins in
 * one pool only, spillover targets, ISP domains, the Redis address; and
 * the sorted login and sender indexes the pool selection reads. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"

static int
selkey_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct ipp_selkey *) a)->key,
	    ((const struct ipp_selkey *) b)->key));
}

static int
build_index(struct conf_ctx *p, int logins)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_selkey *idx = NULL, *g;
	size_t	n = 0, i, j;

	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];
		char  **list = logins ? pool->logins : pool->senders;

		for (j = 0; list && list[j]; j++) {
			if ((g = realloc(idx, (n + 1) * sizeof(*g))) == NULL) {
				free(idx);
				p->nomem = 1;
				return (-1);
			}
			idx = g;
			idx[n].key = list[j];
			idx[n].pool = pool;
			idx[n].line = logins ? pool->logins_line : pool->senders_line;
			n++;
		}
	}
	if (n)
		qsort(idx, n, sizeof(*idx), selkey_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(idx[i].key, idx[i - 1].key) == 0) {
			const struct ipp_selkey *first = idx[i - 1].pool->index < idx[i].pool->index
			    ? &idx[i - 1] : &idx[i];
			const struct ipp_selkey *second = first == &idx[i] ? &idx[i - 1] : &idx[i];

			if (first->pool == second->pool)
				conf_error(p, second->line, "%s \"%s\" is listed twice in pool %s",
				    logins ? "login" : "sender", second->key, second->pool->name);
			else
				conf_error(p, second->line, "%s \"%s\" of pool %s is already in pool %s (line %d)",
				    logins ? "login" : "sender", second->key,
				    second->pool->name, first->pool->name, first->line);
		}
	if (logins) {
		cfg->by_login = idx;
		cfg->nby_login = n;
	} else {
		cfg->by_sender = idx;
		cfg->nby_sender = n;
	}
	return (0);
}

/* Whether a key already failed: checks that follow from it stay quiet. */
static int
failed_at(const struct conf_ctx *p, int line)
{
	size_t	i;

	for (i = 0; line && i < p->nerrs; i++)
		if (p->errs[i].line == line && p->errs[i].msg != NULL)
			return (1);
	return (0);
}

/* [events]: a receiver somewhere needs the signing key; delays in order. */
static void
events_check(struct conf_ctx *p)
{
	struct ipp_config *cfg = p->cfg;
	int	line = p->singleton_line[SEC_EVENTS] ? p->singleton_line[SEC_EVENTS] : 1;
	int	any = cfg->ev_url != NULL || ipp_list_len(cfg->ev_domain_urls) > 0;
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (cfg->pools[i].events_url != NULL)
			any = 1;
	if (any && cfg->ev_key == NULL)
		conf_error(p, line,
		    "[events] needs key = FILE (the HMAC key that signs every event) when a URL is set");
	if (cfg->ev_backoff_min < 1 || cfg->ev_backoff_min > cfg->ev_backoff_max)
		conf_error(p, line, "[events] backoff_min must be at least 1s and at most backoff_max");
	if (cfg->ev_connect_timeout < 1 || cfg->ev_timeout < 1 || cfg->ev_timeout > 300
	    || cfg->ev_connect_timeout > cfg->ev_timeout)
		conf_error(p, line,
		    "[events] connect_timeout and timeout must be 1s to 300s, connect_timeout at most timeout");
	if (cfg->ev_poll < 1 || cfg->ev_poll > 3600)
		conf_error(p, line, "[events] poll must be 1s to 1h");
	if (cfg->ev_max_age < cfg->ev_backoff_max)
		conf_error(p, line, "[events] max_age must be at least backoff_max");
}

void
conf_cross_check(struct conf_ctx *p)
{
	struct ipp_config *cfg = p->cfg;
	size_t	i, j, a, b;

	if (cfg->npools == 0) {
		if (p->bad_pool_headers)
			return;
		conf_error(p, p->lines > 0 ? p->lines : 1,
		    "no [pool NAME] section: at least one pool is required");
		return;
	}
	if (cfg->npools > IPP_MAX_POOLS)
		conf_error(p, cfg->pools[IPP_MAX_POOLS].line, "pool %s: more than %d pools",
		    cfg->pools[IPP_MAX_POOLS].name, IPP_MAX_POOLS);
	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];

		if (pool->nips == 0 && !failed_at(p, pool->ips_line))
			conf_error(p, pool->line, "pool %s has no \"ips\": list its source addresses",
			    pool->name);
		else if (pool->nips > pool->max_ips && !failed_at(p, pool->max_ips_line))
			conf_error(p, pool->ips_line, "pool %s has %zu address%s, over its max_ips of %u",
			    pool->name, pool->nips, pool->nips == 1 ? "" : "es", pool->max_ips);
		if (pool->port == 0)
			pool->port = 10030 + (unsigned) pool->index;
		if (pool->port > 65535)
			conf_error(p, pool->line, "pool %s: default port %u is out of range: set port",
			    pool->name, pool->port);
		for (j = 0; j < i; j++) {
			const struct ipp_pool *other = &cfg->pools[j];

			if (other->port == pool->port)
				conf_error(p, pool->port_line ? pool->port_line : pool->line,
				    "pool %s: port %u is already used by pool %s",
				    pool->name, pool->port, other->name);
			for (a = 0; a < pool->nips; a++)
				for (b = 0; b < other->nips; b++)
					if (ipp_ip_equal(&pool->ips[a], &other->ips[b]))
						conf_error(p, pool->ips_line,
						    "address %s of pool %s is already in pool %s (line %d)",
						    pool->ips[a].text, pool->name, other->name,
						    other->ips_line);
		}
	}
	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];
		const struct ipp_pool *spill;

		if (pool->spillover == NULL)
			continue;
		if ((spill = ipp_config_pool(cfg, pool->spillover)) == NULL)
			conf_error(p, pool->spillover_line, "pool %s: spillover pool \"%s\" is not defined",
			    pool->name, pool->spillover);
		else if (spill == pool)
			conf_error(p, pool->spillover_line, "pool %s cannot spill over to itself",
			    pool->name);
		else if (spill->spillover != NULL)
			conf_error(p, pool->spillover_line,
			    "pool %s: spillover pool %s spills over itself (to %s); chains are not supported",
			    pool->name, spill->name, spill->spillover);
		else
			pool->spill = spill;
	}
	for (i = 0; i < cfg->nisps; i++) {
		struct ipp_isp *isp = &cfg->isps[i];

		if (strcmp(isp->name, "others") == 0) {
			if (ipp_list_len(isp->domains) || ipp_list_len(isp->mx))
				conf_error(p, isp->line, "isp others is the fallback: it takes no domains or mx");
			continue;
		}
		if (isp->line && ipp_list_len(isp->domains) == 0 && ipp_list_len(isp->mx) == 0
		    && !failed_at(p, isp->domains_line))
			conf_error(p, isp->line, "isp %s matches nothing: set domains or mx", isp->name);
		for (j = 0; j < i; j++)
			for (a = 0; isp->domains[a]; a++)
				for (b = 0; cfg->isps[j].domains[b]; b++)
					if (strcmp(isp->domains[a], cfg->isps[j].domains[b]) == 0)
						conf_error(p, isp->domains_line ? isp->domains_line : isp->line,
						    "domain %s of isp %s is already in isp %s",
						    isp->domains[a], isp->name, cfg->isps[j].name);
	}
	if (cfg->backend == IPP_BACKEND_REDIS && cfg->redis == NULL)
		conf_error(p, p->singleton_line[SEC_STORE] ? p->singleton_line[SEC_STORE] : 1,
		    "backend = redis needs redis = HOST:PORT");
	if (cfg->redis_user != NULL && cfg->redis_password == NULL)
		conf_error(p, p->singleton_line[SEC_STORE] ? p->singleton_line[SEC_STORE] : 1,
		    "redis_user needs redis_password");
	if (cfg->redis_timeout > 60 || cfg->redis_connect_timeout > 60)
		conf_error(p, p->singleton_line[SEC_STORE] ? p->singleton_line[SEC_STORE] : 1,
		    "redis_timeout and redis_connect_timeout must be at most 60s, well inside the MTA's timeouts");
	for (i = 0; cfg->fb_pools != NULL && cfg->fb_pools[i] != NULL; i++)
		if (ipp_config_pool(cfg, cfg->fb_pools[i]) == NULL)
			conf_error(p, p->singleton_line[SEC_FEEDBACK] ? p->singleton_line[SEC_FEEDBACK] : 1,
			    "[feedback] pools: pool \"%s\" is not defined", cfg->fb_pools[i]);
	if (cfg->fb_key == NULL && (ipp_list_len(cfg->fb_domains) || ipp_list_len(cfg->fb_pools)))
		conf_error(p, p->singleton_line[SEC_FEEDBACK] ? p->singleton_line[SEC_FEEDBACK] : 1,
		    "[feedback] domains or pools need key = FILE (the HMAC key of the return-path tokens)");
	if ((cfg->unsub_url == NULL) != (cfg->unsub_key == NULL))
		conf_error(p, p->singleton_line[SEC_UNSUBSCRIBE] ? p->singleton_line[SEC_UNSUBSCRIBE] : 1,
		    "[unsubscribe] needs both url = URL and key = FILE (the HMAC key of the tokens)");
	if ((cfg->unsub_tls_cert == NULL) != (cfg->unsub_tls_key == NULL))
		conf_error(p, p->singleton_line[SEC_UNSUBSCRIBE] ? p->singleton_line[SEC_UNSUBSCRIBE] : 1,
		    "[unsubscribe] tls_cert and tls_key go together");
	events_check(p);
	(void) build_index(p, 1);
	(void) build_index(p, 0);
}
