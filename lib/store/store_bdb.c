/* store_bdb.c - the default store backend: a Berkeley DB Transactional
 * Data Store environment in [store] path, shared by the milter's threads,
 * policyd and ippoolctl.  DB_REGISTER|DB_RECOVER runs recovery exactly
 * when a process died holding the environment (never under a live one);
 * a process that meets DB_RUNRECOVERY reopens its handles. */
#include "autoconfig.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "store_backend.h"

#define LOCK_TIMEOUT_US	(3 * 1000000)	/* a lock held this long is a dead holder */
#define MAX_ATTEMPTS	60
#define RUN_BUDGET_S	15		/* well inside the MTA's milter timeouts */
#define CKP_INTERVAL_S	60
#define CKP_KBYTES	1024

struct bdb {
	DB_ENV *env;
	DB     *db[IPP_T_COUNT];
	char	path[1100];
	char	desc[1200];
	int	sync;
	unsigned long long cache;	/* [store] cache_size */
	pthread_rwlock_t lock;		/* bodies: read; reopen: write */
	atomic_int broken;		/* DB_RUNRECOVERY seen */
	pthread_mutex_t ckp_lock;
	time_t	last_ckp;
	struct ipp_log_limit lim;
};

struct bdb_txn {
	struct bdb *b;
	DB_TXN *t;
};

/*
 * Berkeley DB's own messages.  A damaged file makes it say the same thing
 * once per page (a hundred identical lines, then "Invalid argument"):
 * each distinct message is logged once with the store's path, its
 * repeats counted, and the count said when another message comes or the
 * open ends.  "store verify" collects them instead (app_private).
 */
struct errsink {
	char	first[400];
	unsigned long n;
};

static pthread_mutex_t errs_lock = PTHREAD_MUTEX_INITIALIZER;
static char errs_last[400];
static unsigned long errs_repeats;

static void
errs_flush_locked(void)
{
	if (errs_repeats > 0)
		msg_warn("Berkeley DB: the message above repeated %lu more time%s",
		    errs_repeats, errs_repeats == 1 ? "" : "s");
	errs_repeats = 0;
}

static void
errs_flush(void)
{
	(void) pthread_mutex_lock(&errs_lock);
	errs_flush_locked();
	errs_last[0] = '\0';
	(void) pthread_mutex_unlock(&errs_lock);
}

static void
bdb_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct errsink *sink = env != NULL ? env->app_private : NULL;

	if (sink != NULL) {
		if (sink->n++ == 0)
			(void) snprintf(sink->first, sizeof(sink->first), "%s", msg);
		return;
	}
	(void) pthread_mutex_lock(&errs_lock);
	if (strncmp(errs_last, msg, sizeof(errs_last) - 1) == 0) {
		errs_repeats++;
	} else {
		errs_flush_locked();
		(void) snprintf(errs_last, sizeof(errs_last), "%s", msg);
		msg_warn("Berkeley DB: store %s: %s", pfx ? pfx : "?", msg);
	}
	(void) pthread_mutex_unlock(&errs_lock);
}

/* Map a DB return code; remember an environment that must be reopened. */
static int
map_err(struct bdb *b, int ret, const char *what)
{
	switch (ret) {
	case 0:
		return (IPP_OK);
	case DB_NOTFOUND:
	case DB_KEYEMPTY:
		return (IPP_NOTFOUND);
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED:
		return (IPP_RETRY);
	case DB_RUNRECOVERY:
		atomic_store(&b->broken, 1);
		/* FALLTHROUGH */
	default:
		msg_warn_limited(&b->lim, 60, "store %s: %s: %s", b->path, what,
		    db_strerror(ret));
		return (IPP_ERR);
	}
}

static void
close_env(struct bdb *b)
{
	int	i;

	for (i = 0; i < IPP_T_COUNT; i++)
		if (b->db[i] != NULL) {
			(void) b->db[i]->close(b->db[i], 0);
			b->db[i] = NULL;
		}
	if (b->env != NULL) {
		if (!atomic_load(&b->broken))
			(void) b->env->txn_checkpoint(b->env, 0, 0, 0);
		(void) b->env->close(b->env, 0);
		b->env = NULL;
	}
}

/* As root: the environment directory is created for the run user, who
 * then makes and owns every file in it. */
