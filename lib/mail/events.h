/* events.h - events for the customer's URL ([events]; ippoolctl(8)
 * EVENTS): one JSON object per delivery, deferral, bounce, complaint,
 * unsubscribe or suppression that ippool records.  Recording an event is
 * a write into a durable outbox in the store, "o|SEQ" in the stats table,
 * in the same transaction as the fact it reports, so that an event is
 * announced exactly when its fact committed and survives any restart;
 * "ippoolctl events run" (evsend.h) posts them and removes each after
 * its receiver answered 2xx. */
#ifndef IPP_EVENTS_H
#define IPP_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"

enum ipp_event_type {
	IPP_EV_DELIVERY,
	IPP_EV_DEFERRAL,
	IPP_EV_BOUNCE,
	IPP_EV_COMPLAINT,
	IPP_EV_UNSUBSCRIBE,
	IPP_EV_SUPPRESSION
};

/* What happened; a NULL or empty field is null in the JSON. */
struct ipp_event {
	enum ipp_event_type type;
	time_t	when;
	const char *pool;
	const char *ip;
	const char *isp;
	const char *sender;		/* envelope sender */
	const char *recipient;		/* as written; required */
	const char *status;		/* DSN "5.1.1"; a suppression's reason */
	const char *diagnostic;		/* the server's reply, the report's text */
};

const char *ipp_event_type_name(enum ipp_event_type);

/* Whether any receiver is configured ([events] url, domain_urls, a pool's
 * events_url): without one nothing is recorded. */
int	ipp_events_enabled(const struct ipp_config *);

/*
 * The receiver of an event of POOL (NULL or "" for none) from SENDER
 * (an address or ""): the sender domain's entry in domain_urls, else the
 * pool's events_url, else [events] url; NULL when none applies.
 */
const char *ipp_event_url(const struct ipp_config *, const char *pool, const char *sender);

/*
 * Inside a transaction body (store.h), in the body that writes the fact
 * EV reports: add EV to the outbox, after every event recorded before
 * it.  Nothing is added when no receiver applies to it.  IPP_OK, or a
 * negative store code to pass up (IPP_ERR also when EV has no recipient
 * or cannot be encoded).  It reads the outbox's sequence for update, so
 * concurrent writers of events serialize on it.
 */
int	ipp_event_txn_add(struct ipp_txn *, const struct ipp_config *,
	    const struct ipp_event *);

/* --- the outbox, for the sender and "ippoolctl events" ------------------- */

#define IPP_OUTBOX_KEY_MAX	24	/* "o|" + 20 digits */

/* One outbox record. */
struct ipp_outbox_rec {
	char	key[IPP_OUTBOX_KEY_MAX + 1];
	uint64_t seq;
	char   *body;			/* the exact JSON posted, the same on every try */
	char	id[40];			/* the event's id */
	char	rcpt[320];		/* recipient, lower-cased: the order key */
	char	pool[IPP_NAME_MAX + 1];
	char	sender[320];
	char	type[16];
	time_t	created;		/* recorded at */
	time_t	next;			/* not to be tried before */
	unsigned attempts;
	int	failed;			/* given up: kept for the administrator */
	char	error[300];		/* the last failure */
};

void	ipp_outbox_rec_free(struct ipp_outbox_rec *);

/* Every record in sequence order; cb gets a record it does not own and
 * returns 0 to go on, 1 to stop, or a negative value to end with it.
 * A damaged record is skipped with a warning. */
typedef int (*ipp_outbox_fn)(const struct ipp_outbox_rec *, void *);
int	ipp_outbox_scan(struct ipp_store *, ipp_outbox_fn, void *);

/* Delete a delivered record (IPP_OK also when it is gone already). */
int	ipp_outbox_done(struct ipp_store *, const struct ipp_outbox_rec *);

/* Write back a record's attempts, next, failed and error, if it still
 * exists (IPP_NOTFOUND otherwise). */
int	ipp_outbox_update(struct ipp_store *, const struct ipp_outbox_rec *);

/* Make failed records pending again (all, or the one with id ID);
 * *n gets how many. */
int	ipp_outbox_retry(struct ipp_store *, const char *id, unsigned long *n);

/* Remove failed records (all, or the one with id ID); *n gets how many. */
int	ipp_outbox_drop(struct ipp_store *, const char *id, unsigned long *n);

#endif
