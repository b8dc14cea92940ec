/* hmackey.c - reading an HMAC key file, refusing one others could read or
 * replace. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readall.h"
#include "hmackey.h"

int
ipp_hmac_key_read(const char *file, struct ipp_hmac_key *key, char *err, size_t errlen)
{
	struct stat st;
	size_t	got = 0;
	int	fd, rc = -1;

	key->len = 0;
	if ((fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
		(void) snprintf(err, errlen, "%s: cannot open key file: %s", file, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0) {
		(void) snprintf(err, errlen, "%s: cannot stat: %s", file, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		(void) snprintf(err, errlen, "%s: not a regular file", file);
		goto out;
	}
	/* at most 0640: the group (ippool) may read, nobody else anything */
	if (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO | S_IXUSR)) {
		(void) snprintf(err, errlen,
		    "%s: key file mode %04o gives too much away: chmod 640 %s",
		    file, (unsigned) (st.st_mode & 07777), file);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void) snprintf(err, errlen, "%s: key file owned by uid %u, not root: chown root %s",
		    file, (unsigned) st.st_uid, file);
		goto out;
	}
	if (st.st_size < IPP_HMAC_KEY_MIN || st.st_size > IPP_HMAC_KEY_MAX) {
		(void) snprintf(err, errlen,
		    "%s: a key file holds %d to %d bytes, this one %lld (head -c 32 /dev/urandom > %s)",
		    file, IPP_HMAC_KEY_MIN, IPP_HMAC_KEY_MAX, (long long) st.st_size, file);
		goto out;
	}
	if (ipp_read_all(fd, key->data, (size_t) st.st_size, &got) != 0) {
		(void) snprintf(err, errlen, "%s: read error: %s", file, strerror(errno));
		goto out;
	}
	if (got < IPP_HMAC_KEY_MIN) {
		(void) snprintf(err, errlen, "%s: shorter than %d bytes", file, IPP_HMAC_KEY_MIN);
		goto out;
	}
	key->len = got;
	rc = 0;
out:
	(void) close(fd);
	if (rc != 0)
		(void) memset(key, 0, sizeof(*key));
	return (rc);
}

int
ipp_hmac_keys_read(const char *keyfile, const char *oldfile, struct ipp_hmac_keys *keys,
    char *err, size_t errlen)
{
	(void) memset(keys, 0, sizeof(*keys));
	if (ipp_hmac_key_read(keyfile, &keys->k[0], err, errlen) != 0)
		return (-1);
	keys->n = 1;
	if (oldfile != NULL) {
		if (ipp_hmac_key_read(oldfile, &keys->k[1], err, errlen) != 0) {
			(void) memset(keys, 0, sizeof(*keys));
			return (-1);
		}
		keys->n = 2;
	}
	return (0);
}
