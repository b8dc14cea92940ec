/* config.h - the whole ippool.conf schema (DESIGN.md "Configuration"),
 * parsed and validated once, shared read-only by every program (the
 * loader is lib/config*.c, the schema's table lib/config_schema.c).  A config
 * is immutable after ipp_config_load(); a reload builds a new one. */
#ifndef IPP_CONFIG_H
#define IPP_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "parse.h"

#define IPP_MAX_POOLS	50
#define IPP_NAME_MAX	32
#define IPP_EX_CONFIG	78	/* sysexits EX_CONFIG */

/*
 * policyd's own socketmap names, which no pool may take (the config
 * refuses them; lib/mail/transport.h and the config writers use them).
 */
#define IPP_SENDER_MAP		"ippool-sender"	/* socketmap name for sender_dependent_default_transport_maps */
#define IPP_SENDMAIL_ROUTE_MAP	"ippool_route"	/* Sendmail's socket map: "LOGIN:SENDER" -> relay mailer */

struct ipp_pool {
	char	name[IPP_NAME_MAX + 1];
	int	index;			/* 1-based position in the file */
	int	line;			/* of "[pool NAME]" */
	struct ipp_ip *ips;
	size_t	nips;
	int	managed;		/* mode = managed (1) | standard (0) */
	char   *spillover;		/* pool name, or NULL */
	const struct ipp_pool *spill;	/* resolved spillover pool */
	char  **senders;		/* "user@domain" or "@domain" */
	char  **logins;			/* SASL logins */
	char   *helo;
	unsigned max_ips;
	unsigned port;
	char   *xsettings;		/* precomputed X-Settings value */
	char   *return_domain;		/* [feedback]: fixed return domain, NULL: bounce.<From: domain> */
	int	unsubscribe;		/* [unsubscribe] headers for this pool's mail */
	char   *events_url;		/* [events] receiver of this pool's events, NULL: the default */
	/* lines of keys that cross-checks report on */
	int	ips_line, spillover_line, senders_line, logins_line,
		max_ips_line, port_line;
};

struct ipp_isp {
	char	name[IPP_NAME_MAX + 1];
	int	line;			/* 0 for a built-in ISP */
	char  **domains;
	char  **mx;			/* host suffixes, leading dot */
	unsigned long *schedule;	/* NULL: [warmup] schedule */
	size_t	nschedule;
	int	domains_line;
};

enum ipp_backend { IPP_BACKEND_BDB, IPP_BACKEND_REDIS };

/* [milter] sign_from: which outbound messages may be signed for their
 * From: domain (ippool.conf(5) says what each allows). */
enum ipp_sign_from {
	IPP_SIGN_FROM_ENVELOPE,	/* From: domain = envelope sender's or its parent, or a pool login */
	IPP_SIGN_FROM_LOGIN,	/* only SASL logins listed in the pool's logins */
	IPP_SIGN_FROM_ANY	/* any outbound message whose From: domain has a key */
};

/* A sorted lookup key -> pool, built for the selection function. */
struct ipp_selkey {
	const char *key;
	const struct ipp_pool *pool;
	int	line;
};

struct ipp_config {
	char   *file;

	/* [store] */
	char   *store_path;
	enum ipp_backend backend;
	char   *redis;		/* HOST:PORT or unix:/PATH */
	char   *redis_user;		/* ACL user, or NULL */
	char   *redis_password;	/* or NULL */
	unsigned redis_db;
	unsigned redis_wait_replicas;	/* WAIT for this many replicas per write */
	char   *redis_prefix;		/* before every key: fleets share one Redis */
	long long redis_connect_timeout;	/* seconds */
	long long redis_timeout;	/* seconds, each command */
	long long redis_clock_skew;	/* seconds the fleet's clocks may differ */
	int	store_sync;
	unsigned long long store_cache;	/* bytes: Berkeley DB's shared cache */

	/* [milter] */
	char   *milter_socket;
	char   *milter_user;
	char   *header;
	unsigned hourly_limit;
	long long suppress_ttl;
	int	dkim;
	unsigned suppress_after;
	long long suppress_window;
	unsigned bounce_min;
	unsigned long bounce_block_ppm;
	struct ipp_net *internal_hosts;	/* clients whose mail is outbound */
	size_t	ninternal_hosts;
	enum ipp_sign_from sign_from;
	char   *recipient_delimiter;	/* "" = sub-addresses are separate mailboxes */
	char   *milter_metrics;		/* GET /metrics listener, or NULL: none */
	struct ipp_net *milter_metrics_clients;	/* who may connect to it */
	size_t	nmilter_metrics_clients;

	/* [policy] */
	char   *policy_socket;
	char   *socketmap_socket;
	char   *relay;
	char   *metrics;
	char   *transport_prefix;
	struct ipp_net *policy_clients;	/* who may connect to the inet listeners */
	size_t	npolicy_clients;
	char   *policy_user;
	int	policy_user_line;	/* 0: no "user" key, the [milter] user applies */

