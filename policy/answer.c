/* answer.c - socketmap and policy answers.  Every failure inside ippool
 * is a temporary one for Postfix (TEMP, DEFER_IF_PERMIT): mail waits in
 * a queue, it is never refused or lost because of us. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "answer.h"
#include "clock.h"
#include "direction.h"
#include "isp.h"
#include "log.h"
#include "pool.h"
#include "transport.h"
#include "warmup.h"
#include "warmup_lease.h"

#define ATTR_VALUE_MAX	1024	/* longest attribute value we keep */

static struct ipp_log_limit store_lim = IPP_LOG_LIMIT_INIT;
static struct ipp_log_limit name_lim = IPP_LOG_LIMIT_INIT;

/* Split "NAME KEY"; both parts non-empty, no NUL bytes. */
static int
split(const char *req, size_t len, char *name, size_t nlen, char *key, size_t klen,
    char *why, size_t wlen)
{
	const char *sp;
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char) req[i] < 0x20 || req[i] == 0x7f) {
			(void) snprintf(why, wlen, "control character 0x%02x in the request",
			    (unsigned char) req[i]);
			return (-1);
		}
	if ((sp = memchr(req, ' ', len)) == NULL || sp == req || sp + 1 == req + len) {
		(void) snprintf(why, wlen, "request is not \"NAME KEY\"");
		return (-1);
	}
	if ((size_t) (sp - req) >= nlen || (size_t) (req + len - sp - 1) >= klen) {
		(void) snprintf(why, wlen, "map name or key too long");
		return (-1);
	}
	(void) memcpy(name, req, (size_t) (sp - req));
	name[sp - req] = '\0';
	(void) memcpy(key, sp + 1, (size_t) (req + len - sp - 1));
	key[req + len - sp - 1] = '\0';
	return (0);
}

/* A pool instance asks for a recipient address: everything else is not ours. */
static int
routable_key(const char *key)
{
	const char *dom = ipp_addr_domain(key);

	return (strcmp(key, "*") != 0 && dom != NULL && dom[0] != '\0');
}

int
answer_socketmap_blocks(const struct ipp_config *cfg, const char *req, size_t len)
{
	char	name[IPP_NAME_MAX + 16], key[IPP_ADDR_MAX + 16], why[64];

	if (split(req, len, name, sizeof(name), key, sizeof(key), why, sizeof(why)) != 0)
		return (0);
	return (ipp_config_pool(cfg, name) != NULL && routable_key(key));
}

/* prefix, the relay transport of pool and its next hop; -1 (reply empty)
 * when a name does not fit, and the caller must answer something else. */
static int
relay_answer(const struct ipp_config *cfg, const struct ipp_pool *pool, const char *prefix,
    char *reply, size_t rlen)
{
	char	transport[IPP_TRANSPORT_MAX], nexthop[128];
	int	n;

	if (rlen > 0)
		reply[0] = '\0';
	if (ipp_relay_transport_name(cfg, pool, transport, sizeof(transport)) != 0
	    || ipp_relay_nexthop(cfg, pool, nexthop, sizeof(nexthop)) != 0)
		return (-1);
	n = snprintf(reply, rlen, "%s%s:%s", prefix, transport, nexthop);
	if (n < 0 || (size_t) n >= rlen) {
		if (rlen > 0)
			reply[0] = '\0';
		return (-1);
	}
	return (0);
}

/* A socketmap lookup that cannot name its relay: Postfix retries later. */
static enum answer_status
relay_unnamed(const struct ipp_pool *pool, char *reply, size_t rlen, enum metric *kind)
{
	(void) snprintf(reply, rlen, "TEMP cannot name the relay of pool %s", pool->name);
	*kind = M_SM_TEMP;
	return (ANSWER_OK);
}

/* The answer to a route lookup of POOL for RCPT, once decided. */
static void
route_reply(const struct ipp_config *cfg, const struct ipp_pool *pool, const char *rcpt,
    const struct ipp_isp_result *isp, const struct ipp_wu_decision *dp, char *reply,
    size_t rlen, enum metric *kind)
{
	struct ipp_wu_decision d = *dp;
	char	transport[IPP_TRANSPORT_MAX], until[16];

	if (d.kind == IPP_WU_DEFER) {
		ipp_fmt_hhmm(d.until, until, sizeof(until));
		(void) snprintf(reply, rlen,
		    "OK retry:4.7.1 warm-up capacity for %s on pool %s exhausted until %s UTC",
		    isp->isp->name, pool->name, until);
		*kind = M_SM_DEFER;
		metrics_route(pool, NULL, NULL, isp->isp, 1);
	} else if (ipp_transport_name(cfg, d.pool, d.ip, transport, sizeof(transport)) != 0) {
		(void) snprintf(reply, rlen, "TEMP transport name too long");
		*kind = M_SM_TEMP;
		return;
	} else {
		(void) snprintf(reply, rlen, "OK %s:%s", transport, cfg->relay ? cfg->relay : "");
		*kind = d.kind == IPP_WU_SPILL ? M_SM_SPILL : M_SM_ROUTE;
		metrics_route(pool, d.pool, d.pool->ips[d.ip].text, isp->isp, 0);
	}
	msg_debug("socketmap %s %s: isp %s (%s %s): %s", pool->name, rcpt, isp->isp->name,
	    ipp_isp_how_name(isp->how), isp->detail, reply);
}

