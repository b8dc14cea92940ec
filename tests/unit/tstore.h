/* tstore.h - a store of its own for a unit test of a module that keeps
 * state in the store: a config whose [store] path lies in tap_tmpdir(),
 * followed by the test's own lines, and the Berkeley DB store opened on
 * it; with IPPOOL_TEST_REDIS=ADDRESS in the environment, a Redis store
 * there under a prefix of its own instead (tests/e2e/store-redis.sh runs
 * the module tests so).  Include after tap.h. */
#ifndef IPP_TSTORE_H
#define IPP_TSTORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "store.h"

/*
 * Write NAME.conf ("[store] path" then EXTRA, which may start new
 * sections), load it into *cfgp and open its store; exits 99 (a hard
 * error to the TAP driver) when either fails.
 */
static __attribute__((unused)) struct ipp_store *
tstore_open(const char *name, const char *extra, struct ipp_config **cfgp)
{
	struct ipp_store *st;
	char	conf[4096], file[64], err[512];

	const char *redis = getenv("IPPOOL_TEST_REDIS");

	/* the same times as on Berkeley DB: the margin for hosts' clocks has
	 * a test of its own (tests/e2e/fleet-clock.sh) */
	if (redis != NULL && *redis)
		(void) snprintf(conf, sizeof(conf),
		    "[store]\nbackend = redis\nredis = %s\nredis_prefix = t%ld-%s:\n"
		    "redis_clock_skew = 0\n%s",
		    redis, (long) getpid(), name, extra);
	else
		(void) snprintf(conf, sizeof(conf), "[store]\npath = %s/%s.db\n%s",
		    tap_tmpdir(), name, extra);
	(void) snprintf(file, sizeof(file), "%s.conf", name);
	if ((*cfgp = ipp_config_load(tap_write(file, conf), stderr)) == NULL) {
		(void) printf("Bail out! %s: the test's config does not load\n", file);
		exit(99);
	}
	if ((st = ipp_store_open(*cfgp, err, sizeof(err))) == NULL) {
		(void) printf("Bail out! %s\n", err);
		exit(99);
	}
	return (st);
}

#endif
