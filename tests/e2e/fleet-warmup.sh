#!/bin/bash
# fleet-warmup.sh - two ippool-policyd processes (two hosts routing for
# the same pool instances) on one Redis share the warm-up counters: 8
# clients at once, half at each, ask for 24 routes to gmail on day 1
# (schedule 3 a day per IP, two IPs, no spillover): exactly 6 get an IP,
# 3 for each, and the other 18 retry; ippoolctl on either host counts 3
# of 3 reserved today for each IP.
. "$(dirname "$0")/lib.sh"
need "$POLICYD" "$PY" redis-server redis-cli "$CTL"

P=$src/tests/e2e/proto.py
RELAY="[$(netip 20)]:2525"
export IPPOOL_NOW=@1767268800	# 2026-01-01 12:00 UTC
redis_start
conf() {	# conf FILE POLICYPORT SOCKETMAPPORT METRICSPORT
	cat >"$1" <<CONF
[store]
backend = redis
redis = unix:$REDIS_SOCK
redis_prefix = warm:
[milter]
user =
[policy]
policy = inet:$2@$(netip 1)
socketmap = inet:$3@$(netip 1)
metrics = inet:$4@$(netip 1)
relay = $RELAY
user =
[pool tx]
ips = $(netip 3) $(netip 4)
port = 10031
[warmup]
schedule = 3 6
CONF
}
conf "$T/a.conf" 10040 10041 9465
conf "$T/b.conf" 10050 10051 9466
policyd_start "$T/a.conf" a
policyd_start "$T/b.conf" b

pids=()
for ((c = 0; c < 8; c++)); do
	port=10041; [ $((c % 2)) = 1 ] && port=10051
	"$PY" "$P" sm "$(netip 1):$port" tx "c${c}a@gmail.com" tx "c${c}b@gmail.com" \
		tx "c${c}c@gmail.com" >"$T/route.$c" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
answers=$(cat "$T"/route.*)
is "$(grep -c '^OK ippool_tx_' <<<"$answers")" 6 \
	"two policyd on one Redis, 24 routes at once on day 1: exactly 6 get an IP (3 a day for each of 2)"
is "$(grep -cxF "OK ippool_tx_1:$RELAY" <<<"$answers")" 3 "  3 for the first IP"
is "$(grep -cxF "OK ippool_tx_2:$RELAY" <<<"$answers")" 3 "  3 for the second"
is "$(grep -c '^OK retry:4.7.1 warm-up capacity for gmail on pool tx exhausted' <<<"$answers")" 18 \
	"  the other 18 retry"
is "$(grep -vc '^OK ' <<<"$answers")" 0 "  no TEMP, no other answer"
for h in a b; do
	is "$("$CTL" -c "$T/$h.conf" warmup status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s/%s" % (r["reserved"], r["capacity"]) for r in d if r["isp"] == "gmail"))')" "3/3 3/3" \
		"  ippoolctl on host $h: 3 of 3 reserved today at gmail for each IP"
done

done_testing
