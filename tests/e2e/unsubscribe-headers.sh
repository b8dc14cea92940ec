#!/bin/bash
# unsubscribe-headers.sh - one-click unsubscribe headers end to end (RFC
# 8058): real Postfix + ippool-milter + smtp-sink, python3-dkim as the
# verifier.  A one-recipient outbound message gets List-Unsubscribe (URL
# with a token ippoolctl accepts, and the mailto URL) and
# List-Unsubscribe-Post exactly once, both in h= of the RSA and Ed25519
# signatures; two recipients, a client's own List-Unsubscribe, inbound
# mail and a pool with unsubscribe = no get none.  The suppression scope:
# (recipient, sender domain) refuses the next mail from that domain at RCPT
# and, when only From: names it, at the end of DATA; other domains pass.
# A bad [unsubscribe] key stops the start (78); a reload keeps the old one.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"
"$PY" -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl missing"

PORT=10025
VERIFY="$PY $src/tests/e2e/dkimverify.py"
OUTSIDE=$(netip 9)
URL=https://unsub.example.com/u

{
	genkey example.com rsa2026
	genkey example.com ed2026 --type ed25519
	genkey quiet.example s1
} >"$T/keytable"
head -c 32 /dev/urandom >"$T/unsub.key"
chmod 600 "$T/unsub.key"

milter_conf <<CONF
internal_hosts = 127.0.0.1/32 $(netip 1)/32
[pool tx]
ips = $(netip 3)
[pool quiet]
ips = $(netip 4)
senders = @quiet.example
unsubscribe = no
[dkim]
keytable = $T/keytable
[unsubscribe]
url = $URL
key = $T/unsub.key
mailto = unsub@bounce.example.com
CONF
site_start

sigs() { [ -f "$1" ] && $VERIFY "$T/records" "$1" 2>>"$T/verify.log"; }
sigfield() {	# sigfield FILE ALG FIELD(h|result)
	sigs "$1" | awk -v a="a=$2" -v f="$3" '$1 == a {
		for (i = 2; i <= NF; i++) { if (f == "result" && i == NF) print $i;
		else if (index($i, f "=") == 1) print substr($i, length(f) + 2) } }'
}
count_in() { tr ':' '\n' <<<"$1" | grep -cix "$2"; }
nhdr() { [ -f "$1" ] && msg_header "$1" "$2" | wc -l; }
# msg FROM-HEADER ENVELOPE-FROM RCPT [swaks options]: f = the dump, or none
msg() {
	local from=$1; shift
	deliver out "$(netip 1)" $PORT "$@" --header "From: $from" \
		--header "Subject: unsubscribe test" >"$T/f"
	f=$(cat "$T/f")
}

# --- 1. one recipient: both headers, exactly once, signed ------------------
msg "Alice <alice@example.com>" alice@example.com 'Bob+news@Gmail.COM'
like "$LAST_REPLY" '^250 ' "one recipient: accepted"
is "$(nhdr "$f" List-Unsubscribe)" 1 "  exactly one List-Unsubscribe"
is "$(nhdr "$f" List-Unsubscribe-Post)" 1 "  exactly one List-Unsubscribe-Post"
is "$(msg_header "$f" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click" "  List-Unsubscribe-Post: List-Unsubscribe=One-Click"
lu=$(msg_header "$f" List-Unsubscribe)
like "$lu" "^<$URL/[A-Za-z0-9_-]+>, <mailto:unsub@bounce\\.example\\.com\\?subject=unsubscribe%20[A-Za-z0-9_-]+>\$" \
	"  List-Unsubscribe: <URL/TOKEN>, <mailto:ADDRESS?subject=unsubscribe%20TOKEN> ($lu)"
tok=$(sed -n "s|^<$URL/\\([A-Za-z0-9_-]*\\)>.*|\\1|p" <<<"$lu")
tok2=$(sed -n 's|.*subject=unsubscribe%20\([A-Za-z0-9_-]*\)>$|\1|p' <<<"$lu")
is "$tok2" "$tok" "  the mailto URL carries the same token"
is "$(CTLC unsubscribe check "$tok" | sed 's/ issued=.*//')" \
	"valid: recipient=bob@gmail.com sender_domain=example.com" \
	"  the token names the canonical recipient and the From: domain"
grep -Eq $'^List-Unsubscribe: <[^>]*>,\r?$' "$f" && grep -q $'^\t<mailto:' "$f"
ok $? "  folded after the comma, one URL a line"
h=$(sigfield "$f" rsa-sha256 h)
is "$(count_in "$h" List-Unsubscribe)" 2 "  RSA h= holds List-Unsubscribe twice (present + oversigned)"
is "$(count_in "$h" List-Unsubscribe-Post)" 2 "  RSA h= holds List-Unsubscribe-Post twice"
h=$(sigfield "$f" ed25519-sha256 h)
is "$(count_in "$h" List-Unsubscribe)" 2 "  Ed25519 h= holds List-Unsubscribe twice"
is "$(count_in "$h" List-Unsubscribe-Post)" 2 "  Ed25519 h= holds List-Unsubscribe-Post twice"
is "$(sigs "$f" | awk '{print $1, $NF}' | sort | tr '\n' ' ')" "a=ed25519-sha256 pass a=rsa-sha256 pass " \
	"  both signatures verify (python3-dkim)"
