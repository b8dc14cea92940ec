/* test_transport.c - the names and addresses ippool gives Postfix, as
 * tables: transport names (prefix + pool + 1-based index), relay transport
 * and syslog names; a syslog_name read back to its pool and index (pool
 * names holding '-', other instances' prefixes, indexes out of range),
 * every generated name reading back to where it came from, the relay
 * transports' syslog_name; the instances' loopback address, the relay
 * next hop, and listener specs as Postfix writes them. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"
#include "transport.h"

#define POOLS	"[pool tx]\nips = 192.0.2.1 192.0.2.2 192.0.2.3\nport = 10031\n" \
		"[pool a-b]\nips = 192.0.2.11 192.0.2.12\n" \
		"[pool relay]\nips = 192.0.2.21\n" \
		"[pool pppppppppppppppppppppppppppppppp]\nips = 192.0.2.31\n"

static struct ipp_config *
load(const char *name, const char *policy)
{
	struct ipp_config *cfg;
	char	text[2048], file[64];

	(void) snprintf(text, sizeof(text), "[store]\npath = %s/store\n[milter]\nuser =\n"
	    "[policy]\nuser =\n%s\n" POOLS, tap_tmpdir(), policy);
	(void) snprintf(file, sizeof(file), "%s.conf", name);
	if ((cfg = ipp_config_load(tap_write(file, text), stderr)) == NULL) {
		(void) printf("Bail out! %s does not load\n", file);
		exit(99);
	}
	return (cfg);
}

/* --- names ---------------------------------------------------------------------- */

struct name_case {
	const char *name;
	int	custom;			/* transport_prefix = mx-out_ instead of the default */
	const char *pool;
	size_t	idx;
	const char *transport, *relay, *syslog;
};

static const struct name_case names[] = {
	{ "first IP", 0, "tx", 0, "ippool_tx_1", "ippool_relay_tx", "postfix/ippool-tx-1" },
	{ "third IP", 0, "tx", 2, "ippool_tx_3", "ippool_relay_tx", "postfix/ippool-tx-3" },
	{ "a pool name with '-'", 0, "a-b", 1, "ippool_a-b_2", "ippool_relay_a-b",
	    "postfix/ippool-a-b-2" },
	{ "a pool named relay", 0, "relay", 0, "ippool_relay_1", "ippool_relay_relay",
	    "postfix/ippool-relay-1" },
	{ "another prefix", 1, "tx", 1, "mx-out_tx_2", "mx-out_relay_tx", "postfix/ippool-tx-2" },
	{ "the longest names fit", 1, "pppppppppppppppppppppppppppppppp", 0,
	    "mx-out_pppppppppppppppppppppppppppppppp_1",
	    "mx-out_relay_pppppppppppppppppppppppppppppppp",
	    "postfix/ippool-pppppppppppppppppppppppppppppppp-1" },
};

static void
run_names(const struct ipp_config *cfgs[2])
{
	char	buf[IPP_TRANSPORT_MAX];
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct name_case *c = &names[i];
		const struct ipp_config *cfg = cfgs[c->custom];
		const struct ipp_pool *pool = ipp_config_pool(cfg, c->pool);

		ok(ipp_transport_name(cfg, pool, c->idx, buf, sizeof(buf)) == 0
		    && strcmp(buf, c->transport) == 0, "%s: transport %s", c->name, c->transport);
		ok(ipp_relay_transport_name(cfg, pool, buf, sizeof(buf)) == 0
		    && strcmp(buf, c->relay) == 0, "%s: relay transport %s", c->name, c->relay);
		ok(ipp_transport_syslog_name(pool, c->idx, buf, sizeof(buf)) == 0
		    && strcmp(buf, c->syslog) == 0, "%s: syslog_name %s", c->name, c->syslog);
		/* one byte short of the name and its NUL: refused, not cut */
		ok(ipp_transport_name(cfg, pool, c->idx, buf, strlen(c->transport)) == -1
		    && ipp_relay_transport_name(cfg, pool, buf, strlen(c->relay)) == -1
		    && ipp_transport_syslog_name(pool, c->idx, buf, strlen(c->syslog)) == -1,
		    "%s: a buffer too small is refused", c->name);
	}
}

