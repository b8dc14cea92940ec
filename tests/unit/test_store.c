/* test_store.c - the store conformance suite: every promise of the
 * contract in lib/store/store.h, checked against one backend.
 *
 *     test_store [BACKEND]
 *
 * BACKEND (else $IPPOOL_STORE_BACKEND, else bdb) is what [store] backend
 * names; lines in $IPPOOL_STORE_CONF are added to [store] (redis = ...)
 * and must name an empty store.  A backend this build lacks is skipped.
 * The few checks that are about Berkeley DB itself (its directory, its
 * messages) run with bdb only. */
#include "autoconfig.h"

#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "store.h"
#include "tap.h"

static const char *backend;
static int is_bdb;

/* --- one record at a time, each call its own transaction --- */

struct kv {
	enum ipp_table tab;
	const void *k;
	size_t	kl;
	const void *v;
	size_t	vl;
	struct ipp_buf out;
};

static int
put_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_put(t, kv->tab, kv->k, kv->kl, kv->v, kv->vl));
}

static int
get_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_get(t, kv->tab, kv->k, kv->kl, &kv->out, 0));
}

static int
del_body(struct ipp_txn *t, void *arg)
{
	struct kv *kv = arg;

	return (ipp_txn_del(t, kv->tab, kv->k, kv->kl));
}

static int
tput(struct ipp_store *s, enum ipp_table tab, const char *k, const char *v)
{
	struct kv kv = { tab, k, strlen(k), v, strlen(v), { NULL, 0 } };

	return (ipp_store_run(s, put_body, &kv));
}

/* The value as a string (static), or NULL when absent. */
static const char *
tget(struct ipp_store *s, enum ipp_table tab, const char *k)
{
	static char val[256];
	struct kv kv = { tab, k, strlen(k), NULL, 0, { NULL, 0 } };
	int	rc = ipp_store_run(s, get_body, &kv);

	if (rc != IPP_OK) {
		free(kv.out.data);
		return (NULL);
	}
	(void) snprintf(val, sizeof(val), "%.*s", (int) kv.out.len, (char *) kv.out.data);
	free(kv.out.data);
	return (val);
}

static int
put(struct ipp_store *s, const char *k, const char *v)
{
	return (tput(s, IPP_T_SUPPRESS, k, v));
}

static const char *
get(struct ipp_store *s, const char *k)
{
	return (tget(s, IPP_T_SUPPRESS, k));
}

/* --- scans: keys visited, as text with odd bytes in hex --- */

struct scan_acc {
	char	keys[4096];
	int	n;
	const char *delete_prefix;
	int	stop_at;		/* return IPP_SCAN_STOP at this visit (1-based) */
	int	fail_with;		/* return this at the first visit */
	unsigned char prev[2100];	/* the key before, for the order check */
	size_t	prevlen;
	int	disorder;		/* a key not above the one before */
	void	(*at_visit)(const void *k, size_t kl, int n);
	void   *at_visit_arg;
};

static int
key_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	int	c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return (c);
	return (al < bl ? -1 : al > bl);
}

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_acc *a = arg;
	const unsigned char *p = k;
	size_t	off = strlen(a->keys), i;

	(void) v;
	(void) vl;
	if (a->n && key_cmp(a->prev, a->prevlen, k, kl) >= 0)
		a->disorder++;
	if (kl <= sizeof(a->prev)) {
		(void) memcpy(a->prev, k, kl);
		a->prevlen = kl;
	}
	if (off < sizeof(a->keys) - 1 && a->n)
		a->keys[off++] = ',';
	for (i = 0; i < kl && off < sizeof(a->keys) - 4; i++) {
		if (p[i] > ' ' && p[i] < 0x7f)
			a->keys[off++] = (char) p[i];
		else
			off += (size_t) snprintf(a->keys + off, sizeof(a->keys) - off,
			    "\\x%02x", p[i]);
	}
	a->keys[off] = '\0';
	a->n++;
	if (a->at_visit)
		a->at_visit(k, kl, a->n);
	if (a->fail_with)
		return (a->fail_with);
	if (a->stop_at && a->n == a->stop_at)
		return (IPP_SCAN_STOP);
	if (a->delete_prefix && kl >= strlen(a->delete_prefix)
	    && memcmp(k, a->delete_prefix, strlen(a->delete_prefix)) == 0)
		return (IPP_SCAN_DELETE);
	return (IPP_SCAN_NEXT);
}

