#!/bin/bash
# ingest.sh - feedback from the MTA's log: a recorded Postfix log gives
# exactly the expected suppressions; reading it twice changes nothing;
# --follow picks up appended lines, a half-written line only when it is
# complete, and a rotated file; the bounce-rate guard pauses a sender
# domain at MAIL FROM through real Postfix, not another, until resumed or
# until the bounces leave the 24-hour window.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"

NOW=1795435200			# 2026-11-23 12:00:00 UTC
export IPPOOL_NOW=@$NOW
PORT=10025
milter_conf <<CONF
suppress_after = 3
[pool tx]
ips = $(netip 3)
CONF
LOG=$src/tests/data/maillog-feedback

# --- a recorded log ------------------------------------------------------
out=$(CTLC ingest "$LOG" 2>"$T/ingest.err")
is "$out" "ingest: 30 lines read, 20 applied, 0 already applied, 6 ignored, 4 skipped" \
	"recorded log: summary"
is "$(CTLC suppress export)" "address,sender_domain,reason,created,expires,source
full@example.net,,bounce,2026-11-23T09:30:01Z,2026-12-07T09:30:01Z,\"log mta 4QAAA1Bxyz1: 3 soft failures in 7d, last dsn=4.2.2\"
gone@example.com,,bounce,2026-11-23T08:00:01Z,2026-12-07T11:00:00Z,log mta 4QGGG7Hxyz7: dsn=5.1.1
spamtrap@example.com,,bounce,2026-11-23T08:00:01Z,2026-12-07T08:00:01Z,log mta 4QAAA1Bxyz1: dsn=5.7.1" \
	"exactly the expected suppressions (hard bounces, 3 soft failures; not: relay=none, MAIL FROM 421, warm-up, 2 failures, loop)"
is "$(cat "$T/ingest.err")" "ippoolctl: warning: $LOG:13: malformed Postfix line skipped: bad to= address
ippoolctl: warning: $LOG:14: malformed Postfix line skipped: bad dsn \"7.0.0\"" \
	"malformed lines are named FILE:LINE with the reason"
like "$(CTLC sender status news.example)" \
	'^news.example: 1 delivered, 2 hard bounces in 24h' "deliveries and bounces counted per sender domain"

CTLC suppress export >"$T/export.1"
is "$(CTLC ingest "$LOG" 2>/dev/null)" \
	"ingest: 30 lines read, 0 applied, 20 already applied, 6 ignored, 4 skipped" \
	"the same log again: nothing applied"
CTLC suppress export >"$T/export.2"
cmp -s "$T/export.1" "$T/export.2"
ok $? "  the suppression list is unchanged"
like "$(CTLC sender status news.example)" \
	'^news.example: 1 delivered, 2 hard bounces in 24h' "  the counts are unchanged"
CTLC ingest /nonexistent/maillog >/dev/null 2>"$T/missing.err"
is "$?" 66 "a missing file: exit 66 (EX_NOINPUT)"
like "$(cat "$T/missing.err")" 'cannot open /nonexistent/maillog: No such file or directory' \
	"  and the reason"

# --- --follow ------------------------------------------------------------
bounce_line() {	# bounce_line TIME QID RCPT
	printf '%s mta postfix/smtp[3001]: %s: to=<%s>, relay=mx.example.com[192.0.2.5]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' "$1" "$2" "$3"
}
live=$T/live.log
bounce_line 2026-11-23T11:00:00Z 4QFOL1Axyz1 first@example.com >"$live"
"$CTL" -c "$T/ippool.conf" ingest --follow "$live" >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
PIDS+=($follower)
suppressed() { CTLC suppress show "$1" >/dev/null 2>&1; }
wait_for 10 suppressed first@example.com
ok $? "--follow: lines present at start applied"
bounce_line 2026-11-23T11:01:00Z 4QFOL1Axyz2 appended@example.com >>"$live"
wait_for 10 suppressed appended@example.com
ok $? "--follow: an appended line is picked up"
# a line written in two pieces counts once it is complete
bounce_line 2026-11-23T11:02:00Z 4QFOL1Axyz3 partial@example.com >"$T/line"
head -c 60 "$T/line" >>"$live"
sleep 1.5
! suppressed partial@example.com
ok $? "--follow: a half-written line waits"
tail -c +61 "$T/line" >>"$live"
wait_for 10 suppressed partial@example.com
ok $? "  and is applied when complete"
# rotation: the old file is finished, the new one read from its top
bounce_line 2026-11-23T11:03:00Z 4QFOL1Axyz4 late-old@example.com >>"$live"
mv "$live" "$live.1"
bounce_line 2026-11-23T11:04:00Z 4QFOL1Axyz5 rotated@example.com >"$live"
wait_for 10 suppressed rotated@example.com
ok $? "--follow: a rotated file is followed"
suppressed late-old@example.com
ok $? "  and the last line of the old file was not lost"
bounce_line 2026-11-23T11:05:00Z 4QFOL1Axyz6 after@example.com >>"$live"
wait_for 10 suppressed after@example.com
ok $? "  appending to the new file works"
kill -TERM $follower
wait_for 5 sh -c "! kill -0 $follower 2>/dev/null"
is "$(cat "$T/follow.out")" \
	"ingest: 6 lines read, 6 applied, 0 already applied, 0 ignored, 0 skipped" \
	"SIGTERM: --follow prints its summary"

