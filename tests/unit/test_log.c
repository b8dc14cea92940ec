/* test_log.c - the log limits (keyed and caller-owned) and the reload
 * compatibility rules of both daemons. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "tap.h"

static int
count_lines(const char *path, const char *needle)
{
	char	line[1024];
	FILE   *fp;
	int	n = 0;

	(void) fflush(stderr);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	(void) fclose(fp);
	return (n);
}

static struct ipp_config *
conf(const char *name, const char *text)
{
	return (ipp_config_load(tap_write(name, text), stderr));
}

int
main(void)
{
	struct ipp_log_limit lim = IPP_LOG_LIMIT_INIT;
	struct ipp_config *a, *b;
	char	key[64], logf[512], base[1024], text[2048];
	int	i, n;

	if (ipp_clock_init(key, sizeof(key)) != 0)
		return (99);
	/* a frozen business clock must not freeze the limits */
	(void) setenv("IPPOOL_NOW", "@1700000000", 1);
	ok(ipp_clock_init(key, sizeof(key)) == 0, "IPPOOL_NOW frozen");

	ok(ipp_log_once("nokey:a.example", 3600), "a key: logged the first time");
	ok(!ipp_log_once("nokey:a.example", 3600), "  not again within the interval");
	ok(ipp_log_once("nokey:b.example", 3600), "another key: logged");
	ok(ipp_log_once("mx:a.example", 3600), "  keys of another kind are apart");
	ipp_log_forget("nokey:a.example");
	ok(ipp_log_once("nokey:a.example", 3600), "forgotten: news again");
	ok(ipp_log_once("z", 0) && ipp_log_once("z", 0), "interval 0: always");
	for (i = 0; i < 20000; i++) {
		(void) snprintf(key, sizeof(key), "flood:%d", i);
		(void) ipp_log_once(key, 3600);
	}
	ok(ipp_log_once("nokey:b.example", 3600),
	    "20000 other keys: the table stays bounded, an old key is news again");
	for (i = 0, n = 0; i < 100; i++) {
		(void) snprintf(key, sizeof(key), "flood:%d", 19999 - i);
		n += !ipp_log_once(key, 3600);
	}
	ok(n >= 90, "  the most recent keys are still limited (%d of 100)", n);

	(void) snprintf(logf, sizeof(logf), "%s/log", tap_tmpdir());
	if (freopen(logf, "w", stderr) == NULL)
		return (99);
	for (i = 0; i < 5; i++)
		msg_warn_limited(&lim, 60, "store unavailable");
	is_int(count_lines(logf, "store unavailable"), 1, "msg_warn_limited: 5 repeats, 1 line");

	/* the reload rules: the union of both daemons' */
	(void) snprintf(base, sizeof(base),
	    "[store]\npath = %s/store\n[milter]\nsocket = inet:8891@127.0.0.1\nuser = ippool\n"
	    "[policy]\npolicy = inet:10040@127.0.0.1\nsocketmap = inet:10041@127.0.0.1\n"
	    "[pool tx]\nips = 192.0.2.1\n", tap_tmpdir());
	a = conf("a.conf", base);
	ok(a != NULL, "config loads");
	if (a == NULL)
		return (done_testing());
	(void) snprintf(text, sizeof(text), "%s[isp gmail]\nschedule = 3 6\n", base);
	b = conf("b.conf", text);
	ok(b && ipp_config_reload_compat(a, b) == 0, "other settings: reloadable");
	ipp_config_free(b);
	{
		static const struct {
			const char *from, *to, *what;
		} rule[] = {
			{ "socket = inet:8891@", "socket = inet:8892@", "[milter] socket" },
			{ "user = ippool", "user = nobody", "[milter] user" },
			{ "policy = inet:10040@", "policy = inet:10050@", "[policy] policy" },
			{ "socketmap = inet:10041@", "socketmap = inet:10051@", "[policy] socketmap" },
			{ "[pool tx]", "metrics = inet:9466@127.0.0.1\n[pool tx]", "[policy] metrics" },
			{ "[pool tx]", "user = nobody\n[pool tx]", "[policy] user" },
			{ "/store\n", "/other\n", "[store] path" },
			{ "[milter]", "backend = redis\nredis = 127.0.0.1:6379\n[milter]", "[store] backend" },
		};
		size_t	r;

		for (r = 0; r < sizeof(rule) / sizeof(rule[0]); r++) {
			const char *at = strstr(base, rule[r].from);
			char	want[256];

			if (at == NULL) {
				ok(0, "%s: test config lacks %s", rule[r].what, rule[r].from);
				continue;
			}
			(void) snprintf(text, sizeof(text), "%.*s%s%s", (int) (at - base), base,
			    rule[r].to, at + strlen(rule[r].from));
			(void) snprintf(want, sizeof(want), "changing %s needs a restart", rule[r].what);
			n = count_lines(logf, want);
			b = conf("b.conf", text);
			ok(b && ipp_config_reload_compat(a, b) == -1, "changing %s: refused", rule[r].what);
			is_int(count_lines(logf, want), n + 1, "  with \"FILE: %s\"", want);
			ipp_config_free(b);
		}
	}
	/* the [milter] user is policyd's too without a [policy] user: one message */
	(void) snprintf(text, sizeof(text), "%s", base);
	(void) memcpy(strstr(text, "user = ippool"), "user = nobody", 13);
	n = count_lines(logf, "needs a restart");
	b = conf("b.conf", text);
	ok(b && ipp_config_reload_compat(a, b) == -1, "[milter] user changed");
	is_int(count_lines(logf, "needs a restart"), n + 1, "  told once, not again as [policy] user");
	ipp_config_free(b);
	ipp_config_free(a);
	return (done_testing());
}