sed "s|$tok|${tok%?}A|" "$f" >"$T/tok-changed"
[ "${tok: -1}" = A ] && sed "s|$tok|${tok%?}B|" "$f" >"$T/tok-changed"
is "$(sigs "$T/tok-changed" | awk '{print $NF}' | tr '\n' ' ')" "fail fail " \
	"  the token changed downstream: both signatures fail"
is "$(CTLC unsubscribe check "${tok%?}$([ "${tok: -1}" = A ] && echo B || echo A)" >/dev/null 2>&1; echo $?)" 65 \
	"  ippoolctl unsubscribe check: a changed token is refused (65)"
wait_for 5 grep -q 'List-Unsubscribe and List-Unsubscribe-Post added for <bob@gmail.com> from example.com' "$T/milter-m.log"
ok $? "  logged"

# ippoolctl unsubscribe url gives the same kind of URL
out=$(CTLC unsubscribe url 'Bob+x@gmail.com' --sender-domain Example.COM)
like "$(head -1 <<<"$out")" "^$URL/[A-Za-z0-9_-]+\$" "ippoolctl unsubscribe url: the URL first"
like "$(sed -n 2p <<<"$out")" '^mailto:unsub@bounce\.example\.com\?subject=unsubscribe%20[A-Za-z0-9_-]+$' \
	"  the mailto URL on the second line"
is "$(CTLC unsubscribe check "$(head -1 <<<"$out" | sed "s|^$URL/||")" | sed 's/ issued=.*//')" \
	"valid: recipient=bob@gmail.com sender_domain=example.com" "  its token checks"
is "$(CTLC unsubscribe url bob@gmail.com --sender-domain example.com --json | "$PY" -c \
	'import json,sys; d=json.load(sys.stdin); print(d["recipient"], d["sender_domain"], d["url"].startswith(sys.argv[1] + "/" + d["token"]), d["mailto"].endswith(d["token"]))' "$URL")" \
	"bob@gmail.com example.com True True" "  --json: recipient, sender_domain, token, url, mailto"
is "$(CTLC unsubscribe url not-an-address --sender-domain example.com >/dev/null 2>&1; echo $?)" 65 \
	"  a bad recipient: 65"

# --- 2. two recipients: no header, logged once per sender domain ------------
msg "Alice <alice@example.com>" alice@example.com one@gmail.com,two@gmail.com
like "$LAST_REPLY" '^250 ' "two recipients: accepted"
is "$(nhdr "$f" List-Unsubscribe)" 0 "  no List-Unsubscribe"
is "$(nhdr "$f" List-Unsubscribe-Post)" 0 "  no List-Unsubscribe-Post"
is "$(sigs "$f" | awk '{print $NF}' | tr '\n' ' ')" "pass pass " "  still signed"
msg "Alice <alice@example.com>" alice@example.com three@gmail.com,four@gmail.com
# the milter logs before it answers the end of the message
is "$(grep -c '2 recipients: no List-Unsubscribe added for mail from example.com' "$T/milter-m.log")" 1 \
	"  the reason is logged once for two such messages"
# one mailbox under two spellings is one recipient
msg "Alice <alice@example.com>" alice@example.com 'carol@gmail.com,Carol+x@gmail.com'
like "$(msg_header "$f" List-Unsubscribe)" "^<$URL/" "one mailbox spelt twice: one recipient, the header is added"

# --- 3. the client's own List-Unsubscribe is kept --------------------------
msg "Alice <alice@example.com>" alice@example.com dave@gmail.com \
	--add-header 'List-Unsubscribe: <https://app.example.com/unsub?u=42>'
is "$(msg_header "$f" List-Unsubscribe)" "<https://app.example.com/unsub?u=42>" "own List-Unsubscribe: kept unchanged"
is "$(nhdr "$f" List-Unsubscribe)" 1 "  and no second one"
is "$(nhdr "$f" List-Unsubscribe-Post)" 0 "  no List-Unsubscribe-Post added to it"
wait_for 5 grep -q 'own List-Unsubscribe without List-Unsubscribe-Post: kept, none added (not one-click' "$T/milter-m.log"
ok $? "  logged: not one-click"
is "$(sigs "$f" | awk '{print $NF}' | tr '\n' ' ')" "pass pass " "  signed, the client's header covered"

# --- 4. a pool with unsubscribe = no; a From: with two mailboxes -----------
msg "Q <q@quiet.example>" q@quiet.example erin@gmail.com
is "$(nhdr "$f" List-Unsubscribe)" 0 "pool with unsubscribe = no: no List-Unsubscribe"
is "$(sigs "$f" | awk '{print $NF}')" pass "  signed all the same"
msg "a@example.com, b@example.com" alice@example.com frank@gmail.com
is "$(nhdr "$f" List-Unsubscribe)" 0 "From: with two mailboxes: no List-Unsubscribe"

