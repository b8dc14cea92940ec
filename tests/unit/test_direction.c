/* test_direction.c - what makes a message outbound, who may sign for a
 * From: domain, and one mailbox one key: the canonical recipient form,
 * internal_hosts networks, and the re-keying of a suppression list
 * written before (tables of cases, one row a case). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "direction.h"
#include "log.h"
#include "mailbox.h"
#include "parse.h"
#include "signfrom.h"
#include "store.h"
#include "suppress.h"
#include "tap.h"

static const struct {
	const char *in, *delim, *want;
} canon_cases[] = {
	{ "victim@example.com", "+", "victim@example.com" },
	{ "Victim@example.com", "+", "victim@example.com" },
	{ "victim+x@example.com", "+", "victim@example.com" },
	{ "\"victim\"@example.com", "+", "victim@example.com" },
	{ "victim@EXAMPLE.com", "+", "victim@example.com" },
	{ "Victim+News@Example.COM.", "+", "victim@example.com" },
	{ "victim@example.com..", "+", "victim@example.com" },	/* its own canonical form */
	{ "victim+x@example.com", "", "victim+x@example.com" },
	{ "victim+x@example.com", NULL, "victim+x@example.com" },
	{ "victim-x+y@example.com", "+-", "victim@example.com" },
	{ "+bob@example.com", "+", "+bob@example.com" },
	{ "\"john doe\"@example.com", "+", "\"john doe\"@example.com" },
	{ "\"John\\ Doe\"@example.com", "+", "\"john doe\"@example.com" },
	{ "\"a\\\"b\"@example.com", "+", "\"a\\\"b\"@example.com" },
	{ "\"a.b\"@example.com", "+", "a.b@example.com" },
	{ "a..b@example.com", "+", "\"a..b\"@example.com" },
	{ "\"a..b\"@example.com", "+", "\"a..b\"@example.com" },
	{ "user@b\xc3\xbc" "cher.example", "+", "user@xn--bcher-kva.example" },
	{ "user@XN--BCHER-KVA.example", "+", "user@xn--bcher-kva.example" },
	{ "postmaster", "+", "postmaster" },
	{ "", "+", "" },
};

static const struct {
	const char *addr;
	int	ok;
	unsigned bits;
} net_cases[] = {
	{ "127.0.0.0/8", 1, 8 },
	{ "::1", 1, 128 },
	{ "192.0.2.7", 1, 32 },
	{ "2001:db8::/32", 1, 32 },
	{ "10.1.2.3/8", 0, 0 },		/* host bits set */
	{ "10.0.0.0/33", 0, 0 },
	{ "10.0.0.0/", 0, 0 },
	{ "example.com/8", 0, 0 },
	{ "/8", 0, 0 },
};

static const struct {
	const char *login, *addr;
	int	local;
	enum ipp_dir dir;
	enum ipp_dir_why why;
} dir_cases[] = {
	{ "app1", "192.0.2.7", 0, IPP_DIR_OUTBOUND, IPP_DIR_AUTH },
	{ NULL, "127.0.0.1", 0, IPP_DIR_OUTBOUND, IPP_DIR_INTERNAL },
	{ "", "127.9.9.9", 0, IPP_DIR_OUTBOUND, IPP_DIR_INTERNAL },
	{ NULL, "IPv6:::1", 0, IPP_DIR_OUTBOUND, IPP_DIR_INTERNAL },
	{ NULL, "::ffff:127.0.0.1", 0, IPP_DIR_OUTBOUND, IPP_DIR_INTERNAL },
	{ NULL, "10.0.0.5", 0, IPP_DIR_OUTBOUND, IPP_DIR_INTERNAL },
	{ NULL, "10.1.0.5", 0, IPP_DIR_INBOUND, IPP_DIR_EXTERNAL },
	{ NULL, "192.0.2.7", 0, IPP_DIR_INBOUND, IPP_DIR_EXTERNAL },
	{ NULL, "2001:db8::1", 0, IPP_DIR_INBOUND, IPP_DIR_EXTERNAL },
	{ NULL, "192.0.2.7", 1, IPP_DIR_OUTBOUND, IPP_DIR_LOCAL },
	{ NULL, NULL, 0, IPP_DIR_INBOUND, IPP_DIR_UNKNOWN },
	{ NULL, "", 0, IPP_DIR_INBOUND, IPP_DIR_UNKNOWN },
	{ NULL, "unknown", 0, IPP_DIR_INBOUND, IPP_DIR_UNKNOWN },
};

