/* milter.h - what the ippool-milter files share: the store handle and the
 * libmilter filter description. */
#ifndef IPP_MILTER_H
#define IPP_MILTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <libmilter/mfapi.h>

#include "addr.h"
#include "confref.h"
#include "direction.h"
#include "pool.h"
#include "store.h"

#define MILTER_NAME "ippool"
/* libmilter's packet limit: one header field is one packet, and Postfix
 * passes fields up to header_size_limit (102,400 bytes by default) */
#define MILTER_MAX_DATA	(256 * 1024)

/* Opened once at start (after dropping privileges), shared by all threads. */
extern struct ipp_store *milter_store;

/* Sessions in progress, so that shutdown does not close the store under them. */
extern atomic_int milter_sessions;

extern struct smfiDesc milter_desc;


/* Per-connection state, kept with smfi_setpriv. */
struct conn {
	int	nr_hdr;			/* SMFIP_NR_HDR negotiated */
	/* the current message */
	struct ipp_confref *ref;	/* config of this message */
	const struct ipp_pool *pool;
	enum ipp_pool_why why;
	struct ipp_direction dir;	/* outbound: ippool acts on the message */
	char	sender[IPP_ADDR_MAX + 1];
	unsigned ntags;			/* client-supplied tag headers seen */
	unsigned long nrcpt;		/* recipients the milter let through (metrics) */
	unsigned long removed;		/* of them, removed at the end (protect.c) */
	int	held;			/* the message was quarantined (protect.c) */
	int	local;			/* a local submission (Postfix non_smtpd_milters) */
	struct protect *prot;		/* recipient protection (protect.c) */
	struct sign_conn *sign;		/* DKIM signing (sign.c), for the connection */
	/* the return path (retpath.c) */
	int	chgfrom;		/* SMFIF_CHGFROM negotiated */
	struct retpath_msg *rp;
	struct unsub_msg *unsub;	/* one-click unsubscribe (unsub.c) */
	int	eoh;			/* the end of the header was handled */
};

#endif
