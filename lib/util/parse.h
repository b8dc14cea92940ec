/* parse.h - parsers for the value syntaxes of ippool.conf and of command
 * arguments: durations, counts, booleans, lists, addresses, sockets.  Each
 * returns 0 on success or -1 with a short reason in err. */
#ifndef IPP_PARSE_H
#define IPP_PARSE_H

#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define IPP_ERRLEN 256

int	ipp_parse_duration(const char *, long long *secs, char *err, size_t);
int	ipp_parse_uint(const char *, unsigned long long max,
	    unsigned long long *out, char *err, size_t);
/* "8M", "512k", "1G" (binary units) or bytes, at most max. */
int	ipp_parse_size(const char *, unsigned long long max,
	    unsigned long long *bytes, char *err, size_t);
int	ipp_parse_bool(const char *, int *out, char *err, size_t);
/* "8%", "8.5%" or "0.085": returns parts per million. */
int	ipp_parse_percent(const char *, unsigned long *ppm, char *err, size_t);

/*
 * Split a list on spaces and commas; "double quoted" items may hold
 * spaces.  Returns the number of items (0 for an empty list) or -1.  The
 * result is a NULL-terminated array owned by the caller (ipp_list_free).
 */
int	ipp_parse_list(const char *, char ***items, char *err, size_t);
void	ipp_list_free(char **);
size_t	ipp_list_len(char *const *);

/* A numeric IPv4 or IPv6 address, normalized into canonical text. */
struct ipp_ip {
	int	family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
	char	text[INET6_ADDRSTRLEN];
};
int	ipp_parse_ip(const char *, struct ipp_ip *, char *err, size_t);
int	ipp_ip_equal(const struct ipp_ip *, const struct ipp_ip *);

/*
 * A network "ADDR/BITS" or a single address (all bits), for access lists
 * such as [milter] internal_hosts.  Host bits set under the mask are
 * refused: "10.1.2.3/8" is more likely a typo than a network.
 */
struct ipp_net {
	struct ipp_ip ip;
	unsigned bits;
};
int	ipp_parse_net(const char *, struct ipp_net *, char *err, size_t);
/* Is ip inside net?  An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 * compared as the IPv4 address it carries. */
int	ipp_net_contains(const struct ipp_net *, const struct ipp_ip *);

/*
 * A listening or connecting socket in libmilter syntax: "unix:/path",
 * "local:/path", "inet:PORT@HOST", "inet6:PORT@HOST" (HOST optional for
 * listeners: all addresses).
 */
struct ipp_sockspec {
	enum { IPP_SOCK_UNIX, IPP_SOCK_INET, IPP_SOCK_INET6 } kind;
	char	path[108];		/* unix */
	char	host[256];		/* inet, inet6 */
	unsigned port;
};
int	ipp_parse_sockspec(const char *, struct ipp_sockspec *, char *err, size_t);
/* "[host]:port", "host:port", or "unix:/path" (Redis address). */
int	ipp_parse_hostport(const char *, char *host, size_t hostlen,
	    unsigned *port, char *err, size_t);

/*
 * "sentinel:HOST:PORT[,HOST:PORT...]/NAME" (Redis Sentinel): up to max
 * sentinels (TCP) into list, *n of them, and the primary's NAME.
 */
#define IPP_SENTINELS_MAX	16
struct ipp_hostport {
	char	host[256];
	unsigned port;
};
int	ipp_parse_sentinel(const char *, struct ipp_hostport *list, size_t max,
	    size_t *n, char *name, size_t namelen, char *err, size_t);

/* [a-z0-9_-]{1,maxlen}: pool, ISP and transport name pieces. */
int	ipp_valid_name(const char *, size_t maxlen);
/* RFC 5322 field name (printable ASCII except ':' and space). */
int	ipp_valid_header_name(const char *);
/* A DNS host name: labels of letters, digits and hyphens. */
int	ipp_valid_hostname(const char *);

#endif
