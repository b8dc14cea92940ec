/* config_schema.c - the schema of ippool.conf as data: one row per key
 * (its type, its field, its default as it would be written, its flags),
 * and the walks over it: defaults (parsed by the key's own setter, so
 * they are checked like a file's values), freeing, the reload restart
 * check, and the visit that tests hold against ippool.conf(5). */
#include "autoconfig.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "log.h"
#include "parse.h"

#define C(f)	offsetof(struct ipp_config, f)
#define P(f)	offsetof(struct ipp_pool, f)
#define I(f)	offsetof(struct ipp_isp, f)
#define END	{ .name = NULL }

static const struct conf_choice backends[] = {
	{ "bdb", IPP_BACKEND_BDB }, { "redis", IPP_BACKEND_REDIS }, { NULL, 0 }
};
static const struct conf_choice sign_froms[] = {
	{ "envelope", IPP_SIGN_FROM_ENVELOPE }, { "login", IPP_SIGN_FROM_LOGIN },
	{ "any", IPP_SIGN_FROM_ANY }, { NULL, 0 }
};
static const struct conf_choice modes[] = {
	{ "managed", 1 }, { "standard", 0 }, { NULL, 0 }
};

static const struct conf_key store_keys[] = {
	{ "path", &conf_t_word, C(store_path), .check = conf_check_path,
	    .def = "/var/lib/ippool", .flags = CF_RESTART },
	{ "backend", &conf_t_choice, C(backend), .choices = backends,
	    .def = "bdb", .flags = CF_RESTART },
	{ "redis", &conf_t_word, C(redis), .check = conf_check_redis,
	    .flags = CF_RESTART },
	{ "redis_user", &conf_t_word, C(redis_user), .flags = CF_RESTART | CF_OPTIONAL },
	{ "redis_password", &conf_t_word, C(redis_password),
	    .flags = CF_RESTART | CF_OPTIONAL },
	{ "redis_db", &conf_t_uint, C(redis_db), .max = 1000000, .def = "0",
	    .flags = CF_RESTART },
	{ "redis_prefix", &conf_t_word, C(redis_prefix), .check = conf_check_redis_prefix,
	    .def = "ippool:", .flags = CF_RESTART },
	{ "redis_connect_timeout", &conf_t_duration, C(redis_connect_timeout),
	    .def = "2s", .flags = CF_RESTART },
	{ "redis_timeout", &conf_t_duration, C(redis_timeout), .def = "2s",
	    .flags = CF_RESTART },
	{ "redis_clock_skew", &conf_t_duration, C(redis_clock_skew), .def = "5s",
	    .max = 600, .flags = CF_RESTART | CF_ZERO },
	{ "redis_wait_replicas", &conf_t_uint, C(redis_wait_replicas), .max = 16,
	    .def = "0", .flags = CF_RESTART },
	{ "sync", &conf_t_bool, C(store_sync), .def = "no" },
	{ "cache_size", &conf_t_size, C(store_cache), .def = "8M", .max = 1ULL << 40,
	    .flags = CF_RESTART | CF_POSITIVE },
	END
};

