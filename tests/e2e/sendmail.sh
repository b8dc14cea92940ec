#!/bin/bash
# sendmail.sh - ippool under a real Sendmail 8.17 (unpacked from Debian's
# packages), wired by the fragment "ippoolctl sendmail-mc" prints: the pool
# tag, the suppression list, the hourly limit, DKIM signing and the
# one-click unsubscribe headers behave as under Postfix; with the milter down Sendmail tempfails (F=T); with
# routing, mail from a tx sender reaches the tx pool instance (a Postfix
# set up by "ippoolctl postfix-setup") and leaves from a tx address.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$POLICYD" "$CTL"
need_sendmail
"$PY" -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim or python3-nacl missing"

PORT=10026

# DKIM keys for example.com (RSA and Ed25519) and their records for the verifier
{
	genkey example.com rsa1
	genkey example.com ed1 --type ed25519
} >>"$T/keytable"
head -c 32 /dev/urandom >"$T/unsub.key"
chmod 600 "$T/unsub.key"

# swaks's default source on lo is 127.0.0.1; $(netip 9) plays an outside client
milter_conf <<CONF
hourly_limit = 2
internal_hosts = 127.0.0.1 $(netip 1) $(netip 2)
[pool tx]
ips = $(netip 3)
senders = noreply@example.com @tx.example
[pool bulk]
ips = $(netip 4)
senders = @news.example
[pool default]
ips = $(netip 5)
$(policy_section)
[dkim]
keytable = $T/keytable
[unsubscribe]
url = https://unsub.example.com/u
key = $T/unsub.key
mailto = unsub@bounce.example.com
CONF

CTLC sendmail-mc --milter-only >"$T/fragment.mc"
is "$?" 0 "ippoolctl sendmail-mc --milter-only"
like "$(grep INPUT_MAIL_FILTER "$T/fragment.mc")" \
	"S=inet:$MPORT@$(netip 1), F=T," "the fragment names the milter's socket, F=T"

sink_start out "$(netip 20)"
# Sendmail relays for localhost only by default: let the other 127/8
# addresses (the outside and inside clients of this test) relay too
{ cat "$T/fragment.mc"; printf 'RELAY_DOMAIN(`127'"'"')dnl\n'; } >"$T/main.mc"
sm_setup main $PORT <"$T/main.mc"
grep -q "^Xippool, S=inet:$MPORT@$(netip 1), F=T" "$T/sm-main/test.cf"
ok $? "sendmail.cf built from the fragment declares the milter"
grep -q '^O Milter.macros.envfrom=.*{auth_authen}, {client_addr}, {client_port}' "$T/sm-main/test.cf"
ok $? "  and passes {auth_authen}, {client_addr} and {client_port} at MAIL FROM"
grep -q '^O Milter.macros.eom=.*, i$' "$T/sm-main/test.cf"
ok $? "  and the queue ID at the end of the message"
milter_start "$T/ippool.conf"
sm_start main

deliver_sm() { deliver out "$(netip 1)" $PORT "$@"; }

deliver_sm noreply@example.com someone@gmail.com >"$T/f"; f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "through Sendmail: accepted"
check_tag "$f" tx "Sendmail, sender address"
deliver_sm editor@news.example someone@yahoo.com >"$T/f"; f=$(cat "$T/f")
check_tag "$f" bulk "Sendmail, @domain"
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"bulk\"}}").decode())')
deliver_sm a@tx.example someone@gmail.com --add-header "X-Settings: $forged" >"$T/f"; f=$(cat "$T/f")
check_tag "$f" tx "Sendmail, client-supplied X-Settings"
wait_for 5 grep -Eq 'pool=tx by=domain from=<a@tx.example> removed client tag' "$T/milter-m.log"
ok $? "the milter logs Sendmail's queue ID with the pool"
like "$(grep 'by=domain from=<a@tx.example>' "$T/milter-m.log")" '^ippool-milter: [0-9A-Za-z]{14}: ' \
	"  (the i macro arrives at the end of the message)"