/* --- syslog_name read back ---------------------------------------------------------- */

struct syslog_case {
	const char *syslog_name;
	const char *pool;		/* NULL: names no IP of a pool */
	size_t	idx;
	int	relay;			/* ipp_transport_is_relay_syslog */
};

static const struct syslog_case syslogs[] = {
	{ "postfix/ippool-tx-1", "tx", 0, 0 },
	{ "postfix/ippool-tx-3", "tx", 2, 0 },
	{ "postfix/ippool-tx-4", NULL, 0, 0 },		/* the pool has three IPs */
	{ "postfix/ippool-tx-0", NULL, 0, 0 },
	{ "postfix-out/ippool-tx-2", "tx", 1, 0 },	/* another instance's prefix */
	{ "postfix/pool/ippool-tx-2", "tx", 1, 0 },	/* the last component counts */
	{ "ippool-tx-1", "tx", 0, 0 },
	{ "postfix/ippool-a-b-2", "a-b", 1, 0 },
	{ "postfix/ippool-a-b", NULL, 0, 0 },
	{ "postfix/ippool-relay-1", "relay", 0, 0 },	/* a pool named relay: deliveries */
	{ "postfix/ippool-relay", NULL, 0, 1 },		/* the relay transports */
	{ "postfix-out/ippool-relay", NULL, 0, 1 },
	{ "ippool-relay", NULL, 0, 1 },
	{ "postfix/ippool-relayx", NULL, 0, 0 },
	{ "postfix/ippool-relay/x", NULL, 0, 0 },
	{ "postfix/ippool-nosuch-1", NULL, 0, 0 },
	{ "postfix/ippool--1", NULL, 0, 0 },
	{ "postfix/ippool-tx-", NULL, 0, 0 },
	{ "postfix/ippool-tx-1x", NULL, 0, 0 },
	{ "postfix/ippool-tx-99999999999999999999", NULL, 0, 0 },
	{ "postfix/ippool-TX-1", NULL, 0, 0 },
	{ "postfix/smtp", NULL, 0, 0 },
	{ "postfix", NULL, 0, 0 },
	{ "", NULL, 0, 0 },
};

static void
run_syslogs(const struct ipp_config *cfg)
{
	const struct ipp_pool *pool;
	char	buf[IPP_TRANSPORT_MAX];
	size_t	i, j, idx;
	int	rc;

	for (i = 0; i < sizeof(syslogs) / sizeof(syslogs[0]); i++) {
		const struct syslog_case *c = &syslogs[i];

		pool = NULL;
		idx = 999;
		rc = ipp_transport_from_syslog(cfg, c->syslog_name, &pool, &idx);
		if (c->pool == NULL)
			is_int(rc, -1, "\"%s\": no pool IP", c->syslog_name);
		else
			ok(rc == 0 && pool != NULL && strcmp(pool->name, c->pool) == 0
			    && idx == c->idx, "\"%s\": pool %s, IP %zu", c->syslog_name,
			    c->pool, c->idx + 1);
		is_int(ipp_transport_is_relay_syslog(c->syslog_name), c->relay,
		    "\"%s\": %s the relay transports' name", c->syslog_name,
		    c->relay ? "is" : "is not");
	}
	/* every IP of every pool reads back from the name it is given */
	rc = 0;
	for (i = 0; i < cfg->npools; i++)
		for (j = 0; j < cfg->pools[i].nips; j++) {
			if (ipp_transport_syslog_name(&cfg->pools[i], j, buf, sizeof(buf)) != 0
			    || ipp_transport_from_syslog(cfg, buf, &pool, &idx) != 0
			    || pool != &cfg->pools[i] || idx != j
			    || ipp_transport_is_relay_syslog(buf))
				rc++;
		}
	is_int(rc, 0, "every generated syslog_name reads back to its pool and IP");
}