static const struct conf_key milter_keys[] = {
	{ "socket", &conf_t_word, C(milter_socket), .check = conf_check_sock,
	    .def = "unix:/run/ippool/milter.sock", .flags = CF_RESTART },
	{ "user", &conf_t_word, C(milter_user), .def = "ippool",
	    .flags = CF_RESTART | CF_OPTIONAL },
	{ "header", &conf_t_word, C(header), .check = conf_check_header,
	    .def = "X-Settings" },
	{ "hourly_limit", &conf_t_uint, C(hourly_limit), .max = 1000000, .def = "10" },
	{ "suppress_ttl", &conf_t_duration, C(suppress_ttl), .def = "14d" },
	{ "dkim", &conf_t_bool, C(dkim), .def = "yes" },
	{ "suppress_after", &conf_t_uint, C(suppress_after), .max = 1000, .def = "5" },
	{ "suppress_window", &conf_t_duration, C(suppress_window), .def = "7d" },
	{ "bounce_min", &conf_t_uint, C(bounce_min), .max = 100000000, .def = "100",
	    .flags = CF_POSITIVE },
	{ "bounce_block", &conf_t_percent, C(bounce_block_ppm), .def = "8%" },
	{ "internal_hosts", &conf_t_nets, C(internal_hosts), C(ninternal_hosts),
	    .def = "127.0.0.0/8 ::1" },
	{ "sign_from", &conf_t_choice, C(sign_from), .choices = sign_froms,
	    .def = "envelope" },
	{ "recipient_delimiter", &conf_t_word, C(recipient_delimiter),
	    .check = conf_check_delimiter, .def = "+", .flags = CF_EMPTY },
	{ "metrics", &conf_t_word, C(milter_metrics), .check = conf_check_sock_inet,
	    .flags = CF_RESTART | CF_OPTIONAL },
	{ "metrics_clients", &conf_t_nets, C(milter_metrics_clients),
	    C(nmilter_metrics_clients), .def = "127.0.0.0/8 ::1" },
	END
};

static const struct conf_key policy_keys[] = {
	{ "policy", &conf_t_word, C(policy_socket), .check = conf_check_sock,
	    .def = "inet:10040@127.0.0.1", .flags = CF_RESTART },
	{ "socketmap", &conf_t_word, C(socketmap_socket), .check = conf_check_sock,
	    .def = "inet:10041@127.0.0.1", .flags = CF_RESTART },
	{ "relay", &conf_t_word, C(relay), .check = conf_check_relay,
	    .flags = CF_OPTIONAL },
	{ "metrics", &conf_t_word, C(metrics), .check = conf_check_sock_inet,
	    .def = "inet:9465@127.0.0.1", .flags = CF_RESTART | CF_OPTIONAL },
	{ "transport_prefix", &conf_t_word, C(transport_prefix),
	    .check = conf_check_prefix, .def = "ippool_" },
	{ "clients", &conf_t_nets, C(policy_clients), C(npolicy_clients),
	    .def = "127.0.0.0/8 ::1" },
	/* absent: the [milter] user applies; empty: no privilege drop */
	{ "user", &conf_t_word, C(policy_user), .line_off = C(policy_user_line),
	    .flags = CF_RESTART | CF_OPTIONAL | CF_PRESENCE },
	END
};

static const struct conf_key pool_keys[] = {
	{ "ips", &conf_t_ips, P(ips), P(nips), .line_off = P(ips_line) },
	{ "mode", &conf_t_choice, P(managed), .choices = modes, .def = "managed" },
	{ "spillover", &conf_t_word, P(spillover), .check = conf_check_pool_name,
	    .flags = CF_OPTIONAL, .line_off = P(spillover_line) },
	{ "senders", &conf_t_list, P(senders), .item = conf_item_sender,
	    .line_off = P(senders_line) },
	{ "logins", &conf_t_list, P(logins), .item = conf_item_login,
	    .line_off = P(logins_line) },
	{ "helo", &conf_t_word, P(helo), .check = conf_check_hostname,
	    .flags = CF_OPTIONAL },
	{ "max_ips", &conf_t_uint, P(max_ips), .max = 1000, .def = "5",
	    .flags = CF_POSITIVE, .line_off = P(max_ips_line) },
	/* no default: 10030 + the pool's position, set by the cross-checks */
	{ "port", &conf_t_uint, P(port), .max = 65535, .flags = CF_POSITIVE,
	    .line_off = P(port_line) },
	{ "return_domain", &conf_t_word, P(return_domain), .check = conf_check_hostname,
	    .flags = CF_OPTIONAL },
	{ "unsubscribe", &conf_t_bool, P(unsubscribe), .def = "yes" },
	{ "events_url", &conf_t_word, P(events_url), .check = conf_check_url,
	    .flags = CF_OPTIONAL },
	END
};

