/* store.c - finding the configured backend by name, dispatch to it, the
 * schema version check of the store, the batched scan every backend
 * shares (the backend reads a batch, this file calls back outside any
 * transaction and deletes what the callback asked for), and the store's
 * metrics (operations, failures and their latency, whichever program and
 * backend). */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "privs.h"
#include "store.h"
#include "store_backend.h"

#define SCHEMA_KEY	"schema"
#define SCHEMA_VERSION	"1"

struct ipp_store {
	const struct ipp_store_ops *ops;
	void   *b;
	time_t	skew;			/* how far the clocks sharing it may differ */
};

static const char *table_names[IPP_T_COUNT] = {
	"meta", "suppress", "window", "warmup", "stats", "applied"
};

/* Every backend of this build, found by the name [store] backend gives. */
static const struct {
	const char *name;
	const struct ipp_store_ops *ops;
} backends[] = {
	{ "bdb", &ipp_store_bdb_ops },
	{ "redis", &ipp_store_redis_ops },
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

static struct ipp_metric *m_ops, *m_fail, *m_dur;
static pthread_once_t m_once = PTHREAD_ONCE_INIT;
static void metrics_register(void);

/* The name the configuration file spells (config.c parses it). */
const char *
ipp_store_backend_name(const struct ipp_config *cfg)
{
	switch (cfg->backend) {
	case IPP_BACKEND_BDB:
		return ("bdb");
	case IPP_BACKEND_REDIS:
		return ("redis");
	}
	return ("?");
}

static const struct ipp_store_ops *
find_backend(const char *name)
{
	size_t	i;

	for (i = 0; i < NBACKENDS; i++)
		if (strcmp(backends[i].name, name) == 0)
			return (backends[i].ops);
	return (NULL);
}

int
ipp_store_has_backend(const char *name)
{
	return (find_backend(name) != NULL);
}

int
ipp_store_prepare(const struct ipp_config *cfg, const char *user, char *err,
    size_t errlen)
{
	const struct ipp_store_ops *ops;
	uid_t	uid;
	gid_t	gid;
	int	rc;

	/* a backend this build lacks is refused by ipp_store_open; an
	 * unknown user is refused whatever the backend needs */
	if ((ops = find_backend(ipp_store_backend_name(cfg))) == NULL)
		return (0);
	if ((rc = ipp_privs_target(user, &uid, &gid, err, errlen)) <= 0)
		return (rc);
	return (ops->prepare == NULL ? 0 : ops->prepare(cfg, uid, gid, err, errlen));
}

const char *
ipp_table_name(enum ipp_table t)
{
	return ((unsigned) t < IPP_T_COUNT ? table_names[t] : "?");
}

static int
schema_body(struct ipp_txn *txn, void *arg)
{
	struct ipp_buf v = { NULL, 0 };
	char   *found = arg;
	int	rc;

	rc = ipp_txn_get(txn, IPP_T_META, SCHEMA_KEY, strlen(SCHEMA_KEY), &v, IPP_GET_RMW);
	if (rc == IPP_NOTFOUND)
		rc = ipp_txn_put(txn, IPP_T_META, SCHEMA_KEY, strlen(SCHEMA_KEY),
		    SCHEMA_VERSION, strlen(SCHEMA_VERSION));
	else if (rc == IPP_OK)
		(void) snprintf(found, 32, "%.*s", (int) (v.len < 31 ? v.len : 31),
		    (char *) v.data);
	free(v.data);
	return (rc);
}

struct ipp_store *
ipp_store_open(const struct ipp_config *cfg, char *err, size_t errlen)
{
	const struct ipp_store_ops *ops;
	struct ipp_store *s;
	char	found[32] = "";

	if ((ops = find_backend(ipp_store_backend_name(cfg))) == NULL) {
		(void) snprintf(err, errlen,
		    "%s: backend = %s is not available in this build; use backend = bdb",
		    cfg->file, ipp_store_backend_name(cfg));
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	(void) pthread_once(&m_once, metrics_register);
	s->ops = ops;
	/* one host, one clock; a fleet's clocks differ (window.c) */
	s->skew = cfg->backend == IPP_BACKEND_REDIS ? (time_t) cfg->redis_clock_skew : 0;
	if ((s->b = s->ops->open(cfg, err, errlen)) == NULL) {
		free(s);
		return (NULL);
	}
	if (ipp_store_run(s, schema_body, found) < 0) {
		(void) snprintf(err, errlen, "%s: cannot read the schema version",
		    ipp_store_describe(s));
		ipp_store_close(s);
		return (NULL);
	}
	if (*found && strcmp(found, SCHEMA_VERSION) != 0) {
		(void) snprintf(err, errlen,
		    "%s: store schema version %s is not %s: this ippool is older than the store",
		    ipp_store_describe(s), found, SCHEMA_VERSION);
		ipp_store_close(s);
		return (NULL);
	}
	return (s);
}

void
ipp_store_close(struct ipp_store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->b);
	free(s);
}

const char *
ipp_store_describe(const struct ipp_store *s)
{
	return (s->ops->describe(s->b));
}

static void
metrics_register(void)
{
	size_t	i;

	m_ops = ipp_metric_counter("ippool_store_operations_total",
	    "Store transactions and scans, by backend.", "backend,op");
	m_fail = ipp_metric_counter("ippool_store_failures_total",
	    "Store transactions and scans that failed (the caller answered 4xx or exit 75).",
	    "backend,op");
	m_dur = ipp_metric_histogram("ippool_store_operation_duration_seconds",
	    "Time of a store transaction (retries included) or scan.", "backend,op", NULL, 0);
	for (i = 0; i < NBACKENDS; i++) {
		ipp_metric_add(m_fail, 0, backends[i].name, "transaction");
		ipp_metric_add(m_fail, 0, backends[i].name, "scan");
	}
}

static const char *
ops_backend(const struct ipp_store_ops *ops)
{
	size_t	i;

	for (i = 0; i < NBACKENDS; i++)
		if (backends[i].ops == ops)
			return (backends[i].name);
	return ("unknown");
}

static void
count(const struct ipp_store *s, const char *op, double t0, int rc)
{
	const char *b = ops_backend(s->ops);

	ipp_metric_add(m_ops, 1, b, op);
	if (rc == IPP_ERR)
		ipp_metric_add(m_fail, 1, b, op);
	ipp_metric_observe(m_dur, ipp_monotonic_fine() - t0, b, op);
}

int
ipp_store_run(struct ipp_store *s, ipp_txn_fn body, void *arg)
{
	double	t0 = ipp_monotonic_fine();
	int	rc;

	(void) pthread_once(&m_once, metrics_register);
	rc = s->ops->run(s->b, body, arg);
	count(s, "transaction", t0, rc);
	return (rc);
}

int
ipp_txn_get(struct ipp_txn *t, enum ipp_table tab, const void *k, size_t kl,
    struct ipp_buf *v, int flags)
{
	return (t->ops->get(t->handle, tab, k, kl, v, flags));
}

int
ipp_txn_put(struct ipp_txn *t, enum ipp_table tab, const void *k, size_t kl,
    const void *v, size_t vl)
{
	return (t->ops->put(t->handle, tab, k, kl, v, vl));
}

int
ipp_txn_del(struct ipp_txn *t, enum ipp_table tab, const void *k, size_t kl)
{
	return (t->ops->del(t->handle, tab, k, kl));
}

int
ipp_txn_getv(struct ipp_txn *t, enum ipp_table tab, size_t n, const void *const *keys,
    const size_t *klens, struct ipp_buf *vals, int *found, int flags)
{
	size_t	i;
	int	rc;

	if (t->ops->getv != NULL)
		return (t->ops->getv(t->handle, tab, n, keys, klens, vals, found, flags));
	for (i = 0; i < n; i++) {
		rc = t->ops->get(t->handle, tab, keys[i], klens[i], &vals[i], flags);
		if (rc < 0)
			return (rc);
		found[i] = rc == IPP_OK;
	}
	return (IPP_OK);
}

const struct ipp_store_ops *
ipp_store_backend(struct ipp_store *s, void **h)
{
	*h = s->b;
	return (s->ops);
}

time_t
ipp_store_clock_skew(const struct ipp_store *s)
{
	return (s->skew);
}

/* --- scans ----------------------------------------------------------------- */

static void
batch_clear(struct ipp_scan_batch *bh)
{
	int	i;

	for (i = 0; i < bh->n; i++) {
		free(bh->recs[i].k);
		free(bh->recs[i].v);
	}
	bh->n = 0;
}

static int
read_batch(struct ipp_txn *t, void *arg)
{
	struct ipp_scan_batch *bh = arg;

	batch_clear(bh);
	bh->end = 0;
	return (t->ops->scan_batch(t->handle, bh));
}

/* Delete the records asked for, unless renewed since they were read. */
static int
delete_batch(struct ipp_txn *txn, void *arg)
{
	struct ipp_scan_batch *bh = arg;
	struct ipp_buf cur = { NULL, 0 };
	int	i, rc = IPP_OK;

	for (i = 0; i < bh->n && rc >= 0; i++) {
		struct ipp_scan_rec *r = &bh->recs[i];

		if (!r->del)
			continue;
		rc = ipp_txn_get(txn, bh->tab, r->k, r->kl, &cur, IPP_GET_RMW);
		if (rc == IPP_NOTFOUND) {
			rc = IPP_OK;
			continue;
		}
		if (rc == IPP_OK && cur.len == r->vl && memcmp(cur.data, r->v, r->vl) == 0)
			rc = ipp_txn_del(txn, bh->tab, r->k, r->kl);
	}
	free(cur.data);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_store_scan(struct ipp_store *s, enum ipp_table tab, const void *prefix,
    size_t plen, ipp_scan_fn cb, void *arg)
{
	struct ipp_scan_batch *bh;
	double	t0 = ipp_monotonic_fine();
	int	rc = IPP_OK, i, dels, stop = 0;

	(void) pthread_once(&m_once, metrics_register);
	if ((bh = calloc(1, sizeof(*bh))) == NULL) {
		count(s, "scan", t0, IPP_ERR);
		return (IPP_ERR);
	}
	bh->tab = tab;
	bh->prefix = prefix;
	bh->plen = plen;
	while (!stop) {
		if ((rc = ipp_store_run(s, read_batch, bh)) < 0)
			break;
		for (i = 0, dels = 0; i < bh->n && !stop; i++) {
			int	v = cb(bh->recs[i].k, bh->recs[i].kl, bh->recs[i].v,
			    bh->recs[i].vl, arg);

			if (v == IPP_SCAN_DELETE) {
				bh->recs[i].del = 1;
				dels++;
			} else if (v == IPP_SCAN_STOP) {
				stop = 1;
			} else if (v < 0) {
				rc = v;
				stop = 1;
			}
		}
		if (dels && ipp_store_run(s, delete_batch, bh) < 0) {
			rc = IPP_ERR;
			break;
		}
		if (bh->end || bh->from == NULL)
			break;
	}
	batch_clear(bh);
	free(bh->from);
	free(bh);
	rc = rc < 0 ? rc : IPP_OK;
	count(s, "scan", t0, rc);
	return (rc);
}

int
ipp_store_check(struct ipp_store *s, char *report, size_t len)
{
	return (s->ops->check(s->b, report, len));
}

int
ipp_store_verify(const struct ipp_config *cfg, ipp_store_report_fn report,
    void *arg, char *err, size_t errlen)
{
	const struct ipp_store_ops *ops = find_backend(ipp_store_backend_name(cfg));

	if (ops == NULL || ops->verify == NULL)
		return (IPP_NOTSUPP);
	return (ops->verify(cfg, report, arg, err, errlen));
}

int
ipp_store_recover(const struct ipp_config *cfg, int catastrophic, char *err,
    size_t errlen)
{
	const struct ipp_store_ops *ops = find_backend(ipp_store_backend_name(cfg));

	if (ops == NULL || ops->recover == NULL)
		return (IPP_NOTSUPP);
	return (ops->recover(cfg, catastrophic, err, errlen));
}

int
ipp_store_backup(struct ipp_store *s, const char *dir, char *err, size_t errlen)
{
	if (s->ops->backup == NULL)
		return (IPP_NOTSUPP);
	return (s->ops->backup(s->b, dir, err, errlen));
}

int
ipp_store_backup_supported(const struct ipp_config *cfg)
{
	const struct ipp_store_ops *ops = find_backend(ipp_store_backend_name(cfg));

	return (ops != NULL && ops->backup != NULL);
}

void
ipp_store_backoff(int attempt)
{
	unsigned long us = 100UL << (attempt < 9 ? attempt : 9);	/* to 51 ms */

	us = us / 2 + (unsigned long) random() % (us / 2 + 1);
	(void) usleep((useconds_t) us);
}
