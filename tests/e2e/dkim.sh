#!/bin/bash
# dkim.sh - DKIM signing end to end: real Postfix + ippool-milter +
# smtp-sink, the delivered messages verified by python3-dkim (not
# libopendkim).  RSA and Ed25519 signatures both verify; a changed body
# byte or a changed pool tag breaks them; X-Settings and the oversigned
# headers are in h=; a subdomain signs with its parent's key; no key means
# delivered unsigned (logged once); our own signature is not added twice;
# simple/simple canonicalization survives odd header spacing; OpenDKIM
# signing the same message verifies with the same verifier (the verifier
# is not fooled); bad keys stop the start (exit 78) and a reload keeps the
# old keys.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks opendkim openssl "$MILTER" "$CTL"
"$PY" -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl missing"

ODPORT=8893
PORT=10025
ODPF=10026
VERIFY="$PY $src/tests/e2e/dkimverify.py"

# --- keys, their DNS records (for the verifier) and the keytable ----------
{
	genkey example.com rsa2026
	genkey example.com ed2026 --type ed25519
} >"$T/keytable"
genkey other.example s1 >"$T/keytable.other"
is "$(stat -c %a "$K/example.com.rsa2026.key")" 600 "genkey writes the key mode 0600"
like "$(grep 'IN TXT' "$T/genkey-example.com-rsa2026.out")" \
	'^rsa2026\._domainkey\.example\.com\. IN TXT "v=DKIM1; k=rsa; p=MIIB[^"]{200,}" "[^"]+"$' \
	"genkey prints the RSA record split in 255-byte strings"
like "$(grep 'IN TXT' "$T/genkey-example.com-ed2026.out")" \
	'^ed2026\._domainkey\.example\.com\. IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$' \
	"genkey prints the Ed25519 record"

write_conf() {	# write_conf CANONICALIZATION
	milter_conf <<CONF
[pool tx]
ips = $(netip 3)
[dkim]
keytable = $T/keytable
canonicalization = $1
CONF
}
write_conf relaxed/relaxed

site_start

# deliver PORT FROM-HEADER [swaks options]: sets f to the newest dump's
# path and LAST_REPLY to the server's last reply
deliver() {
	local port=$1 from=$2 before; shift 2
	before=$(sink_count out)
	LAST_REPLY=$(send "$(netip 1)" "$port" "${ENVFROM:-sender@example.com}" someone@gmail.com \
		--header "From: $from" --header "Subject: DKIM test" \
		--body "First line of the body.
Second line, with trailing spaces.   
" "$@")
	f=none
	sink_wait out $((before + 1)) && f=$(sink_files out | tail -1)
}
sigs() { $VERIFY "$T/records" "$1" 2>>"$T/verify.log"; }
# field N of the signature line for algorithm ALG
sigfield() {	# sigfield FILE ALG FIELD(d|s|h|result)
	sigs "$1" | awk -v a="a=$2" -v f="$3" '$1 == a {
		for (i = 2; i <= NF; i++) { if (f == "result" && i == NF) print $i;
		else if (index($i, f "=") == 1) print substr($i, length(f) + 2) } }'
}
count_in() {	# count_in LIST ITEM: occurrences of ITEM in a colon list, any case
	tr ':' '\n' <<<"$1" | grep -cix "$2"
}

# --- 1. both signatures verify ---------------------------------------------
deliver $PORT "Alice <alice@example.com>"
like "$LAST_REPLY" '^250 ' "message accepted"
is "$(msg_header "$f" DKIM-Signature | wc -l)" 2 "two DKIM-Signature headers"
is "$(sigs "$f" | awk '{print $1}' | sort | tr '\n' ' ')" "a=ed25519-sha256 a=rsa-sha256 " \
	"one rsa-sha256 and one ed25519-sha256 signature"
is "$(sigfield "$f" rsa-sha256 result)" pass "rsa-sha256 signature verifies (python3-dkim)"
is "$(sigfield "$f" ed25519-sha256 result)" pass "ed25519-sha256 signature verifies (python3-dkim, RFC 8463)"
is "$(sigfield "$f" rsa-sha256 d)" example.com "d=example.com"
is "$(sigfield "$f" rsa-sha256 s)" rsa2026 "s= is the keytable selector"
like "$(grep -n -m1 '^DKIM-Signature:' "$f" | cut -d: -f1) $(grep -n -m1 '^Received: from client' "$f" | cut -d: -f1)" \
	'^([0-9]+) ([0-9]+)$' "signature and Received header found"
