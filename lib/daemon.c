/* daemon.c - detach from the terminal, for programs run without -f. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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
