#!/bin/bash
# generate.sh - make the real bounces of this corpus again: private Postfix
# (and, when it can be fetched, Sendmail) instances send to a second Postfix
# playing the recipient's MX, and the DSNs they write are caught by
# smtp-sink.  Not part of "make check": the files it made are kept in this
# directory, each with its FILE.expect; run it by hand (as root) and review
# the differences.  Usage: top_builddir=... bash tests/data/feedback/generate.sh OUTDIR
. "$(dirname "$0")/../../e2e/lib.sh"
need_root
need postfix smtp-sink swaks
out=${1:?usage: generate.sh OUTDIR}
mkdir -p "$out"

sink_start dsn "$(netip 20)"
# the recipient's MX: accepts rcpt.test, then local(8) fails unknown users;
# some recipients are refused at RCPT, as a provider would
mkdir -p "$T/mxmail"
cat >"$T/refuse" <<EOC
policy@rcpt.test 550 5.7.1 Message rejected due to local policy
spam@rcpt.test 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org
full@rcpt.test 552 5.2.2 Mailbox full, quota exceeded
gone@rcpt.test 550 5.1.1 The email account that you tried to reach does not exist
later@rcpt.test 452 4.2.2 Mailbox full, try again later
EOC
pf_setup mx 2601 <<EOC
myhostname = mx.rcpt.test
mydestination = rcpt.test
mail_spool_directory = $T/mxmail
smtpd_recipient_restrictions = check_recipient_access texthash:$T/refuse, permit_mynetworks, reject
EOC
postconf -c "$T/pf-mx/etc" -M "$(netip 21):2525/inet = $(netip 21):2525 inet n - n - - smtpd"
pf_start mx
# the sending site: rcpt.test through the MX, everything else (the DSNs to
# sender@site.test) to the sink
pf_setup site 2600 <<EOC
myhostname = mta.site.test
transport_maps = inline:{rcpt.test=smtp:[$(netip 1)]:2601}
delay_warning_time = 1s
EOC
pf_start site

snd() {	# snd RCPT
	send "$(netip 1)" 2600 "sender@site.test" "$1" --header "Subject: test to $1" >/dev/null
}
for r in nosuch@rcpt.test policy@rcpt.test spam@rcpt.test full@rcpt.test gone@rcpt.test later@rcpt.test; do
	snd "$r"
done
send "$(netip 1)" 2600 sender@site.test "a@rcpt.test" --to "a@rcpt.test,nosuch2@rcpt.test,gone@rcpt.test" >/dev/null
flush_until 40 site mx -- sink_has dsn 8
sleep 4
pf_flush site
sleep 4
# named by the first recipient the report is about; smtp-sink's own lines
# come first and are dropped
for f in $(sink_files dsn); do
	r=$(sed -n 's/^\(Final\|Original\)-Recipient: rfc822; *\([^@]*\)@.*/\2/p' "$f" | head -1)
	a=$(sed -n 's/^Action: *//p' "$f" | head -1)
	sed '1,/^X-Rcpt-Args:/d' "$f" >"$out/postfix-$a-$r.eml"
done

# Sendmail 8.17, when it can be fetched: its DSN for a recipient the MX refuses
if sm_fetch; then
	sm_setup site 2700 <<EOC
define(\`SMART_HOST', \`esmtp:[$(netip 21)]')dnl
EOC
	sm_start site
	sink_clear dsn
	send "$(netip 1)" 2700 "sender@site.test" gone@rcpt.test --header "Subject: sendmail to gone" >/dev/null
	send "$(netip 1)" 2700 "sender@site.test" policy@rcpt.test --header "Subject: sendmail to policy" >/dev/null
	sink_wait dsn 2 60
	for f in $(sink_files dsn); do
		r=$(sed -n 's/^Final-Recipient: RFC822; *\([^@]*\)@.*/\1/Ip' "$f" | head -1)
		sed '1,/^X-Rcpt-Args:/d' "$f" >"$out/sendmail-$r.eml"
	done
	# the same without MIME (confMIME_FORMAT_ERRORS False): the old text bounce
	sm_setup old 2701 <<EOC
define(\`SMART_HOST', \`esmtp:[$(netip 21)]')dnl
define(\`confMIME_FORMAT_ERRORS', \`False')dnl
EOC
	sm_start old
	sink_clear dsn
	send "$(netip 1)" 2701 "sender@site.test" gone@rcpt.test --header "Subject: old sendmail" >/dev/null
	sink_wait dsn 1 60
	for f in $(sink_files dsn); do
		sed '1,/^X-Rcpt-Args:/d' "$f" >"$out/sendmail-nomime-gone.eml"
	done
fi
ls -l "$out"
