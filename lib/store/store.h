/* store.h - the store layer of lib/ (may use lib/conf and lib/util; the
 * mail, ingest and daemon layers above use it): the one logical store shared by ippool-milter, ippool-policyd
 * and ippoolctl (DESIGN.md "Store").  Callers see tables of keys and
 * values read and written inside transactions; they never see which
 * backend holds them ([store] backend; lib/store/store_backend.h is the other
 * side).  The comments in this file are the whole contract: callers rely
 * on nothing else, every backend keeps all of it, and
 * tests/unit/test_store.c checks it against the backend it is given. */
#ifndef IPP_STORE_H
#define IPP_STORE_H

#include <stddef.h>

#include "config.h"

/*
 * Tables are separate key spaces.  Keys are 1 to 2048 bytes, values 0 to
 * 1 MiB, both arbitrary bytes.  Each table holds the kinds of record
 * below, told apart by how the key starts; only the file named writes a
 * kind, and only the scans listed exist.  A new kind or scan is a change
 * to this list: a scan prefix selects whole kinds, never part of one
 * kind and part of another.
 *
 *   meta      "schema"                   store.c; never scanned
 *             "supp-canon"               suppress_migrate.c (the key form
 *                                        of the suppression list)
 *             "events-seq"               events.c (the outbox's last SEQ);
 *                                        never scanned
 *   suppress  "a|ADDR", "s|SDOM|ADDR"    suppress.c; scans "" (the table
 *                                        holds nothing else); ADDR is the
 *                                        canonical form (ipp_addr_canon)
 *   window    "ADDR" (no prefix)         window.c (for ratelimit.c), or
 *                                        the backend's own window
 *                                        operations on its format
 *                                        (window.h); never scanned; a
 *                                        record not written for
 *                                        IPP_WINDOW_IDLE_TTL seconds may
 *                                        vanish (Redis: a TTL)
 *   warmup    "IP|ISP"                   warmup.c; scans "" and "IP|"
 *   stats     "f|ADDR" soft failures     feedback.c; scans "f|" (ADDR
 *                                        canonical)
 *             "g|DOMAIN" bounce guard    bounceguard.c; scans "g|"
 *             "d|DAY|IP|ISP" results     daystats.c (from ingest's warm-up
 *                                        handler); scans "d|", stopping
 *                                        past the last DAY wanted (8
 *                                        digits, relying on key order)
 *             "r|DAY|POOL|ISP" routing   daystats.c (from policyd's
 *                                        route); scans "r|", likewise
             "p|POOL" the same per pool bounceguard.c; scans "p|"
             "t|ID" return-path tokens  retpath.c; scans "t|" (ID: 16
                                        hex digits)
 *             "o|SEQ" events outbox      events.c; scans "o|" (SEQ: 20
 *                                        digits, so key order is the
 *                                        order of recording)
 *   applied   "QHOST|QID" queue senders  feedback.c; scans "Q"
 *             "FHASH" applied findings   fbapply.c; scans "F" (HASH: 64
                                        hex digits)
             "DDAY|..." applied lines   ingest.c; scans "D" and stops
 *                                        at the first recent DAY (8
 *                                        digits), relying on key order
 *   every table but window: scans "" (ctl/cmd_store.c, "store export")
 */
/* Longer than any window entry lives (ratelimit.h checks): an idle window
 * holds nothing that counts. */
#define IPP_WINDOW_IDLE_TTL	(2 * 3600)

