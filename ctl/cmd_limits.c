/* cmd_limits.c - "ippoolctl limits show|reset ADDR": one recipient's
 * sliding hourly window, as the milter sees it. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "ratelimit.h"
#include "suppress.h"

#define MAX_SHOWN 100000

static int
usage(void)
{
	(void) fputs("usage: ippoolctl limits show ADDR\n"
	    "       ippoolctl limits reset ADDR\n", stderr);
	return (EX_USAGE);
}

int
cmd_limits(struct ctl *ctl, int argc, char **argv)
{
	static struct ipp_rl_entry e[1024];
	const struct ipp_config *cfg;
	struct ipp_supp target;
	char	err[256], when[32], hhmm[8];
	size_t	n = 0, i, accepted = 0;
	time_t	now = ipp_now(), first = 0;
	int	rc;

	if (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "reset") != 0))
		return (usage());
	cfg = ctl_config(ctl);
	if (ipp_supp_set_target(&target, argv[2], NULL, cfg->recipient_delimiter, err,
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
	for (i = 0; i < n; i++) {
		if (!e[i].pending)
			accepted++;
		if (first == 0 || e[i].when < first)
			first = e[i].when;
	}
	if (cfg->hourly_limit == 0)
		(void) printf("%s: %zu message%s in the last 60 minutes (hourly_limit = 0: no limit)\n",
		    target.addr, n, n == 1 ? "" : "s");
	else
		(void) printf("%s: %zu of %u in the last 60 minutes (%zu accepted, %zu in progress)\n",
		    target.addr, n, cfg->hourly_limit, accepted, n - accepted);
	for (i = 0; i < n; i++) {
		ipp_fmt_iso(e[i].when, when, sizeof(when));
		(void) printf("  %s %s\n", when, e[i].pending ? "in progress" : "accepted");
	}
	if (cfg->hourly_limit && n >= cfg->hourly_limit) {
		ipp_fmt_hhmm(first + IPP_RL_WINDOW, hhmm, sizeof(hhmm));
		(void) printf("limit reached: next message accepted after %s UTC\n", hhmm);
	}
	return (0);
}
