/* retpath.c - return-path tokens and their store records, "t|ID" in the
 * stats table (ID: 16 hex digits): "WHEN\tSENDER\tPOOL\tQID\tNRCPT\tRCPTS". */
#include "autoconfig.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "retpath.h"

#define ID_BYTES	8
#define MAC_BYTES	7	/* 8 + 7 = 15 bytes = 24 base32 characters */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

int
ipp_retpath_wanted(const struct ipp_config *cfg, const struct ipp_pool *pool,
    const char *sender)
{
	const char *dom;
	size_t	i;

	if (cfg->fb_key == NULL || sender == NULL || (dom = ipp_addr_domain(sender)) == NULL)
		return (0);
	for (i = 0; cfg->fb_domains && cfg->fb_domains[i]; i++)
		if (strcasecmp(cfg->fb_domains[i], dom) == 0)
			return (1);
	for (i = 0; pool != NULL && cfg->fb_pools && cfg->fb_pools[i]; i++)
		if (strcmp(cfg->fb_pools[i], pool->name) == 0)
			return (1);
	return (0);
}

static void
add_domain(char **out, size_t *n, size_t max, const char *prefix, const char *dom)
{
	char	buf[300];
	size_t	i;

	if (dom == NULL || *dom == '\0' || *n >= max
	    || snprintf(buf, sizeof(buf), "%s%s", prefix, dom) >= (int) sizeof(buf))
		return;
	ipp_domain_lower(buf);
	for (i = 0; i < *n; i++)
		if (strcmp(out[i], buf) == 0)
			return;
	if ((out[*n] = strdup(buf)) != NULL)
		(*n)++;
}

size_t
ipp_retpath_config_domains(const struct ipp_config *cfg, char **out, size_t max)
{
	size_t	n = 0, i, j, k;

	if (cfg->fb_key == NULL)
		return (0);
	for (i = 0; cfg->fb_domains && cfg->fb_domains[i]; i++)
		add_domain(out, &n, max, "bounce.", cfg->fb_domains[i]);
	for (i = 0; i < cfg->npools; i++) {
		const struct ipp_pool *pool = &cfg->pools[i];
		int	fbpool = 0;

		add_domain(out, &n, max, "", pool->return_domain);
		for (k = 0; cfg->fb_pools && cfg->fb_pools[k]; k++)
			fbpool |= strcmp(cfg->fb_pools[k], pool->name) == 0;
		for (j = 0; fbpool && !pool->return_domain && pool->senders && pool->senders[j]; j++)
			add_domain(out, &n, max, "bounce.", ipp_addr_domain(pool->senders[j]));
	}
	return (n);
}

void
ipp_retpath_domains_free(char **list, size_t n)
{
	while (n > 0)
		free(list[--n]);
}

int
ipp_retpath_domain(const struct ipp_pool *pool, const char *fromdom, char *out, size_t outlen)
{
	int	n;

	if (pool != NULL && pool->return_domain != NULL)
		n = snprintf(out, outlen, "%s", pool->return_domain);
	else if (fromdom != NULL && *fromdom)
		n = snprintf(out, outlen, "bounce.%s", fromdom);
	else
		return (-1);
	if (n < 0 || (size_t) n >= outlen || n > 255)
		return (-1);
	ipp_domain_lower(out);
	return (0);
}

int
ipp_retpath_keys_load(const struct ipp_config *cfg, struct ipp_hmac_keys *keys,
    char *err, size_t errlen)
{
	memset(keys, 0, sizeof(*keys));
	if (cfg->fb_key == NULL) {
		(void) snprintf(err, errlen, "no [feedback] key configured");
		return (-1);
	}
	return (ipp_hmac_keys_read(cfg->fb_key, cfg->fb_old_key, keys, err, errlen));
}

static int
mac(const struct ipp_hmac_key *k, const unsigned char *id, unsigned char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), k->data, (int) k->len, id, ID_BYTES, md, &mdlen) == NULL
	    || mdlen < MAC_BYTES)
		return (-1);
	(void) memcpy(out, md, MAC_BYTES);
	return (0);
}

