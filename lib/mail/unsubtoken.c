/* unsubtoken.c - one-click unsubscribe tokens.  The bytes before base64url:
 *
 *	1	version (1)
 *	5	issue time, seconds, big-endian
 *	1+n	recipient length and recipient
 *	1+m	sender domain length and domain
 *	16	HMAC-SHA256 over a label and all of the above, truncated
 *
 * The label keeps these MACs apart from the return-path tokens' even when
 * one key file serves both. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unsubtoken.h"

#define TOKEN_VERSION	1
#define MAC_BYTES	16
#define RAW_MAX		(1 + 5 + 1 + IPP_UNSUB_RCPT_MAX + 1 + IPP_UNSUB_DOMAIN_MAX + MAC_BYTES)
#define LABEL		"ippool-unsubscribe-v1"

_Static_assert((RAW_MAX * 4 + 2) / 3 + 1 <= IPP_UNSUB_TOKEN_MAX, "IPP_UNSUB_TOKEN_MAX too small");

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
ipp_unsub_enabled(const struct ipp_config *cfg, const struct ipp_pool *pool)
{
	return (cfg->unsub_url != NULL && cfg->unsub_key != NULL
	    && (pool == NULL || pool->unsubscribe));
}

int
ipp_unsub_keys_load(const struct ipp_config *cfg, struct ipp_hmac_keys *keys,
    char *err, size_t errlen)
{
	(void) memset(keys, 0, sizeof(*keys));
	if (cfg->unsub_key == NULL) {
		(void) snprintf(err, errlen, "no [unsubscribe] key configured");
		return (-1);
	}
	return (ipp_hmac_keys_read(cfg->unsub_key, cfg->unsub_old_key, keys, err, errlen));
}

static int
mac(const struct ipp_hmac_key *k, const unsigned char *data, size_t len, unsigned char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE], in[sizeof(LABEL) + RAW_MAX];
	unsigned int mdlen = 0;

	if (len > RAW_MAX)
		return (-1);
	(void) memcpy(in, LABEL, sizeof(LABEL));
	(void) memcpy(in + sizeof(LABEL), data, len);
	if (HMAC(EVP_sha256(), k->data, (int) k->len, in, sizeof(LABEL) + len, md, &mdlen) == NULL
	    || mdlen < MAC_BYTES)
		return (-1);
	(void) memcpy(out, md, MAC_BYTES);
	return (0);
}

/* Printable, no blanks, and what an address or a domain holds. */
static int
plain(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f
		    || s[i] == '<' || s[i] == '>')
			return (0);
	return (1);
}

int
ipp_unsub_token_make(const struct ipp_hmac_keys *keys, const char *rcpt, const char *domain,
    time_t when, char *tok, size_t toklen)
{
	unsigned char raw[RAW_MAX];
	size_t	rl = strlen(rcpt), dl = strlen(domain), n = 0, i, o = 0;
	unsigned long long t = (unsigned long long) when;
	unsigned acc = 0;
	int	bits = 0;

	if (keys->n < 1 || rl == 0 || rl > IPP_UNSUB_RCPT_MAX || dl == 0
	    || dl > IPP_UNSUB_DOMAIN_MAX || !plain(rcpt, rl) || !plain(domain, dl)
	    || strchr(rcpt, '@') == NULL || when < 0 || t >> 40 != 0)
		return (-1);
	raw[n++] = TOKEN_VERSION;
	for (i = 0; i < 5; i++)
		raw[n++] = (unsigned char) (t >> (8 * (4 - i)));
	raw[n++] = (unsigned char) rl;
	(void) memcpy(raw + n, rcpt, rl);
	n += rl;
	raw[n++] = (unsigned char) dl;
	(void) memcpy(raw + n, domain, dl);
	n += dl;
	if (mac(&keys->k[0], raw, n, raw + n) != 0)
		return (-1);
	n += MAC_BYTES;
	if ((n * 4 + 2) / 3 + 1 > toklen)
		return (-1);
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			tok[o++] = b64[(acc >> (bits - 6)) & 63];
			bits -= 6;
		}
		acc &= 0xff;
	}
	if (bits > 0)
		tok[o++] = b64[(acc << (6 - bits)) & 63];
	tok[o] = '\0';
	return (0);
}

