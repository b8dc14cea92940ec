/* transport.c - ippool's Postfix names and loopback addresses. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

static int
fits(int n, size_t len)
{
	return (n > 0 && (size_t) n < len ? 0 : -1);
}

int
ipp_transport_name(const struct ipp_config *cfg, const struct ipp_pool *pool,
    size_t idx, char *buf, size_t len)
{
	return (fits(snprintf(buf, len, "%s%s_%zu", cfg->transport_prefix, pool->name,
	    idx + 1), len));
}

int
ipp_relay_transport_name(const struct ipp_config *cfg, const struct ipp_pool *pool,
    char *buf, size_t len)
{
	return (fits(snprintf(buf, len, "%srelay_%s", cfg->transport_prefix, pool->name),
	    len));
}

int
ipp_transport_syslog_name(const struct ipp_pool *pool, size_t idx, char *buf,
    size_t len)
{
	return (fits(snprintf(buf, len, "postfix/ippool-%s-%zu", pool->name, idx + 1),
	    len));
}

int
ipp_transport_from_syslog(const struct ipp_config *cfg, const char *syslog_name,
    const struct ipp_pool **poolp, size_t *idxp)
{
	const struct ipp_pool *pool;
	const char *comp, *dash, *p;
	char	name[IPP_NAME_MAX + 1];
	unsigned long n = 0;

	/* the last component: "postfix/ippool-tx-1", "postfix-x/ippool-tx-1" */
	comp = strrchr(syslog_name, '/');
	comp = comp ? comp + 1 : syslog_name;
	if (strncmp(comp, "ippool-", 7) != 0)
		return (-1);
	comp += 7;
	/* pool names may hold '-': the index follows the last one */
	if ((dash = strrchr(comp, '-')) == NULL || dash == comp || dash[1] == '\0'
	    || (size_t) (dash - comp) > IPP_NAME_MAX)
		return (-1);
	for (p = dash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || n > 100000)
			return (-1);
		n = n * 10 + (unsigned long) (*p - '0');
	}
	(void) memcpy(name, comp, (size_t) (dash - comp));
	name[dash - comp] = '\0';
	if ((pool = ipp_config_pool(cfg, name)) == NULL || n < 1 || n > pool->nips)
		return (-1);
	*poolp = pool;
	*idxp = (size_t) n - 1;
	return (0);
}

int
ipp_transport_is_relay_syslog(const char *syslog_name)
{
	const char *comp = strrchr(syslog_name, '/');
	const char *want = strrchr(IPP_RELAY_SYSLOG_NAME, '/');

	comp = comp ? comp + 1 : syslog_name;
	return (strcmp(comp, want + 1) == 0);
}

static int
is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

void
ipp_instance_address(const struct ipp_config *cfg, char *buf, size_t len)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];

	if (ipp_parse_sockspec(cfg->socketmap_socket, &sp, err, sizeof(err)) == 0
	    && sp.kind != IPP_SOCK_UNIX && is_loopback(sp.host))
		(void) snprintf(buf, len, "%s", sp.host);
	else
		(void) snprintf(buf, len, "127.0.0.1");
}

int
ipp_relay_nexthop(const struct ipp_config *cfg, const struct ipp_pool *pool,
    char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	ipp_instance_address(cfg, addr, sizeof(addr));
	return (fits(snprintf(buf, len, "[%s]:%u", addr, pool->port), len));
}

int
ipp_postfix_endpoint(const char *spec, char *buf, size_t len)
{
	struct ipp_sockspec sp;
	char	err[IPP_ERRLEN];
	const char *host;

	if (ipp_parse_sockspec(spec, &sp, err, sizeof(err)) != 0)
		return (-1);
	if (sp.kind == IPP_SOCK_UNIX)
		return (fits(snprintf(buf, len, "unix:%s", sp.path), len));
	/* a listener on every address is reached on loopback */
	host = sp.host;
	if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		host = sp.kind == IPP_SOCK_INET6 || strcmp(host, "::") == 0 ? "::1" : "127.0.0.1";
	if (strchr(host, ':') != NULL)
		return (fits(snprintf(buf, len, "inet:[%s]:%u", host, sp.port), len));
	return (fits(snprintf(buf, len, "inet:%s:%u", host, sp.port), len));
}
