/* cmd_decode.c - "ippoolctl decode VALUE": show what an X-Settings header
 * says, or why it is not one of ours. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "parse.h"
#include "printable.h"
#include "settings.h"

int
cmd_decode(struct ctl *ctl, int argc, char **argv)
{
	char	pool[IPP_NAME_MAX * 4], err[IPP_ERRLEN], *json;

	(void) ctl;
	if (argc != 2)
		return (ctl_usage(ctl_find("decode")));
	if (ipp_settings_decode(argv[1], &json, pool, sizeof(pool), err, sizeof(err)) != 0) {
		char	safe[4 * IPP_ERRLEN];

		/* the error quotes the sender's bytes */
		(void) fprintf(stderr, "ippoolctl: decode: %s\n",
		    ipp_printable_str(err, safe, sizeof(safe)));
		return (EX_DATAERR);
	}
	{
		size_t	len = strlen(json), cap = 4 * len + 1;
		char   *safe = malloc(cap);

		if (safe == NULL) {
			free(json);
			(void) fprintf(stderr, "ippoolctl: decode: out of memory\n");
			return (EX_SOFTWARE);
		}
		/* a decoded value is the sender's bytes: no raw control characters */
		(void) printf("%s\n", ipp_printable(json, len, safe, cap));
		free(safe);
	}
	free(json);
	return (0);
}
