#!/bin/bash
# policy-proto.sh - ippool-policyd on its two protocols, through a client
# written from Postfix's protocol descriptions (tests/e2e/proto.py):
# exact socketmap answers (IP, spread, spillover, retry with its time,
# NOTFOUND, TEMP, the sender map), exact policy answers (FILTER by sender
# and by SASL login, DUNNO off RCPT, persistent connections), malformed
# and oversized input closing only that connection with a log line, 200
# concurrent connections, 500 idle ones, metrics, SIGHUP and SIGTERM.
. "$(dirname "$0")/lib.sh"
need "$POLICYD" "$PY"

P=$src/tests/e2e/proto.py
SM=$(netip 1):10041
PL=$(netip 1):10040
RELAY="[$(netip 20)]:2525"
# 2026-01-01 12:00 UTC, frozen: answers name fixed times
export IPPOOL_NOW=@1767268800
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
$(policy_section)
[pool tx]
ips = $(netip 3) $(netip 4)
spillover = shared
senders = @tx.example
logins = app1
port = 10031
[pool shared]
ips = $(netip 5)
mode = standard
port = 10032
[pool solo]
ips = $(netip 6)
port = 10033
[warmup]
schedule = 3 6
spill_days = 1
CONF

like "$("$POLICYD" -V)" '^ippool-policyd [0-9]+\.[0-9]+' "-V prints the version"
"$POLICYD" -n -c "$T/ippool.conf"
is "$?" 0 "-n on a good config: exit 0"
printf '[pool x]\nips = 192.0.2.1\nmode = fast\n' >"$T/bad.conf"
out=$("$POLICYD" -n -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 78 "-n on a bad config: exit 78"
is "$out" "$T/bad.conf:3: mode: must be managed or standard, not \"fast\"" "  with FILE:LINE: message"

policyd_start "$T/ippool.conf"
LOG=$T/policyd-p.log

# --- socketmap ---------------------------------------------------------------
out=$("$PY" "$P" sm "$SM" tx a1@gmail.com tx a2@gmail.com tx a3@gmail.com tx a4@gmail.com \
	tx a5@gmail.com tx a6@gmail.com tx a7@gmail.com tx y1@yahoo.com)
is "$out" "OK ippool_tx_1:$RELAY
OK ippool_tx_2:$RELAY
OK ippool_tx_1:$RELAY
OK ippool_tx_2:$RELAY
OK ippool_tx_1:$RELAY
OK ippool_tx_2:$RELAY
OK ippool_shared_1:$RELAY
OK ippool_tx_1:$RELAY" \
	"tx at gmail on day 1: 3 per IP alternating, then the spillover pool; yahoo counted apart"
out=$("$PY" "$P" sm "$SM" solo b1@gmail.com solo b2@gmail.com solo b3@gmail.com solo b4@gmail.com)
is "$out" "OK ippool_solo_1:$RELAY
OK ippool_solo_1:$RELAY
OK ippool_solo_1:$RELAY
OK retry:4.7.1 warm-up capacity for gmail on pool solo exhausted until 00:00 UTC" \
	"a pool without spillover: 3, then retry until 00:00 UTC"
# ippoolctl sees and changes the same store
out=$(CTLC warmup set "$(netip 6)" gmail --day 2)
is "$out" "$(netip 6) (pool solo) at gmail: warm-up day 2 from today" "warmup set: imports an IP at day 2"
out=$("$PY" "$P" sm "$SM" solo b5@gmail.com solo b6@gmail.com solo b7@gmail.com solo b8@gmail.com)
is "$out" "OK ippool_solo_1:$RELAY
OK ippool_solo_1:$RELAY
OK ippool_solo_1:$RELAY
OK retry:4.7.1 warm-up capacity for gmail on pool solo exhausted until 00:00 UTC" \
	"  policyd uses it at once: capacity 6, 3 more before retry"
out=$(CTLC warmup status --pool solo --isp gmail)
is "$out" "POOL         IP               ISP        DAY        SENT RESERVED   CAPACITY  PAUSED UNTIL
solo         $(netip 6)$(printf '%*s' $((17 - ${#NET} - 2)) '')gmail      2/2           0        6          6  -" \
	"warmup status: day 2/2, 6 reserved, capacity 6"
is "$(CTLC warmup set "$(netip 5)" gmail --day 2 2>&1; echo "rc=$?")" \
	"ippoolctl: $(netip 5) is in standard pool shared, which has no warm-up
rc=65" "warmup set on a standard pool: refused (exit 65)"
is "$(CTLC warmup reset "$(netip 6)" gmail)" "1 warm-up record removed: that IP's ISPs start again at day 1" \
	"warmup reset IP ISP"
is "$(CTLC warmup status --json --pool solo --isp gmail | "$PY" -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["day"], r["reserved"], r["capacity"])')" \
	"1 0 3" "  back to day 1, nothing used, capacity 3"
out=$(CTLC warmup simulate tx --volume 13 --days 3 | tail -3)
is "$out" "1     3/3 (d1)               3/3 (d1)                        7          0
2     6/6 (d2)               6/6 (d2)                        0          1
3     7/- (d3)               7/- (d3)                        0          0" \
	"warmup simulate: day 1 spills 7, day 2 (past spill_days) defers 1, day 3 uncapped"
out=$("$PY" "$P" sm "$SM" shared c1@gmail.com shared c2@outlook.com)
is "$out" "OK ippool_shared_1:$RELAY
OK ippool_shared_1:$RELAY" "a standard pool: uncapped"
out=$("$PY" "$P" sm "$SM" tx '*' tx gmail.com tx 'user@')
is "$out" "NOTFOUND 
NOTFOUND 
NOTFOUND " "the wildcard, a domain and an address without domain: NOTFOUND"
out=$("$PY" "$P" sm "$SM" nosuchpool a@gmail.com)
is "$out" "TEMP no pool named nosuchpool" "an unknown map name: TEMP"
out=$("$PY" "$P" sm "$SM" ippool-sender news@tx.example ippool-sender other@else.example ippool-sender '<>')
is "$out" "OK ippool_relay_tx:[$(netip 1)]:10031
OK ippool_relay_tx:[$(netip 1)]:10031
OK ippool_relay_tx:[$(netip 1)]:10031" \
	"ippool-sender: the relay of the sender's pool (tx; first pool for others and <>)"

# --- policy ----------------------------------------------------------------
out=$("$PY" "$P" policy "$PL" <<REQ
request=smtpd_access_policy
protocol_state=RCPT
sender=news@tx.example
recipient=someone@gmail.com
client_address=127.0.0.1
instance=1.2.3
---
request=smtpd_access_policy
protocol_state=RCPT
sender=stranger@else.example
recipient=someone@gmail.com
client_address=192.0.2.7
sasl_username=app1
---
request=smtpd_access_policy
protocol_state=RCPT
sender=stranger@else.example
recipient=someone@gmail.com
client_address=127.0.0.1
sasl_username=
---
request=smtpd_access_policy
protocol_state=RCPT
sender=stranger@else.example
recipient=someone@gmail.com
client_address=192.0.2.7
sasl_username=
---
request=smtpd_access_policy
protocol_state=END-OF-MESSAGE
sender=news@tx.example
recipient=
REQ
)
is "$out" "action=FILTER ippool_relay_tx:[$(netip 1)]:10031
action=FILTER ippool_relay_tx:[$(netip 1)]:10031
action=FILTER ippool_relay_tx:[$(netip 1)]:10031
action=DUNNO
action=DUNNO" "policy: FILTER by sender, by SASL login (any client), by default (first pool); DUNNO for an outside unauthenticated client (inbound: not routed) and off RCPT; one persistent connection"
cat >>"$T/ippool.conf" <<CONF
[pool default]
ips = $(netip 7)
port = 10034
CONF
kill -HUP "$POLICYD_PID"
wait_for 5 grep -q 'reloaded' "$LOG"
ok $? "SIGHUP: configuration reloaded"
out=$("$PY" "$P" policy "$PL" <<REQ
request=smtpd_access_policy
protocol_state=RCPT
sender=stranger@else.example
recipient=someone@gmail.com
client_address=127.0.0.1
REQ
)
is "$out" "action=FILTER ippool_relay_default:[$(netip 1)]:10034" "after reload: pool default for an unmapped sender"
printf '[dkim]\ncanonicalization = weird\n' >>"$T/ippool.conf"
kill -HUP "$POLICYD_PID"
wait_for 5 grep -q 'keeping the running configuration' "$LOG"
ok $? "SIGHUP with a bad config: refused"
like "$(grep -a 'canonicalization' "$LOG" | head -1)" "warning: $T/ippool.conf:[0-9]+: canonicalization: must be" \
	"  the refusal names FILE:LINE"
out=$("$PY" "$P" sm "$SM" ippool-sender x@else.example)
is "$out" "OK ippool_relay_default:[$(netip 1)]:10034" "  the running configuration stays"

# --- bad input: only that connection closes, with a log line --------------------
check_bad() {	# check_bad BYTES LOG-ERE DESCRIPTION
	local before out
	before=$(grep -ac 'closing the connection' "$LOG")
	out=$("$PY" "$P" persist "$SM" "$1")
	is "$out" "bad_closed=yes first=ok second=ok" "$3: closed; a neighbour connection keeps working"
	wait_for 3 sh -c "[ \$(grep -ac 'closing the connection' '$LOG') -gt $before ]"
	like "$(grep -a 'closing the connection' "$LOG" | tail -1)" "$2" "  logged"
}
check_bad 'hello' 'socketmap client .*: malformed netstring' "socketmap: not a netstring"
check_bad '5:hello;' 'malformed netstring \(no comma' "socketmap: no comma"
check_bad '99999999:x' 'socketmap client .*: oversized request' "socketmap: a 99999999-byte length"
check_bad '10001:' 'oversized request \(10001 bytes, limit 10000\)' "socketmap: 10001 bytes announced"
check_bad '4:tx_a,' 'request is not "NAME KEY"' "socketmap: no key"
check_bad '6:tx a\x00b,' 'control character 0x00' "socketmap: a NUL byte"
out=$("$PY" "$P" raw "$PL" 'garbage\n\n')
is "$out" "reply=b'' closed=yes" "policy: a line without = closes the connection"
like "$(grep 'policy client' "$LOG" | tail -1)" 'line "garbage" is not NAME=VALUE; closing' "  logged with the line"
out=$("$PY" "$P" raw "$PL" "request=smtpd_access_policy\\nx=$(head -c 40000 /dev/zero | tr '\0' a)")
is "$out" "reply=b'' closed=yes" "policy: 40000 bytes without an end: closed"
like "$(grep 'policy client' "$LOG" | tail -1)" 'oversized request \(over 32768 bytes\)' "  logged"
out=$("$PY" "$P" raw "$PL" '\n')
is "$out" "reply=b'' closed=yes" "policy: an empty request: closed"
out=$("$PY" "$P" raw "$PL" 'protocol_state=RCPT\n\n')
is "$out" "reply=b'' closed=yes" "policy: no request= attribute: closed"
out=$("$PY" "$P" sm "$SM" ippool-sender ok@tx.example)
is "$out" "OK ippool_relay_tx:[$(netip 1)]:10031" "the daemon still answers after all that"

# --- many connections -----------------------------------------------------------
out=$("$PY" "$P" concurrent "$SM" "$PL" 200)
like "$out" '^connections=200 ok=200 bad=0 ' "200 concurrent connections (100 per protocol): 200 right answers ($out)"
rss0=$(awk '/^VmRSS/ {print $2}' /proc/$POLICYD_PID/status)
"$PY" "$P" idle "$SM" 250 30 >"$T/idle1" &
i1=$!
"$PY" "$P" idle "$PL" 250 30 >"$T/idle2" &
i2=$!
wait_for 20 grep -q 'open 250' "$T/idle1" && wait_for 20 grep -q 'open 250' "$T/idle2"
ok $? "500 idle connections open"
sleep 0.5
rss1=$(awk '/^VmRSS/ {print $2}' /proc/$POLICYD_PID/status)
diag "RSS: ${rss0} kB before, ${rss1} kB with 500 idle connections"
ok $(( rss1 - rss0 < 5000 ? 0 : 1 )) "500 idle connections cost less than 5 MB ($(( rss1 - rss0 )) kB)"
t0=$(date +%s%N)
out=$("$PY" "$P" sm "$SM" tx z1@yahoo.com)
t1=$(date +%s%N)
is "$out" "OK ippool_tx_2:$RELAY" "with 500 idle connections open, a lookup is answered"
ok $(( (t1 - t0) / 1000000 < 1000 ? 0 : 1 )) "  within a second ($(( (t1 - t0) / 1000000 )) ms, python start included)"
kill $i1 $i2 2>/dev/null; wait $i1 $i2 2>/dev/null

# --- metrics ------------------------------------------------------------------
m=$(http_get "http://$(netip 1):9465/metrics")
like "$m" '^200' "metrics: GET /metrics answers 200"
like "$m" 'ippool_policyd_answers_total\{protocol="socketmap",answer="spill"\} 1' "metrics: spill answers counted"
like "$m" 'ippool_policyd_answers_total\{protocol="socketmap",answer="defer"\} 2' "metrics: defer answers counted"
like "$m" 'ippool_policyd_answers_total\{protocol="policy",answer="dunno"\} 2' "metrics: DUNNO counted (off RCPT, and the inbound client)"
like "$m" 'ippool_policyd_malformed_total\{protocol="socketmap"\} 6' "metrics: 6 malformed socketmap requests"
like "$m" "ippool_warmup_reserved\\{pool=\"tx\",ip=\"$(netip 3)\",isp=\"gmail\"\\} 3" "metrics: tx IP 1 has 3 reserved at gmail"
like "$m" "ippool_warmup_capacity_today\\{pool=\"shared\",ip=\"$(netip 5)\",isp=\"gmail\"\\} \\+Inf" "metrics: standard pool uncapped"
is "$(http_get "http://$(netip 1):9465/other")" 404 "metrics: other paths 404"

# --- privileges (root only) -----------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	sed -i 's/^user =$/user = nobody/' "$T/ippool.conf"
	sed -i '/^\[dkim\]/,$d' "$T/ippool.conf"
	kill -TERM "$POLICYD_PID"
	wait "$POLICYD_PID"
	is "$?" 0 "SIGTERM after reloads: exit status 0"
	chown -R nobody "$T/store"
	policyd_start "$T/ippool.conf" priv
	is "$(ps -o user= -p "$POLICYD_PID" | tr -d ' ')" nobody "privileges dropped to the [policy] user"
	out=$("$PY" "$P" sm "$SM" tx p1@gmail.com)
	is "$out" "OK ippool_shared_1:$RELAY" "  the store is shared: the day's counts survived the restart"
	LOG=$T/policyd-priv.log
fi

# --- SIGTERM -------------------------------------------------------------------
kill -TERM "$POLICYD_PID"
wait_for 10 sh -c "! kill -0 $POLICYD_PID 2>/dev/null"
ok $? "SIGTERM: policyd exits"
wait "$POLICYD_PID"
is "$?" 0 "SIGTERM: exit status 0"
grep -q 'stopped' "$LOG"
ok $? "SIGTERM: logged"

done_testing
