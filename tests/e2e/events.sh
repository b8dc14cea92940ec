#!/bin/bash
# events.sh - events to the customer's URL, end to end: a recorded Postfix
# log and a live one (a real Postfix with the milter, its pool transport
# delivering to a sink, bounced by one and deferred by another), a real
# DSN of that Postfix and an ARF report through "ippoolctl feedback"
# record events in the store's outbox; "ippoolctl events run" posts them
# over HTTPS (TLS verified against the test's CA) to a Python receiver
# that is down at first, then answers 500, then 200, and 400 to one event;
# the sender is killed (SIGKILL) and restarted in the middle.  Every event
# arrives, each exactly once after de-duplication by id, in order per
# recipient, signed; the 400 one is kept as failed and logged.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks openssl "$MILTER" "$CTL" "$PY"

PORT=10025
RPORT=8443
URL=https://$(netip 1):$RPORT
head -c 32 /dev/urandom >"$T/ev.key"
head -c 32 /dev/urandom >"$T/fb.key"
chmod 600 "$T/ev.key" "$T/fb.key"
# a CA of the test's own and the receiver's certificate for its address
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
	-subj /CN=ippool-test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
	-subj "/CN=$(netip 1)" 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$(netip 1)" >"$T/srv.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-out "$T/srv.pem" -days 2 -extfile "$T/srv.ext" 2>/dev/null || bail "openssl x509 failed"

milter_conf <<CONF
hourly_limit = 0
suppress_after = 3
[pool tx]
ips = $(netip 3)
senders = @site.test
events_url = $URL/pool-tx
[feedback]
key = $T/fb.key
domains = site.test
[events]
url = $URL/hook
key = $T/ev.key
ca_file = $T/ca.pem
domain_urls = corp.example=$URL/corp
backoff_min = 1s
backoff_max = 2s
poll = 1s
connect_timeout = 2s
timeout = 5s
CONF
# --- a recorded log -----------------------------------------------------------
is "$(CTLC ingest "$src/tests/data/maillog-feedback" 2>/dev/null)" \
	"ingest: 30 lines read, 20 applied, 0 already applied, 6 ignored, 4 skipped" \
	"recorded log ingested"
is "$(CTLC events list | awk '{ print $3 }' | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
	"bounce=4 deferral=10 delivery=2 suppression=4 " \
	"  20 events: 2 deliveries, 10 deferrals, 4 bounces, 4 suppressions (relay hand-off and malformed lines none)"

# --- a live Postfix: delivered, bounced, deferred; its DSN; a complaint -------
sink_start out "$(netip 20)"
smtp-sink -u root -f RCPT -B "550 5.1.1 User unknown" "$(netip 21):2525" 64 >"$T/sink-bad.log" 2>&1 &
PIDS+=($!)
smtp-sink -u root -r RCPT -b "450 4.2.1 Mailbox busy, try later" "$(netip 22):2525" 64 >"$T/sink-soft.log" 2>&1 &
PIDS+=($!)
wait_for 5 port_open "$(netip 21)" 2525 && wait_for 5 port_open "$(netip 22)" 2525 \
	|| bail "smtp-sinks did not start"
