/* suppress.c - suppression records in the store's suppress table.
 *
 * Keys: "a|ADDR" (every sender) and "s|SENDERDOMAIN|ADDR" (unsubscribe
 * scope).  Values: "REASON\tCREATED\tEXPIRES\tSOURCE", text so that
 * db_dump shows them, EXPIRES 0 meaning permanent. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "parse.h"
#include "suppress.h"

static const char *reason_names[] = { "bounce", "complaint", "unsubscribe", "manual" };

const char *
ipp_supp_reason_name(enum ipp_supp_reason r)
{
	return ((unsigned) r < 4 ? reason_names[r] : "?");
}

int
ipp_supp_reason_parse(const char *s, enum ipp_supp_reason *r)
{
	int	i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, reason_names[i]) == 0) {
			*r = (enum ipp_supp_reason) i;
			return (0);
		}
	return (-1);
}

int
ipp_supp_set_target(struct ipp_supp *s, const char *addr, const char *sdom,
    const char *delim, char *err, size_t errlen)
{
	char	norm[IPP_ADDR_MAX + 1];
	const char *d;

	/* an empty local part would become "" after canonicalization */
	if (ipp_addr_normalize(addr, norm, sizeof(norm)) != 0 || norm[0] == '@'
	    || ipp_addr_canon(norm, delim, s->addr, sizeof(s->addr)) != 0
	    || (d = ipp_addr_domain(s->addr)) == NULL || d == s->addr + 1
	    || !ipp_valid_hostname(d)) {
		(void) snprintf(err, errlen, "\"%s\" is not an address (user@domain)", addr);
		return (-1);
	}
	s->sender_domain[0] = '\0';
	if (sdom != NULL && *sdom != '\0') {
		if (*sdom == '@')
			sdom++;
		if (strlen(sdom) >= sizeof(s->sender_domain) || !ipp_valid_hostname(sdom)) {
			(void) snprintf(err, errlen, "\"%s\" is not a domain", sdom);
			return (-1);
		}
		(void) strcpy(s->sender_domain, sdom);
		ipp_domain_lower(s->sender_domain);
	}
	return (0);
}

int
ipp_supp_expired(const struct ipp_supp *s, time_t now)
{
	return (s->expires != 0 && s->expires <= now);
}

static int
make_key(const char *addr, const char *sdom, char *key, size_t len)
{
	int	n;

	if (sdom != NULL && *sdom != '\0')
		n = snprintf(key, len, "s|%s|%s", sdom, addr);
	else
		n = snprintf(key, len, "a|%s", addr);
	return (n > 0 && (size_t) n < len ? n : -1);
}

