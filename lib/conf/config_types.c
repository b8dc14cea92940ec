/* config_types.c - the value types of ippool.conf's keys: each parses a
 * value into its field of the section's struct (words, numbers, choices,
 * checked lists, arrays), and says how the field is freed and compared.
 * The checks of single words and list items are here too; which key uses
 * which is the schema's (config_schema.c). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config_int.h"
#include "parse.h"

#define FIELD(base, off, type) ((type *) (void *) ((char *) (base) + (off)))
#define CFIELD(base, off, type) ((const type *) (const void *) ((const char *) (base) + (off)))
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

/* --- words ------------------------------------------------------------- */

/* One word, checked by the key's check first (its message is the more
 * telling); CF_OPTIONAL: empty is "not set"; CF_EMPTY: empty is a value. */
static int
set_word(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	char  **slot = FIELD(base, k->off, char *);

	if (*val == '\0' && (k->flags & CF_OPTIONAL)) {
		(void) replace_str(slot, NULL);
		return (0);
	}
	if (k->check != NULL && k->check(val, err, errlen) != 0)
		return (-1);
	if (*val == '\0' && !(k->flags & CF_EMPTY))
		FAIL("must not be empty");
	if (strpbrk(val, " \t") != NULL)
		FAIL("must be a single word, not \"%s\"", val);
	if (replace_str(slot, val) != 0)
		FAIL("out of memory");
	return (0);
}

int
conf_check_path(const char *val, char *err, size_t errlen)
{
	if (*val != '/')
		FAIL("must be an absolute path, not \"%s\"", val);
	if (strlen(val) > 1024)
		FAIL("is longer than 1024 bytes");
	return (0);
}

int
conf_check_sock(const char *val, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	return (ipp_parse_sockspec(val, &sp, err, errlen));
}

/* A TCP listener (metrics: Prometheus scrapes it over TCP). */
int
conf_check_sock_inet(const char *val, char *err, size_t errlen)
{
	struct ipp_sockspec sp;

	if (ipp_parse_sockspec(val, &sp, err, errlen) != 0)
		return (-1);
	if (sp.kind == IPP_SOCK_UNIX)
		FAIL("must be inet:PORT@HOST, not \"%s\"", val);
	return (0);
}

int
conf_check_hostport(const char *val, char *err, size_t errlen)
{
	char	host[256];
	unsigned port;

	return (ipp_parse_hostport(val, host, sizeof(host), &port, err, errlen));
}

/* A next hop for Postfix's transport answers: TCP only. */
int
conf_check_relay(const char *val, char *err, size_t errlen)
{
	if (strncmp(val, "unix:", 5) == 0)
		FAIL("must be [HOST]:PORT, not \"%s\"", val);
	return (conf_check_hostport(val, err, errlen));
}

int
conf_check_header(const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_header_name(val))
		FAIL("\"%s\" is not a valid header field name", val);
	return (0);
}

int
conf_check_prefix(const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_name(val, 16))
		FAIL("\"%s\" must be 1-16 characters of a-z, 0-9, _ and -", val);
	return (0);
}

/* A Redis key prefix: printable, and no glob character (SCAN MATCH
 * patterns are made from it unescaped). */
int
conf_check_redis_prefix(const char *val, char *err, size_t errlen)
{
	const char *p;

	if (strlen(val) > 64)
		FAIL("\"%s\" is longer than 64 characters", val);
	for (p = val; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("*?[]\\", *p) != NULL)
			FAIL("\"%s\": a prefix is printable characters other than * ? [ ] \\", val);
	return (0);
}

int
conf_check_hostname(const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_hostname(val))
		FAIL("\"%s\" is not a valid host name", val);
	return (0);
}

int
conf_check_pool_name(const char *val, char *err, size_t errlen)
{
	if (!ipp_valid_name(val, IPP_NAME_MAX))
		FAIL("\"%s\" is not a pool name ([a-z0-9_-], 1-32 characters)", val);
	return (0);
}

/* The return path's local part starts with it: letters, digits, "-",
 * "_" and "." (not first), short enough to leave room for the token. */
