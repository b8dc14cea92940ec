#!/bin/bash
# ipv6.sh - a pool of IPv6 addresses end to end: "ippoolctl postfix-setup"
# gives each address a transport with smtp_bind_address6 and
# inet_protocols=ipv6; mail from the main instance leaves the pool
# instance from those addresses (the sink's dumps name the source), in
# turn; warm-up counts them under their IPv6 text, and the pool instance's
# log, ingested, confirms the deliveries and backs off on a 421 from the
# ISP.  The addresses are ULAs added to lo for the test and removed after.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$POLICYD" "$CTL" "$PY"

[ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null)" = 0 ] || skip_all "IPv6 is disabled on lo"
V6=fd00:1d:$(printf '%x' $((RANDOM % 65535 + 1)))
v6ip() { echo "$V6::$1"; }
V6ADDED=()
v6_cleanup() {
	local a
	for a in "${V6ADDED[@]}"; do
		ip -6 addr del "$a/128" dev lo 2>/dev/null
	done
}
trap 'cleanup; v6_cleanup' EXIT
for i in 3 4 20; do
	ip -6 addr add "$(v6ip $i)/128" dev lo nodad || skip_all "cannot add $(v6ip $i) to lo"
	V6ADDED+=("$(v6ip $i)")
done

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$(netip 1)
user =
[policy]
policy = inet:10040@$(netip 1)
socketmap = inet:10041@$(netip 1)
metrics = inet:9465@$(netip 1)
relay = [$(v6ip 20)]:2525
user =
[pool v6]
ips = $(v6ip 3) $(v6ip 4)
senders = @v6.example
port = 10031
[warmup]
schedule = 5 10
spill_days = 0
pause = 1h
CONF
"$CTL" -c "$T/ippool.conf" check >/dev/null
ok $? "a pool of IPv6 addresses and an IPv6 relay: the config is valid"

sink_start out "[$(v6ip 20)]"
pf_setup main 10025 </dev/null
pf_setup v6 10031 </dev/null
out=$(CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" 2>&1)
is "$?" 0 "postfix-setup: exit 0"
is "$(postconf -c "$T/pf-v6/etc" -M ippool_v6_1/unix | tr -s ' ')" \
	"ippool_v6_1 unix - - n - - smtp -o smtp_bind_address6=$(v6ip 3) -o syslog_name=postfix/ippool-v6-1 -o inet_protocols=ipv6" \
	"v6: the transport of IP 1 binds its IPv6 address, IPv6 only"
is "$(postconf -c "$T/pf-v6/etc" -M ippool_v6_2/unix | tr -s ' ')" \
	"ippool_v6_2 unix - - n - - smtp -o smtp_bind_address6=$(v6ip 4) -o syslog_name=postfix/ippool-v6-2 -o inet_protocols=ipv6" \
	"v6: and of IP 2"
script -qc "postfix -c $T/pf-v6/etc check" /dev/null >"$T/check-v6.log" 2>&1
is "$(cat "$T/check-v6.log")" "" "postfix check of the v6 instance: silent"

milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
pf_start main
pf_start v6

is "$("$PY" "$src/tests/e2e/proto.py" sm "$(netip 1):10041" v6 probe@example.org)" \
	"OK ippool_v6_1:[$(v6ip 20)]:2525" "socketmap: an IPv6 transport and the IPv6 next hop"

M=$(netip 1)
# One at a time: sent together, the three could reach the v6 instance's
# queue manager in any order (it scans its incoming queue by file name,
# not by arrival), and the addresses would be handed out to them in that
# order, failing "in turn" now and then.
ndone=0
for i in 1 2 3; do
	like "$(send "$M" 10025 a@v6.example "g$i@gmail.com")" '^250 ' "gmail message $i accepted"
	wait_for 30 delivered $i || break
	ndone=$i
done
is "$ndone" 3 "  all three delivered"
is "$(from_ip g1@gmail.com) $(from_ip g2@gmail.com) $(from_ip g3@gmail.com)" \
	"$(v6ip 3) $(v6ip 4) $(v6ip 3)" "  from the pool's IPv6 addresses in turn"
wait_for 10 grep -q "postfix/ippool-v6-2/smtp.*to=<g2@gmail.com>, relay=.*\\[$(v6ip 20)\\]:2525.*status=sent" \
	"$T/pf-v6/maillog"
ok $? "  the v6 instance logged the delivery to the IPv6 sink under postfix/ippool-v6-2"
is "$(status_field "$(v6ip 3)" gmail reserved)/$(status_field "$(v6ip 4)" gmail reserved)" "2/1" \
	"warm-up: units reserved under the IPv6 addresses"
CTLC ingest "$T/pf-v6/maillog" >"$T/ingest.out" 2>&1
ok $? "ingest of the v6 instance's log"
is "$(status_field "$(v6ip 3)" gmail sent)/$(status_field "$(v6ip 3)" gmail reserved)" "2/0" \
	"  confirms IP 1's two deliveries"
is "$(status_field "$(v6ip 4)" gmail sent)/$(status_field "$(v6ip 4)" gmail reserved)" "1/0" \
	"  and IP 2's one"

# the ISP pushes back on IP 2 (the line as Postfix logs it)
stamp=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
echo "$stamp mta-v6.example.test postfix/ippool-v6-2/smtp[4242]: 4Bq9Zx1AbcD: to=<g9@gmail.com>, relay=gmail-smtp-in.l.google.com[2607:f8b0:4023:c0b::1a]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.28, status=deferred (host gmail-smtp-in.l.google.com[2607:f8b0:4023:c0b::1a] said: 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address $(v6ip 4). (in reply to end of DATA command))" \
	>"$T/backoff.log"
CTLC ingest "$T/backoff.log" >"$T/ingest2.out" 2>&1
like "$(status_field "$(v6ip 4)" gmail paused_until)" '^[0-9]{4}-' "a 421 at gmail for IP 2: paused there"
is "$(status_field "$(v6ip 3)" gmail paused_until)" null "  IP 1 is not"
like "$(send "$M" 10025 a@v6.example g4@gmail.com)" '^250 ' "gmail message 4 accepted"
wait_for 30 delivered 4
is "$(from_ip g4@gmail.com)" "$(v6ip 3)" "  and leaves from IP 1 while IP 2 is paused"

done_testing
