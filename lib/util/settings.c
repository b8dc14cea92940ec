/* settings.c - X-Settings encode/decode with jansson (JSON) and OpenSSL
 * (base64).  The decoder is strict: a header that is not exactly our
 * format is refused with the reason, never half-understood. */
#include "autoconfig.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

#define SETTINGS_VERSION "1.0"
#define MAX_ENCODED 4096

char *
ipp_settings_encode(const char *pool)
{
	json_t *root;
	char   *json, *out = NULL;
	size_t	len;
	int	n;

	root = json_pack("{s:s, s:{s:s}}", "Version", SETTINGS_VERSION,
	    "OutboundIp", "IpPoolId", pool);
	if (root == NULL)
		return (NULL);
	json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (json == NULL)
		return (NULL);
	len = strlen(json);
	if ((out = malloc(4 * ((len + 2) / 3) + 1)) != NULL) {
		n = EVP_EncodeBlock((unsigned char *) out, (unsigned char *) json, (int) len);
		if (n < 0) {
			free(out);
			out = NULL;
		}
	}
	free(json);
	return (out);
}

#define FAIL(...) do { (void) snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int
ipp_settings_decode(const char *value, char **jsonp, char *pool,
    size_t poollen, char *err, size_t errlen)
{
	char	b64[MAX_ENCODED + 1];
	unsigned char *raw = NULL;
	size_t	n = 0, pad = 0;
	const char *s, *id, *ver;
	json_t *root = NULL, *oip, *jid, *jver;
	json_error_t jerr;
	int	len;

	*jsonp = NULL;
	for (s = value; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (n >= MAX_ENCODED)
			FAIL("value longer than %d characters", MAX_ENCODED);
		b64[n++] = *s;
	}
	b64[n] = '\0';
	if (n == 0)
		FAIL("empty value");
	if (n % 4 != 0)
		FAIL("not base64: length %zu is not a multiple of 4", n);
	if (strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") < n - 2
	    || strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		FAIL("not base64: character outside the standard alphabet");
	if (b64[n - 1] == '=')
		pad++;
	if (b64[n - 2] == '=')
		pad++;
	if (pad == 1 && b64[n - 2] == '=')
		FAIL("not base64: bad padding");
	if ((raw = malloc(n / 4 * 3 + 1)) == NULL)
		FAIL("out of memory");
	/* EVP_DecodeBlock keeps the padding bytes as zeros: drop them */
	if ((len = EVP_DecodeBlock(raw, (unsigned char *) b64, (int) n)) < 0)
		FAIL("not base64");
	len -= (int) pad;
	raw[len] = '\0';
	if (memchr(raw, '\0', (size_t) len) != NULL)
		FAIL("decoded value holds a NUL byte");
	root = json_loadb((const char *) raw, (size_t) len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		FAIL("not JSON: %s at position %d", jerr.text, jerr.position);
	if (!json_is_object(root))
		FAIL("JSON is not an object");
	jver = json_object_get(root, "Version");
	if (!json_is_string(jver))
		FAIL("JSON has no \"Version\" string");
	ver = json_string_value(jver);
	if (strcmp(ver, SETTINGS_VERSION) != 0)
		FAIL("unsupported Version \"%s\" (expected %s)", ver, SETTINGS_VERSION);
	oip = json_object_get(root, "OutboundIp");
	if (!json_is_object(oip))
		FAIL("JSON has no \"OutboundIp\" object");
	jid = json_object_get(oip, "IpPoolId");
	if (!json_is_string(jid))
		FAIL("JSON has no \"OutboundIp.IpPoolId\" string");
	id = json_string_value(jid);
	if (*id == '\0' || strlen(id) >= poollen)
		FAIL("IpPoolId \"%s\" is empty or too long", id);
	(void) strcpy(pool, id);
	json_decref(root);
	*jsonp = (char *) raw;
	return (0);
fail:
	json_decref(root);
	free(raw);
	return (-1);
}