static const struct conf_key isp_keys[] = {
	{ "domains", &conf_t_list, I(domains), .item = conf_item_domain_pattern,
	    .def = "", .line_off = I(domains_line) },
	{ "mx", &conf_t_list, I(mx), .item = conf_item_mx_suffix, .def = "" },
	/* no default: the [warmup] schedule */
	{ "schedule", &conf_t_schedule, I(schedule), I(nschedule), .def = NULL },
	END
};

static const struct conf_key warmup_keys[] = {
	{ "schedule", &conf_t_schedule, C(schedule), C(nschedule),
	    .def = "200 500 1000 2000 5000 10000 20000 40000 100000 250000 500000 1000000" },
	{ "spill_days", &conf_t_uint, C(spill_days), .max = 10000, .def = "7" },
	{ "idle_decay", &conf_t_uint, C(idle_decay), .max = 10000, .def = "1" },
	{ "backoff", &conf_t_list, C(backoff),
	    .def = "421 4.7.0 4.7.28 TS01 TS02 TS03 TS04 \"too many\" \"rate limit\"" },
	{ "pause", &conf_t_duration, C(pause), .def = "1h" },
	END
};

static const struct conf_key dkim_keys[] = {
	{ "keytable", &conf_t_word, C(keytable), .check = conf_check_path,
	    .flags = CF_OPTIONAL },
	{ "canonicalization", &conf_t_canon, C(canon_header_relaxed),
	    C(canon_body_relaxed), .def = "relaxed/relaxed" },
	{ "oversign", &conf_t_list, C(oversign), .item = conf_item_header,
	    .def = "From To Subject Date List-Unsubscribe List-Unsubscribe-Post" },
	END
};

static const struct conf_key feedback_keys[] = {
	{ "key", &conf_t_word, C(fb_key), .check = conf_check_path, .flags = CF_OPTIONAL },
	{ "old_key", &conf_t_word, C(fb_old_key), .check = conf_check_path,
	    .flags = CF_OPTIONAL },
	{ "domains", &conf_t_list, C(fb_domains), .item = conf_item_domain, .def = "" },
	{ "pools", &conf_t_list, C(fb_pools), .item = conf_item_pool_name, .def = "" },
	{ "prefix", &conf_t_word, C(fb_prefix), .check = conf_check_fb_prefix,
	    .def = "fb-", .flags = CF_EMPTY },
	{ "keep", &conf_t_duration, C(fb_keep), .def = "30d" },
	{ "complaint_block", &conf_t_percent, C(complaint_block_ppm), .def = "0.3%" },
	{ "complaint_min", &conf_t_uint, C(complaint_min), .max = 100000000, .def = "1000",
	    .flags = CF_POSITIVE },
	{ "complaint_ttl", &conf_t_duration, C(complaint_ttl), .def = "0",
	    .flags = CF_ZERO },
	END
};

static const struct conf_key unsubscribe_keys[] = {
	{ "url", &conf_t_word, C(unsub_url), .check = conf_check_unsub_url, .flags = CF_OPTIONAL },
	{ "listen", &conf_t_word, C(unsub_listen), .check = conf_check_sock,
	    .def = "inet:8025@127.0.0.1", .flags = CF_RESTART },
	{ "mailto", &conf_t_word, C(unsub_mailto), .check = conf_check_mailbox,
	    .flags = CF_OPTIONAL },
	{ "key", &conf_t_word, C(unsub_key), .check = conf_check_path, .flags = CF_OPTIONAL },
	{ "old_key", &conf_t_word, C(unsub_old_key), .check = conf_check_path,
	    .flags = CF_OPTIONAL },
	{ "tls_cert", &conf_t_word, C(unsub_tls_cert), .check = conf_check_path,
	    .flags = CF_OPTIONAL | CF_RESTART },
	{ "tls_key", &conf_t_word, C(unsub_tls_key), .check = conf_check_path,
	    .flags = CF_OPTIONAL | CF_RESTART },
	{ "proxies", &conf_t_nets, C(unsub_proxies), C(nunsub_proxies), .def = "" },
	END
};