static void
encode(const unsigned char *in, char *out)
{
	unsigned long long acc = 0;
	int	bits = 0, i, o = 0;

	for (i = 0; i < ID_BYTES + MAC_BYTES; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
}

static int
decode(const char *tok, unsigned char *out)
{
	unsigned long long acc = 0;
	int	bits = 0, i, o = 0;
	const char *p;

	for (i = 0; i < IPP_RETPATH_TOKEN_LEN; i++) {
		if (tok[i] == '\0' || (p = strchr(b32, tolower((unsigned char) tok[i]))) == NULL)
			return (-1);
		acc = (acc << 5) | (unsigned long long) (p - b32);
		bits += 5;
		if (bits >= 8) {
			out[o++] = (unsigned char) (acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (tok[i] == '\0' && o == ID_BYTES + MAC_BYTES ? 0 : -1);
}

static uint64_t
id_of(const unsigned char *b)
{
	uint64_t v = 0;
	int	i;

	for (i = 0; i < ID_BYTES; i++)
		v = (v << 8) | b[i];
	return (v);
}

int
ipp_retpath_new(const struct ipp_hmac_keys *keys, char *tok, uint64_t *id)
{
	unsigned char raw[ID_BYTES + MAC_BYTES];

	if (keys->n < 1 || RAND_bytes(raw, ID_BYTES) != 1 || mac(&keys->k[0], raw, raw + ID_BYTES) != 0)
		return (-1);
	encode(raw, tok);
	*id = id_of(raw);
	return (0);
}

int
ipp_retpath_verify(const struct ipp_hmac_keys *keys, const char *tok, uint64_t *id)
{
	unsigned char raw[ID_BYTES + MAC_BYTES], want[MAC_BYTES];
	int	i;

	if (decode(tok, raw) != 0)
		return (-1);
	for (i = 0; i < keys->n; i++)
		if (mac(&keys->k[i], raw, want) == 0
		    && CRYPTO_memcmp(want, raw + ID_BYTES, MAC_BYTES) == 0) {
			*id = id_of(raw);
			return (0);
		}
	return (-1);
}

/* RFC 5322 atext and '.': what may come before our local part in a longer one. */
static int
local_char(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

const char *
ipp_retpath_scan(const char *s, size_t len, const char *prefix, char *tok)
{
	size_t	plen = strlen(prefix), need = plen + IPP_RETPATH_TOKEN_LEN, i;
	const char *at, *start, *end = s + len;
	int	ok;

	for (at = s; at < end && (at = memchr(at, '@', (size_t) (end - at))) != NULL; at++) {
		if ((size_t) (at - s) < need)
			continue;
		start = at - need;
		if (start > s && local_char((unsigned char) start[-1]))
			continue;
		if (plen && strncasecmp(start, prefix, plen) != 0)
			continue;
		for (ok = 1, i = 0; i < IPP_RETPATH_TOKEN_LEN && ok; i++)
			ok = strchr(b32, tolower((unsigned char) start[plen + i])) != NULL
			    && start[plen + i] != '\0';
		if (!ok)
			continue;
		for (i = 0; i < IPP_RETPATH_TOKEN_LEN; i++)
			tok[i] = (char) tolower((unsigned char) start[plen + i]);
		tok[i] = '\0';
		return (at + 1);
	}
	return (NULL);
}

static int
rec_key(uint64_t id, char *key, size_t len)
{
	return (snprintf(key, len, "t|%016llx", (unsigned long long) id));
}

int
ipp_retpath_txn_put(struct ipp_txn *txn, uint64_t id, const struct ipp_retpath_rec *r)
{
	char	key[32], *val;
	size_t	rl = r->rcpts ? strlen(r->rcpts) : 0, cap = rl + IPP_ADDR_MAX + 200;
	int	klen = rec_key(id, key, sizeof(key)), n, rc;

	if ((val = malloc(cap)) == NULL)
		return (IPP_ERR);
	n = snprintf(val, cap, "%lld\t%s\t%s\t%s\t%zu\t%s", (long long) r->when, r->sender,
	    r->pool, r->qid, r->nrcpt, r->rcpts ? r->rcpts : "");
	if (n < 0 || (size_t) n >= cap) {
		free(val);
		return (IPP_ERR);
	}
	rc = ipp_txn_put(txn, IPP_T_STATS, key, (size_t) klen, val, (size_t) n);
	free(val);
	return (rc);
}

/* Split the value; 0, or -1 when it is not one of ours. */
static int
rec_parse(const char *v, size_t len, struct ipp_retpath_rec *r)
{
	const char *f[6], *p = v, *end = v + len, *tab;
	size_t	fl[6];
	int	i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 6; i++) {
		tab = i < 5 ? memchr(p, '\t', (size_t) (end - p)) : end;
		if (tab == NULL)
			return (-1);
		f[i] = p;
		fl[i] = (size_t) (tab - p);
		p = tab + (i < 5);
	}
	if (fl[1] >= sizeof(r->sender) || fl[2] >= sizeof(r->pool) || fl[3] >= sizeof(r->qid)
	    || fl[0] > 20 || fl[4] > 10)
		return (-1);
	r->when = (time_t) strtoll(f[0], NULL, 10);
	(void) memcpy(r->sender, f[1], fl[1]);
	(void) memcpy(r->pool, f[2], fl[2]);
	(void) memcpy(r->qid, f[3], fl[3]);
	r->nrcpt = (size_t) strtoul(f[4], NULL, 10);
	if ((r->rcpts = malloc(fl[5] + 1)) == NULL)
		return (-1);
	(void) memcpy(r->rcpts, f[5], fl[5]);
	r->rcpts[fl[5]] = '\0';
	return (0);
}

struct get_arg {
	uint64_t id;
	struct ipp_retpath_rec *r;
	int	found;
};

int
ipp_retpath_txn_get(struct ipp_txn *txn, uint64_t id, struct ipp_retpath_rec *r)
{
	struct ipp_buf v = { NULL, 0 };
	char	key[32];
	int	klen = rec_key(id, key, sizeof(key)), rc;

	ipp_retpath_rec_free(r);
	rc = ipp_txn_get(txn, IPP_T_STATS, key, (size_t) klen, &v, 0);
	if (rc == IPP_OK && rec_parse(v.data, v.len, r) != 0)
		rc = IPP_NOTFOUND;	/* not one of ours */
	free(v.data);
	return (rc);
}

static int
get_body(struct ipp_txn *txn, void *arg)
{
	struct get_arg *ga = arg;
	int	rc = ipp_retpath_txn_get(txn, ga->id, ga->r);

	ga->found = rc == IPP_OK;
	return (rc == IPP_NOTFOUND ? IPP_OK : rc);
}

int
ipp_retpath_get(struct ipp_store *st, uint64_t id, struct ipp_retpath_rec *r)
{
	struct get_arg ga = { id, r, 0 };
	int	rc;

	memset(r, 0, sizeof(*r));
	if ((rc = ipp_store_run(st, get_body, &ga)) < 0)
		return (rc);
	return (ga.found ? IPP_OK : IPP_NOTFOUND);
}

void
ipp_retpath_rec_free(struct ipp_retpath_rec *r)
{
	free(r->rcpts);
	memset(r, 0, sizeof(*r));
}

int
ipp_retpath_listed(const struct ipp_retpath_rec *r, const char *canon)
{
	size_t	n = strlen(canon);
	const char *p;

	if (n == 0 || r->rcpts == NULL)
		return (0);
	for (p = r->rcpts; (p = strstr(p, canon)) != NULL; p += n)
		if ((p == r->rcpts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return (1);
	return (0);
}

static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	char	buf[24];
	time_t	cutoff = *(const time_t *) arg;

	(void) k;
	(void) kl;
	if (vl >= sizeof(buf))
		vl = sizeof(buf) - 1;
	(void) memcpy(buf, v, vl);
	buf[vl] = '\0';
	return (strtoll(buf, NULL, 10) < (long long) cutoff ? IPP_SCAN_DELETE : IPP_SCAN_NEXT);
}

int
ipp_retpath_purge(struct ipp_store *st, const struct ipp_config *cfg, time_t now)
{
	time_t	cutoff = now - (time_t) cfg->fb_keep;

	return (ipp_store_scan(st, IPP_T_STATS, "t|", 2, purge_cb, &cutoff));
}
