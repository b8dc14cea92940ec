/* test_store.c - the Berkeley DB store: create on first use, put/get/del,
 * prefix scans, exact read-modify-write under thread concurrency, and no
 * committed write lost when a writer is killed with SIGKILL. */
#include "autoconfig.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "store.h"
#include "tap.h"

struct kv {
	const char *k;
	const char *v;
	struct ipp_buf out;
};

static int
put_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_put(t, IPP_T_SUPPRESS, kv->k, strlen(kv->k), kv->v, strlen(kv->v)));
}

static int
get_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_get(t, IPP_T_SUPPRESS, kv->k, strlen(kv->k), &kv->out, 0));
}

static int
del_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_del(t, IPP_T_SUPPRESS, kv->k, strlen(kv->k)));
}

static int
put(struct ipp_store *s, const char *k, const char *v)
{
	struct kv kv = { k, v, { NULL, 0 } };

	return (ipp_store_run(s, put_body, &kv));
}

/* Returns the value as a string (static), or NULL when absent. */
static const char *
get(struct ipp_store *s, const char *k)
{
	static char val[256];
	struct kv kv = { k, NULL, { NULL, 0 } };
	int	rc = ipp_store_run(s, get_body, &kv);

	if (rc != IPP_OK) {
		free(kv.out.data);
		return (NULL);
	}
	(void) snprintf(val, sizeof(val), "%.*s", (int) kv.out.len, (char *) kv.out.data);
	free(kv.out.data);
	return (val);
}

struct scan_acc {
	char	keys[1024];
	int	n;
	const char *delete_prefix;
};

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_acc *a = arg;
	size_t	off = strlen(a->keys);

	(void) v;
	(void) vl;
	(void) snprintf(a->keys + off, sizeof(a->keys) - off, "%s%.*s", a->n ? "," : "",
	    (int) kl, (const char *) k);
	a->n++;
	if (a->delete_prefix && kl >= strlen(a->delete_prefix)
	    && memcmp(k, a->delete_prefix, strlen(a->delete_prefix)) == 0)
		return (IPP_SCAN_DELETE);
	return (IPP_SCAN_NEXT);
}

/* --- concurrency: read-modify-write of one counter from many threads --- */

#define THREADS 8
#define INCREMENTS 150

static struct ipp_store *shared_store;

static int
incr_body(struct ipp_txn *t, void *arg)
{
	struct ipp_buf v = { NULL, 0 };
	char	num[32];
	long	n = 0;
	int	rc;

	(void) arg;
	rc = ipp_txn_get(t, IPP_T_WINDOW, "counter", 7, &v, IPP_GET_RMW);
	if (rc == IPP_OK && v.len < sizeof(num)) {
		(void) memcpy(num, v.data, v.len);
		num[v.len] = '\0';
		n = strtol(num, NULL, 10);
	}
	free(v.data);
	if (rc < 0)
		return (rc);
	(void) snprintf(num, sizeof(num), "%ld", n + 1);
	return (ipp_txn_put(t, IPP_T_WINDOW, "counter", 7, num, strlen(num)));
}

static void *
incr_thread(void *arg)
{
	int	i, *fails = arg;

	for (i = 0; i < INCREMENTS; i++)
		if (ipp_store_run(shared_store, incr_body, NULL) != IPP_OK)
			(*fails)++;
	return (NULL);
}

static int
counter_body(struct ipp_txn *t, void *arg)
{
	struct ipp_buf *v = arg;

	return (ipp_txn_get(t, IPP_T_WINDOW, "counter", 7, v, 0));
}

/* --- crash: a child commits keys and reports each; we SIGKILL it --- */

