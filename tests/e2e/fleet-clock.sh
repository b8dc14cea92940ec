#!/bin/bash
# fleet-clock.sh - two milter hosts on one Redis whose clocks differ by 5
# seconds (IPPOOL_NOW): the window scripts take the caller's clock as an
# argument, so a burst at both hosts admits exactly the hourly limit
# whatever the difference; the window is still full half an hour later
# at both, and a little over an hour later (at both clocks) exactly the
# limit again.  A SCRIPT FLUSH under running milters: the scripts are
# loaded again (NOSCRIPT) and nothing changes.  At the end of the hour
# the host that is ahead does not let mail through early: entries count
# [store] redis_clock_skew (default 5 s) longer, so 3 messages host a
# accepted at its T0 still count at host b when b's clock says T0 + 1 h
# + 2 s (with redis_clock_skew = 0 host b would accept).
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks redis-server redis-cli "$MILTER" "$CTL"

redis_start
write_conf() {	# write_conf FILE MILTERPORT
	cat >"$1" <<CONF
[store]
backend = redis
redis = unix:$REDIS_SOCK
redis_prefix = clock:
redis_timeout = 5s
[milter]
socket = inet:$2@$(netip 1)
user =
hourly_limit = 3
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
pf_start a
pf_start b

T0=1796169600
SKEW=5
PA= PB=
at() {	# at SECONDS: host a's clock at T0+SECONDS, host b's SKEW ahead
	[ -n "$PA" ] && milter_stop "$PA"
	[ -n "$PB" ] && milter_stop "$PB"
	IPPOOL_NOW=@$((T0 + $1)) milter_start "$T/a.conf" a
	PA=$MILTER_PID
	IPPOOL_NOW=@$((T0 + $1 + SKEW)) milter_start "$T/b.conf" b
	PB=$MILTER_PID
}
burst() {	# burst TAG: 4 clients at each host at once to one recipient
	local i p pids=()
	rm -f "$T"/burst.*
	for ((i = 0; i < 4; i++)); do
		send "$(netip 1)" 10025 "a$i@tx.example" skew@example.com >"$T/burst.a.$i" &
		pids+=($!)
		send "$(netip 1)" 10026 "b$i@tx.example" skew@example.com >"$T/burst.b.$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	cat "$T"/burst.*
}

at 0
replies=$(burst)
is "$(grep -c '^250 ' <<<"$replies")" 3 "clocks 5 s apart, 4 + 4 clients at once, hourly_limit = 3: exactly 3 accepted"
is "$(grep -c '^451 4.7.1 ' <<<"$replies")" 5 "  and 5 told 451 4.7.1"
like "$(IPPOOL_NOW=@$((T0 + SKEW)) "$CTL" -c "$T/a.conf" limits show skew@example.com | head -1)" \
	'^skew@example.com: 3 of 3 in the last 60 minutes' "  the shared window holds 3"
edge=
for i in 1 2 3; do edge="$edge$(send "$(netip 1)" 10025 "e$i@tx.example" edge@example.com)"$'\n'; done
is "$(grep -c '^250 ' <<<"$edge")" 3 "3 messages to edge@example.com at host a, its clock at T0: accepted"

at 1800
replies=$(burst)
is "$(grep -c '^250 ' <<<"$replies")" 0 "30 minutes later at both clocks: none accepted"
is "$(grep -c '^451 4.7.1 ' <<<"$replies")" 8 "  all 8 told 451 4.7.1"

at $((3600 - SKEW + 2))
like "$(send "$(netip 1)" 10026 e4@tx.example edge@example.com)" '^451 4\.7\.1 ' \
	"host b at T0 + 1 h + 2 s by its clock (host a's T0 + 1 h - 3 s): edge@example.com refused, 451 4.7.1"
like "$(send "$(netip 1)" 10025 e5@tx.example edge@example.com)" '^451 4\.7\.1 ' \
	"  and at host a: refused"

at 3610
like "$(send "$(netip 1)" 10026 e6@tx.example edge@example.com)" '^250 ' \
	"host b at T0 + 1 h + 15 s by its clock: edge@example.com accepted again"
# one message first: host a then holds a pooled connection with the scripts
like "$(send "$(netip 1)" 10025 a8@tx.example skew@example.com)" '^250 ' \
	"an hour and 10 s later at both clocks: accepted again"
is "$(rcli script flush)" OK "SCRIPT FLUSH under running milters"
rcli config resetstat >/dev/null
# the next message at host a takes that connection, whose scripts are gone
like "$(send "$(netip 1)" 10025 a9@tx.example skew@example.com)" '^250 ' \
	"  the next message at host a: accepted"
noscript=$(rcli info errorstats | sed -n 's/^errorstat_NOSCRIPT:count=\([0-9]*\).*/\1/p')
ok $((${noscript:-0} < 1)) "  its pooled connection met NOSCRIPT (${noscript:-0} times) and loaded the scripts again"
replies=$(burst)
is "$(grep -c '^250 ' <<<"$replies")" 1 "  then 4 + 4 clients at once: exactly 1 more accepted (3 in the hour)"
is "$(grep -c '^451 4.7.1 ' <<<"$replies")" 7 "  and 7 told 451 4.7.1"
! grep -q 'store .*unavailable\|warning: store' "$T/milter-a.log" "$T/milter-b.log"
ok $? "  no store warning at either host"

done_testing
