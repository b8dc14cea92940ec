/* daemon.h - leaving the terminal: fork, new session, stdio to /dev/null. */
#ifndef IPP_DAEMON_H
#define IPP_DAEMON_H

/* Returns 0 in the daemon, -1 on failure (parent exits 0 on success). */
int	ipp_daemonize(void);

#endif
