/* cmd_postfix_setup.c - "ippoolctl postfix-setup": the Postfix side of
 * DESIGN.md "Routing", created or brought up to date idempotently:
 *
 *   main instance: the milter (smtpd_ and non_smtpd_milters, tempfail if
 *     it is down), the policy check for relayed mail in
 *     smtpd_relay_restrictions (DEFER_IF_PERMIT if policyd is down), the
 *     sender-dependent default transport for local submissions, and one
 *     relay transport per pool (syslog_name postfix/ippool-relay);
 *   one instance per pool: a loopback listener with its own resolver
 *     (no transport_maps, so smtpd lookups reserve nothing), transport_maps
 *     on policyd's socketmap, one smtp transport per IP of the pool and of
 *     its spillover pool (bind address, HELO, syslog_name
 *     postfix/ippool-POOL-N, the IP's address family only).
 *
 * With [feedback] key set, the main instance also routes the return
 * domains it can name (bounce.DOMAIN of [feedback] domains and of the
 * senders of [feedback] pools, every pool's return_domain) to the pipe(8)
 * transport ippool_feedback, which runs "ippoolctl feedback -" as the
 * [milter] user, one recipient a delivery, 64 MB at most; the
 * [unsubscribe] mailto address goes there too.
 *
 * Pool instances are postmulti(1) instances "postfix-ippool-POOL", or,
 * with --pool-dir, existing configuration directories (private instances
 * run with "postfix -c DIR", as the tests do). */
#include "autoconfig.h"

#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "postconf.h"
#include "transport.h"

#define INSTANCE_GROUP	"ippool"

struct setup {
	const struct ipp_config *cfg;
	const char *conf_file;
	int	dry_run;
	int	failed;
	int	changes;
	char	milter_ep[300], policy_ep[300], socketmap_ep[300];
	char	addr[64];
};

/* Append or prepend `item` to a list parameter unless `marker` is in it. */
static void
ensure_in_list(struct setup *su, struct pfconf *pf, const char *name, const char *item,
    const char *marker, int prepend)
{
	char   *base, *value;

	/* an explicit value keeps its $references; else the expanded default */
	if ((base = pfconf_explicit(pf, name)) == NULL && (base = pfconf_effective(pf, name)) == NULL) {
		(void) fprintf(stderr, "ippoolctl: %s: cannot read %s\n", pf->dir, name);
		su->failed = 1;
		return;
	}
	if (strstr(base, marker) != NULL) {
		free(base);
		return;
	}
	if ((value = malloc(strlen(base) + strlen(item) + 3)) == NULL) {
		free(base);
		su->failed = 1;
		return;
	}
	if (base[0] == '\0')
		(void) strcpy(value, item);
	else if (prepend)
		(void) sprintf(value, "%s, %s", item, base);
	else
		(void) sprintf(value, "%s, %s", base, item);
	if (pfconf_set(pf, name, value) != 0)
		su->failed = 1;
	free(value);
	free(base);
}

static void
set(struct setup *su, struct pfconf *pf, const char *name, const char *value)
{
	if (pfconf_set(pf, name, value) != 0)
		su->failed = 1;
}

static void
service(struct setup *su, struct pfconf *pf, const char *key, const char *entry)
{
	if (pfconf_set_service(pf, key, entry) != 0)
		su->failed = 1;
}

/* Remove our entries of master.cf that the config no longer names. */
static void
remove_stale(struct setup *su, struct pfconf *pf, const char *const *keep, size_t nkeep,
    const char *name_prefix, const char *entry_marker)
{
	char  **gone;
	size_t	i, k, n = 0;

	/* collect first: removing rereads the list (and a dry run does not) */
	if ((gone = calloc(pf->nsvc + 1, sizeof(*gone))) == NULL) {
		su->failed = 1;
		return;
	}
	for (i = 0; i < pf->nsvc; i++) {
		const char *name = pf->svc_key[i], *entry = pf->svc_entry[i];
		int	ours = (name_prefix && strncmp(name, name_prefix, strlen(name_prefix)) == 0)
		    || (entry_marker && strstr(entry, entry_marker) != NULL);

		for (k = 0; ours && k < nkeep; k++)
			if (keep[k] && strcmp(keep[k], name) == 0)
				ours = 0;
		if (ours && (gone[n] = strdup(name)) != NULL)
			n++;
	}
	for (i = 0; i < n; i++) {
		if (pfconf_remove_service(pf, gone[i]) != 0)
			su->failed = 1;
		free(gone[i]);
	}
	free(gone);
}

