#!/bin/bash
# unsubscribe-mailto.sh - the mailto path of one-click unsubscribe with real
# Postfix: the site's Postfix and ippool-milter add List-Unsubscribe with a
# mailto URL to a delivered message; mail to that address with the URL's
# subject ("unsubscribe TOKEN", also RFC 2047 encoded) goes through the
# pipe(8) transport "ippoolctl postfix-setup" routes the address to, and
# suppresses the recipient for that sender domain only, once; the next
# RCPT from that domain gets 550 5.7.1, from another domain 250.  A
# tampered token changes nothing and the pipe exits 0.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL" "$PY"
id nobody >/dev/null 2>&1 || skip_all "no user nobody for the pipe transport"

SITE=2600
URL=https://unsub.site.test/u
hmac_key "$T/unsub.key"
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user = nobody
hourly_limit = 0
[pool tx]
ips = $(netip 3)
[unsubscribe]
url = $URL
key = $T/unsub.key
mailto = unsub@bounce.site.test
CONF
chmod 644 "$T/ippool.conf"

sink_start out "$(netip 20)"
pf_setup site $SITE <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
CONF

# --- postfix-setup routes the address to the feedback pipe -------------------
out=$(CTLC postfix-setup --dry-run --main-dir "$T/pf-site/etc" --pool-dir "$T/pf-%s/etc" 2>&1)
entry=$(printf '%s\n' "$out" | sed -n 's/^(dry run) .*master.cf: add \(ippool_feedback unix .*\)/\1/p')
like "$entry" "^ippool_feedback unix - n n - - pipe flags=DO user=nobody size=67108864 argv=$CTL -c $T/ippool.conf feedback -\$" \
	"postfix-setup without [feedback]: the pipe transport for the mailto address"
like "$out" "transport_maps = inline:\\{unsub@bounce\\.site\\.test=ippool_feedback:\\}" \
	"  the address routed to it (the address, not its whole domain)"
like "$out" "relay_domains = bounce\\.site\\.test" "  its domain accepted for relaying"
postconf -c "$T/pf-site/etc" -M "ippool_feedback/unix=$entry"
pf_set site "transport_maps = inline:{unsub@bounce.site.test=ippool_feedback:}" \
	"relay_domains = bounce.site.test"
milter_start "$T/ippool.conf"
pf_start site
smtp() { send "$(netip 1)" $SITE "$@"; }
suppressed() { CTLC suppress show "$1" 2>/dev/null | grep -q "for mail from $2: unsubscribe"; }
pipe_runs() { grep -c 'ippool_feedback.*status=sent' "$T/pf-site/maillog"; }
# a message from FROM to RCPT; prints the token of its List-Unsubscribe mailto URL
token_of() {
	local f
	f=$(deliver out "$(netip 1)" $SITE "$1" "$2" --header "From: <$1>")
	msg_header "$f" List-Unsubscribe | sed -n 's/.*<mailto:unsub@bounce\.site\.test?subject=unsubscribe%20\([A-Za-z0-9_-]*\)>$/\1/p'
}

# --- 1. the subject of the mailto URL -------------------------------------------
tok=$(token_of news@example.com heidi@gmail.com)
like "$tok" '^[A-Za-z0-9_-]{40,}$' "the delivered message's List-Unsubscribe carries a mailto URL with a token"
n=$(pipe_runs)
like "$(smtp heidi@gmail.com unsub@bounce.site.test --header "Subject: unsubscribe $tok" \
	--body "Sent by the mailbox provider's unsubscribe button.")" '^250 ' \
	"mail to the mailto address with Subject: unsubscribe TOKEN: accepted"
wait_for 20 suppressed heidi@gmail.com example.com
ok $? "  delivered through the pipe: heidi@gmail.com suppressed for example.com"
like "$(CTLC suppress show heidi@gmail.com)" '^heidi@gmail\.com for mail from example\.com: unsubscribe since .*, permanently' \
	"  reason unsubscribe, permanently"