static const struct conf_key events_keys[] = {
	{ "url", &conf_t_word, C(ev_url), .check = conf_check_url, .flags = CF_OPTIONAL },
	{ "key", &conf_t_word, C(ev_key), .check = conf_check_path, .flags = CF_OPTIONAL },
	{ "domain_urls", &conf_t_list, C(ev_domain_urls), .item = conf_item_domain_url,
	    .def = "" },
	{ "ca_file", &conf_t_word, C(ev_ca_file), .check = conf_check_path,
	    .flags = CF_OPTIONAL },
	{ "backoff_min", &conf_t_duration, C(ev_backoff_min), .def = "10s" },
	{ "backoff_max", &conf_t_duration, C(ev_backoff_max), .def = "1h" },
	{ "max_age", &conf_t_duration, C(ev_max_age), .def = "3d" },
	{ "connect_timeout", &conf_t_duration, C(ev_connect_timeout), .def = "10s" },
	{ "timeout", &conf_t_duration, C(ev_timeout), .def = "30s" },
	{ "poll", &conf_t_duration, C(ev_poll), .def = "5s" },
	END
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]) - 1)
_Static_assert(NKEYS(store_keys) <= CONF_MAX_KEYS && NKEYS(milter_keys) <= CONF_MAX_KEYS
    && NKEYS(policy_keys) <= CONF_MAX_KEYS && NKEYS(pool_keys) <= CONF_MAX_KEYS
    && NKEYS(isp_keys) <= CONF_MAX_KEYS && NKEYS(warmup_keys) <= CONF_MAX_KEYS
    && NKEYS(dkim_keys) <= CONF_MAX_KEYS && NKEYS(feedback_keys) <= CONF_MAX_KEYS
    && NKEYS(unsubscribe_keys) <= CONF_MAX_KEYS
    && NKEYS(events_keys) <= CONF_MAX_KEYS, "a section has more than CONF_MAX_KEYS keys");

const struct conf_section conf_sections[] = {
	{ "store", SEC_STORE, store_keys, 0 },
	{ "milter", SEC_MILTER, milter_keys, 0 },
	{ "policy", SEC_POLICY, policy_keys, 0 },
	{ "warmup", SEC_WARMUP, warmup_keys, 0 },
	{ "dkim", SEC_DKIM, dkim_keys, 0 },
	{ "feedback", SEC_FEEDBACK, feedback_keys, 0 },
	{ "unsubscribe", SEC_UNSUBSCRIBE, unsubscribe_keys, 0 },
	{ "events", SEC_EVENTS, events_keys, 0 },
	{ "pool", SEC_POOL, pool_keys, 1 },
	{ "isp", SEC_ISP, isp_keys, 1 },
	{ NULL, SEC_NONE, NULL, 0 }
};

/* SEC_NONE: the config itself, which every unnamed section fills. */
static int
fills(const struct conf_section *s, enum conf_sec kind)
{
	return (kind == SEC_NONE ? !s->named : s->kind == kind);
}

int
conf_defaults(enum conf_sec kind, void *base)
{
	const struct conf_section *s;
	const struct conf_key *k;
	char	err[IPP_ERRLEN];

	for (s = conf_sections; s->name != NULL; s++)
		for (k = s->keys; fills(s, kind) && k->name != NULL; k++)
			if (k->def != NULL && conf_set(k, base, k->def, err, sizeof(err)) != 0) {
				/* a bad row, or out of memory */
				msg_warn("built-in default of [%s] %s: %s", s->name, k->name, err);
				return (-1);
			}
	return (0);
}

