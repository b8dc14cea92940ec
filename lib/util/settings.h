/* settings.h - the X-Settings header codec (DESIGN.md "The X-Settings
 * header"): base64 of {"Version":"1.0","OutboundIp":{"IpPoolId":"<pool>"}}. */
#ifndef IPP_SETTINGS_H
#define IPP_SETTINGS_H

#include <stddef.h>

/* The header value for a pool, malloc'ed; NULL when out of memory. */
char   *ipp_settings_encode(const char *pool);

/*
 * Decode a header value (folding white space allowed).  On success returns
 * 0, the decoded JSON text in *json (malloc'ed, caller frees) and the pool
 * ID in pool.  On failure returns -1 with the reason in err.
 */
int	ipp_settings_decode(const char *value, char **json, char *pool,
	    size_t poollen, char *err, size_t errlen);

#endif
