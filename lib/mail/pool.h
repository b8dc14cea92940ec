/* pool.h - pool selection (DESIGN.md "Pool selection"): the one function
 * the milter (tag), policyd (route) and ippoolctl call, so that the tag
 * and the route of a message always agree. */
#ifndef IPP_POOL_H
#define IPP_POOL_H

#include "config.h"

enum ipp_pool_why {
	IPP_POOL_BY_LOGIN,	/* SASL login in a pool's logins */
	IPP_POOL_BY_SENDER,	/* envelope sender address in senders */
	IPP_POOL_BY_DOMAIN,	/* @domain of the sender in senders */
	IPP_POOL_BY_DEFAULT,	/* the pool named "default" */
	IPP_POOL_BY_FIRST	/* the first pool of the file */
};

/*
 * login: the SASL login or NULL/"" when none; sender: the envelope sender
 * as the MTA gives it (angle brackets allowed, "" or "<>" for the null
 * sender).  Never returns NULL for a valid config.
 */
const struct ipp_pool *ipp_pool_select(const struct ipp_config *,
	    const char *login, const char *sender, enum ipp_pool_why *why);
const char *ipp_pool_why_name(enum ipp_pool_why);

#endif