static int
bdb_prepare(const struct ipp_config *cfg, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct stat st;

	if (stat(cfg->store_path, &st) == 0 || errno != ENOENT)
		return (0);
	if (mkdir(cfg->store_path, 0750) != 0 || chown(cfg->store_path, uid, gid) != 0) {
		(void) snprintf(err, errlen, "cannot create store directory %s: %s",
		    cfg->store_path, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
make_dir(struct bdb *b, char *err, size_t errlen)
{
	struct stat st;

	if (stat(b->path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			(void) snprintf(err, errlen,
			    "store %s is not a directory: set [store] path to a directory",
			    b->path);
			return (-1);
		}
	} else if (errno != ENOENT || mkdir(b->path, 0750) != 0) {
		(void) snprintf(err, errlen,
		    "cannot create store directory %s: %s: create it, owned by the user ippool runs as, or set [store] path",
		    b->path, strerror(errno));
		return (-1);
	}
	if (access(b->path, R_OK | W_OK | X_OK) != 0) {
		/* a sandbox (systemd's ProtectSystem=strict), not the owner */
		if (errno == EROFS) {
			(void) snprintf(err, errlen,
			    "store directory %s is on a read-only file system: under systemd, add it to the unit's ReadWritePaths (systemctl edit)",
			    b->path);
			return (-1);
		}
		(void) snprintf(err, errlen,
		    "store directory %s is not writable by uid %ld: %s: chown it to the user ippool runs as ([milter] user)",
		    b->path, (long) geteuid(), strerror(errno));
		return (-1);
	}
	return (0);
}

static int
set_cache(DB_ENV *env, unsigned long long bytes)
{
	return (env->set_cachesize(env, (u_int32_t) (bytes >> 30),
	    (u_int32_t) (bytes & ((1ULL << 30) - 1)), 1));
}

/* What a new environment's regions are made with: every handle that may
 * create them sets the same (the first open, a recovery), since later
 * opens join the regions as they were made and ignore their own. */
static int
env_settings(DB_ENV *env, unsigned long long cache, int sync)
{
	int	ret;

	if ((ret = set_cache(env, cache)) != 0
	    || (ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0
	    || (ret = env->set_lk_max_locks(env, 20000)) != 0
	    || (ret = env->set_lk_max_lockers(env, 20000)) != 0
	    || (ret = env->set_lk_max_objects(env, 20000)) != 0
	    || (ret = env->set_timeout(env, LOCK_TIMEOUT_US, DB_SET_LOCK_TIMEOUT)) != 0
	    || (ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1)) != 0
	    || (!sync && (ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1)) != 0))
		return (ret);
	return (0);
}

/* A joined environment keeps the cache it was made with; Berkeley DB adds
 * a quarter to a cache under 500 MB, and a page or so. */
static void
check_cache(struct bdb *b)
{
	u_int32_t gb, bytes;
	int	n;
	unsigned long long have;

	if (b->env->get_cachesize(b->env, &gb, &bytes, &n) != 0)
		return;
	have = ((unsigned long long) gb << 30) + bytes;
	if (have >= b->cache && have <= b->cache + b->cache / 4 + (1ULL << 20))
		return;
	msg_warn("store %s: its cache is %lluK, made for another [store] cache_size than %lluK: an environment keeps the size it was made with: stop every ippool program and run \"ippoolctl store recover\" to remake it",
	    b->path, have >> 10, b->cache >> 10);
}

static int
open_env(struct bdb *b, char *err, size_t errlen)
{
	u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG
	    | DB_INIT_MPOOL | DB_THREAD | DB_REGISTER | DB_RECOVER;
	DB_ENV *env;
	int	ret, i;

	if ((ret = db_env_create(&env, 0)) != 0) {
		(void) snprintf(err, errlen, "store %s: %s", b->path, db_strerror(ret));
		return (-1);
	}
	b->env = env;
	env->set_errcall(env, bdb_errcall);
	env->set_errpfx(env, b->path);
	if ((ret = env_settings(env, b->cache, b->sync)) != 0
	    || (ret = env->open(env, b->path, flags, 0660)) != 0)
		goto fail;
	check_cache(b);
	for (i = 0; i < IPP_T_COUNT; i++) {
		char	file[64];

		(void) snprintf(file, sizeof(file), "%s.db", ipp_table_name((enum ipp_table) i));
		if ((ret = db_create(&b->db[i], env, 0)) != 0)
			goto fail;
		ret = b->db[i]->open(b->db[i], NULL, file, NULL, DB_BTREE,
		    DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0660);
		if (ret != 0) {
			(void) snprintf(err, errlen,
			    "store %s: cannot open table %s/%s: %s: the file may be damaged: stop the ippool programs, run \"ippoolctl store verify\", and restore the last backup (ippoolctl(8), BACKUP AND RESTORE)",
			    b->path, b->path, file, db_strerror(ret));
			errs_flush();
			close_env(b);
			return (-1);
		}
	}
	errs_flush();
	b->last_ckp = ipp_monotonic();
	return (0);
fail:
	errs_flush();
	switch (ret) {
	case EACCES:
	case EPERM:
		(void) snprintf(err, errlen,
		    "cannot open store %s: %s: the files must belong to the user ippool runs as ([milter] user)",
		    b->path, db_strerror(ret));
		break;
	case DB_VERSION_MISMATCH:
		(void) snprintf(err, errlen,
		    "cannot open store %s: made by another Berkeley DB version: stop every ippool program and remove %s/__db.*",
		    b->path, b->path);
		break;
	case DB_RUNRECOVERY:
		(void) snprintf(err, errlen,
		    "cannot open store %s: it needs catastrophic recovery: stop every ippool program and run \"ippoolctl store recover --catastrophic\"",
		    b->path);
		break;
	default:
		(void) snprintf(err, errlen, "cannot open store %s: %s", b->path,
		    db_strerror(ret));
	}
	close_env(b);
	return (-1);
}

static void *
bdb_open(const struct ipp_config *cfg, char *err, size_t errlen)
{
	struct bdb *b;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (strlen(cfg->store_path) >= sizeof(b->path)) {
		(void) snprintf(err, errlen, "store path is too long");
		free(b);
		return (NULL);
	}
	(void) strcpy(b->path, cfg->store_path);
	(void) snprintf(b->desc, sizeof(b->desc), "Berkeley DB environment %s", b->path);
	b->sync = cfg->store_sync;
	b->cache = cfg->store_cache;
	if (pthread_rwlock_init(&b->lock, NULL) != 0
	    || pthread_mutex_init(&b->ckp_lock, NULL) != 0) {
		(void) snprintf(err, errlen, "cannot initialize locks");
		free(b);
		return (NULL);
	}
	if (make_dir(b, err, errlen) != 0 || open_env(b, err, errlen) != 0) {
		(void) pthread_rwlock_destroy(&b->lock);
		(void) pthread_mutex_destroy(&b->ckp_lock);
		free(b);
		return (NULL);
	}
	return (b);
}

static void
bdb_close(void *h)
{
	struct bdb *b = h;

	(void) pthread_rwlock_wrlock(&b->lock);
	close_env(b);
	(void) pthread_rwlock_unlock(&b->lock);
	(void) pthread_rwlock_destroy(&b->lock);
	(void) pthread_mutex_destroy(&b->ckp_lock);
	free(b);
}

static const char *
bdb_describe(void *h)
{
	return (((struct bdb *) h)->desc);
}

/* Take the read lock on a usable environment, reopening a broken one. */
static int
enter(struct bdb *b)
{
	char	err[512];

	if (atomic_load(&b->broken)) {
		(void) pthread_rwlock_wrlock(&b->lock);
		if (atomic_load(&b->broken)) {
			close_env(b);
			if (open_env(b, err, sizeof(err)) == 0) {
				atomic_store(&b->broken, 0);
				msg_info("store %s: reopened after recovery", b->path);
			} else {
				msg_warn_limited(&b->lim, 60, "%s", err);
			}
		}
		(void) pthread_rwlock_unlock(&b->lock);
	}
	(void) pthread_rwlock_rdlock(&b->lock);
	if (b->env == NULL || atomic_load(&b->broken)) {
		(void) pthread_rwlock_unlock(&b->lock);
		return (IPP_ERR);
	}
	return (IPP_OK);
}

static void
leave(struct bdb *b)
{
	(void) pthread_rwlock_unlock(&b->lock);
}

/* Checkpoint policy: at most once a minute, and only if 1 MB of log was written. */
static void
maybe_checkpoint(struct bdb *b)
{
	time_t	now = ipp_monotonic();
	int	ret;

	if (now - b->last_ckp < CKP_INTERVAL_S && now >= b->last_ckp)
		return;
	if (pthread_mutex_trylock(&b->ckp_lock) != 0)
		return;
	if (now - b->last_ckp >= CKP_INTERVAL_S || now < b->last_ckp) {
		b->last_ckp = now;
		if ((ret = b->env->txn_checkpoint(b->env, CKP_KBYTES, 0, 0)) != 0)
			(void) map_err(b, ret, "checkpoint");
	}
	(void) pthread_mutex_unlock(&b->ckp_lock);
}

static int
bdb_run(void *h, ipp_txn_fn body, void *arg)
{
	struct bdb *b = h;
	struct bdb_txn bt;
	struct ipp_txn txn;
	time_t	start = ipp_monotonic();
	int	attempt, rc, ret;

	bt.b = b;
	txn.ops = &ipp_store_bdb_ops;
	txn.handle = &bt;
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			if (ipp_monotonic() - start > RUN_BUDGET_S)
				break;
			ipp_store_backoff(attempt);
		}
		if (enter(b) != IPP_OK)
			return (IPP_ERR);
		if ((ret = b->env->txn_begin(b->env, NULL, &bt.t, 0)) != 0) {
			rc = map_err(b, ret, "begin transaction");
			leave(b);
			if (rc == IPP_RETRY)
				continue;
			return (IPP_ERR);
		}
		rc = body(&txn, arg);
		if (rc < 0) {
			(void) bt.t->abort(bt.t);
			leave(b);
			if (rc == IPP_RETRY)
				continue;
			return (rc);
		}
		if ((ret = bt.t->commit(bt.t, 0)) != 0) {
			rc = map_err(b, ret, "commit");
			leave(b);
			if (rc == IPP_RETRY)
				continue;
			return (IPP_ERR);
		}
		maybe_checkpoint(b);
		leave(b);
		return (rc);
	}
	msg_warn_limited(&b->lim, 60, "store %s: transaction still conflicting after %d attempts",
	    b->path, attempt);
	return (IPP_ERR);
}