pf_setup site $PORT <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
default_transport = ippool_tx_1
transport_maps = inline:{bad.test=ippool_tx_1:[$(netip 21)]:2525, soft.test=ippool_tx_1:[$(netip 22)]:2525}
CONF
postconf -c "$T/pf-site/etc" -M "ippool_tx_1/unix=ippool_tx_1 unix - - n - - smtp -o syslog_name=postfix/ippool-tx-1"
milter_start "$T/ippool.conf"
pf_start site
f=$(deliver out "$(netip 1)" $PORT news@site.test ok@sink.test --header "From: news@site.test")
[ "$f" != none ]
ok $? "live: a message to ok@sink.test delivered from pool tx"
f2=$(deliver out "$(netip 1)" $PORT news@site.test unsub@sink.test --header "From: news@site.test")
[ "$f2" != none ]
ok $? "live: a message to unsub@sink.test delivered"
like "$(smtp news@site.test gone@bad.test)" '^250 ' "live: a message to gone@bad.test accepted"
like "$(smtp news@site.test busy@soft.test)" '^250 ' "live: a message to busy@soft.test accepted"
dsn=$(sink_find out "Content-Type: message/delivery-status")
[ "$dsn" != none ]
ok $? "  gone@bad.test bounced (550 5.1.1): Postfix's DSN went to the return path"
wait_for 20 grep -q 'to=<busy@soft.test>.*status=deferred' "$T/pf-site/maillog"
ok $? "  busy@soft.test deferred (450 4.2.1)"
wait_for 20 grep -q 'to=<fb-.*status=sent' "$T/pf-site/maillog"
pf_stop site			# no more retries: the log is what it is
like "$(CTLC ingest "$T/pf-site/maillog" 2>&1)" '^ingest: [0-9]+ lines read, [0-9]+ applied' \
	"the live Postfix log ingested"
like "$(CTLC feedback - <"$dsn" 2>&1)" 'suppressed gone@bad\.test \(bounce 5\.1\.1\)' \
	"the real DSN through ippoolctl feedback: applied"
arf() {	# arf DUMP TYPE: an RFC 5965 report around the delivered message
	"$PY" "$src/tests/e2e/arf.py" "$@"
}
arf "$f" abuse >"$T/arf.eml"
like "$(CTLC feedback - <"$T/arf.eml" 2>&1)" 'suppressed ok@sink\.test for mail from site\.test \(complaint abuse\)' \
	"an ARF complaint about it through ippoolctl feedback: applied"
arf "$f2" opt-out >"$T/optout.eml"
like "$(CTLC feedback - <"$T/optout.eml" 2>&1)" 'suppressed unsub@sink\.test for mail from site\.test \(unsubscribe by report\)' \
	"an ARF opt-out about the other through ippoolctl feedback: applied"
# what the outbox holds now is what the receiver must get
CTLC events list --json >"$T/expected.json"
N=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/expected.json")
diag "$N events recorded"
check() {	# check PYTHON-EXPRESSION-OVER-events: prints its value
	"$PY" - "$T/expected.json" "$1" <<'PYEOF'
import json, sys
events = [r["event"] for r in json.load(open(sys.argv[1]))]
print(eval(sys.argv[2]))
PYEOF
}
is "$(check '[(e["type"], e["pool"], e["ip"], e["isp"], e["status"]) for e in events if e["recipient"] == "gone@bad.test"]')" \
	"[('bounce', 'tx', '$(netip 3)', 'others', '5.1.1'), ('suppression', 'tx', '$(netip 3)', 'others', 'bounce'), ('bounce', 'tx', None, 'others', '5.1.1'), ('suppression', 'tx', None, 'others', 'bounce')]" \
	"gone@bad.test: the log's bounce and suppression (pool tx, its IP), then the DSN's (pool from the token)"
is "$(check '[(e["type"], e["sender"], e["status"]) for e in events if e["recipient"] == "ok@sink.test"]')" \
	"[('delivery', 'news@site.test', '2.0.0'), ('complaint', 'news@site.test', 'abuse'), ('suppression', 'news@site.test', 'complaint')]" \
	"ok@sink.test: delivery, complaint (abuse), suppression; the sender is the original, not the return path Postfix logged"
is "$(check '[(e["type"], e["status"]) for e in events if e["recipient"] == "unsub@sink.test"]')" \
	"[('delivery', '2.0.0'), ('unsubscribe', 'opt-out'), ('suppression', 'unsubscribe')]" \
	"unsub@sink.test: delivery, unsubscribe (opt-out), suppression"