static void
writer_child(const struct ipp_config *cfg, int fd)
{
	struct ipp_store *s;
	char	err[512], key[32];
	unsigned i;

	if ((s = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		_exit(3);
	for (i = 0;; i++) {
		(void) snprintf(key, sizeof(key), "crash-%08u", i);
		if (put(s, key, "committed") != IPP_OK)
			_exit(4);
		/* reported only after the commit returned */
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

static int
crash_round(const struct ipp_config *cfg, unsigned wait_for, unsigned *reported)
{
	struct ipp_store *s;
	char	err[512], key[32];
	unsigned i, last = 0, got = 0, missing = 0;
	int	fds[2], status;
	pid_t	pid;

	if (pipe(fds) != 0)
		return (-1);
	if ((pid = fork()) == 0) {
		(void) close(fds[0]);
		writer_child(cfg, fds[1]);
	}
	(void) close(fds[1]);
	while (got < wait_for && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
		last = i;
		got++;
	}
	(void) kill(pid, SIGKILL);
	while (read(fds[0], &i, sizeof(i)) == sizeof(i)) {
		last = i;
		got++;
	}
	(void) close(fds[0]);
	(void) waitpid(pid, &status, 0);
	*reported = got;
	if (got == 0)
		return (-1);
	/* reopen: DB_REGISTER sees the dead writer and runs recovery */
	if ((s = ipp_store_open(cfg, err, sizeof(err))) == NULL) {
		(void) printf("# reopen: %s\n", err);
		return (-1);
	}
	for (i = 0; i <= last; i++) {
		(void) snprintf(key, sizeof(key), "crash-%08u", i);
		if (get(s, key) == NULL)
			missing++;
	}
	ipp_store_close(s);
	return ((int) missing);
}

int
main(void)
{
	struct ipp_config *cfg;
	struct ipp_store *s;
	struct scan_acc acc;
	struct ipp_buf v = { NULL, 0 };
	pthread_t th[THREADS];
	int	fails[THREADS], i, total_fails = 0, round;
	char	err[512], conf[1024], report[1024], path[600];
	struct stat st;
	unsigned reported = 0;

	(void) snprintf(path, sizeof(path), "%s/store", tap_tmpdir());
	(void) snprintf(conf, sizeof(conf),
	    "[store]\npath = %s\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n", path);
	cfg = ipp_config_load(tap_write("store.conf", conf), stderr);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL)
		return (done_testing());

	s = ipp_store_open(cfg, err, sizeof(err));
	ok(s != NULL, "store created on first use");
	if (s == NULL) {
		(void) printf("# %s\n", err);
		return (done_testing());
	}
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "environment directory exists");
	is_int(put(s, "a@example.com", "bounce"), IPP_OK, "put");
	is_str(get(s, "a@example.com"), "bounce", "get what was put");
	ok(get(s, "b@example.com") == NULL, "get of an absent key: not found");
	is_int(put(s, "a@example.com", "manual"), IPP_OK, "overwrite");
	is_str(get(s, "a@example.com"), "manual", "get the new value");
	{
		struct kv kv = { "a@example.com", NULL, { NULL, 0 } };

		is_int(ipp_store_run(s, del_body, &kv), IPP_OK, "del");
		is_int(ipp_store_run(s, del_body, &kv), IPP_NOTFOUND, "del again: not found");
	}
	ok(get(s, "a@example.com") == NULL, "deleted key is gone");

	(void) put(s, "p:1", "x");
	(void) put(s, "p:2", "x");
	(void) put(s, "q:1", "x");
	(void) put(s, "p:3", "x");
	memset(&acc, 0, sizeof(acc));
	is_int(ipp_store_scan(s, IPP_T_SUPPRESS, "p:", 2, scan_cb, &acc), IPP_OK, "prefix scan");
	is_str(acc.keys, "p:1,p:2,p:3", "prefix scan visits p:* in key order");
	memset(&acc, 0, sizeof(acc));
	acc.delete_prefix = "p:";
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "", 0, scan_cb, &acc);
	is_str(acc.keys, "p:1,p:2,p:3,q:1", "full scan");
	memset(&acc, 0, sizeof(acc));
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "", 0, scan_cb, &acc);
	is_str(acc.keys, "q:1", "scan deleted what the callback asked for");

	/* more than one scan batch (256) */
	for (i = 0; i < 600; i++) {
		char	k[32];

		(void) snprintf(k, sizeof(k), "r:%04d", i);
		(void) put(s, k, "x");
	}
	memset(&acc, 0, sizeof(acc));
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "r:", 2, scan_cb, &acc);
	is_int(acc.n, 600, "a scan over several batches sees every record once");

	ok(ipp_store_check(s, report, sizeof(report)) == IPP_OK
	    && strstr(report, "suppress=601") != NULL, "check counts the records");
	(void) printf("# %s\n", report);

	shared_store = s;
	for (i = 0; i < THREADS; i++) {
		fails[i] = 0;
		(void) pthread_create(&th[i], NULL, incr_thread, &fails[i]);
	}
	for (i = 0; i < THREADS; i++) {
		(void) pthread_join(th[i], NULL);
		total_fails += fails[i];
	}
	is_int(total_fails, 0, "no increment failed under contention");
	(void) ipp_store_run(s, counter_body, &v);
	{
		char	num[32] = "";

		if (v.data && v.len < sizeof(num))
			(void) memcpy(num, v.data, v.len);
		is_str(num, "1200", "8 threads x 150 read-modify-write increments = 1200 exactly");
	}
	ipp_store_close(s);

	s = ipp_store_open(cfg, err, sizeof(err));
	ok(s != NULL, "reopen");
	if (s != NULL) {
		is_str(get(s, "q:1"), "x", "data survives close and reopen");
		ipp_store_close(s);
	}

	for (round = 1; round <= 3; round++) {
		int	missing = crash_round(cfg, 200u * (unsigned) round, &reported);

		ok(missing == 0, "SIGKILL round %d: %u committed writes reported, none lost",
		    round, reported);
		if (missing != 0)
			(void) printf("# missing: %d\n", missing);
	}

	/* a store path that cannot be created names the path and the fix */
	{
		struct ipp_config *bad;

		(void) snprintf(conf, sizeof(conf),
		    "[store]\npath = /nonexistent/dir/store\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n");
		bad = ipp_config_load(tap_write("bad.conf", conf), stderr);
		ok(bad != NULL && ipp_store_open(bad, err, sizeof(err)) == NULL
		    && strstr(err, "/nonexistent/dir/store") != NULL,
		    "unopenable store: message names the path");
		(void) printf("# %s\n", err);
		ipp_config_free(bad);
	}
	free(v.data);
	ipp_config_free(cfg);
	return (done_testing());
}
