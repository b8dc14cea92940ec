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
 * [unsubscribe] mailto address goes there too.  Without either, that
 * transport, its transport_maps entry and the return domains it added to
 * relay_domains are removed again.
 *
 * Pool instances are postmulti(1) instances "postfix-ippool-POOL", or,
 * with --pool-dir, existing configuration directories (private instances
 * run with "postfix -c DIR", as the tests do).  A dry run shows every line
 * it would write in either mode, also in instances not created yet.
 *
 * Sockets: a unix socket under an instance's queue directory is written
 * relative to it, which a chrooted service (Debian's smtpd) reaches too;
 * one elsewhere gets a warning when a service that uses it is chrooted. */
#include "autoconfig.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "postconf.h"
#include "retpath.h"
#include "transport.h"

#define INSTANCE_GROUP	"ippool"

struct setup {
	const struct ipp_config *cfg;
	const struct ctl *ctl;
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

	/* collect first: removing changes the list */
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
#define LIST_SEP	", \t\n"

struct domlist {
	char   *d[FB_MAX_DOMAINS];
	size_t	n;
};

static int
domlist_has(const struct domlist *l, const char *dom, size_t len)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->d[i]) == len && strncasecmp(l->d[i], dom, len) == 0)
			return (1);
	return (0);
}

static void
domlist_add(struct domlist *l, const char *dom, size_t len)
{
	if (len == 0 || l->n >= FB_MAX_DOMAINS || domlist_has(l, dom, len))
		return;
	if ((l->d[l->n] = strndup(dom, len)) != NULL)
		l->n++;
}

static void
domlist_free(struct domlist *l)
{
	ipp_retpath_domains_free(l->d, l->n);
	l->n = 0;
}

/*
 * Our map in a transport_maps value: the inline:{...} table whose entries
 * name FB_TRANSPORT.  Returns where it starts (NULL: none), *end just past
 * its '}'; its domains are added to doms when doms is not NULL.
 */
static char *
fb_map_find(char *tm, char **end, struct domlist *doms)
{
	char   *start, *close, *p, *eq;

	for (start = tm; (start = strstr(start, "inline:{")) != NULL; start = close) {
		if ((close = strchr(start, '}')) == NULL)
			return (NULL);
		close++;
		if ((p = strstr(start, "=" FB_TRANSPORT ":")) == NULL || p >= close)
			continue;
		/* entries "domain=ippool_feedback:" separated by commas */
		for (p = start + strlen("inline:{"); doms != NULL && p < close - 1; p = eq) {
			size_t	dl;

			p += strspn(p, LIST_SEP);
			dl = strcspn(p, "=,}");
			eq = p + dl;
			if (*eq == '=')
				domlist_add(doms, p, dl);
			eq += strcspn(eq, ",}");
			if (*eq == ',')
				eq++;
		}
		*end = close;
		return (start);
	}
	return (NULL);
}

/*
 * relay_domains with the domains of `drop` that are not in `keep` taken
 * out (return domains of ours no longer configured) and those of `keep`
 * added, in one change.
 */
