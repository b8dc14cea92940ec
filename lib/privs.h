/* privs.h - dropping root after the listening sockets are open, and
 * preparing what the unprivileged user must own (the store directory). */
#ifndef IPP_PRIVS_H
#define IPP_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* Look up USER; 0 with uid/gid, or -1 with a message naming what to do. */
int	ipp_privs_lookup(const char *user, uid_t *, gid_t *, char *err, size_t errlen);

/*
 * As root with a user configured: create the store directory for that
 * user if it does not exist, then switch to the user and its groups.
 * Not root, or no user: nothing to do.  Returns 0, or -1 with err.
 */
int	ipp_privs_drop(const char *user, const struct ipp_config *, char *err,
	    size_t errlen);

#endif
