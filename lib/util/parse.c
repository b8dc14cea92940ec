/* parse.c - value syntaxes shared by ippool.conf and command arguments. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define FAIL(...) do { (void) snprintf(err, errlen, __VA_ARGS__); return (-1); } while (0)

int
ipp_parse_uint(const char *s, unsigned long long max, unsigned long long *out,
    char *err, size_t errlen)
{
	unsigned long long v;
	char	*end;

	if (*s == '\0')
		FAIL("empty value, expected a number");
	if (!isdigit((unsigned char) *s))
		FAIL("\"%s\" is not a non-negative integer", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		FAIL("\"%s\" is not a non-negative integer", s);
	if (errno == ERANGE || v > max)
		FAIL("%s is out of range (maximum %llu)", s, max);
	*out = v;
	return (0);
}

int
ipp_parse_duration(const char *s, long long *secs, char *err, size_t errlen)
{
	unsigned long long v;
	const char *p = s;
	long long unit;
	char	*end;

	if (*p == '\0')
		FAIL("empty duration, expected e.g. 30s, 10m, 1h, 14d");
	if (!isdigit((unsigned char) *p))
		FAIL("bad duration \"%s\": expected e.g. 30s, 10m, 1h, 14d", s);
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno == ERANGE)
		FAIL("duration \"%s\" is too large", s);
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	case '\0': unit = 1; break;	/* bare seconds, like Postfix */
	default:
		FAIL("bad duration \"%s\": unit must be s, m, h, d or w", s);
	}
	if (*end != '\0' && end[1] != '\0')
		FAIL("bad duration \"%s\": expected e.g. 30s, 10m, 1h, 14d", s);
	if (v > (unsigned long long) (10LL * 366 * 86400) / (unsigned long long) unit)
		FAIL("duration \"%s\" is too large (over 10 years)", s);
	*secs = (long long) v * unit;
	return (0);
}

/* A size in bytes: digits, then k, m or g (KiB, MiB, GiB; either case) or
 * nothing (bytes), as in "8M" or "512k". */
int
ipp_parse_size(const char *s, unsigned long long max, unsigned long long *bytes,
    char *err, size_t errlen)
{
	unsigned long long v, unit;
	char	*end;

	if (*s == '\0')
		FAIL("empty size, expected e.g. 8M, 512k, 1G");
	if (!isdigit((unsigned char) *s))
		FAIL("bad size \"%s\": expected e.g. 8M, 512k, 1G", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case '\0': unit = 1; break;
	case 'k': case 'K': unit = 1ULL << 10; break;
	case 'm': case 'M': unit = 1ULL << 20; break;
	case 'g': case 'G': unit = 1ULL << 30; break;
	default:
		FAIL("bad size \"%s\": the unit must be k, m or g", s);
	}
	if (*end != '\0' && end[1] != '\0')
		FAIL("bad size \"%s\": expected e.g. 8M, 512k, 1G", s);
	if (errno == ERANGE || v > max / unit)
		FAIL("size \"%s\" is too large (maximum %lluM)", s, max >> 20);
	*bytes = v * unit;
	return (0);
}

int
ipp_parse_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *yes[] = { "yes", "true", "on", "1", NULL };
	static const char *no[] = { "no", "false", "off", "0", NULL };
	int	i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
	for (i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	FAIL("\"%s\" is not a boolean (yes or no)", s);
}

int
ipp_parse_percent(const char *s, unsigned long *ppm, char *err, size_t errlen)
{
	char	*end;
	double	v;
	size_t	n = strlen(s);

	if (n == 0 || !(isdigit((unsigned char) s[0]) || s[0] == '.'))
		FAIL("\"%s\" is not a rate (e.g. 8%% or 0.08)", s);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0)
		FAIL("\"%s\" is not a rate (e.g. 8%% or 0.08)", s);
	if (*end == '%' && end[1] == '\0')
		v /= 100.0;
	else if (*end != '\0')
		FAIL("\"%s\" is not a rate (e.g. 8%% or 0.08)", s);
	if (v < 0.0 || v > 1.0)
		FAIL("rate \"%s\" must be between 0%% and 100%%", s);
	*ppm = (unsigned long) (v * 1000000.0 + 0.5);
	return (0);
}

void
ipp_list_free(char **items)
{
	char  **p;

	if (items == NULL)
		return;
	for (p = items; *p; p++)
		free(*p);
	free(items);
}

size_t
ipp_list_len(char *const *items)
{
	size_t	n = 0;

	while (items && items[n])
		n++;
	return (n);
}

static int
list_push(char ***items, size_t *n, size_t *cap, const char *s, size_t len)
{
	char   *copy;

	if (*n + 2 > *cap) {
		size_t	ncap = *cap ? *cap * 2 : 8;
		char  **grown = realloc(*items, ncap * sizeof(*grown));

		if (grown == NULL)
			return (-1);
		*items = grown;
		*cap = ncap;
	}
	if ((copy = strndup(s, len)) == NULL)
		return (-1);
	(*items)[(*n)++] = copy;
	(*items)[*n] = NULL;
	return (0);
}