#define FB_TRANSPORT	"ippool_feedback"
#define FB_MAX_DOMAINS	200

static void
add_domain(char **list, size_t *n, const char *prefix, const char *dom)
{
	char	buf[300];
	size_t	i;

	if (dom == NULL || *dom == '\0' || *n >= FB_MAX_DOMAINS
	    || snprintf(buf, sizeof(buf), "%s%s", prefix, dom) >= (int) sizeof(buf))
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], buf) == 0)
			return;
	if ((list[*n] = strdup(buf)) != NULL)
		(*n)++;
}

/* A domain of the list, its items separated by commas or blanks. */
static int
in_value(const char *value, const char *dom)
{
	size_t	dl = strlen(dom);
	const char *p;

	for (p = value; value != NULL && (p = strcasestr(p, dom)) != NULL; p += dl)
		if ((p == value || strchr(", \t", p[-1]) != NULL) && strchr(", \t", p[dl]) != NULL)
			return (1);
	return (0);
}

/*
 * The [unsubscribe] mailto address goes to the same pipe: the address
 * alone in transport_maps (its domain may be one that receives other
 * mail), its domain in relay_domains unless the host already receives
 * mail for it (mydestination) or it is a return domain.
 */
static void
add_mailto(struct pfconf *pf, const struct ipp_config *cfg, char **doms, size_t *ndoms,
    char **keys, size_t *nkeys)
{
	const char *at;
	char   *mydest;
	size_t	i;
	int	known = 0;

	if (cfg->unsub_mailto == NULL || (at = strrchr(cfg->unsub_mailto, '@')) == NULL)
		return;
	for (i = 0; i < *ndoms; i++)
		known |= strcasecmp(doms[i], at + 1) == 0;
	add_domain(keys, nkeys, "", cfg->unsub_mailto);
	if (known)
		return;
	if ((mydest = pfconf_effective(pf, "mydestination")) == NULL || !in_value(mydest, at + 1))
		add_domain(doms, ndoms, "", at + 1);
	free(mydest);
}

/* The return path's way back, and the unsubscribe address's: the pipe
 * transport and the return domains. */
