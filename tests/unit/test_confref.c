/* test_confref.c - the reference-counted current configuration, one
 * table of steps: a reload while a reference is held leaves the held
 * config valid and whole until the last put frees it; a config that does
 * not load, that compat() refuses or whose prepare() fails is not
 * installed (and a refused one is freed with what it had attached); clear
 * drops the current one but not the held ones.  Then threads taking and
 * dropping references through a series of reloads. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confref.h"
#include "tap.h"

/* --- configs that say when they are freed -------------------------------------- */

/* hourly_limit tells the configs apart; attach holds a copy of it */
static char freed[256];		/* the limits of the configs freed, in order */
static pthread_mutex_t freed_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nfreed;
static unsigned prepared_old;	/* what prepare() saw as the running config */

static void
note_free(void *attach)
{
	size_t	len;

	(void) pthread_mutex_lock(&freed_lock);
	len = strlen(freed);
	if (len < sizeof(freed) - 12)
		(void) snprintf(freed + len, sizeof(freed) - len, "%s%u", len ? " " : "",
		    *(unsigned *) attach);
	nfreed++;
	(void) pthread_mutex_unlock(&freed_lock);
	free(attach);
}

static int
attach_limit(struct ipp_config *cfg)
{
	unsigned *tag = malloc(sizeof(*tag));

	if (tag == NULL)
		return (-1);
	*tag = cfg->hourly_limit;
	cfg->attach = tag;
	cfg->attach_free = note_free;
	return (0);
}

static int
prepare_ok(struct ipp_config *new, const struct ipp_config *old, FILE *errs)
{
	(void) errs;
	prepared_old = old ? old->hourly_limit : 0;
	return (attach_limit(new));
}

static int
prepare_fail(struct ipp_config *new, const struct ipp_config *old, FILE *errs)
{
	(void) old;
	(void) attach_limit(new);
	(void) fprintf(errs, "the keys do not load\n");
	return (1);
}

/* What only a restart can change: here, the store. */
static int
compat_store(const struct ipp_config *old, const struct ipp_config *new)
{
	return (strcmp(old->store_path, new->store_path) != 0);
}

/* --- the steps ------------------------------------------------------------------ */

#define BAD	"bad"
static const char *
conf_file(const char *which)
{
	char	name[32], text[256];

	(void) snprintf(name, sizeof(name), "%s.conf", which);
	if (strcmp(which, BAD) == 0)
		return (tap_write(name, "[milter]\nhourly_limit = lots\n[pool tx]\nips = 192.0.2.1\n"));
	/* "limit" or "limit-store": hourly_limit and a store path of its own */
	(void) snprintf(text, sizeof(text),
	    "[store]\npath = %s/%s\n[milter]\nuser =\nhourly_limit = %d\n"
	    "[pool tx]\nips = 192.0.2.1\n", tap_tmpdir(), strchr(which, '-') ? "other" : "store",
	    atoi(which));
	return (tap_write(name, text));
}

/*
 *   'g' take a reference into slot SLOT: want the config of limit WANT (0: none)
 *   'h' the config held in SLOT still reads limit WANT
 *   'p' put the reference of SLOT
 *   's' install the config FILE directly
 *   'r' reload FILE with COMPAT and PREPARE: want RC, then limit WANT current
 *   'c' clear
 * and after every step, FREED lists the limits of the configs freed so far.
 */
struct step {
	const char *name;
	char	op;
	int	slot;
	const char *file;
	ipp_confref_compat_fn compat;
	ipp_confref_prepare_fn prepare;
	int	rc;
	unsigned want;
	const char *freed;
};

static const struct step steps[] = {
	{ "nothing installed: no reference", 'g', 0, NULL, NULL, NULL, 0, 0, "" },
	{ "install limit 10", 's', 0, "10", NULL, NULL, 0, 10, "" },
	{ "a reference to it", 'g', 0, NULL, NULL, NULL, 0, 10, "" },
	{ "reload limit 20 while it is held", 'r', 0, "20", compat_store, prepare_ok, 0, 20, "" },
	{ "the held config is still limit 10", 'h', 0, NULL, NULL, NULL, 0, 10, "" },
	{ "a new reference gets limit 20", 'g', 1, NULL, NULL, NULL, 0, 20, "" },
	{ "reload limit 30: both older ones held", 'r', 0, "30", compat_store, prepare_ok, 0, 30, "" },
	{ "still 10 in the first", 'h', 0, NULL, NULL, NULL, 0, 10, "" },
	{ "still 20 in the second", 'h', 1, NULL, NULL, NULL, 0, 20, "" },
	{ "the last put of limit 10 frees it", 'p', 0, NULL, NULL, NULL, 0, 0, "10" },
	{ "the last put of limit 20 frees it", 'p', 1, NULL, NULL, NULL, 0, 0, "10 20" },
	{ "a config that does not load is not installed", 'r', 0, BAD, compat_store, prepare_ok,
	    -1, 30, "10 20" },
	{ "a config compat() refuses is not installed", 'r', 0, "40-store", compat_store,
	    prepare_ok, -1, 30, "10 20" },
	{ "a config whose prepare() fails is freed, attachment and all", 'r', 0, "50",
	    compat_store, prepare_fail, -1, 30, "10 20 50" },
	{ "the running config is untouched", 'g', 2, NULL, NULL, NULL, 0, 30, "10 20 50" },
	{ "a reload without prepare()", 'r', 0, "60", NULL, NULL, 0, 60, "10 20 50" },
	{ "  frees nothing while limit 30 is held", 'h', 2, NULL, NULL, NULL, 0, 30, "10 20 50" },
	{ "install limit 70 over it", 's', 0, "70", NULL, NULL, 0, 70, "10 20 50" },
	{ "take a reference to limit 70", 'g', 3, NULL, NULL, NULL, 0, 70, "10 20 50" },
	{ "clear", 'c', 0, NULL, NULL, NULL, 0, 0, "10 20 50" },
	{ "after clear: no reference", 'g', 4, NULL, NULL, NULL, 0, 0, "10 20 50" },
	{ "  the held limit 70 is still whole", 'h', 3, NULL, NULL, NULL, 0, 70, "10 20 50" },
	{ "its last put frees it", 'p', 3, NULL, NULL, NULL, 0, 0, "10 20 50 70" },
	{ "putting no reference is a no-op", 'p', 4, NULL, NULL, NULL, 0, 0, "10 20 50 70" },
	{ "the last put of limit 30 frees it", 'p', 2, NULL, NULL, NULL, 0, 0, "10 20 50 70 30" },
};

