/* config.c - ippool.conf: INI syntax through libinih, every key of the
 * schema typed and validated, cross-section rules checked, every error
 * reported as FILE:LINE so an administrator can fix them all in one pass. */
#include "autoconfig.h"

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "parse.h"
#include "settings.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum sec_kind { SEC_NONE, SEC_STORE, SEC_MILTER, SEC_POLICY, SEC_WARMUP,
	SEC_DKIM, SEC_POOL, SEC_ISP };

struct pctx;
struct keydef;
typedef int (*setter_fn)(struct pctx *, void *base, const struct keydef *,
    const char *val, char *err, size_t errlen);

struct keydef {
	const char *name;
	setter_fn set;
	size_t	off;			/* field in the section's struct */
	unsigned long long max;		/* numbers: upper bound */
	ptrdiff_t line_off;		/* int field taking the key's line, or -1 */
};

#define MAX_KEYS 16

struct errline {
	int	line;
	size_t	seq;
	char   *msg;			/* NULL: withdrawn */
};

struct pctx {
	struct ipp_config *cfg;
	FILE   *fp;
	int	lineno;
	int	continuation;		/* current raw line continues a value */
	int	have_key;		/* a key line was seen in this section */
	/* current section */
	enum sec_kind kind;
	const char *secname;		/* for messages: "milter", "pool tx" */
	char	secbuf[80];
	void   *base;
	const struct keydef *keys;
	int	key_line[MAX_KEYS];
	char   *raw[MAX_KEYS];		/* accumulated value, for continuations */
	long	key_err[MAX_KEYS];	/* index of the key's error, or -1 */
	int	last_key;
	int	singleton_line[SEC_ISP + 1];
	int	skip;			/* section is in error: ignore its keys */
	int	bad_pool_headers;	/* [pool ...] lines in error */
	/* errors */
	struct errline *errs;
	size_t	nerrs, caperrs;
	int	nomem;
};

static void
perr(struct pctx *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct pctx *p, int line, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->nerrs == p->caperrs) {
		size_t	ncap = p->caperrs ? p->caperrs * 2 : 16;
		struct errline *g = realloc(p->errs, ncap * sizeof(*g));

		if (g == NULL) {
			p->nomem = 1;
			return;
		}
		p->errs = g;
		p->caperrs = ncap;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	if ((p->errs[p->nerrs].msg = strdup(buf)) == NULL) {
		p->nomem = 1;
		return;
	}
	p->nerrs++;
}

/* --- setters ----------------------------------------------------------- */

#define FIELD(base, kd, type) ((type *) (void *) ((char *) (base) + (kd)->off))
#define FAIL(...) do { (void) snprintf(err, errlen, __VA_ARGS__); return (-1); } while (0)

static int
replace_str(char **slot, const char *val)
{
	char   *copy = NULL;

	if (val != NULL && (copy = strdup(val)) == NULL)
		return (-1);
	free(*slot);
	*slot = copy;
	return (0);
}

static int
set_str(struct pctx *p, void *base, const struct keydef *kd, const char *val,
    char *err, size_t errlen)
{
	(void) p;
	if (*val == '\0')
		FAIL("must not be empty");
	if (strpbrk(val, " \t") != NULL)
		FAIL("must be a single word, not \"%s\"", val);
	if (replace_str(FIELD(base, kd, char *), val) != 0)
		FAIL("out of memory");
	return (0);
}

