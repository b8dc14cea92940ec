/* readall.c - read until LEN bytes or end of file. */
#include "autoconfig.h"

#include <errno.h>
#include <unistd.h>

#include "readall.h"

int
ipp_read_all(int fd, void *buf, size_t len, size_t *got)
{
	char   *p = buf;
	ssize_t	n;

	*got = 0;
	while (*got < len) {
		n = read(fd, p + *got, len - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0)
			break;
		*got += (size_t) n;
	}
	return (0);
}
