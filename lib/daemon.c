/* daemon.c - what both daemons do alike before their own work: the
 * command line, and leaving the terminal when run without -f. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"

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