/* Empty means "not set". */
static int
set_str_opt(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (*val == '\0') {
		(void) replace_str(FIELD(base, kd, char *), NULL);
		return (0);
	}
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_path(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (*val != '/')
		FAIL("must be an absolute path, not \"%s\"", val);
	if (strlen(val) > 1024)
		FAIL("is longer than 1024 bytes");
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_path_opt(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (*val == '\0')
		return (set_str_opt(p, base, kd, val, err, errlen));
	return (set_path(p, base, kd, val, err, errlen));
}

static int
set_sock(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (ipp_parse_sockspec(val, &sp, err, errlen) != 0)
		return (-1);
	return (set_str(p, base, kd, val, err, errlen));
}

/* A TCP listener (metrics, policy, socketmap: Postfix and Sendmail reach them by TCP or unix). */
static int
set_sock_inet(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (*val == '\0')
		return (set_str_opt(p, base, kd, val, err, errlen));
	if (ipp_parse_sockspec(val, &sp, err, errlen) != 0)
		return (-1);
	if (sp.kind == IPP_SOCK_UNIX)
		FAIL("must be inet:PORT@HOST, not \"%s\"", val);
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_relay(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	char	host[256];
	unsigned port;

	if (*val == '\0')
		return (set_str_opt(p, base, kd, val, err, errlen));
	if (strncmp(val, "unix:", 5) == 0)
		FAIL("must be [HOST]:PORT, not \"%s\"", val);
	if (ipp_parse_hostport(val, host, sizeof(host), &port, err, errlen) != 0)
		return (-1);
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_redis(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	char	host[256];
	unsigned port;

	if (ipp_parse_hostport(val, host, sizeof(host), &port, err, errlen) != 0)
		return (-1);
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_backend(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	if (strcmp(val, "bdb") == 0)
		*FIELD(base, kd, enum ipp_backend) = IPP_BACKEND_BDB;
	else if (strcmp(val, "redis") == 0)
		*FIELD(base, kd, enum ipp_backend) = IPP_BACKEND_REDIS;
	else
		FAIL("must be bdb or redis, not \"%s\"", val);
	return (0);
}

static int
set_uint(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	unsigned long long v;

	(void) p;
	if (ipp_parse_uint(val, kd->max, &v, err, errlen) != 0)
		return (-1);
	*FIELD(base, kd, unsigned) = (unsigned) v;
	return (0);
}

/* A count that must be at least 1. */
static int
set_posint(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (set_uint(p, base, kd, val, err, errlen) != 0)
		return (-1);
	if (*FIELD(base, kd, unsigned) == 0)
		FAIL("must be at least 1");
	return (0);
}

static int
set_duration(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	long long v;

	(void) p;
	if (ipp_parse_duration(val, &v, err, errlen) != 0)
		return (-1);
	if (v == 0)
		FAIL("must be longer than 0s");
	*FIELD(base, kd, long long) = v;
	return (0);
}

static int
set_bool(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (ipp_parse_bool(val, FIELD(base, kd, int), err, errlen));
}

static int
set_percent(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	unsigned long ppm;

	(void) p;
	if (ipp_parse_percent(val, &ppm, err, errlen) != 0)
		return (-1);
	if (ppm == 0)
		FAIL("must be above 0%%");
	*FIELD(base, kd, unsigned long) = ppm;
	return (0);
}

static int
set_header(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_header_name(val))
		FAIL("\"%s\" is not a valid header field name", val);
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_prefix(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_name(val, 16))
		FAIL("\"%s\" must be 1-16 characters of a-z, 0-9, _ and -", val);
	return (set_str(p, base, kd, val, err, errlen));
}

static int
set_hostname_opt(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (*val != '\0' && !ipp_valid_hostname(val))
		FAIL("\"%s\" is not a valid host name", val);
	return (set_str_opt(p, base, kd, val, err, errlen));
}

static int
set_name_opt(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	if (*val != '\0' && !ipp_valid_name(val, IPP_NAME_MAX))
		FAIL("\"%s\" is not a pool name ([a-z0-9_-], 1-32 characters)", val);
	return (set_str_opt(p, base, kd, val, err, errlen));
}

static int
set_mode(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	if (strcmp(val, "managed") == 0)
		*FIELD(base, kd, int) = 1;
	else if (strcmp(val, "standard") == 0)
		*FIELD(base, kd, int) = 0;
	else
		FAIL("must be managed or standard, not \"%s\"", val);
	return (0);
}

static int
set_canon(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_config *cfg = base;
	char	h[16], b[16];
	const char *slash = strchr(val, '/');

	(void) p;
	(void) kd;
	if (slash == NULL) {
		if (strlen(val) >= sizeof(h))
			goto bad;
		(void) strcpy(h, val);
		(void) strcpy(b, "simple");	/* RFC 6376 3.5 c= default */
	} else {
		if ((size_t) (slash - val) >= sizeof(h) || strlen(slash + 1) >= sizeof(b))
			goto bad;
		(void) memcpy(h, val, (size_t) (slash - val));
		h[slash - val] = '\0';
		(void) strcpy(b, slash + 1);
	}
	if ((strcmp(h, "relaxed") != 0 && strcmp(h, "simple") != 0)
	    || (strcmp(b, "relaxed") != 0 && strcmp(b, "simple") != 0))
		goto bad;
	cfg->canon_header_relaxed = strcmp(h, "relaxed") == 0;
	cfg->canon_body_relaxed = strcmp(b, "relaxed") == 0;
	return (0);
bad:
	FAIL("must be HEADER/BODY of relaxed or simple, not \"%s\"", val);
}

/* Replace a list field; check(item) returns NULL or a reason. */
static int
set_list_checked(void *base, const struct keydef *kd, const char *val,
    const char *(*check)(char *), int nonempty, char *err, size_t errlen)
{
	char  **items, **old = *FIELD(base, kd, char **);
	const char *why;
	int	n, i;

	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	if (nonempty && n == 0) {
		ipp_list_free(items);
		FAIL("must not be empty");
	}
	for (i = 0; check && i < n; i++)
		if ((why = check(items[i])) != NULL) {
			(void) snprintf(err, errlen, "\"%s\" %s", items[i], why);
			ipp_list_free(items);
			return (-1);
		}
	ipp_list_free(old);
	*FIELD(base, kd, char **) = items;
	return (0);
}

static const char *
check_sender(char *s)
{
	char	norm[IPP_ADDR_MAX + 1];
	const char *dom;

	if (ipp_addr_normalize(s, norm, sizeof(norm)) != 0)
		return ("is not an address");
	if ((dom = ipp_addr_domain(norm)) == NULL)
		return ("is not an address or @domain");
	if (!ipp_valid_hostname(dom))
		return ("has an invalid domain");
	(void) strcpy(s, norm);
	return (NULL);
}

static const char *
check_login(char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x21 || *s == 0x7f)
			return ("holds a control character");
	return (NULL);
}

static const char *
check_domain_pattern(char *s)
{
	size_t	n = strlen(s);

	ipp_domain_lower(s);
	/* "hotmail.*": that name under any public suffix */
	if (n > 2 && strcmp(s + n - 2, ".*") == 0) {
		s[n - 2] = '\0';
		if (!ipp_valid_hostname(s)) {
			s[n - 2] = '.';
			return ("is not a domain (or NAME.*)");
		}
		s[n - 2] = '.';
		return (NULL);
	}
	return (ipp_valid_hostname(s) ? NULL : "is not a domain (or NAME.*)");
}

static const char *
check_mx_suffix(char *s)
{
	ipp_domain_lower(s);
	return (ipp_valid_hostname(s[0] == '.' ? s + 1 : s) ? NULL
	    : "is not a host name suffix");
}

static const char *
check_header(char *s)
{
	return (ipp_valid_header_name(s) ? NULL : "is not a header field name");
}

static int
set_senders(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (set_list_checked(base, kd, val, check_sender, 0, err, errlen));
}

static int
set_logins(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (set_list_checked(base, kd, val, check_login, 0, err, errlen));
}

static int
set_domains(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (set_list_checked(base, kd, val, check_domain_pattern, 0, err, errlen));
}

static int
set_mx(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	char  **items;
	size_t	i;

	(void) p;
	if (set_list_checked(base, kd, val, check_mx_suffix, 0, err, errlen) != 0)
		return (-1);
	/* store with a leading dot, so "google.com" cannot match "evilgoogle.com" */
	items = *FIELD(base, kd, char **);
	for (i = 0; items[i]; i++)
		if (items[i][0] != '.') {
			char   *d = malloc(strlen(items[i]) + 2);

			if (d == NULL)
				FAIL("out of memory");
			d[0] = '.';
			(void) strcpy(d + 1, items[i]);
			free(items[i]);
			items[i] = d;
		}
	return (0);
}

static int
set_headers(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (set_list_checked(base, kd, val, check_header, 0, err, errlen));
}

static int
set_backoff(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	(void) p;
	return (set_list_checked(base, kd, val, NULL, 0, err, errlen));
}

/* A warm-up schedule: daily volumes, each at least 1.  The field is the
 * array pointer; the count follows it in the struct (see ISP/config). */
static int
parse_schedule(const char *val, unsigned long **out,
    size_t *nout, char *err, size_t errlen)
{
	char  **items;
	unsigned long *sched;
	unsigned long long v;
	char	why[IPP_ERRLEN];
	int	n, i;

	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	if (n == 0) {
		ipp_list_free(items);
		FAIL("must list at least one daily volume");
	}
	if ((sched = calloc((size_t) n, sizeof(*sched))) == NULL) {
		ipp_list_free(items);
		FAIL("out of memory");
	}
	for (i = 0; i < n; i++) {
		if (ipp_parse_uint(items[i], 1000000000ULL, &v, why, sizeof(why)) != 0
		    || v == 0) {
			(void) snprintf(err, errlen,
			    "day %d: \"%s\" is not a daily volume of 1 or more",
			    i + 1, items[i]);
			free(sched);
			ipp_list_free(items);
			return (-1);
		}
		sched[i] = (unsigned long) v;
	}
	ipp_list_free(items);
	free(*out);
	*out = sched;
	*nout = (size_t) n;
	return (0);
}

static int
set_warmup_schedule(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_config *cfg = base;

	(void) p;
	(void) kd;
	return (parse_schedule(val, &cfg->schedule, &cfg->nschedule,
	    err, errlen));
}

static int
set_isp_schedule(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_isp *isp = base;

	(void) p;
	(void) kd;
	return (parse_schedule(val, &isp->schedule, &isp->nschedule,
	    err, errlen));
}

static int
set_nets(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_config *cfg = base;
	struct ipp_net *nets;
	char  **items;
	int	n, i;

	(void) p;
	(void) kd;
	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	if ((nets = calloc((size_t) n + 1, sizeof(*nets))) == NULL) {
		ipp_list_free(items);
		FAIL("out of memory");
	}
	for (i = 0; i < n; i++)
		if (ipp_parse_net(items[i], &nets[i], err, errlen) != 0) {
			free(nets);
			ipp_list_free(items);
			return (-1);
		}
	ipp_list_free(items);
	free(cfg->internal_hosts);
	cfg->internal_hosts = nets;
	cfg->ninternal_hosts = (size_t) n;
	return (0);
}

static int
set_sign_from(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	enum ipp_sign_from *f = FIELD(base, kd, enum ipp_sign_from);

	(void) p;
	if (strcmp(val, "envelope") == 0)
		*f = IPP_SIGN_FROM_ENVELOPE;
	else if (strcmp(val, "login") == 0)
		*f = IPP_SIGN_FROM_LOGIN;
	else if (strcmp(val, "any") == 0)
		*f = IPP_SIGN_FROM_ANY;
	else
		FAIL("must be envelope, login or any, not \"%s\"", val);
	return (0);
}

/* Postfix's recipient_delimiter: a set of characters; empty turns it off. */
static int
set_delimiter(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	const char *s;

	(void) p;
	for (s = val; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f
		    || strchr("@\"\\<>()[],;:", *s) != NULL)
			FAIL("\"%s\": '%c' cannot separate a sub-address", val, *s);
	if (strlen(val) > 16)
		FAIL("\"%s\" is longer than 16 characters", val);
	if (replace_str(FIELD(base, kd, char *), val) != 0)
		FAIL("out of memory");
	return (0);
}

static int
set_ips(struct pctx *p, void *base, const struct keydef *kd,
    const char *val, char *err, size_t errlen)
{
	struct ipp_pool *pool = base;
	struct ipp_ip *ips;
	char  **items;
	int	n, i, j;

	(void) p;
	(void) kd;
	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	if (n == 0) {
		ipp_list_free(items);
		FAIL("must list at least one address");
	}
	if ((ips = calloc((size_t) n, sizeof(*ips))) == NULL) {
		ipp_list_free(items);
		FAIL("out of memory");
	}
	for (i = 0; i < n; i++) {
		if (ipp_parse_ip(items[i], &ips[i], err, errlen) != 0)
			goto fail;
		for (j = 0; j < i; j++)
			if (ipp_ip_equal(&ips[i], &ips[j])) {
				(void) snprintf(err, errlen,
				    "address %s is listed twice", ips[i].text);
				goto fail;
			}
	}
	ipp_list_free(items);
	free(pool->ips);
	pool->ips = ips;
	pool->nips = (size_t) n;
	return (0);
fail:
	free(ips);
	ipp_list_free(items);
	return (-1);
}

/* --- the schema -------------------------------------------------------- */

#define C(f)	offsetof(struct ipp_config, f)
#define P(f)	offsetof(struct ipp_pool, f)
#define I(f)	offsetof(struct ipp_isp, f)
#define NOLINE	(-1)

static const struct keydef store_keys[] = {
	{ "path", set_path, C(store_path), 0, NOLINE },
	{ "backend", set_backend, C(backend), 0, NOLINE },
	{ "redis", set_redis, C(redis), 0, NOLINE },
	{ "sync", set_bool, C(store_sync), 0, NOLINE },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef milter_keys[] = {
	{ "socket", set_sock, C(milter_socket), 0, NOLINE },
	{ "user", set_str_opt, C(milter_user), 0, NOLINE },
	{ "header", set_header, C(header), 0, NOLINE },
	{ "hourly_limit", set_uint, C(hourly_limit), 1000000, NOLINE },
	{ "suppress_ttl", set_duration, C(suppress_ttl), 0, NOLINE },
	{ "dkim", set_bool, C(dkim), 0, NOLINE },
	{ "suppress_after", set_uint, C(suppress_after), 1000, NOLINE },
	{ "suppress_window", set_duration, C(suppress_window), 0, NOLINE },
	{ "bounce_min", set_posint, C(bounce_min), 100000000, NOLINE },
	{ "bounce_block", set_percent, C(bounce_block_ppm), 0, NOLINE },
	{ "internal_hosts", set_nets, 0, 0, NOLINE },
	{ "sign_from", set_sign_from, C(sign_from), 0, NOLINE },
	{ "recipient_delimiter", set_delimiter, C(recipient_delimiter), 0, NOLINE },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef policy_keys[] = {
	{ "policy", set_sock, C(policy_socket), 0, NOLINE },
	{ "socketmap", set_sock, C(socketmap_socket), 0, NOLINE },
	{ "relay", set_relay, C(relay), 0, NOLINE },
	{ "metrics", set_sock_inet, C(metrics), 0, NOLINE },
	{ "transport_prefix", set_prefix, C(transport_prefix), 0, NOLINE },
	{ "user", set_str_opt, C(policy_user), 0, C(policy_user_line) },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef pool_keys[] = {
	{ "ips", set_ips, 0, 0, P(ips_line) },
	{ "mode", set_mode, P(managed), 0, NOLINE },
	{ "spillover", set_name_opt, P(spillover), 0, P(spillover_line) },
	{ "senders", set_senders, P(senders), 0, P(senders_line) },
	{ "logins", set_logins, P(logins), 0, P(logins_line) },
	{ "helo", set_hostname_opt, P(helo), 0, NOLINE },
	{ "max_ips", set_posint, P(max_ips), 1000, P(max_ips_line) },
	{ "port", set_posint, P(port), 65535, P(port_line) },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef isp_keys[] = {
	{ "domains", set_domains, I(domains), 0, I(domains_line) },
	{ "mx", set_mx, I(mx), 0, NOLINE },
	{ "schedule", set_isp_schedule, 0, 0, NOLINE },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef warmup_keys[] = {
	{ "schedule", set_warmup_schedule, 0, 0, NOLINE },
	{ "spill_days", set_uint, C(spill_days), 10000, NOLINE },
	{ "idle_decay", set_uint, C(idle_decay), 10000, NOLINE },
	{ "backoff", set_backoff, C(backoff), 0, NOLINE },
	{ "pause", set_duration, C(pause), 0, NOLINE },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct keydef dkim_keys[] = {
	{ "keytable", set_path_opt, C(keytable), 0, NOLINE },
	{ "canonicalization", set_canon, 0, 0, NOLINE },
	{ "oversign", set_headers, C(oversign), 0, NOLINE },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct {
	const char *name;
	enum sec_kind kind;
	const struct keydef *keys;
	int	named;
} sections[] = {
	{ "store", SEC_STORE, store_keys, 0 },
	{ "milter", SEC_MILTER, milter_keys, 0 },
	{ "policy", SEC_POLICY, policy_keys, 0 },
	{ "warmup", SEC_WARMUP, warmup_keys, 0 },
	{ "dkim", SEC_DKIM, dkim_keys, 0 },
	{ "pool", SEC_POOL, pool_keys, 1 },
	{ "isp", SEC_ISP, isp_keys, 1 },
	{ NULL, SEC_NONE, NULL, 0 }
};

/* --- defaults ---------------------------------------------------------- */

static const char *default_backoff[] = {
	"421", "4.7.0", "4.7.28", "TS01", "TS02", "TS03", "TS04",
	"too many", "rate limit", NULL
};
static const unsigned long default_schedule[] = {
	200, 500, 1000, 2000, 5000, 10000, 20000, 40000, 100000, 250000,
	500000, 1000000
};
static const char *default_oversign[] = {
	"From", "To", "Subject", "Date", "List-Unsubscribe",
	"List-Unsubscribe-Post", NULL
};

static const struct {
	const char *name;
	const char *domains;
	const char *mx;
} builtin_isps[] = {
	{ "gmail", "gmail.com googlemail.com", ".google.com .googlemail.com" },
	{ "microsoft", "outlook.com hotmail.* live.com msn.com",
	    ".protection.outlook.com" },
	{ "yahoo", "yahoo.* ymail.com aol.com", ".yahoodns.net" },
	{ "apple", "icloud.com me.com mac.com", ".mail.icloud.com" },
	{ "others", "", "" },
};

static char **
list_dup(const char *const *src)
{
	size_t	n = 0, i;
	char  **d;

	while (src[n])
		n++;
	if ((d = calloc(n + 1, sizeof(*d))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if ((d[i] = strdup(src[i])) == NULL) {
			ipp_list_free(d);
			return (NULL);
		}
	return (d);
}

static int
config_defaults(struct ipp_config *cfg)
{
	char	err[IPP_ERRLEN];
	size_t	i;

#define DUP(f, v) if ((cfg->f = strdup(v)) == NULL) return (-1)
	DUP(store_path, "/var/lib/ippool");
	cfg->backend = IPP_BACKEND_BDB;
	DUP(milter_socket, "unix:/run/ippool/milter.sock");
	DUP(milter_user, "ippool");
	DUP(header, "X-Settings");
	cfg->hourly_limit = 10;
	cfg->suppress_ttl = 14 * 86400;
	cfg->dkim = 1;
	cfg->suppress_after = 5;
	cfg->suppress_window = 7 * 86400;
	cfg->bounce_min = 100;
	cfg->bounce_block_ppm = 80000;
	cfg->sign_from = IPP_SIGN_FROM_ENVELOPE;
	DUP(recipient_delimiter, "+");
	if (set_nets(NULL, cfg, NULL, "127.0.0.0/8 ::1", err, sizeof(err)) != 0)
		return (-1);
	DUP(policy_socket, "inet:10040@127.0.0.1");
	DUP(socketmap_socket, "inet:10041@127.0.0.1");
	DUP(metrics, "inet:9465@127.0.0.1");
	DUP(transport_prefix, "ippool_");
	cfg->spill_days = 7;
	cfg->idle_decay = 1;
	cfg->pause = 3600;
	cfg->canon_header_relaxed = cfg->canon_body_relaxed = 1;
#undef DUP
	if ((cfg->schedule = malloc(sizeof(default_schedule))) == NULL)
		return (-1);
	(void) memcpy(cfg->schedule, default_schedule, sizeof(default_schedule));
	cfg->nschedule = sizeof(default_schedule) / sizeof(default_schedule[0]);
	if ((cfg->backoff = list_dup(default_backoff)) == NULL
	    || (cfg->oversign = list_dup(default_oversign)) == NULL)
		return (-1);

	cfg->nisps = sizeof(builtin_isps) / sizeof(builtin_isps[0]);
	if ((cfg->isps = calloc(cfg->nisps, sizeof(*cfg->isps))) == NULL)
		return (-1);
	for (i = 0; i < cfg->nisps; i++) {
		struct ipp_isp *isp = &cfg->isps[i];

		(void) strcpy(isp->name, builtin_isps[i].name);
		if (ipp_parse_list(builtin_isps[i].domains, &isp->domains, err, sizeof(err)) < 0
		    || ipp_parse_list(builtin_isps[i].mx, &isp->mx, err, sizeof(err)) < 0)
			return (-1);
	}
	return (0);
}

/* --- the INI reader and handler ------------------------------------------ */

static void
section_close(struct pctx *p)
{
	int	i;

	for (i = 0; i < MAX_KEYS; i++) {
		free(p->raw[i]);
		p->raw[i] = NULL;
		p->key_line[i] = 0;
		p->key_err[i] = -1;
	}
	p->have_key = 0;
	p->last_key = -1;
}

static struct ipp_pool *
pool_new(struct pctx *p, const char *name, int line)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_pool *g, *pool;
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0) {
			perr(p, line, "duplicate section [pool %s] (first at line %d)",
			    name, cfg->pools[i].line);
			return (NULL);
		}
	g = realloc(cfg->pools, (cfg->npools + 1) * sizeof(*g));
	if (g == NULL) {
		p->nomem = 1;
		return (NULL);
	}
	cfg->pools = g;
	pool = &cfg->pools[cfg->npools++];
	memset(pool, 0, sizeof(*pool));
	(void) strcpy(pool->name, name);
	pool->index = (int) cfg->npools;
	pool->line = line;
	pool->managed = 1;
	pool->max_ips = 5;
	return (pool);
}

static struct ipp_isp *
isp_get(struct pctx *p, const char *name, int line)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_isp *g, *isp;
	size_t	i;

	for (i = 0; i < cfg->nisps; i++) {
		isp = &cfg->isps[i];
		if (strcmp(isp->name, name) != 0)
			continue;
		if (isp->line != 0) {
			perr(p, line, "duplicate section [isp %s] (first at line %d)",
			    name, isp->line);
			return (NULL);
		}
		isp->line = line;	/* a built-in, overridden key by key */
		return (isp);
	}
	g = realloc(cfg->isps, (cfg->nisps + 1) * sizeof(*g));
	if (g == NULL) {
		p->nomem = 1;
		return (NULL);
	}
	cfg->isps = g;
	isp = &cfg->isps[cfg->nisps++];
	memset(isp, 0, sizeof(*isp));
	(void) strcpy(isp->name, name);
	isp->line = line;
	if ((isp->domains = calloc(1, sizeof(char *))) == NULL
	    || (isp->mx = calloc(1, sizeof(char *))) == NULL)
		p->nomem = 1;
	return (isp);
}

/* "[name]" or "[name arg]" seen by the reader: switch section. */
static void
section_open(struct pctx *p, char *text, int line)
{
	char   *arg, *end;
	size_t	i;

	section_close(p);
	p->kind = SEC_NONE;
	p->keys = NULL;
	p->base = NULL;
	p->skip = 1;
	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	(void) snprintf(p->secbuf, sizeof(p->secbuf), "%s", text);
	p->secname = p->secbuf;
	arg = text + strcspn(text, " \t");
	if (*arg) {
		*arg++ = '\0';
		while (*arg == ' ' || *arg == '\t')
			arg++;
	}
	for (i = 0; sections[i].name; i++)
		if (strcmp(sections[i].name, text) == 0)
			break;
	if (sections[i].kind == SEC_POOL)
		p->bad_pool_headers++;	/* until it opens */
	if (sections[i].name == NULL) {
		perr(p, line, "unknown section [%s]", p->secbuf);
		return;
	}
	if (!sections[i].named) {
		if (*arg) {
			perr(p, line, "section [%s] takes no name", text);
			return;
		}
		if (p->singleton_line[sections[i].kind]) {
			perr(p, line, "duplicate section [%s] (first at line %d)",
			    text, p->singleton_line[sections[i].kind]);
			return;
		}
		p->singleton_line[sections[i].kind] = line;
		p->base = p->cfg;
	} else {
		if (*arg == '\0') {
			perr(p, line, "section [%s] needs a name: [%s NAME]", text, text);
			return;
		}
		if (!ipp_valid_name(arg, IPP_NAME_MAX)) {
			perr(p, line, "bad %s name \"%s\": use 1-32 characters of a-z, 0-9, _ and -",
			    text, arg);
			return;
		}
		if (sections[i].kind == SEC_POOL
		    && (strcmp(arg, IPP_SENDER_MAP) == 0 || strcmp(arg, IPP_SENDMAIL_ROUTE_MAP) == 0)) {
			/* ippool-policyd tells its socketmaps apart by name */
			perr(p, line, "pool name \"%s\" is reserved: it names one of ippool-policyd's socketmaps",
			    arg);
			return;
		}
		if (sections[i].kind == SEC_POOL)
			p->base = pool_new(p, arg, line);
		else
			p->base = isp_get(p, arg, line);
		if (p->base == NULL)
			return;
	}
	if (sections[i].kind == SEC_POOL)
		p->bad_pool_headers--;
	p->kind = sections[i].kind;
	p->keys = sections[i].keys;
	p->skip = 0;
}

/* Strip a '#' comment that starts the line or follows a blank. */
static void
strip_hash_comment(char *s)
{
	char   *q;
	int	quoted = 0;

	for (q = s; *q; q++) {
		if (*q == '"')
			quoted = !quoted;
		else if (*q == '#' && !quoted && (q == s || q[-1] == ' ' || q[-1] == '\t')) {
			q[0] = '\n';
			q[1] = '\0';
			return;
		}
	}
}

/*
 * libinih reads through this: it counts lines (inih's handler has no line
 * numbers in Debian's build), rejects overlong lines instead of letting
 * them split, strips '#' comments after values, and notes section headers
 * itself so that empty sections exist and their line is known.
 */
static char *
conf_reader(char *buf, int num, void *stream)
{
	struct pctx *p = stream;
	char   *s, *e;
	size_t	len;
	int	c;

	if (fgets(buf, num, p->fp) == NULL)
		return (NULL);
	p->lineno++;
	len = strlen(buf);
	if (len == (size_t) num - 1 && buf[len - 1] != '\n') {
		while ((c = getc(p->fp)) != EOF && c != '\n')
			;
		perr(p, p->lineno, "line longer than %d characters: continue long lists on indented lines",
		    num - 3);
		(void) strcpy(buf, "\n");
		return (buf);
	}
	strip_hash_comment(buf);
	p->continuation = 0;
	for (s = buf; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return (buf);
	if (s > buf && p->have_key) {
		p->continuation = 1;
		return (buf);
	}
	if (*s == '[') {
		e = s + strlen(s);
		while (e > s && isspace((unsigned char) e[-1]))
			e--;
		if (e[-1] != ']') {
			perr(p, p->lineno, "syntax error: section header without closing ]");
			if (strncmp(s, "[pool", 5) == 0)
				p->bad_pool_headers++;
			p->skip = 1;
			p->keys = NULL;
			(void) strcpy(buf, "\n");
			return (buf);
		}
		e[-1] = '\0';
		section_open(p, s + 1, p->lineno);
		(void) strcpy(buf, "[x]\n");	/* inih only needs to see a section */
		return (buf);
	}
	if (strpbrk(s, "=:") == NULL) {
		perr(p, p->lineno, "syntax error: expected \"key = value\" or [section]");
		(void) strcpy(buf, "\n");
		return (buf);
	}
	if (s > buf) {
		/* indented key at the start of a section: not a continuation */
		(void) memmove(buf, s, strlen(s) + 1);
	}
	return (buf);
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct pctx *p = user;
	char	err[IPP_ERRLEN], *joined;
	int	k;

	(void) section;
	if (p->nomem)
		return (0);
	if (p->continuation) {
		if (p->skip || p->last_key < 0)
			return (1);
		k = p->last_key;
		if ((joined = malloc(strlen(p->raw[k]) + strlen(value) + 2)) == NULL) {
			p->nomem = 1;
			return (0);
		}
		(void) sprintf(joined, "%s %s", p->raw[k], value);
		free(p->raw[k]);
		p->raw[k] = joined;
	} else {
		p->have_key = 1;
		p->last_key = -1;
		if (p->kind == SEC_NONE) {
			if (!p->skip && p->secname == NULL)
				perr(p, p->lineno, "\"%s\" outside of any section", name);
			return (1);
		}
		if (p->skip)
			return (1);
		for (k = 0; p->keys[k].name; k++)
			if (strcmp(p->keys[k].name, name) == 0)
				break;
		if (p->keys[k].name == NULL) {
			perr(p, p->lineno, "unknown key \"%s\" in section [%s]",
			    name, p->secname);
			return (1);
		}
		if (p->key_line[k]) {
			perr(p, p->lineno, "duplicate key \"%s\" in section [%s] (first at line %d)",
			    name, p->secname, p->key_line[k]);
			return (1);
		}
		p->key_line[k] = p->lineno;
		if ((p->raw[k] = strdup(value)) == NULL) {
			p->nomem = 1;
			return (0);
		}
		p->last_key = k;
	}
	if (p->keys[k].line_off >= 0)
		*(int *) (void *) ((char *) p->base + p->keys[k].line_off) = p->key_line[k];
	/* a continued value is checked whole again: withdraw its last verdict */
	if (p->key_err[k] >= 0) {
		free(p->errs[p->key_err[k]].msg);
		p->errs[p->key_err[k]].msg = NULL;
		p->key_err[k] = -1;
	}
	if (p->keys[k].set(p, p->base, &p->keys[k], p->raw[k], err, sizeof(err)) != 0) {
		p->key_err[k] = (long) p->nerrs;
		perr(p, p->key_line[k], "%s: %s", p->keys[k].name, err);
	}
	return (1);
}

/* --- cross-section checks ------------------------------------------------ */

static int
selkey_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct ipp_selkey *) a)->key,
	    ((const struct ipp_selkey *) b)->key));
}

static int
build_index(struct pctx *p, int logins)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_selkey *idx = NULL, *g;
	size_t	n = 0, i, j;

	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];
		char  **list = logins ? pool->logins : pool->senders;

		for (j = 0; list && list[j]; j++) {
			if ((g = realloc(idx, (n + 1) * sizeof(*g))) == NULL) {
				free(idx);
				p->nomem = 1;
				return (-1);
			}
			idx = g;
			idx[n].key = list[j];
			idx[n].pool = pool;
			idx[n].line = logins ? pool->logins_line : pool->senders_line;
			n++;
		}
	}
	if (n)
		qsort(idx, n, sizeof(*idx), selkey_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(idx[i].key, idx[i - 1].key) == 0) {
			const struct ipp_selkey *first = idx[i - 1].pool->index < idx[i].pool->index
			    ? &idx[i - 1] : &idx[i];
			const struct ipp_selkey *second = first == &idx[i] ? &idx[i - 1] : &idx[i];

			if (first->pool == second->pool)
				perr(p, second->line, "%s \"%s\" is listed twice in pool %s",
				    logins ? "login" : "sender", second->key, second->pool->name);
			else
				perr(p, second->line, "%s \"%s\" of pool %s is already in pool %s (line %d)",
				    logins ? "login" : "sender", second->key,
				    second->pool->name, first->pool->name, first->line);
		}
	if (logins) {
		cfg->by_login = idx;
		cfg->nby_login = n;
	} else {
		cfg->by_sender = idx;
		cfg->nby_sender = n;
	}
	return (0);
}

/* Whether a key already failed: checks that follow from it stay quiet. */
static int
failed_at(const struct pctx *p, int line)
{
	size_t	i;

	for (i = 0; line && i < p->nerrs; i++)
		if (p->errs[i].line == line && p->errs[i].msg != NULL)
			return (1);
	return (0);
}

static void
cross_check(struct pctx *p)
{
	struct ipp_config *cfg = p->cfg;
	size_t	i, j, a, b;

	if (cfg->npools == 0) {
		if (p->bad_pool_headers)
			return;
		perr(p, p->lineno > 0 ? p->lineno : 1,
		    "no [pool NAME] section: at least one pool is required");
		return;
	}
	if (cfg->npools > IPP_MAX_POOLS)
		perr(p, cfg->pools[IPP_MAX_POOLS].line, "pool %s: more than %d pools",
		    cfg->pools[IPP_MAX_POOLS].name, IPP_MAX_POOLS);
	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];

		if (pool->nips == 0 && !failed_at(p, pool->ips_line))
			perr(p, pool->line, "pool %s has no \"ips\": list its source addresses",
			    pool->name);
		else if (pool->nips > pool->max_ips && !failed_at(p, pool->max_ips_line))
			perr(p, pool->ips_line, "pool %s has %zu address%s, over its max_ips of %u",
			    pool->name, pool->nips, pool->nips == 1 ? "" : "es", pool->max_ips);
		if (pool->port == 0)
			pool->port = 10030 + (unsigned) pool->index;
		if (pool->port > 65535)
			perr(p, pool->line, "pool %s: default port %u is out of range: set port",
			    pool->name, pool->port);
		for (j = 0; j < i; j++) {
			const struct ipp_pool *other = &cfg->pools[j];

			if (other->port == pool->port)
				perr(p, pool->port_line ? pool->port_line : pool->line,
				    "pool %s: port %u is already used by pool %s",
				    pool->name, pool->port, other->name);
			for (a = 0; a < pool->nips; a++)
				for (b = 0; b < other->nips; b++)
					if (ipp_ip_equal(&pool->ips[a], &other->ips[b]))
						perr(p, pool->ips_line,
						    "address %s of pool %s is already in pool %s (line %d)",
						    pool->ips[a].text, pool->name, other->name,
						    other->ips_line);
		}
	}
	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];
		const struct ipp_pool *spill;

		if (pool->spillover == NULL)
			continue;
		if ((spill = ipp_config_pool(cfg, pool->spillover)) == NULL)
			perr(p, pool->spillover_line, "pool %s: spillover pool \"%s\" is not defined",
			    pool->name, pool->spillover);
		else if (spill == pool)
			perr(p, pool->spillover_line, "pool %s cannot spill over to itself",
			    pool->name);
		else if (spill->spillover != NULL)
			perr(p, pool->spillover_line,
			    "pool %s: spillover pool %s spills over itself (to %s); chains are not supported",
			    pool->name, spill->name, spill->spillover);
		else
			pool->spill = spill;
	}
	for (i = 0; i < cfg->nisps; i++) {
		struct ipp_isp *isp = &cfg->isps[i];

		if (strcmp(isp->name, "others") == 0) {
			if (ipp_list_len(isp->domains) || ipp_list_len(isp->mx))
				perr(p, isp->line, "isp others is the fallback: it takes no domains or mx");
			continue;
		}
		if (isp->line && ipp_list_len(isp->domains) == 0 && ipp_list_len(isp->mx) == 0
		    && !failed_at(p, isp->domains_line))
			perr(p, isp->line, "isp %s matches nothing: set domains or mx", isp->name);
		for (j = 0; j < i; j++)
			for (a = 0; isp->domains[a]; a++)
				for (b = 0; cfg->isps[j].domains[b]; b++)
					if (strcmp(isp->domains[a], cfg->isps[j].domains[b]) == 0)
						perr(p, isp->domains_line ? isp->domains_line : isp->line,
						    "domain %s of isp %s is already in isp %s",
						    isp->domains[a], isp->name, cfg->isps[j].name);
	}
	if (cfg->backend == IPP_BACKEND_REDIS && cfg->redis == NULL)
		perr(p, p->singleton_line[SEC_STORE] ? p->singleton_line[SEC_STORE] : 1,
		    "backend = redis needs redis = HOST:PORT");
	(void) build_index(p, 1);
	(void) build_index(p, 0);
}

