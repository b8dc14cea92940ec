#!/bin/bash
# store.sh - "make bench-store": the suppression list at scale, on each
# store backend in turn:
#
#   1. ENTRIES distinct addresses (varied local parts; 80% at the large
#      mailbox providers, gmail.com the most, 20% at 3,000 other domains)
#      written as the CSV "ippoolctl suppress import" reads, and imported
#      with it: seconds, entries per second, and the store's size per
#      entry (Berkeley DB: the table files, suppress.db and the others;
#      the transaction logs and region files are reported beside them, as
#      no ippoolctl command removes logs: Berkeley DB drops them itself
#      after a checkpoint; Redis: INFO memory's used_memory after less
#      before, over ENTRIES, and MEMORY USAGE of a sample of records).
#   2. With a private Postfix + ippool-milter on the same store receiving
#      mail (smtp-source, SESSIONS sessions, in a loop, a new recipient
#      each message), bench/storelat times LOOKUPS suppression checks as
#      the milter makes them at RCPT (ipp_supp_check, the recipient and
#      the sender's domain: two keys), half of present addresses, half
#      of absent ones, and checks every answer.
#
#   3. The same lookups once more before the load starts (idle), and, under
#      the load, a control: pure CPU work as long as the median lookup,
#      timed the same way (storelat's work_ figures): its p99 is what the
#      machine adds to anything that takes that long (waiting for a core).
#
# Prints one table: backend, entries, import s, entries/s, bytes/entry,
# lookup p50/p99 idle, p50/p99/p999 under the load, the p99 of the CPU
# time each lookup used under the load, and the control's p99, in
# microseconds.  Not part of "make check".
#
#   bench/store.sh BUILD_DIR   (env: ENTRIES=10000000 BACKENDS="bdb redis"
#                               LOOKUPS=100000 SESSIONS=10, CACHE=SIZE: the
#                               Berkeley DB store's [store] cache_size)
#
# Disk: about 170 bytes an entry for the address file and the Berkeley DB
# store (1.7 GB at 10 million), under BUILD_DIR/bench/tmp, removed at the
# end; Redis holds its entries in memory (3.1 GB at 10 million).  The full
# run takes 8 minutes on an idle 2-core machine (52 on a busy one).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
top_builddir=$(cd "${1:-$top}" && pwd)
export top_builddir
ENTRIES=${ENTRIES:-10000000}
BACKENDS=${BACKENDS:-bdb redis}
LOOKUPS=${LOOKUPS:-100000}
SESSIONS=${SESSIONS:-10}
STORELAT=$top_builddir/bench/storelat
[ "$(id -u)" = 0 ] || { echo "bench-store: run as root (a private Postfix instance)" >&2; exit 1; }
[ -x "$STORELAT" ] || { echo "bench-store: build $STORELAT first (make bench-store does)" >&2; exit 1; }
for c in smtp-source python3 du; do
	command -v "$c" >/dev/null || { echo "bench-store: $c is not installed" >&2; exit 1; }
done
case " $BACKENDS " in
*" redis "*)
	command -v redis-server >/dev/null || { echo "bench-store: redis-server is not installed" >&2; exit 1; } ;;
esac
mkdir -p "$top_builddir/bench/tmp"
export TMPDIR=$top_builddir/bench/tmp
. "$top/tests/e2e/lib.sh" >/dev/null

# --- the addresses ---------------------------------------------------------
ADDRS=$T/addresses.csv
gen_start=$(date +%s.%N)
python3 - "$ENTRIES" "$ADDRS" <<'PYEOF' || exit 1
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(15)		# the same list every run
first = """james mary john patricia robert jennifer michael linda william
 elizabeth david barbara richard susan joseph jessica thomas sarah charles
 karen wei fang li na jun hui ming yan hao jing lei xin yu ting chen bo min
 jie ping anna ivan olga sergei maria jose carlos ana luis pedro sofia lucas
 emma noah mia leon hana yuki kenji aiko ahmed fatima omar ali aisha priya
 rahul amit neha ravi""".split()
last = """smith johnson williams brown jones garcia miller davis rodriguez
 martinez hernandez lopez gonzalez wilson anderson thomas taylor moore
 jackson martin wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu
 hu guo he lin luo gao ivanov petrov silva santos muller schmidt schneider
 fischer weber meyer tanaka suzuki sato kim lee park nguyen tran singh kumar
 patel khan""".split()
words = """info sales support admin office contact news hello team billing
 jobs hr shop orders service marketing press""".split()