static int
encode(const struct ipp_supp *s, char *buf, size_t len)
{
	char	source[sizeof(s->source)], *p;
	int	n;

	/* tabs and newlines would break the record */
	(void) snprintf(source, sizeof(source), "%s", s->source);
	for (p = source; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	n = snprintf(buf, len, "%s\t%lld\t%lld\t%s", ipp_supp_reason_name(s->reason),
	    (long long) s->created, (long long) s->expires, source);
	return (n > 0 && (size_t) n < len ? n : -1);
}

/* Decode a record; the key gives the address and scope. */
static int
decode(const char *key, size_t klen, const char *val, size_t vlen, struct ipp_supp *s)
{
	char	k[IPP_ADDR_MAX + 300], v[600], *f[4], *save = NULL, *bar;
	long long created, expires;
	int	i;

	memset(s, 0, sizeof(*s));
	if (klen >= sizeof(k) || vlen >= sizeof(v))
		return (-1);
	(void) memcpy(k, key, klen);
	k[klen] = '\0';
	(void) memcpy(v, val, vlen);
	v[vlen] = '\0';
	if (strncmp(k, "a|", 2) == 0) {
		if (strlen(k + 2) >= sizeof(s->addr))
			return (-1);
		(void) strcpy(s->addr, k + 2);
	} else if (strncmp(k, "s|", 2) == 0 && (bar = strchr(k + 2, '|')) != NULL) {
		*bar = '\0';
		if (strlen(k + 2) >= sizeof(s->sender_domain) || strlen(bar + 1) >= sizeof(s->addr))
			return (-1);
		(void) strcpy(s->sender_domain, k + 2);
		(void) strcpy(s->addr, bar + 1);
	} else {
		return (-1);
	}
	for (i = 0; i < 4; i++) {
		f[i] = strtok_r(i ? NULL : v, "\t", &save);
		if (f[i] == NULL && i < 3)
			return (-1);
	}
	if (ipp_supp_reason_parse(f[0], &s->reason) != 0
	    || sscanf(f[1], "%lld", &created) != 1 || sscanf(f[2], "%lld", &expires) != 1)
		return (-1);
	s->created = (time_t) created;
	s->expires = (time_t) expires;
	(void) snprintf(s->source, sizeof(s->source), "%s", f[3] ? f[3] : "");
	return (0);
}

static int
txn_get(struct ipp_txn *txn, const char *addr, const char *sdom, struct ipp_supp *s,
    int flags)
{
	struct ipp_buf v = { NULL, 0 };
	char	key[IPP_ADDR_MAX + 300];
	int	klen, rc;

	if ((klen = make_key(addr, sdom, key, sizeof(key))) < 0)
		return (IPP_NOTFOUND);
	rc = ipp_txn_get(txn, IPP_T_SUPPRESS, key, (size_t) klen, &v, flags);
	if (rc == IPP_OK && decode(key, (size_t) klen, v.data, v.len, s) != 0)
		rc = IPP_NOTFOUND;		/* a broken record protects nobody */
	free(v.data);
	return (rc);
}

/* What an automatic add of S over OLD (NULL: none) writes, in *keep;
 * 0 when OLD lasts longer and stays (permanent lasts longest). */
static int
merge(const struct ipp_supp *s, const struct ipp_supp *old, struct ipp_supp *keep)
{
	*keep = *s;
	if (old != NULL && !ipp_supp_expired(old, s->created)) {
		if (old->expires == 0 || (s->expires != 0 && old->expires >= s->expires))
			return (0);
		keep->created = old->created;
	}
	return (1);
}

static int
put_rec(struct ipp_txn *txn, const struct ipp_supp *s)
{
	char	key[IPP_ADDR_MAX + 300], val[600];
	int	klen, vlen;

	if ((klen = make_key(s->addr, s->sender_domain, key, sizeof(key))) < 0
	    || (vlen = encode(s, val, sizeof(val))) < 0)
		return (IPP_ERR);
	return (ipp_txn_put(txn, IPP_T_SUPPRESS, key, (size_t) klen, val, (size_t) vlen));
}

int
ipp_supp_txn_put(struct ipp_txn *txn, const struct ipp_supp *s, enum ipp_supp_mode mode)
{
	struct ipp_supp old, keep;
	int	rc;

	if (mode == IPP_SUPP_EXTEND) {
		rc = txn_get(txn, s->addr, s->sender_domain, &old, IPP_GET_RMW);
		if (rc < 0)
			return (rc);
		if (!merge(s, rc == IPP_OK ? &old : NULL, &keep))
			return (IPP_OK);
		return (put_rec(txn, &keep));
	}
	return (put_rec(txn, s));
}

struct keyref {
	const char *key;
	size_t	i;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int	c = strcmp(x->key, y->key);

	return (c ? c : x->i < y->i ? -1 : x->i > y->i);
}

int
ipp_supp_txn_putv(struct ipp_txn *txn, const struct ipp_supp *s, size_t n,
    enum ipp_supp_mode mode)
{
	enum { KLEN = IPP_ADDR_MAX + 300 };
	struct ipp_supp old, keep;
	struct keyref *ref = NULL;
	struct ipp_buf *v = NULL;
	const void **keys = NULL;
	size_t *klens = NULL, i;
	char   *kbuf = NULL;
	int    *found = NULL, *dup = NULL, klen, rc = IPP_OK;

	if (mode != IPP_SUPP_EXTEND || n < 2) {
		for (i = 0; i < n && rc >= 0; i++)
			rc = ipp_supp_txn_put(txn, &s[i], mode);
		return (rc < 0 ? rc : IPP_OK);
	}
	if ((kbuf = malloc(n * KLEN)) == NULL || (keys = calloc(n, sizeof(*keys))) == NULL
	    || (klens = calloc(n, sizeof(*klens))) == NULL || (v = calloc(n, sizeof(*v))) == NULL
	    || (found = calloc(n, sizeof(*found))) == NULL
	    || (dup = calloc(n, sizeof(*dup))) == NULL || (ref = calloc(n, sizeof(*ref))) == NULL) {
		rc = IPP_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((klen = make_key(s[i].addr, s[i].sender_domain, kbuf + i * KLEN, KLEN)) < 0) {
			rc = IPP_ERR;
			goto out;
		}
		keys[i] = kbuf + i * KLEN;
		klens[i] = (size_t) klen;
		ref[i].key = kbuf + i * KLEN;
		ref[i].i = i;
	}
	/* a key met again in the batch must see what the first one wrote */
	qsort(ref, n, sizeof(*ref), keyref_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(ref[i - 1].key, ref[i].key) == 0)
			dup[ref[i].i] = 1;
	if ((rc = ipp_txn_getv(txn, IPP_T_SUPPRESS, n, keys, klens, v, found, IPP_GET_RMW)) < 0)
		goto out;
	for (i = 0; i < n && rc >= 0; i++) {
		if (dup[i]) {
			rc = ipp_supp_txn_put(txn, &s[i], mode);
			continue;
		}
		/* a broken record protects nobody: it is replaced */
		if (merge(&s[i], found[i] && decode(keys[i], klens[i], v[i].data, v[i].len, &old) == 0
		    ? &old : NULL, &keep))
			rc = put_rec(txn, &keep);
	}
	if (rc > 0)
		rc = IPP_OK;
out:
	if (v != NULL)
		for (i = 0; i < n; i++)
			free(v[i].data);
	free(kbuf);
	free(keys);
	free(klens);
	free(v);
	free(found);
	free(dup);
	free(ref);
	return (rc);
}

struct check_arg {
	const char *rcpt, *sdom;
	time_t	now;
	struct ipp_supp *out;
};

/* Both keys of a recipient in one read (one round trip on Redis): the
 * address's own entry wins over the sender domain's. */
static int
check_body(struct ipp_txn *txn, void *arg)
{
	struct check_arg *ca = arg;
	struct ipp_buf v[2] = { { NULL, 0 }, { NULL, 0 } };
	char	key[2][IPP_ADDR_MAX + 300];
	const void *keys[2];
	size_t	klens[2], n = 0, i;
	int	found[2] = { 0, 0 }, klen, rc;

	if ((klen = make_key(ca->rcpt, "", key[n], sizeof(key[n]))) >= 0) {
		keys[n] = key[n];
		klens[n++] = (size_t) klen;
	}
	if (ca->sdom && *ca->sdom
	    && (klen = make_key(ca->rcpt, ca->sdom, key[n], sizeof(key[n]))) >= 0) {
		keys[n] = key[n];
		klens[n++] = (size_t) klen;
	}
	if (n == 0)
		return (IPP_NOTFOUND);
	rc = ipp_txn_getv(txn, IPP_T_SUPPRESS, n, keys, klens, v, found, 0);
	for (i = 0; rc == IPP_OK && i < n; i++) {
		/* a broken record protects nobody */
		if (found[i] && decode(key[i], klens[i], v[i].data, v[i].len, ca->out) == 0
		    && !ipp_supp_expired(ca->out, ca->now))
			break;
	}
	if (rc == IPP_OK && i == n)
		rc = IPP_NOTFOUND;
	free(v[0].data);
	free(v[1].data);
	return (rc);
}

int
ipp_supp_check(struct ipp_store *st, const char *rcpt, const char *sdom, time_t now,
    struct ipp_supp *out)
{
	struct check_arg ca = { rcpt, sdom, now, out };

	return (ipp_store_run(st, check_body, &ca));
}

struct put_arg {
	const struct ipp_supp *s;
	enum ipp_supp_mode mode;
};

static int
put_body(struct ipp_txn *txn, void *arg)
{
	struct put_arg *pa = arg;

	return (ipp_supp_txn_put(txn, pa->s, pa->mode));
}

int
ipp_supp_add(struct ipp_store *st, const struct ipp_supp *s, enum ipp_supp_mode mode)
{
	struct put_arg pa = { s, mode };

	return (ipp_store_run(st, put_body, &pa));
}

struct get_arg {
	const char *addr, *sdom;
	struct ipp_supp *out;
	int	del;
};

static int
get_body(struct ipp_txn *txn, void *arg)
{
	struct get_arg *ga = arg;

	if (!ga->del)
		return (txn_get(txn, ga->addr, ga->sdom, ga->out, 0));
	return (ipp_supp_txn_del(txn, ga->addr, ga->sdom));
}

int
ipp_supp_txn_del(struct ipp_txn *txn, const char *addr, const char *sdom)
{
	char	key[IPP_ADDR_MAX + 300];
	int	klen;

	if ((klen = make_key(addr, sdom, key, sizeof(key))) < 0)
		return (IPP_NOTFOUND);
	return (ipp_txn_del(txn, IPP_T_SUPPRESS, key, (size_t) klen));
}

int
ipp_supp_get(struct ipp_store *st, const char *addr, const char *sdom, struct ipp_supp *out)
{
	struct get_arg ga = { addr, sdom, out, 0 };

	return (ipp_store_run(st, get_body, &ga));
}

int
ipp_supp_del(struct ipp_store *st, const char *addr, const char *sdom)
{
	struct get_arg ga = { addr, sdom, NULL, 1 };

	return (ipp_store_run(st, get_body, &ga));
}

struct scan_arg {
	ipp_supp_visit_fn fn;
	void   *arg;
	time_t	purge_before;		/* purge mode when non-zero */
	unsigned long removed;
};

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan_arg *sa = arg;
	struct ipp_supp s;

	if (decode(k, kl, v, vl, &s) != 0)
		return (IPP_SCAN_NEXT);
	if (sa->purge_before) {
		if (ipp_supp_expired(&s, sa->purge_before)) {
			sa->removed++;
			return (IPP_SCAN_DELETE);
		}
		return (IPP_SCAN_NEXT);
	}
	return (sa->fn(&s, sa->arg));
}

int
ipp_supp_scan(struct ipp_store *st, ipp_supp_visit_fn fn, void *arg)
{
	struct scan_arg sa = { fn, arg, 0, 0 };

	return (ipp_store_scan(st, IPP_T_SUPPRESS, "", 0, scan_cb, &sa));
}

int
ipp_supp_purge(struct ipp_store *st, time_t now, unsigned long *removed)
{
	struct scan_arg sa = { NULL, NULL, now, 0 };
	int	rc;

	rc = ipp_store_scan(st, IPP_T_SUPPRESS, "", 0, scan_cb, &sa);
	*removed = sa.removed;
	return (rc);
}

void
ipp_supp_until(const struct ipp_supp *s, char *buf, size_t len)
{
	char	when[32];

	if (s->expires == 0) {
		(void) snprintf(buf, len, "permanently");
		return;
	}
	ipp_fmt_datetime(s->expires, when, sizeof(when));
	(void) snprintf(buf, len, "until %s UTC", when);
}
