#!/bin/bash
# feedback.sh - the feedback loop end to end with real Postfix: the site's
# Postfix and ippool-milter rewrite the envelope sender of news@site.test
# to a return-path token at bounce.site.test; a second Postfix, the
# recipient's MX, accepts the message and then fails to deliver it
# locally, so its bounce daemon sends a real DSN to that return path; the
# DSN comes back to the site, goes through the pipe(8) transport that
# "ippoolctl postfix-setup" defines, and the next message to that
# recipient gets 550 5.7.1.  The same for ARF complaints built per RFC
# 5965 around a delivered message: suppressed for that sender domain only,
# counted, and enough of them pause the sender domain.  A forged token
# changes nothing; a store failure makes the pipe exit 75 and Postfix keep
# the report until it works again.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL" "$PY"
id nobody >/dev/null 2>&1 || skip_all "no user nobody for the pipe transport"

SITE=2600
MX=2601
hmac_key "$T/fb.key"
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user = nobody
hourly_limit = 0
[pool tx]
ips = $(netip 3)
senders = @site.test
[feedback]
key = $T/fb.key
domains = site.test
complaint_min = 2
CONF
chmod 644 "$T/ippool.conf"

sink_start out "$(netip 20)"
# the recipient's MX: takes rcpt.test, local(8) knows no user there; its
# bounces to bounce.site.test go back to the site
pf_setup mx $MX <<CONF
myhostname = mx.rcpt.test
mydestination = rcpt.test
transport_maps = inline:{bounce.site.test=smtp:[$(netip 1)]:$SITE}
CONF
pf_setup site $SITE <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
transport_maps = inline:{rcpt.test=smtp:[$(netip 1)]:$MX}
CONF

# --- postfix-setup's part ------------------------------------------------------
out=$(CTLC postfix-setup --dry-run --main-dir "$T/pf-site/etc" --pool-dir "$T/pf-%s/etc" 2>&1)
entry=$(printf '%s\n' "$out" | sed -n 's/^(dry run) .*master.cf: add \(ippool_feedback unix .*\)/\1/p')
like "$entry" "^ippool_feedback unix - n n - - pipe flags=DO user=nobody size=67108864 argv=$CTL -c $T/ippool.conf feedback -\$" \
	"postfix-setup: a pipe transport running ippoolctl feedback as the [milter] user"
like "$out" "transport_maps = inline:\\{bounce.site.test=ippool_feedback:\\}, inline:\\{rcpt.test=" \
	"  the return domain routed to it, before the other maps"
like "$out" "relay_domains = bounce.site.test" "  and accepted for relaying"
# the site takes exactly these (its pool instance is none of this test's business)
postconf -c "$T/pf-site/etc" -M "ippool_feedback/unix=$entry"
pf_set site "transport_maps = inline:{bounce.site.test=ippool_feedback:}, inline:{rcpt.test=smtp:[$(netip 1)]:$MX}" \
	"relay_domains = bounce.site.test"
milter_start "$T/ippool.conf"
pf_start mx
pf_start site
smtp() { send "$(netip 1)" $SITE "$@"; }
suppressed() { CTLC suppress show "$1" 2>/dev/null | grep -q "$2"; }

# --- the return path ----------------------------------------------------------------
like "$(smtp news@site.test nosuch@rcpt.test --header "From: News <news@site.test>")" '^250 ' \
	"a message to a recipient the MX does not know: accepted"
wait_for 10 grep -q 'return path from=<news@site.test> -> <fb-[a-z2-7]\{24\}@bounce.site.test>' "$T/milter-m.log"
ok $? "  the milter rewrote its envelope sender to a token at bounce.site.test (logged with the original)"

# --- the DSN comes back -------------------------------------------------------------
flush_until 40 site mx -- suppressed nosuch@rcpt.test bounce
ok $? "the MX's DSN went back through the pipe transport: nosuch@rcpt.test suppressed"
like "$(CTLC suppress show nosuch@rcpt.test)" 'bounce.*feedback .* dsn: 5\.1\.1' "  reason bounce, from the DSN's 5.1.1"
grep -q 'ippool_feedback.*status=sent' "$T/pf-site/maillog"
ok $? "  Postfix logged the report delivered to ippool_feedback"
like "$(smtp news@site.test nosuch@rcpt.test)" '^550 5\.7\.1 <nosuch@rcpt.test>: recipient suppressed \(bounce\)' \
	"the next message to that recipient: 550 5.7.1"
like "$(CTLC sender status site.test)" '^site\.test: 0 delivered, 1 hard bounces in 24h' \
	"the asynchronous bounce counted for site.test"

# --- a policy refusal after acceptance is no hard bounce -------------------------------
# (the MX refuses policy@ at RCPT: the site's own DSN, same path back)
printf 'policy@rcpt.test 550 5.7.1 Message rejected due to local policy\n' >"$T/refuse"
pf_set mx "smtpd_recipient_restrictions = check_recipient_access texthash:$T/refuse, permit_mynetworks, reject"
pf_reload mx
smtp news@site.test policy@rcpt.test >/dev/null
hard_count() { CTLC sender status site.test | sed -n 's/.* \([0-9]*\) hard bounces.*/\1/p'; }
two_hard() { [ "$(hard_count)" -ge 2 ]; }
flush_until 40 site mx -- two_hard
ok $? "a 5.7.1 refusal: its DSN came back and was counted"
CTLC suppress show policy@rcpt.test >/dev/null 2>&1
is "$?" 1 "  but policy@rcpt.test is not suppressed (the address works)"

