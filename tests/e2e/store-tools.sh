#!/bin/bash
# store-tools.sh - "ippoolctl store": a Berkeley DB store moved to a real
# redis-server and back loses nothing (the exports compare equal); import
# checks the whole file first (FILE:LINE, nothing written); verify names a
# deliberately damaged file and exits 1, and the store's open says what to
# do in one line, not a hundred; recover refuses while a process holds the
# store; a hot backup taken while it is held, copied into a new directory,
# answers the same suppressions; on Redis, verify/recover/backup say they
# are not for that backend (exit 69).
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli

conf() {	# conf FILE STORE-LINES
	printf '[store]\n%s\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n' "$2" >"$1"
}
conf "$T/bdb.conf" "path = $T/bdb"
conf "$T/bdb2.conf" "path = $T/bdb2"
conf "$T/rds.conf" "backend = redis
redis = unix:$REDIS_SOCK
redis_prefix = mv:"
B() { "$CTL" -c "$T/bdb.conf" "$@"; }
export IPPOOL_NOW=@1795435200	# 2026-11-23 12:00:00 UTC

# --- something in every exported table --------------------------------------
for a in alice bob carol; do B suppress add "$a@example.com" >/dev/null; done
B suppress add dave@example.com --sender-domain shop.example >/dev/null
B warmup set 192.0.2.1 all --day 5 >/dev/null
printf '2026-11-23T11:00:00.000000+00:00 mta postfix/smtp[3001]: 4QAAA1Bxyz1: to=<erin@example.net>, relay=mx.example.net[192.0.2.5]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' >"$T/mail.log"
B ingest "$T/mail.log" >/dev/null 2>&1
# a key that is not UTF-8 travels as hex
printf '{"table":"stats","key_hex":"7a7cff00","value":"raw"}\n' >"$T/raw.jsonl"
B store import "$T/raw.jsonl" >/dev/null
ok $? "import of a record with a non-UTF-8 key (key_hex)"

B store export >"$T/e1.jsonl" 2>"$T/e1.err"
ok $? "store export from Berkeley DB"
like "$(cat "$T/e1.err")" '^ippoolctl: store export: [0-9]+ records from Berkeley DB environment ' "  counts its records on stderr"
for t in meta suppress warmup stats applied; do
	grep -q "^{\"table\":\"$t\"," "$T/e1.jsonl"
	ok $? "  table $t is in the export"
done
grep -q '"key":"a|erin@example.net"' "$T/e1.jsonl"
ok $? "  the ingested hard bounce is in it"
grep -q '^{"table":"stats","key_hex":"7a7cff00","value":"raw"}$' "$T/e1.jsonl"
ok $? "  the non-UTF-8 key comes back as key_hex"

# --- bdb -> redis -> bdb ------------------------------------------------------
redis_start
out=$("$CTL" -c "$T/rds.conf" store import "$T/e1.jsonl" 2>&1)
like "$out" "^$(grep -c . "$T/e1.jsonl") records imported into Redis " "import into Redis: every record"
"$CTL" -c "$T/rds.conf" store export >"$T/e2.jsonl" 2>/dev/null
ok $? "store export from Redis"
cmp -s "$T/e1.jsonl" "$T/e2.jsonl"
ok $? "  the Redis export equals the Berkeley DB export"
"$CTL" -c "$T/bdb2.conf" store import "$T/e2.jsonl" >/dev/null 2>&1
ok $? "import of the Redis export into a new Berkeley DB store"
"$CTL" -c "$T/bdb2.conf" store export >"$T/e3.jsonl" 2>/dev/null
cmp -s "$T/e1.jsonl" "$T/e3.jsonl"
ok $? "  its export equals the first: bdb -> redis -> bdb lost nothing"
like "$("$CTL" -c "$T/rds.conf" suppress show dave@example.com 2>&1)" 'dave@example.com .*shop\.example' \
	"  Redis answers the imported suppression for a sender domain"

# --- import checks the whole file first ----------------------------------------
before=$(rcli dbsize)
{ printf '{"table":"suppress","key":"a|x@example.com","value":"manual\\t1\\t0\\t"}\n'
  printf '{"table":"window","key":"x","value":"1"}\n'
  printf 'not json\n'
  printf '{"table":"suppress","value":"v"}\n'
  printf '{"table":"meta","key":"schema","value":"9"}\n'; } >"$T/bad.jsonl"
out=$("$CTL" -c "$T/rds.conf" store import "$T/bad.jsonl" 2>&1); rc=$?
is "$rc" 65 "a bad import file: exit 65 (EX_DATAERR)"
like "$out" "$T/bad.jsonl:2: table \"window\" is not one export writes" "  FILE:LINE for a table export does not write"
like "$out" "$T/bad.jsonl:3: not JSON" "  FILE:LINE for a line that is not JSON"
like "$out" "$T/bad.jsonl:4: key needs exactly one of the two forms" "  FILE:LINE for a record without a key"
like "$out" "$T/bad.jsonl:5: store schema version 9 is not 1" "  FILE:LINE for another schema version"
like "$out" '4 bad lines: nothing imported' "  says nothing was imported"
is "$(rcli dbsize)" "$before" "  and nothing was: not even the good first line"