static void
fb_relay_domains(struct setup *su, struct pfconf *pf, const struct domlist *keep,
    const struct domlist *drop)
{
	char   *old, *value, *tok;
	size_t	i, len;
	int	changed = 0;

	if ((old = pfconf_explicit(pf, "relay_domains")) == NULL
	    && (old = pfconf_effective(pf, "relay_domains")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: %s: cannot read relay_domains\n", pf->dir);
		su->failed = 1;
		return;
	}
	for (i = 0, len = strlen(old) + 1; i < keep->n; i++)
		len += strlen(keep->d[i]) + 2;
	if ((value = malloc(len + strlen(old) + 1)) == NULL) {
		free(old);
		su->failed = 1;
		return;
	}
	value[0] = '\0';
	/* the list item by item: an item of ours that went away is left out */
	for (tok = old; *(tok += strspn(tok, LIST_SEP)) != '\0'; tok += len) {
		len = strcspn(tok, LIST_SEP);
		if (domlist_has(drop, tok, len) && !domlist_has(keep, tok, len)) {
			changed = 1;
			continue;
		}
		(void) sprintf(value + strlen(value), "%s%.*s", *value ? ", " : "", (int) len, tok);
	}
	for (i = 0; i < keep->n; i++) {
		int	have = 0;

		for (tok = old; !have && *(tok += strspn(tok, LIST_SEP)) != '\0'; tok += len) {
			len = strcspn(tok, LIST_SEP);
			have = len == strlen(keep->d[i]) && strncasecmp(tok, keep->d[i], len) == 0;
		}
		if (!have) {
			(void) sprintf(value + strlen(value), "%s%s", *value ? ", " : "", keep->d[i]);
			changed = 1;
		}
	}
	if (changed)
		set(su, pf, "relay_domains", value);
	free(value);
	free(old);
}

/* transport_maps with our inline map replaced by `map` ("" removes it). */
static void
fb_transport_maps(struct setup *su, struct pfconf *pf, const char *map, struct domlist *was)
{
	char   *old, *start, *end, *value;
	size_t	len;

	if ((old = pfconf_explicit(pf, "transport_maps")) == NULL)
		old = strdup("");
	if (old == NULL) {
		su->failed = 1;
		return;
	}
	if ((start = fb_map_find(old, &end, was)) != NULL) {
		if (*map && strlen(map) == (size_t) (end - start)
		    && strncmp(start, map, (size_t) (end - start)) == 0) {
			free(old);
			return;
		}
		end += strspn(end, LIST_SEP);
		memmove(start, end, strlen(end) + 1);
	} else if (*map == '\0') {
		free(old);
		return;
	}
	len = strlen(old);
	while (len > 0 && strchr(LIST_SEP, old[len - 1]) != NULL)
		old[--len] = '\0';
	if ((value = malloc(strlen(old) + strlen(map) + 3)) != NULL) {
		(void) sprintf(value, "%s%s%s", map, *map && *old ? ", " : "", old);
		set(su, pf, "transport_maps", value);
		free(value);
	} else
		su->failed = 1;
	free(old);
}

/* Whether DOM is an item of a list VALUE (commas or blanks between items). */
static int
in_list_value(const char *value, const char *dom)
{
	size_t	len;

	for (; *(value += strspn(value, LIST_SEP)) != '\0'; value += len) {
		len = strcspn(value, LIST_SEP);
		if (len == strlen(dom) && strncasecmp(value, dom, len) == 0)
			return (1);
	}
	return (0);
}

/*
 * The return path's way back: the pipe transport and the return domains
 * routed to it; without [feedback] key, the undo: the transport, our map
 * and the return domains it named in relay_domains are removed again.
 */
static void
setup_feedback(struct setup *su, struct pfconf *pf)
{
	const struct ipp_config *cfg = su->cfg;
	struct domlist doms = { .n = 0 }, was = { .n = 0 }, keys = { .n = 0 }, relay = { .n = 0 };
	char	exe[PATH_MAX], conf[PATH_MAX], entry[2 * PATH_MAX + 200], *map = NULL, *mydest;
	const char *user = cfg->milter_user && *cfg->milter_user ? cfg->milter_user : "nobody";
	const char *mailto = cfg->unsub_mailto && *cfg->unsub_mailto ? cfg->unsub_mailto : NULL;
	const char *at = mailto ? strrchr(mailto, '@') : NULL;
	size_t	i, len;

	doms.n = ipp_retpath_config_domains(cfg, doms.d, FB_MAX_DOMAINS);
	if (cfg->fb_key == NULL && at == NULL) {
		fb_transport_maps(su, pf, "", &was);
		fb_relay_domains(su, pf, &doms, &was);
		if (pfconf_remove_service(pf, FB_TRANSPORT "/unix") != 0)
			su->failed = 1;
		domlist_free(&doms);
		domlist_free(&was);
		return;
	}
	if (cfg->fb_key == NULL)
		domlist_free(&doms);	/* no return path without the key */
	/*
	 * transport_maps: the return domains, and the [unsubscribe] mailto
	 * address alone (its domain may receive other mail); relay_domains:
	 * the return domains, and the mailto domain unless this host is its
	 * final destination already.
	 */
	for (i = 0; i < doms.n; i++) {
		domlist_add(&keys, doms.d[i], strlen(doms.d[i]));
		domlist_add(&relay, doms.d[i], strlen(doms.d[i]));
	}
	if (at != NULL) {
		domlist_add(&keys, mailto, strlen(mailto));
		if ((mydest = pfconf_effective(pf, "mydestination")) == NULL
		    || !in_list_value(mydest, at + 1))
			domlist_add(&relay, at + 1, strlen(at + 1));
		free(mydest);
	}
	ctl_self(su->ctl, exe, sizeof(exe), conf, sizeof(conf));
	(void) snprintf(entry, sizeof(entry),
	    FB_TRANSPORT " unix - n n - - pipe flags=DO user=%s size=67108864 argv=%s -c %s feedback -",
	    user, exe, conf);
	service(su, pf, FB_TRANSPORT "/unix", entry);
	/* one inline: map of ours in transport_maps, first, replaced when the keys change */
	for (i = 0, len = 16; i < keys.n; i++)
		len += strlen(keys.d[i]) + sizeof(FB_TRANSPORT) + 3;
	if ((map = malloc(len)) == NULL) {
		su->failed = 1;
		goto out;
	}
	map[0] = '\0';
	if (keys.n > 0) {
		(void) strcpy(map, "inline:{");
		for (i = 0; i < keys.n; i++)
			(void) sprintf(map + strlen(map), "%s%s=" FB_TRANSPORT ":", i ? "," : "", keys.d[i]);
		(void) strcat(map, "}");
	}
	fb_transport_maps(su, pf, map, &was);
	/* smtpd must accept mail for them */
	fb_relay_domains(su, pf, &relay, &was);
	free(map);
	if (cfg->fb_key != NULL && doms.n == 0)
		(void) fprintf(stderr, "ippoolctl: [feedback]: no return domain to route (bounce.<From: domain> domains must be added to transport_maps by hand)\n");
out:
	domlist_free(&doms);
	domlist_free(&was);
	domlist_free(&keys);
	domlist_free(&relay);
}

/* The master.cf commands that use each socket. */
static const char *const milter_cmds[] = { "smtpd", "cleanup", NULL };
static const char *const policy_cmds[] = { "smtpd", NULL };
static const char *const rewrite_cmds[] = { "trivial-rewrite", NULL };

/*
 * EP (a Postfix endpoint) as this instance's services can reach it.
 * Postfix's daemons run in the queue directory, chrooted there or not, so
 * a unix socket under it is written relative to it ("unix:ippool/x.sock"
 * for /var/spool/postfix/ippool/x.sock: Debian's chrooted smtpd reaches
 * it, and so does an unchrooted one).  A unix socket elsewhere cannot be
 * reached by a chrooted service (Debian's master.cf chroots smtpd,
 * cleanup and trivial-rewrite): it is written as it is, with a warning
 * that says what to do.
 */
static void
instance_endpoint(struct setup *su, struct pfconf *pf, const char *ep, const char *key,
    const char *const *cmds, char *out, size_t len)
{
	char   *qd;
	const char *path, *shown = pf->shown ? pf->shown : pf->dir;
	size_t	ql, i, c;

	(void) snprintf(out, len, "%s", ep);
	if (strncmp(ep, "unix:", 5) != 0)
		return;
	path = ep + 5;
	if ((qd = pfconf_effective(pf, "queue_directory")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: %s: cannot read queue_directory\n", pf->dir);
		su->failed = 1;
		return;
	}
	ql = strlen(qd);
	while (ql > 1 && qd[ql - 1] == '/')
		qd[--ql] = '\0';
	if (ql > 0 && strncmp(path, qd, ql) == 0 && path[ql] == '/' && path[ql + 1] != '\0') {
		(void) snprintf(out, len, "unix:%s", path + ql + 1);
		free(qd);
		return;
	}
	for (i = 0; i < pf->nsvc; i++) {
		char	f[8][256];

		/* name type private unpriv chroot wakeup maxproc command */
		if (sscanf(pf->svc_entry[i], "%255s %255s %255s %255s %255s %255s %255s %255s",
		    f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]) != 8 || strcmp(f[4], "y") != 0)
			continue;
		for (c = 0; cmds[c] != NULL; c++)
			if (strcmp(f[7], cmds[c]) == 0)
				break;
		if (cmds[c] == NULL)
			continue;
		(void) fprintf(stderr,
		    "ippoolctl: warning: %s/master.cf: %s (%s) runs chrooted in %s, where %s cannot be reached: "
		    "set %s to a unix socket under %s (written as unix:RELATIVE-PATH; Postfix's user needs the ippool group), "
		    "or to an inet: socket, or set %s's chroot column to n\n",
		    shown, pf->svc_key[i], f[7], qd, path, key, qd, pf->svc_key[i]);
		break;
	}
	free(qd);
}

/*
 * The main instance's smtpd services resolve addresses through a
 * trivial-rewrite without the sender map.  smtpd resolves every
 * recipient (for its restrictions, which read only the address class),
 * and through the sender map each of those was one more policyd lookup
 * whose answer nobody used: relayed SMTP mail gets its FILTER from the
 * policy check, and a FILTER overrides the queue manager's resolver.  Mail
 * without one (a local submission, a service whose restrictions skip the
 * policy check) is resolved by the queue manager through the instance's
 * own trivial-rewrite, sender map included.  A service that names a
 * resolver of its own keeps it.
 */
static void
smtpd_resolver(struct setup *su, struct pfconf *pf)
{
	char	name[IPP_TRANSPORT_MAX], key[IPP_TRANSPORT_MAX + 8], entry[IPP_TRANSPORT_MAX + 100],
		opt[IPP_TRANSPORT_MAX + 32];
	char  **ukey, **uentry;
	size_t	i, n = 0, len;

	(void) snprintf(name, sizeof(name), "%srewrite", su->cfg->transport_prefix);
	(void) snprintf(key, sizeof(key), "%s/unix", name);
	(void) snprintf(entry, sizeof(entry),
	    "%s unix - - n - - trivial-rewrite -o sender_dependent_default_transport_maps=", name);
	service(su, pf, key, entry);
	(void) snprintf(opt, sizeof(opt), " -o rewrite_service_name=%s", name);
	/* collect first: a change modifies the list */
	ukey = calloc(pf->nsvc + 1, sizeof(*ukey));
	uentry = calloc(pf->nsvc + 1, sizeof(*uentry));
	for (i = 0; ukey && uentry && i < pf->nsvc; i++) {
		char	cmd[256];

		/* name type private unpriv chroot wakeup maxproc command */
		if (sscanf(pf->svc_entry[i], "%*s %*s %*s %*s %*s %*s %*s %255s", cmd) != 1
		    || strcmp(cmd, "smtpd") != 0 || strstr(pf->svc_entry[i], "rewrite_service_name") != NULL)
			continue;
		len = strlen(pf->svc_entry[i]) + strlen(opt) + 1;
		if ((ukey[n] = strdup(pf->svc_key[i])) == NULL || (uentry[n] = malloc(len)) == NULL) {
			free(ukey[n]);
			ukey[n] = NULL;
			break;
		}
		(void) snprintf(uentry[n], len, "%s%s", pf->svc_entry[i], opt);
		n++;
	}
	if (ukey == NULL || uentry == NULL || i < pf->nsvc) {
		(void) fprintf(stderr, "ippoolctl: out of memory\n");
		su->failed = 1;
	}
	for (i = 0; i < n; i++) {
		service(su, pf, ukey[i], uentry[i]);
		free(ukey[i]);
		free(uentry[i]);
	}
	free(ukey);
	free(uentry);
}

static void
setup_main(struct setup *su, const char *dir)
{
	const struct ipp_config *cfg = su->cfg;
	struct pfconf pf;
	char	item[800], err[1024], name[IPP_TRANSPORT_MAX], key[IPP_TRANSPORT_MAX + 8],
		entry[1024], prefix[64], milter_ep[300], policy_ep[300], sm_ep[300];
	char  **keep;
	size_t	i;

	if (pfconf_open(&pf, dir, su->dry_run, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: main instance: %s\n", err);
		su->failed = 1;
		return;
	}
	instance_endpoint(su, &pf, su->milter_ep, "[milter] socket", milter_cmds, milter_ep,
	    sizeof(milter_ep));
	instance_endpoint(su, &pf, su->policy_ep, "[policy] policy", policy_cmds, policy_ep,
	    sizeof(policy_ep));
	instance_endpoint(su, &pf, su->socketmap_ep, "[policy] socketmap", rewrite_cmds, sm_ep,
	    sizeof(sm_ep));
	(void) snprintf(item, sizeof(item), "{ %s, default_action=tempfail }", milter_ep);
	ensure_in_list(su, &pf, "smtpd_milters", item, milter_ep, 0);
	ensure_in_list(su, &pf, "non_smtpd_milters", item, milter_ep, 0);
	/* relayed mail only: local recipients never reach the policy (no FILTER
	 * loop for inbound mail), and the check precedes any permit_mynetworks */
	(void) snprintf(item, sizeof(item),
	    "permit_auth_destination, check_policy_service { %s, default_action=DEFER_IF_PERMIT }",
	    policy_ep);
	ensure_in_list(su, &pf, "smtpd_relay_restrictions", item, policy_ep, 1);
	(void) snprintf(item, sizeof(item), "socketmap:%s:%s", sm_ep, IPP_SENDER_MAP);
	ensure_in_list(su, &pf, "sender_dependent_default_transport_maps", item, item, 1);
	smtpd_resolver(su, &pf);
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
	if (pfconf_commit(&pf) != 0)
		su->failed = 1;
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
setup_pool(struct setup *su, const struct ipp_pool *pool, const char *dir, const char *shown)
{
	const struct ipp_config *cfg = su->cfg;
	struct pfconf pf;
	char	err[1024], value[600], key[128], entry[600], listen[96], *tls, sm_ep[300];
	char  **keep;
	size_t	nkeep = 0, i, cap;

	if (pfconf_open(&pf, dir, su->dry_run, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: pool %s: %s\n", pool->name, err);
		su->failed = 1;
		return;
	}
	pf.shown = shown;
	instance_endpoint(su, &pf, su->socketmap_ep, "[policy] socketmap", rewrite_cmds, sm_ep,
	    sizeof(sm_ep));
	(void) snprintf(value, sizeof(value), "socketmap:%s:%s", sm_ep, pool->name);
	set(su, &pf, "transport_maps", value);
	/* "postmulti -e create" disables inet services: the listener is one */
	set(su, &pf, "master_service_disable", "");
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
	if (pfconf_commit(&pf) != 0)
		su->failed = 1;
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
	char	name[64], err[1024], *out, *line, *save, f[4][1024], cmd[160];
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
		(void) snprintf(cmd, sizeof(cmd), "postmulti -I %s -G %s -e create", name,
		    INSTANCE_GROUP);
		pf_change(su->dry_run, json_pack("{s:s, s:s}", "action", "command", "command", cmd),
		    "%s\n", cmd);
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
	pf_change(su->dry_run, json_pack("{s:s, s:s}", "action", "command", "command",
	    "postmulti -e init"), "postmulti -e init\n");
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
	{
		char	cmd[128];

		(void) snprintf(cmd, sizeof(cmd), "postmulti -i %s -e enable", name);
		pf_change(su->dry_run, json_pack("{s:s, s:s}", "action", "command", "command", cmd),
		    "%s\n", cmd);
	}
	su->changes++;
	if (su->dry_run)
		return;
	if (pf_run(en, &out, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: %s\n", err);
		su->failed = 1;
	}
	free(out);
}

/*
 * A dry run cannot create a pool's postmulti instance, so it sets up what
 * "postmulti -e create" would make (postmulti-script: the prototypes
 * main.cf.proto and master.cf.proto of meta_directory, the instance's own
 * directories, inet services disabled, no local submission) in a
 * temporary directory and shows the changes of the pool's setup there
 * under the instance's directory, the main instance's with
 * "-ippool-POOL" appended as postmulti derives it.
 */
static int
preview_instance(struct setup *su, const char *main_dir, const struct ipp_pool *pool)
{
	struct pfconf m;
	char	err[1024], tmp[] = "/tmp/ippoolctl-preview-XXXXXX", shown[1100], *out,
		sets[4][1200], from[2][1100], to[2][1100];
	char   *meta = NULL, *qd = NULL, *dd = NULL;
	const char *files[2] = { "main.cf", "master.cf" };
	int	rc = -1, i;

	if (pfconf_open(&m, main_dir, 1, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: main instance: %s\n", err);
		return (-1);
	}
	meta = pfconf_effective(&m, "meta_directory");
	qd = pfconf_effective(&m, "queue_directory");
	dd = pfconf_effective(&m, "data_directory");
	pfconf_close(&m);
	if (meta == NULL || qd == NULL || dd == NULL || mkdtemp(tmp) == NULL) {
		(void) fprintf(stderr, "ippoolctl: pool %s: cannot preview its new instance\n",
		    pool->name);
		goto out;
	}
	(void) snprintf(shown, sizeof(shown), "%s-ippool-%s", main_dir, pool->name);
	for (i = 0; i < 2; i++) {
		char   *cp[] = { "cp", from[i], to[i], NULL };

		(void) snprintf(from[i], sizeof(from[i]), "%s/%s.proto", meta, files[i]);
		(void) snprintf(to[i], sizeof(to[i]), "%s/%s", tmp, files[i]);
		if (pf_run(cp, &out, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "ippoolctl: pool %s: cannot copy %s: %s\n", pool->name,
			    from[i], err);
			free(out);
			goto clean;
		}
		free(out);
	}
	(void) snprintf(sets[0], sizeof(sets[0]), "queue_directory = %s-ippool-%s", qd, pool->name);
	(void) snprintf(sets[1], sizeof(sets[1]), "data_directory = %s-ippool-%s", dd, pool->name);
	(void) snprintf(sets[2], sizeof(sets[2]), "multi_instance_name = postfix-ippool-%s",
	    pool->name);
	(void) snprintf(sets[3], sizeof(sets[3]), "multi_instance_group = " INSTANCE_GROUP);
	{
		char   *pc[] = { "postconf", "-c", tmp, "-e", sets[0], sets[1], sets[2], sets[3],
			"authorized_submit_users =", "master_service_disable = inet", NULL };

		if (pf_run(pc, &out, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "ippoolctl: pool %s: postconf: %s\n", pool->name, err);
			free(out);
			goto clean;
		}
		free(out);
	}
	/* Postfix waits until a main.cf is a second old before it reads it;
	 * these copies are ours, their age is not news to anyone */
	for (i = 0; i < 2; i++) {
		struct timespec ts[2] = { { time(NULL) - 2, 0 }, { time(NULL) - 2, 0 } };

		(void) snprintf(to[i], sizeof(to[i]), "%s/%s", tmp, files[i]);
		(void) utimensat(AT_FDCWD, to[i], ts, 0);
	}
	setup_pool(su, pool, tmp, shown);
	rc = 0;
clean:
	for (i = 0; i < 2; i++) {
		(void) snprintf(to[i], sizeof(to[i]), "%s/%s", tmp, files[i]);
		(void) unlink(to[i]);
	}
	(void) rmdir(tmp);
out:
	free(meta);
	free(qd);
	free(dd);
	return (rc);
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
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *actions = NULL;
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
		case 'j':
			if (actions == NULL && (actions = json_array()) == NULL)
				return (EX_SOFTWARE);
			break;
		default:
			return (ctl_usage(ctl_find("postfix-setup")));
		}
	}
	if (optind != argc || (actions != NULL && !su.dry_run)) {
		/* --json describes what would be done: a dry run only */
		if (actions != NULL && !su.dry_run)
			(void) fprintf(stderr, "ippoolctl: postfix-setup: --json goes with --dry-run\n");
		json_decref(actions);
		return (ctl_usage(ctl_find("postfix-setup")));
	}
	pf_json(actions);
	if (tmpl && pool_dir(tmpl, "x", dir, sizeof(dir)) != 0) {
		(void) fprintf(stderr, "ippoolctl: --pool-dir needs exactly one %%s (the pool name): %s\n",
		    tmpl);
		return (EX_USAGE);
	}
	su.cfg = ctl_config(ctl);
	su.ctl = ctl;
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
			/* a dry run: every line the new instance would get */
			if (rc < 0 || preview_instance(&su, main_dir, pool) != 0)
				su.failed = 1;
			else
				enable_instance(&su, pool);
			continue;
		}
		setup_pool(&su, pool, dir, NULL);
		if (!enabled)
			enable_instance(&su, pool);
	}
	pf_json(NULL);
	if (su.failed) {
		(void) fprintf(stderr, "ippoolctl: postfix-setup failed; %d change%s %s made\n",
		    su.changes, su.changes == 1 ? "" : "s", su.dry_run ? "would have been" : "were");
		json_decref(actions);
		return (EX_SOFTWARE);
	}
	if (actions != NULL) {
		json_t *o = json_pack("{s:b, s:i, s:o}", "dry_run", 1, "changes", su.changes,
		    "actions", actions);

		if (o == NULL || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
			json_decref(o);
			return (EX_SOFTWARE);
		}
		(void) printf("\n");
		json_decref(o);
		return (0);
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