	/* [pool NAME] */
	struct ipp_pool *pools;
	size_t	npools;

	/* [isp NAME] (built-ins first, overridden in place) */
	struct ipp_isp *isps;
	size_t	nisps;

	/* [warmup] */
	unsigned long *schedule;
	size_t	nschedule;
	unsigned spill_days;
	unsigned idle_decay;
	char  **backoff;
	long long pause;

	/* [dkim] */
	char   *keytable;
	int	canon_header_relaxed;
	int	canon_body_relaxed;
	char  **oversign;

	/* [feedback] (DESIGN.md "Feedback by mail"): on when key is set */
	char   *fb_key;			/* HMAC key file of the return-path tokens */
	char   *fb_old_key;		/* a second one, for checking only (rotation) */
	char  **fb_domains;		/* envelope sender domains whose return path is rewritten */
	char  **fb_pools;		/* pools whose mail's return path is rewritten */
	char   *fb_prefix;		/* local part = prefix + token */
	long long fb_keep;		/* how long a token resolves */
	unsigned long complaint_block_ppm;
	unsigned complaint_min;
	long long complaint_ttl;	/* 0: complaint suppressions are permanent */

	/* [unsubscribe] (DESIGN.md "One-click unsubscribe"): on when url and key are set */
	char   *unsub_url;		/* base URL; the token follows as /TOKEN */
	char   *unsub_listen;		/* policyd's HTTP listener */
	char   *unsub_mailto;		/* optional address read by ippoolctl feedback */
	char   *unsub_key;		/* HMAC key file of the tokens */
	char   *unsub_old_key;		/* a second one, for checking only (rotation) */
	char   *unsub_tls_cert;		/* PEM certificate chain: the listener speaks TLS */
	char   *unsub_tls_key;
	struct ipp_net *unsub_proxies;	/* whose X-Forwarded-For names the client */
	size_t	nunsub_proxies;

	/* [events] (ippoolctl(8) EVENTS): on when a URL is set anywhere */
	char   *ev_url;			/* default receiver */
	char   *ev_key;			/* HMAC key file of the signature header */
	char  **ev_domain_urls;		/* "DOMAIN=URL": per sender domain, before the pool's */
	char   *ev_ca_file;		/* CA bundle instead of the system's */
	long long ev_backoff_min, ev_backoff_max;	/* retry delays, doubling */
	long long ev_max_age;		/* an event not delivered by then fails */
	long long ev_connect_timeout, ev_timeout;
	long long ev_poll;		/* how often "events run" looks at the outbox */

	/* selection indexes (sorted, see pool.c) */
	struct ipp_selkey *by_login, *by_sender;
	size_t	nby_login, nby_sender;

	/*
	 * What a program derives from this config and must live exactly as
	 * long (the milter's DKIM keys): set before the config is installed
	 * (ipp_confref_reload_with's prepare step), freed with it.
	 */
	void   *attach;
	void	(*attach_free)(void *);
};

/*
 * Load and validate FILE.  On success returns the config; on failure
 * returns NULL after writing every error as "FILE:LINE: message" lines to
 * errs (if not NULL).
 */
struct ipp_config *ipp_config_load(const char *file, FILE *errs);
void	ipp_config_free(struct ipp_config *);

const struct ipp_pool *ipp_config_pool(const struct ipp_config *, const char *name);
const struct ipp_isp *ipp_config_isp(const struct ipp_config *, const char *name);

/* The default location, from configure's sysconfdir. */
const char *ipp_config_default_path(void);

/*
 * For a reload (ipp_confref_reload's compat step): 0 when new changes no
 * key that needs a restart (sockets, users, the store), else -1 after a
 * msg_warn "FILE: changing [SECTION] KEY needs a restart" for each.
 */
int	ipp_config_reload_compat(const struct ipp_config *old,
	    const struct ipp_config *new);

/* Every key of the schema, in its order: fn gets the section's name
 * ("pool" for [pool NAME]), the key's, and whether it needs a restart. */
void	ipp_config_schema_visit(void (*fn)(void *arg, const char *section,
	    const char *key, int restart), void *arg);

/* One key of the effective configuration, as text (ipp_config_values_visit). */
struct ipp_config_value {
	const char *section;		/* "milter", "pool" */
	const char *name;		/* [pool NAME]'s NAME; NULL for unnamed sections */
	const char *key;
	const char *value;		/* the file's text, continuations joined, or the
					 * default; NULL: not set and no default (an
					 * absent key can mean more than an empty one) */
	int	set;			/* whether the file sets it */
	int	restart;		/* a reload cannot change it */
};

/*
 * Load FILE (errors as "FILE:LINE: message" lines to errs, -1), then call
 * fn for every key of every section, in the schema's order, the unnamed
 * sections first, then the built-in and the file's [isp NAME] and
 * [pool NAME] sections in the file's order; a non-zero fn stops (returned).
 */
int	ipp_config_values_visit(const char *file,
	    int (*fn)(void *arg, const struct ipp_config_value *), void *arg,
	    FILE *errs);

#endif
