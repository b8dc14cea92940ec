/* daemon.h - leaving the terminal: fork, new session, stdio to /dev/null. */
#ifndef IPP_DAEMON_H
#define IPP_DAEMON_H

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

#endif