int
conf_check_fb_prefix(const char *val, char *err, size_t errlen)
{
	const char *s;

	if (strlen(val) > 24)
		FAIL("\"%s\" is longer than 24 characters", val);
	for (s = val; *s; s++)
		if (!(isalnum((unsigned char) *s) || *s == '-' || *s == '_'
		    || (*s == '.' && s != val)))
			FAIL("\"%s\": only letters, digits, \"-\", \"_\" and \".\" (not first)", val);
	return (0);
}

/* An events receiver ([events] url): http or https, a host, printable
 * ASCII without spaces; libcurl parses the rest when it is used. */
int
conf_check_url(const char *val, char *err, size_t errlen)
{
	const char *s, *host;

	if (strncmp(val, "https://", 8) == 0)
		host = val + 8;
	else if (strncmp(val, "http://", 7) == 0)
		host = val + 7;
	else
		FAIL("\"%s\" is not an http:// or https:// URL", val);
	if (*host == '\0' || *host == '/' || *host == ':')
		FAIL("\"%s\" names no host", val);
	if (strlen(val) > 2000)
		FAIL("is longer than 2000 bytes");
	for (s = val; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
			FAIL("\"%s\": a URL has no spaces or control or non-ASCII characters (percent-encode them)", val);
	return (0);
}

/* [store] redis: HOST:PORT, unix:/PATH, or the sentinels to ask. */
int
conf_check_redis(const char *val, char *err, size_t errlen)
{
	struct ipp_hostport hp[IPP_SENTINELS_MAX];
	char	name[256];
	size_t	n;

	if (strncmp(val, "sentinel:", 9) == 0)
		return (ipp_parse_sentinel(val, hp, IPP_SENTINELS_MAX, &n, name, sizeof(name),
		    err, errlen));
	return (conf_check_hostport(val, err, errlen));
}

/* [unsubscribe] url: the base that the providers reach, the token
 * following as "/TOKEN"; so no query, fragment or trailing "/", and only
 * printable ASCII, as a header field and a URL need. */
int
conf_check_unsub_url(const char *val, char *err, size_t errlen)
{
	const char *host, *s;
	size_t	len = strlen(val);

	if (strncmp(val, "https://", 8) == 0)
		host = val + 8;
	else if (strncmp(val, "http://", 7) == 0)
		host = val + 7;
	else
		FAIL("\"%s\" is not an http:// or https:// URL", val);
	if (len > 200)
		FAIL("URL \"%.40s...\" is longer than 200 characters", val);
	if (*host == '\0' || *host == '/')
		FAIL("\"%s\" names no host", val);
	for (s = val; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f
		    || strchr("?#<>\"\\,", *s) != NULL)
			FAIL("\"%s\": a URL of printable ASCII without \"?\", \"#\", \",\", quotes or brackets", val);
	if (val[len - 1] == '/')
		FAIL("\"%s\" ends in \"/\": the token follows as /TOKEN", val);
	return (0);
}

/* One mailbox, local@domain, as a mailto: URL can carry it bare. */
int
conf_check_mailbox(const char *val, char *err, size_t errlen)
{
	char	norm[IPP_ADDR_MAX + 1];
	const char *s;

	for (s = val; *s; s++)
		if (!(isalnum((unsigned char) *s) || strchr(".-_+=@", *s) != NULL))
			FAIL("\"%s\": an address of letters, digits and \".-_+=\" only", val);
	if (ipp_addr_normalize(val, norm, sizeof(norm)) != 0 || ipp_addr_domain(norm) == NULL
	    || strcmp(norm, val) != 0 || !ipp_valid_hostname(ipp_addr_domain(norm)))
		FAIL("\"%s\" is not an address local@domain with the domain in lower case", val);
	return (0);
}

/* Postfix's recipient_delimiter: a set of characters; empty turns it off. */
int
conf_check_delimiter(const char *val, char *err, size_t errlen)
{
	const char *s;

	for (s = val; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f
		    || strchr("@\"\\<>()[],;:", *s) != NULL)
			FAIL("\"%s\": '%c' cannot separate a sub-address", val, *s);
	if (strlen(val) > 16)
		FAIL("\"%s\" is longer than 16 characters", val);
	return (0);
}

/* --- numbers and choices ----------------------------------------------- */

static int
set_uint(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	unsigned long long v;

	if (ipp_parse_uint(val, k->max, &v, err, errlen) != 0)
		return (-1);
	*FIELD(base, k->off, unsigned) = (unsigned) v;
	if ((k->flags & CF_POSITIVE) && v == 0)
		FAIL("must be at least 1");
	return (0);
}

static int
set_duration(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	long long v;

	if (ipp_parse_duration(val, &v, err, errlen) != 0)
		return (-1);
	if (v == 0 && !(k->flags & CF_ZERO))
		FAIL("must be longer than 0s");
	if (k->max > 0 && (unsigned long long) v > k->max)
		FAIL("must be at most %llus", k->max);
	*FIELD(base, k->off, long long) = v;
	return (0);
}

/* A size in bytes ("8M"); the schema's max bounds it, CF_POSITIVE: at
 * least 1 MiB (a cache or buffer smaller than that is a typo). */
static int
set_size(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	unsigned long long v;

	if (ipp_parse_size(val, k->max, &v, err, errlen) != 0)
		return (-1);
	if ((k->flags & CF_POSITIVE) && v < (1ULL << 20))
		FAIL("must be at least 1M");
	*FIELD(base, k->off, unsigned long long) = v;
	return (0);
}

static int
set_bool(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	return (ipp_parse_bool(val, FIELD(base, k->off, int), err, errlen));
}

static int
set_percent(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	unsigned long ppm;

	if (ipp_parse_percent(val, &ppm, err, errlen) != 0)
		return (-1);
	if (ppm == 0)
		FAIL("must be above 0%%");
	*FIELD(base, k->off, unsigned long) = ppm;
	return (0);
}

/* One of the key's names; the field is an int or an enum of int size. */
static int
set_choice(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	const struct conf_choice *c;
	size_t	n, len;

	for (c = k->choices; c->name != NULL; c++)
		if (strcmp(c->name, val) == 0) {
			*FIELD(base, k->off, int) = c->value;
			return (0);
		}
	/* "must be a, b or c, not ..." */
	len = (size_t) snprintf(err, errlen, "must be ");
	for (n = 0, c = k->choices; c->name != NULL && len < errlen; c++, n++)
		len += (size_t) snprintf(err + len, errlen - len, "%s%s",
		    n == 0 ? "" : c[1].name == NULL ? " or " : ", ", c->name);
	if (len < errlen)
		(void) snprintf(err + len, errlen - len, ", not \"%s\"", val);
	return (-1);
}

/* HEADER/BODY of relaxed or simple, into two booleans (1: relaxed). */
static int
set_canon(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	char	h[16], b[16];
	const char *slash = strchr(val, '/');

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
	*FIELD(base, k->off, int) = strcmp(h, "relaxed") == 0;
	*FIELD(base, k->off2, int) = strcmp(b, "relaxed") == 0;
	return (0);
bad:
	FAIL("must be HEADER/BODY of relaxed or simple, not \"%s\"", val);
}

/* --- lists --------------------------------------------------------------- */

/* A list, each item passed through the key's item check. */
static int
set_list(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	char  **items, ***slot = FIELD(base, k->off, char **);
	const char *why;
	int	n, i;

	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	for (i = 0; k->item != NULL && i < n; i++)
		if ((why = k->item(&items[i])) != NULL) {
			(void) snprintf(err, errlen, "\"%s\" %s", items[i], why);
			ipp_list_free(items);
			return (-1);
		}
	ipp_list_free(*slot);
	*slot = items;
	return (0);
}

const char *
conf_item_sender(char **item)
{
	char	norm[IPP_ADDR_MAX + 1];
	const char *dom;

	if (ipp_addr_normalize(*item, norm, sizeof(norm)) != 0)
		return ("is not an address");
	if ((dom = ipp_addr_domain(norm)) == NULL)
		return ("is not an address or @domain");
	if (!ipp_valid_hostname(dom))
		return ("has an invalid domain");
	(void) strcpy(*item, norm);
	return (NULL);
}

const char *
conf_item_login(char **item)
{
	const char *s;

	for (s = *item; *s; s++)
		if ((unsigned char) *s < 0x21 || *s == 0x7f)
			return ("holds a control character");
	return (NULL);
}

const char *
conf_item_domain_pattern(char **item)
{
	char   *s = *item;
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

/* A domain name, lower-cased. */
const char *
conf_item_domain(char **item)
{
	ipp_domain_lower(*item);
	return (ipp_valid_hostname(*item) ? NULL : "is not a domain");
}

/* "DOMAIN=URL" ([events] domain_urls): the domain lower-cased. */
const char *
conf_item_domain_url(char **item)
{
	static char why[300];
	char   *eq = strchr(*item, '=');
	char	err[256];

	if (eq == NULL)
		return ("is not DOMAIN=URL");
	*eq = '\0';
	ipp_domain_lower(*item);
	if (!ipp_valid_hostname(*item)) {
		*eq = '=';
		return ("is not DOMAIN=URL: the part before = is not a domain");
	}
	*eq = '=';
	if (conf_check_url(eq + 1, err, sizeof(err)) != 0) {
		(void) snprintf(why, sizeof(why), "is not DOMAIN=URL: the URL %s", err);
		return (why);
	}
	return (NULL);
}

/* A pool's name; that the pool exists is a cross-check. */
const char *
conf_item_pool_name(char **item)
{
	return (ipp_valid_name(*item, IPP_NAME_MAX) ? NULL
	    : "is not a pool name ([a-z0-9_-], 1-32 characters)");
}

/* Stored with a leading dot, so "google.com" cannot match "evilgoogle.com". */
const char *
conf_item_mx_suffix(char **item)
{
	char   *s = *item, *d;

	ipp_domain_lower(s);
	if (!ipp_valid_hostname(s[0] == '.' ? s + 1 : s))
		return ("is not a host name suffix");
	if (s[0] != '.') {
		if ((d = malloc(strlen(s) + 2)) == NULL)
			return ("cannot be stored: out of memory");
		d[0] = '.';
		(void) strcpy(d + 1, s);
		free(s);
		*item = d;
	}
	return (NULL);
}

const char *
conf_item_header(char **item)
{
	return (ipp_valid_header_name(*item) ? NULL : "is not a header field name");
}

/* --- arrays ---------------------------------------------------------------- */

static void
replace_array(const struct conf_key *k, void *base, void *elems, int n)
{
	void  **slot = FIELD(base, k->off, void *);

	free(*slot);
	*slot = elems;
	*FIELD(base, k->off2, size_t) = (size_t) n;
}

/*
 * A list parsed item by item into an array of the type's elements (one
 * more, zeroed, at the end).  none: the message when the list must not be
 * empty, or NULL.  parse sets element i of elems, which holds 0..i-1.
 */
static int
set_array(const struct conf_key *k, void *base, const char *val, const char *none,
    int (*parse)(const char *item, int i, void *elems, char *err, size_t errlen),
    char *err, size_t errlen)
{
	char  **items;
	void   *elems;
	int	n, i;

	if ((n = ipp_parse_list(val, &items, err, errlen)) < 0)
		return (-1);
	if (n == 0 && none != NULL) {
		ipp_list_free(items);
		FAIL("%s", none);
	}
	if ((elems = calloc((size_t) n + 1, k->type->size)) == NULL) {
		ipp_list_free(items);
		FAIL("out of memory");
	}
	for (i = 0; i < n; i++)
		if (parse(items[i], i, elems, err, errlen) != 0) {
			free(elems);
			ipp_list_free(items);
			return (-1);
		}
	ipp_list_free(items);
	replace_array(k, base, elems, n);
	return (0);
}

/* A day of a warm-up schedule: a daily volume of at least 1. */
static int
parse_volume(const char *item, int i, void *elems, char *err, size_t errlen)
{
	unsigned long long v;
	char	why[IPP_ERRLEN];

	if (ipp_parse_uint(item, 1000000000ULL, &v, why, sizeof(why)) != 0 || v == 0)
		FAIL("day %d: \"%s\" is not a daily volume of 1 or more", i + 1, item);
	((unsigned long *) elems)[i] = (unsigned long) v;
	return (0);
}

static int
set_schedule(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	return (set_array(k, base, val, "must list at least one daily volume",
	    parse_volume, err, errlen));
}

static int
parse_net(const char *item, int i, void *elems, char *err, size_t errlen)
{
	return (ipp_parse_net(item, &((struct ipp_net *) elems)[i], err, errlen));
}

/* Networks (address/prefix); the list may be empty. */
static int
set_nets(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	return (set_array(k, base, val, NULL, parse_net, err, errlen));
}

/* A source address, not listed before. */
static int
parse_source(const char *item, int i, void *elems, char *err, size_t errlen)
{
	struct ipp_ip *ips = elems;
	int	j;

	if (ipp_parse_ip(item, &ips[i], err, errlen) != 0)
		return (-1);
	for (j = 0; j < i; j++)
		if (ipp_ip_equal(&ips[i], &ips[j]))
			FAIL("address %s is listed twice", ips[i].text);
	return (0);
}

static int
set_ips(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	return (set_array(k, base, val, "must list at least one address",
	    parse_source, err, errlen));
}

/* --- the types --------------------------------------------------------- */

const struct conf_type conf_t_word = { set_word, CS_STR, 0 };
const struct conf_type conf_t_uint = { set_uint, CS_SCALAR, sizeof(unsigned) };
const struct conf_type conf_t_duration = { set_duration, CS_SCALAR, sizeof(long long) };
const struct conf_type conf_t_size = { set_size, CS_SCALAR, sizeof(unsigned long long) };
const struct conf_type conf_t_bool = { set_bool, CS_SCALAR, sizeof(int) };
const struct conf_type conf_t_percent = { set_percent, CS_SCALAR, sizeof(unsigned long) };
const struct conf_type conf_t_choice = { set_choice, CS_SCALAR, sizeof(int) };
const struct conf_type conf_t_canon = { set_canon, CS_PAIR, sizeof(int) };
const struct conf_type conf_t_list = { set_list, CS_LIST, 0 };
const struct conf_type conf_t_schedule = { set_schedule, CS_ARRAY, sizeof(unsigned long) };
const struct conf_type conf_t_nets = { set_nets, CS_ARRAY, sizeof(struct ipp_net) };
const struct conf_type conf_t_ips = { set_ips, CS_ARRAY, sizeof(struct ipp_ip) };

int
conf_set(const struct conf_key *k, void *base, const char *val,
    char *err, size_t errlen)
{
	return (k->type->set(k, base, val, err, errlen));
}

void
conf_free(const struct conf_key *k, void *base)
{
	switch (k->type->storage) {
	case CS_STR:
		free(*FIELD(base, k->off, char *));
		*FIELD(base, k->off, char *) = NULL;
		break;
	case CS_LIST:
		ipp_list_free(*FIELD(base, k->off, char **));
		*FIELD(base, k->off, char **) = NULL;
		break;
	case CS_ARRAY:
		replace_array(k, base, NULL, 0);
		break;
	case CS_SCALAR:
	case CS_PAIR:
		break;
	}
}

int
conf_same(const struct conf_key *k, const void *a, const void *b)
{
	const char *sa, *sb;
	char *const *la, *const *lb;
	size_t	na, nb;

	switch (k->type->storage) {
	case CS_SCALAR:
		return (memcmp(CFIELD(a, k->off, char), CFIELD(b, k->off, char),
		    k->type->size) == 0);
	case CS_PAIR:
		return (*CFIELD(a, k->off, int) == *CFIELD(b, k->off, int)
		    && *CFIELD(a, k->off2, int) == *CFIELD(b, k->off2, int));
	case CS_STR:
		sa = *CFIELD(a, k->off, char *);
		sb = *CFIELD(b, k->off, char *);
		return ((sa == NULL && sb == NULL) || (sa && sb && strcmp(sa, sb) == 0));
	case CS_LIST:
		la = *(char **const *) (const void *) ((const char *) a + k->off);
		lb = *(char **const *) (const void *) ((const char *) b + k->off);
		if (ipp_list_len(la) != ipp_list_len(lb))
			return (0);
		for (; la != NULL && *la != NULL; la++, lb++)
			if (strcmp(*la, *lb) != 0)
				return (0);
		return (1);
	case CS_ARRAY:
		na = *CFIELD(a, k->off2, size_t);
		nb = *CFIELD(b, k->off2, size_t);
		/* elements are calloc'ed: padding compares equal */
		return (na == nb && (na == 0 || memcmp(*CFIELD(a, k->off, void *),
		    *CFIELD(b, k->off, void *), na * k->type->size) == 0));
	}
	return (0);
}