# the providers, weighted as a consumer list is (about 80% of it)
isp = [("gmail.com", 30), ("yahoo.com", 8), ("hotmail.com", 7),
       ("outlook.com", 6), ("qq.com", 6), ("163.com", 4), ("icloud.com", 3),
       ("126.com", 2), ("gmx.de", 2), ("web.de", 2), ("mail.ru", 2),
       ("aol.com", 1), ("yandex.ru", 1), ("orange.fr", 1), ("free.fr", 1),
       ("naver.com", 1), ("comcast.net", 1), ("yahoo.co.jp", 1)]
doms = [d for d, w in isp for _ in range(w)]
tlds = "com com com net org de fr co.uk cn jp io nl it es com.br ru".split()
syl = """ab ac al an ar as at ba be bi bo ca ce co da de di do el en er es fa
 fe fi ga ge go ha he hi in is ka ke ki ko la le li lo ma me mi mo na ne ni
 no ol on or pa pe pi po ra re ri ro sa se si so ta te ti to ul un ur va ve
 vi vo za ze zo""".split()
company = set()
while len(company) < 3000:
    company.add("".join(rnd.choice(syl) for _ in range(rnd.randint(2, 4)))
                + "." + rnd.choice(tlds))
company = sorted(company)
alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
def local():
    f, l, k = rnd.choice(first), rnd.choice(last), rnd.random()
    if k < 0.25: return f + "." + l + (str(rnd.randint(1, 99)) if rnd.random() < 0.5 else "")
    if k < 0.45: return f + l + str(rnd.randint(1, 9999))
    if k < 0.60: return f[0] + l + str(rnd.randint(1, 999))
    if k < 0.70: return f + "_" + l + str(rnd.randint(70, 2010))
    if k < 0.75: return rnd.choice(words) + str(rnd.randint(1, 99))
    if k < 0.85: return str(rnd.randint(10000, 99999999999))
    if k < 0.95: return f + "-" + l + "." + str(rnd.randint(1, 99999))
    return "".join(rnd.choice(alnum) for _ in range(rnd.randint(6, 14)))
reasons = ["bounce"] * 6 + ["unsubscribe"] * 2 + ["complaint", "manual"]
seen = set()
with open(out, "w") as fp:
    fp.write("address,reason,expires\n")
    while len(seen) < n:
        a = local() + "@" + (rnd.choice(doms) if rnd.random() < 0.8 else rnd.choice(company))
        if a in seen:
            continue
        seen.add(a)
        fp.write(a + "," + rnd.choice(reasons) + ",permanent\n")
PYEOF
gen_s=$(echo "$(date +%s.%N) - $gen_start" | bc -l)
avg_len=$(awk -F, 'NR > 1 { s += length($1) } END { printf "%.1f", s / (NR - 1) }' "$ADDRS")
printf 'bench-store: %d addresses (%s characters on average) written in %.0f s; %d lookups each, %d SMTP sessions of load, %s CPUs\n' \
	"$ENTRIES" "$avg_len" "$gen_s" "$LOOKUPS" "$SESSIONS" "$(nproc)"

# --- the load: Postfix + ippool-milter on the store, mail in a loop ---------
sink_start out "$(netip 20)"
PORT=10025
LOAD_PID=
load_start() {	# load_start CONF NAME
	milter_start "$1" "$2"
	MILTER_BENCH_PID=$MILTER_PID
	pf_setup "$2" "$PORT" <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
default_process_limit = 100
smtpd_client_connection_count_limit = 0
CONF
	pf_start "$2"
	rm -f "$T/load.stop"
	(
		while [ ! -e "$T/load.stop" ]; do
			smtp-source -s "$SESSIONS" -m 1000 -l 2048 -N -f sender@bench.example \
				-t rcpt@example.com -M client.bench.example "$(netip 1):$PORT" \
				>/dev/null 2>&1 || sleep 0.2
		done
	) 2>/dev/null &
	LOAD_PID=$!
	PIDS+=($LOAD_PID)
	sleep 2			# the load is running before the clock starts
}
load_stop() {	# load_stop NAME
	touch "$T/load.stop"		# the loop starts no other smtp-source
	pkill -P "$LOAD_PID" smtp-source 2>/dev/null
	wait "$LOAD_PID" 2>/dev/null
	pf_stop "$1"
	milter_stop "$MILTER_BENCH_PID"
}

mem_used() { rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
declare -A row
for b in $BACKENDS; do
	case $b in
	bdb) store="path = $T/store-bdb${CACHE:+
cache_size = $CACHE}" ;;
	redis)
		redis_start
		store="backend = redis
redis = unix:$REDIS_SOCK"
		;;
	*) echo "bench-store: unknown backend \"$b\" (bdb, redis)" >&2; exit 1 ;;
	esac
	cat >"$T/$b.conf" <<CONF
