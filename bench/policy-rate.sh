#!/bin/bash
# policy-rate.sh - requests per second of ippool-policyd on its two
# protocols, against a minimal server of the same protocols (bench/
# minserver.c: libevent, same framing, a constant answer) in the same run,
# with the same load generator (bench/load.c: CONNS connections, one
# request at a time each, as Postfix's clients use them).  Run by hand or
# with "make bench-policy":
#
#   bench/policy-rate.sh [BUILD_DIR]   (CONNS=8 SECS=5 by default)
#
# Rows: "socketmap route" is a pool instance's recipient lookup (ISP by
# domain, a store transaction reserving a unit); "socketmap sender" the
# main instance's sender map (pool selection only); "policy" a full
# Postfix policy request at RCPT (pool selection, FILTER).  With
# redis-server installed, "route on Redis" is the route lookup of a second
# ippool-policyd whose store is a private Redis (unix socket, no
# persistence): the warm-up reservation as a Redis transaction.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-${top_builddir:-$src}}
POLICYD=$bld/policy/ippool-policyd
CONNS=${CONNS:-8}
SECS=${SECS:-5}
[ -x "$POLICYD" ] || { echo "build first: $POLICYD is missing" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ippool-bench-XXXXXX")
OUT=$T
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cc -O2 -Wall -o "$OUT/load" "$src/bench/load.c" -pthread
# shellcheck disable=SC2046
cc -O2 -Wall -o "$OUT/minserver" "$src/bench/minserver.c" $(pkg-config --cflags --libs libevent)
base=$(( 20000 + RANDOM % 20000 ))
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
[policy]
policy = inet:$base@127.0.0.1
socketmap = inet:$(( base + 1 ))@127.0.0.1
metrics =
user =
[pool tx]
ips = 192.0.2.3 192.0.2.4
senders = @tx.example
port = $(( base + 10 ))
[warmup]
schedule = 1000000000
CONF
"$POLICYD" -f -c "$T/ippool.conf" >"$T/policyd.log" 2>&1 &
pids+=($!)
"$OUT/minserver" $(( base + 3 )) $(( base + 2 )) &
pids+=($!)
rows="socketmap route:socketmap:1:3"
if command -v redis-server >/dev/null; then
	redis-server --port 0 --unixsocket "$T/redis.sock" --save '' --appendonly no \
	    --dir "$T" --logfile "$T/redis.log" &
	pids+=($!)
	sleep 0.5
	sed -e "s|^path = .*|backend = redis\nredis = unix:$T/redis.sock|" \
	    -e "s|inet:$base@|inet:$(( base + 20 ))@|" \
	    -e "s|inet:$(( base + 1 ))@|inet:$(( base + 21 ))@|" \
	    -e "s|^port = .*|port = $(( base + 30 ))|" "$T/ippool.conf" >"$T/redis.conf"
	"$POLICYD" -f -c "$T/redis.conf" >"$T/policyd-redis.log" 2>&1 &
	pids+=($!)
	rows="$rows;route on Redis:socketmap:21:3"
fi
sleep 1

run() {		# run KIND PORT -> "RATE ERRORS"
	"$OUT/load" "$1" "$2" "$CONNS" "$SECS"
}
printf 'ippool-policyd %s vs minimal server, %d connections, %d s each, %s CPUs\n\n' \
	"$("$POLICYD" -V | cut -d' ' -f2)" "$CONNS" "$SECS" "$(nproc)"
printf '%-18s %14s %14s %8s\n' "requests" "policyd req/s" "minimal req/s" "ratio"
IFS=';' read -r -a rowlist <<<"$rows;socketmap sender:sender:1:3;policy:policy:0:2"
for row in "${rowlist[@]}"; do
	IFS=: read -r name kind poff moff <<<"$row"
	read -r p perr <<<"$(run "$kind" $(( base + poff )))"
	read -r m merr <<<"$(run "$kind" $(( base + moff )))"
	printf '%-18s %14s %14s %7s%%' "$name" "$p" "$m" "$(( m > 0 ? p * 100 / m : 0 ))"
	[ "$perr$merr" = 00 ] || printf '  (errors: policyd %s, minimal %s)' "$perr" "$merr"
	printf '\n'
done
