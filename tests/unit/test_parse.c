/* test_parse.c - value syntaxes: durations, numbers, lists, addresses. */
#include "autoconfig.h"

#include <stdlib.h>

#include "parse.h"
#include "tap.h"

int
main(void)
{
	char	err[IPP_ERRLEN], host[256], **items;
	long long d;
	unsigned long long u;
	unsigned long ppm;
	unsigned port;
	int	b, n;
	struct ipp_ip ip, ip2;
	struct ipp_sockspec sp;

	ok(ipp_parse_duration("30s", &d, err, sizeof(err)) == 0 && d == 30, "30s");
	ok(ipp_parse_duration("10m", &d, err, sizeof(err)) == 0 && d == 600, "10m");
	ok(ipp_parse_duration("1h", &d, err, sizeof(err)) == 0 && d == 3600, "1h");
	ok(ipp_parse_duration("14d", &d, err, sizeof(err)) == 0 && d == 14 * 86400, "14d");
	ok(ipp_parse_duration("2w", &d, err, sizeof(err)) == 0 && d == 14 * 86400, "2w");
	ok(ipp_parse_duration("45", &d, err, sizeof(err)) == 0 && d == 45, "bare seconds");
	ok(ipp_parse_duration("14x", &d, err, sizeof(err)) != 0, "14x refused");
	is_str(err, "bad duration \"14x\": unit must be s, m, h, d or w", "14x reason");
	ok(ipp_parse_duration("1hh", &d, err, sizeof(err)) != 0, "1hh refused");
	ok(ipp_parse_duration("-1h", &d, err, sizeof(err)) != 0, "negative refused");
	ok(ipp_parse_duration("", &d, err, sizeof(err)) != 0, "empty refused");
	ok(ipp_parse_duration("99999d", &d, err, sizeof(err)) != 0, "over 10 years refused");

	ok(ipp_parse_uint("42", 100, &u, err, sizeof(err)) == 0 && u == 42, "uint 42");
	ok(ipp_parse_uint("101", 100, &u, err, sizeof(err)) != 0, "uint over max");
	is_str(err, "101 is out of range (maximum 100)", "uint over max reason");
	ok(ipp_parse_uint("-1", 100, &u, err, sizeof(err)) != 0, "uint negative");
	ok(ipp_parse_uint("1e3", 10000, &u, err, sizeof(err)) != 0, "uint junk");
	ok(ipp_parse_uint("99999999999999999999999", ~0ULL, &u, err, sizeof(err)) != 0,
	    "uint overflow");

	ok(ipp_parse_size("8M", 1ULL << 40, &u, err, sizeof(err)) == 0 && u == 8ULL << 20, "8M");
	ok(ipp_parse_size("512k", 1ULL << 40, &u, err, sizeof(err)) == 0 && u == 512ULL << 10,
	    "512k");
	ok(ipp_parse_size("2g", 1ULL << 40, &u, err, sizeof(err)) == 0 && u == 2ULL << 30, "2g");
	ok(ipp_parse_size("1000", 1ULL << 40, &u, err, sizeof(err)) == 0 && u == 1000, "bytes");
	ok(ipp_parse_size("8MB", 1ULL << 40, &u, err, sizeof(err)) != 0, "8MB refused");
	is_str(err, "bad size \"8MB\": expected e.g. 8M, 512k, 1G", "8MB reason");
	ok(ipp_parse_size("8T", 1ULL << 40, &u, err, sizeof(err)) != 0, "8T refused");
	is_str(err, "bad size \"8T\": the unit must be k, m or g", "8T reason");
	ok(ipp_parse_size("2048G", 1ULL << 40, &u, err, sizeof(err)) != 0, "over max refused");
	is_str(err, "size \"2048G\" is too large (maximum 1048576M)", "over max reason");
	ok(ipp_parse_size("99999999999999999999k", ~0ULL, &u, err, sizeof(err)) != 0,
	    "size overflow");
	ok(ipp_parse_size("-1M", 1ULL << 40, &u, err, sizeof(err)) != 0, "negative size");
	ok(ipp_parse_size("", 1ULL << 40, &u, err, sizeof(err)) != 0, "empty size");

	ok(ipp_parse_bool("yes", &b, err, sizeof(err)) == 0 && b == 1, "yes");
	ok(ipp_parse_bool("Off", &b, err, sizeof(err)) == 0 && b == 0, "Off");
	ok(ipp_parse_bool("maybe", &b, err, sizeof(err)) != 0, "maybe refused");

	ok(ipp_parse_percent("8%", &ppm, err, sizeof(err)) == 0 && ppm == 80000, "8%%");
	ok(ipp_parse_percent("0.085", &ppm, err, sizeof(err)) == 0 && ppm == 85000, "0.085");
	ok(ipp_parse_percent("120%", &ppm, err, sizeof(err)) != 0, "120%% refused");
	ok(ipp_parse_percent("8 %", &ppm, err, sizeof(err)) != 0, "'8 %%' refused");

	n = ipp_parse_list("a, b,,c  d", &items, err, sizeof(err));
	ok(n == 4 && strcmp(items[0], "a") == 0 && strcmp(items[3], "d") == 0,
	    "list split on spaces and commas");
	ipp_list_free(items);
	n = ipp_parse_list("421 \"too many\",\"rate limit\" x", &items, err, sizeof(err));
	ok(n == 4 && strcmp(items[1], "too many") == 0 && strcmp(items[2], "rate limit") == 0,
	    "quoted list items keep their spaces");
	ipp_list_free(items);
	ok(ipp_parse_list("\"open", &items, err, sizeof(err)) < 0, "unterminated quote");
	n = ipp_parse_list("  ", &items, err, sizeof(err));
	ok(n == 0 && items && items[0] == NULL, "empty list");
	ipp_list_free(items);

	ok(ipp_parse_ip("192.0.2.10", &ip, err, sizeof(err)) == 0 && ip.family == AF_INET,
	    "IPv4");
	ok(ipp_parse_ip("2001:DB8::0:1", &ip, err, sizeof(err)) == 0
	    && strcmp(ip.text, "2001:db8::1") == 0, "IPv6 normalized");
	ok(ipp_parse_ip("2001:db8::1", &ip2, err, sizeof(err)) == 0 && ipp_ip_equal(&ip, &ip2),
	    "IPv6 equal in another spelling");
	ok(ipp_parse_ip("192.0.2.300", &ip, err, sizeof(err)) != 0, "bad IPv4");
	ok(ipp_parse_ip("mail.example.com", &ip, err, sizeof(err)) != 0, "name refused");

	ok(ipp_parse_sockspec("unix:/run/ippool/milter.sock", &sp, err, sizeof(err)) == 0
	    && sp.kind == IPP_SOCK_UNIX && strcmp(sp.path, "/run/ippool/milter.sock") == 0,
	    "unix socket");
	ok(ipp_parse_sockspec("inet:10040@127.0.0.1", &sp, err, sizeof(err)) == 0
	    && sp.kind == IPP_SOCK_INET && sp.port == 10040 && strcmp(sp.host, "127.0.0.1") == 0,
	    "inet socket");
	ok(ipp_parse_sockspec("inet:8891", &sp, err, sizeof(err)) == 0 && sp.host[0] == '\0',
	    "inet socket without host");
	ok(ipp_parse_sockspec("inet:0@127.0.0.1", &sp, err, sizeof(err)) != 0, "port 0");
	ok(ipp_parse_sockspec("inet:70000@127.0.0.1", &sp, err, sizeof(err)) != 0, "port 70000");
	ok(ipp_parse_sockspec("unix:relative", &sp, err, sizeof(err)) != 0, "relative unix path");
	ok(ipp_parse_sockspec("tcp:25", &sp, err, sizeof(err)) != 0, "unknown socket type");

	ok(ipp_parse_hostport("[127.0.0.1]:2525", host, sizeof(host), &port, err, sizeof(err)) == 0
	    && strcmp(host, "127.0.0.1") == 0 && port == 2525, "[host]:port");
	ok(ipp_parse_hostport("redis.example:6379", host, sizeof(host), &port, err, sizeof(err)) == 0
	    && port == 6379, "host:port");
	ok(ipp_parse_hostport("127.0.0.1", host, sizeof(host), &port, err, sizeof(err)) != 0,
	    "host without port");
	{
		struct ipp_hostport hp[IPP_SENTINELS_MAX];
		char	name[64];
		size_t	n;

		ok(ipp_parse_sentinel("sentinel:10.0.0.5:26379,[::1]:26380,s3.example:26379/ippool",
		    hp, IPP_SENTINELS_MAX, &n, name, sizeof(name), err, sizeof(err)) == 0
		    && n == 3 && strcmp(hp[1].host, "::1") == 0 && hp[1].port == 26380
		    && strcmp(hp[2].host, "s3.example") == 0 && strcmp(name, "ippool") == 0,
		    "sentinel: three sentinels and the primary's name");
		ok(ipp_parse_sentinel("sentinel:10.0.0.5:26379", hp, IPP_SENTINELS_MAX, &n, name,
		    sizeof(name), err, sizeof(err)) != 0 && strstr(err, "NAME is missing") != NULL,
		    "sentinel: the name is required");
		ok(ipp_parse_sentinel("sentinel:a:1,,b:2/m", hp, IPP_SENTINELS_MAX, &n, name,
		    sizeof(name), err, sizeof(err)) != 0, "sentinel: an empty address refused");
		ok(ipp_parse_sentinel("sentinel:unix:/run/s.sock/m", hp, IPP_SENTINELS_MAX, &n, name,
		    sizeof(name), err, sizeof(err)) != 0, "sentinel: TCP only");
		ok(ipp_parse_sentinel("sentinel:a:1,b:2,c:3/m", hp, 2, &n, name, sizeof(name), err,
		    sizeof(err)) != 0 && strstr(err, "more than 2") != NULL, "sentinel: at most MAX");
		ok(ipp_parse_sentinel("sentinel:a:99999/m", hp, IPP_SENTINELS_MAX, &n, name,
		    sizeof(name), err, sizeof(err)) != 0, "sentinel: a bad port refused");
	}

	ok(ipp_valid_name("tx_1-a", 32), "name ok");
	ok(!ipp_valid_name("TX", 32), "upper case name refused");
	ok(!ipp_valid_name("", 32), "empty name refused");
	ok(!ipp_valid_name("abcdefghijklmnopqrstuvwxyz0123456", 32), "33 characters refused");
	ok(ipp_valid_header_name("X-Settings"), "header name");
	ok(!ipp_valid_header_name("X Settings"), "header name with space");
	ok(!ipp_valid_header_name("X:S"), "header name with colon");
	ok(ipp_valid_hostname("out1.example.com"), "host name");
	ok(!ipp_valid_hostname("out1..example.com"), "empty label");
	ok(!ipp_valid_hostname("out_1.example.com"), "underscore");
	return (done_testing());
}
