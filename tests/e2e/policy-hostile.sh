#!/bin/bash
# policy-hostile.sh - ippool-policyd under clients that misbehave on
# purpose (tests/e2e/hostile.py): slowloris connections closed by the
# request deadline while others are served, a client that stops reading
# its replies closed by the write timeout, a client outside [policy]
# clients refused (logged once), and each listener's connection cap
# answered in its own protocol.
. "$(dirname "$0")/lib.sh"
need "$POLICYD" "$PY"

H=$src/tests/e2e/hostile.py
P=$src/tests/e2e/proto.py
SM=$(netip 1):10041
PL=$(netip 1):10040
MX=$(netip 1):9465
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
$(policy_section)
clients = 127.0.0.1 $(netip 1) $(netip 2)
[pool tx]
ips = $(netip 3)
port = 10031
CONF
policyd_start "$T/ippool.conf"
LOG=$T/policyd-p.log

# --- the request deadline (REQUEST_TIMEOUT 10 s) -------------------------------
"$PY" "$H" slowloris "$PL" 20 2 40 >"$T/slow.out" &
slow=$!
sleep 3
out=$("$PY" "$P" sm "$SM" tx a@example.org)
is "$out" "OK ippool_tx_1:[$(netip 20)]:2525" "with 20 slowloris connections open, a lookup is answered"
wait $slow
like "$(cat "$T/slow.out")" '^closed 20 of 20 within ([0-9]|1[0-5]) s$' \
	"20 connections sending a byte every 2 s: all closed within the deadline + 5 s ($(cat "$T/slow.out"))"
is "$(grep -c 'request not complete within 10 s; closing the connection' "$LOG")" 1 \
	"  logged once (a limited warning)"

# --- a client that does not read its replies (WRITE_TIMEOUT 10 s) ---------------
out=$("$PY" "$H" noread "$PL" 40)
like "$out" '^closed after ([0-9]|1[0-9]|2[0-5]) s$' "a client not reading its replies: closed by the write timeout ($out)"
wait_for 5 grep -q 'replies not read for 10 s; closing the connection' "$LOG"
ok $? "  logged"

# --- [policy] clients -----------------------------------------------------------
out=$("$PY" "$H" from "$(netip 2)" "$SM" '8:tx a@b.c,')
like "$out" "^'[0-9]+:OK ippool_tx_1:\\[$(netip 20)\\]:2525,'" "a listed client (by address) is served"
"$PY" "$H" from "$(netip 5)" "$SM" '8:tx a@b.c,' >"$T/refused.out"
is "$(cat "$T/refused.out")" "''
closed" "a client not in [policy] clients: closed, nothing answered"
"$PY" "$H" from "$(netip 6)" "$SM" '8:tx a@b.c,' >/dev/null
"$PY" "$H" from "$(netip 5)" "$PL" 'request=smtpd_access_policy\n\n' >"$T/refused2.out"
is "$(head -1 "$T/refused2.out")" "''" "  on the policy listener too"
"$PY" "$H" from "$(netip 6)" "$MX" 'GET /metrics HTTP/1.0\r\n\r\n' >"$T/refused3.out"
is "$(head -1 "$T/refused3.out")" "''" "  and on the metrics listener"
is "$(grep -c "socketmap client .*: not in \[policy\] clients; connection refused" "$LOG")" 1 \
	"  two refused on the socketmap listener: logged once (per listener and minute)"
is "$(grep -c ": not in \[policy\] clients; connection refused" "$LOG")" 3 "  once on each listener"
m=$("$PY" "$H" from "$(netip 1)" "$MX" 'GET /metrics HTTP/1.0\r\n\r\n')
like "$m" 'ippool_policyd_refused_total\{reason="clients"\} 4' "  all four counted in the metrics"

# --- connection caps ---------------------------------------------------------------
out=$("$PY" "$H" cap "$MX" 16)
like "$out" "^'HTTP/1.1 503 Service Unavailable" "metrics: the 17th connection is answered 503"
like "$out" 'closed$' "  and closed"
out=$("$PY" "$H" cap "$PL" 1024)
is "$out" "'action=DEFER_IF_PERMIT 4.3.2 ippool-policyd: too many connections\\n\\n'
closed" "policy: the 1025th connection is answered DEFER_IF_PERMIT and closed"
out=$("$PY" "$H" cap "$SM" 1024)
is "$out" "'41:TEMP ippool-policyd: too many connections,'
closed" "socketmap: the 1025th connection is answered TEMP and closed"
wait_for 5 grep -q "inet:10040@$(netip 1): 1024 connections open, the listener's limit: refusing" "$LOG"
ok $? "  the cap logged with the listener"
out=$("$PY" "$P" sm "$SM" tx a@example.org)
is "$out" "OK ippool_tx_1:[$(netip 20)]:2525" "after the cap's clients left, lookups are answered again"

done_testing
