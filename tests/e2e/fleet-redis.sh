#!/bin/bash
# fleet-redis.sh - several MTA hosts on one Redis (backend = redis): two
# Postfix instances, each with its own ippool-milter, one redis-server.
# The hourly limit is exact across both hosts, sequentially and under a
# burst; a suppression added through one host's ippoolctl refuses at the
# other; Redis stopped: every host answers 451 4.3.0 and ippoolctl exits
# 75; Redis back: all work again without a restart, and a suppression
# acknowledged with appendfsync always survived the Redis restart.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks redis-server redis-cli "$MILTER" "$CTL"

REDIS_ARGS="--appendonly yes --appendfsync always"
redis_start

write_conf() {	# write_conf FILE MILTERPORT
	cat >"$1" <<CONF
[store]
backend = redis
redis = unix:$REDIS_SOCK
redis_prefix = fleet1:
redis_timeout = 1s
[milter]
socket = inet:$2@$(netip 1)
user =
hourly_limit = 5
[pool tx]
ips = $(netip 3)
CONF
}
write_conf "$T/a.conf" 8891
write_conf "$T/b.conf" 8892
sink_start out "$(netip 20)"
pf_setup a 10025 <<CONF
smtpd_milters = inet:$(netip 1):8891
CONF
pf_setup b 10026 <<CONF
smtpd_milters = inet:$(netip 1):8892
CONF
milter_start "$T/a.conf" a
milter_start "$T/b.conf" b
pf_start a
pf_start b
host_port() { [ "$1" = a ] && echo 10025 || echo 10026; }
send_at() {	# send_at HOST FROM TO
	send "$(netip 1)" "$(host_port "$1")" "$2" "$3"
}

# what one accepted message to one recipient costs in Redis commands
rcli config resetstat >/dev/null
like "$(send_at a one@tx.example one@example.com)" '^250 ' "one message accepted through Redis"
cmds=$(rcli info commandstats | sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1=\2/p' | sort | tr '\n' ' ')
diag "its Redis commands (the scripts' own included): $cmds"
# 4 round trips: the sender guard (GET), the suppression check (MGET),
# the window's reserve and settle scripts (EVALSHA); no WATCH, no EXEC
like " $cmds" ' evalsha=2 .*mget=1 ' "  its round trips: 2 EVALSHA (window reserve, settle), 1 MGET (suppression)"
is "$(grep -oE ' (watch|exec|multi)=' <<<" $cmds" | wc -l)" 0 "  no WATCH, MULTI or EXEC"

# --- the hourly limit, message by message, alternating hosts ---------------
acc=0 lim=0 other=0
for i in $(seq 1 8); do
	h=a; [ $((i % 2)) = 0 ] && h=b
	reply=$(send_at $h "s$i@tx.example" seq@example.com)
	case $reply in
	250*) acc=$((acc + 1)) ;;
	"451 4.7.1 <seq@example.com>: hourly limit of 5 messages reached"*) lim=$((lim + 1)) ;;
	*) other=$((other + 1)); diag "message $i at $h: $reply" ;;
	esac
done
is "$acc" 5 "hourly_limit = 5, 8 messages alternating between two hosts: exactly 5 accepted"
is "$lim" 3 "  and 3 told 451 4.7.1 hourly limit"
is "$other" 0 "  no other answer"
like "$("$CTL" -c "$T/b.conf" limits show seq@example.com | head -1)" \
	'^seq@example.com: 5 of 5 in the last 60 minutes' "  ippoolctl on host b sees the shared window"

# --- a burst at both hosts at once -----------------------------------------
wait_children() {
	local p
	for p in $(jobs -pr); do
		case " ${PIDS[*]} " in *" $p "*) continue ;; esac
		wait "$p"
	done
}
for ((i = 0; i < 12; i++)); do
	send_at a "a$i@tx.example" burst@example.com >"$T/burst.a.$i" &
	send_at b "b$i@tx.example" burst@example.com >"$T/burst.b.$i" &
done
wait_children
replies=$(cat "$T"/burst.*)
is "$(grep -c '^250 ' <<<"$replies")" 5 "12 + 12 clients at once at two hosts, limit 5: exactly 5 accepted"
is "$(grep -c '^451 4.7.1 ' <<<"$replies")" 19 "  and 19 told 451 4.7.1"

# --- a suppression added at one host refuses at the other -------------------
"$CTL" -c "$T/a.conf" suppress add gone@example.com --permanent >/dev/null
ok $? "ippoolctl on host a: suppress add gone@example.com"
is "$(send_at b x@tx.example gone@example.com)" \
	"550 5.7.1 <gone@example.com>: recipient suppressed (manual) permanently" \
	"  host b refuses it: 550 5.7.1"
is "$(rcli --raw exists 'fleet1:suppress:a|gone@example.com')" 1 \
	"  one Redis key, fleet1:suppress:a|gone@example.com"

# --- Redis stopped: a failed store; back: no restart needed -----------------
redis_stop
for h in a b; do
	# the first check to need the store is the sender guard's, at MAIL FROM
	is "$(send_at $h x@tx.example down-$h@example.com)" \
		"451 4.3.0 temporary failure in the sender check, try again later" \
		"Redis stopped: host $h answers 451 4.3.0"
done
"$CTL" -c "$T/a.conf" suppress show gone@example.com >"$T/ctl.out" 2>&1
is "$?" 75 "  ippoolctl exits 75"
like "$(cat "$T/ctl.out")" 'Redis unix:.*cannot connect' "  and names Redis and the reason"
wait_for 5 grep -q 'store unavailable during the .*: answering 4xx' "$T/milter-a.log"
ok $? "  the milter logged the store unavailable"
grep -q 'cannot connect' "$T/milter-b.log"
ok $? "  and the reason"

redis_start
for h in a b; do
	like "$(send_at $h x@tx.example back-$h@example.com)" '^250 ' \
		"Redis started again: host $h accepts, without a restart"
done
wait_for 5 grep -q 'connected again' "$T/milter-a.log"
ok $? "  the milter logged that it connected again"
is "$(send_at a x@tx.example gone@example.com)" \
	"550 5.7.1 <gone@example.com>: recipient suppressed (manual) permanently" \
	"  the suppression survived the Redis restart (appendfsync always)"
is "$(send_at a x@tx.example seq@example.com | cut -c1-9)" "451 4.7.1" \
	"  and so did the hourly window"

done_testing
