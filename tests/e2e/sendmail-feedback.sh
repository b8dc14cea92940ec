#!/bin/bash
# sendmail-feedback.sh - the return path under a real Sendmail 8.17, wired
# by "ippoolctl sendmail-mc": the milter rewrites the envelope sender of
# news@site.test to fb-TOKEN@bounce.site.test as under Postfix (the sink
# sees that MAIL FROM); a Postfix playing the recipient's MX accepts the
# message, fails it locally and sends its real DSN to the return path
# through Sendmail, whose ippool_feedback mailer runs "ippoolctl feedback
# -": the recipient is suppressed and the next message to it gets 550
# 5.7.1.  With the store failing the mailer exits 75 and Sendmail keeps
# the DSN queued, and applies it on the next queue run.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"
need_sendmail
id nobody >/dev/null 2>&1 || skip_all "no user nobody for the feedback mailer"

PORT=10026		# Sendmail, the site
MX=2525			# the recipient's MX, on $(netip 21)
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
CONF
chmod 644 "$T/ippool.conf"

CTLC sendmail-mc --milter-only >"$T/fragment.mc"
is "$?" 0 "ippoolctl sendmail-mc with [feedback]"
like "$(grep '^Mippool_feedback' "$T/fragment.mc")" "^Mippool_feedback,	P=$CTL, F=lsDFMq, " \
	"  a local mailer running this ippoolctl"
like "$(tr -d '\n' <"$T/fragment.mc" | sed 's/.*Mippool_feedback/M/')" \
	"U=nobody, M=67108864, .*A=ippoolctl -c $T/ippool.conf feedback --recipient [$]u -" \
	"  as the [milter] user, 64 MB at most, on this configuration"
is "$(grep -c '^RELAY_DOMAIN(`bounce.site.test'"'"')dnl$\|^C{IppoolFeedback}bounce.site.test$' "$T/fragment.mc")" 2 \
	"  bounce.site.test relayed and in class {IppoolFeedback}"

sink_start out "$(netip 20)"
# the recipient's MX: takes rcpt.test, local(8) knows no user there; other
# domains go on to the sink; its bounces to bounce.site.test go back to
# the site's Sendmail
pf_setup mx 2601 <<CONF
myhostname = mx.rcpt.test
mydestination = rcpt.test
transport_maps = inline:{bounce.site.test=smtp:[$(netip 1)]:$PORT}
CONF
postconf -c "$T/pf-mx/etc" -M "$(netip 21):$MX/inet = $(netip 21):$MX inet n - n - - smtpd"
{
	cat "$T/fragment.mc"
	printf 'RELAY_DOMAIN(`127'"'"')dnl\n'
	# everything leaves through the MX (Sendmail's smart host)
	printf 'define(`SMART_HOST'"'"', `esmtp:[%s]'"'"')dnl\n' "$(netip 21)"
} >"$T/site.mc"
sm_setup site $PORT <"$T/site.mc"
bt() { printf '3,0 %s\n' "$1" | sm_env "$SM_BIN" -C "$T/sm-site/test.cf" -bt 2>&1 | grep 'parse  *returns'; }
like "$(bt fb-abc@bounce.site.test)" 'returns: \$# ippool_feedback \$@ bounce \. site \. test \$: fb-abc < @ bounce \. site \. test >' \
	"sendmail -bt: the return domain resolves to the ippool_feedback mailer"
like "$(bt someone@rcpt.test)" 'returns: \$# esmtp ' "  other domains do not"
milter_start "$T/ippool.conf"
pf_start mx
sm_start site
smtp() { send "$(netip 1)" $PORT "$@"; }
suppressed() { CTLC suppress show "$1" 2>/dev/null | grep -q "$2"; }
sm_queue() { find "$T/sm-site/mqueue" -name 'qf*' | wc -l; }
sm_run_queue() { sm_env "$SM_BIN" -C "$T/sm-site/test.cf" -q >/dev/null 2>&1; }

# --- the return path, as the sink sees it ---------------------------------------------------
deliver out "$(netip 1)" $PORT news@site.test someone@sink.test --header "From: News <news@site.test>" >"$T/f"
f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "through Sendmail: a message from news@site.test accepted"
tok=$(sed -n 's/.*return path from=<news@site.test> -> <\(fb-[a-z2-7]\{24\}@bounce.site.test\)>.*/\1/p' "$T/milter-m.log" | head -1)
like "$tok" '^fb-[a-z2-7]{24}@bounce\.site\.test$' "  the milter logged the rewritten return path with the original sender"
is "$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f" 2>/dev/null)" "$tok" \
	"  the sink saw MAIL FROM:<$tok>"

# --- a real DSN comes back through Sendmail's feedback mailer ------------------------------------
like "$(smtp news@site.test nosuch@rcpt.test --header "From: News <news@site.test>")" '^250 ' \
	"a message to a recipient the MX does not know: accepted"
wait_for 30 suppressed nosuch@rcpt.test bounce
ok $? "the MX's DSN reached ippoolctl feedback through the ippool_feedback mailer: nosuch@rcpt.test suppressed"
like "$(CTLC suppress show nosuch@rcpt.test)" 'bounce.*feedback .* dsn: 5\.1\.1' "  reason bounce, from the DSN's 5.1.1"
wait_for 5 sh -c "[ \$(find '$T/sm-site/mqueue' -name 'qf*' | wc -l) -eq 0 ]"
ok $? "  the DSN left Sendmail's queue (the mailer exited 0)"
like "$(smtp news@site.test nosuch@rcpt.test)" \
	'^550 5\.7\.1 <nosuch@rcpt\.test>\.\.\. <nosuch@rcpt\.test>: recipient suppressed \(bounce\)' \
	"the next message to that recipient through Sendmail: 550 5.7.1"

# --- the store fails: exit 75, Sendmail keeps the DSN ---------------------------------------
cp "$T/ippool.conf" "$T/ippool.conf.good"
sed -i "s|^path = .*|path = /proc/ippool-no-store|" "$T/ippool.conf"	# what the mailer reads
like "$(smtp news@site.test nosuch2@rcpt.test)" '^250 ' "store unavailable to the mailer: a message to nosuch2@rcpt.test"
wait_for 30 sh -c "grep -q 'to=<nosuch2@rcpt.test>.*status=bounced' '$T/pf-mx/maillog' && grep -q 'to=<fb-.*status=sent' '$T/pf-mx/maillog'"
ok $? "  the MX bounced it and sent its DSN back to Sendmail"
wait_for 10 sh -c "[ \$(find '$T/sm-site/mqueue' -name 'qf*' | wc -l) -ge 1 ]"
ok $? "  the mailer's exit 75 left the DSN in Sendmail's queue"
sleep 1
is "$(sm_queue)" 1 "  (exactly that one message queued)"
"$CTL" -c "$T/ippool.conf.good" suppress show nosuch2@rcpt.test >/dev/null 2>&1
is "$?" 1 "  nothing suppressed yet"
cp "$T/ippool.conf.good" "$T/ippool.conf"
sm_run_queue
wait_for 20 suppressed nosuch2@rcpt.test bounce
ok $? "the store back, a queue run (sendmail -q) delivers it: nosuch2@rcpt.test suppressed"
wait_for 10 sh -c "[ \$(find '$T/sm-site/mqueue' -name 'qf*' | wc -l) -eq 0 ]"
ok $? "  and Sendmail's queue is empty"
done_testing
