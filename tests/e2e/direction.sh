#!/bin/bash
# direction.sh - ippool-milter acts on mail the site sends, never on mail it
# receives (real Postfix + ippool-milter + smtp-sink, python3-dkim as the
# verifier; miltertest for the cases Postfix cannot produce here).  A client
# outside internal_hosts, unauthenticated, sending From: the signed domain is
# delivered unsigned and untagged, its X-Settings removed, never limited and
# never refused as suppressed; an internal client is signed, tagged, limited.
# Signing needs one From: with one mailbox, in the envelope sender's domain
# tree.  One mailbox, one key: every spelling of a limited or suppressed
# recipient is limited or refused; recipient_delimiter = (empty) separates
# sub-addresses again.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks miltertest "$MILTER" "$CTL"
"$PY" -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl missing"

PORT=10025
VERIFY="$PY $src/tests/e2e/dkimverify.py"
INSIDE=$(netip 2)
OUTSIDE=$(netip 9)

K=$T/keys
mkdir -m 700 "$K"
"$CTL" dkim genkey example.com rsa2026 --dir "$K" >"$T/genkey.out" || bail "genkey failed"
dkim_record "$T/genkey.out" >"$T/records"
grep '^example.com rsa2026 ' "$T/genkey.out" >"$T/keytable"

write_conf() {	# write_conf DELIMITER-LINE
	milter_conf <<CONF
hourly_limit = 3
internal_hosts = $INSIDE/32
$1
[pool tx]
ips = $(netip 3)
logins = app1
[dkim]
keytable = $T/keytable
CONF
}
write_conf ""
site_start

# from CLIENT-ADDR ENVELOPE-FROM RCPT [swaks options]: f = the dump, or none
from() {
	local addr=$1; shift
	deliver out "$(netip 1)" $PORT "$@" --local-interface "$addr" >"$T/f"
	f=$(cat "$T/f")
}
sigs() { [ -f "$1" ] && $VERIFY "$T/records" "$1" 2>>"$T/verify.log"; }
nsig() { [ -f "$1" ] && msg_header "$1" DKIM-Signature | wc -l; }
ntag() { [ -f "$1" ] && msg_header "$1" X-Settings | wc -l; }

# --- 1. the signing oracle, as an attacker tries it ---------------------------
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"tx\"}}").decode())')
from "$OUTSIDE" attacker@evil.example.net ceo@example.com \
	--header "From: The CEO <ceo@example.com>" --add-header "X-Settings: $forged"
like "$LAST_REPLY" '^250 ' "outside client, From: the signed domain: accepted"
is "$(nsig "$f")" 0 "  delivered without a DKIM-Signature"
is "$(ntag "$f")" 0 "  no X-Settings: the client's is removed, none added"
! grep -q -e "$forged" "$f"
ok $? "  the forged tag is nowhere in the delivered message"
wait_for 5 grep -q "inbound (client $OUTSIDE not authenticated and not in internal_hosts): from=<attacker@evil.example.net>: not tagged, limited or signed; removed client tag" "$T/milter-m.log"
ok $? "  one log line says inbound and why"

# --- 2. inbound is never limited, never refused as suppressed ----------------
CTLC suppress add gone@example.com --permanent >/dev/null
n=0
for i in $(seq 1 15); do
	r=$(send "$(netip 1)" $PORT friend@elsewhere.example mailbox@example.com \
		--local-interface "$OUTSIDE")
	case $r in 250*) n=$((n + 1)) ;; esac
done
is "$n" 15 "15 inbound messages in a row to one mailbox: all accepted (hourly_limit 3)"
like "$(send "$(netip 1)" $PORT friend@elsewhere.example gone@example.com --local-interface "$OUTSIDE")" \
	'^250 ' "inbound to a suppressed address: accepted (suppression is for mail we send)"
is "$(CTLC limits show mailbox@example.com | grep -c .)" 1 "  and counted nowhere"

# --- 3. the same from an internal client: signed, tagged, limited ------------
from "$INSIDE" ceo@example.com someone@gmail.com --header "From: The CEO <ceo@example.com>" \
	--add-header "X-Settings: $forged"
like "$LAST_REPLY" '^250 ' "internal client: accepted"
is "$(sigs "$f" | awk '{print $1, $2, $NF}')" "a=rsa-sha256 d=example.com pass" \
	"  signed d=example.com, python3-dkim verifies"
check_tag "$f" tx "internal client"
wait_for 5 grep -q "outbound (client $INSIDE in internal_hosts): pool=tx" "$T/milter-m.log"
ok $? "  logged as outbound, with why"
like "$(send "$(netip 1)" $PORT ceo@example.com gone@example.com --local-interface "$INSIDE")" \
	'^550 5\.7\.1 <gone@example\.com>: recipient suppressed \(manual\) permanently' \
	"  a suppressed recipient: 550 5.7.1"
for i in 1 2 3; do
	send "$(netip 1)" $PORT ceo@example.com victim@example.com --local-interface "$INSIDE" >/dev/null
done
like "$(send "$(netip 1)" $PORT ceo@example.com victim@example.com --local-interface "$INSIDE")" \
	'^451 4\.7\.1 <victim@example\.com>: hourly limit of 3 messages reached' \
	"  the 4th message in the hour: 451 4.7.1"

# --- 4. one mailbox, one key -------------------------------------------------
for spelling in Victim@example.com victim+x@example.com '"victim"@example.com' \
	victim@EXAMPLE.com '"Victim+news"@Example.COM'; do
	r=$(send "$(netip 1)" $PORT ceo@example.com "$spelling" --local-interface "$INSIDE")
	like "$r" '^451 4\.7\.1 <.*>: hourly limit of 3 messages reached' "  $spelling: 451 4.7.1 too"
