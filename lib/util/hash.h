/* hash.h - the one string hash of ippool's in-memory tables (the MX
 * cache, the keyed log limiter): FNV-1a, 32 bits.  Not for anything an
 * attacker could exploit by choosing keys that collide: the tables it
 * serves are bounded and degrade to more lookups or more log lines. */
#ifndef IPP_HASH_H
#define IPP_HASH_H

#include <stdint.h>

/* FNV-1a of a NUL-terminated string. */
uint32_t ipp_hash_str(const char *);

#endif