static int
bdb_get(void *h, enum ipp_table tab, const void *key, size_t klen,
    struct ipp_buf *val, int flags)
{
	struct bdb_txn *bt = h;
	DBT	k, v;
	int	ret;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *) key;
	k.size = (u_int32_t) klen;
	v.data = val->data;
	v.flags = DB_DBT_REALLOC;
	/* DB_RMW: a write lock held to the end of the transaction, on the
	 * page where an absent key would go too, so a read for update also
	 * keeps others from creating the key */
	ret = bt->b->db[tab]->get(bt->b->db[tab], bt->t, &k, &v,
	    (flags & IPP_GET_RMW) ? DB_RMW : 0);
	val->data = v.data;
	val->len = ret == 0 ? v.size : 0;
	return (map_err(bt->b, ret, "get"));
}

static int
bdb_put(void *h, enum ipp_table tab, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	struct bdb_txn *bt = h;
	DBT	k, v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *) key;
	k.size = (u_int32_t) klen;
	v.data = (void *) val;
	v.size = (u_int32_t) vlen;
	return (map_err(bt->b, bt->b->db[tab]->put(bt->b->db[tab], bt->t, &k, &v, 0), "put"));
}

static int
bdb_del(void *h, enum ipp_table tab, const void *key, size_t klen)
{
	struct bdb_txn *bt = h;
	DBT	k;

	memset(&k, 0, sizeof(k));
	k.data = (void *) key;
	k.size = (u_int32_t) klen;
	return (map_err(bt->b, bt->b->db[tab]->del(bt->b->db[tab], bt->t, &k, 0), "del"));
}

