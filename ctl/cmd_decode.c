/* cmd_decode.c - "ippoolctl decode VALUE": show what an X-Settings header
 * says, or why it is not one of ours. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "ctl.h"
#include "parse.h"
#include "settings.h"

int
cmd_decode(struct ctl *ctl, int argc, char **argv)
{
	char	pool[IPP_NAME_MAX * 4], err[IPP_ERRLEN], *json;

	(void) ctl;
	if (argc != 2)
		return (ctl_usage(ctl_find("decode")));
	if (ipp_settings_decode(argv[1], &json, pool, sizeof(pool), err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: decode: %s\n", err);
		return (EX_DATAERR);
	}
	(void) printf("%s\n", json);
	free(json);
	return (0);
}
