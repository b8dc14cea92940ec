#!/bin/bash
# ingest-follow.sh - "ippoolctl ingest" as the unit runs it, started as root
# with [milter] user set: a log only root and its group may read (Debian's
# /var/log/mail.log, root:adm 0640) is read, and followed through rotation
# by rename (the new file has the same owner and mode) and by copytruncate;
# the standard input is read for "-"; a file it cannot open is said so,
# also while following, rather than retried in silence; the unit reads
# Postfix's own maillog_file, which local users cannot forge lines in.
. "$(dirname "$0")/lib.sh"
need_root
need "$CTL"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"

NOW=1795435200			# 2026-11-23 12:00:00 UTC
export IPPOOL_NOW=@$NOW
milter_conf <<CONF
[pool tx]
ips = $(netip 3)
CONF
sed -i 's/^user =$/user = nobody/' "$T/ippool.conf"
# a group that root belongs to and nobody does not, like Debian's adm
GRP=adm
getent group "$GRP" >/dev/null || GRP=root

bounce_line() {	# bounce_line TIME QID RCPT
	printf '%s mta postfix/smtp[3001]: %s: to=<%s>, relay=mx.example.com[192.0.2.5]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' "$1" "$2" "$3"
}
suppressed() { CTLC suppress show "$1" >/dev/null 2>&1; }
mklog() {	# mklog FILE: root:$GRP 0640, like Debian's mail.log
	: >"$1"
	chown "root:$GRP" "$1"
	chmod 640 "$1"
}

# --- a root:adm 0640 log -----------------------------------------------------
mkdir "$T/log"
LOG=$T/log/mail.log
mklog "$LOG"
bounce_line 2026-11-23T11:00:00Z 4QFOL2Axyz1 first@example.com >>"$LOG"
out=$(CTLC ingest "$LOG" 2>"$T/ingest.err")
is "$out" "ingest: 1 lines read, 1 applied, 0 already applied, 0 ignored, 0 skipped" \
	"a root:$GRP 0640 log is read although ingest runs as nobody"
is "$(cat "$T/ingest.err")" "" "  without a warning"
suppressed first@example.com
ok $? "  and its bounce suppresses the recipient"
is "$(stat -c %U "$T/store")" nobody "  the store still belongs to the run user"

# --- the standard input --------------------------------------------------------
out=$(bounce_line 2026-11-23T11:00:30Z 4QFOL2Axyz0 stdin@example.com | CTLC ingest - 2>&1)
is "$out" "ingest: 1 lines read, 1 applied, 0 already applied, 0 ignored, 0 skipped" \
	"ingest -: the standard input is read"
suppressed stdin@example.com
ok $? "  and applied"
out=$(bounce_line 2026-11-23T11:00:40Z 4QFOL2Axyz9 stdin2@example.com \
	| timeout 10 "$CTL" -c "$T/ippool.conf" ingest --follow - 2>&1)
is "$?:$out" "0:ingest: 1 lines read, 1 applied, 0 already applied, 0 ignored, 0 skipped" \
	"ingest --follow -: ends with the standard input"

# --- --follow through rotation ---------------------------------------------------
"$CTL" -c "$T/ippool.conf" ingest --follow "$LOG" >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
PIDS+=($follower)
bounce_line 2026-11-23T11:01:00Z 4QFOL2Axyz2 appended@example.com >>"$LOG"
wait_for 10 suppressed appended@example.com
ok $? "--follow: an appended line is picked up"
is "$(ps -o user= -p $follower | tr -d ' ')" nobody "  by a follower running as nobody"

# logrotate's default: rename, then a new file with the same owner and mode
bounce_line 2026-11-23T11:02:00Z 4QFOL2Axyz3 late-old@example.com >>"$LOG"
mv "$LOG" "$LOG.1"
mklog "$LOG"
bounce_line 2026-11-23T11:03:00Z 4QFOL2Axyz4 renamed@example.com >>"$LOG"
wait_for 10 suppressed renamed@example.com
ok $? "rotation by rename: the new root:$GRP 0640 file is reopened and read"
suppressed late-old@example.com
ok $? "  and the last line of the old file was not lost"

# copytruncate: the file is copied and emptied in place
bounce_line 2026-11-23T11:04:00Z 4QFOL2Axyz5 before-trunc@example.com >>"$LOG"
wait_for 10 suppressed before-trunc@example.com
cp "$LOG" "$LOG.2"
: >"$LOG"
sleep 1
bounce_line 2026-11-23T11:05:00Z 4QFOL2Axyz6 truncated@example.com >>"$LOG"
wait_for 10 suppressed truncated@example.com
ok $? "rotation by copytruncate: lines written after the truncation are applied"
bounce_line 2026-11-23T11:06:00Z 4QFOL2Axyz7 after@example.com >>"$LOG"
wait_for 10 suppressed after@example.com
ok $? "  and so are later ones"

# a new file that the run user may not read: said so, not retried in silence
mv "$LOG" "$LOG.3"
: >"$LOG"
chmod 600 "$LOG"
wait_for 10 grep -q "cannot open $LOG: Permission denied (as uid $(id -u nobody)" "$T/follow.err"
ok $? "a rotated-in file it cannot read is reported, naming the uid"
is "$(grep -c 'cannot open' "$T/follow.err")" 1 "  once per interval, not at every poll"
kill -TERM $follower
wait_for 5 sh -c "! kill -0 $follower 2>/dev/null"
is "$(cat "$T/follow.out")" \
	"ingest: 7 lines read, 6 applied, 1 already applied, 0 ignored, 0 skipped" \
	"SIGTERM: the summary counts every line of every generation (the first was applied before)"

# --- the trusted input is the documented default ---------------------------------
grep -q '^ExecStart=.* ingest --follow /var/log/postfix.log$' "$src/contrib/ippool-ingest.service.in"
ok $? "the ingest unit reads Postfix's maillog_file, not the syslog file"
grep -q 'logger -t postfix/smtp' "$src/man/ippoolctl.8"
ok $? "  and ippoolctl(8) says what the syslog file risks"

# --- cannot read ---------------------------------------------------------------
"$CTL" -c "$T/ippool.conf" ingest --follow "$T/log/absent.log" >/dev/null 2>"$T/absent.err" &
absent=$!
PIDS+=($absent)
wait_for 10 grep -q "cannot open $T/log/absent.log: No such file or directory; still trying" "$T/absent.err"
ok $? "--follow on a missing file: says so, and that it keeps trying"
kill -TERM $absent
wait_for 5 sh -c "! kill -0 $absent 2>/dev/null"

done_testing