/* --- a batch of a scan (store.c drives it) ------------------------------- */

static int
bdb_scan_batch(void *h, struct ipp_scan_batch *bh)
{
	struct bdb_txn *bt = h;
	DB     *db = bt->b->db[bh->tab];
	DBC    *c;
	DBT	k, v;
	int	ret, rc = IPP_OK;

	if ((ret = db->cursor(db, bt->t, &c, DB_READ_COMMITTED)) != 0)
		return (map_err(bt->b, ret, "cursor"));
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = v.flags = DB_DBT_REALLOC;
	if (bh->from || bh->plen) {
		size_t	n = bh->from ? bh->fromlen : bh->plen;

		if ((k.data = malloc(n ? n : 1)) == NULL) {
			(void) c->close(c);
			return (IPP_ERR);
		}
		(void) memcpy(k.data, bh->from ? bh->from : bh->prefix, n);
		k.size = (u_int32_t) n;
	}
	ret = c->get(c, &k, &v, k.size ? DB_SET_RANGE : DB_FIRST);
	if (ret == 0 && bh->from && k.size == bh->fromlen
	    && memcmp(k.data, bh->from, bh->fromlen) == 0)
		ret = c->get(c, &k, &v, DB_NEXT);
	while (ret == 0 && bh->n < IPP_SCAN_BATCH) {
		struct ipp_scan_rec *r = &bh->recs[bh->n];

		if (bh->plen && (k.size < bh->plen || memcmp(k.data, bh->prefix, bh->plen) != 0)) {
			bh->end = 1;
			break;
		}
		if ((r->k = malloc(k.size ? k.size : 1)) == NULL
		    || (r->v = malloc(v.size ? v.size : 1)) == NULL) {
			free(r->k);
			rc = IPP_ERR;
			break;
		}
		(void) memcpy(r->k, k.data, k.size);
		(void) memcpy(r->v, v.data, v.size);
		r->kl = k.size;
		r->vl = v.size;
		r->del = 0;
		bh->n++;
		if (bh->n < IPP_SCAN_BATCH)
			ret = c->get(c, &k, &v, DB_NEXT);
	}
	if (rc == IPP_OK) {
		if (ret == DB_NOTFOUND)
			bh->end = 1;
		else if (ret != 0)
			rc = map_err(bt->b, ret, "cursor get");
	}
	if (rc == IPP_OK && bh->n > 0) {
		/* resume after the last key read */
		const struct ipp_scan_rec *last = &bh->recs[bh->n - 1];
		void   *f = malloc(last->kl ? last->kl : 1);

		if (f == NULL) {
			rc = IPP_ERR;
		} else {
			(void) memcpy(f, last->k, last->kl);
			free(bh->from);
			bh->from = f;
			bh->fromlen = last->kl;
		}
	}
	free(k.data);
	free(v.data);
	if ((ret = c->close(c)) != 0 && rc == IPP_OK)
		rc = map_err(bt->b, ret, "cursor close");
	return (rc);
}