void
conf_free_section(enum conf_sec kind, void *base)
{
	const struct conf_section *s;
	const struct conf_key *k;

	for (s = conf_sections; s->name != NULL; s++)
		for (k = s->keys; fills(s, kind) && k->name != NULL; k++)
			conf_free(k, base);
}

static const struct conf_key *
key_find(enum conf_sec kind, const char *name)
{
	const struct conf_section *s;
	const struct conf_key *k;

	for (s = conf_sections; s->name != NULL; s++)
		for (k = s->keys; s->kind == kind && k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				return (k);
	return (NULL);
}

/* The built-in ISPs, as [isp NAME] sections would write them. */
static const struct {
	const char *name;
	const char *domains;
	const char *mx;
} builtin_isps[] = {
	{ "gmail", "gmail.com googlemail.com", ".google.com .googlemail.com" },
	{ "microsoft", "outlook.com hotmail.* live.com msn.com",
	    ".protection.outlook.com" },
	{ "yahoo", "yahoo.* ymail.com aol.com", ".yahoodns.net" },
	{ "apple", "icloud.com me.com mac.com", ".mail.icloud.com" },
	{ "others", "", "" },
};

const char *
conf_builtin_isp(size_t i, const char *key)
{
	if (i >= sizeof(builtin_isps) / sizeof(builtin_isps[0]))
		return (NULL);
	if (key == NULL)
		return (builtin_isps[i].name);
	if (strcmp(key, "domains") == 0)
		return (builtin_isps[i].domains);
	if (strcmp(key, "mx") == 0)
		return (builtin_isps[i].mx);
	return (NULL);
}

int
conf_builtin_isps(struct ipp_config *cfg)
{
	const struct conf_key *domains = key_find(SEC_ISP, "domains");
	const struct conf_key *mx = key_find(SEC_ISP, "mx");
	char	err[IPP_ERRLEN];
	size_t	i, n = sizeof(builtin_isps) / sizeof(builtin_isps[0]);

	if ((cfg->isps = calloc(n, sizeof(*cfg->isps))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		struct ipp_isp *isp = &cfg->isps[i];

		cfg->nisps = i + 1;
		(void) strcpy(isp->name, builtin_isps[i].name);
		if (conf_defaults(SEC_ISP, isp) != 0
		    || conf_set(domains, isp, builtin_isps[i].domains, err, sizeof(err)) != 0
		    || conf_set(mx, isp, builtin_isps[i].mx, err, sizeof(err)) != 0)
			return (-1);
	}
	return (0);
}

/* --- public ---------------------------------------------------------------- */

static int
line_of(const struct conf_key *k, const struct ipp_config *cfg)
{
	return (*(const int *) (const void *) ((const char *) cfg + k->line_off));
}

int
ipp_config_reload_compat(const struct ipp_config *old, const struct ipp_config *new)
{
	const struct conf_section *s;
	const struct conf_key *k;
	int	ok = 1;

	for (s = conf_sections; s->name != NULL; s++)
		for (k = s->keys; !s->named && k->name != NULL; k++) {
			if (!(k->flags & CF_RESTART))
				continue;
			if (conf_same(k, old, new) && (!(k->flags & CF_PRESENCE)
			    || (line_of(k, old) != 0) == (line_of(k, new) != 0)))
				continue;
			msg_warn("%s: changing [%s] %s needs a restart", new->file,
			    s->name, k->name);
			ok = 0;
		}
	return (ok ? 0 : -1);
}

void
ipp_config_schema_visit(void (*fn)(void *, const char *, const char *, int),
    void *arg)
{
	const struct conf_section *s;
	const struct conf_key *k;

	for (s = conf_sections; s->name != NULL; s++)
		for (k = s->keys; k->name != NULL; k++)
			fn(arg, s->name, k->name, (k->flags & CF_RESTART) != 0);
}