static int
precompute(struct ipp_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if ((cfg->pools[i].xsettings = ipp_settings_encode(cfg->pools[i].name)) == NULL)
			return (-1);
	return (0);
}

/* --- public -------------------------------------------------------------- */

const char *
ipp_config_default_path(void)
{
	return (SYSCONFDIR "/ippool/ippool.conf");
}

static int
errline_cmp(const void *a, const void *b)
{
	const struct errline *x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

struct ipp_config *
ipp_config_load(const char *file, FILE *errs)
{
	struct ipp_config *cfg;
	struct pctx p;
	size_t	i, live;
	int	rc;

	memset(&p, 0, sizeof(p));
	section_close(&p);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL
	    || (cfg->file = strdup(file)) == NULL || config_defaults(cfg) != 0) {
		if (errs)
			(void) fprintf(errs, "%s: out of memory\n", file);
		ipp_config_free(cfg);
		return (NULL);
	}
	p.cfg = cfg;
	if ((p.fp = fopen(file, "r")) == NULL) {
		if (errs)
			(void) fprintf(errs, "%s: cannot open: %s\n", file, strerror(errno));
		ipp_config_free(cfg);
		return (NULL);
	}
#if HAVE_DECL_INI_MAX_LINE
	/* Debian's inih lets the line limit be raised; lists can be long. */
	ini_use_stack = 0;
	ini_max_line = 4096;
#endif
	rc = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	if (ferror(p.fp))
		perr(&p, p.lineno, "read error: %s", strerror(errno));
	(void) fclose(p.fp);
	section_close(&p);
	if (rc > 0) {
		/* inih found something our reader let through */
		for (i = 0; i < p.nerrs; i++)
			if (p.errs[i].line == rc)
				break;
		if (i == p.nerrs)
			perr(&p, rc, "syntax error");
	} else if (rc < 0) {
		p.nomem = 1;
	}
	if (!p.nomem)
		cross_check(&p);
	for (i = 0, live = 0; i < p.nerrs; i++)
		live += p.errs[i].msg != NULL;
	if (!p.nomem && live == 0 && precompute(cfg) != 0)
		p.nomem = 1;
	if (live > 0 || p.nomem) {
		qsort(p.errs, p.nerrs, sizeof(*p.errs), errline_cmp);
		for (i = 0; i < p.nerrs; i++) {
			if (p.errs[i].msg == NULL)
				continue;
			if (errs)
				(void) fprintf(errs, "%s:%d: %s\n", file, p.errs[i].line,
				    p.errs[i].msg);
			free(p.errs[i].msg);
		}
		if (p.nomem && errs)
			(void) fprintf(errs, "%s: out of memory\n", file);
		free(p.errs);
		ipp_config_free(cfg);
		return (NULL);
	}
	free(p.errs);
	return (cfg);
}

