/* test_settings.c - the X-Settings codec, byte for byte. */
#include "autoconfig.h"

#include <stdlib.h>

#include "settings.h"
#include "tap.h"

static int
decode(const char *v, char *pool, size_t len, char *err, size_t errlen)
{
	char   *json = NULL;
	int	rc = ipp_settings_decode(v, &json, pool, len, err, errlen);

	free(json);
	return (rc);
}

int
main(void)
{
	char	pool[64], err[256], *v, *json;

	v = ipp_settings_encode("tx");
	/* base64 of {"Version":"1.0","OutboundIp":{"IpPoolId":"tx"}} */
	is_str(v, "eyJWZXJzaW9uIjoiMS4wIiwiT3V0Ym91bmRJcCI6eyJJcFBvb2xJZCI6InR4In19",
	    "encode tx: exact value");
	ok(ipp_settings_decode(v, &json, pool, sizeof(pool), err, sizeof(err)) == 0,
	    "decode our own value");
	is_str(json, "{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"tx\"}}",
	    "decoded JSON");
	is_str(pool, "tx", "decoded pool");
	free(json);
	free(v);

	v = ipp_settings_encode("shared-pool_2");
	ok(decode(v, pool, sizeof(pool), err, sizeof(err)) == 0
	    && strcmp(pool, "shared-pool_2") == 0, "round trip of another name");
	free(v);

	ok(decode("eyJWZXJzaW9uIjoiMS4wIiwiT3V0Ym91bmRJcCI6\r\n eyJJcFBvb2xJZCI6InR4In19",
	    pool, sizeof(pool), err, sizeof(err)) == 0 && strcmp(pool, "tx") == 0,
	    "folded header value");

	ok(decode("", pool, sizeof(pool), err, sizeof(err)) != 0, "empty");
	is_str(err, "empty value", "empty: reason");
	ok(decode("abc", pool, sizeof(pool), err, sizeof(err)) != 0, "length not a multiple of 4");
	ok(decode("ab$d", pool, sizeof(pool), err, sizeof(err)) != 0, "bad alphabet");
	is_str(err, "not base64: character outside the standard alphabet", "alphabet: reason");
	ok(decode("ab=d", pool, sizeof(pool), err, sizeof(err)) != 0, "padding in the middle");
	/* "hello" */
	ok(decode("aGVsbG8=", pool, sizeof(pool), err, sizeof(err)) != 0, "not JSON");
	/* ["tx"] */
	ok(decode("WyJ0eCJd", pool, sizeof(pool), err, sizeof(err)) != 0, "JSON array");
	is_str(err, "JSON is not an object", "array: reason");
	/* {"Version":"2.0","OutboundIp":{"IpPoolId":"tx"}} */
	ok(decode("eyJWZXJzaW9uIjoiMi4wIiwiT3V0Ym91bmRJcCI6eyJJcFBvb2xJZCI6InR4In19",
	    pool, sizeof(pool), err, sizeof(err)) != 0, "other version");
	is_str(err, "unsupported Version \"2.0\" (expected 1.0)", "version: reason");
	/* {"Version":"1.0","OutboundIp":{}} */
	ok(decode("eyJWZXJzaW9uIjoiMS4wIiwiT3V0Ym91bmRJcCI6e319",
	    pool, sizeof(pool), err, sizeof(err)) != 0, "no IpPoolId");
	is_str(err, "JSON has no \"OutboundIp.IpPoolId\" string", "no IpPoolId: reason");
	/* {"Version":"1.0","Version":"1.0","OutboundIp":{"IpPoolId":"tx"}} */
	ok(decode("eyJWZXJzaW9uIjoiMS4wIiwiVmVyc2lvbiI6IjEuMCIsIk91dGJvdW5kSXAiOnsiSXBQb29sSWQiOiJ0eCJ9fQ==",
	    pool, sizeof(pool), err, sizeof(err)) != 0, "duplicate key refused");
	return (done_testing());
}
