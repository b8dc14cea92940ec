/* store_backend.h - what a store backend implements, private to store.c
 * and the backend files (store_bdb.c, ...).  Nothing else includes it:
 * callers see only lib/store/store.h and its contract, which every backend
 * honours and tests/unit/test_store.c checks.
 *
 * To add a backend NAME: write lib/store/store_NAME.c defining
 * "const struct ipp_store_ops ipp_store_NAME_ops", declare it below, list
 * it in backends[] in store.c (under its configure conditional) and add
 * the file to Makefile.am.  Then run the conformance suite against it:
 * tests/unit/test_store NAME. */
#ifndef IPP_STORE_BACKEND_H
#define IPP_STORE_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "store.h"
#include "window.h"

/*
 * One batch of a scan (store.c drives scans): the backend reads, inside
 * a transaction, up to IPP_SCAN_BATCH records whose key starts with
 * prefix, in key order, after the key "from" (from the prefix on when
 * from is NULL).  It sets n and recs (malloc()ed copies), moves "from"
 * to the last key it passed (a record that vanished meanwhile included)
 * and sets end when no key with the prefix follows.
 */
#define IPP_SCAN_BATCH	256
struct ipp_scan_rec {
	void   *k, *v;
	size_t	kl, vl;
	int	del;			/* the callback asked for its deletion */
};
struct ipp_scan_batch {
	enum ipp_table tab;
	const void *prefix;
	size_t	plen;
	void   *from;			/* malloc()ed; store.c frees it */
	size_t	fromlen;
	struct ipp_scan_rec recs[IPP_SCAN_BATCH];
	int	n;
	int	end;
};

/*
 * The entry points store.c dispatches to; "h" is what open returned,
 * "txn" the handle the backend put into the ipp_txn it gave the body.
 * Each one keeps the promise of the ipp_store_* or ipp_txn_* call of
 * the same name in store.h.
 */
struct ipp_store_ops {
	const char *name;
	/* as root, before privileges drop; NULL when nothing is needed */
	int	(*prepare)(const struct ipp_config *, uid_t, gid_t, char *err,
		    size_t errlen);
	void   *(*open)(const struct ipp_config *, char *err, size_t errlen);
	void	(*close)(void *h);
	int	(*run)(void *h, ipp_txn_fn, void *arg);
	int	(*get)(void *txn, enum ipp_table, const void *, size_t,
		    struct ipp_buf *, int flags);
	int	(*put)(void *txn, enum ipp_table, const void *, size_t,
		    const void *, size_t);
	int	(*del)(void *txn, enum ipp_table, const void *, size_t);
	int	(*scan_batch)(void *txn, struct ipp_scan_batch *);
	/* several gets in one go; NULL: store.c calls get for each */
	int	(*getv)(void *txn, enum ipp_table, size_t n, const void *const *keys,
		    const size_t *klens, struct ipp_buf *vals, int *found, int flags);
	/* window.h's operations as one operation of the backend's own;
	 * NULL: window.c runs them as transactions */
	int	(*window_reserve)(void *h, const char *key, size_t klen, unsigned limit,
		    const struct ipp_window_span *, time_t now, uint64_t token,
		    time_t *retry_at);
	int	(*window_settle)(void *h, const struct ipp_window_resv *, size_t n,
		    int accept, const struct ipp_window_span *, time_t now);
	int	(*check)(void *h, char *report, size_t len);
	const char *(*describe)(void *h);
	/* maintenance (ippoolctl store); NULL: not for this backend */
	int	(*verify)(const struct ipp_config *, ipp_store_report_fn, void *,
		    char *err, size_t errlen);
	int	(*recover)(const struct ipp_config *, int catastrophic, char *err,
		    size_t errlen);
	int	(*backup)(void *h, const char *dir, char *err, size_t errlen);
};

/* What a body receives: the backend's ops and its transaction handle. */
struct ipp_txn {
	const struct ipp_store_ops *ops;
	void   *handle;
};

/* Before attempt ATTEMPT (0 first) again of a transaction that met a
 * conflict: a random sleep doubling to ~51 ms, so that the transactions
 * that collided do not collide again in step. */
void	ipp_store_backoff(int attempt);

/* The backend of an open store and its handle (window.c). */
const struct ipp_store_ops *ipp_store_backend(struct ipp_store *, void **h);
/* [store] redis_clock_skew for Redis, 0 for an embedded store */
time_t	ipp_store_clock_skew(const struct ipp_store *);

extern const struct ipp_store_ops ipp_store_bdb_ops;
extern const struct ipp_store_ops ipp_store_redis_ops;

#endif