# --- not for the redis backend ------------------------------------------------
for sub in verify recover "backup $T/rbk"; do
	out=$("$CTL" -c "$T/rds.conf" store $sub 2>&1); rc=$?
	is "$rc:${out%%:*}" "69:ippoolctl" "store ${sub%% *} on Redis: exit 69 (EX_UNAVAILABLE)"
	like "$out" "store ${sub%% *}: not for the redis backend: Redis keeps its own files" "  saying why"
done
[ ! -e "$T/rbk" ]
ok $? "  backup on Redis creates no directory"

# --- backup while the store is in use, recover refused, restore ----------------
: >"$T/follow.log"
"$CTL" -c "$T/bdb.conf" ingest --follow "$T/follow.log" >/dev/null 2>&1 &
HOLDER=$!
PIDS+=($HOLDER)
# it holds its slot of __db.register (an fcntl lock) while the store is open
wait_for 10 grep -Eq "POSIX +ADVISORY +WRITE +$HOLDER " /proc/locks
out=$(B store recover 2>&1); rc=$?
is "$rc" 75 "store recover while ingest --follow holds the store: exit 75"
is "$out" "ippoolctl: store recover: store $T/bdb is in use by process $HOLDER: stop ippool-milter, ippool-policyd and \"ippoolctl ingest\" first" \
	"  naming the process and what to stop"
out=$(B store backup "$T/bk" 2>&1); rc=$?
is "$rc:$out" "0:$T/bk: backup of $T/bdb written; restore: ippoolctl(8), BACKUP AND RESTORE" \
	"store backup DIR while the store is in use (a hot backup)"
B suppress add late@example.com >/dev/null	# after the backup: not in it
out=$(B store backup "$T" 2>&1); rc=$?
is "$rc" 73 "backup into a directory with other files: exit 73"
like "$out" "$T is not empty and holds no earlier backup" "  refused, nothing removed"
B store backup "$T/bk2" >/dev/null && B store backup "$T/bk2" >/dev/null
ok $? "a second backup into the same backup directory replaces the first"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
# restore: copy the backup directory to a new [store] path
cp -a "$T/bk" "$T/restored"
conf "$T/restored.conf" "path = $T/restored"
R() { "$CTL" -c "$T/restored.conf" "$@"; }
for a in alice@example.com erin@example.net; do
	is "$(R suppress show "$a" 2>&1)" "$(B suppress show "$a" 2>&1)" "restored store answers the same for $a"
done
R suppress show late@example.com >/dev/null 2>&1
is "$?" 1 "  and does not have what was added after the backup"
R store verify >"$T/rv.out" 2>&1
ok $? "  store verify on the restored store: all sound"
is "$(grep -c ': ok$' "$T/rv.out")" 6 "  six files, each ok"
out=$(B store recover 2>&1); rc=$?
is "$rc:$out" "0:$T/bdb: recovered (normal recovery)" "store recover when nobody holds the store"
R suppress show alice@example.com >/dev/null
ok $? "  the store opens after recovery"
# recovery remakes the regions: with the configured cache (it made them
# with Berkeley DB's 256 KiB default once, and every later open joined that)
out=$(B suppress show alice@example.com 2>&1 >/dev/null)
is "$out" "" "  the recovered environment has the configured cache: no warning"
conf "$T/big.conf" "path = $T/bdb
cache_size = 32M"
out=$("$CTL" -c "$T/big.conf" suppress show alice@example.com 2>&1 >/dev/null)
is "$out" "ippoolctl: warning: store $T/bdb: its cache is 10248K, made for another [store] cache_size than 32768K: an environment keeps the size it was made with: stop every ippool program and run \"ippoolctl store recover\" to remake it" \
	"[store] cache_size changed: a warning with both sizes and the remedy"
out=$("$CTL" -c "$T/big.conf" store recover 2>&1); rc=$?
is "$rc:$out" "0:$T/bdb: recovered (normal recovery)" "  store recover with the new cache_size"
out=$("$CTL" -c "$T/big.conf" suppress show alice@example.com 2>&1 >/dev/null)
is "$out" "" "  the environment now has the new size: no warning"
out=$(B suppress show alice@example.com 2>&1 >/dev/null)
like "$out" "its cache is 40968K, made for another \[store\] cache_size than 8192K:" \
	"  and the old config is warned in turn"
B store recover >/dev/null 2>&1

# --- a damaged database file ---------------------------------------------------
rm -f "$T"/restored/__db.*
$PY - "$T/restored/suppress.db" <<'EOF'
import random, sys
random.seed(3)
with open(sys.argv[1], "r+b") as f:
    f.write(bytes(random.randrange(256) for _ in range(8192)))
EOF
out=$(R store verify 2>&1); rc=$?
is "$rc" 1 "store verify on a damaged file: exit 1"
like "$out" "$T/restored/suppress.db: damaged: BDB[0-9]+ " "  names the file and the problem"
like "$out" "$T/restored/meta.db: ok" "  the sound files are ok"
like "$out" "store verify: $T/restored is damaged: stop the ippool programs and restore the last backup" "  says what to do"
out=$(R suppress show alice@example.com 2>&1); rc=$?
is "$rc" 75 "opening the damaged store: exit 75"
is "$(grep -c BDB0178 <<<"$out")" 1 "  Berkeley DB's repeated message is logged once"
like "$out" 'Berkeley DB: the message above repeated [0-9]+ more times' "  with its repeats counted"
like "$out" "cannot open table $T/restored/suppress.db: .*run \"ippoolctl store verify\", and restore the last backup" \
	"  the last line names the file and says what to do"

done_testing
