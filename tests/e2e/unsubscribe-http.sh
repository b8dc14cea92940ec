#!/bin/bash
# unsubscribe-http.sh - the one-click unsubscribe endpoint of
# ippool-policyd (RFC 8058, issue 13 section 2) with curl as the mailbox
# provider: GET changes nothing, the one-click POST (urlencoded and
# multipart) suppresses the recipient for the token's sender domain once,
# a bad token or body, a wrong path or method, each limit gets its status
# and suppresses nobody, X-Forwarded-For counts from a proxy only, the
# store failing answers 503 with Retry-After and stores nothing, TLS with
# a self-signed certificate; then the whole chain: the next RCPT from
# that sender domain through Postfix and the milter gets 550 5.7.1, from
# another sender domain 250.  Tokens come from lib/mail/unsubtoken.c
# itself (tests/helpers/unsubtok).
#
# The store lives on a small tmpfs in a private mount namespace of this
# test (as storefail.sh), so that it can fill up.
if [ -z "${IPPOOL_UNSUB_NS:-}" ] && [ "$(id -u)" = 0 ]; then
	unshare -m --propagation private true 2>/dev/null &&
		exec unshare -m --propagation private env IPPOOL_UNSUB_NS=1 bash "$0" "$@"
	NO_NS=1
fi
. "$(dirname "$0")/lib.sh"
need_root
[ -n "${NO_NS:-}" ] && skip_all "cannot create a private mount namespace (unshare -m)"
TOKEN=$bld/tests/helpers/unsubtok
need postfix smtp-sink swaks curl openssl "$MILTER" "$CTL" "$POLICYD" "$TOKEN"

PORT=10025
mkdir "$T/store"
mount -t tmpfs -o size=4m,mode=755 ippool-unsub "$T/store" || skip_all "cannot mount a tmpfs for the store"
MOUNTS+=("$T/store")
head -c 32 /dev/urandom >"$T/unsub.key"
chmod 600 "$T/unsub.key"
head -c 32 /dev/urandom >"$T/events.key"
chmod 600 "$T/events.key"
milter_conf <<CONF
$(policy_section)
[pool tx]
ips = $(netip 3)
port = 10031
[events]
url = http://$(netip 9):9/hook
key = $T/events.key
[unsubscribe]
url = https://unsub.example.com/u
listen = inet:8025@$(netip 1)
key = $T/unsub.key
proxies = $(netip 7)
CONF
U=http://$(netip 1):8025/u
tok() { "$TOKEN" "$T/unsub.key" "$1" "$2"; }
# curl from an address of our own (the per-address limit counts apart)
C() { curl -s --max-time 15 --interface "${FROM:-$(netip 5)}" "$@"; }
code() { C -o /dev/null -w '%{http_code}' "$@"; }
listed() { CTLC suppress list 2>&1 | grep -c "^$1 " ; }
metric() { curl -s "http://$(netip 1):9465/metrics" | sed -n "s/^$1 //p"; }

"$POLICYD" -n -c "$T/ippool.conf" >/dev/null 2>&1
is "$?" 0 "ippool-policyd -n: the configuration with [unsubscribe] is valid"
sed "s|^key = $T/unsub.key\$|key = $T/missing.key|" "$T/ippool.conf" >"$T/nokey.conf"
out=$("$POLICYD" -n -c "$T/nokey.conf" 2>&1)
is "$?" 78 "an [unsubscribe] key that cannot be read: exit 78"
like "$out" "\[unsubscribe\] key: .*missing.key" "  naming the key"

sink_start out "$(netip 20)"
echo "smtpd_milters = inet:$(netip 1):$MPORT" | pf_setup main "$PORT"
milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
P_PID=$POLICYD_PID
pf_start main
wait_for 5 port_open "$(netip 1)" 8025
ok $? "the unsubscribe listener is up"
grep -q "unsubscribe: listening on inet:8025@$(netip 1) (plain HTTP)" "$T/policyd-p.log"
ok $? "  logged as plain HTTP"

# a client that never finishes its request: answered 408 after 10 s
slow() {
	local start=$SECONDS
	exec 3<>"/dev/tcp/$(netip 1)/8025"
	printf 'GET /u/x HTTP/1.1\r\nHost: unsub.example.com\r\n' >&3
	timeout 20 head -1 <&3 | tr -d '\r' >"$T/slow.out"
	echo $((SECONDS - start)) >"$T/slow.secs"
}
slow &
SLOW=$!