int
ipp_parse_list(const char *s, char ***out, char *err, size_t errlen)
{
	char  **items = NULL;
	size_t	n = 0, cap = 0;
	const char *p = s, *start;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		if (*p == '"') {
			start = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"') {
				ipp_list_free(items);
				FAIL("unterminated quote in list");
			}
			if (p == start) {
				ipp_list_free(items);
				FAIL("empty quoted item in list");
			}
			if (list_push(&items, &n, &cap, start, (size_t) (p - start)) != 0)
				goto nomem;
			p++;
			if (*p && *p != ' ' && *p != '\t' && *p != ',') {
				ipp_list_free(items);
				FAIL("text after a closing quote in list");
			}
			continue;
		}
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != ',' && *p != '\n')
			p++;
		if (list_push(&items, &n, &cap, start, (size_t) (p - start)) != 0)
			goto nomem;
	}
	if (items == NULL && (items = calloc(1, sizeof(*items))) == NULL)
		goto nomem;
	*out = items;
	return ((int) n);
nomem:
	ipp_list_free(items);
	FAIL("out of memory");
}

int
ipp_parse_ip(const char *s, struct ipp_ip *ip, char *err, size_t errlen)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, &ip->a.v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &ip->a.v6) == 1)
		ip->family = AF_INET6;
	else
		FAIL("\"%s\" is not a numeric IPv4 or IPv6 address", s);
	if (inet_ntop(ip->family, &ip->a, ip->text, sizeof(ip->text)) == NULL)
		FAIL("\"%s\": cannot format address", s);
	return (0);
}

int
ipp_ip_equal(const struct ipp_ip *a, const struct ipp_ip *b)
{
	if (a->family != b->family)
		return (0);
	if (a->family == AF_INET)
		return (a->a.v4.s_addr == b->a.v4.s_addr);
	return (memcmp(&a->a.v6, &b->a.v6, sizeof(a->a.v6)) == 0);
}

int
ipp_parse_net(const char *s, struct ipp_net *net, char *err, size_t errlen)
{
	char	addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t	alen = slash ? (size_t) (slash - s) : strlen(s);
	unsigned long long bits;
	unsigned max, i;
	const unsigned char *b;
	char	berr[IPP_ERRLEN];

	memset(net, 0, sizeof(*net));
	if (alen == 0 || alen >= sizeof(addr))
		FAIL("\"%s\" is not a network (ADDRESS or ADDRESS/BITS)", s);
	(void) memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (ipp_parse_ip(addr, &net->ip, err, errlen) != 0)
		return (-1);
	max = net->ip.family == AF_INET ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else if (ipp_parse_uint(slash + 1, max, &bits, berr, sizeof(berr)) != 0)
		FAIL("\"%s\": the prefix length must be 0 to %u", s, max);
	net->bits = (unsigned) bits;
	b = net->ip.family == AF_INET ? (const unsigned char *) &net->ip.a.v4
	    : (const unsigned char *) &net->ip.a.v6;
	for (i = net->bits; i < max; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			FAIL("\"%s\" has host bits set beyond /%u", s, net->bits);
	return (0);
}

int
ipp_net_contains(const struct ipp_net *net, const struct ipp_ip *ip)
{
	struct ipp_ip v4;
	const unsigned char *a, *b;
	unsigned i;

	if (ip->family == AF_INET6 && net->ip.family == AF_INET
	    && IN6_IS_ADDR_V4MAPPED(&ip->a.v6)) {
		memset(&v4, 0, sizeof(v4));
		v4.family = AF_INET;
		(void) memcpy(&v4.a.v4, &ip->a.v6.s6_addr[12], 4);
		ip = &v4;
	}
	if (ip->family != net->ip.family)
		return (0);
	a = ip->family == AF_INET ? (const unsigned char *) &ip->a.v4
	    : (const unsigned char *) &ip->a.v6;
	b = net->ip.family == AF_INET ? (const unsigned char *) &net->ip.a.v4
	    : (const unsigned char *) &net->ip.a.v6;
	for (i = 0; i < net->bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return (0);
	return (1);
}

static int
parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char) s[i]))
			return (-1);
		v = v * 10 + (unsigned long) (s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return (-1);
	*port = (unsigned) v;
	return (0);
}

