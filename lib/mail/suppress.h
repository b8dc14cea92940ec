/* suppress.h - the suppression list (DESIGN.md "Recipient protection"):
 * recipients that must not be mailed, per address or per (sender domain,
 * address) for unsubscribes, with reason, lifetime and source.  Shared by
 * the milter (RCPT check), ingest (bounces) and ippoolctl. */
#ifndef IPP_SUPPRESS_H
#define IPP_SUPPRESS_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "store.h"

enum ipp_supp_reason {
	IPP_SUPP_BOUNCE,
	IPP_SUPP_COMPLAINT,
	IPP_SUPP_UNSUBSCRIBE,
	IPP_SUPP_MANUAL
};

struct ipp_supp {
	char	addr[IPP_ADDR_MAX + 1];		/* canonical (ipp_addr_canon) */
	char	sender_domain[256];		/* "" = every sender */
	enum ipp_supp_reason reason;
	time_t	created;
	time_t	expires;			/* 0 = permanent */
	char	source[256];			/* where it came from */
};

/* How a put treats an existing entry of the same key. */
enum ipp_supp_mode {
	IPP_SUPP_REPLACE,	/* the operator's word: overwrite */
	IPP_SUPP_EXTEND		/* automatic: never shorten what is there */
};

const char *ipp_supp_reason_name(enum ipp_supp_reason);
int	ipp_supp_reason_parse(const char *, enum ipp_supp_reason *);

/*
 * Fill addr (the canonical form, ipp_addr_canon with the sub-address
 * delimiters DELIM) and sender_domain of a record from user input (angle
 * brackets, case, sub-address); returns 0, or -1 with a reason.
 */
int	ipp_supp_set_target(struct ipp_supp *, const char *addr,
	    const char *sender_domain, const char *delim, char *err, size_t errlen);

int	ipp_supp_expired(const struct ipp_supp *, time_t now);

/* Inside a transaction. */
int	ipp_supp_txn_put(struct ipp_txn *, const struct ipp_supp *, enum ipp_supp_mode);
/* N puts at once, as N ipp_supp_txn_put in turn, with one read of the
 * entries there (one round trip on Redis): an import's batch. */
int	ipp_supp_txn_putv(struct ipp_txn *, const struct ipp_supp *, size_t n,
	    enum ipp_supp_mode);
int	ipp_supp_txn_del(struct ipp_txn *, const char *addr, const char *sender_domain);

/*
 * Re-key entries stored under another form than the canonical one with
 * DELIM (written before ippool keyed recipients canonically, or before
 * recipient_delimiter changed), merging as an automatic add does (never
 * shortening).  Cheap when nothing changed: a marker in the store records
 * the form the entries have.  *moved gets the number of entries re-keyed.
 */
int	ipp_supp_migrate(struct ipp_store *, const char *delim, unsigned long *moved);
/* The same at a program's start: what it did, or why not, goes to the log. */
void	ipp_supp_migrate_log(struct ipp_store *, const char *delim);

/*
 * Is RCPT suppressed for mail from SENDER_DOMAIN ("" if unknown) at NOW?
 * IPP_OK with the entry (the address-wide one first), IPP_NOTFOUND, or a
 * negative store code.  Expired entries do not count.
 */
int	ipp_supp_check(struct ipp_store *, const char *rcpt, const char *sender_domain,
	    time_t now, struct ipp_supp *);
int	ipp_supp_add(struct ipp_store *, const struct ipp_supp *, enum ipp_supp_mode);
/* IPP_OK, IPP_NOTFOUND, or a store failure. */
int	ipp_supp_get(struct ipp_store *, const char *addr, const char *sender_domain,
	    struct ipp_supp *);
int	ipp_supp_del(struct ipp_store *, const char *addr, const char *sender_domain);

/* Visit every entry (expired ones too); cb returns IPP_SCAN_*. */
typedef int (*ipp_supp_visit_fn)(const struct ipp_supp *, void *);
int	ipp_supp_scan(struct ipp_store *, ipp_supp_visit_fn, void *);

/* Drop expired entries; *removed gets their number (one renewed while the
 * purge ran is counted but stays: a scan deletes only unchanged records). */
int	ipp_supp_purge(struct ipp_store *, time_t now, unsigned long *removed);

/* "until 2026-11-23 14:05 UTC" or "permanently", for replies and listings. */
void	ipp_supp_until(const struct ipp_supp *, char *buf, size_t len);

#endif