[ "$(grep -n -m1 '^DKIM-Signature:' "$f" | cut -d: -f1)" -lt "$(grep -n -m1 '^Received: from client' "$f" | cut -d: -f1)" ]
ok $? "the signatures are inserted above the existing headers"
h=$(sigfield "$f" rsa-sha256 h)
is "$(count_in "$h" X-Settings)" 1 "X-Settings is in h= ($h)"
is "$(count_in "$h" From)" 2 "From (present once, oversigned) is in h= twice"
is "$(count_in "$h" Subject)" 2 "Subject (present once, oversigned) is in h= twice"
is "$(count_in "$h" List-Unsubscribe)" 1 "List-Unsubscribe (absent, oversigned) is in h= once"
is "$(count_in "$(sigfield "$f" ed25519-sha256 h)" X-Settings)" 1 "X-Settings is in the Ed25519 signature's h= too"

# one byte of the body changed: both fail
sed 's/^Second line/Second lime/' "$f" >"$T/body-changed"
is "$(sigs "$T/body-changed" | awk '{print $NF}' | tr '\n' ' ')" "fail fail " \
	"one body byte changed: both signatures fail"
# the pool tag changed downstream: both fail (X-Settings is covered)
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"bulk\"}}").decode())')
sed "s/^X-Settings: .*/X-Settings: $forged/" "$f" >"$T/tag-changed"
is "$(sigs "$T/tag-changed" | awk '{print $NF}' | tr '\n' ' ')" "fail fail " \
	"X-Settings changed: both signatures fail"

# --- 2. a subdomain signs with its parent's key ------------------------------
deliver $PORT "Bob <bob@mail.example.com>"
is "$(sigs "$f" | awk '{print $1, $2, $NF}' | sort | tr '\n' ' ')" \
	"a=ed25519-sha256 d=example.com pass a=rsa-sha256 d=example.com pass " \
	"From mail.example.com: signed d=example.com, both verify"

# --- 3. no key: delivered unsigned, logged once --------------------------------
deliver $PORT "Carol <carol@nokey.example>"
like "$LAST_REPLY" '^250 ' "no key: accepted"
is "$(msg_header "$f" DKIM-Signature | wc -l)" 0 "no key: delivered unsigned"
is "$(msg_header "$f" X-Settings | wc -l)" 1 "no key: still tagged"
deliver $PORT "Carol <carol@nokey.example>"
is "$(msg_header "$f" DKIM-Signature | wc -l)" 0 "no key, second message: unsigned"
wait_for 5 grep -q 'pool=tx by=first from=<sender@example.com>' "$T/milter-m.log"
is "$(grep -c 'no DKIM key for nokey.example or a parent domain' "$T/milter-m.log")" 1 \
	"no key: logged once for two messages"

# --- 4. re-injection: our own signature is not added again -------------------
deliver $PORT "Alice <alice@example.com>"
grep -v -E '^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): ' "$f" >"$T/reinject"
before=$(sink_count out)
LAST_REPLY=$(send "$(netip 1)" $PORT sender@example.com someone@gmail.com --data "$T/reinject")
sink_wait out $((before + 1))
f=$(sink_files out | tail -1)
like "$LAST_REPLY" '^250 ' "re-injected message accepted"
is "$(msg_header "$f" DKIM-Signature | wc -l)" 2 "re-injected: still two signatures, not four"
is "$(sigs "$f" | awk '{print $NF}' | tr '\n' ' ')" "pass pass " "re-injected: the signatures still verify"
wait_for 5 grep -q 'already signed with d=example.com s=rsa2026: not signing again; already signed with d=example.com s=ed2026: not signing again' "$T/milter-m.log"
ok $? "re-injection logged, for both keys"

