/* signfrom.c - the [milter] sign_from rule. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "signfrom.h"

/* Is child the domain parent or one of its subdomains? */
static int
within(const char *child, const char *parent)
{
	size_t	c = strlen(child), p = strlen(parent);

	if (c == p)
		return (strcasecmp(child, parent) == 0);
	return (c > p && child[c - p - 1] == '.' && strcasecmp(child + c - p, parent) == 0);
}

int
ipp_sign_from_ok(enum ipp_sign_from rule, const char *from_dom, const char *env_dom,
    int pool_login, char *why, size_t whylen)
{
	switch (rule) {
	case IPP_SIGN_FROM_ANY:
		return (1);
	case IPP_SIGN_FROM_LOGIN:
		if (pool_login)
			return (1);
		(void) snprintf(why, whylen,
		    "the client is no SASL login of the pool (sign_from = login)");
		return (0);
	case IPP_SIGN_FROM_ENVELOPE:
	default:
		if (pool_login)
			return (1);
		/*
		 * bounces@mail.example.com may sign From: example.com, and
		 * news@example.com From: news.example.com: one domain tree.
		 */
		if (env_dom != NULL && *env_dom != '\0'
		    && (within(env_dom, from_dom) || within(from_dom, env_dom)))
			return (1);
		(void) snprintf(why, whylen,
		    "From: domain %.255s is not in the envelope sender's domain tree (%.255s)"
		    " (sign_from = envelope)", from_dom,
		    env_dom && *env_dom ? env_dom : "(null sender)");
		return (0);
	}
}

const char *
ipp_sign_from_name(enum ipp_sign_from rule)
{
	switch (rule) {
	case IPP_SIGN_FROM_ANY:
		return ("any");
	case IPP_SIGN_FROM_LOGIN:
		return ("login");
	default:
		return ("envelope");
	}
}