static const struct {
	enum ipp_sign_from rule;
	const char *from, *env;
	int	login, ok;
} sign_cases[] = {
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", "example.com", 0, 1 },
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", "bounce.example.com", 0, 1 },
	{ IPP_SIGN_FROM_ENVELOPE, "news.example.com", "example.com", 0, 1 },
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", "evil.example.net", 0, 0 },
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", "badexample.com", 0, 0 },
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", NULL, 0, 0 },
	{ IPP_SIGN_FROM_ENVELOPE, "example.com", "evil.example.net", 1, 1 },
	{ IPP_SIGN_FROM_LOGIN, "example.com", "example.com", 0, 0 },
	{ IPP_SIGN_FROM_LOGIN, "example.com", "evil.example.net", 1, 1 },
	{ IPP_SIGN_FROM_ANY, "example.com", "evil.example.net", 0, 1 },
};

static const struct {
	const char *value;
	unsigned n;
	const char *dom;
} from_cases[] = {
	{ "ceo@example.com", 1, "example.com" },
	{ " \"The CEO\" <ceo@Example.COM>", 1, "example.com" },
	{ "=?utf-8?q?Chef?= <chef@example.org>", 1, "example.org" },
	{ "a@example.com, b@example.org", 2, "" },
	{ "\"a@example.com, x\" <b@example.org>", 1, "example.org" },
	{ "team: a@example.com, b@example.org;", 2, "" },
	{ "team: a@example.com;", 1, "example.com" },
	{ "", 0, "" },
	{ "undisclosed-recipients:;", 0, "" },
};

static int
put_raw(struct ipp_txn *t, void *arg)
{
	const char **kv = arg;

	return (ipp_txn_put(t, IPP_T_SUPPRESS, kv[0], strlen(kv[0]), kv[1], strlen(kv[1])));
}