/* --- read-modify-write of one counter, from threads and processes --- */

#define THREADS 8
#define INCREMENTS 150
#define PROCS 4
#define PROC_INCREMENTS 100
#define ONCE_KEYS 20

static struct ipp_store *shared_store;

static int
incr_body(struct ipp_txn *t, void *arg)
{
	const char *key = arg ? arg : "counter";
	struct ipp_buf v = { NULL, 0 };
	char	num[32];
	long	n = 0;
	int	rc;

	rc = ipp_txn_get(t, IPP_T_WINDOW, key, strlen(key), &v, IPP_GET_RMW);
	if (rc == IPP_OK && v.len < sizeof(num)) {
		(void) memcpy(num, v.data, v.len);
		num[v.len] = '\0';
		n = strtol(num, NULL, 10);
	}
	free(v.data);
	if (rc < 0)
		return (rc);
	(void) snprintf(num, sizeof(num), "%ld", n + 1);
	return (ipp_txn_put(t, IPP_T_WINDOW, key, strlen(key), num, strlen(num)));
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

#define WON 5

/* Insert KEY if absent, read for update: WON when this body inserted it. */
static int
once_body(struct ipp_txn *t, void *arg)
{
	const char *key = arg;
	struct ipp_buf v = { NULL, 0 };
	char	me[32];
	int	rc;

	rc = ipp_txn_get(t, IPP_T_WINDOW, key, strlen(key), &v, IPP_GET_RMW);
	free(v.data);
	if (rc != IPP_NOTFOUND)
		return (rc);
	(void) snprintf(me, sizeof(me), "%ld", (long) getpid());
	if ((rc = ipp_txn_put(t, IPP_T_WINDOW, key, strlen(key), me, strlen(me))) < 0)
		return (rc);
	return (WON);
}

/*
 * Fork PROCS children that wait on a pipe, then each run WHAT; the sum of
 * their exit codes is returned (-1 when a child died otherwise).
 */
static int
race(const struct ipp_config *cfg, int (*what)(struct ipp_store *))
{
	struct ipp_store *s;
	char	err[512], c;
	pid_t	pids[PROCS];
	int	go[2], i, status, sum = 0;

	if (pipe(go) != 0)
		return (-1);
	for (i = 0; i < PROCS; i++) {
		if ((pids[i] = fork()) == 0) {
			(void) close(go[1]);
			if ((s = ipp_store_open(cfg, err, sizeof(err))) == NULL)
				_exit(200);
			if (read(go[0], &c, 1) != 0)
				_exit(201);
			status = what(s);
			ipp_store_close(s);
			_exit(status);
		}
	}
	(void) close(go[0]);
	(void) close(go[1]);		/* EOF: every child starts */
	for (i = 0; i < PROCS; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i]
		    || !WIFEXITED(status) || WEXITSTATUS(status) >= 200)
			sum = -1;
		else if (sum >= 0)
			sum += WEXITSTATUS(status);
	}
	return (sum);
}

/* A child: PROC_INCREMENTS increments of "pcounter"; exits with the failures. */
static int
incr_child(struct ipp_store *s)
{
	int	i, fails = 0;

	for (i = 0; i < PROC_INCREMENTS; i++)
		if (ipp_store_run(s, incr_body, "pcounter") != IPP_OK)
			fails++;
	return (fails);
}