static void
setup_feedback(struct setup *su, struct pfconf *pf)
{
	const struct ipp_config *cfg = su->cfg;
	char   *doms[FB_MAX_DOMAINS], *keys[FB_MAX_DOMAINS], exe[PATH_MAX], conf[PATH_MAX],
		entry[2 * PATH_MAX + 200];
	char   *map = NULL, *old, *start, *end, *value;
	const char *user = cfg->milter_user && *cfg->milter_user ? cfg->milter_user : "nobody";
	size_t	n = 0, nkeys = 0, nret, i, j, len;
	ssize_t	el;

	for (i = 0; cfg->fb_domains && cfg->fb_domains[i]; i++)
		add_domain(doms, &n, "bounce.", cfg->fb_domains[i]);
	for (i = 0; i < cfg->npools; i++) {
		const struct ipp_pool *pool = &cfg->pools[i];
		int	fbpool = 0;

		add_domain(doms, &n, "", pool->return_domain);
		for (j = 0; cfg->fb_pools && cfg->fb_pools[j]; j++)
			fbpool |= strcmp(cfg->fb_pools[j], pool->name) == 0;
		for (j = 0; fbpool && !pool->return_domain && pool->senders && pool->senders[j]; j++)
			add_domain(doms, &n, "bounce.", strrchr(pool->senders[j], '@') + 1);
	}
	for (i = 0, nret = n; i < n; i++)
		add_domain(keys, &nkeys, "", doms[i]);
	add_mailto(pf, cfg, doms, &n, keys, &nkeys);
	/* the ippoolctl that runs now, on the config it read */
	if ((el = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		(void) snprintf(exe, sizeof(exe), "%s/ippoolctl", SBINDIR);
	else
		exe[el] = '\0';
	if (realpath(su->conf_file, conf) == NULL)
		(void) snprintf(conf, sizeof(conf), "%s", su->conf_file);
	(void) snprintf(entry, sizeof(entry),
	    FB_TRANSPORT " unix - n n - - pipe flags=DO user=%s size=67108864 argv=%s -c %s feedback -",
	    user, exe, conf);
	service(su, pf, FB_TRANSPORT "/unix", entry);
	/* smtpd must accept mail for them: relay_domains, in one change */
	if ((old = pfconf_explicit(pf, "relay_domains")) == NULL
	    && (old = pfconf_effective(pf, "relay_domains")) == NULL)
		old = strdup("");
	for (i = 0, len = old ? strlen(old) + 1 : 0; old && i < n; i++)
		len += strlen(doms[i]) + 2;
	if (old != NULL && (value = malloc(len)) != NULL) {
		(void) strcpy(value, old);
		for (i = 0; i < n; i++)
			if (!in_value(value, doms[i]))
				(void) sprintf(value + strlen(value), "%s%s", *value ? ", " : "", doms[i]);
		if (strcmp(value, old) != 0)
			set(su, pf, "relay_domains", value);
		free(value);
	}
	free(old);
	/* one inline: map of ours in transport_maps, replaced when the domains change */
	for (i = 0, len = 16; i < nkeys; i++)
		len += strlen(keys[i]) + sizeof(FB_TRANSPORT) + 3;
	if (nkeys > 0 && (map = malloc(len)) != NULL) {
		(void) strcpy(map, "inline:{");
		for (i = 0; i < nkeys; i++)
			(void) sprintf(map + strlen(map), "%s%s=" FB_TRANSPORT ":", i ? "," : "", keys[i]);
		(void) strcat(map, "}");
		if ((old = pfconf_explicit(pf, "transport_maps")) == NULL)
			old = strdup("");
		if (old != NULL && strstr(old, map) == NULL) {
			/* drop a former map of ours */
			if ((start = strstr(old, "inline:{")) != NULL
			    && (end = strchr(start, '}')) != NULL
			    && strstr(start, "=" FB_TRANSPORT ":") != NULL
			    && strstr(start, "=" FB_TRANSPORT ":") < end) {
				end++;
				while (*end == ',' || *end == ' ')
					end++;
				memmove(start, end, strlen(end) + 1);
			}
			len = strlen(old);
			while (len > 0 && (old[len - 1] == ' ' || old[len - 1] == ','))
				old[--len] = '\0';
			if ((value = malloc(strlen(old) + strlen(map) + 3)) != NULL) {
				(void) sprintf(value, "%s%s%s", map, *old ? ", " : "", old);
				set(su, pf, "transport_maps", value);
				free(value);
			}
		}
		free(old);
		free(map);
	}
	if (nret == 0 && cfg->fb_key != NULL)
		(void) fprintf(stderr, "ippoolctl: [feedback]: no return domain to route (bounce.<From: domain> domains must be added to transport_maps by hand)\n");
	for (i = 0; i < n; i++)
		free(doms[i]);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
}

static void
setup_main(struct setup *su, const char *dir)
{
	const struct ipp_config *cfg = su->cfg;
	struct pfconf pf;
	char	item[800], err[1024], name[IPP_TRANSPORT_MAX], key[IPP_TRANSPORT_MAX + 8],
		entry[1024], prefix[64];
	char  **keep;
	size_t	i;

	if (pfconf_open(&pf, dir, su->dry_run, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: main instance: %s\n", err);
		su->failed = 1;
		return;
	}
	(void) snprintf(item, sizeof(item), "{ %s, default_action=tempfail }", su->milter_ep);
	ensure_in_list(su, &pf, "smtpd_milters", item, su->milter_ep, 0);
	ensure_in_list(su, &pf, "non_smtpd_milters", item, su->milter_ep, 0);
	/* relayed mail only: local recipients never reach the policy (no FILTER
	 * loop for inbound mail), and the check precedes any permit_mynetworks */
	(void) snprintf(item, sizeof(item),
	    "permit_auth_destination, check_policy_service { %s, default_action=DEFER_IF_PERMIT }",
	    su->policy_ep);
	ensure_in_list(su, &pf, "smtpd_relay_restrictions", item, su->policy_ep, 1);
	(void) snprintf(item, sizeof(item), "socketmap:%s:%s", su->socketmap_ep, IPP_SENDER_MAP);
	ensure_in_list(su, &pf, "sender_dependent_default_transport_maps", item, item, 1);
	if (cfg->fb_key != NULL || (cfg->unsub_mailto != NULL && *cfg->unsub_mailto != '\0'))
		setup_feedback(su, &pf);

	if ((keep = calloc(cfg->npools + 1, sizeof(*keep))) == NULL) {
		su->failed = 1;
		pfconf_close(&pf);
		return;
	}
	for (i = 0; i < cfg->npools; i++) {
		(void) ipp_relay_transport_name(cfg, &cfg->pools[i], name, sizeof(name));
		(void) snprintf(key, sizeof(key), "%s/unix", name);
		(void) snprintf(entry, sizeof(entry),
		    "%s unix - - n - - smtp -o syslog_name=%s -o smtp_bind_address= "
		    "-o smtp_bind_address6= -o smtp_tls_security_level=none",
		    name, IPP_RELAY_SYSLOG_NAME);
		service(su, &pf, key, entry);
		keep[i] = strdup(key);
	}
	(void) snprintf(prefix, sizeof(prefix), "%srelay_", cfg->transport_prefix);
	remove_stale(su, &pf, (const char *const *) keep, cfg->npools, prefix, NULL);
	for (i = 0; i < cfg->npools; i++)
		free(keep[i]);
	free(keep);
	su->changes += pf.changes;
	pfconf_close(&pf);
}

/* The master.cf entry of IP idx of pool (a transport in some pool instance). */
static void
ip_service(struct setup *su, struct pfconf *pf, const struct ipp_pool *pool, size_t idx,
    char **keep, size_t *nkeep)
{
	const struct ipp_ip *ip = &pool->ips[idx];
	char	name[IPP_TRANSPORT_MAX], key[IPP_TRANSPORT_MAX + 8], sl[128], helo[300] = "",
		entry[1024];
	int	v6 = ip->family == AF_INET6;

	(void) ipp_transport_name(su->cfg, pool, idx, name, sizeof(name));
	(void) ipp_transport_syslog_name(pool, idx, sl, sizeof(sl));
	(void) snprintf(key, sizeof(key), "%s/unix", name);
	if (pool->helo)
		(void) snprintf(helo, sizeof(helo), " -o smtp_helo_name=%s", pool->helo);
	/* one address family: the other one would leave from the host's own address */
	(void) snprintf(entry, sizeof(entry),
	    "%s unix - - n - - smtp -o %s=%s%s -o syslog_name=%s -o inet_protocols=%s",
	    name, v6 ? "smtp_bind_address6" : "smtp_bind_address", ip->text, helo, sl,
	    v6 ? "ipv6" : "ipv4");
	service(su, pf, key, entry);
	keep[(*nkeep)++] = strdup(key);
}

static void
setup_pool(struct setup *su, const struct ipp_pool *pool, const char *dir)
{
	const struct ipp_config *cfg = su->cfg;
	struct pfconf pf;
	char	err[1024], value[600], key[128], entry[600], listen[96], *tls;
	char  **keep;
	size_t	nkeep = 0, i, cap;

	if (pfconf_open(&pf, dir, su->dry_run, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: pool %s: %s\n", pool->name, err);
		su->failed = 1;
		return;
	}
	(void) snprintf(value, sizeof(value), "socketmap:%s:%s", su->socketmap_ep, pool->name);
	set(su, &pf, "transport_maps", value);
	/* a pure relay for the main instance on loopback */
	set(su, &pf, "inet_interfaces", "loopback-only");
	set(su, &pf, "mydestination", "");
	set(su, &pf, "relay_domains", "");
	set(su, &pf, "local_recipient_maps", "");
	set(su, &pf, "relayhost", "");
	set(su, &pf, "mynetworks", "127.0.0.0/8 [::1]/128");
	set(su, &pf, "smtpd_relay_restrictions", "permit_mynetworks, reject");
	set(su, &pf, "smtpd_recipient_restrictions", "");
	set(su, &pf, "smtpd_milters", "");
	set(su, &pf, "non_smtpd_milters", "");
	/* mailbox providers mark mail that came without TLS: offer it, unless
	 * the administrator chose a policy already */
	if ((tls = pfconf_effective(&pf, "smtp_tls_security_level")) == NULL)
		su->failed = 1;
	else if (tls[0] == '\0')
		set(su, &pf, "smtp_tls_security_level", "may");
	free(tls);

	cap = pool->nips + (pool->spill ? pool->spill->nips : 0) + 2;
	if ((keep = calloc(cap, sizeof(*keep))) == NULL) {
		su->failed = 1;
		pfconf_close(&pf);
		return;
	}
	if (strchr(su->addr, ':'))
		(void) snprintf(listen, sizeof(listen), "[%s]:%u", su->addr, pool->port);
	else
		(void) snprintf(listen, sizeof(listen), "%s:%u", su->addr, pool->port);
	(void) snprintf(key, sizeof(key), "%s/inet", listen);
	/* smtpd resolves with rewrite_in, which has no transport_maps: only the
	 * queue manager's lookups reach policyd and reserve capacity */
	(void) snprintf(entry, sizeof(entry),
	    "%s inet n - n - - smtpd -o rewrite_service_name=rewrite_in", listen);
	service(su, &pf, key, entry);
	keep[nkeep++] = strdup(key);
	service(su, &pf, "rewrite_in/unix",
	    "rewrite_in unix - - n - - trivial-rewrite -o transport_maps=");
	for (i = 0; i < pool->nips; i++)
		ip_service(su, &pf, pool, i, keep, &nkeep);
	for (i = 0; pool->spill && i < pool->spill->nips; i++)
		ip_service(su, &pf, pool->spill, i, keep, &nkeep);
	/* never the site's port 25 */
	if (pfconf_remove_service(&pf, "smtp/inet") != 0)
		su->failed = 1;
	remove_stale(su, &pf, (const char *const *) keep, nkeep, cfg->transport_prefix,
	    "rewrite_service_name=rewrite_in");
	for (i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	su->changes += pf.changes;
	pfconf_close(&pf);
}

/* --pool-dir TEMPLATE: "%s" stands for the pool name. */
static int
pool_dir(const char *tmpl, const char *pool, char *buf, size_t len)
{
	const char *p = strstr(tmpl, "%s");
	int	n;

	if (p == NULL || strstr(p + 2, "%s") != NULL)
		return (-1);
	n = snprintf(buf, len, "%.*s%s%s", (int) (p - tmpl), tmpl, pool, p + 2);
	return (n > 0 && (size_t) n < len ? 0 : -1);
}

/* postmulti mode: the instance's config directory, creating it if needed. */
static int
postmulti_dir(struct setup *su, const struct ipp_pool *pool,
    char *dir, size_t len, int *enabled)
{
	char	name[64], err[1024], *out, *line, *save, f[4][1024];
	char   *list[] = { "postmulti", "-l", "-a", NULL };
	char   *create[] = { "postmulti", "-I", name, "-G", INSTANCE_GROUP, "-e", "create", NULL };
	int	attempt, rc;

	(void) snprintf(name, sizeof(name), "postfix-ippool-%s", pool->name);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = pf_run(list, &out, err, sizeof(err))) != 0) {
			(void) fprintf(stderr, "ippoolctl: postmulti -l: %s\n", err);
			free(out);
			return (-1);
		}
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (sscanf(line, "%1023s %1023s %1023s %1023s", f[0], f[1], f[2], f[3]) == 4
			    && strcmp(f[0], name) == 0) {
				(void) snprintf(dir, len, "%s", f[3]);
				*enabled = strcmp(f[2], "y") == 0;
				free(out);
				return (0);
			}
		free(out);
		if (attempt > 0)
			break;
		(void) printf("%spostmulti -I %s -G %s -e create\n", su->dry_run ? "(dry run) " : "",
		    name, INSTANCE_GROUP);
		su->changes++;
		if (su->dry_run)
			return (1);
		if (pf_run(create, &out, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "ippoolctl: postmulti create %s: %s\n", name, err);
			free(out);
			return (-1);
		}
		free(out);
	}
	(void) fprintf(stderr, "ippoolctl: postmulti does not list %s after creating it\n", name);
	return (-1);
}

static int
postmulti_init(struct setup *su, const char *main_dir)
{
	struct pfconf pf;
	char	err[1024], *v, *out;
	char   *init[] = { "postmulti", "-e", "init", NULL };
	int	on;

	if (pfconf_open(&pf, main_dir, 1, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: main instance: %s\n", err);
		return (-1);
	}
	v = pfconf_effective(&pf, "multi_instance_enable");
	on = v && strcmp(v, "yes") == 0;
	free(v);
	pfconf_close(&pf);
	if (on)
		return (0);
	(void) printf("%spostmulti -e init\n", su->dry_run ? "(dry run) " : "");
	su->changes++;
	if (su->dry_run)
		return (0);
	if (pf_run(init, &out, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: postmulti -e init: %s\n", err);
		free(out);
		return (-1);
	}
	free(out);
	return (0);
}

static void
enable_instance(struct setup *su, const struct ipp_pool *pool)
{
	char	name[64], err[1024], *out;
	char   *en[] = { "postmulti", "-i", name, "-e", "enable", NULL };

	(void) snprintf(name, sizeof(name), "postfix-ippool-%s", pool->name);
	(void) printf("%spostmulti -i %s -e enable\n", su->dry_run ? "(dry run) " : "", name);
	su->changes++;
	if (su->dry_run)
		return;
	if (pf_run(en, &out, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: %s\n", err);
		su->failed = 1;
	}
	free(out);
}

static int
default_main_dir(char *buf, size_t len)
{
	char   *argv[] = { "postconf", "-h", "config_directory", NULL }, err[512], *out;

	if (pf_run(argv, &out, err, sizeof(err)) != 0 || out[0] == '\0') {
		(void) fprintf(stderr, "ippoolctl: cannot ask postconf for config_directory: %s\n", err);
		free(out);
		return (-1);
	}
	out[strcspn(out, "\n")] = '\0';
	(void) snprintf(buf, len, "%s", out);
	free(out);
	return (0);
}

static int
same_dir(const char *a, const char *b)
{
	char	ra[PATH_MAX], rb[PATH_MAX];

	if (realpath(a, ra) == NULL || realpath(b, rb) == NULL)
		return (strcmp(a, b) == 0);
	return (strcmp(ra, rb) == 0);
}

int
cmd_postfix_setup(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "main-dir", required_argument, NULL, 'm' },
		{ "pool-dir", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct setup su;
	const char *main_dir = NULL, *tmpl = NULL;
	char	mdir[1024], dir[1024];
	size_t	i;
	int	ch, enabled, rc;

	memset(&su, 0, sizeof(su));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+nm:p:", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			su.dry_run = 1;
			break;
		case 'm':
			main_dir = optarg;
			break;
		case 'p':
			tmpl = optarg;
			break;
		default:
			return (ctl_usage(ctl_find("postfix-setup")));
		}
	}
	if (optind != argc)
		return (ctl_usage(ctl_find("postfix-setup")));
	if (tmpl && pool_dir(tmpl, "x", dir, sizeof(dir)) != 0) {
		(void) fprintf(stderr, "ippoolctl: --pool-dir needs exactly one %%s (the pool name): %s\n",
		    tmpl);
		return (EX_USAGE);
	}
	su.cfg = ctl_config(ctl);
	su.conf_file = ctl->conf_file;
	mdir[0] = '\0';
	/* postconf cannot name the default directory when it has no main.cf */
	if ((main_dir == NULL || tmpl == NULL) && default_main_dir(mdir, sizeof(mdir)) != 0)
		return (EX_UNAVAILABLE);
	if (main_dir == NULL) {
		main_dir = mdir;
	} else if (tmpl == NULL && !same_dir(main_dir, mdir)) {
		/* postmulti(1) refuses any other primary instance */
		(void) fprintf(stderr,
		    "ippoolctl: postmulti manages the instances of %s only: with --main-dir %s, name the pool instances with --pool-dir\n",
		    mdir, main_dir);
		return (EX_USAGE);
	}
	if (ipp_postfix_endpoint(su.cfg->milter_socket, su.milter_ep, sizeof(su.milter_ep)) != 0
	    || ipp_postfix_endpoint(su.cfg->policy_socket, su.policy_ep, sizeof(su.policy_ep)) != 0
	    || ipp_postfix_endpoint(su.cfg->socketmap_socket, su.socketmap_ep,
	    sizeof(su.socketmap_ep)) != 0) {
		(void) fprintf(stderr, "ippoolctl: %s: a socket cannot be written for Postfix\n",
		    su.cfg->file);
		return (IPP_EX_CONFIG);
	}
	ipp_instance_address(su.cfg, su.addr, sizeof(su.addr));

	setup_main(&su, main_dir);
	if (tmpl == NULL && postmulti_init(&su, main_dir) != 0)
		su.failed = 1;
	for (i = 0; i < su.cfg->npools && !su.failed; i++) {
		const struct ipp_pool *pool = &su.cfg->pools[i];

		enabled = 1;
		if (tmpl != NULL) {
			(void) pool_dir(tmpl, pool->name, dir, sizeof(dir));
		} else if ((rc = postmulti_dir(&su, pool, dir, sizeof(dir), &enabled)) != 0) {
			if (rc < 0)
				su.failed = 1;
			else
				(void) printf("(dry run) then: the settings of pool %s in its new instance\n",
				    pool->name);
			continue;
		}
		setup_pool(&su, pool, dir);
		if (!enabled)
			enable_instance(&su, pool);
	}
	if (su.failed) {
		(void) fprintf(stderr, "ippoolctl: postfix-setup failed; %d change%s %s made\n",
		    su.changes, su.changes == 1 ? "" : "s", su.dry_run ? "would have been" : "were");
		return (EX_SOFTWARE);
	}
	if (su.changes == 0)
		(void) printf("no changes: Postfix is set up for %s\n", su.cfg->file);
	else if (su.dry_run)
		(void) printf("%d change%s would be made (dry run: nothing was changed)\n", su.changes,
		    su.changes == 1 ? "" : "s");
	else
		(void) printf("%d change%s made: run \"postfix%s%s reload\" and start or reload the pool instances\n",
		    su.changes, su.changes == 1 ? "" : "s", mdir[0] && same_dir(main_dir, mdir) ? "" : " -c ",
		    mdir[0] && same_dir(main_dir, mdir) ? "" : main_dir);
	return (0);
}