static void
route(const struct ipp_config *cfg, struct ipp_store *store, struct ipp_wu_leases *leases,
    const struct ipp_pool *pool, const char *rcpt, char *reply, size_t rlen,
    enum metric *kind)
{
	struct ipp_isp_result isp;
	struct ipp_wu_decision d;
	time_t	now = ipp_now();

	(void) ipp_isp_classify(cfg, rcpt, now, &isp);
	if (isp.how == IPP_ISP_DNSFAIL)
		metrics_dns_failure();
	if (ipp_wu_lease_route(leases, store, cfg, pool, isp.isp, now, &d) != IPP_OK) {
		msg_warn_limited(&store_lim, 60,
		    "warm-up store unavailable: answering TEMP (Postfix defers; nothing is lost)");
		(void) snprintf(reply, rlen, "TEMP warm-up store unavailable");
		*kind = M_SM_TEMP;
		return;
	}
	route_reply(cfg, pool, rcpt, &isp, &d, reply, rlen, kind);
}

int
answer_socketmap_leased(const struct ipp_config *cfg, struct ipp_wu_leases *leases,
    const char *req, size_t len, char *reply, size_t rlen, enum metric *kind)
{
	char	name[IPP_NAME_MAX + 16], key[IPP_ADDR_MAX + 16], why[64];
	const struct ipp_pool *pool;
	struct ipp_isp_result isp;
	struct ipp_wu_decision d;
	time_t	now = ipp_now();

	if (leases == NULL || split(req, len, name, sizeof(name), key, sizeof(key), why,
	    sizeof(why)) != 0 || (pool = ipp_config_pool(cfg, name)) == NULL
	    || !routable_key(key) || ipp_isp_classify_cached(cfg, key, now, &isp) == NULL
	    || !ipp_wu_lease_try(leases, cfg, pool, isp.isp, now, &d))
		return (0);
	route_reply(cfg, pool, key, &isp, &d, reply, rlen, kind);
	return (1);
}

enum answer_status
answer_socketmap(const struct ipp_config *cfg, struct ipp_store *store,
    struct ipp_wu_leases *leases, const char *req, size_t len, char *reply, size_t rlen, enum metric *kind, char *why, size_t wlen)
{
	const struct ipp_pool *pool;
	char	name[IPP_NAME_MAX + 16], key[IPP_ADDR_MAX + 16];

	if (split(req, len, name, sizeof(name), key, sizeof(key), why, wlen) != 0)
		return (ANSWER_MALFORMED);
	if (strcmp(name, IPP_SENDER_MAP) == 0) {
		/* a local submission's sender (or "<>"): the relay to its pool */
		if (strcmp(key, "<>") != 0 && ipp_addr_domain(key) == NULL) {
			(void) snprintf(reply, rlen, "NOTFOUND ");
			*kind = M_SM_NOTFOUND;
			return (ANSWER_OK);
		}
		pool = ipp_pool_select(cfg, NULL, strcmp(key, "<>") == 0 ? "" : key, NULL);
		if (relay_answer(cfg, pool, "OK ", reply, rlen) != 0)
			return (relay_unnamed(pool, reply, rlen, kind));
		*kind = M_SM_RELAY;
		return (ANSWER_OK);
	}
	if (strcmp(name, IPP_SENDMAIL_ROUTE_MAP) == 0) {
		/*
		 * Sendmail ("ippoolctl sendmail-mc"): "LOGIN:SENDER", either part
		 * possibly empty; the answer is the relay mailer of the pool.
		 */
		char	*colon = strchr(key, ':');

		if (colon == NULL) {
			(void) snprintf(why, wlen, "%s key is not LOGIN:SENDER", name);
			return (ANSWER_MALFORMED);
		}
		*colon = '\0';
		pool = ipp_pool_select(cfg, key, colon + 1, NULL);
		if (relay_answer(cfg, pool, "OK ", reply, rlen) != 0)
			return (relay_unnamed(pool, reply, rlen, kind));
		/* the next hop is the mailer's business: keep the name only */
		if ((colon = strchr(reply + 3, ':')) != NULL)
			*colon = '\0';
		*kind = M_SM_RELAY;
		return (ANSWER_OK);
	}
	if ((pool = ipp_config_pool(cfg, name)) == NULL) {
		msg_warn_limited(&name_lim, 60,
		    "socketmap lookup in unknown map \"%s\": answering TEMP (is the pool in %s?)",
		    name, cfg->file);
		(void) snprintf(reply, rlen, "TEMP no pool named %s", name);
		*kind = M_SM_TEMP;
		return (ANSWER_OK);
	}
	if (!routable_key(key)) {
		/* "*" and domain keys: the pool instance's defaults apply; routing
		 * decisions are made on full recipient addresses only */
		(void) snprintf(reply, rlen, "NOTFOUND ");
		*kind = M_SM_NOTFOUND;
		return (ANSWER_OK);
	}
	route(cfg, store, leases, pool, key, reply, rlen, kind);
	return (ANSWER_OK);
}

