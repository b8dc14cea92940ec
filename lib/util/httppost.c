/* httppost.c - a POST with libcurl's easy interface; the answer's body is
 * kept only as far as a log line can show it.  The handles of a process
 * share one connection cache (and TLS sessions and DNS answers), so the
 * posts of an events run to one receiver go over one kept-alive
 * connection instead of a TCP and TLS handshake each. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "httppost.h"

struct sink {
	char   *buf;
	size_t	len, cap;
};

static size_t
keep_start(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t	i, total = size * n;

	for (i = 0; i < total && s->cap > 0 && s->len + 1 < s->cap; i++)
		s->buf[s->len++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : ' ';
	if (s->cap > 0)
		s->buf[s->len] = '\0';
	return (total);
}

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

static void
share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *arg)
{
	(void) c;
	(void) access;
	(void) arg;
	if ((unsigned) data < CURL_LOCK_DATA_LAST)
		(void) pthread_mutex_lock(&share_locks[data]);
}

static void
share_unlock(CURL *c, curl_lock_data data, void *arg)
{
	(void) c;
	(void) arg;
	if ((unsigned) data < CURL_LOCK_DATA_LAST)
		(void) pthread_mutex_unlock(&share_locks[data]);
}

/* Without a share every post still works, each on a connection of its own. */
static void
share_init(void)
{
	int	i;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		if (pthread_mutex_init(&share_locks[i], NULL) != 0)
			return;
	if ((share = curl_share_init()) == NULL)
		return;
	if (curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK
	    || curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK
	    || curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK
	    || curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK
	    || curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
		(void) curl_share_cleanup(share);
		share = NULL;
	}
}

static int
global_init(char *err, size_t errlen)
{
	static int done;
	CURLcode c;

	if (done)
		return (0);
	if ((c = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		(void) snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(c));
		return (-1);
	}
	share_init();
	done = 1;
	return (0);
}

int
ipp_http_post(const struct ipp_http_post *p, char *reply, size_t replylen,
    char *err, size_t errlen)
{
	struct curl_slist *hl = NULL, *t;
	struct sink s = { reply, 0, replylen };
	char	cerr[CURL_ERROR_SIZE];
	CURL   *c;
	CURLcode rc;
	long	status = 0;
	size_t	i;

	if (replylen > 0)
		reply[0] = '\0';
	if (global_init(err, errlen) != 0)
		return (-1);
	if ((c = curl_easy_init()) == NULL) {
		(void) snprintf(err, errlen, "libcurl: cannot make a handle");
		return (-1);
	}
	for (i = 0; p->headers && p->headers[i]; i++) {
		if ((t = curl_slist_append(hl, p->headers[i])) == NULL) {
			curl_slist_free_all(hl);
			curl_easy_cleanup(c);
			(void) snprintf(err, errlen, "out of memory");
			return (-1);
		}
		hl = t;
	}
	cerr[0] = '\0';
	if ((rc = curl_easy_setopt(c, CURLOPT_URL, p->url)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK
	    || (p->ca_file && (rc = curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file)) != CURLE_OK)
	    || (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, p->connect_timeout)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT, p->timeout)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_POST, 1L)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) p->len)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "ippool/" PACKAGE_VERSION)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_start)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, &s)) != CURLE_OK
	    || (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr)) != CURLE_OK
	    || (share && (rc = curl_easy_setopt(c, CURLOPT_SHARE, share)) != CURLE_OK)
	    || (rc = curl_easy_perform(c)) != CURLE_OK
	    || (rc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status)) != CURLE_OK) {
		(void) snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		status = -1;
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	while (s.len > 0 && reply[s.len - 1] == ' ')
		reply[--s.len] = '\0';
	if (status != -1 && (status < 100 || status > 599)) {
		(void) snprintf(err, errlen, "no HTTP status in the answer");
		status = -1;
	}
	return ((int) status);
}