static int
b64val(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return (-1);
	return ((int) (p - b64));
}

int
ipp_unsub_token_check(const struct ipp_hmac_keys *keys, const char *tok, size_t len,
    struct ipp_unsub_claim *claim, const char **why)
{
	unsigned char raw[RAW_MAX], want[MAC_BYTES];
	unsigned acc = 0;
	unsigned long long t = 0;
	size_t	i, n = 0, rl, dl, body;
	int	bits = 0, v, k;

	*why = "malformed";
	if (len < 8 || len > (RAW_MAX * 4 + 2) / 3 || len % 4 == 1)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((v = b64val((unsigned char) tok[i])) < 0)
			return (-1);
		acc = (acc << 6) | (unsigned) v;
		bits += 6;
		if (bits >= 8) {
			raw[n++] = (unsigned char) (acc >> (bits - 8));
			bits -= 8;
		}
		acc &= 0xff;
	}
	if ((acc & ((1u << bits) - 1)) != 0)	/* one encoding per token */
		return (-1);
	if (n < 1 + 5 + 1 + 1 + 1 + 1 + MAC_BYTES || raw[0] != TOKEN_VERSION)
		return (-1);
	rl = raw[6];
	if (rl == 0 || rl > IPP_UNSUB_RCPT_MAX || 7 + rl + 1 > n - MAC_BYTES)
		return (-1);
	dl = raw[7 + rl];
	body = 7 + rl + 1 + dl;
	if (dl == 0 || dl > IPP_UNSUB_DOMAIN_MAX || body + MAC_BYTES != n)
		return (-1);
	if (!plain((const char *) raw + 7, rl) || memchr(raw + 7, '@', rl) == NULL
	    || !plain((const char *) raw + 8 + rl, dl))
		return (-1);
	*why = "bad signature";
	for (k = 0; k < keys->n; k++) {
		if (mac(&keys->k[k], raw, body, want) != 0) {
			*why = "HMAC failed";
			return (-1);
		}
		if (CRYPTO_memcmp(want, raw + body, MAC_BYTES) == 0)
			break;
	}
	if (k == keys->n)
		return (-1);
	for (i = 0; i < 5; i++)
		t = (t << 8) | raw[1 + i];
	(void) memset(claim, 0, sizeof(*claim));
	claim->when = (time_t) t;
	(void) memcpy(claim->rcpt, raw + 7, rl);
	(void) memcpy(claim->domain, raw + 8 + rl, dl);
	claim->old_key = k == 1;
	*why = NULL;
	return (0);
}

int
ipp_unsub_url(const struct ipp_config *cfg, const char *tok, char *out, size_t outlen)
{
	int	n;

	if (cfg->unsub_url == NULL)
		return (-1);
	n = snprintf(out, outlen, "%s/%s", cfg->unsub_url, tok);
	return (n < 0 || (size_t) n >= outlen ? -1 : 0);
}

int
ipp_unsub_mailto(const struct ipp_config *cfg, const char *tok, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char head[] = "mailto:", tail[] = "?subject=unsubscribe%20";
	const unsigned char *s;
	size_t	o;
	int	n;

	if (cfg->unsub_mailto == NULL || cfg->unsub_mailto[0] == '\0' || outlen < sizeof(head))
		return (-1);
	(void) memcpy(out, head, sizeof(head));
	o = sizeof(head) - 1;
	for (s = (const unsigned char *) cfg->unsub_mailto; *s; s++) {
		if (o + 4 > outlen)
			return (-1);
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
		    || strchr("@.-_+", *s) != NULL)
			out[o++] = (char) *s;
		else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	n = snprintf(out + o, outlen - o, "%s%s", tail, tok);
	return (n < 0 || (size_t) n >= outlen - o ? -1 : 0);
}
