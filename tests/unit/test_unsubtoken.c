/* test_unsubtoken.c - one-click unsubscribe tokens: made and checked with
 * the key alone, bound to recipient, sender domain and time, refused when
 * forged, truncated, re-encoded or made under another key; the old key
 * still checks; and the [unsubscribe] keys' checks. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unsubtoken.h"
#include "tap.h"

static const char *
keyfile(const char *name, int fill)
{
	static char path[512];
	unsigned char data[32];
	int	fd;

	memset(data, fill, sizeof(data));
	(void) snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0
	    || write(fd, data, sizeof(data)) != (ssize_t) sizeof(data) || close(fd) != 0)
		exit(99);
	return (path);
}

static void
tokens(void)
{
	struct ipp_hmac_keys k1, k2, both;
	struct ipp_unsub_claim c;
	char	tok[IPP_UNSUB_TOKEN_MAX], tok2[IPP_UNSUB_TOKEN_MAX], err[300], longrcpt[300];
	const char *why, *s;
	size_t	i, len;
	int	bad;

	ok(ipp_hmac_keys_read(keyfile("k1", 'a'), NULL, &k1, err, sizeof(err)) == 0 && k1.n == 1,
	    "key read");
	ok(ipp_hmac_keys_read(keyfile("k2", 'b'), NULL, &k2, err, sizeof(err)) == 0, "second key read");
	ok(ipp_unsub_token_make(&k1, "bob@example.net", "example.com", 1700000000, tok,
	    sizeof(tok)) == 0, "token made: %s", tok);
	len = strlen(tok);
	for (s = tok, bad = 0; *s; s++)
		bad |= strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *s) == NULL;
	ok(!bad, "URL-safe characters only");
	ok(ipp_unsub_token_check(&k1, tok, len, &c, &why) == 0, "checks with the key alone");
	is_str(c.rcpt, "bob@example.net", "names the recipient");
	is_str(c.domain, "example.com", "names the sender domain");
	is_int(c.when, 1700000000, "names the issue time");
	is_int(c.old_key, 0, "with the current key");
	ok(ipp_unsub_token_check(&k2, tok, len, &c, &why) != 0 && strcmp(why, "bad signature") == 0,
	    "another key: bad signature");
	both = k2;
	both.k[1] = k1.k[0];
	both.n = 2;
	ok(ipp_unsub_token_check(&both, tok, len, &c, &why) == 0 && c.old_key == 1,
	    "the old key still checks (rotation)");
	for (i = 0, bad = 0; i < len; i++) {
		(void) memcpy(tok2, tok, len + 1);
		tok2[i] = tok2[i] == 'A' ? 'B' : 'A';
		bad += ipp_unsub_token_check(&k1, tok2, len, &c, &why) == 0;
	}
	is_int(bad, 0, "every one-character change is refused");
	for (i = 0, bad = 0; i < len; i++)
		bad += ipp_unsub_token_check(&k1, tok, i, &c, &why) == 0;
	is_int(bad, 0, "every truncation is refused");
	ok(ipp_unsub_token_make(&k1, "bob@example.net", "example.org", 1700000000, tok2,
	    sizeof(tok2)) == 0 && strcmp(tok, tok2) != 0, "another sender domain, another token");
	ok(ipp_unsub_token_check(&k1, "not a token at all", 18, &c, &why) != 0
	    && strcmp(why, "malformed") == 0, "junk: malformed");
	ok(ipp_unsub_token_check(&k1, "AAAA\0AAAAAAA", 12, &c, &why) != 0, "a NUL inside: refused");
	ok(ipp_unsub_token_make(&k1, "bob\r\n@example.net", "example.com", 1, tok2, sizeof(tok2)) != 0,
	    "control characters in the recipient: no token");
	ok(ipp_unsub_token_make(&k1, "example.net", "example.com", 1, tok2, sizeof(tok2)) != 0,
	    "a recipient without @: no token");
	memset(longrcpt, 'a', sizeof(longrcpt));
	(void) memcpy(longrcpt + 250, "@example.net", 13);
	ok(ipp_unsub_token_make(&k1, longrcpt, "example.com", 1, tok2, sizeof(tok2)) != 0,
	    "a 262-byte recipient (RFC 5321: 254 at most): no token");
	longrcpt[200] = '\0';
	longrcpt[190] = '@';
	ok(ipp_unsub_token_make(&k1, longrcpt, "example.com", 1, tok2, 20) != 0,
	    "a buffer too small: no token");
	ok(ipp_unsub_token_make(&k1, longrcpt, "example.com", 1, tok2, sizeof(tok2)) == 0
	    && ipp_unsub_token_check(&k1, tok2, strlen(tok2), &c, &why) == 0
	    && strcmp(c.rcpt, longrcpt) == 0, "a 200-byte recipient round-trips");
}

static struct ipp_config *
load(const char *name, const char *text, char *errbuf, size_t errlen)
{
	struct ipp_config *cfg;
	FILE   *errs = fmemopen(errbuf, errlen, "w");

	cfg = ipp_config_load(tap_write(name, text), errs);
	if (errs != NULL)
		(void) fclose(errs);
	return (cfg);
}

static void
config(void)
{
	struct ipp_config *cfg;
	char	errs[2048], text[1024], url[1024];

	(void) snprintf(text, sizeof(text), "[store]\npath = %s\n[pool a]\nips = 192.0.2.1\n"
	    "[pool b]\nips = 192.0.2.2\nunsubscribe = no\n[unsubscribe]\n"
	    "url = https://unsub.example.com/u\nkey = %s\nmailto = unsub@bounce.example.com\n",
	    tap_tmpdir(), keyfile("k3", 'c'));
	memset(errs, 0, sizeof(errs));
	cfg = load("u1.conf", text, errs, sizeof(errs));
	ok(cfg != NULL, "[unsubscribe] accepted%s%s", *errs ? ": " : "", errs);
	if (cfg == NULL)
		return;
	ok(ipp_unsub_enabled(cfg, ipp_config_pool(cfg, "a")), "on for pool a");
	ok(!ipp_unsub_enabled(cfg, ipp_config_pool(cfg, "b")), "off for pool b (unsubscribe = no)");
	is_str(cfg->unsub_listen, "inet:8025@127.0.0.1", "listen default");
	ok(ipp_unsub_url(cfg, "TOK", url, sizeof(url)) == 0, "URL made");
	is_str(url, "https://unsub.example.com/u/TOK", "URL/TOKEN");
	ipp_config_free(cfg);

	memset(errs, 0, sizeof(errs));
	ok(load("u2.conf", "[store]\npath = /tmp\n[pool a]\nips = 192.0.2.1\n[unsubscribe]\n"
	    "url = https://unsub.example.com/u\n", errs, sizeof(errs)) == NULL
	    && strstr(errs, "u2.conf:5: [unsubscribe] needs both url = URL and key = FILE") != NULL,
	    "url without key refused: %s", errs);
	memset(errs, 0, sizeof(errs));
	ok(load("u3.conf", "[store]\npath = /tmp\n[pool a]\nips = 192.0.2.1\n[unsubscribe]\n"
	    "url = https://unsub.example.com/u?x=1\nkey = /k\n", errs, sizeof(errs)) == NULL
	    && strstr(errs, "u3.conf:6:") != NULL, "a URL with a query refused: %s", errs);
	memset(errs, 0, sizeof(errs));
	ok(load("u4.conf", "[store]\npath = /tmp\n[pool a]\nips = 192.0.2.1\n[unsubscribe]\n"
	    "url = ftp://x/u\nkey = /k\n", errs, sizeof(errs)) == NULL
	    && strstr(errs, "not an http:// or https:// URL") != NULL, "ftp refused: %s", errs);
	memset(errs, 0, sizeof(errs));
	ok(load("u5.conf", "[store]\npath = /tmp\n[pool a]\nips = 192.0.2.1\n[unsubscribe]\n"
	    "url = https://x/u/\nkey = /k\nmailto = <a@b>\n", errs, sizeof(errs)) == NULL
	    && strstr(errs, "u5.conf:6:") != NULL && strstr(errs, "u5.conf:8:") != NULL,
	    "a trailing / and a bracketed mailto refused: %s", errs);
	memset(errs, 0, sizeof(errs));
	ok(load("u6.conf", "[store]\npath = /tmp\n[pool a]\nips = 192.0.2.1\n[unsubscribe]\n"
	    "url = https://x/u\nkey = /k\ntls_cert = /c\n", errs, sizeof(errs)) == NULL
	    && strstr(errs, "tls_cert and tls_key go together") != NULL, "cert without key: %s", errs);
}

int
main(void)
{
	tokens();
	config();
	return (done_testing());
}
