/* store.h - the one logical store shared by ippool-milter, ippool-policyd
 * and ippoolctl (DESIGN.md "Store").  Callers see tables of keys and
 * values read and written inside transactions that are retried on
 * conflict; they never see which backend holds them. */
#ifndef IPP_STORE_H
#define IPP_STORE_H

#include <stddef.h>

#include "config.h"

enum ipp_table {
	IPP_T_META,		/* schema version, bookkeeping */
	IPP_T_SUPPRESS,		/* suppression list */
	IPP_T_WINDOW,		/* per-recipient sliding windows */
	IPP_T_WARMUP,		/* warm-up state per (IP, ISP) */
	IPP_T_STATS,		/* daily statistics per pool, IP, ISP, sender domain */
	IPP_T_APPLIED,		/* log lines already applied by ingest */
	IPP_T_COUNT
};

/* Return codes of store calls and of transaction bodies. */
#define IPP_OK		0
#define IPP_NOTFOUND	1
#define IPP_ERR		(-1)	/* store failure: callers answer 4xx */
#define IPP_RETRY	(-2)	/* conflict: the body is run again */
#define IPP_ABORT	(-3)	/* body chose to roll back; not an error */

struct ipp_store;
struct ipp_txn;

/* A growable value buffer; free data with free(). */
struct ipp_buf {
	void   *data;
	size_t	len;
};

/*
 * Open (creating on first use) the store the config names.  On failure
 * returns NULL and a message naming the path and what to do.
 */
struct ipp_store *ipp_store_open(const struct ipp_config *, char *err, size_t errlen);
void	ipp_store_close(struct ipp_store *);
const char *ipp_store_describe(const struct ipp_store *);

/*
 * Run body(txn, arg) in one transaction.  A body returning >= 0 commits
 * and that value is returned; IPP_RETRY (from a txn call that hit a
 * deadlock) aborts and runs the body again, with backoff; any other
 * negative value aborts and is returned.  Bodies must be idempotent up to
 * their store calls (they may run several times).
 */
typedef int (*ipp_txn_fn)(struct ipp_txn *, void *arg);
int	ipp_store_run(struct ipp_store *, ipp_txn_fn body, void *arg);

/* Inside a body.  flags: IPP_GET_RMW locks the record for update. */
#define IPP_GET_RMW	1
int	ipp_txn_get(struct ipp_txn *, enum ipp_table, const void *key, size_t klen,
	    struct ipp_buf *val, int flags);
int	ipp_txn_put(struct ipp_txn *, enum ipp_table, const void *key, size_t klen,
	    const void *val, size_t vlen);
int	ipp_txn_del(struct ipp_txn *, enum ipp_table, const void *key, size_t klen);

/*
 * Visit every record whose key starts with prefix (all records for an
 * empty prefix), in key order, in batches of short transactions so that a
 * large table does not hold locks for long.  The callback returns one of
 * the IPP_SCAN_* codes, or a negative value to stop with that value.  It
 * must not call the store.
 */
#define IPP_SCAN_NEXT	0
#define IPP_SCAN_STOP	1
#define IPP_SCAN_DELETE	2
typedef int (*ipp_scan_fn)(const void *key, size_t klen, const void *val,
	    size_t vlen, void *arg);
int	ipp_store_scan(struct ipp_store *, enum ipp_table, const void *prefix,
	    size_t plen, ipp_scan_fn cb, void *arg);

/* Consistency and size report for "ippoolctl check". */
int	ipp_store_check(struct ipp_store *, char *report, size_t len);

const char *ipp_table_name(enum ipp_table);

/* Backend entry points (store.c dispatches). */
struct ipp_store_ops {
	const char *name;
	void   *(*open)(const struct ipp_config *, char *err, size_t errlen);
	void	(*close)(void *);
	int	(*run)(void *, ipp_txn_fn, void *arg);
	int	(*get)(void *txn, enum ipp_table, const void *, size_t, struct ipp_buf *, int);
	int	(*put)(void *txn, enum ipp_table, const void *, size_t, const void *, size_t);
	int	(*del)(void *txn, enum ipp_table, const void *, size_t);
	int	(*scan)(void *, enum ipp_table, const void *, size_t, ipp_scan_fn, void *);
	int	(*check)(void *, char *, size_t);
	const char *(*describe)(void *);
};
extern const struct ipp_store_ops ipp_store_bdb_ops;

/* Backends hand bodies a txn wrapping their own handle. */
struct ipp_txn {
	const struct ipp_store_ops *ops;
	void   *handle;
};

#endif