static unsigned
current_limit(void)
{
	struct ipp_confref *r = ipp_confref_get();
	unsigned v = r ? ipp_confref_cfg(r)->hourly_limit : 0;

	ipp_confref_put(r);
	return (v);
}

static void
run_steps(void)
{
	struct ipp_confref *slot[8] = { NULL };
	struct ipp_config *cfg;
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];

		switch (s->op) {
		case 'g':
			slot[s->slot] = ipp_confref_get();
			is_int(slot[s->slot] ? ipp_confref_cfg(slot[s->slot])->hourly_limit : 0,
			    s->want, "%s", s->name);
			break;
		case 'h':
			ok(slot[s->slot] != NULL
			    && ipp_confref_cfg(slot[s->slot])->hourly_limit == s->want
			    && ipp_confref_cfg(slot[s->slot])->attach != NULL
			    && *(unsigned *) ipp_confref_cfg(slot[s->slot])->attach == s->want,
			    "%s", s->name);
			break;
		case 'p':
			ipp_confref_put(slot[s->slot]);
			slot[s->slot] = NULL;
			ok(1, "%s: put", s->name);
			break;
		case 's':
			cfg = ipp_config_load(conf_file(s->file), stderr);
			ok(cfg != NULL && attach_limit(cfg) == 0 && ipp_confref_set(cfg) == 0
			    && current_limit() == s->want, "%s", s->name);
			break;
		case 'r':
			prepared_old = 0;
			rc = ipp_confref_reload_with(conf_file(s->file), s->compat, s->prepare);
			is_int(rc, s->rc, "%s: %s", s->name, rc == 0 ? "installed" : "refused");
			is_int(current_limit(), s->want, "%s: limit %u current", s->name, s->want);
			if (rc == 0 && s->prepare == prepare_ok)
				ok(prepared_old != 0, "%s: prepare() saw the running config", s->name);
			break;
		case 'c':
			ipp_confref_clear();
			is_int(current_limit(), 0, "%s", s->name);
			break;
		}
		is_str(freed, s->freed, "%s: freed so far: %s", s->name,
		    s->freed[0] ? s->freed : "none");
	}
}

/* --- references from threads through reloads ------------------------------------- */

#define THREADS	4
#define ROUNDS	3000
#define RELOADS	20

static int
round_ok(void)
{
	struct ipp_confref *r = ipp_confref_get();
	const struct ipp_config *c;
	int	good;

	if (r == NULL)
		return (0);
	c = ipp_confref_cfg(r);
	/* a config and its attachment always agree while held */
	good = c->attach != NULL && *(unsigned *) c->attach == c->hourly_limit;
	ipp_confref_put(r);
	return (good);
}

static void *
worker(void *arg)
{
	int    *bad = arg, i;

	for (i = 0; i < ROUNDS; i++)
		if (!round_ok())
			(*bad)++;
	return (NULL);
}

static void
run_threads(void)
{
	pthread_t th[THREADS];
	int	bad[THREADS] = { 0 }, i, nbad = 0, reloads = 0;
	unsigned long before;
	char	name[16];

	freed[0] = '\0';
	before = nfreed;
	ok(ipp_confref_reload_with(conf_file("100"), NULL, prepare_ok) == 0, "install limit 100");
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, worker, &bad[i]) != 0)
			bad[i] = -1000000;
	for (i = 1; i <= RELOADS; i++) {
		(void) snprintf(name, sizeof(name), "%d", 100 + i);
		reloads += ipp_confref_reload_with(conf_file(name), NULL, prepare_ok) == 0;
	}
	for (i = 0; i < THREADS; i++) {
		(void) pthread_join(th[i], NULL);
		nbad += bad[i];
	}
	is_int(reloads, RELOADS, "%d reloads while %d threads take references", RELOADS, THREADS);
	is_int(nbad, 0, "  every reference held a whole config");
	is_int(nfreed - before, RELOADS, "  every replaced config was freed once");
	ipp_confref_clear();
	is_int(nfreed - before, RELOADS + 1, "  and the last at clear");
}

int
main(void)
{
	run_steps();
	run_threads();
	return (done_testing());
}