struct count_arg {
	u_int32_t n[IPP_T_COUNT];
};

static int
count_body(struct ipp_txn *txn, void *arg)
{
	struct bdb_txn *bt = txn->handle;
	struct count_arg *ca = arg;
	DB_BTREE_STAT *st;
	int	i, ret;

	for (i = 0; i < IPP_T_COUNT; i++) {
		DB     *db = bt->b->db[i];

		if ((ret = db->stat(db, bt->t, &st, DB_READ_COMMITTED)) != 0)
			return (map_err(bt->b, ret, "stat"));
		ca->n[i] = st->bt_nkeys;
		free(st);
	}
	return (IPP_OK);
}

static int
bdb_check(void *h, char *report, size_t len)
{
	struct bdb *b = h;
	struct count_arg ca;
	size_t	off;
	char  **logs = NULL;
	int	i, nlogs = 0, rc;

	memset(&ca, 0, sizeof(ca));
	if ((rc = bdb_run(b, count_body, &ca)) < 0)
		return (rc);
	off = (size_t) snprintf(report, len, "%s:", b->desc);
	for (i = 0; i < IPP_T_COUNT && off < len; i++)
		off += (size_t) snprintf(report + off, len - off, " %s=%lu",
		    ipp_table_name((enum ipp_table) i), (unsigned long) ca.n[i]);
	if (enter(b) == IPP_OK) {
		if (b->env->log_archive(b->env, &logs, DB_ARCH_LOG) == 0 && logs) {
			while (logs[nlogs])
				nlogs++;
			free(logs);
		}
		leave(b);
	}
	if (off < len)
		(void) snprintf(report + off, len - off, " log_files=%d sync=%s", nlogs,
		    b->sync ? "yes" : "no");
	return (IPP_OK);
}

