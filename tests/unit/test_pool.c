/* test_pool.c - pool selection: login, sender, @domain, default, first. */
#include "autoconfig.h"

#include "config.h"
#include "pool.h"
#include "tap.h"

static const char *
sel(const struct ipp_config *cfg, const char *login, const char *sender,
    enum ipp_pool_why *why)
{
	const struct ipp_pool *p = ipp_pool_select(cfg, login, sender, why);

	return (p ? p->name : "(none)");
}

int
main(void)
{
	struct ipp_config *cfg;
	enum ipp_pool_why why;
	const char *f;

	f = tap_write("pools.conf",
	    "[store]\npath = /tmp/x\n"
	    "[pool bulk]\nips = 192.0.2.1\nsenders = @news.example.com\n"
	    "[pool tx]\nips = 192.0.2.2\nsenders = noreply@example.com @example.org\n"
	    "logins = app1\n"
	    "[pool default]\nips = 192.0.2.3\n"
	    "[pool vip]\nips = 192.0.2.4\nsenders = Boss@example.org\nlogins = app2\n");
	cfg = ipp_config_load(f, stderr);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL)
		return (done_testing());

	is_str(sel(cfg, "app1", "<someone@else.net>", &why), "tx", "login wins over sender");
	is_int(why, IPP_POOL_BY_LOGIN, "  reason: login");
	is_str(sel(cfg, "app2", "<noreply@example.com>", &why), "vip",
	    "login wins over a sender of another pool");
	is_str(sel(cfg, "nobody", "<noreply@example.com>", &why), "tx",
	    "unknown login falls through to the sender");
	is_int(why, IPP_POOL_BY_SENDER, "  reason: sender");
	is_str(sel(cfg, NULL, "<noreply@EXAMPLE.com>", &why), "tx",
	    "sender domain compared case-insensitively");
	is_str(sel(cfg, NULL, "<NoReply@example.com>", &why), "default",
	    "sender local part compared as given");
	is_int(why, IPP_POOL_BY_DEFAULT, "  reason: default");
	is_str(sel(cfg, NULL, "<Boss@example.org>", &why), "vip",
	    "address entry wins over its @domain entry");
	is_str(sel(cfg, NULL, "<other@example.org>", &why), "tx", "@domain entry");
	is_int(why, IPP_POOL_BY_DOMAIN, "  reason: domain");
	is_str(sel(cfg, NULL, "x@news.example.com", &why), "bulk", "sender without brackets");
	is_str(sel(cfg, NULL, "x@sub.news.example.com", &why), "default",
	    "@domain does not match subdomains");
	is_str(sel(cfg, NULL, "<>", &why), "default", "null sender: default pool");
	is_str(sel(cfg, "", "", &why), "default", "empty login and sender");
	ipp_config_free(cfg);

	f = tap_write("first.conf",
	    "[store]\npath = /tmp/x\n"
	    "[pool alpha]\nips = 192.0.2.1\n"
	    "[pool beta]\nips = 192.0.2.2\nsenders = @b.example\n");
	cfg = ipp_config_load(f, stderr);
	ok(cfg != NULL, "config without a default pool loads");
	if (cfg != NULL) {
		is_str(sel(cfg, NULL, "<a@c.example>", &why), "alpha",
		    "no default pool: the first pool");
		is_int(why, IPP_POOL_BY_FIRST, "  reason: first");
		is_str(sel(cfg, NULL, "<a@b.example>", &why), "beta", "second pool by domain");
		ipp_config_free(cfg);
	}
	return (done_testing());
}