/* A child: try to be the one that inserts each of the ONCE_KEYS; exits with its wins. */
static int
once_child(struct ipp_store *s)
{
	char	key[32];
	int	i, rc, wins = 0;

	for (i = 0; i < ONCE_KEYS; i++) {
		(void) snprintf(key, sizeof(key), "once-%02d", i);
		if ((rc = ipp_store_run(s, once_body, key)) == WON)
			wins++;
		else if (rc != IPP_OK && rc != IPP_NOTFOUND)
			return (100);
	}
	return (wins);
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

/* Fork CHILD(cfg, fd) writing to a pipe; the pid, with *rfd its read end. */
static pid_t
spawn(const struct ipp_config *cfg, void (*child)(const struct ipp_config *, int),
    int *rfd)
{
	int	fds[2];
	pid_t	pid;

	if (pipe(fds) != 0)
		return (-1);
	if ((pid = fork()) == 0) {
		(void) close(fds[0]);
		child(cfg, fds[1]);
		_exit(0);
	}
	(void) close(fds[1]);
	if (pid < 0) {
		(void) close(fds[0]);
		return (-1);
	}
	*rfd = fds[0];
	return (pid);
}

static int
crash_round(const struct ipp_config *cfg, unsigned wait_for, unsigned *reported)
{
	struct ipp_store *s;
	char	err[512], key[32];
	unsigned i, last = 0, got = 0, missing = 0;
	int	fd, status;
	pid_t	pid;

	if ((pid = spawn(cfg, writer_child, &fd)) < 0)
		return (-1);
	while (got < wait_for && read(fd, &i, sizeof(i)) == sizeof(i)) {
		last = i;
		got++;
	}
	(void) kill(pid, SIGKILL);
	while (read(fd, &i, sizeof(i)) == sizeof(i)) {
		last = i;
		got++;
	}
	(void) close(fd);
	(void) waitpid(pid, &status, 0);
	*reported = got;
	if (got == 0)
		return (-1);
	/* reopen: the backend notices the dead writer (Berkeley DB:
	 * DB_REGISTER runs recovery) */
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

/* A body that writes, says so on fd, and waits there to be killed. */
static int
hang_body(struct ipp_txn *t, void *arg)
{
	int	fd = *(int *) arg, rc;

	if ((rc = ipp_txn_put(t, IPP_T_WINDOW, "mid-new", 7, "x", 1)) < 0
	    || (rc = ipp_txn_put(t, IPP_T_WINDOW, "mid-old", 7, "changed", 7)) < 0
	    || (rc = ipp_txn_del(t, IPP_T_WINDOW, "mid-gone", 8)) < 0)
		return (rc);
	if (write(fd, "x", 1) != 1)
		_exit(6);
	for (;;)
		(void) pause();
}

static void
hang_child(const struct ipp_config *cfg, int fd)
{
	struct ipp_store *s;
	char	err[512];

	if ((s = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		_exit(3);
	(void) ipp_store_run(s, hang_body, &fd);
	_exit(4);
}

/* Kill a child inside a body; 0 when it got there and died. */
static int
kill_mid_transaction(const struct ipp_config *cfg)
{
	char	c;
	int	fd, status;
	pid_t	pid;

	if ((pid = spawn(cfg, hang_child, &fd)) < 0)
		return (-1);
	status = read(fd, &c, 1) == 1 ? 0 : -1;
	(void) kill(pid, SIGKILL);
	(void) close(fd);
	if (waitpid(pid, NULL, 0) != pid)
		return (-1);
	return (status);
}

/* --- transactions: own writes, rollback, retry, return values --- */

static int
own_writes_body(struct ipp_txn *t, void *arg)
{
	struct ipp_buf *v = arg;
	int	rc;

	if ((rc = ipp_txn_put(t, IPP_T_WINDOW, "own", 3, "1", 1)) < 0)
		return (rc);
	if ((rc = ipp_txn_get(t, IPP_T_WINDOW, "own", 3, v, 0)) != IPP_OK)
		return (rc < 0 ? rc : -10);
	if (v->len != 1 || memcmp(v->data, "1", 1) != 0)
		return (-11);
	if ((rc = ipp_txn_del(t, IPP_T_WINDOW, "own", 3)) != IPP_OK)
		return (rc < 0 ? rc : -12);
	if ((rc = ipp_txn_get(t, IPP_T_WINDOW, "own", 3, v, IPP_GET_RMW)) != IPP_NOTFOUND)
		return (rc < 0 ? rc : -13);
	if (v->len != 0)
		return (-14);
	return (ipp_txn_put(t, IPP_T_WINDOW, "own", 3, "2", 1));
}

struct rollback {
	int	ret;			/* what the body returns */
};

static int
rollback_body(struct ipp_txn *t, void *arg)
{
	struct rollback *rb = arg;
	int	rc;

	if ((rc = ipp_txn_put(t, IPP_T_WINDOW, "ab-new", 6, "x", 1)) < 0
	    || (rc = ipp_txn_put(t, IPP_T_WINDOW, "ab-old", 6, "changed", 7)) < 0
	    || (rc = ipp_txn_del(t, IPP_T_WINDOW, "ab-gone", 7)) < 0)
		return (rc);
	return (rb->ret);
}

struct retry {
	int	runs;
};

static int
retry_body(struct ipp_txn *t, void *arg)
{
	struct retry *r = arg;
	char	num[16];
	int	rc;

	r->runs++;
	(void) snprintf(num, sizeof(num), "%d", r->runs);
	if ((rc = ipp_txn_put(t, IPP_T_WINDOW, "rt-run", 6, num, strlen(num))) < 0)
		return (rc);
	if (r->runs == 1) {
		if ((rc = ipp_txn_put(t, IPP_T_WINDOW, "rt-first", 8, "x", 1)) < 0)
			return (rc);
		return (IPP_RETRY);
	}
	return (IPP_OK);
}

/* --- scans while another thread writes --- */

static struct ipp_store *writer_store;
static int writer_rc;

static void *
renew_thread(void *arg)
{
	(void) arg;
	writer_rc = tput(writer_store, IPP_T_WARMUP, "d:2", "renewed");
	return (NULL);
}

/* At d:2, renew d:2 from another thread before asking to delete it. */
static void
renew_at_visit(const void *k, size_t kl, int n)
{
	pthread_t th;

	(void) n;
	if (kl == 3 && memcmp(k, "d:2", 3) == 0
	    && (pthread_create(&th, NULL, renew_thread, NULL) != 0
	    || pthread_join(th, NULL) != 0))
		writer_rc = -1;
}

static void *
churn_thread(void *arg)
{
	struct kv kv = { IPP_T_APPLIED, "c:0400", 6, NULL, 0, { NULL, 0 } };

	(void) arg;
	if (tput(writer_store, IPP_T_APPLIED, "c:0100x", "new") != IPP_OK
	    || tput(writer_store, IPP_T_APPLIED, "c:0599x", "new") != IPP_OK
	    || tput(writer_store, IPP_T_APPLIED, "c:0500", "changed") != IPP_OK
	    || ipp_store_run(writer_store, del_body, &kv) != IPP_OK)
		writer_rc = -1;
	return (NULL);
}

/* In the second batch, write behind and ahead of the scan. */
static void
churn_at_visit(const void *k, size_t kl, int n)
{
	pthread_t th;

	(void) k;
	(void) kl;
	if (n == 300 && (pthread_create(&th, NULL, churn_thread, NULL) != 0
	    || pthread_join(th, NULL) != 0))
		writer_rc = -1;
}

struct churn_count {
	int	unchanged;		/* c:NNNN other than 0400 and 0500 */
};

static int
churn_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_acc *a = arg;
	struct churn_count *cc = (struct churn_count *) a->at_visit_arg;

	(void) v;
	(void) vl;
	if (kl == 6 && memcmp(k, "c:0400", 6) != 0 && memcmp(k, "c:0500", 6) != 0)
		cc->unchanged++;
	return (scan_cb(k, kl, v, vl, arg));
}

/* --- the suite --- */

static struct ipp_config *
load_config(const char *name, const char *path, const char *store_lines)
{
	const char *extra = getenv("IPPOOL_STORE_CONF");
	char	conf[2048];

	(void) snprintf(conf, sizeof(conf),
	    "[store]\npath = %s\nbackend = %s\n%s\n%s\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n",
	    path, backend, extra ? extra : "", store_lines ? store_lines : "");
	return (ipp_config_load(tap_write(name, conf), stderr));
}

static void
check_records(struct ipp_store *s)
{
	static const unsigned char odd_key[] = { 'o', 0, 'd', 0xff, 'k' };
	struct kv kv;
	char   *big, *longkey;
	size_t	i;
	int	rc;

	/* tables are separate key spaces */
	ok(tput(s, IPP_T_WINDOW, "same", "w") == IPP_OK
	    && tput(s, IPP_T_WARMUP, "same", "u") == IPP_OK, "one key in two tables");
	is_str(tget(s, IPP_T_WINDOW, "same"), "w", "  each table has its own value (window)");
	is_str(tget(s, IPP_T_WARMUP, "same"), "u", "  (warmup)");
	ok(tget(s, IPP_T_STATS, "same") == NULL, "  and a third table has none");
	memset(&kv, 0, sizeof(kv));
	kv.tab = IPP_T_WINDOW;
	kv.k = "same";
	kv.kl = 4;
	is_int(ipp_store_run(s, del_body, &kv), IPP_OK, "  deleting it in one table");
	is_str(tget(s, IPP_T_WARMUP, "same"), "u", "  leaves the other");

	/* a not-found get leaves len 0 */
	memset(&kv, 0, sizeof(kv));
	kv.tab = IPP_T_META;
	kv.k = "absent";
	kv.kl = 6;
	rc = ipp_store_run(s, get_body, &kv);
	ok(rc == IPP_NOTFOUND && kv.out.len == 0, "get of an absent key: IPP_NOTFOUND, len 0");
	free(kv.out.data);

	/* binary keys, an empty value, the largest key and value */
	memset(&kv, 0, sizeof(kv));
	kv.tab = IPP_T_META;
	kv.k = odd_key;
	kv.kl = sizeof(odd_key);
	kv.v = "";
	kv.vl = 0;
	rc = ipp_store_run(s, put_body, &kv);
	if (rc == IPP_OK)
		rc = ipp_store_run(s, get_body, &kv);
	ok(rc == IPP_OK && kv.out.len == 0, "a key with NUL and 0xff bytes, an empty value");
	kv.kl = 2;			/* "o\0": a different key */
	rc = ipp_store_run(s, get_body, &kv);
	is_int(rc, IPP_NOTFOUND, "  a key is all its bytes, not a C string");
	free(kv.out.data);

	big = malloc(1024 * 1024);
	longkey = malloc(2048);
	if (big == NULL || longkey == NULL)
		exit(99);
	for (i = 0; i < 1024 * 1024; i++)
		big[i] = (char) (i * 7 + i / 251);
	(void) memset(longkey, 'k', 2048);
	memset(&kv, 0, sizeof(kv));
	kv.tab = IPP_T_META;
	kv.k = longkey;
	kv.kl = 2048;
	kv.v = big;
	kv.vl = 1024 * 1024;
	rc = ipp_store_run(s, put_body, &kv);
	if (rc == IPP_OK)
		rc = ipp_store_run(s, get_body, &kv);
	ok(rc == IPP_OK && kv.out.len == 1024 * 1024 && memcmp(kv.out.data, big, kv.out.len) == 0,
	    "a 2048-byte key with a 1 MiB value");
	/* the same buffer serves the next get: a 1-byte value */
	(void) tput(s, IPP_T_META, "one", "1");
	kv.k = "one";
	kv.kl = 3;
	rc = ipp_store_run(s, get_body, &kv);
	ok(rc == IPP_OK && kv.out.len == 1 && memcmp(kv.out.data, "1", 1) == 0,
	    "  a buffer of an earlier get is reused");
	free(kv.out.data);
	free(big);
	free(longkey);
}

static void
check_transactions(struct ipp_store *s)
{
	struct ipp_buf v = { NULL, 0 };
	struct rollback rb;
	struct retry rt = { 0 };
	int	rc;

	rc = ipp_store_run(s, own_writes_body, &v);
	is_int(rc, IPP_OK, "a body sees its own put and del (own writes)");
	is_str(tget(s, IPP_T_WINDOW, "own"), "2", "  and its last write commits");
	free(v.data);

	(void) tput(s, IPP_T_WINDOW, "ab-old", "before");
	(void) tput(s, IPP_T_WINDOW, "ab-gone", "before");
	rb.ret = IPP_ABORT;
	is_int(ipp_store_run(s, rollback_body, &rb), IPP_ABORT, "IPP_ABORT is returned");
	ok(tget(s, IPP_T_WINDOW, "ab-new") == NULL, "  abort: a new key is not there");
	is_str(tget(s, IPP_T_WINDOW, "ab-old"), "before", "  abort: an overwrite is undone");
	is_str(tget(s, IPP_T_WINDOW, "ab-gone"), "before", "  abort: a delete is undone");
	rb.ret = -42;
	is_int(ipp_store_run(s, rollback_body, &rb), -42, "a body's own negative value is returned");
	ok(tget(s, IPP_T_WINDOW, "ab-new") == NULL
	    && strcmp(tget(s, IPP_T_WINDOW, "ab-old"), "before") == 0,
	    "  and rolls back too");
	rb.ret = 7;
	is_int(ipp_store_run(s, rollback_body, &rb), 7, "a body's positive value is returned");
	ok(tget(s, IPP_T_WINDOW, "ab-new") != NULL && tget(s, IPP_T_WINDOW, "ab-gone") == NULL
	    && strcmp(tget(s, IPP_T_WINDOW, "ab-old"), "changed") == 0, "  and commits");

	rc = ipp_store_run(s, retry_body, &rt);
	is_int(rc, IPP_OK, "a body returning IPP_RETRY is run again");
	is_int(rt.runs, 2, "  twice");
	is_str(tget(s, IPP_T_WINDOW, "rt-run"), "2", "  the second run's write is kept");
	ok(tget(s, IPP_T_WINDOW, "rt-first") == NULL, "  the first run's writes are gone");
}

static void
check_scans(struct ipp_store *s)
{
	static const struct {
		const char *k;
		size_t	kl;
	} keys[] = {
		{ "s\xff", 2 }, { "s", 1 }, { "sa\0", 3 }, { "r", 1 }, { "s\x80", 2 },
		{ "s\x7f", 2 }, { "sa", 2 }, { "t", 1 }, { "s\0", 2 },
	};
	struct scan_acc *acc;
	struct churn_count cc = { 0 };
	size_t	i;
	int	rc;

	if ((acc = calloc(1, sizeof(*acc))) == NULL)
		exit(99);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct kv kv = { IPP_T_STATS, keys[i].k, keys[i].kl, "x", 1, { NULL, 0 } };

		(void) ipp_store_run(s, put_body, &kv);
	}
	rc = ipp_store_scan(s, IPP_T_STATS, "s", 1, scan_cb, acc);
	is_int(rc, IPP_OK, "scan of bytes above 0x7f and NULs");
	is_str(acc->keys, "s,s\\x00,sa,sa\\x00,s\\x7f,s\\x80,s\\xff",
	    "  unsigned byte order, a key before the longer keys it starts, prefix included");

	/* stop, fail, delete then stop (ingest's purge) */
	(void) tput(s, IPP_T_WARMUP, "e:1", "x");
	(void) tput(s, IPP_T_WARMUP, "e:2", "x");
	(void) tput(s, IPP_T_WARMUP, "e:3", "x");
	memset(acc, 0, sizeof(*acc));
	acc->stop_at = 2;
	acc->delete_prefix = "e:";
	rc = ipp_store_scan(s, IPP_T_WARMUP, "e:", 2, scan_cb, acc);
	ok(rc == IPP_OK && acc->n == 2, "IPP_SCAN_STOP ends the scan: IPP_OK");
	memset(acc, 0, sizeof(*acc));
	(void) ipp_store_scan(s, IPP_T_WARMUP, "e:", 2, scan_cb, acc);
	is_str(acc->keys, "e:2,e:3", "  a delete asked for before the stop is done");
	memset(acc, 0, sizeof(*acc));
	acc->fail_with = -9;
	rc = ipp_store_scan(s, IPP_T_WARMUP, "e:", 2, scan_cb, acc);
	ok(rc == -9 && acc->n == 1, "a negative value ends the scan and is returned");

	/* a record renewed between the visit and its delete stays */
	(void) tput(s, IPP_T_WARMUP, "d:1", "old");
	(void) tput(s, IPP_T_WARMUP, "d:2", "old");
	writer_store = s;
	writer_rc = 0;
	memset(acc, 0, sizeof(*acc));
	acc->delete_prefix = "d:";
	acc->at_visit = renew_at_visit;
	rc = ipp_store_scan(s, IPP_T_WARMUP, "d:", 2, scan_cb, acc);
	ok(rc == IPP_OK && writer_rc == IPP_OK && acc->n == 2,
	    "another thread writes while the callback runs");
	ok(tget(s, IPP_T_WARMUP, "d:1") == NULL, "  an unchanged record asked for is deleted");
	is_str(tget(s, IPP_T_WARMUP, "d:2"), "renewed", "  a renewed one stays");

	/* not a snapshot, but ordered and each unchanged record once */
	for (i = 0; i < 600; i++) {
		char	k[32];

		(void) snprintf(k, sizeof(k), "c:%04zu", i);
		(void) tput(s, IPP_T_APPLIED, k, "x");
	}
	writer_rc = 0;
	memset(acc, 0, sizeof(*acc));
	acc->at_visit = churn_at_visit;
	acc->at_visit_arg = &cc;
	rc = ipp_store_scan(s, IPP_T_APPLIED, "c:", 2, churn_cb, acc);
	ok(rc == IPP_OK && writer_rc == 0, "a scan over several batches while another thread writes");
	is_int(acc->disorder, 0, "  keys in strictly ascending order: none twice");
	is_int(cc.unchanged, 598, "  every record left alone is visited once");
	free(acc);
}

static void
run_conformance(void)
{
	struct ipp_config *cfg;
	struct ipp_store *s;
	struct scan_acc *acc;
	struct ipp_buf v = { NULL, 0 };
	pthread_t th[THREADS];
	int	fails[THREADS], i, total_fails = 0, round, rc;
	char	err[512], report[1024], path[600];
	struct stat st;
	unsigned reported = 0;

	(void) snprintf(path, sizeof(path), "%s/store", tap_tmpdir());
	cfg = load_config("store.conf", path, NULL);
	ok(cfg != NULL, "config loads (backend %s)", backend);
	if (cfg == NULL)
		return;
	if ((acc = calloc(1, sizeof(*acc))) == NULL)
		exit(99);

	/* as root, prepare makes ready for the run user (bdb: the directory) */
	if (geteuid() == 0 && getpwnam("nobody") != NULL) {
		struct ipp_config *pc;
		char	ppath[600];

		(void) snprintf(ppath, sizeof(ppath), "%s/prepared", tap_tmpdir());
		pc = load_config("prepared.conf", ppath, NULL);
		ok(pc != NULL && ipp_store_prepare(pc, "nobody", err, sizeof(err)) == 0,
		    "prepare for user nobody, as root");
		if (is_bdb)
			ok(stat(ppath, &st) == 0 && S_ISDIR(st.st_mode)
			    && st.st_uid == getpwnam("nobody")->pw_uid,
			    "  bdb: the directory is created, owned by nobody");
		ok(pc != NULL && ipp_store_prepare(pc, "no-such-user-ippool", err, sizeof(err)) != 0
		    && strstr(err, "no-such-user-ippool") != NULL
		    && strstr(err, "does not exist") != NULL,
		    "  an unknown user is refused by name");
		ipp_config_free(pc);
	}
	is_int(ipp_store_prepare(cfg, "", err, sizeof(err)), 0, "prepare with no user: nothing to do");

	s = ipp_store_open(cfg, err, sizeof(err));
	ok(s != NULL, "store created on first use");
	if (s == NULL) {
		(void) printf("# %s\n", err);
		free(acc);
		ipp_config_free(cfg);
		return;
	}
	if (is_bdb)
		ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "environment directory exists");
	is_int(put(s, "a@example.com", "bounce"), IPP_OK, "put");
	is_str(get(s, "a@example.com"), "bounce", "get what was put");
	ok(get(s, "b@example.com") == NULL, "get of an absent key: not found");
	is_int(put(s, "a@example.com", "manual"), IPP_OK, "overwrite");
	is_str(get(s, "a@example.com"), "manual", "get the new value");
	{
		struct kv kv = { IPP_T_SUPPRESS, "a@example.com", 13, NULL, 0, { NULL, 0 } };

		is_int(ipp_store_run(s, del_body, &kv), IPP_OK, "del");
		is_int(ipp_store_run(s, del_body, &kv), IPP_NOTFOUND, "del again: not found");
	}
	ok(get(s, "a@example.com") == NULL, "deleted key is gone");

	(void) put(s, "p:1", "x");
	(void) put(s, "p:2", "x");
	(void) put(s, "q:1", "x");
	(void) put(s, "p:3", "x");
	memset(acc, 0, sizeof(*acc));
	is_int(ipp_store_scan(s, IPP_T_SUPPRESS, "p:", 2, scan_cb, acc), IPP_OK, "prefix scan");
	is_str(acc->keys, "p:1,p:2,p:3", "prefix scan visits p:* in key order");
	memset(acc, 0, sizeof(*acc));
	acc->delete_prefix = "p:";
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "", 0, scan_cb, acc);
	is_str(acc->keys, "p:1,p:2,p:3,q:1", "full scan");
	memset(acc, 0, sizeof(*acc));
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "", 0, scan_cb, acc);
	is_str(acc->keys, "q:1", "scan deleted what the callback asked for");

	/* more than one scan batch (Berkeley DB reads 256 at a time) */
	for (i = 0; i < 600; i++) {
		char	k[32];

		(void) snprintf(k, sizeof(k), "r:%04d", i);
		(void) put(s, k, "x");
	}
	memset(acc, 0, sizeof(*acc));
	(void) ipp_store_scan(s, IPP_T_SUPPRESS, "r:", 2, scan_cb, acc);
	is_int(acc->n, 600, "a scan over several batches sees every record once");
	is_int(acc->disorder, 0, "  in ascending order");

	ok(ipp_store_check(s, report, sizeof(report)) == IPP_OK
	    && strstr(report, "suppress=601") != NULL, "check counts the records");
	(void) printf("# %s\n", report);

	check_records(s);
	check_transactions(s);
	check_scans(s);

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

	/* processes: each child opens the store itself */
	rc = race(cfg, incr_child);
	is_int(rc, 0, "%d processes x %d read-modify-write increments: none failed",
	    PROCS, PROC_INCREMENTS);
	rc = race(cfg, once_child);
	is_int(rc, ONCE_KEYS, "%d processes insert each of %d keys if absent: exactly one wins each",
	    PROCS, ONCE_KEYS);

	s = ipp_store_open(cfg, err, sizeof(err));
	ok(s != NULL, "reopen");
	if (s != NULL) {
		char	want[32];

		is_str(get(s, "q:1"), "x", "data survives close and reopen");
		(void) snprintf(want, sizeof(want), "%d", PROCS * PROC_INCREMENTS);
		is_str(tget(s, IPP_T_WINDOW, "pcounter"), want, "  the processes' count is exact");
		ok(tget(s, IPP_T_WINDOW, "once-00") != NULL
		    && tget(s, IPP_T_WINDOW, "once-19") != NULL, "  the inserted keys are there");
		(void) tput(s, IPP_T_WINDOW, "mid-old", "before");
		(void) tput(s, IPP_T_WINDOW, "mid-gone", "before");
		ipp_store_close(s);
	}

	for (round = 1; round <= 3; round++) {
		int	missing = crash_round(cfg, 200u * (unsigned) round, &reported);

		ok(missing == 0, "SIGKILL round %d: %u committed writes reported, none lost",
		    round, reported);
		if (missing != 0)
			(void) printf("# missing: %d\n", missing);
	}

	is_int(kill_mid_transaction(cfg), 0, "a child is killed inside a body");
	s = ipp_store_open(cfg, err, sizeof(err));
	ok(s != NULL, "  the store opens afterwards");
	if (s != NULL) {
		ok(tget(s, IPP_T_WINDOW, "mid-new") == NULL, "  nothing of that transaction: no new key");
		is_str(tget(s, IPP_T_WINDOW, "mid-old"), "before", "  no overwrite");
		is_str(tget(s, IPP_T_WINDOW, "mid-gone"), "before", "  no delete");
		is_int(ipp_store_run(s, incr_body, "mid-old"), IPP_OK,
		    "  a record it wrote can be read for update and written");
		is_str(tget(s, IPP_T_WINDOW, "mid-old"), "1", "  and the store works");
		ipp_store_close(s);
	}

	/* a store path that cannot be created names the path and the fix */
	if (is_bdb) {
		struct ipp_config *bad;

		bad = load_config("bad.conf", "/nonexistent/dir/store", NULL);
		ok(bad != NULL && ipp_store_open(bad, err, sizeof(err)) == NULL
		    && strstr(err, "/nonexistent/dir/store") != NULL,
		    "unopenable store: message names the path");
		(void) printf("# %s\n", err);
		ipp_config_free(bad);
	}
	free(v.data);
	free(acc);
	ipp_config_free(cfg);
}

