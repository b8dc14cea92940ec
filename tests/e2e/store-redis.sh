#!/bin/bash
# store-redis.sh - the store conformance suite (tests/unit/test_store)
# against the redis backend and a private redis-server on a unix socket;
# then the Redis-only promises: records live under the key prefix, two
# prefixes on one Redis are separate stores, window records expire, a
# Redis gone is a store error and a Redis back works without reopening.
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli "$bld/tests/unit/test_store" "$bld/tests/unit/test_ratelimit" "$bld/tests/unit/test_suppress" \
    "$bld/tests/unit/test_bounceguard" "$bld/tests/unit/test_daystats" "$bld/tests/unit/test_feedback"

redis_start
# the suite's own TAP, then ours, numbered on from it
out=$(IPPOOL_STORE_CONF="redis = unix:$REDIS_SOCK
redis_prefix = conf:" "$bld/tests/unit/test_store" redis 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^1\.\.'
t_n=$(printf '%s\n' "$out" | grep -cE '^(not )?ok ')
t_failed=$(printf '%s\n' "$out" | grep -c '^not ok ')
ok $rc "the conformance suite passes against Redis"

# the modules whose store operations are scripts on Redis: the windows
# (window.h), the suppression check (one MGET), the guards, the daily
# counts and the exactly-once marks of feedback (the commit script):
# their own unit tests, against Redis
for m in ratelimit suppress bounceguard daystats feedback; do
	out=$(IPPOOL_TEST_REDIS="unix:$REDIS_SOCK" "$bld/tests/unit/test_$m" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'
	ok $rc "tests/unit/test_$m passes against Redis ($(printf '%s\n' "$out" | grep -c '^ok ') checks)"
done
is "$(rcli script exists "$(rcli script load 'return 1')" | head -1)" 1 "  (scripts can be loaded)"

is "$(rcli exists conf:meta:schema)" 1 "records are PREFIX TABLE:KEY (conf:meta:schema)"
is "$(rcli type conf:index:suppress)" zset "  each scanned table has a sorted index"
ttl=$(rcli ttl conf:window:counter)
ok $((!(ttl > 7000 && ttl <= 7200))) "  a window record expires when idle (TTL $ttl s)"
is "$(rcli ttl conf:suppress:q:1)" -1 "  other records do not"

# two prefixes on one Redis are two stores
conf() {	# conf FILE PREFIX
	printf '[store]\nbackend = redis\nredis = unix:%s\nredis_prefix = %s\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n' \
	    "$REDIS_SOCK" "$2" >"$1"
}
conf "$T/a.conf" fleet-a:
conf "$T/b.conf" fleet-b:
"$CTL" -c "$T/a.conf" suppress add x@example.com >/dev/null 2>&1
ok $? "ippoolctl on fleet-a: suppress add"
like "$("$CTL" -c "$T/a.conf" suppress show x@example.com 2>&1)" 'x@example.com' "  fleet-a has it"
"$CTL" -c "$T/b.conf" suppress show x@example.com >/dev/null 2>&1
ok $((! $?)) "  fleet-b, another prefix on the same Redis, does not"
is "$(rcli --raw keys 'fleet-a:suppress:*' | wc -l)" 1 "  one key under fleet-a:suppress:"
like "$("$CTL" -c "$T/a.conf" check 2>&1)" 'Redis unix:.* db 0 prefix fleet-a:: .*suppress=1 .*version=[0-9.]+ rtt_us=[0-9]+' \
	"ippoolctl check: the backend, the counts, the server's version and round trip"

# Redis slower than redis_timeout: a failed store, within the timeout
printf 'redis_timeout = 1s\n' >"$T/slow.conf"
sed '/^\[store\]/r '"$T/slow.conf" "$T/a.conf" >"$T/a-slow.conf"
rcli client pause 4000 all >/dev/null
start=$SECONDS
"$CTL" -c "$T/a-slow.conf" suppress show x@example.com >"$T/slow.out" 2>&1
rc=$?
is "$rc" 75 "Redis paused past redis_timeout = 1s: ippoolctl exits 75"
ok $((SECONDS - start >= 3)) "  after the timeout (1 s), not the pause (4 s): $((SECONDS - start)) s"
like "$(cat "$T/slow.out")" 'Redis unix:' "  naming the store"
rcli client unpause >/dev/null

# Redis gone: a failed store; back: works again
redis_stop
out=$("$CTL" -c "$T/a.conf" suppress show x@example.com 2>&1)
rc=$?
is "$rc" 75 "Redis stopped: ippoolctl exits 75 (EX_TEMPFAIL)"
like "$out" 'cannot connect: .*start Redis or fix \[store\] redis' "  and says why"
redis_start
"$CTL" -c "$T/a.conf" suppress add y@example.com >/dev/null 2>&1
ok $? "Redis started again: ippoolctl works"

done_testing