/* --- addresses ------------------------------------------------------------------- */

struct addr_case {
	const char *socketmap;		/* [policy] socketmap */
	const char *instance, *nexthop;	/* of pool tx (port 10031) */
};

static const struct addr_case addrs[] = {
	{ "inet:10041@127.0.0.1", "127.0.0.1", "[127.0.0.1]:10031" },
	{ "inet:10041@127.0.0.2", "127.0.0.2", "[127.0.0.2]:10031" },
	{ "inet:10041@192.0.2.1", "127.0.0.1", "[127.0.0.1]:10031" },	/* not loopback */
	{ "inet6:10041@::1", "::1", "[::1]:10031" },
	{ "inet6:10041@fd00::1", "127.0.0.1", "[127.0.0.1]:10031" },
	{ "unix:/run/ippool/socketmap.sock", "127.0.0.1", "[127.0.0.1]:10031" },
};

struct endpoint_case {
	const char *spec, *want;	/* want NULL: refused */
};

static const struct endpoint_case endpoints[] = {
	{ "unix:/run/ippool/milter.sock", "unix:/run/ippool/milter.sock" },
	{ "local:/run/ippool/milter.sock", "unix:/run/ippool/milter.sock" },
	{ "inet:10040@127.0.0.1", "inet:127.0.0.1:10040" },
	{ "inet:10040@192.0.2.7", "inet:192.0.2.7:10040" },
	{ "inet:10040@mail.example", "inet:mail.example:10040" },
	{ "inet:10040@0.0.0.0", "inet:127.0.0.1:10040" },	/* every address: loopback */
	{ "inet:10040", "inet:127.0.0.1:10040" },
	{ "inet:10040@::", "inet:[::1]:10040" },
	{ "inet6:10040", "inet:[::1]:10040" },
	{ "inet6:10040@::", "inet:[::1]:10040" },
	{ "inet6:10040@fd00::5", "inet:[fd00::5]:10040" },
	{ "inet:0@127.0.0.1", NULL },
	{ "tcp:10040", NULL },
	{ "unix:relative", NULL },
};

static void
run_addrs(void)
{
	struct ipp_config *cfg;
	char	policy[128], buf[128], name[16];
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const struct addr_case *a = &addrs[i];

		(void) snprintf(policy, sizeof(policy), "socketmap = %s", a->socketmap);
		(void) snprintf(name, sizeof(name), "addr%zu", i);
		cfg = load(name, policy);
		ipp_instance_address(cfg, buf, sizeof(buf));
		ok(strcmp(buf, a->instance) == 0, "socketmap %s: instances on %s", a->socketmap,
		    a->instance);
		ok(ipp_relay_nexthop(cfg, ipp_config_pool(cfg, "tx"), buf, sizeof(buf)) == 0
		    && strcmp(buf, a->nexthop) == 0, "socketmap %s: next hop %s",
		    a->socketmap, a->nexthop);
		ipp_config_free(cfg);
	}
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		buf[0] = '\0';
		rc = ipp_postfix_endpoint(endpoints[i].spec, buf, sizeof(buf));
		if (endpoints[i].want == NULL)
			is_int(rc, -1, "endpoint %s: refused", endpoints[i].spec);
		else
			ok(rc == 0 && strcmp(buf, endpoints[i].want) == 0, "endpoint %s: %s",
			    endpoints[i].spec, endpoints[i].want);
	}
}

int
main(void)
{
	const struct ipp_config *cfgs[2];
	struct ipp_config *def, *custom;

	def = load("default", "");
	custom = load("custom", "transport_prefix = mx-out_");
	cfgs[0] = def;
	cfgs[1] = custom;
	run_names(cfgs);
	run_syslogs(def);
	run_addrs();
	ipp_config_free(def);
	ipp_config_free(custom);
	return (done_testing());
}
