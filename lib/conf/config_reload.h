/* config_reload.h - what a SIGHUP reload of either daemon cannot change. */
#ifndef IPP_CONFIG_RELOAD_H
#define IPP_CONFIG_RELOAD_H

#include "config.h"

/*
 * 0 if new may replace old in a running daemon; else -1 after one
 * "FILE: changing [section] key needs a restart" warning per setting that
 * only a restart applies: the sockets, the users and the store.  Both
 * daemons share one file, so the rules are those of both.
 * (An ipp_confref_compat_fn.)
 */
int	ipp_config_reload_compat(const struct ipp_config *old,
	    const struct ipp_config *new);

#endif