int
main(void)
{
	char	out[IPP_ADDR_MAX + 1], err[IPP_ERRLEN], why[600], dom[256];
	struct ipp_config *cfg;
	struct ipp_direction d;
	struct ipp_store *st;
	struct ipp_supp s;
	struct ipp_net net;
	unsigned long moved;
	size_t	i;
	const char *conf, *dir;

	for (i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
		int	rc = ipp_addr_canon(canon_cases[i].in, canon_cases[i].delim, out, sizeof(out));

		ok(rc == 0 && strcmp(out, canon_cases[i].want) == 0,
		    "canon %s (delimiter %s) = %s (got %s)", canon_cases[i].in,
		    canon_cases[i].delim ? canon_cases[i].delim : "NULL", canon_cases[i].want,
		    rc == 0 ? out : "error");
	}
	for (i = 0; i < sizeof(net_cases) / sizeof(net_cases[0]); i++) {
		int	rc = ipp_parse_net(net_cases[i].addr, &net, err, sizeof(err));

		ok((rc == 0) == net_cases[i].ok && (rc != 0 || net.bits == net_cases[i].bits),
		    "network %s: %s", net_cases[i].addr, net_cases[i].ok ? "accepted" : err);
	}

	dir = tap_tmpdir();
	(void) snprintf(out, sizeof(out), "[store]\npath = %s/store\n[milter]\n"
	    "internal_hosts = 127.0.0.0/8, ::1 10.0.0.0/16\n[pool a]\nips = 192.0.2.1\n", dir);
	conf = tap_write("direction.conf", out);
	cfg = ipp_config_load(conf, stderr);
	ok(cfg != NULL, "config with internal_hosts loads");
	if (cfg == NULL)
		return (done_testing());
	for (i = 0; i < sizeof(dir_cases) / sizeof(dir_cases[0]); i++) {
		struct ipp_dir_client cl = { dir_cases[i].login, dir_cases[i].addr, dir_cases[i].local };

		ipp_direction_decide(cfg, &cl, &d);
		ok(d.dir == dir_cases[i].dir && d.why == dir_cases[i].why,
		    "login %s client %s%s: %s (%s)", dir_cases[i].login ? dir_cases[i].login : "-",
		    dir_cases[i].addr ? dir_cases[i].addr : "-", dir_cases[i].local ? " local" : "",
		    ipp_dir_name(d.dir), d.text);
	}
	for (i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++) {
		int	rc = ipp_sign_from_ok(sign_cases[i].rule, sign_cases[i].from, sign_cases[i].env,
		    sign_cases[i].login, why, sizeof(why));

		ok(rc == sign_cases[i].ok, "sign_from = %s: From %s, envelope %s%s: %s",
		    ipp_sign_from_name(sign_cases[i].rule), sign_cases[i].from,
		    sign_cases[i].env ? sign_cases[i].env : "<>",
		    sign_cases[i].login ? ", pool login" : "", sign_cases[i].ok ? "signed" : "not signed");
	}
	for (i = 0; i < sizeof(from_cases) / sizeof(from_cases[0]); i++) {
		unsigned n = ipp_from_mailboxes(from_cases[i].value, dom, sizeof(dom));

		ok(n == from_cases[i].n && strcmp(dom, from_cases[i].dom) == 0,
		    "From: %s: %u mailbox(es) %s (got %u %s)", from_cases[i].value, from_cases[i].n,
		    from_cases[i].dom, n, dom);
	}

	/* a list written before: keys as the client wrote them */
	st = ipp_store_open(cfg, err, sizeof(err));
	ok(st != NULL, "store opens");
	if (st == NULL)
		return (done_testing());
	{
		const char *a[2] = { "a|Victim+news@example.com", "manual\t1700000000\t0\tlegacy" };
		const char *b[2] = { "s|shop.example|Bob@example.com", "unsubscribe\t1700000000\t0\tlegacy" };
		const char *c[2] = { "a|victim@example.com", "bounce\t1700000000\t1700001000\tnewer" };

		ok(ipp_store_run(st, put_raw, a) == 0 && ipp_store_run(st, put_raw, b) == 0
		    && ipp_store_run(st, put_raw, c) == 0, "legacy entries written");
	}
	ok(ipp_supp_migrate(st, "+", &moved) == 0 && moved == 2, "migrate: 2 entries re-keyed (%lu)",
	    moved);
	ok(ipp_supp_check(st, "victim@example.com", "", 1800000000, &s) == IPP_OK
	    && s.expires == 0 && s.reason == IPP_SUPP_MANUAL,
	    "Victim+news@ is now victim@, permanent (merged, never shortened)");
	ok(ipp_supp_get(st, "Victim+news@example.com", "", &s) == IPP_NOTFOUND,
	    "the old key is gone");
	ok(ipp_supp_check(st, "bob@example.com", "shop.example", 1800000000, &s) == IPP_OK
	    && s.reason == IPP_SUPP_UNSUBSCRIBE, "a per-sender-domain entry keeps its scope");
	ok(ipp_supp_check(st, "bob@example.com", "other.example", 1800000000, &s) == IPP_NOTFOUND,
	    "  and only that scope");
	ok(ipp_supp_migrate(st, "+", &moved) == 0 && moved == 0, "a second run does nothing");
	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
