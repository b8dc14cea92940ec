#!/bin/bash
# redis-sentinel.sh - redis = sentinel:...: a primary, a replica and three
# sentinels on loopback (redis-server --sentinel, what Debian's
# redis-sentinel runs), one Postfix with its milter.  SENTINEL FAILOVER
# under traffic: the milter finds the new primary through the sentinels
# without a restart (the demoted primary answers READONLY and is never
# written to), mail is accepted again within seconds, nothing but 250 or
# 451 4.3.0 is answered meanwhile, and every suppression acknowledged
# before or during the failover is on the new primary and refuses
# (redis_wait_replicas = 1: nothing only the old primary had was
# acknowledged).
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks redis-server redis-cli "$MILTER" "$CTL"

P=$(netip 30) R=$(netip 31)
PORT=10025
rs() {	# rs NAME ADDRESS [ARGS...]: a redis-server on ADDRESS:6379
	local name=$1 addr=$2; shift 2
	mkdir -p "$T/$name"
	redis-server --bind "$addr" --port 6379 --dir "$T/$name" --save '' \
	    --appendonly yes --appendfsync always --logfile "$T/$name.log" "$@" &
	PIDS+=($!)
}
rs primary "$P"
# on loopback a connection comes from 127.0.0.1 whatever the bind
# address: each server and sentinel announces its own
rs replica "$R" --replicaof "$P" 6379 --replica-announce-ip "$R"
SENT=
for i in 32 33 34; do
	cat >"$T/sentinel$i.conf" <<CONF
bind $(netip $i)
port 26379
dir $T
logfile $T/sentinel$i.log
sentinel announce-ip $(netip $i)
sentinel monitor m $P 6379 2
sentinel down-after-milliseconds m 1000
sentinel failover-timeout m 4000
CONF
	redis-server "$T/sentinel$i.conf" --sentinel &
	PIDS+=($!)
	SENT=$SENT${SENT:+,}$(netip $i):26379
done
primary_at() { redis-cli -h "$(netip 32)" -p 26379 sentinel get-master-addr-by-name m | head -1; }
wait_for 10 sh -c "redis-cli -h $P info replication | grep -q 'slave0:.*state=online'" \
	|| bail "the replica did not sync"
for i in 32 33 34; do
	wait_for 20 sh -c "redis-cli -h $(netip $i) -p 26379 --raw sentinel master m | grep -A1 -x num-other-sentinels | grep -qx 2" \
		|| bail "sentinel $i does not see the two others"
done
knows_replica() {
	redis-cli -h "$(netip $1)" -p 26379 --raw sentinel replicas m \
	    | grep -A1 -x flags | grep -qx slave \
	&& redis-cli -h "$(netip $1)" -p 26379 --raw sentinel replicas m | grep -qx "$R"
}
for i in 32 33 34; do
	wait_for 25 knows_replica $i || bail "sentinel $i does not know the replica"
done
is "$(primary_at)" "$P" "the sentinels name $P the primary of m"

cat >"$T/ippool.conf" <<CONF
[store]
backend = redis
redis = sentinel:$SENT/m
redis_timeout = 1s
redis_connect_timeout = 1s
redis_wait_replicas = 1
[milter]
socket = inet:$MPORT@$(netip 1)
user =
hourly_limit = 1000
[pool tx]
ips = $(netip 3)
CONF
site_start
like "$(smtp x@tx.example one@example.com)" '^250 ' "a message accepted through the primary the sentinels named"
for i in 1 2 3; do "$CTL" -c "$T/ippool.conf" suppress add "before$i@example.com" >/dev/null; done
ok $? "three suppressions acknowledged before the failover"

# traffic while the primary changes
(
	for ((i = 0; i < 40; i++)); do
		printf '%s\n' "$(smtp x@tx.example "t$i@example.com")"
		sleep 0.1
	done >"$T/traffic"
) &
TRAFFIC=$!
sleep 1
is "$(redis-cli -h "$(netip 32)" -p 26379 sentinel failover m)" OK "SENTINEL FAILOVER m under traffic"
acked=()
for ((i = 0; i < 20; i++)); do
	"$CTL" -c "$T/ippool.conf" suppress add "during$i@example.com" >/dev/null 2>&1 \
		&& acked+=("during$i@example.com")
	sleep 0.3
done
moved() { [ "$(primary_at)" = "$R" ]; }
wait_for 15 moved
ok $? "the sentinels name $R, the former replica, the primary"
wait "$TRAFFIC"
wait_for 10 sh -c "redis-cli -h $P role | head -1 | grep -qx slave"
ok $? "  and $P is a replica now"
replies=$(cat "$T/traffic")
is "$(grep -cvE '^(250 |451 4\.3\.0 )' <<<"$replies")" 0 \
	"under the failover only 250 or 451 4.3.0 ($(grep -c '^250 ' <<<"$replies") and $(grep -c '^451 ' <<<"$replies") of 40)"
accepts() { smtp x@tx.example after@example.com | grep -q '^250 '; }
wait_for 10 accepts
ok $? "after the failover the milter accepts again, without a restart"
like "$(smtp x@tx.example after2@example.com)" '^250 ' "  and goes on"
is "$(redis-cli -h "$R" --raw exists 'ippool:window:after2@example.com')" 1 "  writing to the new primary"
for a in before1@example.com before2@example.com before3@example.com "${acked[@]}"; do
	[ "$(redis-cli -h "$R" --raw exists "ippool:suppress:a|$a")" = 1 ] || { diag "lost: $a"; lost=1; }
done
ok ${lost:-0} "every acknowledged suppression is on the new primary (3 before, ${#acked[@]} during)"
like "$(smtp x@tx.example before2@example.com)" \
	'^550 5\.7\.1 <before2@example\.com>: recipient suppressed' "  and refuses"
ok $((${#acked[@]} < 1)) "  suppressions were acknowledged during and after the failover too (${#acked[@]} of 20; the others exit 75 until a replica has them)"

done_testing
