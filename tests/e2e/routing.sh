#!/bin/bash
# routing.sh - warm-up routing end to end with real Postfix: a main
# instance and pool instances tx (2 IPs, managed, schedule 3 6, spillover
# shared) and shared (1 IP, standard), all set up by "ippoolctl
# postfix-setup", relaying to an smtp-sink whose dumps name the source
# address of every delivery.  Days move with IPPOOL_NOW (policyd is
# restarted, the pool instance reloaded: its resolve cache lasts ~30 s).
#
#   day 0: a message to gmail and yahoo leaves from an IP counted at each
#          ISP; gmail recipients of tx leave from the tx IPs until 2x3,
#          then from the shared IP (spillover); an ingested 421 4.7.0
#          deferral pauses that IP at that ISP
#   day 1: past spill_days: beyond 2x6 a recipient waits (retry: ...)
#   day 2: it leaves; without spillover, yahoo beyond 2x3 waits
#   day 3: it leaves; policyd stopped: mail waits, and flows when it
#          returns, nothing lost
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$POLICYD" "$CTL" "$PY"

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$(netip 1)
user =
$(policy_section)
[pool tx]
ips = $(netip 3) $(netip 4)
spillover = shared
senders = @tx.example
helo = out.tx.example
port = 10031
[pool shared]
ips = $(netip 5)
mode = standard
port = 10032
[warmup]
schedule = 3 6
spill_days = 1
pause = 1h
CONF

# days roll at 00:00 UTC: do not start day 0 in its last minutes
not_before_midnight 300

sink_start out "$(netip 20)"
pf_setup main 10025 </dev/null
pf_setup tx 10031 </dev/null
pf_setup shared 10032 </dev/null
fingerprint() { cat "$T"/pf-*/etc/main.cf "$T"/pf-*/etc/master.cf | md5sum; }

