#!/bin/bash
# metrics.sh - the metrics of every part after real traffic: a main Postfix
# with ippool-milter (DKIM signing), pool instances tx (managed, 1 IP,
# schedule 3, spillover shared) and shared (standard) asking ippool-policyd,
# all set up by "ippoolctl postfix-setup", and "ippoolctl ingest --follow
# --metrics-file" on their logs.  Four messages leave (three from the tx
# IP, one spilled to shared), one recipient is refused as suppressed; each
# exposition passes "promtool check metrics" and holds the exact counts;
# the gauges agree with "warmup status" (a standard pool has no warm-up
# day); the dashboard names only exported metrics and the manual pages
# document every family; the milter's listener refuses a client not in
# metrics_clients.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks promtool "$MILTER" "$POLICYD" "$CTL" "$PY"

H=$src/tests/e2e/hostile.py
M=$(netip 1)
genkey tx.example s1 >"$T/keytable"
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$M
user =
metrics = inet:9466@$M
metrics_clients = 127.0.0.1/32 $M/32
$(policy_section)
[pool tx]
ips = $(netip 3)
spillover = shared
senders = @tx.example
port = 10031
[pool shared]
ips = $(netip 5)
mode = standard
port = 10032
[warmup]
schedule = 3
spill_days = 1
[dkim]
keytable = $T/keytable
CONF