int
ipp_parse_sockspec(const char *s, struct ipp_sockspec *sp, char *err,
    size_t errlen)
{
	const char *rest, *at;

	memset(sp, 0, sizeof(*sp));
	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0) {
		rest = strchr(s, ':') + 1;
		if (*rest != '/')
			FAIL("socket \"%s\": the path must be absolute", s);
		if (strlen(rest) >= sizeof(sp->path))
			FAIL("socket \"%s\": path longer than %zu bytes", s,
			    sizeof(sp->path) - 1);
		sp->kind = IPP_SOCK_UNIX;
		(void) strcpy(sp->path, rest);
		return (0);
	}
	if (strncmp(s, "inet:", 5) == 0) {
		sp->kind = IPP_SOCK_INET;
		rest = s + 5;
	} else if (strncmp(s, "inet6:", 6) == 0) {
		sp->kind = IPP_SOCK_INET6;
		rest = s + 6;
	} else {
		FAIL("socket \"%s\": expected unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST", s);
	}
	at = strchr(rest, '@');
	if (parse_port(rest, at ? (size_t) (at - rest) : strlen(rest), &sp->port) != 0)
		FAIL("socket \"%s\": bad port (1-65535)", s);
	if (at) {
		if (at[1] == '\0' || strlen(at + 1) >= sizeof(sp->host))
			FAIL("socket \"%s\": bad host after @", s);
		(void) strcpy(sp->host, at + 1);
	}
	return (0);
}

int
ipp_parse_hostport(const char *s, char *host, size_t hostlen, unsigned *port,
    char *err, size_t errlen)
{
	const char *colon, *h = s;
	size_t	hl;

	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/' || strlen(s + 5) >= hostlen)
			FAIL("\"%s\": expected unix:/absolute/path", s);
		(void) strcpy(host, s);
		*port = 0;
		return (0);
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			FAIL("\"%s\": expected [HOST]:PORT", s);
		h = s + 1;
		hl = (size_t) (close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			FAIL("\"%s\": expected HOST:PORT or [HOST]:PORT", s);
		hl = (size_t) (colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		FAIL("\"%s\": bad host", s);
	if (parse_port(colon + 1, strlen(colon + 1), port) != 0)
		FAIL("\"%s\": bad port (1-65535)", s);
	(void) memcpy(host, h, hl);
	host[hl] = '\0';
	return (0);
}

int
ipp_parse_sentinel(const char *s, struct ipp_hostport *list, size_t max, size_t *n,
    char *name, size_t namelen, char *err, size_t errlen)
{
	const char *p, *slash, *comma;
	char	one[300];
	size_t	len;

	*n = 0;
	if (strncmp(s, "sentinel:", 9) != 0)
		FAIL("\"%s\": expected sentinel:HOST:PORT[,HOST:PORT...]/NAME", s);
	p = s + 9;
	if ((slash = strrchr(p, '/')) == NULL || slash[1] == '\0')
		FAIL("\"%s\": the primary's NAME is missing (sentinel:HOST:PORT/NAME)", s);
	if (strlen(slash + 1) >= namelen)
		FAIL("\"%s\": the primary's name is too long", s);
	for (const char *q = slash + 1; *q; q++)
		if (!isgraph((unsigned char) *q))
			FAIL("\"%s\": bad character in the primary's name", s);
	while (p < slash) {
		comma = memchr(p, ',', (size_t) (slash - p));
		len = (size_t) ((comma ? comma : slash) - p);
		if (len == 0 || len >= sizeof(one))
			FAIL("\"%s\": an empty or overlong sentinel address", s);
		if (*n == max)
			FAIL("\"%s\": more than %zu sentinels", s, max);
		(void) memcpy(one, p, len);
		one[len] = '\0';
		if (strncmp(one, "unix:", 5) == 0)
			FAIL("\"%s\": a sentinel is HOST:PORT, not %s", s, one);
		if (ipp_parse_hostport(one, list[*n].host, sizeof(list[*n].host),
		    &list[*n].port, err, errlen) != 0)
			return (-1);
		(*n)++;
		p += len + (comma ? 1 : 0);
	}
	if (*n == 0)
		FAIL("\"%s\": no sentinel address", s);
	(void) strcpy(name, slash + 1);
	return (0);
}

int
ipp_valid_name(const char *s, size_t maxlen)
{
	size_t	n = 0;

	for (; *s; s++, n++)
		if (!(islower((unsigned char) *s) || isdigit((unsigned char) *s)
		    || *s == '_' || *s == '-'))
			return (0);
	return (n >= 1 && n <= maxlen);
}

int
ipp_valid_header_name(const char *s)
{
	size_t	n = 0;

	for (; *s; s++, n++)
		if (*s <= ' ' || *s >= 127 || *s == ':')
			return (0);
	return (n >= 1 && n <= 64);
}

int
ipp_valid_hostname(const char *s)
{
	size_t	label = 0, total = 0;

	for (; *s; s++, total++) {
		if (*s == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char) *s) || *s == '-'))
			return (0);
		if (++label > 63)
			return (0);
	}
	return (total >= 1 && total <= 253 && label > 0);
}