# --- ARF complaints -------------------------------------------------------------------
pf_set site "transport_maps = inline:{bounce.site.test=ippool_feedback:}, inline:{rcpt.test=smtp:[$(netip 1)]:$MX}, inline:{sink.test=smtp:[$(netip 20)]:2525}"
pf_reload site
arf() {	# arf DUMP: an RFC 5965 report around the delivered message
	"$PY" "$src/tests/e2e/arf.py" "$1"
}
complain() {	# complain RCPT: deliver a message to it, then report it
	local f
	f=$(deliver out "$(netip 1)" $SITE news@site.test "$1" --header "From: news@site.test")
	[ "$f" != none ] || return 1
	arf "$f" >"$T/arf.eml"
	smtp fbl@isp.test fbl@bounce.site.test --data "$T/arf.eml" >/dev/null
}
complain one@sink.test
ok $? "a message to one@sink.test delivered, and an ARF report about it sent"
wait_for 20 suppressed one@sink.test complaint
ok $? "  one@sink.test suppressed (complaint)"
like "$(CTLC suppress show one@sink.test)" 'for mail from site\.test: complaint' "  for mail from site.test"
like "$(smtp other@other.test one@sink.test)" '^250 ' "  mail from another sender domain still reaches it"
like "$(smtp news@site.test one@sink.test)" '^550 5\.7\.1 <one@sink.test>: recipient suppressed \(complaint\)' \
	"  mail from site.test: 550 5.7.1"
like "$(CTLC sender status site.test | tail -1)" '^site\.test: 1 complaints in 24h, complaint rate .* \(block at 0\.30% with 2\+ messages\)$' \
	"  the complaint counted (sender status)"
complain two@sink.test
wait_for 20 suppressed two@sink.test complaint
ok $? "a second complaint applied"
like "$(smtp news@site.test someone@rcpt.test)" '^451 4\.7\.1 sending for site\.test paused: complaint rate [0-9.]+% over 24h' \
	"  the complaint-rate guard pauses site.test at MAIL FROM, with the rate"
is "$(CTLC sender status site.test --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["complaints"], d["paused"], d["paused_by"])')" \
	"2 True complaints" "  sender status --json: 2 complaints, paused by complaints"
n=$(CTLC suppress export | wc -l)
smtp fbl@isp.test fbl@bounce.site.test --data "$T/arf.eml" >/dev/null
flush_until 10 site -- sh -c "[ \$(grep -c 'ippool_feedback.*status=sent' $T/pf-site/maillog) -ge 5 ]"
is "$(CTLC suppress export | wc -l)" "$n" "the same report again: nothing changes"
like "$(CTLC sender status site.test | tail -1)" '^site\.test: 2 complaints' "  not counted twice"
CTLC sender resume site.test >/dev/null

# --- a forged token ---------------------------------------------------------------------
forged=fb-$(head -c 15 /dev/urandom | base32 | tr 'A-Z' 'a-z' | cut -c1-24)@bounce.site.test
sed "s/nosuch@rcpt.test/victim@rcpt.test/g; s/^To: .*/To: $forged/" \
	"$src/tests/data/feedback/postfix-failed-nosuch.eml" >"$T/forged.eml"
before=$(grep -c 'ippool_feedback.*status=sent' "$T/pf-site/maillog")
smtp MAILER-DAEMON@mx.rcpt.test "$forged" --data "$T/forged.eml" >/dev/null
flush_until 20 site -- sh -c "[ \$(grep -c 'ippool_feedback.*status=sent' $T/pf-site/maillog) -gt $before ]"
ok $? "a DSN to a forged token: handled (exit 0, the report is not kept)"
CTLC suppress show victim@rcpt.test >/dev/null 2>&1
is "$?" 1 "  and nothing suppressed"

# --- the store fails: exit 75, Postfix keeps the report ---------------------------------
cp "$T/ippool.conf" "$T/ippool.conf.good"
# what the pipe reads: a store it cannot open (the milter keeps its own),
# before the message goes out: its bounce can be back within the second
sed -i "s|^path = .*|path = /proc/ippool-no-store|" "$T/ippool.conf"
smtp news@site.test nosuch3@rcpt.test >/dev/null
flush_until 40 site mx -- grep -q 'ippool_feedback.*status=deferred' "$T/pf-site/maillog"
ok $? "store unavailable: the pipe transport defers the report"
like "$(grep 'ippool_feedback.*status=deferred' "$T/pf-site/maillog" | tail -1)" 'dsn=4\.' "  with a 4.x.x status (exit 75)"
ok "$([ "$(pf_queue_count site)" -ge 1 ]; echo $?)" "  and Postfix keeps it in its queue"
cp "$T/ippool.conf.good" "$T/ippool.conf"
flush_until 40 site -- suppressed nosuch3@rcpt.test bounce
ok $? "the store back: the retried report applies"
done_testing