like "$(check '[e["diagnostic"] for e in events if e["recipient"] == "gone@bad.test"][0]')" '550 5\.1\.1 User unknown' \
	"  the diagnostic is the server's reply"
like "$(check '[e["type"] + " " + e["status"] for e in events if e["recipient"] == "busy@soft.test"][0]')" '^deferral 4\.2\.1$' \
	"busy@soft.test: a deferral, 4.2.1"
like "$(check 'sorted(set(e["time"] for e in events))[0]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' \
	"time is RFC 3339 (UTC)"
is "$(check 'all(list(x.keys()) == ["id","type","time","pool","ip","isp","sender","recipient","status","diagnostic"] for x in events)')" \
	"True" "every event has exactly the documented fields"

# --- the sender: receiver down, then 500, then 200; a restart --------------------
# (the milter's part is done; stopped before a process of its store is
# killed, whose recovery would panic the milter's open environment)
milter_stop
sender_start() {
	"$CTL" -c "$T/ippool.conf" events run >>"$T/events-run.log" 2>&1 &
	SENDER=$!
	PIDS+=($SENDER)
}
sender_start
wait_for 10 grep -q "warning: events: $URL/hook: Failed to connect .*; event [0-9a-f]\\{32\\} and the receiver's others wait 1s (attempt 1)" "$T/events-run.log"
ok $? "receiver down: the connection failure is logged and retried"
like "$(CTLC events list | awk '{ print $5 }' | sort -u | tr '\n' ' ')" '^pending $' \
	"  nothing left the outbox"
"$PY" "$src/tests/e2e/evreceiver.py" "$(netip 1)" $RPORT "$T/srv.pem" "$T/srv.key" "$T/ev.key" \
	"$T/received.log" 3 spamtrap@example.com 0.05 >"$T/receiver.err" 2>&1 &
PIDS+=($!)
wait_for 10 port_open "$(netip 1)" $RPORT || bail "the receiver did not start"
accepted() { [ "$(grep -c '"answer": 200' "$T/received.log" 2>/dev/null)" -ge "$1" ]; }
wait_for 20 accepted 8
ok $? "the receiver back (500 three times, then 200): events arrive"
{ kill -9 $SENDER && wait $SENDER; } 2>/dev/null
left=$(CTLC events list | wc -l)
[ "$left" -gt 1 ]
ok $? "the sender killed (SIGKILL) in the middle: $left events still in the outbox"
sender_start
only_failed() { [ "$(CTLC events list | awk '{ print $5 }' | tr '\n' ' ')" = "failed " ]; }
wait_for 40 only_failed
ok $? "the sender restarted: the outbox drains, but for the one answered 400"
kill -TERM $SENDER
wait $SENDER 2>/dev/null