# days roll at 00:00 UTC: do not start in the day's last minutes
not_before_midnight 120
# value FILE SERIES: the value of one exact series line
value() { awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' "$1"; }
# promcheck FILE: promtool's complaints about an exposition (none: empty)
promcheck() { promtool check metrics <"$1" 2>&1; echo "rc=$?"; }

sink_start out "$(netip 20)"
pf_setup main 10025 </dev/null
pf_setup tx 10031 </dev/null
pf_setup shared 10032 </dev/null
CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" >"$T/setup.out" 2>&1
is "$?" 0 "postfix-setup for the three instances"
milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
pf_start main
pf_start tx
pf_start shared

# --- before any mail: every family there, at 0 -----------------------------------
m=$(http_get "http://$M:9466/metrics")
like "$m" '^200' "milter: GET /metrics on [milter] metrics answers 200"
printf '%s\n' "$m" | tail -n +2 >"$T/m0.prom"
is "$(promcheck "$T/m0.prom")" "rc=0" "milter: promtool check metrics finds nothing before traffic"
is "$(value "$T/m0.prom" 'ippool_milter_messages_total{direction="outbound",outcome="accepted"}')" 0 \
	"  messages accepted start at 0"
like "$(cat "$T/m0.prom")" 'ippool_build_info\{program="ippool-milter",version="[0-9.]+[^"]*"\} 1' \
	"  build info names the program and version"

# --- traffic -------------------------------------------------------------------------
CTLC suppress add bad@gmail.com >/dev/null
for i in 1 2 3 4; do
	r=$(send "$M" 10025 a@tx.example "g$i@gmail.com" --header "From: <a@tx.example>")
	like "$r" '^250 ' "message $i to gmail accepted"
done
r=$(send "$M" 10025 a@tx.example bad@gmail.com)
like "$r" '^550 5\.7\.1 <bad@gmail.com>: recipient suppressed' "a suppressed recipient: 550"
wait_for 30 delivered 4
ok $? "four messages delivered"
is "$(count_from '^g[0-9]@gmail.com' "$(netip 3)")/$(count_from '^g[0-9]@gmail.com' "$(netip 5)")" "3/1" \
	"  three from the tx IP (capacity 3), one spilled to the shared IP"

# --- the milter ----------------------------------------------------------------------
http_get "http://$M:9466/metrics" | tail -n +2 >"$T/m.prom"
is "$(promcheck "$T/m.prom")" "rc=0" "milter: promtool check metrics finds nothing after traffic"
is "$(value "$T/m.prom" 'ippool_milter_messages_total{direction="outbound",outcome="accepted"}')" 4 \
	"milter: 4 outbound messages accepted"
is "$(value "$T/m.prom" 'ippool_milter_recipients_total{direction="outbound",outcome="accepted"}')" 4 \
	"  4 recipients accepted"
is "$(value "$T/m.prom" 'ippool_milter_recipients_total{direction="outbound",outcome="refused_suppressed"}')" 1 \
	"  1 recipient refused as suppressed"
is "$(value "$T/m.prom" 'ippool_milter_recipients_total{direction="outbound",outcome="refused_hourly_limit"}')" 0 \
	"  none over the hourly limit"
is "$(value "$T/m.prom" 'ippool_milter_tags_total{pool="tx"}')" 4 "  4 X-Settings tags for pool tx"
is "$(value "$T/m.prom" 'ippool_milter_dkim_signatures_total{algorithm="rsa-sha256"}')" 4 \
	"  4 RSA signatures"
is "$(value "$T/m.prom" 'ippool_milter_dkim_failures_total')" 0 "  no signing failure"
is "$(value "$T/m.prom" 'ippool_milter_callback_duration_seconds_count{callback="eom"}')" 4 \
	"  4 end-of-message callbacks timed"
is "$(value "$T/m.prom" 'ippool_milter_callback_duration_seconds_count{callback="envrcpt"}')" 5 \
	"  5 recipient callbacks timed"
is "$(value "$T/m.prom" 'ippool_store_failures_total{backend="bdb",op="transaction"}')" 0 \
	"  no store failure"
n=$(value "$T/m.prom" 'ippool_store_operations_total{backend="bdb",op="transaction"}')
[ "${n:-0}" -ge 9 ]
ok $? "  store transactions counted (suppression checks, limits: $n)"

# --- policyd -------------------------------------------------------------------------
m=$(http_get "http://$M:9465/metrics")
like "$m" '^200' "policyd: GET /metrics answers 200"
printf '%s\n' "$m" | tail -n +2 >"$T/p.prom"
is "$(promcheck "$T/p.prom")" "rc=0" "policyd: promtool check metrics finds nothing after traffic"
W="pool=\"tx\",ip=\"$(netip 3)\",isp=\"gmail\""
is "$(value "$T/p.prom" "ippool_policyd_routed_total{$W}")" 3 "policyd: 3 routed from the tx IP at gmail"
is "$(value "$T/p.prom" "ippool_policyd_spilled_total{pool=\"tx\",to_pool=\"shared\",ip=\"$(netip 5)\",isp=\"gmail\"}")" 1 \
	"  1 spilled to the shared IP"
is "$(value "$T/p.prom" 'ippool_policyd_answers_total{protocol="socketmap",answer="route"}')" 3 \
	"  3 socketmap route answers"
is "$(value "$T/p.prom" "ippool_warmup_day{$W}")" 1 "  tx IP at gmail: warm-up day 1"
is "$(value "$T/p.prom" "ippool_warmup_capacity_today{$W}")" 3 "  capacity 3"
is "$(value "$T/p.prom" "ippool_warmup_reserved{$W}")" 3 "  3 reserved (not ingested yet)"
is "$(value "$T/p.prom" "ippool_warmup_remaining_today{$W}")" 0 "  none remaining"
is "$(value "$T/p.prom" "ippool_warmup_paused_until_timestamp_seconds{$W}")" 0 "  not paused"
is "$(grep -c '^ippool_warmup_day{pool="shared"' "$T/p.prom")" 0 \
	"  the standard pool has no warm-up day..."
is "$(status_field "$(netip 5)" gmail day)" null "  ...as in warmup status"
is "$(status_field "$(netip 3)" gmail day)" 1 "  and the managed one the same day in both"
is "$(value "$T/p.prom" "ippool_warmup_capacity_today{pool=\"shared\",ip=\"$(netip 5)\",isp=\"gmail\"}")" "+Inf" \
	"  the standard pool is uncapped"
n=$(value "$T/p.prom" 'ippool_policyd_request_duration_seconds_count{protocol="socketmap"}')
[ "${n:-0}" -ge 4 ]
ok $? "  socketmap requests timed ($n)"
like "$(cat "$T/p.prom")" 'ippool_build_info\{program="ippool-policyd",version="[^"]+"\} 1' "  build info"

# --- ingest --follow --metrics-file ------------------------------------------------------
stamp=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
: >"$T/extra.log"
"$CTL" -c "$T/ippool.conf" ingest --follow --metrics-file "$T/ingest.prom" "$T/pf-tx/maillog" "$T/pf-shared/maillog" \
	"$T/extra.log" >"$T/ingest.out" 2>&1 &
ING=$!
PIDS+=($ING)
wait_for 20 grep -q '^ippool_ingest_findings_total{kind="sent"} 4$' "$T/ingest.prom"
ok $? "ingest --follow: 4 deliveries found, in the metrics file"
{
	echo "$stamp mta-tx.example.test postfix/ippool-tx-1/smtp[4242]: 4Bq9Zx1AbcD: to=<y0@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.0, status=deferred (host mta7.am0.yahoodns.net[98.136.96.74] said: 421 4.7.0 [TSS04] Messages from $(netip 3) temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command))"
	echo "$stamp mta-tx.example.test postfix/ippool-tx-1/smtp[4242]: 4Bq9Zx1AbcE: to=<gone@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mta7.am0.yahoodns.net[98.136.96.74] said: 550 5.1.1 <gone@yahoo.com>: no such user (in reply to RCPT TO command))"
} >>"$T/extra.log"
wait_for 20 grep -q "^ippool_ingest_backoffs_total{pool=\"tx\",ip=\"$(netip 3)\",isp=\"yahoo\"} 1$" "$T/ingest.prom"
ok $? "  a backoff counted by pool, IP and ISP"
wait_for 10 grep -q '^ippool_ingest_suppressions_total{reason="hard_bounce"} 1$' "$T/ingest.prom"
ok $? "  a hard bounce: 1 suppression by reason hard_bounce"
is "$(value "$T/ingest.prom" 'ippool_ingest_findings_total{kind="bounced"}')" 1 "  1 bounce found"
is "$(value "$T/ingest.prom" 'ippool_ingest_findings_total{kind="deferred"}')" 1 "  1 deferral found"
is "$(promcheck "$T/ingest.prom")" "rc=0" "  promtool check metrics finds nothing in the file"
kill "$ING"; wait "$ING" 2>/dev/null

http_get "http://$M:9465/metrics" | tail -n +2 >"$T/p2.prom"
is "$(value "$T/p2.prom" "ippool_warmup_sent_today{$W}")/$(value "$T/p2.prom" "ippool_warmup_reserved{$W}")" "3/0" \
	"policyd after ingest: 3 sent, none reserved at gmail"
Y="pool=\"tx\",ip=\"$(netip 3)\",isp=\"yahoo\""
p=$(value "$T/p2.prom" "ippool_warmup_paused_until_timestamp_seconds{$Y}")
[ "${p:-0}" -gt "$(date +%s)" ]
ok $? "  the tx IP paused at yahoo until a Unix time ahead ($p)"
is "$(value "$T/p2.prom" "ippool_warmup_remaining_today{$Y}")" 0 "  nothing remaining there while paused"
is "$(value "$T/p2.prom" "ippool_policyd_routed_total{$W}")" 3 "  routed_total did not reset"

# --- the dashboard and the manual pages against the real output -----------------------
out=$("$PY" "$src/tests/dashboard.py" "$src/contrib/grafana/ippool.json" "$T/m.prom" "$T/p2.prom" "$T/ingest.prom")
like "$out" '^[0-9]+ names checked$' "every metric contrib/grafana/ippool.json names is in the real output ($out)"
for f in m.prom p2.prom ingest.prom; do
	undoc=
	for n in $(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$T/$f"); do
		grep -q "^\.It Li $n\( \|\$\)\|^\.It Li .*[ ,]$n\( \|\$\)" "$src/man/ippool-milter.8" \
		    "$src/man/ippool-policyd.8" "$src/man/ippoolctl.8" || undoc="$undoc $n"
	done
	is "$undoc" "" "every family in $f is documented in a METRICS section"
done

# --- the milter's listener: access list, other paths ----------------------------------
out=$("$PY" "$H" from "$(netip 6)" "$M:9466" 'GET /metrics HTTP/1.0\r\n\r\n')
is "$(head -1 <<<"$out")" "''" "milter metrics: a client not in metrics_clients is closed unanswered"
wait_for 5 grep -q "metrics client $(netip 6):[0-9]*: not in \[milter\] metrics_clients; connection refused" "$T/milter-m.log"
ok $? "  logged"
is "$(http_get "http://$M:9466/other")" 404 "  another path: 404"
http_get "http://$M:9466/metrics" | tail -n +2 >"$T/m2.prom"
is "$(value "$T/m2.prom" 'ippool_milter_metrics_refused_total{reason="clients"}')" 1 "  the refusal counted"

done_testing
