/* daemon.h - the top layer of lib/ (may use lib/store, lib/conf and
 * lib/util): the start-up both daemons share: the command line, the
 * order of what is done as root, leaving the terminal, dropping
 * privileges; each daemon's own steps are hooks. */
#ifndef IPP_DAEMON_H
#define IPP_DAEMON_H

#include <sys/types.h>

#include "config.h"
#include "confref.h"
struct ipp_store;

/* Returns 0 in the daemon, -1 on failure (parent exits 0 on success). */
int	ipp_daemonize(void);

/* The options both daemons take: -c FILE -f -n -v, and -V. */
struct ipp_daemon_opts {
	const char *conf_file;
	int	foreground;		/* -f: stay attached, log to stderr too */
	int	check;			/* -n: check the configuration and exit */
	int	verbose;		/* -v, repeatable */
};

/*
 * Parse them; -V prints "NAME VERSION" and exits 0, anything else calls
 * usage() (which does not return).
 */
void	ipp_daemon_getopt(int argc, char **argv, const char *name,
	    void (*usage)(void), struct ipp_daemon_opts *);

/* A daemon: its name, and what it does at each step of ipp_daemon_main(). */
struct ipp_daemon {
	const char *name;		/* "ippool-milter": -V */
	void	(*usage)(void);		/* does not return */
	/* the user to run as (NULL or "": stay as started) */
	const char *(*user)(const struct ipp_config *);
	/* as root, before the listeners: load what the user to become may
	 * not read (DKIM keys); non-zero (after saying why on stderr) exits
	 * 78.  May be NULL. */
	int	(*prepare)(struct ipp_config *);
	/* what a SIGHUP reload does between loading the new configuration
	 * and installing it, as the run user (ipp_confref_reload_with's
	 * prepare); the start and -n check that it would succeed.  May be
	 * NULL. */
	ipp_confref_prepare_fn reload_prepare;
	/* as root: open the listening sockets (ipp_listen_*), handing unix
	 * sockets to uid:gid ((uid_t) -1: not root or no user); exits on
	 * failure */
	void	(*listen)(const struct ipp_config *, uid_t, gid_t);
	/* detached, unprivileged, the store open and cfg the current config
	 * (confref): install the signals and serve until told to stop;
	 * returns the exit status */
	int	(*run)(struct ipp_store *, const char *conf_file);
};

/*
 * Start a daemon, in this order: options; the clock (a bad IPPOOL_NOW
 * exits 78); the configuration (78); the log; the daemon's prepare (78);
 * the run user looked up (78); a reload tried as the run user, in a
 * child (ipp_daemon_reload_check: a failure is a warning; -n stops here,
 * 0, or 78 when any of these failed); its listeners;
 * leaving the terminal (unless -f); the store directory created for the
 * run user and privileges dropped (78); the store opened (75); the
 * configuration installed; then run.  Returns run's status, after
 * dropping the configuration and logging "stopped".
 */
int	ipp_daemon_main(int argc, char **argv, const struct ipp_daemon *);

/*
 * Would a SIGHUP reload of FILE succeed once privileges are dropped to
 * USER?  In a child that becomes USER, CFG (loaded and prepared as
 * started) is installed as the running configuration and FILE reloaded
 * with ipp_config_reload_compat and prepare, as the daemon would.
 * Returns 0 if it would (or no switch of user is made), -1 after the
 * reload's own warnings.
 */
int	ipp_daemon_reload_check(const char *file, struct ipp_config *cfg,
	    const char *user, ipp_confref_prepare_fn prepare);

#endif