# --- 5. simple/simple through a reload, with odd header spacing --------------
write_conf simple/simple
kill -HUP "$MILTER_PID"
wait_for 5 grep -q 'reloaded' "$T/milter-m.log"
ok $? "SIGHUP: reloaded with simple/simple"
deliver $PORT "Alice <alice@example.com>" --header "Reply-To:   <reply@example.com>" --header "Cc:cc@example.com"
like "$(msg_header "$f" DKIM-Signature | head -1)" 'c=simple/simple' "c=simple/simple"
is "$(sigs "$f" | awk '{print $NF}' | tr '\n' ' ')" "pass pass " \
	"simple/simple: both verify (header values passed with their exact spacing)"
write_conf relaxed/relaxed

# --- 6. reload with a bad key: the old keys stay -----------------------------
chmod 644 "$K/example.com.rsa2026.key"
kill -HUP "$MILTER_PID"
wait_for 5 grep -q "example.com.rsa2026.key: key file is readable by group or others (mode 0644)" "$T/milter-m.log"
ok $? "SIGHUP with a world-readable key: refused, naming the file"
like "$(grep 'reload of' "$T/milter-m.log" | tail -1)" 'failed; keeping the running configuration' \
	"SIGHUP with a bad key: running configuration kept"
deliver $PORT "Alice <alice@example.com>"
is "$(sigs "$f" | awk '{print $1, $NF}' | sort | tr '\n' ' ')" "a=ed25519-sha256 pass a=rsa-sha256 pass " \
	"after the refused reload: still signed with the old keys"