# --- postfix-setup ---------------------------------------------------------------
before=$(fingerprint)
out=$(CTLC postfix-setup --dry-run --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" 2>&1)
is "$?" 0 "postfix-setup --dry-run: exit 0"
is "$(fingerprint)" "$before" "  --dry-run changes no file"
like "$out" "\\(dry run\\) $T/pf-tx/etc/master.cf: add ippool_tx_1 unix - - n - - smtp -o smtp_bind_address=$(netip 3) -o smtp_helo_name=out.tx.example -o syslog_name=postfix/ippool-tx-1 -o inet_protocols=ipv4" \
	"  prints the transport of tx IP 1"
like "$out" "would be made \\(dry run: nothing was changed\\)" "  says nothing was changed"
out=$(CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" 2>&1)
is "$?" 0 "postfix-setup: exit 0"
printf '%s\n' "$out" >"$T/setup.out"
n=$(grep -c '/main.cf: \|/master.cf: add\|/master.cf: update\|/master.cf: remove' "$T/setup.out")
like "$out" "[0-9]+ changes made" "  prints each change and a summary ($n lines)"
is "$(CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" 2>&1)" \
	"no changes: Postfix is set up for $T/ippool.conf" "a second run changes nothing"
pm() { postconf -c "$T/pf-$1/etc" -h "$2"; }
is "$(pm main smtpd_relay_restrictions)" \
	"permit_auth_destination, check_policy_service { inet:$(netip 1):10040, default_action=DEFER_IF_PERMIT }, permit_mynetworks, reject" \
	"main: the policy check for relayed mail, before permit_mynetworks"
is "$(pm main smtpd_milters)" "{ inet:$(netip 1):8891, default_action=tempfail }" "main: the milter, tempfail if down"
is "$(pm main sender_dependent_default_transport_maps)" "socketmap:inet:$(netip 1):10041:ippool-sender" \
	"main: local submissions routed by sender"
is "$(postconf -c "$T/pf-main/etc" -M ippool_relay_tx/unix | tr -s ' ')" \
	"ippool_relay_tx unix - - n - - smtp -o syslog_name=postfix/ippool-relay -o smtp_bind_address= -o smtp_bind_address6= -o smtp_tls_security_level=none" \
	"main: relay transport of tx"
is "$(postconf -c "$T/pf-main/etc" -M "$(netip 1):10025/inet" | tr -s ' ')" \
	"$(netip 1):10025 inet n - n - - smtpd -o rewrite_service_name=ippool_rewrite" \
	"main: smtpd resolves with a resolver of its own"
is "$(postconf -c "$T/pf-main/etc" -M ippool_rewrite/unix | tr -s ' ')" \
	"ippool_rewrite unix - - n - - trivial-rewrite -o sender_dependent_default_transport_maps=" \
	"  that has no sender map"
is "$(pm tx transport_maps)" "socketmap:inet:$(netip 1):10041:tx" "tx: transport_maps on the socketmap"
is "$(pm tx relayhost)" "" "tx: no relayhost (next hops come from the answers)"
is "$(postconf -c "$T/pf-tx/etc" -M "$(netip 1):10031/inet" | tr -s ' ')" \
	"$(netip 1):10031 inet n - n - - smtpd -o rewrite_service_name=rewrite_in" "tx: listener with its own resolver"
postconf -c "$T/pf-tx/etc" -M ippool_shared_1/unix | grep -q "smtp_bind_address=$(netip 5) .*syslog_name=postfix/ippool-shared-1"
ok $? "tx: the spillover pool's transport is defined there too"
for i in main tx shared; do
	script -qc "postfix -c $T/pf-$i/etc check" /dev/null >"$T/check-$i.log" 2>&1
	is "$(cat "$T/check-$i.log")" "" "postfix check of $i after setup: silent"
done

milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf" d0
pf_start main
pf_start tx
pf_start shared

M=$(netip 1)

# --- day 0 -----------------------------------------------------------------------
reply=$(send "$M" 10025 a@tx.example g1@gmail.com --to g1@gmail.com,y1@yahoo.com)
like "$reply" '^250 ' "day 0: a message to gmail and yahoo accepted"
wait_for 30 delivered 2
ok $? "  both recipients delivered"
is "$(from_ip g1@gmail.com)" "$(netip 3)" "  gmail recipient left from tx IP 1"
is "$(from_ip y1@yahoo.com)" "$(netip 3)" "  yahoo recipient left from tx IP 1"
is "$(status_field "$(netip 3)" gmail reserved)/$(status_field "$(netip 3)" yahoo reserved)" "1/1" \
	"  one unit reserved at gmail and one at yahoo"
wait_for 10 grep -q 'postfix/ippool-tx-1/smtp.*to=<y1@yahoo.com>.*status=sent' "$T/pf-tx/maillog"
ok $? "  the tx instance logged the delivery under postfix/ippool-tx-1"
grep -q 'postfix/ippool-relay/smtp.*to=<g1@gmail.com>.*relay=.*:10031' "$T/pf-main/maillog"
ok $? "  the main instance handed it to the tx instance under postfix/ippool-relay"
CTLC ingest "$T/pf-tx/maillog" >"$T/ingest1.out" 2>&1
is "$(status_field "$(netip 3)" gmail sent)/$(status_field "$(netip 3)" gmail reserved)" "1/0" \
	"  after ingest: gmail 1 sent, nothing reserved"
is "$(status_field "$(netip 3)" yahoo sent)/$(status_field "$(netip 3)" yahoo reserved)" "1/0" \
	"  after ingest: yahoo 1 sent, nothing reserved"
helo=$(sed -n 's/^X-Helo-Args: //p' "$(sink_files out | head -1)")
is "$helo" "out.tx.example" "  with the pool's HELO name"

for i in 2 3 4 5 6 7 8; do
	send "$M" 10025 a@tx.example "g$i@gmail.com" >/dev/null
done
wait_for 30 delivered 9
ok $? "day 0: seven more gmail messages delivered"
is "$(count_from '^g[0-9]@gmail.com' "$(netip 3)")/$(count_from '^g[0-9]@gmail.com' "$(netip 4)")/$(count_from '^g[0-9]@gmail.com' "$(netip 5)")" \
	"3/3/2" "  8 gmail recipients: 3 from each tx IP (capacity 3), then 2 from the shared IP"
answers() {	# answers KIND: policyd's socketmap answers of that kind so far
	curl -s "http://$M:9465/metrics" |
		sed -n "s/^ippool_policyd_answers_total{protocol=\"socketmap\",answer=\"$1\"} //p"
}
is "$(answers route)/$(answers spill)/$(answers relay)" "7/2/0" \
	"  policyd answered 9 route lookups and no sender lookup: the FILTER routes SMTP mail"

# an ISP pushes back on tx IP 1 at yahoo (the line as Postfix logs it)
stamp=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
echo "$stamp mta-tx.example.test postfix/ippool-tx-1/smtp[4242]: 4Bq9Zx1AbcD: to=<y0@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.0, status=deferred (host mta7.am0.yahoodns.net[98.136.96.74] said: 421 4.7.0 [TSS04] Messages from $(netip 3) temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command))" >"$T/backoff.log"
CTLC ingest "$T/backoff.log" >"$T/ingest2.out" 2>&1
like "$(cat "$T/ingest2.out")" 'backoff: .* paused until' "ingest of a 421 4.7.0 deferral: logged as a backoff"
like "$(status_field "$(netip 3)" yahoo paused_until)" '^[0-9]{4}-' "  tx IP 1 is paused at yahoo"
is "$(status_field "$(netip 3)" yahoo capacity)" 1 "  its yahoo capacity today is halved (3 -> 1)"
is "$(status_field "$(netip 3)" gmail paused_until)" null "  not at gmail"
for i in 2 3 4; do
	send "$M" 10025 a@tx.example "y$i@yahoo.com" >/dev/null
done
wait_for 30 delivered 12
is "$(count_from '^y[234]@yahoo.com' "$(netip 4)")" 3 "  the next 3 yahoo recipients leave from tx IP 2"

# --- day 1 -----------------------------------------------------------------------
policyd_stop
IPPOOL_NOW=+86400 policyd_start "$T/ippool.conf" d1
pf_reload tx
rcpts=$(for i in $(seq 1 13); do printf 'h%d@gmail.com,' "$i"; done)
reply=$(send "$M" 10025 a@tx.example h1@gmail.com --to "${rcpts%,}")
like "$reply" '^250 ' "day 1: a message to 13 gmail recipients accepted"
wait_for 30 delivered 24
ok $? "  12 delivered"
is "$(count_from '^h[0-9]+@gmail.com' "$(netip 3)")/$(count_from '^h[0-9]+@gmail.com' "$(netip 4)")/$(count_from '^h[0-9]+@gmail.com' "$(netip 5)")" \
	"6/6/0" "  6 from each tx IP (day 2 of the schedule), none spilled (past spill_days)"
wait_for 20 grep -q 'status=deferred (warm-up capacity for gmail on pool tx exhausted until 00:00 UTC)' "$T/pf-tx/maillog"
ok $? "  the 13th is deferred: warm-up capacity for gmail on pool tx exhausted until 00:00 UTC"
waiting=$(sed -n 's/.*to=<\(h[0-9]*@gmail.com\)>.*status=deferred (warm-up capacity.*/\1/p' "$T/pf-tx/maillog" | head -1)
is "$(pf_queue_count tx)" 1 "  it waits in the tx instance's queue ($waiting)"
is "$(from_ip "$waiting")" "" "  and has not left"

# --- day 2 -----------------------------------------------------------------------
policyd_stop
sed -i '/^spillover = shared$/d' "$T/ippool.conf"
IPPOOL_NOW=+172800 policyd_start "$T/ippool.conf" d2
pf_reload tx
flush_until 40 tx -- delivered 25
ok $? "day 2: after the clock moved a day and the queue was flushed, it left"
like "$(from_ip "$waiting")" "^($(netip 3)|$(netip 4))\$" "  from a tx IP"
is "$(pf_queue_count tx)" 0 "  the tx queue is empty"

rcpts=$(for i in $(seq 1 7); do printf 'z%d@yahoo.com,' "$i"; done)
send "$M" 10025 a@tx.example z1@yahoo.com --to "${rcpts%,}" >/dev/null
wait_for 30 delivered 31
ok $? "day 2, no spillover: 6 of 7 yahoo recipients delivered"
is "$(count_from '^z[0-9]@yahoo.com' "$(netip 3)")/$(count_from '^z[0-9]@yahoo.com' "$(netip 4)")/$(count_from '^z[0-9]@yahoo.com' "$(netip 5)")" \
	"3/3/0" "  3 from each tx IP (idle day 1 decayed them to day 1), nothing spilled"
wait_for 20 grep -q 'status=deferred (warm-up capacity for yahoo on pool tx exhausted until 00:00 UTC)' "$T/pf-tx/maillog"
ok $? "  the 7th waits: warm-up capacity for yahoo on pool tx exhausted until 00:00 UTC"
is "$(pf_queue_count tx)" 1 "  in the tx queue"

# --- day 3 -----------------------------------------------------------------------
policyd_stop
IPPOOL_NOW=+259200 policyd_start "$T/ippool.conf" d3
pf_reload tx
flush_until 40 tx -- delivered 32
ok $? "day 3: the waiting yahoo recipient left"
is "$(pf_queue_count tx)" 0 "  the tx queue is empty"

# --- policyd down ----------------------------------------------------------------
policyd_stop
before=$(pairs | wc -l)
reply=$(send "$M" 10025 a@tx.example w1@gmail.com)
# (the policy check's DEFER_IF_PERMIT; smtpd's resolver has no sender map
# that could fail first)
like "$reply" '^450 4\.7\.1 ' "policyd down: the main instance answers 450 4.7.1 ($reply)"
sendmail -C "$T/pf-main/etc" -f a@tx.example w2@gmail.com <<MSG
Subject: local submission while policyd is down

hello
MSG
ok $? "  a local submission (sendmail) is accepted"
reply=$(send "$M" 10031 a@tx.example w3@gmail.com)
like "$reply" '^250 ' "  the tx instance accepts mail: its smtpd does not ask policyd"
wait_for 20 sh -c "grep -q 'to=<w2@gmail.com>.*status=deferred' '$T/pf-main/maillog' && grep -q 'to=<w3@gmail.com>.*status=deferred' '$T/pf-tx/maillog'"
ok $? "  both wait: deferred in the main and the tx queue"
is "$(pairs | wc -l)" "$before" "  nothing left while policyd was down"
IPPOOL_NOW=+259200 policyd_start "$T/ippool.conf" back
pf_reload main
pf_reload tx
flush_until 50 main tx -- delivered $(( before + 2 ))
ok $? "policyd back: both delivered"
like "$(from_ip w2@gmail.com)" "^($(netip 3)|$(netip 4))\$" "  the local submission left from a tx IP"
like "$(from_ip w3@gmail.com)" "^($(netip 3)|$(netip 4))\$" "  the direct one too"
is "$(pf_queue_count main)/$(pf_queue_count tx)/$(pf_queue_count shared)" "0/0/0" "  nothing lost: every queue is empty"
is "$(pairs | awk '{print $2}' | sort | uniq -d)" "" "  and nothing was delivered twice"

done_testing