# --- GET and HEAD change nothing ---------------------------------------------
A=$(tok alice@example.org shop.example)
C -D "$T/get.h" -o "$T/get.b" "$U/$A"
is "$(head -1 "$T/get.h" | tr -d '\r')" "HTTP/1.1 200 OK" "GET URL/TOKEN: 200"
grep -qi '^Cache-Control: no-store' "$T/get.h"
ok $? "  Cache-Control: no-store"
grep -qi '^Content-Type: text/html; charset=utf-8' "$T/get.h"
ok $? "  Content-Type: text/html"
is "$(sed -n 's/^Content-Length: //ip' "$T/get.h" | tr -d '\r')" "$(wc -c <"$T/get.b")" \
	"  Content-Length is the page's"
grep -q '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">' "$T/get.b"
ok $? "  a form that POSTs List-Unsubscribe=One-Click to the same URL"
grep -q '<b>alice@example.org</b> from mail sent by <b>shop.example</b>' "$T/get.b"
ok $? "  naming the recipient and the sender domain"
is "$(C -I "$U/$A" | head -1 | tr -d '\r')" "HTTP/1.1 200 OK" "HEAD: 200"
is "$(C -I "$U/$A" | wc -c)" "$(wc -c <"$T/get.h")" "  the same head, no body"
is "$(listed alice@example.org)" 0 "GET and HEAD suppressed nobody"

# --- the one-click POST --------------------------------------------------------
C -D "$T/post.h" -o "$T/post.b" -d 'List-Unsubscribe=One-Click' "$U/$A"
is "$(head -1 "$T/post.h" | tr -d '\r')" "HTTP/1.1 200 OK" "POST List-Unsubscribe=One-Click (urlencoded): 200"
grep -q '<b>alice@example.org</b> is unsubscribed from mail sent by <b>shop.example</b>' "$T/post.b"
ok $? "  the page says so"
line=$(CTLC suppress list | grep '^alice@example.org ')
is "$line" "alice@example.org for mail from shop.example: unsubscribe since $(echo "$line" | sed 's/.* since \([^ ,]*\),.*/\1/'), permanently (unsubscribe $(netip 5))" \
	"  suppress list: reason unsubscribe, scope the sender domain, permanent, the client"
grep -q "unsubscribe: alice@example.org for sender domain shop.example from client $(netip 5): suppressed" "$T/policyd-p.log"
ok $? "  logged: recipient, sender domain, client"
is "$(code -d 'List-Unsubscribe=One-Click' "$U/$A")" 200 "the same POST again: 200"
is "$(CTLC suppress list | grep '^alice@example.org ')" "$line" "  one entry, unchanged (created time too)"
grep -q "alice@example.org for sender domain shop.example from client $(netip 5): already suppressed" "$T/policyd-p.log"
ok $? "  logged as already suppressed"
# [events]: recorded in the suppression's own transaction, once
events() {
	CTLC events list --json | "$PY" -c 'import json, sys
print(" ".join("%s:%s:%s:%s" % (e["event"]["type"], e["event"]["recipient"], e["event"]["sender"],
    e["event"]["status"]) for e in json.load(sys.stdin)))'
}
is "$(events)" "unsubscribe:alice@example.org:@shop.example:one-click suppression:alice@example.org:@shop.example:unsubscribe" \
	"  [events]: the unsubscribe and its suppression in the outbox, once, with the sender domain"
B=$(tok bob@example.org shop.example)
is "$(code -F 'List-Unsubscribe=One-Click' "$U/$B")" 200 "POST multipart/form-data (curl -F): 200"
is "$(listed bob@example.org)" 1 "  bob suppressed"

# --- the whole chain: Postfix and the milter refuse for that sender domain only
reply=$(smtp news@shop.example alice@example.org)
like "$reply" '^550 5\.7\.1 <alice@example\.org>: recipient suppressed \(unsubscribe\)' \
	"RCPT from shop.example to alice after the POST: 550 5.7.1"
reply=$(smtp news@other.example alice@example.org)
like "$reply" '^250 ' "from other.example to alice: 250"

# --- what suppresses nobody -------------------------------------------------------
K=$(tok carol@example.org shop.example)
is "$(code -d 'foo=bar' "$U/$K")" 400 "a valid token, a form without the field: 400"
is "$(code -d 'List-Unsubscribe=One-Click' -H 'Content-Type: text/plain' "$U/$K")" 400 \
	"  a body that is no form: 400"
