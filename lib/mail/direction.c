/* direction.c - outbound or inbound, from what the MTA says of the client. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "direction.h"
#include "parse.h"

/* Log text from the network: printable ASCII only, bounded. */
static void
printable(const char *in, char *out, size_t len)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < len && i < 64; i++)
		out[i] = (unsigned char) in[i] > 0x20 && (unsigned char) in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static int
internal(const struct ipp_config *cfg, const struct ipp_ip *ip)
{
	size_t	i;

	for (i = 0; i < cfg->ninternal_hosts; i++)
		if (ipp_net_contains(&cfg->internal_hosts[i], ip))
			return (1);
	return (0);
}

void
ipp_direction_decide(const struct ipp_config *cfg, const struct ipp_dir_client *cl,
    struct ipp_direction *d)
{
	char	shown[72], err[IPP_ERRLEN];
	const char *addr = cl->addr;
	struct ipp_ip ip;

	memset(d, 0, sizeof(*d));
	d->dir = IPP_DIR_OUTBOUND;
	if (cl->login != NULL && *cl->login != '\0') {
		printable(cl->login, shown, sizeof(shown));
		d->why = IPP_DIR_AUTH;
		(void) snprintf(d->text, sizeof(d->text), "authenticated as %s", shown);
		return;
	}
	if (cl->local) {
		d->why = IPP_DIR_LOCAL;
		(void) snprintf(d->text, sizeof(d->text), "local submission");
		return;
	}
	d->dir = IPP_DIR_INBOUND;
	if (addr == NULL || *addr == '\0') {
		d->why = IPP_DIR_UNKNOWN;
		(void) snprintf(d->text, sizeof(d->text),
		    "not authenticated, and the MTA sent no client address");
		return;
	}
	/* Sendmail writes IPv6 clients as "IPv6:2001:db8::1" */
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	printable(addr, shown, sizeof(shown));
	if (ipp_parse_ip(addr, &ip, err, sizeof(err)) != 0) {
		d->why = IPP_DIR_UNKNOWN;
		(void) snprintf(d->text, sizeof(d->text),
		    "not authenticated, client address \"%s\" unreadable", shown);
		return;
	}
	if (internal(cfg, &ip)) {
		d->dir = IPP_DIR_OUTBOUND;
		d->why = IPP_DIR_INTERNAL;
		(void) snprintf(d->text, sizeof(d->text), "client %s in internal_hosts", ip.text);
		return;
	}
	d->why = IPP_DIR_EXTERNAL;
	(void) snprintf(d->text, sizeof(d->text),
	    "client %s not authenticated and not in internal_hosts", ip.text);
}

const char *
ipp_dir_name(enum ipp_dir d)
{
	return (d == IPP_DIR_OUTBOUND ? "outbound" : "inbound");
}
