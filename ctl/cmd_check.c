/* cmd_check.c - "ippoolctl check": the configuration loads, the store
 * opens (running recovery if a process died), and what it holds. */
#include "autoconfig.h"

#include <stdio.h>

#include "config.h"
#include "ctl.h"

int
cmd_check(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_store *st;
	char	report[1024];
	size_t	i;

	(void) argv;
	if (argc != 1)
		return (ctl_usage(ctl_find("check")));
	cfg = ctl_config(ctl);
	(void) printf("config %s: ok, %zu pool%s", cfg->file, cfg->npools,
	    cfg->npools == 1 ? "" : "s");
	for (i = 0; i < cfg->npools; i++)
		(void) printf("%s %s (%zu ip%s)", i ? "," : ":", cfg->pools[i].name,
		    cfg->pools[i].nips, cfg->pools[i].nips == 1 ? "" : "s");
	(void) printf("\n");
	st = ctl_store(ctl);
	if (ipp_store_check(st, report, sizeof(report)) != 0) {
		(void) fprintf(stderr, "ippoolctl: check: %s: cannot read the store\n",
		    ipp_store_describe(st));
		return (EX_TEMPFAIL);
	}
	(void) printf("store %s: ok\n", report);
	return (0);
}
