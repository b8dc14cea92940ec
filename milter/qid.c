/* qid.c - the queue ID for ippool-milter's log lines, in one place for
 * the callbacks, recipient protection and signing. */
#include "autoconfig.h"

#include "qid.h"

const char *
milter_qid(SMFICTX *ctx)
{
	const char *id = smfi_getsymval(ctx, "i");

	return (id && *id ? id : "NOQUEUE");
}