c=${K:20:1}
[ "$c" = A ] && c=B || c=A
bad=${K:0:20}$c${K:21}
is "$(code -d 'List-Unsubscribe=One-Click' "$U/$bad")" 400 "a tampered token: 400"
is "$(code -d 'List-Unsubscribe=One-Click' "$U/${K:0:${#K}-4}")" 400 "a truncated token: 400"
C -o "$T/xss.b" "$U/%3Cscript%3E<script>"
grep -q '<script>' "$T/xss.b"
is "$?" 1 "  the page reflects nothing of the request"
is "$(code "http://$(netip 1):8025/x")" 404 "another path: 404"
is "$(code "$U")" 404 "  the base URL itself: 404"
is "$(code "$U/$K/more")" 404 "  a path under a token: 404"
C -D "$T/put.h" -o /dev/null -X PUT "$U/$K"
is "$(head -1 "$T/put.h" | tr -d '\r')" "HTTP/1.1 405 Method Not Allowed" "PUT: 405"
grep -q '^Allow: GET, HEAD, POST' "$T/put.h"
ok $? "  Allow: GET, HEAD, POST"
head -c 9000 /dev/zero | tr '\0' a >"$T/big"
is "$(code --data-binary @"$T/big" "$U/$K")" 413 "a body of 9000 bytes: 413"
hdrs=()
for i in $(seq 1 70); do hdrs+=(-H "X-Filler-$i: x"); done
is "$(code "${hdrs[@]}" "$U/$K")" 431 "70 header fields: 431"
is "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' b)" "$U/$K")" 431 \
	"a request head over 8192 bytes: 431"
is "$(code -H 'Transfer-Encoding: chunked' -d 'List-Unsubscribe=One-Click' "$U/$K")" 411 \
	"a chunked body: 411"
is "$(listed carol@example.org)" 0 "none of those suppressed carol"

# --- the client a proxy names --------------------------------------------------------
D=$(tok dave@example.org shop.example)
FROM=$(netip 7) C -o /dev/null -H 'X-Forwarded-For: 203.0.113.9, 198.51.100.7' \
	-d 'List-Unsubscribe=One-Click' "$U/$D"
like "$(CTLC suppress list | grep '^dave@example.org ')" '\(unsubscribe 198\.51\.100\.7\)$' \
	"from a proxy in [unsubscribe] proxies: the client X-Forwarded-For names"
E=$(tok erin@example.org shop.example)
C -o /dev/null -H 'X-Forwarded-For: 198.51.100.7' -d 'List-Unsubscribe=One-Click' "$U/$E"
like "$(CTLC suppress list | grep '^erin@example.org ')" "\(unsubscribe $(netip 5)\)\$" \
	"from another client: X-Forwarded-For ignored"

# --- requests per client address a minute ----------------------------------------------
codes=$(FROM=$(netip 6) C -o /dev/null -w '%{http_code}\n' "$U/$A?n=[1-61]")
is "$(echo "$codes" | head -60 | sort -u)" 200 "60 requests from one address within a minute: 200"
is "$(echo "$codes" | tail -1)" 429 "  the 61st: 429"
FROM=$(netip 6) C -D "$T/429.h" -o /dev/null "$U/$A"
like "$(sed -n 's/^Retry-After: //p' "$T/429.h" | tr -d '\r')" '^([1-9]|[1-5][0-9]|60)$' \
	"  with Retry-After (seconds until its minute ends)"
is "$(code "$U/$A")" 200 "  another address is not limited"
wait_for 5 grep -q "unsubscribe client $(netip 6): over 60 requests a minute: answering 429" "$T/policyd-p.log"
ok $? "  logged"
is "$(grep -c 'over 60 requests a minute' "$T/policyd-p.log")" 1 "  once, not per request"

# --- a slow client ---------------------------------------------------------------------
wait "$SLOW"
is "$(cat "$T/slow.out")" "HTTP/1.1 408 Request Timeout" "a request not complete in 10 s: 408"
like "$(cat "$T/slow.secs")" '^(9|10|11|12)$' "  after 10 s ($(cat "$T/slow.secs") s)"

# --- SIGHUP: a key that cannot be read keeps the running one ---------------------------------
cp "$T/unsub.key" "$T/unsub.key.good"
head -c 8 /dev/urandom >"$T/unsub.key"
before=$(wc -l <"$T/policyd-p.log")
kill -HUP "$POLICYD_PID"
wait_for 5 log_since "$T/policyd-p.log" "$before" "\[unsubscribe\] key: "
ok $? "SIGHUP with a short key: logged"
is "$(code "$U/$A")" 200 "  the running key still checks tokens"
cp "$T/unsub.key.good" "$T/unsub.key"
# rotation: a new key, the former one kept as old_key for the tokens out there
head -c 32 /dev/urandom >"$T/unsub.key.new"
chmod 600 "$T/unsub.key.new"
sed -i -e "s|^key = $T/unsub.key\$|key = $T/unsub.key.new|" -e "/^key = .*unsub.key.new\$/a old_key = $T/unsub.key" "$T/ippool.conf"
before=$(wc -l <"$T/policyd-p.log")
kill -HUP "$POLICYD_PID"
wait_for 5 log_since "$T/policyd-p.log" "$before" "configuration .* reloaded"
ok $? "SIGHUP with a new key and old_key: reloaded"
is "$(code "$U/$A")" 200 "  a token of the former key still works (old_key)"
N=$("$TOKEN" "$T/unsub.key.new" nina@example.org shop.example)
is "$(code "$U/$N")" 200 "  a token of the new key works"

# --- metrics ---------------------------------------------------------------------------
is "$(metric 'ippool_unsubscribes_total{result="stored"}')" 4 "metrics: stored 4 (alice, bob, dave, erin)"
is "$(metric 'ippool_unsubscribes_total{result="repeat"}')" 1 "metrics: repeat 1"
is "$(metric 'ippool_unsubscribes_total{result="bad_token"}')" 3 "metrics: bad_token 3"
is "$(metric 'ippool_unsubscribe_limited_total{limit="rate"}')" 2 "metrics: 2 answered 429"

# --- TLS itself, with a self-signed certificate ------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
	-subj /CN=unsub.example.com -addext subjectAltName=DNS:unsub.example.com >/dev/null 2>&1
ok $? "a self-signed certificate for unsub.example.com"
sed -e "s/^policy = .*/policy = inet:10050@$(netip 1)/" \
    -e "s/^socketmap = .*/socketmap = inet:10051@$(netip 1)/" \
    -e "s/^metrics = .*/metrics = inet:9466@$(netip 1)/" \
    -e "s/^listen = .*/listen = inet:8443@$(netip 1)/" "$T/ippool.conf" >"$T/tls.conf"
printf 'tls_cert = %s\ntls_key = %s\n' "$T/tls.crt" "$T/tls.key" >>"$T/tls.conf"
policyd_start "$T/tls.conf" tls
wait_for 5 port_open "$(netip 1)" 8443
grep -q "unsubscribe: listening on inet:8443@$(netip 1) (TLS)" "$T/policyd-tls.log"
ok $? "with tls_cert and tls_key: a TLS listener"
S=https://unsub.example.com:8443/u
R=(--resolve "unsub.example.com:8443:$(netip 1)")
F=$(tok frank@example.org shop.example)
is "$(code "${R[@]}" --cacert "$T/tls.crt" "$S/$F")" 200 "TLS, GET checked with curl --cacert: 200"
is "$(code "${R[@]}" --cacert "$T/tls.crt" -d 'List-Unsubscribe=One-Click' "$S/$F")" 200 \
	"TLS, one-click POST: 200"
is "$(listed frank@example.org)" 1 "  frank suppressed"
code "${R[@]}" "$S/$F" >/dev/null
is "$?" 60 "  without --cacert the certificate is not trusted (curl exit 60)"
policyd_stop

# --- the store fails ----------------------------------------------------------------------
# without [events]: with the outbox's writes as well, Berkeley DB grows a
# mapped region file of the full tmpfs and policyd dies of SIGBUS (a bug
# of its own, in the closing note)
sed -i -e "/^url = http:.*:9\/hook\$/d" -e "/^key = .*events.key\$/d" "$T/ippool.conf"
before=$(wc -l <"$T/policyd-p.log")
kill -HUP "$P_PID"
wait_for 5 log_since "$T/policyd-p.log" "$before" "configuration .* reloaded"
ok $? "SIGHUP without [events]: reloaded"
dd if=/dev/zero of="$T/store/filler" bs=64k >/dev/null 2>&1
# Berkeley DB may hold pages for a few more commits: those are stored
got=
for i in $(seq 1 30); do
	X=$(tok "full$i@example.org" shop.example)
	got=$(code -D "$T/full.h" -d 'List-Unsubscribe=One-Click' "$U/$X")
	[ "$got" = 200 ] && [ "$(listed "full$i@example.org")" = 1 ] && continue
	break
done
is "$got" 503 "store full: 503"
like "$(sed -n 's/^Retry-After: //p' "$T/full.h" | tr -d '\r')" '^[0-9]+$' "  with Retry-After"
is "$(listed "full$i@example.org")" 0 "  and nothing stored"
wait_for 5 grep -q "unsubscribe: full$i@example.org for sender domain shop.example from client $(netip 5): store unavailable: answering 503" "$T/policyd-p.log"
ok $? "  logged"
is "$(code -d 'List-Unsubscribe=One-Click' "$U/$X")" 503 "  and again"
rm -f "$T/store/filler"
is "$(code -d 'List-Unsubscribe=One-Click' "$U/$X")" 200 "room again: 200 without a restart"
is "$(listed "full$i@example.org")" 1 "  stored"

done_testing