chmod 600 "$K/example.com.rsa2026.key"
# a good reload adds a domain
cat "$T/keytable.other" >>"$T/keytable"
reloads() { [ "$(grep -c 'reloaded' "$T/milter-m.log")" -gt "$1" ]; }
n=$(grep -c 'reloaded' "$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 5 reloads "$n"
ok $? "SIGHUP with a new key: reloaded"
ENVFROM=dave@other.example deliver $PORT "Dave <dave@other.example>"
is "$(sigs "$f" | awk '{print $1, $2, $3, $NF}')" "a=rsa-sha256 d=other.example s=s1 pass" \
	"the key added by the reload signs"

# --- 7. OpenDKIM signs the same message: the verifier agrees ----------------
opendkim_start example.com rsa2026 "$K/example.com.rsa2026.key" $ODPORT
pf_setup od $ODPF <<CONF
smtpd_milters = inet:$(netip 1):$ODPORT
CONF
pf_start od
# Postfix listens on $(netip 1):PORT; this instance on port ODPF
deliver $ODPF "Alice <alice@example.com>"
is "$(sigs "$f" | awk '{print $1, $2, $3, $NF}')" "a=rsa-sha256 d=example.com s=rsa2026 pass" \
	"OpenDKIM's signature of the same message verifies with the same verifier and record"
sed 's/^Second line/Second lime/' "$f" >"$T/od-changed"
is "$(sigs "$T/od-changed" | awk '{print $NF}')" fail "OpenDKIM's signature with a body byte changed fails"

# --- 8. bad keys at start: exit 78 and a message naming the file ------------
badstart() {	# badstart NAME: start a milter on a keytable with key NAME
	local conf=$T/bad-$1.conf
	printf 'example.com bad %s\n' "$T/bad/$1" >"$T/bad/$1.keytable"
	sed -e "s|^keytable = .*|keytable = $T/bad/$1.keytable|" \
	    -e "s|^socket = .*|socket = inet:$((MPORT + 10))@$(netip 1)|" "$T/ippool.conf" >"$conf"
	"$MILTER" -f -c "$conf" >"$T/bad/$1.out" 2>&1
	echo "$?"
}
mkdir -m 700 "$T/bad"
cp "$K/example.com.ed2026.key" "$T/bad/world"; chmod 644 "$T/bad/world"
head -c 900 "$K/example.com.rsa2026.key" >"$T/bad/truncated"; chmod 600 "$T/bad/truncated"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/bad/ec" 2>/dev/null
chmod 600 "$T/bad/ec"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:768 -out "$T/bad/small" 2>/dev/null
chmod 600 "$T/bad/small"
is "$(badstart world)" 78 "world-readable key: start fails with 78"
like "$(cat "$T/bad/world.out")" "$T/bad/world.keytable:1: $T/bad/world: key file is readable by group or others \\(mode 0644\\): chmod 600 $T/bad/world" \
	"world-readable key: the message names the keytable line and the file"
is "$(badstart truncated)" 78 "truncated key: start fails with 78"
like "$(cat "$T/bad/truncated.out")" "$T/bad/truncated: truncated \\(no -----END line\\)" \
	"truncated key: clear message"
is "$(badstart ec)" 78 "EC key: start fails with 78"
like "$(cat "$T/bad/ec.out")" "$T/bad/ec: EC key: DKIM keys must be RSA \\(1024 bits or more\\) or Ed25519" \
	"wrong key type: clear message"
is "$(badstart small)" 78 "768-bit RSA key: start fails with 78"
like "$(cat "$T/bad/small.out")" "RSA key of 768 bits is too small" "small RSA key: clear message"
"$CTL" -c "$T/bad-ec.conf" check >/dev/null 2>"$T/bad/check.err"
is "$?" 78 "ippoolctl check checks the keys too: exit 78"
like "$(cat "$T/bad/check.err")" "^$T/bad/ec.keytable:1: $T/bad/ec: EC key" "ippoolctl check names the keytable line and file"
"$CTL" -c "$T/ippool.conf" check 2>&1 | grep '^keytable' >"$T/check.out"
is "$(cat "$T/check.out")" "keytable $T/keytable: ok, 3 keys" "ippoolctl check: the running keytable is fine"
kill -0 "$MILTER_PID" 2>/dev/null
ok $? "the running milter is unaffected"

# --- big headers: one of 70,000 bytes (over libmilter's default 64 KiB
# packet), and 300 Cc: fields (more than an Ed25519 signature's h= holds) --
"$PY" - "$T/big.eml" "$T/cc.eml" <<'PYEOF'
import sys
hdr = 'From: Alice <alice@example.com>\r\nTo: someone@gmail.com\r\n'
body = '\r\nBig.\r\n'
words = ' '.join('w%05d' % i for i in range(9800))    # 70,564 bytes in all
lines, cur = [], 'X-Big:'
for w in words.split(' '):
    if len(cur) + 1 + len(w) > 76:
        lines.append(cur)
        cur = '\t' + w
    else:
        cur += ' ' + w
lines.append(cur)
big = '\r\n'.join(lines)
assert 70000 < len(big) < 71000
open(sys.argv[1], 'w').write(hdr + 'Subject: big header\r\n' + big + '\r\n' + body)
cc = ''.join('Cc: <c%03d@example.net>\r\n' % i for i in range(300))
open(sys.argv[2], 'w').write(hdr + 'Subject: many cc\r\n' + cc + body)
PYEOF
before=$(sink_count out)
like "$(send "$(netip 1)" $PORT sender@example.com big@gmail.com --data "$T/big.eml")" '^250 ' \
	"a message with a 70,000-byte header: accepted"
sink_wait out $((before + 1)) && f=$(sink_files out | tail -1) || f=none
ok $([ -f "$f" ] && grep -q '^X-Big:' "$f"; echo $?) "  delivered with its header"
is "$(sigs "$f" | awk '{print $1, $NF}' | sort | tr '\n' ' ')" "a=ed25519-sha256 pass a=rsa-sha256 pass " \
	"  both signatures verify"
before=$(sink_count out)
like "$(send "$(netip 1)" $PORT sender@example.com many-cc@gmail.com --data "$T/cc.eml")" '^250 ' \
	"a message with 300 Cc: fields: accepted, not deferred"
sink_wait out $((before + 1)) && f=$(sink_files out | tail -1) || f=none
is "$(grep -c '^Cc:' "$f" 2>/dev/null)" 300 "  delivered with its 300 Cc: fields"
is "$(sigs "$f" | awk '{print $1, $NF}' | sort | tr '\n' ' ')" "a=ed25519-sha256 pass a=rsa-sha256 pass " \
	"  both signatures verify (the Ed25519 one with a bounded h=)"
wait_for 5 grep -q 'd=example.com s=ed2026: [0-9]* signed header fields left out of h= (the signature must fit on one line)' \
	"$T/milter-m.log"
ok $? "  the fields left out of the Ed25519 h= are logged"

pf_stop main
pf_stop od
milter_stop
kill "$ODKIM_PID" 2>/dev/null
wait "$ODKIM_PID" 2>/dev/null
done_testing