enum ipp_table {
	IPP_T_META,		/* schema version, bookkeeping */
	IPP_T_SUPPRESS,		/* suppression list */
	IPP_T_WINDOW,		/* per-recipient sliding windows */
	IPP_T_WARMUP,		/* warm-up state per (IP, ISP) */
	IPP_T_STATS,		/* soft failures, bounce guard per sender domain */
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
struct ipp_txn;			/* opaque: only the txn calls below use it */

/*
 * A value read.  data is NULL or a malloc()ed buffer that a get may
 * realloc() (so one buffer may serve several gets); len is the value's
 * length, 0 when not found.  The caller frees data, after errors too.
 */
struct ipp_buf {
	void   *data;
	size_t	len;
};

/*
 * As root, before ipp_privs_drop(USER): make ready what the backend needs
 * USER to own (Berkeley DB: the environment directory, created for USER
 * when missing).  Nothing to do when not root, with no USER, or when USER
 * is root.  Returns 0, or -1 with a message in err.
 */
int	ipp_store_prepare(const struct ipp_config *, const char *user, char *err,
	    size_t errlen);

/*
 * Open (creating on first use) the store the config names, with the
 * privileges the process will keep.  On failure returns NULL and a
 * message naming the store and what to do; a backend this build lacks
 * is refused here.  One store may serve several threads at once; a
 * child process opens its own.
 */
struct ipp_store *ipp_store_open(const struct ipp_config *, char *err, size_t errlen);
void	ipp_store_close(struct ipp_store *);
const char *ipp_store_describe(const struct ipp_store *);

/* Whether this build has the backend called NAME ("bdb", "redis"). */
int	ipp_store_has_backend(const char *name);

/*
 * Transactions.  ipp_store_run(store, body, arg) runs body(txn, arg) as
 * one transaction:
 *
 * - Atomic.  A body returning >= 0 commits and that value is returned.
 *   A body returning a negative value other than IPP_RETRY (IPP_ABORT,
 *   IPP_ERR, or a code of its own) rolls back and the value is returned.  Either all
 *   of a body's writes become visible or none, also when the process dies
 *   (SIGKILL) anywhere inside ipp_store_run; the store opens and works
 *   afterwards.
 * - Durable.  Once ipp_store_run has returned >= 0 the writes survive the
 *   death of any process; [store] sync decides about the machine's.
 * - Isolated.  Inside a body, a get sees what committed transactions
 *   wrote and what this body wrote before (a put or del is visible to
 *   the same body's later gets), never another transaction's
 *   uncommitted writes.  A plain get is a committed value that another
 *   transaction may replace before this one commits.  A get with
 *   IPP_GET_RMW ("read for update") also guarantees that no other
 *   transaction writes that key, nor creates it when it was absent,
 *   between this read and this commit: the backend makes the other writer
 *   wait, or runs one of the two bodies again.  So a body that reads with
 *   IPP_GET_RMW every record its writes depend on is serializable
 *   against every other transaction: N processes each adding 1 to one
 *   counter this way leave exactly N, and of N that each insert a key
 *   read as absent, exactly one inserts it.
 * - Retried.  When the backend finds a conflict (a txn call returns
 *   IPP_RETRY, or the commit fails) it rolls back and runs the body again,
 *   with backoff, for a bounded time that stays well inside the MTA's
 *   timeouts (seconds); after that, IPP_ERR.  A body returning
 *   IPP_RETRY itself is retried the same way.
 *
 * So a body must
 * - pass every negative value of a txn call up at once, unchanged, and
 *   make no further txn call after one (IPP_RETRY, IPP_ERR);
 * - be correct when run several times: it sets every result it hands
 *   back through arg from scratch on each run, and does nothing outside
 *   the store that must happen once (log an event, send, count): that is
 *   done by the caller after ipp_store_run returns.  A rate-limited
 *   warning about a damaged record is fine;
 * - be short, and never call ipp_store_run or ipp_store_scan (of any
 *   store) nor wait for anything outside the store.
 */
typedef int (*ipp_txn_fn)(struct ipp_txn *, void *arg);
int	ipp_store_run(struct ipp_store *, ipp_txn_fn body, void *arg);

/*
 * Inside a body.  get: IPP_OK with the value, or IPP_NOTFOUND; put
 * creates or replaces: IPP_OK; del: IPP_OK, or IPP_NOTFOUND when there
 * was nothing.  Any of them may return IPP_RETRY or IPP_ERR.
 */
#define IPP_GET_RMW	1	/* read for update: see "Isolated" above */
int	ipp_txn_get(struct ipp_txn *, enum ipp_table, const void *key, size_t klen,
	    struct ipp_buf *val, int flags);
int	ipp_txn_put(struct ipp_txn *, enum ipp_table, const void *key, size_t klen,
	    const void *val, size_t vlen);
int	ipp_txn_del(struct ipp_txn *, enum ipp_table, const void *key, size_t klen);

/*
 * N gets at once (one round trip where the backend can): found[i] says
 * whether keys[i] has a value, then in vals[i].  flags as for a get
 * (IPP_GET_RMW: each key is read for update).  IPP_OK, or IPP_RETRY or
 * IPP_ERR as a get.
 */
int	ipp_txn_getv(struct ipp_txn *, enum ipp_table, size_t n, const void *const *keys,
	    const size_t *klens, struct ipp_buf *vals, int *found, int flags);

/*
 * Scans.  ipp_store_scan visits the records whose key starts with prefix
 * (every record for an empty prefix) in ascending key order: bytes
 * compared as unsigned, a key before the longer keys it starts.  It
 * reads in batches of short transactions so that a large table does not
 * hold up writers, and is NOT a snapshot:
 * - a record present and unchanged for the whole scan is visited exactly
 *   once; no key is visited twice;
 * - a record written or deleted while the scan runs may be visited or
 *   not, with its old or its new value;
 * - records visited are each a committed value, but not all of the same
 *   moment.
 * The callback gets key and value (valid during the call only) and
 * returns IPP_SCAN_NEXT, IPP_SCAN_STOP (end the scan), IPP_SCAN_DELETE
 * (delete this record and go on), or a negative value to end the scan
 * with that value.  A record to delete is deleted before ipp_store_scan
 * returns, also when the scan ends early, unless its value has changed
 * since the callback saw it (it was renewed: it stays).  The callback
 * runs outside any transaction, so other threads and processes may write
 * meanwhile; it must not call the store itself.  Returns IPP_OK, the
 * callback's negative value, or IPP_ERR.
 */
#define IPP_SCAN_NEXT	0
#define IPP_SCAN_STOP	1
#define IPP_SCAN_DELETE	2
typedef int (*ipp_scan_fn)(const void *key, size_t klen, const void *val,
	    size_t vlen, void *arg);
int	ipp_store_scan(struct ipp_store *, enum ipp_table, const void *prefix,
	    size_t plen, ipp_scan_fn cb, void *arg);

/*
 * Consistency and size report for "ippoolctl check": the store's
 * description, then " TABLE=N" for every table in ipp_table_name order,
 * then what else the backend reports.  IPP_OK or IPP_ERR.
 */
int	ipp_store_check(struct ipp_store *, char *report, size_t len);

const char *ipp_table_name(enum ipp_table);

/*
 * Maintenance of the backend's own files ("ippoolctl store").  Each
 * returns IPP_OK, IPP_ERR with a message in err, or IPP_NOTSUPP when the
 * backend has no such thing (Redis keeps its files itself).
 *
 * ipp_store_verify checks every file of the store with no store open and
 * calls report(FILE, PROBLEM, arg) once per damaged or unreadable file
 * (PROBLEM NULL: the file is sound); IPP_OK when all are sound,
 * IPP_NOTFOUND when one is not.  ipp_store_recover runs recovery
 * (catastrophic: from every log file there is) and refuses, with the
 * process named in err, while another process has the store open.
 * ipp_store_backup copies an open store, live, into DIR as a store that
 * opens by itself; DIR is created, or emptied first: the caller makes
 * sure it holds nothing else than an earlier backup.
 */
#define IPP_NOTSUPP	(-4)
typedef void (*ipp_store_report_fn)(const char *file, const char *problem,
	    void *arg);
int	ipp_store_verify(const struct ipp_config *, ipp_store_report_fn, void *arg,
	    char *err, size_t errlen);
int	ipp_store_recover(const struct ipp_config *, int catastrophic, char *err,
	    size_t errlen);
int	ipp_store_backup(struct ipp_store *, const char *dir, char *err, size_t errlen);
int	ipp_store_backup_supported(const struct ipp_config *);
/* The backend's name ("bdb", "redis") the config selects. */
const char *ipp_store_backend_name(const struct ipp_config *);

#endif
