#!/bin/bash
# dkim-reload.sh - the documented key setup survives a SIGHUP: started as
# root with [milter] user = nobody, keys root:nogroup 0640 in a 0750
# directory of that group (as "ippoolctl dkim genkey" writes them), the
# milter signs, reloads ("reloaded") and still signs; "ippool-milter -n"
# and "ippoolctl check" make the checks the start and the reload make: a
# directory the user cannot search, a key readable by another group or by
# everyone are refused by both, with the reason; the start warns that a
# reload would fail.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"
"$PY" -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl missing"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"

PORT=10025
VERIFY="$PY $src/tests/e2e/dkimverify.py"
RUNUSER=nobody
RUNGROUP=$(id -gn nobody)

K=$T/keys
milter_conf <<CONF
[pool tx]
ips = $(netip 3)
[dkim]
keytable = $T/keys/keytable
CONF
sed -i "s/^user =\$/user = $RUNUSER/" "$T/ippool.conf"

# --- the documented setup -------------------------------------------------------
install -d -m 750 -o root -g "$RUNGROUP" "$K"
"$CTL" -c "$T/ippool.conf" dkim genkey example.com rsa2026 --dir "$K" >"$T/genkey-rsa.out" 2>"$T/genkey-rsa.err"
"$CTL" -c "$T/ippool.conf" dkim genkey example.com ed2026 --type ed25519 --dir "$K" >"$T/genkey-ed.out"
is "$(stat -c '%U:%G %a' "$K/example.com.rsa2026.key")" "root:$RUNGROUP 640" \
	"genkey as root: the key is root:$RUNGROUP 0640 (the [milter] user's group)"
like "$(head -1 "$T/genkey-rsa.out")" "^# wrote $K/example.com.rsa2026.key \\(rsa, 2048 bits, mode 0640, group $RUNGROUP\\)$" \
	"  and says so"
is "$(cat "$T/genkey-rsa.err")" "" "  no warning for a 0750 directory of that group"
{ grep '^example.com ' "$T/genkey-rsa.out"; grep '^example.com ' "$T/genkey-ed.out"; } >"$K/keytable"
chgrp "$RUNGROUP" "$K/keytable"; chmod 640 "$K/keytable"
for f in "$T"/genkey-*.out; do dkim_record "$f"; done >"$T/records"

out=$("$MILTER" -n -c "$T/ippool.conf" 2>&1)
is "$?" 0 "ippool-milter -n: the documented setup passes"
out=$("$CTL" -c "$T/ippool.conf" check 2>&1)
is "$?" 0 "ippoolctl check: passes"
like "$out" "reload as $RUNUSER: ok" "  and says a reload as $RUNUSER works"

sink_start out "$(netip 20)"
pf_setup main $PORT <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
CONF
milter_start "$T/ippool.conf"
pf_start main
is "$(ps -o user= -p "$MILTER_PID" | tr -d ' ')" "$RUNUSER" "the milter runs as $RUNUSER"
! grep -q 'a reload (SIGHUP) would fail' "$T/milter-m.log"
ok $? "  and does not warn about reloads"

