/* cmd_limits.c - "ippoolctl limits show|reset ADDR": one recipient's
 * sliding hourly window, as the milter sees it. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "ctl.h"
#include "ratelimit.h"
#include "suppress.h"

#define MAX_SHOWN 100000

static int
usage(void)
{
	(void) fputs("usage: ippoolctl limits show ADDR [--json]\n"
	    "       ippoolctl limits reset ADDR\n", stderr);
	return (EX_USAGE);
}

/* {"address", "limit" (null: none), "count", "accepted", "in_progress",
 * "entries": [{"time", "state"}], "next_accepted" (null unless full)} */
static int
show_json(const struct ipp_config *cfg, const char *addr, const struct ipp_rl_entry *e,
    size_t n, size_t accepted, time_t first)
{
	json_t *o, *arr;
	char	when[32];
	size_t	i;

	if ((o = json_object()) == NULL || (arr = json_array()) == NULL) {
		json_decref(o);
		return (EX_SOFTWARE);
	}
	for (i = 0; i < n; i++) {
		ipp_fmt_iso(e[i].when, when, sizeof(when));
		(void) json_array_append_new(arr, json_pack("{s:s, s:s}", "time", when,
		    "state", e[i].pending ? "in progress" : "accepted"));
	}
	if (cfg->hourly_limit && n >= cfg->hourly_limit)
		ipp_fmt_iso(first + IPP_RL_WINDOW, when, sizeof(when));
	if (json_object_set_new(o, "address", json_string(addr))
	    || json_object_set_new(o, "limit", cfg->hourly_limit
	    ? json_integer(cfg->hourly_limit) : json_null())
	    || json_object_set_new(o, "count", json_integer((json_int_t) n))
	    || json_object_set_new(o, "accepted", json_integer((json_int_t) accepted))
	    || json_object_set_new(o, "in_progress", json_integer((json_int_t) (n - accepted)))
	    || json_object_set_new(o, "entries", arr)
	    || json_object_set_new(o, "next_accepted", cfg->hourly_limit
	    && n >= cfg->hourly_limit ? json_string(when) : json_null())
	    || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		json_decref(o);
		(void) fprintf(stderr, "ippoolctl: limits show: out of memory\n");
		return (EX_SOFTWARE);
	}
	(void) printf("\n");
	json_decref(o);
	return (0);
}

int
cmd_limits(struct ctl *ctl, int argc, char **argv)
{
	static struct ipp_rl_entry e[1024];
	const struct ipp_config *cfg;
	struct ipp_supp target;
	char	err[256], when[32], hhmm[8];
	size_t	n = 0, k, accepted = 0;
	time_t	now = ipp_now(), first = 0;
	int	rc;

	const char *addr = NULL;
	int	i, json = 0, opts = 1;

	if (argc < 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "reset") != 0))
		return (usage());
	/* options anywhere before "--"; an address is never taken for one */
	for (i = 2; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = 0;
		else if (opts && strcmp(argv[i], "--json") == 0 && strcmp(argv[1], "show") == 0)
			json = 1;
		else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			(void) fprintf(stderr, "ippoolctl limits: unknown option \"%s\" (\"--\" before an argument that starts with \"-\")\n",
			    argv[i]);
			return (usage());
		} else if (addr == NULL)
			addr = argv[i];
		else
			return (usage());
	}
	if (addr == NULL)
		return (usage());
	cfg = ctl_config(ctl);
	if (ipp_supp_set_target(&target, addr, NULL, cfg->recipient_delimiter, err,
	    sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: limits: %s\n", err);
		return (EX_DATAERR);
	}
	if (strcmp(argv[1], "reset") == 0) {
		if (ipp_rl_reset(ctl_store(ctl), target.addr) < 0) {
			(void) fprintf(stderr, "ippoolctl: limits reset: store failure\n");
			return (EX_TEMPFAIL);
		}
		(void) printf("%s: hourly window cleared\n", target.addr);
		return (0);
	}
	rc = ipp_rl_show(ctl_store(ctl), target.addr, now, e, sizeof(e) / sizeof(e[0]), &n);
	if (rc < 0) {
		(void) fprintf(stderr, "ippoolctl: limits show: store failure\n");
		return (EX_TEMPFAIL);
	}
	for (k = 0; k < n; k++) {
		if (!e[k].pending)
			accepted++;
		if (first == 0 || e[k].when < first)
			first = e[k].when;
	}
	if (json)
		return (show_json(cfg, target.addr, e, n, accepted, first));
	if (cfg->hourly_limit == 0)
		(void) printf("%s: %zu message%s in the last 60 minutes (hourly_limit = 0: no limit)\n",
		    target.addr, n, n == 1 ? "" : "s");
	else
		(void) printf("%s: %zu of %u in the last 60 minutes (%zu accepted, %zu in progress)\n",
		    target.addr, n, cfg->hourly_limit, accepted, n - accepted);
	for (k = 0; k < n; k++) {
		ipp_fmt_iso(e[k].when, when, sizeof(when));
		(void) printf("  %s %s\n", when, e[k].pending ? "in progress" : "accepted");
	}
	if (cfg->hourly_limit && n >= cfg->hourly_limit) {
		ipp_fmt_hhmm(first + IPP_RL_WINDOW, hhmm, sizeof(hhmm));
		(void) printf("limit reached: next message accepted after %s UTC\n", hhmm);
	}
	return (0);
}
