/* confref.h - the running daemon's current configuration, replaced as a
 * whole on SIGHUP.  Each unit of work (a message, a request) holds a
 * reference, so a reload never changes a config under its feet. */
#ifndef IPP_CONFREF_H
#define IPP_CONFREF_H

#include "config.h"

struct ipp_confref;

/* Take a reference to the current config; release with ipp_confref_put. */
struct ipp_confref *ipp_confref_get(void);
const struct ipp_config *ipp_confref_cfg(const struct ipp_confref *);
void	ipp_confref_put(struct ipp_confref *);

/* Install cfg as the current config (the holder owns it from now on). */
int	ipp_confref_set(struct ipp_config *cfg);

/* Drop the current config at shutdown. */
void	ipp_confref_clear(void);



/*
 * Load FILE as the new current config.  A config that does not load, or
 * that compat() refuses (settings only a restart can change), is logged
 * line by line and the running one is kept.  Returns 0 if installed.
 */
typedef int (*ipp_confref_compat_fn)(const struct ipp_config *old,
	    const struct ipp_config *new);
int	ipp_confref_reload(const char *file, ipp_confref_compat_fn compat);

/*
 * The same, with a step between loading and installing: prepare() loads
 * what the new config points to (e.g. DKIM keys) into new->attach, with
 * the running config as old (or NULL), writing its problems as lines to
 * errs.  Non-zero refuses the new config: the running one, with what is
 * attached to it, stays.
 */
typedef int (*ipp_confref_prepare_fn)(struct ipp_config *new,
	    const struct ipp_config *old, FILE *errs);
int	ipp_confref_reload_with(const char *file, ipp_confref_compat_fn compat,
	    ipp_confref_prepare_fn prepare);

/* Every step of ipp_confref_reload_with() but installing the result:
 * would a reload succeed now?  0 if so, else -1 after its warnings. */
int	ipp_confref_reload_test(const char *file, ipp_confref_compat_fn compat,
	    ipp_confref_prepare_fn prepare);
#endif