/* --- maintenance: "ippoolctl store verify | recover | backup" ------------ */

/* A process holding the environment keeps a lock on its slot of
 * __db.register (DB_REGISTER): any lock there is a live user. */
static int
env_user(const char *path, pid_t *pid)
{
	char	reg[1200];
	struct flock fl;
	int	fd, rc = 0;

	(void) snprintf(reg, sizeof(reg), "%s/__db.register", path);
	if ((fd = open(reg, O_RDONLY)) < 0)
		return (errno == ENOENT ? 0 : -1);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0)
		rc = -1;
	else if (fl.l_type != F_UNLCK) {
		*pid = fl.l_pid;
		rc = 1;
	}
	(void) close(fd);
	return (rc);
}

static int
bdb_verify(const struct ipp_config *cfg, ipp_store_report_fn report, void *arg,
    char *err, size_t errlen)
{
	struct errsink sink;
	DB_ENV *env;
	DB     *db;
	char	full[1200], problem[600];
	struct stat st;
	int	ret, i, bad = 0;

	errno = 0;
	if (stat(cfg->store_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		(void) snprintf(err, errlen, "store %s: %s", cfg->store_path,
		    errno ? strerror(errno) : "not a directory");
		return (IPP_ERR);
	}
	if ((ret = db_env_create(&env, 0)) != 0) {
		(void) snprintf(err, errlen, "store %s: %s", cfg->store_path, db_strerror(ret));
		return (IPP_ERR);
	}
	memset(&sink, 0, sizeof(sink));
	env->app_private = &sink;
	env->set_errcall(env, bdb_errcall);
	/* join a running environment (pages not yet written are seen), as
	 * db_verify does; else a private cache of our own */
	if (env->open(env, cfg->store_path, DB_JOINENV, 0) != 0) {
		(void) env->close(env, 0);
		if ((ret = db_env_create(&env, 0)) != 0) {
			(void) snprintf(err, errlen, "store %s: %s", cfg->store_path,
			    db_strerror(ret));
			return (IPP_ERR);
		}
		env->app_private = &sink;
		env->set_errcall(env, bdb_errcall);
		if ((ret = set_cache(env, cfg->store_cache)) != 0
		    || (ret = env->open(env, cfg->store_path,
		    DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0)) != 0) {
			(void) snprintf(err, errlen, "store %s: %s", cfg->store_path,
			    db_strerror(ret));
			(void) env->close(env, 0);
			return (IPP_ERR);
		}
	}
	for (i = 0; i < IPP_T_COUNT; i++) {
		char	file[64];

		(void) snprintf(file, sizeof(file), "%s.db", ipp_table_name((enum ipp_table) i));
		(void) snprintf(full, sizeof(full), "%s/%s", cfg->store_path, file);
		if (stat(full, &st) != 0) {
			(void) snprintf(problem, sizeof(problem), "%s", strerror(errno));
			report(full, problem, arg);
			bad++;
			continue;
		}
		memset(&sink, 0, sizeof(sink));
		if ((ret = db_create(&db, env, 0)) != 0) {
			(void) snprintf(err, errlen, "store %s: %s", cfg->store_path,
			    db_strerror(ret));
			(void) env->close(env, 0);
			return (IPP_ERR);
		}
		/* the handle is gone after verify, whatever it returns */
		ret = db->verify(db, file, NULL, NULL, 0);
		if (ret == 0 && sink.n == 0) {
			report(full, NULL, arg);
			continue;
		}
		bad++;
		if (sink.n > 1)
			(void) snprintf(problem, sizeof(problem), "%s (and %lu more messages)",
			    sink.n ? sink.first : db_strerror(ret), sink.n - 1);
		else
			(void) snprintf(problem, sizeof(problem), "%s",
			    sink.n ? sink.first : db_strerror(ret));
		report(full, problem, arg);
	}
	(void) env->close(env, 0);
	return (bad ? IPP_NOTFOUND : IPP_OK);
}

static int
bdb_recover(const struct ipp_config *cfg, int catastrophic, char *err, size_t errlen)
{
	DB_ENV *env;
	pid_t	pid = 0;
	int	ret;

	switch (env_user(cfg->store_path, &pid)) {
	case 0:
		break;
	case 1:
		(void) snprintf(err, errlen,
		    "store %s is in use by process %ld: stop ippool-milter, ippool-policyd and \"ippoolctl ingest\" first",
		    cfg->store_path, (long) pid);
		return (IPP_ERR);
	default:
		(void) snprintf(err, errlen, "store %s: %s/__db.register: %s",
		    cfg->store_path, cfg->store_path, strerror(errno));
		return (IPP_ERR);
	}
	if ((ret = db_env_create(&env, 0)) != 0) {
		(void) snprintf(err, errlen, "store %s: %s", cfg->store_path, db_strerror(ret));
		return (IPP_ERR);
	}
	env->set_errcall(env, bdb_errcall);
	env->set_errpfx(env, cfg->store_path);
	/* without DB_REGISTER: recovery runs whether or not it looks needed,
	 * as db_recover does; it remakes the regions, with these settings */
	if ((ret = env_settings(env, cfg->store_cache, cfg->store_sync)) != 0) {
		(void) snprintf(err, errlen, "store %s: %s", cfg->store_path, db_strerror(ret));
		(void) env->close(env, 0);
		return (IPP_ERR);
	}
	ret = env->open(env, cfg->store_path, DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK
	    | DB_INIT_LOG | DB_INIT_MPOOL | (catastrophic ? DB_RECOVER_FATAL : DB_RECOVER),
	    0660);
	if (ret == 0)
		ret = env->txn_checkpoint(env, 0, 0, DB_FORCE);
	errs_flush();
	if (ret != 0) {
		(void) snprintf(err, errlen, "store %s: recovery failed: %s%s",
		    cfg->store_path, db_strerror(ret), catastrophic ? ""
		    : ": try \"ippoolctl store recover --catastrophic\", or restore the last backup");
		(void) env->close(env, 0);
		return (IPP_ERR);
	}
	if ((ret = env->close(env, 0)) != 0) {
		(void) snprintf(err, errlen, "store %s: %s", cfg->store_path, db_strerror(ret));
		return (IPP_ERR);
	}
	return (IPP_OK);
}

static int
bdb_backup(void *h, const char *dir, char *err, size_t errlen)
{
	struct bdb *b = h;
	DB_ENV *env;
	int	ret;

	if (enter(b) != IPP_OK) {
		(void) snprintf(err, errlen, "store %s is not usable", b->path);
		return (IPP_ERR);
	}
	/* a hot backup: the databases, then the log files that make them
	 * consistent, while the daemons go on writing */
	ret = b->env->backup(b->env, dir, DB_CREATE | DB_BACKUP_CLEAN);
	leave(b);
	errs_flush();
	if (ret != 0) {
		(void) snprintf(err, errlen, "backup of %s into %s: %s", b->path, dir,
		    db_strerror(ret));
		return (IPP_ERR);
	}
	/* catastrophic recovery in the copy now (the documented hot backup
	 * procedure), so that a restore is a copy of the directory */
	if ((ret = db_env_create(&env, 0)) == 0) {
		env->set_errcall(env, bdb_errcall);
		env->set_errpfx(env, dir);
		ret = env->open(env, dir, DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK
		    | DB_INIT_LOG | DB_INIT_MPOOL | DB_PRIVATE | DB_RECOVER_FATAL, 0660);
		if (ret == 0)
			ret = env->txn_checkpoint(env, 0, 0, DB_FORCE);
		if (ret != 0)
			(void) env->close(env, 0);
		else
			ret = env->close(env, 0);
	}
	errs_flush();
	if (ret != 0) {
		(void) snprintf(err, errlen, "backup %s: recovery of the copy failed: %s", dir,
		    db_strerror(ret));
		return (IPP_ERR);
	}
	return (IPP_OK);
}

const struct ipp_store_ops ipp_store_bdb_ops = {
	.name = "bdb",
	.prepare = bdb_prepare,
	.open = bdb_open,
	.close = bdb_close,
	.run = bdb_run,
	.get = bdb_get,
	.put = bdb_put,
	.del = bdb_del,
	.scan_batch = bdb_scan_batch,
	.check = bdb_check,
	.describe = bdb_describe,
	.verify = bdb_verify,
	.recover = bdb_recover,
	.backup = bdb_backup,
};
