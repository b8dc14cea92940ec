#!/bin/bash
# memory.sh - "make bench-memory": what ippool-milter costs in memory, with
# tag, hourly limits, suppression and rsa-2048 signing (so it gets every
# body), through a private Postfix to an smtp-sink:
#
#   1. concurrency: CONCURRENT smtp-source sessions sending messages of SIZE
#      bytes (default 100 sessions, 1 MiB, CMESSAGES = 5 a session, so every
#      session is in flight at once), VmRSS sampled from /proc every 0.1 s;
#      the same load then through OpenDKIM 2.11 rsa-2048, the peer, in the
#      same run;
#   2. growth: GROWTH messages of GSIZE bytes (default 100,000 of 2 KiB) in
#      batches of STEP (GROWTH / 10) with GSESSIONS sessions (20), VmRSS and
#      RssAnon read after every batch; the first batch warms up and the
#      growth is counted from it to the end.  Each batch has recipients of
#      its own, so the store grows as in service: its Berkeley DB cache is
#      a file mapping (RssFile, at most 8 MiB), the heap is RssAnon, where
#      a leak would show.
#
# Every message must arrive signed; one table at the end.  Not part of
# "make check": figures depend on the machine.
# Usage: bench/memory.sh BUILD_DIR
#   (env: CONCURRENT SIZE CMESSAGES GROWTH STEP GSESSIONS GSIZE)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
top_builddir=$(cd "${1:-$top}" && pwd) || exit 1
export top_builddir
CONCURRENT=${CONCURRENT:-100}
SIZE=${SIZE:-1048576}
CMESSAGES=${CMESSAGES:-$((CONCURRENT * 5))}
GROWTH=${GROWTH:-100000}
STEP=${STEP:-$((GROWTH / 10))}
GSESSIONS=${GSESSIONS:-20}
GSIZE=${GSIZE:-2048}
[ "$(id -u)" = 0 ] || { echo "bench-memory: run as root (private Postfix instances)" >&2; exit 1; }
[ "$STEP" -gt 0 ] && [ $((GROWTH % STEP)) = 0 ] && [ $((GROWTH / STEP)) -ge 2 ] \
	|| { echo "bench-memory: GROWTH ($GROWTH) must be at least two batches of STEP ($STEP)" >&2; exit 1; }
# OpenDKIM refuses keys under a world-writable directory such as /tmp
mkdir -p "$top_builddir/bench/tmp"
chmod 755 "$top_builddir/bench/tmp"
export TMPDIR=$top_builddir/bench/tmp
. "$top/tests/e2e/lib.sh" >/dev/null
for c in opendkim smtp-source; do
	command -v "$c" >/dev/null || { echo "bench-memory: $c is not installed" >&2; exit 1; }
done

mkdir -m 700 "$T/keys"
"$CTL" dkim genkey bench.example rsa --dir "$T/keys" >/dev/null || exit 1

# Postfix: every session at once (smtpd and cleanup each need one process
# a session), and no per-client connection limit (all come from one address)
procs=$((CONCURRENT + 10))
[ "$procs" -ge 110 ] || procs=110
MPORT=8891
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user =
hourly_limit = 10
[pool tx]
ips = $(netip 3)
senders = @bench.example
[dkim]
keytable = $T/keytable
CONF
printf 'bench.example rsa %s\n' "$T/keys/bench.example.rsa.key" >"$T/keytable"
declare -A port sink mport
port[ippool]=10025 sink[ippool]=21 mport[ippool]=$MPORT
port[opendkim]=10026 sink[opendkim]=22 mport[opendkim]=8899
milter_start "$T/ippool.conf" ippool
opendkim_start bench.example rsa "$T/keys/bench.example.rsa.key" "${mport[opendkim]}"
declare -A pid=([ippool]=$MILTER_PID [opendkim]=$ODKIM_PID)
for m in ippool opendkim; do
	# dumps on tmpfs: 100,000 files on disk took minutes to check and remove
	mkdir -p "$T/sink-$m"
	mount -t tmpfs -o size=2g,mode=755 tmpfs "$T/sink-$m" && MOUNTS+=("$T/sink-$m")
	sink_start "$m" "$(netip "${sink[$m]}")"
	pf_setup "$m" "${port[$m]}" <<CONF