done
like "$r" '<"Victim\+news"@example\.com>' "  the reply shows the address as the client wrote it"
CTLC suppress add 'Boss+news@Example.com' --permanent >/dev/null
like "$(CTLC suppress list)" 'boss@example\.com' "suppress add keys Boss+news@ as boss@"
like "$(send "$(netip 1)" $PORT ceo@example.com boss@example.com --local-interface "$INSIDE")" \
	'^550 5\.7\.1 <boss@example\.com>: recipient suppressed' \
	"a suppression of Boss+news@ refuses boss@"
like "$(send "$(netip 1)" $PORT ceo@example.com BOSS+other@example.com --local-interface "$INSIDE")" \
	'^550 5\.7\.1 <BOSS\+other@example\.com>: recipient suppressed' "  and BOSS+other@"

# recipient_delimiter = (empty): sub-addresses are mailboxes of their own
write_conf "recipient_delimiter ="
n=$(grep -c 'reloaded' "$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 5 sh -c "[ \$(grep -c reloaded '$T/milter-m.log') -gt $n ]"
ok $? "SIGHUP: reloaded with recipient_delimiter ="
like "$(send "$(netip 1)" $PORT ceo@example.com victim+x@example.com --local-interface "$INSIDE")" \
	'^250 ' "  victim+x@ counts separately again: 250"
like "$(send "$(netip 1)" $PORT ceo@example.com Victim@example.com --local-interface "$INSIDE")" \
	'^451 4\.7\.1' "  Victim@ is still victim@: 451"
write_conf ""
kill -HUP "$MILTER_PID"

# --- 5. what an outbound message must be to be signed ------------------------
from "$INSIDE" ceo@example.com r1@gmail.com --header "From: ceo@example.com" \
	--add-header "From: other@example.com"
like "$LAST_REPLY" '^250 ' "two From: headers: accepted"
is "$(nsig "$f")" 0 "  not signed"
wait_for 5 grep -q '2 From: headers: not signed' "$T/milter-m.log"
ok $? "  logged"
from "$INSIDE" ceo@example.com r2@gmail.com --header "From: ceo@example.com, cfo@example.com"
is "$(nsig "$f")" 0 "From: with two addresses: not signed"
wait_for 5 grep -q 'names 2 mailboxes, not one: not signed' "$T/milter-m.log"
ok $? "  logged"
from "$INSIDE" ceo@other.example r3@gmail.com --header "From: The CEO <ceo@example.com>"
is "$(nsig "$f")" 0 "internal client, envelope other.example, From: example.com: not signed"
check_tag "$f" tx "  but tagged (it is outbound)"
wait_for 5 grep -q 'From: domain example.com is not in the envelope sender.s domain tree (other.example) (sign_from = envelope): not signed' "$T/milter-m.log"
ok $? "  logged with the rule"
from "$INSIDE" bounces@mail.example.com r4@gmail.com --header "From: ceo@example.com"
is "$(sigs "$f" | awk '{print $2, $NF}')" "d=example.com pass" \
	"envelope bounces@mail.example.com, From: example.com: signed (its parent)"

# --- 6. at the milter protocol: macros Postfix cannot fake here ---------------
cat >"$T/oracle.lua" <<'LUA'
-- one message with the given macros; prints what the milter added
local conn = mt.connect(sock, 20, 0.1)
if conn == nil then error("connect failed") end
local m = {}
if login ~= "" then table.insert(m, "{auth_authen}"); table.insert(m, login) end
if addr ~= "" then table.insert(m, "{client_addr}"); table.insert(m, addr) end
if #m > 0 then mt.macro(conn, SMFIC_MAIL, table.unpack(m)) end
if mt.mailfrom(conn, sender) ~= nil then error("mailfrom failed") end
if mt.rcptto(conn, "<someone@gmail.com>") ~= nil then error("rcptto failed") end
mt.header(conn, "From", "The CEO <ceo@example.com>")
mt.header(conn, "Subject", "oracle")
mt.bodystring(conn, "hello\r\n")
if mt.eom(conn) ~= nil then error("eom failed") end
mt.echo("signed=" .. tostring(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature")))
mt.echo("tagged=" .. tostring(mt.eom_check(conn, MT_HDRADD, "X-Settings")))
mt.disconnect(conn)
LUA
mt_run() {	# mt_run LOGIN CLIENT-ADDR SENDER
	miltertest -D sock="inet:$MPORT@$(netip 1)" -D login="$1" -D addr="$2" -D sender="$3" \
		-s "$T/oracle.lua" 2>&1
}
out=$(mt_run "" 192.0.2.7 "<attacker@evil.example.net>")
like "$out" 'signed=false' "miltertest: no login, remote client, foreign sender: no DKIM-Signature"
like "$out" 'tagged=false' "  and no X-Settings"
out=$(mt_run "" "" "<attacker@evil.example.net>")
like "$out" 'signed=false' "miltertest: no client address at all: not signed (inbound)"
out=$(mt_run app1 192.0.2.7 "<anyone@elsewhere.example>")
like "$out" 'signed=true' "miltertest: SASL login app1 (in the pool's logins), foreign sender: signed"
like "$out" 'tagged=true' "  and tagged"
out=$(mt_run stranger 192.0.2.7 "<anyone@elsewhere.example>")
like "$out" 'signed=false' "miltertest: another login, foreign sender: not signed (sign_from = envelope)"
like "$out" 'tagged=true' "  but tagged (authenticated: outbound)"
out=$(mt_run "" "IPv6:::1" "<ceo@example.com>")
like "$out" 'tagged=false' "miltertest: IPv6 loopback is not in internal_hosts = $INSIDE/32"

done_testing