[store]
$store
[milter]
socket = inet:$MPORT@$(netip 1)
user =
[pool tx]
ips = $(netip 3)
senders = @bench.example
CONF
	# the store's own records first, so that "before" holds them
	"$CTL" -c "$T/$b.conf" suppress list >/dev/null || exit 1
	[ "$b" = redis ] && mem0=$(mem_used)
	start=$(date +%s.%N)
	# a relative name: each record's source is "import addresses.csv:LINE",
	# as an operator's import of a file of their own (not our temp path)
	(cd "$T" && "$CTL" -c "$T/$b.conf" suppress import addresses.csv) >"$T/import-$b.out" 2>&1
	rc=$?
	imp=$(echo "$(date +%s.%N) - $start" | bc -l)
	if [ "$rc" != 0 ] || [ "$(cat "$T/import-$b.out")" != "imported $ENTRIES entries" ]; then
		echo "bench-store: $b: import failed (exit $rc):" >&2
		cat "$T/import-$b.out" >&2
		exit 1
	fi
	case $b in
	bdb)
		tables=$(du -cb "$T/store-bdb"/*.db | tail -1 | cut -f1)
		all=$(du -sb "$T/store-bdb" | cut -f1)
		bpe=$(( tables / ENTRIES ))
		printf 'bench-store: bdb: %d bytes in the table files (%d an entry); %d with logs and regions (%d an entry)\n' \
			"$tables" "$bpe" "$all" $(( all / ENTRIES ))
		;;
	redis)
		mem1=$(mem_used)
		bpe=$(( (mem1 - mem0) / ENTRIES ))
		# MEMORY USAGE of a sample of records (the string alone; the
		# index entry is the rest of bytes/entry)
		# (the index holds the table's keys; the default redis_prefix "ippool:")
		read -r cnt sum < <(rcli zrandmember ippool:index:suppress 1000 |
			sed 's/^/MEMORY USAGE ippool:suppress:/' | rcli |
			awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
		printf 'bench-store: redis: used_memory %d -> %d bytes: %d an entry; MEMORY USAGE of a record %d bytes on average (%d sampled), so its index entry about %d\n' \
			"$mem0" "$mem1" "$bpe" $(( cnt ? sum / cnt : 0 )) "$cnt" \
			$(( bpe - (cnt ? sum / cnt : 0) ))
		;;
	esac
	# the same lookups with the machine idle, then under the mail load
	idle=$("$STORELAT" "$T/$b.conf" "$ADDRS" "$LOOKUPS")
	[ $? = 0 ] || echo "bench-store: WARNING: $b: storelat (idle): $idle"
	printf 'bench-store: %s: idle: %s\n' "$b" "$idle"
	load_start "$T/$b.conf" "$b"
	before=$(sink_count out)
	lstart=$(date +%s.%N)
	lat=$("$STORELAT" "$T/$b.conf" "$ADDRS" "$LOOKUPS")
	lrc=$?
	lsecs=$(echo "$(date +%s.%N) - $lstart" | bc -l)
	mps=$(echo "($(sink_count out) - $before) / $lsecs" | bc -l)
	load_stop "$b"
	[ "$lrc" = 0 ] || echo "bench-store: WARNING: $b: storelat: $lat (exit $lrc)"
	printf 'bench-store: %s: %s; meanwhile %.0f messages/s through the milter\n' "$b" "$lat" "$mps"
	field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${2:-$lat}"; }
	row[$b]=$(printf '%-8s %10d %9.1f %10.0f %12d %7s %7s %7s %7s %7s %7s %7s %8.0f' "$b" "$ENTRIES" "$imp" \
		"$(echo "$ENTRIES / $imp" | bc -l)" "$bpe" "$(field p50 "$idle")" "$(field p99 "$idle")" \
		"$(field p50)" "$(field p99)" "$(field p999)" "$(field cpu_p99)" "$(field work_p99)" "$mps")
	[ "$b" = bdb ] && rm -rf "$T/store-bdb"
	[ "$b" = redis ] && redis_stop
	sink_clear out
done

echo
printf '%-8s %10s %9s %10s %12s %7s %7s %7s %7s %7s %7s %7s %8s\n' backend entries "import s" entries/s \
	bytes/entry "idle" "" "loaded" "" "" "its cpu" "control" ""
printf '%-8s %10s %9s %10s %12s %7s %7s %7s %7s %7s %7s %7s %8s\n' "" "" "" "" \
	"" "p50 us" "p99 us" "p50 us" "p99 us" "p999 us" "p99 us" "p99 us" "load m/s"
for b in $BACKENDS; do
	printf '%s\n' "${row[$b]}"
done
t_failed=0