# --- the bounce-rate guard -------------------------------------------------
# promo.example: 100 delivered + 9 hard bounces; other.example: 120 + 2
# (news.example already has counts from the recorded log)
"$PY" - "$NOW" >"$T/guard.log" <<'PYEOF'
import sys, datetime
now = int(sys.argv[1])
def stamp(t):
    return datetime.datetime.utcfromtimestamp(t).strftime('%Y-%m-%dT%H:%M:%S.000000+00:00')
n = 0
for dom, sent, bounced in (("promo.example", 100, 9), ("other.example", 120, 2)):
    for i in range(sent + bounced):
        n += 1
        t = now - 3600 + n
        qid = "4QGRD%06dX" % n
        print(f"{stamp(t)} mta postfix/qmgr[4000]: {qid}: from=<list@{dom}>, size=2048, nrcpt=1 (queue active)")
        if i < sent:
            print(f"{stamp(t)} mta postfix/smtp[4001]: {qid}: to=<r{n}@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)")
        else:
            print(f"{stamp(t)} mta postfix/smtp[4001]: {qid}: to=<b{n}@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))")
PYEOF
is "$(CTLC ingest "$T/guard.log")" \
	"ingest: 462 lines read, 462 applied, 0 already applied, 0 ignored, 0 skipped" \
	"guard: 231 messages ingested"
is "$(CTLC sender status promo.example)" \
	"promo.example: 100 delivered, 9 hard bounces in 24h, bounce rate 8.25% (block at 8.00% with 100+ messages): PAUSED" \
	"promo.example: 9 of 109 bounced: paused"
like "$(CTLC sender status other.example)" ': 120 delivered, 2 hard bounces in 24h, bounce rate 1.63% .*: sending$' \
	"other.example: 1.6%: sending"

site_start
is "$(smtp list@promo.example someone@gmail.com)" \
	"451 4.7.1 sending for promo.example paused: bounce rate 8.25% over 24h" \
	"MAIL FROM promo.example: 451 4.7.1 with the rate"
like "$(smtp list@other.example someone@gmail.com)" '^250 ' "MAIL FROM other.example: accepted"
like "$(smtp "<>" someone@gmail.com)" '^250 ' "null sender (bounces): never paused"
CTLC sender resume promo.example >/dev/null
like "$(smtp list@promo.example someone@gmail.com)" '^250 ' "after sender resume: accepted"
like "$(CTLC sender status promo.example)" ': 0 delivered, 0 hard bounces in 24h.*: sending, resumed 2026-11-23T12:00:00Z$' \
	"  counts start afresh"

# without a resume, the rate falls below once the bounces leave the window
rm -rf "$T/store2"
sed -i "s|^path = .*|path = $T/store2|" "$T/ippool.conf"
CTLC ingest "$T/guard.log" >/dev/null
milter_stop
milter_start "$T/ippool.conf"
is "$(smtp list@promo.example someone@gmail.com)" \
	"451 4.7.1 sending for promo.example paused: bounce rate 8.25% over 24h" "fresh store: paused again"
milter_stop
IPPOOL_NOW=@$((NOW + 86400)) milter_start "$T/ippool.conf"
like "$(smtp list@promo.example someone@gmail.com)" '^250 ' \
	"24 hours later: the bounces left the window, accepted"

# --- a pool named "relay" ----------------------------------------------------
# Its IPs log as postfix/ippool-relay-N: deliveries, counted; only the
# relay transports' exact postfix/ippool-relay are hand-offs, not counted.
cat >"$T/relay.conf" <<CONF
[store]
path = $T/store-relay
[milter]
user =
[pool relay]
ips = $(netip 3)
CONF
cat >"$T/relay.log" <<'LOG'
2026-11-23T09:00:00.000000+00:00 mta postfix/ippool-relay/smtp[2001]: 4QRRR1Axyz1: to=<handoff@example.org>, relay=127.0.0.1[127.0.0.1]:10031, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <handoff@example.org>: refused by the pool instance (in reply to RCPT TO command))
2026-11-23T09:00:01.000000+00:00 mta postfix-relay/ippool-relay-1/smtp[2002]: 4QRRR2Bxyz2: to=<dead@example.org>, relay=mx.example.org[192.0.2.9]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.9] said: 550 5.1.1 <dead@example.org>: User unknown (in reply to RCPT TO command))
LOG
"$CTL" -c "$T/relay.conf" ingest "$T/relay.log" >/dev/null
ok $? "pool named relay: ingest"
is "$("$CTL" -c "$T/relay.conf" suppress export | cut -d, -f1,3 | tail -n +2)" "dead@example.org,bounce" \
	"  its IP's hard bounce suppresses; the relay transport's hand-off does not"

done_testing