void
ipp_config_free(struct ipp_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	if (cfg->attach_free != NULL)
		cfg->attach_free(cfg->attach);
	free(cfg->file);
	free(cfg->store_path);
	free(cfg->redis);
	free(cfg->milter_socket);
	free(cfg->milter_user);
	free(cfg->header);
	free(cfg->policy_socket);
	free(cfg->socketmap_socket);
	free(cfg->relay);
	free(cfg->metrics);
	free(cfg->transport_prefix);
	free(cfg->policy_user);
	free(cfg->internal_hosts);
	free(cfg->recipient_delimiter);
	for (i = 0; i < cfg->npools; i++) {
		struct ipp_pool *pool = &cfg->pools[i];

		free(pool->ips);
		free(pool->spillover);
		ipp_list_free(pool->senders);
		ipp_list_free(pool->logins);
		free(pool->helo);
		free(pool->xsettings);
	}
	free(cfg->pools);
	for (i = 0; i < cfg->nisps; i++) {
		ipp_list_free(cfg->isps[i].domains);
		ipp_list_free(cfg->isps[i].mx);
		free(cfg->isps[i].schedule);
	}
	free(cfg->isps);
	free(cfg->schedule);
	ipp_list_free(cfg->backoff);
	free(cfg->keytable);
	ipp_list_free(cfg->oversign);
	free(cfg->by_login);
	free(cfg->by_sender);
	free(cfg);
}

const struct ipp_pool *
ipp_config_pool(const struct ipp_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return (&cfg->pools[i]);
	return (NULL);
}

const struct ipp_isp *
ipp_config_isp(const struct ipp_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nisps; i++)
		if (strcmp(cfg->isps[i].name, name) == 0)
			return (&cfg->isps[i]);
	return (NULL);
}
