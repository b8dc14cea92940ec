/* confref.c - refcounted current configuration. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confref.h"
#include "log.h"

struct ipp_confref {
	struct ipp_config *cfg;
	unsigned long refs;
};

static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipp_confref *cur;

struct ipp_confref *
ipp_confref_get(void)
{
	struct ipp_confref *r;

	(void) pthread_mutex_lock(&cur_lock);
	if ((r = cur) != NULL)
		r->refs++;
	(void) pthread_mutex_unlock(&cur_lock);
	return (r);
}

const struct ipp_config *
ipp_confref_cfg(const struct ipp_confref *r)
{
	return (r->cfg);
}

void
ipp_confref_put(struct ipp_confref *r)
{
	int	last;

	if (r == NULL)
		return;
	(void) pthread_mutex_lock(&cur_lock);
	last = --r->refs == 0;
	(void) pthread_mutex_unlock(&cur_lock);
	if (last) {
		ipp_config_free(r->cfg);
		free(r);
	}
}

int
ipp_confref_set(struct ipp_config *cfg)
{
	struct ipp_confref *r, *old;

	if ((r = malloc(sizeof(*r))) == NULL)
		return (-1);
	r->cfg = cfg;
	r->refs = 1;			/* the holder's own reference */
	(void) pthread_mutex_lock(&cur_lock);
	old = cur;
	cur = r;
	(void) pthread_mutex_unlock(&cur_lock);
	ipp_confref_put(old);
	return (0);
}

void
ipp_confref_clear(void)
{
	struct ipp_confref *old;

	(void) pthread_mutex_lock(&cur_lock);
	old = cur;
	cur = NULL;
	(void) pthread_mutex_unlock(&cur_lock);
	ipp_confref_put(old);
}

int
ipp_confref_reload(const char *file, ipp_confref_compat_fn compat)
{
	return (ipp_confref_reload_with(file, compat, NULL));
}

/* Log what a failed step wrote to its memstream, one warning a line. */
static void
warn_lines(char *buf)
{
	char   *line, *save;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		msg_warn("%s", line);
}

/* Load, check and prepare FILE as a reload would; NULL after warnings. */
static struct ipp_config *
reload_load(const char *file, ipp_confref_compat_fn compat,
    ipp_confref_prepare_fn prepare)
{
	struct ipp_confref *old;
	struct ipp_config *cfg;
	char   *buf = NULL;
	size_t	len = 0;
	FILE   *errs;
	int	ok;

	if ((errs = open_memstream(&buf, &len)) == NULL) {
		msg_warn("reload of %s: cannot allocate memory; keeping the running configuration", file);
		return (NULL);
	}
	cfg = ipp_config_load(file, errs);
	(void) fflush(errs);
	if (cfg == NULL) {
		(void) fclose(errs);
		warn_lines(buf);
		msg_warn("reload of %s failed; keeping the running configuration", file);
		free(buf);
		return (NULL);
	}
	old = ipp_confref_get();
	ok = old == NULL || compat == NULL || compat(ipp_confref_cfg(old), cfg) == 0;
	if (ok && prepare != NULL && prepare(cfg, old ? ipp_confref_cfg(old) : NULL, errs) != 0) {
		(void) fclose(errs);
		warn_lines(buf);
		msg_warn("reload of %s failed; keeping the running configuration", file);
		free(buf);
		ipp_confref_put(old);
		ipp_config_free(cfg);
		return (NULL);
	}
	(void) fclose(errs);
	free(buf);
	ipp_confref_put(old);
	if (!ok) {
		msg_warn("reload of %s refused; keeping the running configuration", file);
		ipp_config_free(cfg);
		return (NULL);
	}
	return (cfg);
}

int
ipp_confref_reload_with(const char *file, ipp_confref_compat_fn compat,
    ipp_confref_prepare_fn prepare)
{
	struct ipp_config *cfg;

	if ((cfg = reload_load(file, compat, prepare)) == NULL)
		return (-1);
	if (ipp_confref_set(cfg) != 0) {
		msg_warn("reload of %s: out of memory; keeping the running configuration", file);
		ipp_config_free(cfg);
		return (-1);
	}
	msg_info("configuration %s reloaded", file);
	return (0);
}

int
ipp_confref_reload_test(const char *file, ipp_confref_compat_fn compat,
    ipp_confref_prepare_fn prepare)
{
	struct ipp_config *cfg;

	if ((cfg = reload_load(file, compat, prepare)) == NULL)
		return (-1);
	ipp_config_free(cfg);
	return (0);
}
