/* test_config.c - ippool.conf: built-in defaults, every key of the schema,
 * continuation lines and comments, error reporting.  The catalogue of bad
 * files with their exact messages is tests/config/catalogue.sh. */
#include "autoconfig.h"

#include <stdlib.h>

#include "config.h"
#include "tap.h"

static char errbuf[8192];

static struct ipp_config *
load(const char *name, const char *text)
{
	const char *f = tap_write(name, text);
	FILE   *errs = fmemopen(errbuf, sizeof(errbuf), "w");
	struct ipp_config *cfg;

	memset(errbuf, 0, sizeof(errbuf));
	cfg = ipp_config_load(f, errs);
	(void) fclose(errs);
	return (cfg);
}

static void
collect_restart(void *arg, const char *section, const char *key, int restart)
{
	char   *s = arg;
	size_t	n = strlen(s);

	if (restart)
		(void) snprintf(s + n, 512 - n, " %s.%s", section, key);
}

int
main(void)
{
	struct ipp_config *cfg;
	const struct ipp_isp *isp;
	const struct ipp_pool *p;

	/* DESIGN.md: [store] path and one [pool] are enough */
	cfg = load("minimal.conf", "[store]\npath = /var/lib/ippool\n[pool tx]\nips = 192.0.2.10\n");
	ok(cfg != NULL, "minimal config loads");
	if (cfg == NULL)
		(void) printf("# %s", errbuf);
	else {
		is_str(cfg->milter_socket, "unix:/run/ippool/milter.sock", "default milter socket");
		is_str(cfg->milter_user, "ippool", "default user");
		is_str(cfg->header, "X-Settings", "default header");
		is_int(cfg->hourly_limit, 10, "default hourly_limit");
		is_int(cfg->suppress_ttl, 14 * 86400, "default suppress_ttl");
		is_int(cfg->dkim, 1, "default dkim");
		is_int(cfg->bounce_block_ppm, 80000, "default bounce_block 8%%");
		is_str(cfg->policy_socket, "inet:10040@127.0.0.1", "default policy socket");
		is_str(cfg->socketmap_socket, "inet:10041@127.0.0.1", "default socketmap");
		is_str(cfg->transport_prefix, "ippool_", "default transport prefix");
		ok(cfg->relay == NULL, "no relay by default");
		is_int(cfg->nschedule, 12, "default schedule has 12 days");
		is_int(cfg->schedule[0], 200, "day 1: 200");
		is_int(cfg->schedule[11], 1000000, "day 12: 1000000");
		is_int(cfg->spill_days, 7, "default spill_days");
		is_int(cfg->idle_decay, 1, "default idle_decay");
		is_int(cfg->pause, 3600, "default pause");
		is_int(ipp_list_len(cfg->backoff), 9, "default backoff patterns");
		is_str(cfg->backoff[7], "too many", "backoff pattern with a space");
		ok(cfg->canon_header_relaxed && cfg->canon_body_relaxed, "relaxed/relaxed");
		is_int(ipp_list_len(cfg->oversign), 6, "default oversign headers");
		p = ipp_config_pool(cfg, "tx");
		ok(p && p->managed && p->max_ips == 5 && p->port == 10031,
		    "pool defaults: managed, max_ips 5, port 10030+1");
		ok(p && p->xsettings && strlen(p->xsettings) > 0, "X-Settings precomputed");
		isp = ipp_config_isp(cfg, "gmail");
		ok(isp && strcmp(isp->domains[0], "gmail.com") == 0
		    && strcmp(isp->mx[0], ".google.com") == 0, "built-in isp gmail");
		isp = ipp_config_isp(cfg, "microsoft");
		ok(isp && strcmp(isp->domains[1], "hotmail.*") == 0, "built-in microsoft hotmail.*");
		ok(ipp_config_isp(cfg, "others") != NULL, "built-in others");
		ipp_config_free(cfg);
	}

	cfg = load("full.conf",
	    "# every key\n"
	    "[store]\n"
	    "path = /var/lib/ippool        # trailing comment\n"
	    "backend = bdb\n"
	    "redis = 127.0.0.1:6379\n"
	    "sync = yes\n"
	    "cache_size = 64M\n"
	    "[milter]\n"
	    "socket = inet:8894@127.0.0.1\n"
	    "user =\n"
	    "header = X-Pool-Tag\n"
	    "hourly_limit = 0\n"
	    "suppress_ttl = 30d\n"
	    "dkim = no\n"
	    "suppress_after = 3\n"
	    "suppress_window = 2d\n"
	    "bounce_min = 50\n"
	    "bounce_block = 5%\n"
	    "[policy]\n"
	    "policy = inet:11040@127.0.0.1\n"
	    "socketmap = unix:/run/ippool/socketmap.sock\n"
	    "relay = [127.0.0.20]:2525\n"
	    "metrics = inet:9466@127.0.0.1\n"
	    "transport_prefix = ipp_\n"
	    "user = nobody\n"
	    "[pool tx]\n"
	    "ips = 192.0.2.10, 192.0.2.11\n"
	    "      2001:db8::10\n"
	    "mode = managed\n"
	    "spillover = shared\n"
	    "senders = noreply@Example.COM @example.org\n"
	    "logins = app1 app2\n"
	    "helo = out1.example.com\n"
	    "max_ips = 3\n"
	    "port = 12000\n"
	    "; a semicolon comment\n"
	    "[pool shared]\n"
	    "ips = 192.0.2.20\n"
	    "mode = standard\n"
	    "[isp gmail]\n"
	    "schedule = 50 100\n"
	    "[isp mailru]\n"
	    "domains = mail.ru bk.ru\n"
	    "mx = mxs.mail.ru\n"
	    "[warmup]\n"
	    "schedule = 100 200 400\n"
	    "spill_days = 3\n"
	    "idle_decay = 2\n"
	    "backoff = 421, \"try again later\"\n"
	    "pause = 2h\n"
	    "[dkim]\n"
	    "keytable = /etc/ippool/dkim.keys\n"
	    "canonicalization = simple/relaxed\n"
	    "oversign = From Subject\n");
	ok(cfg != NULL, "config with every key loads");
	if (cfg == NULL)
		(void) printf("# %s", errbuf);
	else {
		ok(cfg->store_sync == 1, "sync = yes");
		ok(cfg->store_cache == 64ULL << 20, "cache_size = 64M");
		is_str(cfg->store_path, "/var/lib/ippool", "# comment after a value is stripped");
		ok(cfg->milter_user == NULL, "empty user: no privilege drop");
		is_str(cfg->header, "X-Pool-Tag", "header");
		is_int(cfg->hourly_limit, 0, "hourly_limit 0 (off)");
		is_int(cfg->suppress_ttl, 30 * 86400, "suppress_ttl 30d");
		is_int(cfg->dkim, 0, "dkim = no");
		is_int(cfg->suppress_after, 3, "suppress_after");
		is_int(cfg->suppress_window, 2 * 86400, "suppress_window");
		is_int(cfg->bounce_min, 50, "bounce_min");
		is_int(cfg->bounce_block_ppm, 50000, "bounce_block 5%%");
		is_str(cfg->relay, "[127.0.0.20]:2525", "relay");
		is_str(cfg->policy_user, "nobody", "policy user");
		p = ipp_config_pool(cfg, "tx");
		ok(p != NULL, "pool tx");
		if (p) {
			is_int(p->nips, 3, "continuation line adds an address");
			is_str(p->ips[2].text, "2001:db8::10", "IPv6 source address");
			is_str(p->senders[0], "noreply@example.com", "sender domain lower-cased");
			is_str(p->spill ? p->spill->name : NULL, "shared", "spillover resolved");
			is_int(p->port, 12000, "explicit port");
			is_str(p->helo, "out1.example.com", "helo");
		}
		p = ipp_config_pool(cfg, "shared");
		ok(p && !p->managed && p->port == 10032, "standard pool, default port 10032");
		isp = ipp_config_isp(cfg, "gmail");
		ok(isp && isp->nschedule == 2 && isp->schedule[1] == 100
		    && strcmp(isp->domains[0], "gmail.com") == 0,
		    "overriding a built-in isp's schedule keeps its domains");
		isp = ipp_config_isp(cfg, "mailru");
		ok(isp && strcmp(isp->mx[0], ".mxs.mail.ru") == 0, "mx suffix gets a leading dot");
		is_int(cfg->nschedule, 3, "warm-up schedule");
		is_str(cfg->backoff[1], "try again later", "quoted backoff pattern");
		ok(!cfg->canon_header_relaxed && cfg->canon_body_relaxed, "simple/relaxed");
		is_int(ipp_list_len(cfg->oversign), 2, "oversign list");
		ipp_config_free(cfg);
	}

	/* several errors at once, in line order, each named */
	cfg = load("multi.conf",
	    "[milter]\nhourly_limit = -3\nbogus = 1\n[pool tx]\nips = 192.0.2.1\n"
	    "[pool tx2]\nips = 192.0.2.1\n");
	ok(cfg == NULL, "config with three errors refused");
	{
		char	want[1024];
		const char *f = tap_write("multi.conf",
		    "[milter]\nhourly_limit = -3\nbogus = 1\n[pool tx]\nips = 192.0.2.1\n"
		    "[pool tx2]\nips = 192.0.2.1\n");

		(void) snprintf(want, sizeof(want),
		    "%s:2: hourly_limit: \"-3\" is not a non-negative integer\n"
		    "%s:3: unknown key \"bogus\" in section [milter]\n"
		    "%s:7: address 192.0.2.1 of pool tx2 is already in pool tx (line 5)\n",
		    f, f, f);
		is_str(errbuf, want, "all errors reported, in line order");
	}

	cfg = load("cache.conf", "[store]\ncache_size = 8MB\n[pool tx]\nips = 192.0.2.1\n");
	ok(cfg == NULL && strstr(errbuf, ":2: cache_size: bad size \"8MB\": expected e.g. 8M, 512k, 1G")
	    != NULL, "cache_size = 8MB refused, named");
	cfg = load("cache2.conf", "[store]\ncache_size = 512k\n[pool tx]\nips = 192.0.2.1\n");
	ok(cfg == NULL && strstr(errbuf, ":2: cache_size: must be at least 1M") != NULL,
	    "cache_size = 512k refused: at least 1M");
	cfg = load("cache3.conf", "[pool tx]\nips = 192.0.2.1\n");
	ok(cfg != NULL && cfg->store_cache == 8ULL << 20, "cache_size defaults to 8M");
	ipp_config_free(cfg);

	/* a continuation fixes nothing: a bad item on a continued line */
	cfg = load("cont.conf", "[pool tx]\nips = 192.0.2.1\n  192.0.2.999\n");
	ok(cfg == NULL, "bad address on a continuation line refused");
	ok(strstr(errbuf, ":2: ips: \"192.0.2.999\" is not a numeric IPv4 or IPv6 address") != NULL,
	    "reported at the key's line");

	/* a reload may change anything but the sockets, users and store */
	{
		static const struct {
			const char *text;
			int	want;
			const char *what;
		} reloads[] = {
			{ "[milter]\nhourly_limit = 3\n[pool tx]\nips = 192.0.2.1 192.0.2.2\n", 0,
			    "a reload may change limits and pools" },
			{ "[milter]\nuser = ippool\n[pool tx]\nips = 192.0.2.1\n", 0,
			    "writing out a default changes nothing" },
			{ "[policy]\nmetrics = inet:9999@127.0.0.1\n[pool tx]\nips = 192.0.2.1\n", -1,
			    "a reload may not change [policy] metrics" },
			{ "[store]\nbackend = redis\nredis = 127.0.0.1:6379\n[pool tx]\nips = 192.0.2.1\n", -1,
			    "a reload may not change the store" },
			{ "[policy]\nuser =\n[pool tx]\nips = 192.0.2.1\n", -1,
			    "a reload may not set [policy] user (it replaces the [milter] user)" },
		};
		struct ipp_config *old = load("old.conf", "[pool tx]\nips = 192.0.2.1\n"), *new;
		char	restart[512] = "";
		size_t	i;

		ok(old != NULL, "config to reload from");
		for (i = 0; old != NULL && i < sizeof(reloads) / sizeof(reloads[0]); i++) {
			new = load("new.conf", reloads[i].text);
			ok(new && ipp_config_reload_compat(old, new) == reloads[i].want,
			    "%s", reloads[i].what);
			ipp_config_free(new);
		}
		ipp_config_free(old);
		ipp_config_schema_visit(collect_restart, restart);
		is_str(restart, " store.path store.backend store.redis store.redis_user"
		    " store.redis_password store.redis_db store.redis_prefix"
		    " store.redis_connect_timeout store.redis_timeout store.redis_clock_skew"
		    " store.redis_wait_replicas store.cache_size milter.socket milter.user"
		    " milter.metrics"
		    " policy.policy policy.socketmap policy.metrics policy.user"
		    " unsubscribe.listen unsubscribe.tls_cert unsubscribe.tls_key",
		    "the keys that need a restart");
	}

	cfg = load("missing.conf", "");
	ok(cfg == NULL, "empty file refused (no pool)");
	ok(ipp_config_load("/nonexistent/ippool.conf", NULL) == NULL, "missing file refused");
	return (done_testing());
}
