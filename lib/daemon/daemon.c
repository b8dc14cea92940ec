/* daemon.c - what both daemons do alike before their own work: the
 * command line, the start-up order, leaving the terminal when run
 * without -f, and becoming the run user. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "confref.h"
#include "daemon.h"
#include "log.h"
#include "privs.h"
#include "store.h"

int
ipp_daemonize(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return (-1);
	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return (-1);
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		return (-1);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return (-1);
	if (fd > 2)
		(void) close(fd);
	return (0);
}

void
ipp_daemon_getopt(int argc, char **argv, const char *name, void (*usage)(void),
    struct ipp_daemon_opts *o)
{
	int	ch;

	o->conf_file = ipp_config_default_path();
	o->foreground = o->check = o->verbose = 0;
	while ((ch = getopt(argc, argv, "c:fnvV")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_file = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			(void) printf("%s %s\n", name, PACKAGE_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

struct reload_check {
	const char *file;
	struct ipp_config *cfg;
	ipp_confref_prepare_fn prepare;
};

static int
reload_as_user(void *arg)
{
	struct reload_check *rc = arg;

	if (ipp_confref_set(rc->cfg) != 0)
		return (EX_SOFTWARE);
	return (ipp_confref_reload_test(rc->file, ipp_config_reload_compat,
	    rc->prepare) == 0 ? 0 : IPP_EX_CONFIG);
}

int
ipp_daemon_reload_check(const char *file, struct ipp_config *cfg,
    const char *user, ipp_confref_prepare_fn prepare)
{
	struct reload_check rc = { file, cfg, prepare };
	char	err[512];
	int	status, ran;

	if ((ran = ipp_privs_run_as(user, reload_as_user, &rc, &status, err,
	    sizeof(err))) < 0) {
		msg_warn("%s", err);
		return (-1);
	}
	if (ran == 0 || status == 0)
		return (0);
	msg_warn("as user %s, a reload (SIGHUP) would fail: %s, the keytable and the keys must be readable by %s (keys root:GROUP 0640 in a directory root:GROUP 0750, GROUP being %s's group)",
	    user, file, user, user);
	return (-1);
}

int
ipp_daemon_main(int argc, char **argv, const struct ipp_daemon *d)
{
	struct ipp_daemon_opts opts;
	struct ipp_config *cfg;
	struct ipp_store *store;
	const char *user;
	char	err[512];
	uid_t	uid = (uid_t) -1;
	gid_t	gid = (gid_t) -1;
	int	rc;

	ipp_daemon_getopt(argc, argv, d->name, d->usage, &opts);
	ipp_log_init(argv[0], IPP_LOG_STDERR);
	/* before any thread may read it */
	if (ipp_clock_init(err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	if ((cfg = ipp_config_load(opts.conf_file, stderr)) == NULL)
		return (IPP_EX_CONFIG);
	/* -n checks all the start checks, and that a reload would work */
	if (!opts.check)
		ipp_log_init(argv[0], IPP_LOG_SYSLOG | (opts.foreground ? IPP_LOG_STDERR : 0));
	ipp_log_verbose(opts.verbose);
	(void) signal(SIGPIPE, SIG_IGN);
	if (d->prepare != NULL && d->prepare(cfg) != 0) {
		ipp_config_free(cfg);
		return (IPP_EX_CONFIG);
	}

	/* bind first, as root, while a failure can still be told to the terminal */
	user = d->user(cfg);
	if (user != NULL && *user != '\0' && geteuid() == 0
	    && ipp_privs_lookup(user, &uid, &gid, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	rc = ipp_daemon_reload_check(opts.conf_file, cfg, user, d->reload_prepare);
	if (opts.check) {
		ipp_config_free(cfg);
		return (rc == 0 ? 0 : IPP_EX_CONFIG);
	}
	d->listen(cfg, uid, gid);
	if (!opts.foreground && ipp_daemonize() != 0)
		msg_fatal("cannot detach from the terminal: %s", strerror(errno));
	if (ipp_store_prepare(cfg, user, err, sizeof(err)) != 0
	    || ipp_privs_drop(user, err, sizeof(err)) != 0)
		msg_fatal_status(IPP_EX_CONFIG, "%s", err);
	if ((store = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		msg_fatal_status(EX_TEMPFAIL, "%s", err);
	if (ipp_confref_set(cfg) != 0)
		msg_fatal("out of memory");

	rc = d->run(store, opts.conf_file);
	ipp_confref_clear();
	msg_info("stopped");
	return (rc);
}
