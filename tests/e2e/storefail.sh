#!/bin/bash
# storefail.sh - when the store fails under it (here: its file system is
# full), the milter answers 4xx, never 5xx, and never accepts what it
# could not count: every message answered 250 is delivered, no other is;
# a local submission (sendmail(1)) is held, not refused or lost;
# ippoolctl fails with EX_TEMPFAIL and the reason; ippool-policyd answers
# its socketmap lookups TEMP (Postfix defers the recipient); once there is
# room again, mail, routing and ippoolctl work without a restart.
#
# The store lives on a small tmpfs mounted in a private mount namespace of
# this test, so the mount goes away with the test whatever happens.
if [ -z "${IPPOOL_STOREFAIL_NS:-}" ] && [ "$(id -u)" = 0 ]; then
	unshare -m --propagation private true 2>/dev/null &&
		exec unshare -m --propagation private env IPPOOL_STOREFAIL_NS=1 bash "$0" "$@"
	NO_NS=1
fi
. "$(dirname "$0")/lib.sh"
need_root
[ -n "${NO_NS:-}" ] && skip_all "cannot create a private mount namespace (unshare -m)"
need postfix smtp-sink swaks sendmail "$MILTER" "$CTL" "$POLICYD" "$PY"

PORT=10025
mkdir "$T/store"
mount -t tmpfs -o size=4m,mode=755 ippool-store "$T/store" || skip_all "cannot mount a tmpfs for the store"
MOUNTS+=("$T/store")
milter_conf <<CONF
hourly_limit = 3
$(policy_section)
[pool tx]
ips = $(netip 3)
port = 10031
CONF
SM=$(netip 1):10041
RELAY="[$(netip 20)]:2525"
sm() { "$PY" "$src/tests/e2e/proto.py" sm "$SM" tx "$1"; }
sink_start out "$(netip 20)"
pf_setup main $PORT <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
non_smtpd_milters = inet:$(netip 1):$MPORT
CONF
milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
pf_start main

is "$(sm r0@gmail.com)" "OK ippool_tx_1:$RELAY" "policyd, room in the store: routed"

accepted=0
reply=$(send "$(netip 1)" $PORT a@tx.example before@example.com)
like "$reply" '^250 ' "room in the store: accepted"
case $reply in 250*) accepted=$((accepted + 1)) ;; esac

# --- the file system fills up ------------------------------------------------
dd if=/dev/zero of="$T/store/filler" bs=64k >/dev/null 2>&1
is "$(df --output=avail -k "$T/store" | tail -1 | tr -d ' ')" 0 "the store's file system is full"

# Pages Berkeley DB already holds may take a few more commits; each of
# those really is stored, so the message may be accepted.  Send until the
# store refuses, then every answer must be the temporary one.
bad=0
for i in $(seq 1 20); do
	reply=$(send "$(netip 1)" $PORT a@tx.example "slack$i@example.com")
	case $reply in
	250*) accepted=$((accepted + 1)) ;;
	"451 4.3.0 "*) break ;;
	*) bad=$((bad + 1)); diag "slack $i: $reply" ;;
	esac
done
is "$bad" 0 "while the store still had pages: only 250 or 451 4.3.0"
like "$reply" '^451 4\.3\.0 ' "the store refuses: 451 4.3.0 (after $accepted accepted)"
for i in 1 2 3; do
	reply=$(send "$(netip 1)" $PORT a@tx.example "full$i@example.com")
	is "$reply" "451 4.3.0 <full$i@example.com>: temporary failure in the recipient check, try again later" \
		"store full, message $i: 451 4.3.0 at RCPT"
done
wait_for 5 grep -q 'store unavailable during the .*: answering 4xx' "$T/milter-m.log"
ok $? "  logged: store unavailable, answering 4xx"
grep -q 'No space left on device' "$T/milter-m.log"
ok $? "  logged: the cause (No space left on device)"

# policyd: a route it cannot count is not given; Postfix defers on TEMP
for i in $(seq 1 20); do
	out=$(sm "r$i@gmail.com")
	[ "$out" = "TEMP warm-up store unavailable" ] && break
done
is "$out" "TEMP warm-up store unavailable" "policyd, store full: socketmap answers TEMP"
is "$(sm r99@gmail.com)" "TEMP warm-up store unavailable" "  and again on the next lookup"
wait_for 5 grep -q 'warm-up store unavailable: answering TEMP' "$T/policyd-p.log"
ok $? "  logged: warm-up store unavailable, answering TEMP"

# a local submission cannot be refused: it is held with the reason
printf 'Subject: held-full\n\nhello\n' | sendmail -C "$T/pf-main/etc" -f app@tx.example local@example.com
ok $? "sendmail(1) while the store is full: submitted"
wait_for 10 sh -c "postqueue -c '$T/pf-main/etc' -j | grep -q '\"queue_name\": *\"hold\"'"
ok $? "  the message is held, not delivered, not lost"
wait_for 5 grep -q 'held: ippool: store unavailable for the ' "$T/milter-m.log"
ok $? "  the hold is logged with its reason"

out=$(CTLC suppress add gone@example.com --permanent 2>&1)
is "$?" 75 "ippoolctl suppress add on a full store: exit 75 (EX_TEMPFAIL)"
like "$out" 'No space left on device' "  and says why"
# it fails opening the store or writing to it, whichever needs the room first
like "$out" "(suppress add: store failure|store $T/store: cannot open table)" "  and what failed"

# --- room again: no restart needed -----------------------------------------------
rm -f "$T/store/filler"
reply=$(send "$(netip 1)" $PORT a@tx.example after@example.com)
like "$reply" '^250 ' "room again: accepted without a restart"
case $reply in 250*) accepted=$((accepted + 1)) ;; esac
is "$(sm back@gmail.com)" "OK ippool_tx_1:$RELAY" "policyd routes again without a restart"
CTLC suppress show gone@example.com >/dev/null 2>&1
is "$?" 1 "the failed suppress add left nothing behind"
CTLC suppress add gone@example.com --permanent >/dev/null 2>&1
ok $? "ippoolctl suppress add works again"
reply=$(send "$(netip 1)" $PORT a@tx.example gone@example.com)
like "$reply" '^550 5\.7\.1 <gone@example.com>: recipient suppressed' "  and the milter sees it"

sink_wait out "$accepted" 20
is "$(sink_count out)" "$accepted" "every message answered 250 was delivered, no other ($accepted)"
is "$(grep -l '^X-Rcpt-Args: <full[0-9]@example.com>' $(sink_files out) 2>/dev/null | wc -l)" 0 \
	"  none of those refused"

done_testing
