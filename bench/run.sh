#!/bin/bash
# run.sh - "make bench": messages per second through a private Postfix to
# an smtp-sink, three ways measured in the same run and alternated round by
# round: bare Postfix, Postfix + ippool-milter (tag, suppression check and
# hourly-limit reservation for every recipient), Postfix + OpenDKIM
# signing rsa-2048.  Prints the rates, the ratios to bare Postfix and the
# milter's peak RSS.  Not part of "make check": timings depend on the
# machine.  Usage: bench/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
export top_builddir=$(cd "${1:-$top}" && pwd)
SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-3000}
SIZE=${SIZE:-2048}
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (private Postfix instances)" >&2; exit 1; }
# OpenDKIM refuses keys under a world-writable directory such as /tmp
mkdir -p "$top_builddir/bench/tmp"
chmod 755 "$top_builddir/bench/tmp"
export TMPDIR=$top_builddir/bench/tmp
. "$top/tests/e2e/lib.sh" >/dev/null
command -v opendkim >/dev/null || { echo "bench: opendkim is not installed" >&2; exit 1; }

# three instances, same settings, different milters, each with its sink
sink_start bare "$(netip 20)"
sink_start ippool "$(netip 21)"
sink_start opendkim "$(netip 22)"
pf_setup bare 10025 </dev/null
pf_setup ippool 10026 <<CONF
smtpd_milters = inet:$(netip 1):8891
relayhost = [$(netip 21)]:2525
CONF
pf_setup opendkim 10027 <<CONF
smtpd_milters = inet:$(netip 1):8893
relayhost = [$(netip 22)]:2525
CONF
for name in bare ippool opendkim; do
	pf_set "$name" "default_process_limit = 100" "smtpd_client_connection_count_limit = 0"
	pf_start "$name"
done

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$(netip 1)
user =
hourly_limit = 10
[pool tx]
ips = $(netip 3)
senders = @bench.example
CONF
milter_start "$T/ippool.conf"

mkdir -p "$T/dkim"
opendkim-genkey -b 2048 -d bench.example -s bench -D "$T/dkim" >/dev/null
cat >"$T/opendkim.conf" <<CONF
Syslog no
Mode s
Domain bench.example
Selector bench
KeyFile $T/dkim/bench.private
Socket inet:8893@$(netip 1)
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
CONF
opendkim -f -x "$T/opendkim.conf" >"$T/opendkim.log" 2>&1 &
PIDS+=($!)
wait_for 10 port_open "$(netip 1)" 8893 || { echo "bench: opendkim did not start" >&2; exit 1; }

# one round: smtp-source against an instance; prints elapsed seconds
round() {	# round PORT
	local start end
	start=$(date +%s.%N)
	smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -N -f sender@bench.example \
		-t rcpt@example.com -M client.bench.example "$(netip 1):$1" >/dev/null 2>&1
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}
declare -A total
for name in bare ippool opendkim; do total[$name]=0; done
port_of() { case $1 in bare) echo 10025 ;; ippool) echo 10026 ;; opendkim) echo 10027 ;; esac; }


echo "bench: $ROUNDS rounds of $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, alternating"
# a warm-up round, not counted: process pools, caches, the store's pages
for name in bare ippool opendkim; do
	smtp-source -s "$SESSIONS" -m 500 -l "$SIZE" -N -f sender@bench.example \
		-t warmup@example.com -M client.bench.example "$(netip 1):$(port_of "$name")" >/dev/null 2>&1
done
for r in $(seq 1 "$ROUNDS"); do
	for name in bare ippool opendkim; do
		s=$(round "$(port_of "$name")")
		total[$name]=$(echo "${total[$name]} + $s" | bc -l)
		printf '  round %d %-9s %6.0f messages/s\n' "$r" "$name" "$(echo "$MESSAGES / $s" | bc -l)"
	done
done
# the milters really worked: every message tagged, every one signed
sink_wait ippool $((ROUNDS * MESSAGES + 500)) 60
sink_wait opendkim $((ROUNDS * MESSAGES + 500)) 60
tagged=$(grep -l '^X-Settings: ' $(sink_files ippool) 2>/dev/null | wc -l)
signed=$(grep -l '^DKIM-Signature: ' $(sink_files opendkim) 2>/dev/null | wc -l)
echo "delivered: bare $(sink_count bare), ippool $(sink_count ippool) ($tagged tagged), opendkim $(sink_count opendkim) ($signed signed)"
rss=$(awk '/VmHWM/ { print $2 " " $3 }' "/proc/$MILTER_PID/status")

bare=$(echo "$ROUNDS * $MESSAGES / ${total[bare]}" | bc -l)
echo
printf '%-28s %8s %10s\n' "" "msg/s" "vs bare"
for name in bare ippool opendkim; do
	rate=$(echo "$ROUNDS * $MESSAGES / ${total[$name]}" | bc -l)
	case $name in
	bare) label="bare Postfix" ;;
	ippool) label="Postfix + ippool-milter" ;;
	opendkim) label="Postfix + OpenDKIM rsa-2048" ;;
	esac
	printf '%-28s %8.0f %9.2fx\n' "$label" "$rate" "$(echo "$rate / $bare" | bc -l)"
done
echo "ippool-milter peak RSS: $rss"
t_failed=0