verdict() {
	"$PY" - "$T/expected.json" "$T/received.log" "$1" <<'PYEOF'
import json, sys
exp = json.load(open(sys.argv[1]))
got = [json.loads(l) for l in open(sys.argv[2])]
what = sys.argv[3]
ids = {r["id"] for r in exp}
ok200 = [g for g in got if g["answer"] == 200]
first = []
for g in ok200:
    if g["id"] not in first:
        first.append(g["id"])
rejected = [r["id"] for r in exp if r["event"]["recipient"] == "spamtrap@example.com" and r["event"]["type"] == "bounce"]
if what == "all":
    print(sorted(first) == sorted(ids - set(rejected)), len(first), len(ids))
elif what == "unknown":
    print(len([g for g in got if g["id"] not in ids]))
elif what == "sig":
    print(all(g["sig_ok"] and g["header_id"] == g["id"] for g in got), len(got))
elif what == "order":
    bad = 0
    pos = {i: n for n, i in enumerate(first)}
    by = {}
    for r in sorted(exp, key=lambda r: r["seq"]):
        if r["id"] in pos:
            by.setdefault(r["event"]["recipient"].lower(), []).append(pos[r["id"]])
    print(sum(1 for v in by.values() if v != sorted(v)), len(by))
elif what == "answers":
    print(" ".join(str(g["answer"]) for g in got[:3]), len([g for g in got if g["answer"] == 400]))
elif what == "paths":
    wrong = 0
    for g in ok200:
        e = g["event"]
        want = "/pool-tx" if e["pool"] == "tx" else "/corp" if (e["sender"] or "").endswith("@corp.example") else "/hook"
        wrong += g["path"] != want
    print(wrong, len({g["path"] for g in ok200}))
elif what == "dups":
    print(len(ok200) - len(first))
PYEOF
}
like "$(verdict all)" "^True $((N - 1)) $N\$" "every event but the rejected one arrived (answered 200)"
is "$(verdict unknown)" 0 "  no event the outbox did not hold"
like "$(verdict sig)" '^True ' "  every request signed (X-Ippool-Signature verified by the receiver, X-Ippool-Event-Id its id)"
like "$(verdict order)" '^0 [0-9]+$' "  in order per recipient (first arrivals in recording order)"
is "$(verdict answers)" "500 500 500 1" "  the first three got 500 and were retried; one got 400"
like "$(verdict paths)" '^0 3$' "  overrides: pool tx to /pool-tx, corp.example to /corp, the rest to /hook"
diag "duplicates after the restart (at least once): $(verdict dups)"
rid=$(CTLC events list --failed | awk '{ print $1 }')
like "$(CTLC events list --failed)" "^$rid .* bounce spamtrap@example\\.com failed attempts=1 error=answered 400: no thanks\$" \
	"the 400: kept as failed (events list --failed), not retried"
grep -q "warning: events: event $rid (bounce to spamtrap@example.com): $URL/hook: answered 400: no thanks; not retried, kept as failed" \
	"$T/events-run.log"
ok $? "  and logged with its id"
like "$(grep -c 'answered 500' "$T/events-run.log")" '^[1-9]' "the 500s logged as retries"
is "$(CTLC events drop "$rid")" "1 failed event dropped" "events drop ID"
is "$(CTLC events list | wc -l)" 0 "  the outbox is empty"
CTLC events run --once >/dev/null 2>&1
is "$?" 0 "events run --once with nothing to send: exit 0"

# --- the same outbox on the Redis backend ------------------------------------
if command -v redis-server >/dev/null; then
	redis_start
	sed "s|^path = .*|path = $T/store-r\nbackend = redis\nredis = unix:$REDIS_SOCK|" \
		"$T/ippool.conf" >"$T/redis.conf"
	"$CTL" -c "$T/redis.conf" ingest "$src/tests/data/maillog-feedback" >/dev/null 2>&1
	is "$("$CTL" -c "$T/redis.conf" events list | wc -l)" 20 "redis: the recorded log's 20 events in the outbox"
	like "$(rcli --scan --pattern 'ippool:stats:o|*' | wc -l)" '^20$' "  as 20 o|SEQ keys"
	: >"$T/received.log"
	"$CTL" -c "$T/redis.conf" events run --once >>"$T/events-run.log" 2>&1
	"$CTL" -c "$T/redis.conf" events list >"$T/redis-left"
	like "$(cat "$T/redis-left")" '^[0-9a-f]{32} .* bounce spamtrap@example\.com failed attempts=1 error=answered 400: no thanks$' \
		"  events run --once: all sent but the one answered 400"
	is "$(grep -c '"answer": 200' "$T/received.log")" 19 "  the receiver got the other 19"
	nconn=$(grep -o '"conn": [0-9]*' "$T/received.log" | sort -u | wc -l)
	ok $((nconn > 2)) "  over one kept-alive connection: 20 requests, $nconn connections"
else
	diag "no redis-server: the Redis outbox is not tried"
fi
hits=$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/events-run.log" | head -3)
is "$hits" "" "no sanitizer report from the sender"
done_testing
