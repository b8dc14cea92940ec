#!/bin/bash
# tag.sh - spine end to end: real Postfix + ippool-milter + smtp-sink.
# A message leaves with exactly one X-Settings naming its pool (by sender,
# @domain, default); client-supplied tags are gone; with the milter down
# Postfix answers 4xx and nothing leaves untagged; SIGHUP reloads (a bad
# config is refused and the old one kept); SIGTERM stops cleanly.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"

PORT=10025
milter_conf <<CONF
[pool tx]
ips = $(netip 3)
senders = noreply@example.com @tx.example
[pool bulk]
ips = $(netip 4)
senders = @news.example
[pool default]
ips = $(netip 5)
CONF
site_start

deliver_main() { deliver out "$(netip 1)" $PORT "$@"; }

deliver_main noreply@example.com someone@gmail.com >"$T/f"; f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "sender mapped to tx: accepted"
check_tag "$f" tx "sender address"
v=$(msg_header "$f" X-Settings)
is "$("$CTL" decode "$v")" '{"Version":"1.0","OutboundIp":{"IpPoolId":"tx"}}' \
	"ippoolctl decode prints the JSON of the delivered header"

deliver_main Anyone@TX.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "@domain mapping (domain case-insensitive)"

deliver_main editor@news.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" bulk "@domain mapping to another pool"

deliver_main stranger@elsewhere.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" default "unmapped sender"

deliver_main "<>" someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" default "null sender"

# a client claims pool bulk twice, in two spellings; it must not survive
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"bulk\"}}").decode())')
deliver_main noreply@example.com someone@gmail.com \
	--add-header "X-Settings: $forged" --add-header "x-settings: garbage" >"$T/f"
f=$(cat "$T/f")
check_tag "$f" tx "client-supplied X-Settings (two of them)"
! grep -q -e "$forged" -e garbage "$f"
ok $? "neither forged value is anywhere in the delivered message"

wait_for 5 grep -q 'pool=bulk by=domain from=<editor@news.example>' "$T/milter-m.log"
ok $? "milter logs the pool and why it was chosen"

# reload: move @news.example to tx
sed -i -e 's/^senders = noreply@example.com @tx.example$/senders = noreply@example.com @tx.example @news.example/' \
	-e '/^senders = @news.example$/d' "$T/ippool.conf"
kill -HUP "$MILTER_PID"
wait_for 5 grep -q 'reloaded' "$T/milter-m.log"
ok $? "SIGHUP: configuration reloaded"
deliver_main editor@news.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "after reload"

# a broken config on reload: logged with FILE:LINE, old one kept
cp "$T/ippool.conf" "$T/ippool.conf.good"
printf '[warmup]\nspill_days = lots\n' >>"$T/ippool.conf"
kill -HUP "$MILTER_PID"
wait_for 5 grep -q 'keeping the running configuration' "$T/milter-m.log"
ok $? "SIGHUP with a bad config: refused"
like "$(grep 'spill_days' "$T/milter-m.log" | head -1)" \
	"warning: $T/ippool.conf:[0-9]+: spill_days: \"lots\" is not a non-negative integer" \
	"the refusal names FILE:LINE and the problem"
deliver_main editor@news.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "old configuration still in force"
cp "$T/ippool.conf.good" "$T/ippool.conf"

# a burst of SIGHUPs: each one reloads, none stops the milter (libmilter's
# own signal thread would take SIGHUP as "stop")
for i in $(seq 1 300); do kill -HUP "$MILTER_PID"; done
sleep 1
kill -0 "$MILTER_PID" 2>/dev/null
ok $? "300 SIGHUPs in a row: the milter keeps running"
deliver_main noreply@example.com someone@gmail.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "after 300 SIGHUPs"

# milter down: Postfix must tempfail, never deliver_main untagged
milter_stop
before=$(sink_count out)
reply=$(send "$(netip 1)" $PORT noreply@example.com someone@gmail.com)
like "$reply" '^4[0-9][0-9] ' "milter stopped: Postfix answers 4xx ($reply)"
sleep 2
is "$(sink_count out)" "$before" "milter stopped: nothing delivered"
is "$(pf_queue_count main)" 0 "milter stopped: nothing queued"

# back up: mail flows again
milter_start "$T/ippool.conf"
deliver_main noreply@example.com someone@gmail.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "milter restarted"

# SIGTERM: clean exit with status 0
kill -TERM "$MILTER_PID"
wait_for 10 sh -c "! kill -0 $MILTER_PID 2>/dev/null"
ok $? "SIGTERM: the milter exits"
wait "$MILTER_PID"
is "$?" 0 "SIGTERM: exit status 0"
grep -q 'stopped' "$T/milter-m.log"
ok $? "SIGTERM: logged"

done_testing