signed() {	# signed: deliver one message, print its verified signatures
	local f
	f=$(deliver out "$(netip 1)" $PORT sender@example.com someone@gmail.com \
		--header "From: Alice <alice@example.com>" --header "Subject: reload")
	[ "$f" != none ] || { echo undelivered; return; }
	$VERIFY "$T/records" "$f" 2>>"$T/verify.log" | awk '{print $1, $NF}' | sort | tr '\n' ' '
}
is "$(signed)" "a=ed25519-sha256 pass a=rsa-sha256 pass " "signed with both keys"
reloads() { [ "$(grep -c 'configuration .* reloaded' "$T/milter-m.log")" -gt "$1" ]; }
n=$(grep -c 'configuration .* reloaded' "$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 10 reloads "$n"
ok $? "SIGHUP: reloaded (the keys are readable by $RUNUSER's group)"
! grep -q 'keeping the running configuration' "$T/milter-m.log"
ok $? "  not 'keeping the running configuration'"
is "$(signed)" "a=ed25519-sha256 pass a=rsa-sha256 pass " "  and still signs with both keys"

# a key replaced in place (a rotation): the reload reads the new file
mv "$K/example.com.ed2026.key" "$T/ed2026.old"
"$CTL" -c "$T/ippool.conf" dkim genkey example.com ed2026 --type ed25519 --dir "$K" >"$T/genkey-ed2.out"
for f in "$T"/genkey-rsa.out "$T"/genkey-ed2.out; do dkim_record "$f"; done >"$T/records"
n=$(grep -c 'configuration .* reloaded' "$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 10 reloads "$n"
ok $? "SIGHUP after a new key file: reloaded"
is "$(signed)" "a=ed25519-sha256 pass a=rsa-sha256 pass " "  and signs with the new key"

# --- what -n, check and the reload refuse alike -------------------------------------
# README's old advice: a 0700 directory only root may enter
chmod 700 "$K"
out=$("$MILTER" -n -c "$T/ippool.conf" 2>&1)
is "$?" 78 "a 0700 keys directory: ippool-milter -n exits 78"
like "$out" "Permission denied" "  naming the reason"
like "$out" "as user $RUNUSER, a reload \\(SIGHUP\\) would fail" "  and that a reload as $RUNUSER would fail"
out=$("$CTL" -c "$T/ippool.conf" check 2>&1)
is "$?" 78 "  ippoolctl check exits 78 too"
like "$out" "as user $RUNUSER, a reload \\(SIGHUP\\) would fail" "  with the same reason"
before=$(wc -l <"$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 10 sh -c "tail -n +$((before + 1)) '$T/milter-m.log' | grep -q 'reload of .* failed; keeping the running configuration'"
ok $? "  and the running milter's reload fails the same way"
chmod 750 "$K"

# a key readable by another group: refused by all, with what to do
chgrp root "$K/example.com.rsa2026.key"
out=$("$MILTER" -n -c "$T/ippool.conf" 2>&1)
is "$?" 78 "a key readable by group root: ippool-milter -n exits 78"
like "$out" "example.com.rsa2026.key: key file is readable by group or others \\(mode 0640\\): chmod 600 .*\\(or chgrp $RUNGROUP " \
	"  saying chmod 600 or chgrp $RUNGROUP"
"$CTL" -c "$T/ippool.conf" check >/dev/null 2>&1
is "$?" 78 "  ippoolctl check exits 78 too"
chgrp "$RUNGROUP" "$K/example.com.rsa2026.key"

# world-readable: never
chmod 644 "$K/example.com.rsa2026.key"
out=$("$MILTER" -n -c "$T/ippool.conf" 2>&1)
is "$?" 78 "a world-readable key: ippool-milter -n exits 78"
like "$out" "key file is readable by group or others \\(mode 0644\\)" "  naming the mode"
chmod 640 "$K/example.com.rsa2026.key"

# the start warns when it would start but could not reload
kill -TERM "$MILTER_PID"
wait_for 10 sh -c "! kill -0 $MILTER_PID 2>/dev/null"
chmod 700 "$K"
milter_start "$T/ippool.conf" second
grep -q "as user $RUNUSER, a reload (SIGHUP) would fail" "$T/milter-second.log"
ok $? "a start whose reload would fail says so in the log"
chmod 750 "$K"

# genkey warns about a directory the user cannot search
mkdir -m 700 "$T/closed"
"$CTL" -c "$T/ippool.conf" dkim genkey example.net s1 --type ed25519 --dir "$T/closed" >/dev/null 2>"$T/closed.err"
like "$(cat "$T/closed.err")" "warning: $T/closed \\(mode 0700\\) cannot be searched by $RUNUSER.*chgrp $RUNGROUP $T/closed && chmod 750 $T/closed" \
	"genkey into a 0700 directory: warns that a reload will not read the key"

done_testing