CTLC suppress add gone@example.com --reason bounce --permanent >/dev/null
# Sendmail puts "<addr>... " before a refused recipient's text
is "$(smtp noreply@example.com gone@example.com)" \
	"550 5.7.1 <gone@example.com>... <gone@example.com>: recipient suppressed (bounce) permanently" \
	"Sendmail: suppressed recipient gets the same 550 5.7.1 and text"
for i in 1 2; do
	like "$(smtp noreply@example.com busy@example.com)" '^250 ' "Sendmail: message $i of 2 to busy@ accepted"
done
like "$(smtp noreply@example.com busy@example.com)" \
	'^451 4.7.1 <busy@example.com>: hourly limit of 2 messages reached, retry after [0-9]{2}:[0-9]{2} UTC$' \
	"Sendmail: the third gets the same 451 4.7.1"

# DKIM: both signatures of a message through Sendmail verify with python3-dkim
deliver_sm noreply@example.com signed@gmail.com --header "From: <noreply@example.com>" >"$T/f"
f=$(cat "$T/f")
out=$("$PY" "$src/tests/e2e/dkimverify.py" "$T/records" "$f" 2>&1)
like "$(grep -c ' pass$' <<<"$out")" '^2$' "Sendmail: rsa-sha256 and ed25519-sha256 signatures verify ($(echo $out | tr '\n' ' '))"
like "$out" 'h=[^ ]*[Xx]-[Ss]ettings' "  X-Settings is signed"
lu=$(msg_header "$f" List-Unsubscribe)
like "$lu" '^<https://unsub\.example\.com/u/[A-Za-z0-9_-]+>, <mailto:unsub@bounce\.example\.com\?subject=unsubscribe%20[A-Za-z0-9_-]+>$' \
	"Sendmail: List-Unsubscribe <URL/TOKEN>, <mailto:...> ($lu)"
is "$(msg_header "$f" List-Unsubscribe | wc -l) $(msg_header "$f" List-Unsubscribe-Post)" \
	"1 List-Unsubscribe=One-Click" "  exactly once each, with List-Unsubscribe-Post: List-Unsubscribe=One-Click"
is "$(CTLC unsubscribe check "$(sed -n 's|^<https://unsub.example.com/u/\([A-Za-z0-9_-]*\)>.*|\1|p' <<<"$lu")" | sed 's/ issued=.*//')" \
	"valid: recipient=signed@gmail.com sender_domain=example.com" "  its token names the recipient and example.com"
for a in rsa-sha256 ed25519-sha256; do
	h=$(awk -v a="a=$a" '$1 == a { print $4 }' <<<"$out")
	is "$(tr ':' '\n' <<<"${h#h=}" | grep -cix List-Unsubscribe) $(tr ':' '\n' <<<"${h#h=}" | grep -cix List-Unsubscribe-Post)" \
		"2 2" "  $a: both in h= twice (present + oversigned)"
done

# inbound through Sendmail: an outside client gets no signature, no tag, no limit
deliver_sm noreply@example.com inbound@example.com --header "From: <noreply@example.com>" \
	--add-header "X-Settings: $forged" --local-interface "$(netip 9)" >"$T/f"
f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "Sendmail, outside client: accepted"
is "$(msg_header "$f" DKIM-Signature | wc -l)" 0 "  inbound: not signed"
is "$(msg_header "$f" X-Settings | wc -l)" 0 "  inbound: its X-Settings removed, none added"
wait_for 5 grep -q "inbound (client $(netip 9) not authenticated and not in internal_hosts)" "$T/milter-m.log"
ok $? "  logged as inbound, with Sendmail's {client_addr}"
n=0
for i in 1 2 3 4; do
	case $(send "$(netip 1)" $PORT friend@elsewhere.example busy@example.com \
		--local-interface "$(netip 9)") in 250*) n=$((n + 1)) ;; esac