smtpd_milters = inet:$(netip 1):${mport[$m]}
relayhost = [$(netip "${sink[$m]}")]:2525
default_process_limit = $procs
smtpd_client_connection_count_limit = 0
CONF
	pf_start "$m"
done

# status_kb PID FIELD: a field of /proc/PID/status in kB (Threads: a count)
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# sampler PID PORT OUT: "VmRSS Threads connections" into OUT every 0.1 s
# until OUT.stop exists, read with builtins (a fork a sample would miss
# peaks on a loaded machine); the MTA's connections to the milter on PORT
# every 5th sample (ss is a process)
sampler() {
	local k v r t n=0 i=0
	: >"$3"
	exec 7<> <(:)		# read -t on it: a sleep without a process
	while [ ! -e "$3.stop" ]; do
		r='' t=''
		while read -r k v _; do
			case $k in
			VmRSS:) r=$v ;;
			Threads:) t=$v; break ;;
			esac
		done <"/proc/$1/status" || break
		[ $((i++ % 5)) = 0 ] && n=$(ss -Htn state established "( sport = :$2 )" src "$(netip 1)" | wc -l)
		echo "$r $t $n" >>"$3"
		read -r -t 0.1 -u 7 _
	done
	exec 7<&-
}

source_run() {	# source_run MODE SESSIONS COUNT SIZE RCPT
	smtp-source -s "$2" -m "$3" -l "$4" -N -f sender@bench.example -t "$5" \
		-M client.bench.example "$(netip 1):${port[$1]}" >"$T/source-$1.log" 2>&1
}

# signed NAME COUNT: every one of COUNT messages reached sink NAME signed;
# a dump exists from MAIL FROM on, so the files are read once Postfix's
# queue is empty (each delivery done)
queue_empty() { [ "$(pf_queue_count "$1")" = 0 ]; }
signed() {
	local got
	sink_wait "$1" "$2" 300 && wait_for 300 queue_empty "$1" \
		|| echo "bench-memory: WARNING: $1: $(sink_count "$1") of $2 messages arrived"
	got=$(grep -rl -e 'a=rsa-sha256;' "$T/sink-$1" | wc -l)
	[ "$got" = "$2" ] || echo "bench-memory: WARNING: $1: $got of $2 messages signed"
	sink_clear "$1"
}

# store_kb PID: kB of the milter's RSS in the store's Berkeley DB regions
# (file mappings of $T/store/__db.*: the cache, locks, log buffer), whose
# files' size bounds it
store_kb() {
	awk -v d="$T/store/__db." '/^[0-9a-f]+-[0-9a-f]+ / { s = index($6, d) == 1 }
	    s && $1 == "Rss:" { k += $2 } END { print k + 0 }' "/proc/$1/smaps"
}

# --- 1. concurrency -------------------------------------------------------------
echo "bench-memory: $CONCURRENT sessions, $CMESSAGES messages of $SIZE bytes, each milter in turn"
declare -A idle peak hwm threads conns after secs
for m in ippool opendkim; do
	source_run "$m" 2 20 "$GSIZE" warm@example.com	# start-up allocations, not counted
	signed "$m" 20
	idle[$m]=$(status_kb "${pid[$m]}" VmRSS)
	sampler "${pid[$m]}" "${mport[$m]}" "$T/samples-$m" &
	spid=$!
	start=$(date +%s.%N)
	source_run "$m" "$CONCURRENT" "$CMESSAGES" "$SIZE" big@example.com
	end=$(date +%s.%N)
	touch "$T/samples-$m.stop"
	wait "$spid"
	secs[$m]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	peak[$m]=$(awk '$1 > m { m = $1 } END { print m + 0 }' "$T/samples-$m")
	threads[$m]=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$T/samples-$m")
	conns[$m]=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$T/samples-$m")
	hwm[$m]=$(status_kb "${pid[$m]}" VmHWM)
	after[$m]=$(status_kb "${pid[$m]}" VmRSS)
	printf '  %-9s %s s, %s samples, peak VmRSS %s kB, VmHWM %s kB, peak connections %s, threads %s\n' \
		"$m" "${secs[$m]}" "$(wc -l <"$T/samples-$m")" "${peak[$m]}" "${hwm[$m]}" \
		"${conns[$m]}" "${threads[$m]}"
	signed "$m" "$CMESSAGES"
