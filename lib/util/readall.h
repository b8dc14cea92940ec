/* readall.h - read a file descriptor until LEN bytes or end of file,
 * through EINTR: the one loop the key readers (DKIM keys, HMAC keys)
 * share. */
#ifndef IPP_READALL_H
#define IPP_READALL_H

#include <stddef.h>

/* Returns 0 with *got bytes read (fewer than len at end of file), or -1
 * with errno set and *got what was read before the error. */
int	ipp_read_all(int fd, void *buf, size_t len, size_t *got);

#endif