/* A backend this build lacks is refused by name, with the fix. */
static void
check_missing_backend(void)
{
	struct ipp_config *c;
	char	conf[1024], err[512];
	const char *file;

	if (ipp_store_has_backend("redis"))
		return;
	(void) snprintf(conf, sizeof(conf),
	    "[store]\npath = %s/redis\nbackend = redis\nredis = 127.0.0.1:6379\n"
	    "[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n", tap_tmpdir());
	file = tap_write("redis.conf", conf);
	c = ipp_config_load(file, stderr);
	ok(c != NULL && ipp_store_open(c, err, sizeof(err)) == NULL
	    && strstr(err, "backend = redis is not available in this build; use backend = bdb") != NULL
	    && strstr(err, "redis.conf") != NULL,
	    "backend = redis without a redis backend built: refused, naming the file");
	(void) printf("# %s\n", err);
	ipp_config_free(c);
}

int
main(int argc, char **argv)
{
	backend = argc > 1 ? argv[1] : getenv("IPPOOL_STORE_BACKEND");
	if (backend == NULL || *backend == '\0')
		backend = "bdb";
	if (!ipp_store_has_backend(backend)) {
		(void) printf("1..0 # SKIP backend %s is not in this build\n", backend);
		return (0);
	}
	is_bdb = strcmp(backend, "bdb") == 0;
	run_conformance();
	check_missing_backend();
	return (done_testing());
}
