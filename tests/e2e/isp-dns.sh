#!/bin/bash
# isp-dns.sh - ISP classification against a real DNS server: dnsmasq
# answering MX queries on 127.0.0.1:53 inside a network namespace whose
# /etc/netns/NAME/resolv.conf points the system resolver at it.  Checks
# MX-suffix classification (most preferred hosts only), NXDOMAIN, a
# failing DNS server (others, logged once), and that ippool-policyd's
# lookups use the cache: with the server gone, a cached domain still
# counts at its ISP.
. "$(dirname "$0")/lib.sh"
need_root
need ip dnsmasq "$CTL" "$POLICYD" "$PY"

ns_setup dns
dns_start --local-ttl=300 \
	--local=/example/ \
	--mx-host=custom.example,aspmx.l.google.com,10 \
	--mx-host=corp.example,corp-example.mail.protection.outlook.com,10 \
	--mx-host=mixed.example,mx.filter.example,10 \
	--mx-host=mixed.example,aspmx.l.google.com,20 \
	--mx-host=plain.example,mail.plain.example,10 \
	--mx-host=ymx.example,mta5.am0.yahoodns.net,1 \
	--server=/fail.test/127.0.0.1#5399

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
[policy]
policy = inet:10040@127.0.0.1
socketmap = inet:10041@127.0.0.1
metrics =
user =
[pool tx]
ips = 192.0.2.3
port = 10031
CONF

out=$(in_ns "$CTL" -c "$T/ippool.conf" warmup classify custom.example corp.example \
	mixed.example plain.example ymx.example nx.example someone@custom.example gmail.com)
is "$out" "custom.example gmail (MX aspmx.l.google.com)
corp.example microsoft (MX corp-example.mail.protection.outlook.com)
mixed.example others (no match: no known MX)
plain.example others (no match: no known MX)
ymx.example yahoo (MX mta5.am0.yahoodns.net)
nx.example others (no match: nxdomain)
someone@custom.example gmail (MX aspmx.l.google.com)
gmail.com gmail (domain gmail.com)" \
	"classification through a real DNS server: MX suffixes, the most preferred MX only, NXDOMAIN"
out=$(in_ns "$CTL" -c "$T/ippool.conf" warmup classify broken.fail.test 2>&1)
like "$out" 'broken.fail.test others \(DNS failure: ' "a failing DNS server: others, marked as a DNS failure"
like "$out" 'warning: MX lookup for broken.fail.test failed' "  and logged"

# policyd in the namespace: its socketmap classifies with DNS and caches
export IPPOOL_NOW=@1767268800
ip netns exec "$NS" "$POLICYD" -f -c "$T/ippool.conf" >>"$T/policyd.log" 2>&1 &
PD=$!
PIDS+=($PD)
wait_for 10 in_ns "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 10041))' \
	|| bail "policyd did not start"
P=$src/tests/e2e/proto.py
out=$(in_ns "$PY" "$P" sm 127.0.0.1:10041 tx a@custom.example tx b@corp.example tx c@plain.example)
is "$out" "OK ippool_tx_1:
OK ippool_tx_1:
OK ippool_tx_1:" "policyd routes recipients of MX-classified domains"
st() { in_ns "$CTL" -c "$T/ippool.conf" warmup status --json | "$PY" -c '
import json, sys
print(" ".join("%s=%d" % (r["isp"], r["reserved"]) for r in json.load(sys.stdin) if r["reserved"]))'; }
is "$(st)" "gmail=1 microsoft=1 others=1" "  each counted at its ISP: gmail, microsoft, others"

dns_stop
ok $(kill -0 "$DNS_PID" 2>/dev/null; [ $? -ne 0 ]; echo $?) "the DNS server is stopped"
out=$(in_ns "$PY" "$P" sm 127.0.0.1:10041 tx d@custom.example)
is "$out" "OK ippool_tx_1:" "DNS server gone: a cached domain is still routed"
is "$(st)" "gmail=2 microsoft=1 others=1" "  and still counted at gmail (from the cache)"
out=$(in_ns "$PY" "$P" sm 127.0.0.1:10041 tx e@new.example tx f@new.example tx g@new.example)
is "$out" "OK ippool_tx_1:
OK ippool_tx_1:
OK ippool_tx_1:" "an uncached domain while DNS is down: still routed (as others)"
is "$(st)" "gmail=2 microsoft=1 others=4" "  counted at others"
is "$(grep -c 'MX lookup for new.example failed' "$T/policyd.log")" 1 "  the failure is logged once for three lookups"

done_testing