done
is "$n" 4 "  inbound to busy@ (over its limit of 2): never limited"
deliver_sm noreply@example.com out2@gmail.com --header "From: <noreply@example.com>" \
	--local-interface "$(netip 2)" >"$T/f"
f=$(cat "$T/f")
is "$("$PY" "$src/tests/e2e/dkimverify.py" "$T/records" "$f" 2>&1 | grep -c ' pass$')" 2 \
	"Sendmail, internal client $(netip 2): outbound, both signatures verify"

milter_stop
before=$(sink_count out)
reply=$(smtp noreply@example.com someone@gmail.com)
like "$reply" '^4[0-9][0-9] ' "milter stopped: Sendmail tempfails (F=T): $reply"
sleep 2
is "$(sink_count out)" "$before" "milter stopped: nothing delivered untagged"
milter_start "$T/ippool.conf"

# --- routing: Sendmail -> the pool's Postfix instance -> the pool's IP ------
pf_setup main 10025 </dev/null			# only for postfix-setup's main side
pf_setup tx 10031 </dev/null
pf_setup bulk 10032 </dev/null
pf_setup default 10033 </dev/null
"$CTL" -c "$T/ippool.conf" postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" \
	>"$T/setup.out" 2>&1
is "$?" 0 "postfix-setup: the pool instances"
for p in tx bulk default; do pf_start "$p"; done
policyd_start "$T/ippool.conf"

RPORT=10027
CTLC sendmail-mc >"$T/routed.mc"
grep -q '^Kippool_route socket -f -T<TMPF> inet:10041@' "$T/routed.mc"
ok $? "the full fragment declares policyd's socket map"
sm_setup routed $RPORT <"$T/routed.mc"
grep -q "^Mippool_relay_tx,.*" "$T/sm-routed/test.cf" && grep -q 'A=TCP $h 10031$' "$T/sm-routed/test.cf"
ok $? "  and a relay mailer per pool, to its instance's port"
sm_start routed

check_route() {	# check_route FROM TO POOL IPS...
	local from=$1 to=$2 pool=$3 f ip; shift 3
	deliver out "$(netip 1)" $RPORT "$from" "$to" >"$T/f"
	f=$(cat "$T/f")
	like "$LAST_REPLY" '^250 ' "routed Sendmail: $from accepted"
	ip=$(msg_source_ip "$f" 2>/dev/null)
	like " $* " " $ip " "  $from -> $to left from a $pool address ($ip)"
	check_tag "$f" "$pool" "  $from"
}
check_route noreply@example.com route-tx@gmail.com tx "$(netip 3)"
check_route editor@news.example route-bulk@yahoo.com bulk "$(netip 4)"
check_route stranger@else.example route-default@gmail.com default "$(netip 5)"
grep -q 'postfix/ippool-tx-[12]/smtp\[[0-9]*\]: [0-9A-Za-z]*: to=<route-tx@gmail.com>' "$T/pf-tx/maillog"
ok $? "  the tx message went through the tx instance"
# address test mode: which mailer each address resolves to
bt() { printf '3,0 %s\n' "$1" | sm_env "$SM_BIN" -C "$T/sm-routed/test.cf" -bt 2>&1 | grep 'parse  *returns'; }
like "$(bt someone@gmail.com)" 'returns: \$# ippool_relay_tx \$@ \[ 127 \. 0 \. 0 \. 1 \]|returns: \$# ippool_relay_' \
	"sendmail -bt: a remote address resolves to a pool's relay mailer"
like "$(bt root@mta.example.test)" 'returns: \$# local ' "  the host's own name stays local"

policyd_stop
reply=$(SMTP_PORT=$RPORT smtp noreply@example.com later@gmail.com)
like "$reply" '^451 4.3.0 ippool routing is unavailable, try again later$' \
	"policyd down: routed Sendmail answers 451 ($reply)"

done_testing
