#!/bin/bash
# ingest-journal.sh - "ippoolctl ingest --journal": journal entries in the
# form "journalctl -o json" writes them (real field names), from a file
# and from standard input.  An entry Postfix wrote (_COMM its program,
# _UID root or postfix, _SYSTEMD_UNIT postfix*.service) is applied; one
# only tagged "postfix/smtp" (logger -t postfix/smtp: _COMM=logger), a
# copied binary named smtp run by another user, or Postfix's program
# outside a postfix unit is refused and counted, and suppresses nothing;
# other programs' entries are ignored, broken ones skipped with FILE:LINE.
# journald does not run in the test sandbox, so the entries are files;
# the spawned "journalctl -o json" reads the same way.
. "$(dirname "$0")/lib.sh"
need "$CTL"
getent passwd postfix >/dev/null || skip_all "no postfix user"

export IPPOOL_NOW=@1795435200	# 2026-11-23 12:00:00 UTC
PU=$(id -u postfix)
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
[pool tx]
ips = 192.0.2.1
CONF
C() { "$CTL" -c "$T/ippool.conf" "$@"; }
bounce() {	# bounce QID RCPT: the MESSAGE of a hard bounce
	printf '%s: to=<%s>, relay=mx.example.com[192.0.2.5]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))' "$1" "$2"
}
entry() {	# entry IDENT COMM UID UNIT MESSAGE-JSON
	printf '{"__CURSOR":"s=1;i=%d","__REALTIME_TIMESTAMP":"1795431600123456","__MONOTONIC_TIMESTAMP":"1","_BOOT_ID":"b0","PRIORITY":"6","SYSLOG_FACILITY":"2","SYSLOG_IDENTIFIER":"%s","SYSLOG_PID":"3001","_PID":"3001","_UID":"%s","_GID":"%s","_COMM":"%s","_SYSTEMD_UNIT":"%s","_TRANSPORT":"syslog","_HOSTNAME":"mta","MESSAGE":%s}\n' \
	    "$RANDOM" "$1" "$3" "$3" "$2" "$4" "$5"
}
js() { "$PY" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
bytes() { "$PY" -c 'import json,sys; print(json.dumps(list(sys.argv[1].encode())))' "$1"; }
{
	entry postfix/smtp smtp "$PU" 'postfix@-.service' "$(js "$(bounce 4QAAA1Bxyz1 real@example.com)")"
	entry postfix/smtp logger 1000 'session-3.scope' "$(js "$(bounce 4QBBB1Bxyz2 victim1@example.com)")"
	entry postfix/smtp smtp 1000 'session-3.scope' "$(js "$(bounce 4QCCC1Bxyz3 victim2@example.com)")"
	entry postfix/smtp smtp "$PU" 'user@1000.service' "$(js "$(bounce 4QDDD1Bxyz4 victim3@example.com)")"
	entry postfix-tx/ippool-tx-1/smtp smtp "$PU" 'postfix@postfix-tx.service' "$(bytes "$(bounce 4QEEE1Bxyz5 multi@example.com)")"
	entry postfix/local local 0 'postfix@-.service' '"4QFFF1Bxyz6: to=<root@mta>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)"'
	printf '{"__REALTIME_TIMESTAMP":"1795431600000000","SYSLOG_IDENTIFIER":"sshd","_PID":"77","_UID":"0","_COMM":"sshd","_SYSTEMD_UNIT":"ssh.service","MESSAGE":"Accepted publickey for root"}\n'
	printf 'not json\n'
} >"$T/journal.json"

out=$(C ingest --journal "$T/journal.json" 2>"$T/err"); rc=$?
is "$rc" 0 "ingest --journal FILE: exit 0"
is "$out" "ingest: 8 lines read, 3 applied, 0 already applied, 1 ignored, 1 skipped, 3 refused (not written by Postfix)" \
	"  3 applied (smtp, a postmulti instance's smtp, local), 3 refused, 1 other program, 1 broken"
is "$(head -1 "$T/err")" "ippoolctl: warning: $T/journal.json:2: refused: postfix/smtp entry written by _COMM=logger, not smtp (not written by Postfix: anyone can log \"postfix/...\" lines)" \
	"  the first refusal is logged with FILE:LINE and why (the rest are counted)"
C suppress show real@example.com >/dev/null
ok $? "the entry Postfix wrote suppresses real@example.com"
C suppress show multi@example.com >/dev/null
ok $? "  and a postmulti instance's entry, its MESSAGE as bytes, multi@example.com"
for v in victim1 victim2 victim3; do
	C suppress show $v@example.com >/dev/null 2>&1
	is "$?" 1 "  a refused entry suppresses nothing ($v)"
done
like "$(C suppress show real@example.com)" '\(log mta 4QAAA1Bxyz1: dsn=5\.1\.1\)$' "  the suppression names host and queue ID"

out=$(C ingest --journal --json - <"$T/journal.json" 2>/dev/null); rc=$?
is "$rc:$out" '0:{"read":8,"applied":0,"already_applied":3,"ignored":1,"skipped":1,"failed":0,"refused":3}' \
	"ingest --journal --json - (standard input): read again, nothing applied"

# a control character in a forged entry does not reach the terminal
entry postfix/smtp '\u001b[2Jlogger' 1000 'session-3.scope' "$(js "$(bounce 4QGGG1Bxyz7 v4@example.com)")" >"$T/esc.json"
C ingest --journal "$T/esc.json" >/dev/null 2>"$T/esc.err"
like "$(cat "$T/esc.err")" 'written by _COMM=\\x1b\[2Jlogger, not smtp' "an ESC in a refused entry's _COMM is logged as \\x1b"
grep -q $'\033' "$T/esc.err"
is "$?" 1 "  no raw ESC on the terminal"

# without FILE: journalctl -o json is run (here a stand-in on PATH that
# records its arguments and prints the entries)
mkdir -p "$T/bin"
cat >"$T/bin/journalctl" <<SH
#!/bin/sh
echo "\$@" >"$T/journalctl.args"
cat "$T/journal.json"
SH
chmod +x "$T/bin/journalctl"
rm -rf "$T/store"
out=$(PATH=$T/bin:$PATH C ingest --journal 2>/dev/null); rc=$?
is "$rc:$out" "0:ingest: 8 lines read, 3 applied, 0 already applied, 1 ignored, 1 skipped, 3 refused (not written by Postfix)" \
	"ingest --journal: runs journalctl and reads its entries"
is "$(cat "$T/journalctl.args")" "-o json --no-pager --since=-7d" "  as journalctl -o json --no-pager --since=-7d"
printf '#!/bin/sh\necho "journalctl: No journal files were found." >&2\nexit 1\n' >"$T/bin/journalctl"
PATH=$T/bin:$PATH C ingest --journal >/dev/null 2>"$T/jfail.err"; rc=$?
is "$rc" 69 "journalctl failing: exit 69"
like "$(cat "$T/jfail.err")" 'ingest: journalctl exited with status 1' "  said so"

done_testing