grep -q 'ippool_feedback.*status=sent' "$T/pf-site/maillog"
ok $? "  the pipe exited 0 (status=sent)"
like "$(smtp news@example.com heidi@gmail.com)" \
	'^550 5\.7\.1 <heidi@gmail\.com>: recipient suppressed \(unsubscribe\) permanently' \
	"the next RCPT from example.com: 550 5.7.1 (reason unsubscribe)"
like "$(smtp news@example.org heidi@gmail.com)" '^250 ' "mail from example.org to her: 250"
is "$(CTLC suppress show heidi@gmail.com 2>&1 | grep -vc 'for mail from example\.com')" 0 \
	"  no address-wide suppression"

# the same request again: applied before, nothing changes
CTLC suppress del heidi@gmail.com --sender-domain example.com >/dev/null
n=$(pipe_runs)
smtp heidi@gmail.com unsub@bounce.site.test --header "Subject: unsubscribe $tok" >/dev/null
flush_until 20 site -- sh -c "[ \$(grep -c 'ippool_feedback.*status=sent' $T/pf-site/maillog) -gt $n ]"
ok $? "the same request delivered again: the pipe exits 0"
suppressed heidi@gmail.com example.com
is "$?" 1 "  applied once: the operator's removal is not undone"

# --- 2. RFC 2047 encoded subject, a reply's "Re:" --------------------------------
tok=$(token_of news@example.com ivan@gmail.com)
enc=$("$PY" -c 'import sys; from email.header import Header; print(Header("Re: unsubscribe " + sys.argv[1], "utf-8").encode())' "$tok")
like "$enc" '^=\?utf-8\?' "an encoded-word subject ($(tr -d '\n' <<<"$enc"))"
like "$(smtp ivan@gmail.com unsub@bounce.site.test --header "Subject: $enc")" '^250 ' "  accepted"
wait_for 20 suppressed ivan@gmail.com example.com
ok $? "  decoded (GMime): ivan@gmail.com suppressed for example.com"

# --- 3. a tampered token: nothing changes --------------------------------------
tok=$(token_of news@example.com judy@gmail.com)
# the 5th character is issue-time bits only: still well formed, the MAC fails
bad=${tok:0:4}$([ "${tok:4:1}" = A ] && echo B || echo A)${tok:5}
n=$(pipe_runs)
smtp judy@gmail.com unsub@bounce.site.test --header "Subject: unsubscribe $bad" >/dev/null
flush_until 20 site -- sh -c "[ \$(grep -c 'ippool_feedback.*status=sent' $T/pf-site/maillog) -gt $n ]"
ok $? "a tampered token: the pipe exits 0 (handled)"
suppressed judy@gmail.com example.com
is "$?" 1 "  judy@gmail.com not suppressed"
like "$(smtp news@example.com judy@gmail.com)" '^250 ' "  mail from example.com to her still passes"
# the pipe logs to syslog and to stderr (into the pipe's bounce text): run it by hand
printf 'From: judy@gmail.com\nSubject: unsubscribe %s\n\nx\n' "$bad" >"$T/bad.eml"
CTLC feedback --json "$T/bad.eml" >"$T/bad.json" 2>"$T/bad.err"
is "$?" 0 "ippoolctl feedback on it: exit 0"
is "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["kind"], d["token"], d["source"], repr(d["recipient"]))' "$T/bad.json")" \
	"unsubscribe invalid token ''" "  a finding of kind unsubscribe, token invalid"
like "$(cat "$T/bad.err")" 'unsubscribe request by mail; token [A-Za-z0-9_-]+ refused \(bad signature\): not applied' \
	"  logged: refused, not applied"
printf 'From: judy@gmail.com\nSubject: unsubscribe %s\n\nx\n' "$tok" >"$T/good.eml"
is "$(CTLC feedback --dry-run --json "$T/good.eml" 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], d["token"], d["recipient"], d["sender_domain"], d["source"])')" \
	"unsubscribe valid judy@gmail.com example.com token" "the real token with --dry-run: valid, recipient and sender domain"
suppressed judy@gmail.com example.com
is "$?" 1 "  --dry-run applies nothing"

pf_stop site
milter_stop
done_testing