done

# --- 2. growth --------------------------------------------------------------------
echo "bench-memory: $GROWTH messages of $GSIZE bytes in batches of $STEP, $GSESSIONS sessions (ippool-milter)"
series=()
sent=0
while [ "$sent" -lt "$GROWTH" ]; do
	b=$((sent / STEP))
	source_run ippool "$GSESSIONS" "$STEP" "$GSIZE" "b$b.rcpt@example.com"
	sent=$((sent + STEP))
	r=$(status_kb "${pid[ippool]}" VmRSS) a=$(status_kb "${pid[ippool]}" RssAnon)
	st=$(store_kb "${pid[ippool]}")
	series+=("$sent $r $a $st")
	printf '  %7d messages: VmRSS %6d kB  RssAnon (heap, stacks) %6d kB  store regions %6d kB  rest %6d kB\n' \
		"$sent" "$r" "$a" "$st" $((r - st))
done
signed ippool "$GROWTH"
regions=$(stat -c %s "$T"/store/__db.0* | awk '{ s += $1 } END { print int(s / 1024) }')
read -r n0 r0 a0 s0 <<<"${series[0]}"
read -r n1 r1 a1 s1 <<<"${series[${#series[@]} - 1]}"
per() { awk -v d="$1" -v n="$((n1 - n0))" 'BEGIN { printf "%+.1f", d * 1000 / n }'; }

# --- the table --------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
echo
printf '%-54s %14s %14s\n' "" "ippool-milter" "OpenDKIM"
printf '%-54s %14s %14s\n' "VmRSS idle (after 20 messages)" "$(mb "${idle[ippool]}")" "$(mb "${idle[opendkim]}")"
printf '%-54s %14s %14s\n' "peak VmRSS, $CONCURRENT sessions x $SIZE bytes (0.1 s samples)" \
	"$(mb "${peak[ippool]}")" "$(mb "${peak[opendkim]}")"
printf '%-54s %14s %14s\n' "VmHWM" "$(mb "${hwm[ippool]}")" "$(mb "${hwm[opendkim]}")"
printf '%-54s %14s %14s\n' "VmRSS after the load" "$(mb "${after[ippool]}")" "$(mb "${after[opendkim]}")"
printf '%-54s %14s %14s\n' "peak MTA connections to the milter" "${conns[ippool]}" "${conns[opendkim]}"
printf '%-54s %14s %14s\n' "peak threads" "${threads[ippool]}" "${threads[opendkim]}"
printf '%-54s %14s %14s\n' "seconds for $CMESSAGES messages" "${secs[ippool]}" "${secs[opendkim]}"
printf '%-54s %14s\n' "VmRSS after $n0 messages of $GSIZE bytes (warm)" "$(mb "$r0")"
printf '%-54s %14s\n' "VmRSS after $n1" "$(mb "$r1")"
printf '%-54s %11d kB %14s\n' "VmRSS growth $n0 -> $n1" "$((r1 - r0))" "$(per $((r1 - r0)))/1000"
printf '%-54s %11d kB %14s\n' "  in the store's regions (bound: their $regions kB)" "$((s1 - s0))" \
	"$(per $((s1 - s0)))/1000"
printf '%-54s %11d kB %14s\n' "  the rest (a leak would show here)" "$((r1 - s1 - r0 + s0))" \
	"$(per $((r1 - s1 - r0 + s0)))/1000"
printf '%-54s %11d kB %14s\n' "  of it RssAnon (heap, thread stacks)" "$((a1 - a0))" "$(per $((a1 - a0)))/1000"

# A sanitizer build (--enable-sanitizers) checks for leaks as the milter exits
kill "${pid[ippool]}"
wait "${pid[ippool]}" 2>/dev/null
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/milter-ippool.log"; then
	echo "bench-memory: WARNING: sanitizer report in the milter's log:"
	grep -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/milter-ippool.log" | head -40
fi
t_failed=0
