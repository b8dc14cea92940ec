/* suppress_migrate.c - bring the suppression list to the canonical key
 * form, so that no suppression is lost when ippool upgrades from keys that
 * kept the local part as written, or when recipient_delimiter changes. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "suppress.h"

#define MARK_KEY "supp-canon"
#define MARK_VERSION "1"		/* bump when ipp_addr_canon changes */

struct collect {
	const char *delim;
	struct ipp_supp *v;
	size_t	n, cap;
	int	nomem;
};

static int
collect_cb(const struct ipp_supp *s, void *arg)
{
	struct collect *co = arg;
	char	canon[IPP_ADDR_MAX + 1];

	if (ipp_addr_canon(s->addr, co->delim, canon, sizeof(canon)) != 0
	    || strcmp(canon, s->addr) == 0)
		return (IPP_SCAN_NEXT);
	if (co->n == co->cap) {
		size_t	ncap = co->cap ? co->cap * 2 : 64;
		struct ipp_supp *g = realloc(co->v, ncap * sizeof(*g));

		if (g == NULL) {
			co->nomem = 1;
			return (IPP_ERR);
		}
		co->v = g;
		co->cap = ncap;
	}
	co->v[co->n++] = *s;
	return (IPP_SCAN_NEXT);
}

struct move_arg {
	const struct ipp_supp *old;
	const char *delim;
};

static int
move_body(struct ipp_txn *txn, void *arg)
{
	struct move_arg *ma = arg;
	struct ipp_supp s = *ma->old;
	int	rc;

	if (ipp_addr_canon(ma->old->addr, ma->delim, s.addr, sizeof(s.addr)) != 0)
		return (IPP_OK);
	if ((rc = ipp_supp_txn_put(txn, &s, IPP_SUPP_EXTEND)) < 0)
		return (rc);
	rc = ipp_supp_txn_del(txn, ma->old->addr, ma->old->sender_domain);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

struct mark_arg {
	const char *want;
	int	set;
	int	same;
};

static int
mark_body(struct ipp_txn *txn, void *arg)
{
	struct mark_arg *ma = arg;
	struct ipp_buf v = { NULL, 0 };
	int	rc;

	if (ma->set)
		return (ipp_txn_put(txn, IPP_T_META, MARK_KEY, strlen(MARK_KEY), ma->want,
		    strlen(ma->want)));
	rc = ipp_txn_get(txn, IPP_T_META, MARK_KEY, strlen(MARK_KEY), &v, 0);
	ma->same = rc == IPP_OK && v.len == strlen(ma->want)
	    && memcmp(v.data, ma->want, v.len) == 0;
	free(v.data);
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_supp_migrate(struct ipp_store *st, const char *delim, unsigned long *moved)
{
	struct collect co = { delim, NULL, 0, 0, 0 };
	struct mark_arg mk;
	struct move_arg mv;
	char	want[64];
	size_t	i;
	int	rc;

	*moved = 0;
	(void) snprintf(want, sizeof(want), "%s %s", MARK_VERSION, delim ? delim : "");
	mk.want = want;
	mk.set = 0;
	mk.same = 0;
	if ((rc = ipp_store_run(st, mark_body, &mk)) < 0)
		return (rc);
	if (mk.same)
		return (IPP_OK);
	if ((rc = ipp_supp_scan(st, collect_cb, &co)) < 0) {
		free(co.v);
		return (rc);
	}
	/* one transaction each: a large list holds no lock for long */
	for (i = 0; i < co.n; i++) {
		mv.old = &co.v[i];
		mv.delim = delim;
		if ((rc = ipp_store_run(st, move_body, &mv)) < 0) {
			free(co.v);
			return (rc);
		}
		(*moved)++;
	}
	free(co.v);
	mk.set = 1;
	rc = ipp_store_run(st, mark_body, &mk);
	return (rc < 0 ? rc : IPP_OK);
}

void
ipp_supp_migrate_log(struct ipp_store *st, const char *delim)
{
	unsigned long moved = 0;

	if (ipp_supp_migrate(st, delim, &moved) < 0)
		msg_warn("the suppression list could not be re-keyed to the canonical recipient"
		    " form (%lu entries done): the store failed; it is tried again at the next"
		    " start", moved);
	else if (moved > 0)
		msg_info("suppression list: %lu entr%s re-keyed to the canonical recipient form",
		    moved, moved == 1 ? "y" : "ies");
}
