/* cmd_check.c - "ippoolctl check": the configuration loads, the DKIM
 * keytable and its keys load, the store opens (running recovery if a
 * process died), and what it holds. */
#include "autoconfig.h"

#include <stdio.h>

#include "config.h"
#include "ctl.h"
#include "keytable.h"

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
	/* before ctl_store drops privileges: keys are readable by root only */
	if (cfg->dkim && cfg->keytable != NULL && *cfg->keytable != '\0') {
		struct ipp_keytable *kt = ipp_keytable_load(cfg->keytable, NULL, stderr);

		if (kt == NULL)
			return (IPP_EX_CONFIG);
		(void) printf("keytable %s: ok, %zu key%s\n", kt->file, kt->nkeys,
		    kt->nkeys == 1 ? "" : "s");
		ipp_keytable_free(kt);
	}
	st = ctl_store(ctl);
	if (ipp_store_check(st, report, sizeof(report)) != 0) {
		(void) fprintf(stderr, "ippoolctl: check: %s: cannot read the store\n",
		    ipp_store_describe(st));
		return (EX_TEMPFAIL);
	}
	(void) printf("store %s: ok\n", report);
	return (0);
}
