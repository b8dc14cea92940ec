/* fuzzconf.h - the configuration the policyd harnesses answer with: two
 * pools chosen by sender and by login, internal hosts, a socketmap. */
#ifndef IPP_FUZZCONF_H
#define IPP_FUZZCONF_H

#include "answer.h"
#include "config.h"
#include "fuzz.h"

static inline struct ipp_config *
fuzz_config(void)
{
	static const char text[] =
	    "[store]\npath = /nonexistent/ippool-fuzz\n"
	    "[milter]\ninternal_hosts = 127.0.0.0/8, 10.0.0.0/8, ::1\n"
	    "[policy]\nsocketmap = inet:10041@127.0.0.1\n"
	    "[pool tx]\nips = 192.0.2.1, 192.0.2.3\nsenders = @tx.example, a@b.example\n"
	    "logins = app\nport = 10031\n"
	    "[pool bulk]\nips = 192.0.2.2\nport = 10032\nmode = managed\n";
	struct ipp_config *c;

	c = ipp_config_load(fuzz_file("policy.conf", text, sizeof(text) - 1), stderr);
	FUZZ_ASSERT(c != NULL);
	return (c);
}

/* The configuration the harness answers with, loaded at its start. */
static struct ipp_config *fuzz_cfg;
#define FUZZ_WITH_CONFIG(name) FUZZ_INIT(name, fuzz_cfg = fuzz_config())

/* What every answer must be: ANSWER_OK with a reply that starts with one
 * of the protocol's words (NULL-terminated list), or ANSWER_MALFORMED with
 * a reason. */
static inline void
fuzz_answer_check(enum answer_status st, const char *reply, const char *why,
    const char *const *words)
{
	size_t	i;

	if (st == ANSWER_MALFORMED) {
		FUZZ_ASSERT(why[0] != '\0');
		return;
	}
	FUZZ_ASSERT(st == ANSWER_OK);
	for (i = 0; words[i] != NULL; i++)
		if (strncmp(reply, words[i], strlen(words[i])) == 0)
			return;
	FUZZ_ASSERT(!"a reply in the protocol's words");
}

#endif
