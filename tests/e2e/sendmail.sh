#!/bin/bash
# sendmail.sh - ippool-milter under a real Sendmail 8.17 (unpacked from
# Debian's packages), wired by the fragment "ippoolctl sendmail-mc" prints:
# the pool tag, the suppression list and the hourly limit behave exactly
# as under Postfix, and with the milter down Sendmail tempfails (F=T).
. "$(dirname "$0")/lib.sh"
need_root
need smtp-sink swaks "$MILTER" "$CTL"
need_sendmail

MPORT=8891
PORT=10026
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user =
hourly_limit = 2
[pool tx]
ips = $(netip 3)
senders = noreply@example.com @tx.example
[pool bulk]
ips = $(netip 4)
senders = @news.example
[pool default]
ips = $(netip 5)
CONF
CTLC() { "$CTL" -c "$T/ippool.conf" "$@"; }

CTLC sendmail-mc --milter-only >"$T/fragment.mc"
is "$?" 0 "ippoolctl sendmail-mc --milter-only"
like "$(grep INPUT_MAIL_FILTER "$T/fragment.mc")" \
	"S=inet:$MPORT@$(netip 1), F=T," "the fragment names the milter's socket, F=T"

sink_start out "$(netip 20)"
sm_setup main $PORT <"$T/fragment.mc"
grep -q "^Xippool, S=inet:$MPORT@$(netip 1), F=T" "$T/sm-main/test.cf"
ok $? "sendmail.cf built from the fragment declares the milter"
grep -q '^O Milter.macros.envfrom=.*{auth_authen}, {client_port}' "$T/sm-main/test.cf"
ok $? "  and passes {auth_authen} and {client_port} at MAIL FROM"
grep -q '^O Milter.macros.eom=.*, i$' "$T/sm-main/test.cf"
ok $? "  and the queue ID at the end of the message"
milter_start "$T/ippool.conf"
sm_start main
smtp() { send "$(netip 1)" $PORT "$@"; }

deliver_sm() { deliver out "$(netip 1)" $PORT "$@"; }
check_tag() {
	local f=$1 pool=$2 what=$3 tags
	tags=$(msg_header "$f" X-Settings 2>/dev/null)
	is "$(printf '%s\n' "$tags" | grep -c .)" 1 "$what: exactly one X-Settings header"
	is "$(xsettings_pool "$(printf '%s\n' "$tags" | head -1)" 2>/dev/null)" "$pool" \
		"$what: X-Settings names pool $pool"
}

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

milter_stop
before=$(sink_count out)
reply=$(smtp noreply@example.com someone@gmail.com)
like "$reply" '^4[0-9][0-9] ' "milter stopped: Sendmail tempfails (F=T): $reply"
sleep 2
is "$(sink_count out)" "$before" "milter stopped: nothing delivered untagged"

done_testing