/* Untrusted bytes for a log line: printable, bounded, "..." when cut. */
static void
excerpt(const char *p, size_t n, char *out, size_t olen)
{
	size_t	i, o = 0;

	for (i = 0; i < n && o + 4 < olen; i++)
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	if (i < n && o + 3 < olen)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

/* One "name=value" line of a policy request. */
static int
attr(const char *line, size_t len, const char *name, char *out, size_t olen)
{
	size_t	n = strlen(name);

	if (len <= n || line[n] != '=' || memcmp(line, name, n) != 0)
		return (0);
	len -= n + 1;
	if (len >= olen)
		len = olen - 1;
	(void) memcpy(out, line + n + 1, len);
	out[len] = '\0';
	return (1);
}

enum answer_status
answer_policy(const struct ipp_config *cfg, const char *req, size_t len, char *reply,
    size_t rlen, enum metric *kind, char *why, size_t wlen)
{
	char	request[64] = "", state[32] = "", sender[ATTR_VALUE_MAX] = "",
		rcpt[ATTR_VALUE_MAX] = "", login[ATTR_VALUE_MAX] = "",
		client[ATTR_VALUE_MAX] = "";
	struct ipp_dir_client cl;
	struct ipp_direction dir;
	const char *p = req, *end = req + len, *nl;
	const struct ipp_pool *pool;
	enum ipp_pool_why pwhy;
	int	have_request = 0;

	if (memchr(req, '\0', len) != NULL) {
		(void) snprintf(why, wlen, "NUL byte in the request");
		return (ANSWER_MALFORMED);
	}
	while (p < end) {
		size_t	n;

		nl = memchr(p, '\n', (size_t) (end - p));
		n = (nl ? nl : end) - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || memchr(p, '=', n) == NULL || p[0] == '=') {
			char	shown[48];

			excerpt(p, n, shown, sizeof(shown));
			(void) snprintf(why, wlen, "line \"%s\" is not NAME=VALUE", shown);
			return (ANSWER_MALFORMED);
		}
		have_request |= attr(p, n, "request", request, sizeof(request));
		(void) (attr(p, n, "protocol_state", state, sizeof(state))
		    || attr(p, n, "sender", sender, sizeof(sender))
		    || attr(p, n, "recipient", rcpt, sizeof(rcpt))
		    || attr(p, n, "sasl_username", login, sizeof(login))
		    || attr(p, n, "client_address", client, sizeof(client)));
		p += (nl ? (size_t) (nl - p) + 1 : (size_t) (end - p));
	}
	if (!have_request || strcmp(request, "smtpd_access_policy") != 0) {
		(void) snprintf(why, wlen, "not a request=smtpd_access_policy");
		return (ANSWER_MALFORMED);
	}
	/* the pool is chosen where the recipient is given; other stages pass */
	if (strcasecmp(state, "RCPT") != 0 || rcpt[0] == '\0') {
		(void) snprintf(reply, rlen, "action=DUNNO");
		*kind = M_PL_DUNNO;
		return (ANSWER_OK);
	}
	/*
	 * Mail the milter treats as inbound is not routed into a pool either,
	 * so that the tag and the route always agree: a client in Postfix's
	 * mynetworks but not in internal_hosts leaves as the site's own mail.
	 */
	memset(&cl, 0, sizeof(cl));
	cl.login = login;
	cl.addr = client;
	ipp_direction_decide(cfg, &cl, &dir);
	if (dir.dir == IPP_DIR_INBOUND) {
		(void) snprintf(reply, rlen, "action=DUNNO");
		*kind = M_PL_DUNNO;
		msg_debug("policy sender=<%s> rcpt=<%s>: inbound (%s): not routed", sender, rcpt,
		    dir.text);
		return (ANSWER_OK);
	}
	pool = ipp_pool_select(cfg, login, sender, &pwhy);
	if (relay_answer(cfg, pool, "action=FILTER ", reply, rlen) != 0) {
		(void) snprintf(reply, rlen, "action=DEFER_IF_PERMIT 4.3.5 ippool: cannot name the relay of pool %s",
		    pool->name);
		*kind = M_PL_DEFER;
		return (ANSWER_OK);
	}
	*kind = M_PL_FILTER;
	msg_debug("policy sender=<%s> login=%s rcpt=<%s>: pool %s by %s: %s", sender,
	    login[0] ? login : "-", rcpt, pool->name, ipp_pool_why_name(pwhy), reply);
	return (ANSWER_OK);
}