# --- 5. inbound mail: none ---------------------------------------------------
msg "Alice <alice@example.com>" someone@elsewhere.example grace@gmail.com --local-interface "$OUTSIDE"
like "$LAST_REPLY" '^250 ' "inbound: accepted"
is "$(nhdr "$f" List-Unsubscribe)" 0 "  no List-Unsubscribe"
is "$(nhdr "$f" DKIM-Signature)" 0 "  and unsigned"

# --- 6. the scope: (recipient, sender domain) ------------------------------
CTLC suppress add heidi@gmail.com --sender-domain example.com --reason unsubscribe --permanent >/dev/null
like "$(smtp alice@example.com heidi@gmail.com --header 'From: alice@example.com')" \
	'^550 5\.7\.1 <heidi@gmail\.com>: recipient suppressed \(unsubscribe\) permanently' \
	"suppressed for example.com: RCPT from example.com gets 550 5.7.1 (unsubscribe)"
msg "Org <news@example.org>" news@example.org heidi@gmail.com
like "$LAST_REPLY" '^250 ' "  mail from example.org to her passes"
like "$(msg_header "$f" List-Unsubscribe)" "^<$URL/" "  with its own header"
# From: example.com, envelope from another domain: refused at the end of DATA
like "$(smtp bounces@esp.example.net heidi@gmail.com --header 'From: Alice <alice@example.com>')" \
	'^550 5\.7\.1 <heidi@gmail\.com>: recipient suppressed \(unsubscribe\) permanently' \
	"  From: example.com under another envelope sender: 550 5.7.1 at the end of DATA"
before=$(sink_count out)
msg "Alice <alice@example.com>" bounces@esp.example.net heidi@gmail.com,ivan@gmail.com
like "$LAST_REPLY" '^250 ' "  with a second recipient: accepted"
is "$(sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$f" | tr '\n' ' ')" "ivan@gmail.com " \
	"  delivered to the other recipient only"
wait_for 5 grep -q 'to=<heidi@gmail.com>: removed from a message: suppressed (unsubscribe) for mail from example.com permanently' "$T/milter-m.log"
ok $? "  the removal is logged"
like "$(msg_header "$f" List-Unsubscribe)" "^<$URL/" "  the one recipient left gets the header"
is "$(CTLC unsubscribe check "$(msg_header "$f" List-Unsubscribe | sed -n "s|^<$URL/\\([A-Za-z0-9_-]*\\)>.*|\\1|p")" | sed 's/ issued=.*//')" \
	"valid: recipient=ivan@gmail.com sender_domain=example.com" "  naming him"

# --- 7. simple/simple: the folded field is hashed exactly as Postfix writes it
sed -i 's|^\[dkim\]$|[dkim]\ncanonicalization = simple/simple|' "$T/ippool.conf"
n=$(grep -c 'reloaded' "$T/milter-m.log")
kill -HUP "$MILTER_PID"
wait_for 5 sh -c "[ \$(grep -c 'reloaded' $T/milter-m.log) -gt $n ]"
ok $? "SIGHUP: reloaded with simple/simple"
msg "Alice <alice@example.com>" alice@example.com kim@gmail.com
like "$(msg_header "$f" DKIM-Signature | head -1)" 'c=simple/simple' "  c=simple/simple"
like "$(msg_header "$f" List-Unsubscribe)" "^<$URL/[A-Za-z0-9_-]+>, <mailto:" "  the folded List-Unsubscribe"
is "$(sigs "$f" | awk '{print $NF}' | tr '\n' ' ')" "pass pass " "  both signatures verify"
sed -i '/^canonicalization = simple\/simple$/d' "$T/ippool.conf"

# --- 8. the key: a bad one stops the start; a reload keeps the old one ------
sed -e "s|^key = .*|key = $T/short.key|" -e "s|^socket = .*|socket = inet:$((MPORT + 10))@$(netip 1)|" \
	"$T/ippool.conf" >"$T/bad.conf"
head -c 16 /dev/urandom >"$T/short.key"; chmod 600 "$T/short.key"
"$MILTER" -f -c "$T/bad.conf" >"$T/bad.out" 2>&1
is "$?" 78 "a 16-byte [unsubscribe] key: the start fails with 78"
like "$(cat "$T/bad.out")" "\\[unsubscribe\\] key: .*$T/short.key" "  the message names the key file"
cp "$T/ippool.conf" "$T/good.conf"
sed -i "s|^key = .*|key = $T/short.key|" "$T/ippool.conf"
kill -HUP "$MILTER_PID"
wait_for 5 grep -q 'failed; keeping the running configuration' "$T/milter-m.log"
ok $? "SIGHUP with a bad key: the running configuration is kept"
msg "Alice <alice@example.com>" alice@example.com judy@gmail.com
is "$(CTLC -c "$T/good.conf" unsubscribe check "$(msg_header "$f" List-Unsubscribe | sed -n "s|^<$URL/\\([A-Za-z0-9_-]*\\)>.*|\\1|p")" 2>&1 | sed 's/ issued=.*//')" \
	"valid: recipient=judy@gmail.com sender_domain=example.com" "  tokens still made with the old key"
cp "$T/good.conf" "$T/ippool.conf"

pf_stop main
milter_stop
done_testing
