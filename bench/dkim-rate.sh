#!/bin/bash
# dkim-rate.sh - signing throughput through a private Postfix, by hand (not
# run by make check; needs root, Postfix, OpenDKIM):
#
#   smtp-source -s 20 -m N -l 2048 -> Postfix (smtpd_milters) -> smtp-sink
#
# in one run, on the same machine and Postfix: bare Postfix, ippool-milter
# tagging only, ippool-milter signing rsa-2048, ed25519, both (dual), and
# OpenDKIM 2.11 signing rsa-2048.  Prints messages/s accepted (the time
# smtp-source takes: signing happens before Postfix answers the DATA) and
# the ratios to OpenDKIM, after checking that the messages were signed.
#
#   usage: bash bench/dkim-rate.sh [MESSAGES]   (default 2000)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/e2e/lib.sh"
need_root
need postfix smtp-source smtp-sink opendkim "$MILTER" "$CTL"

N=${1:-2000}
SESS=20
LEN=2048
PORT=10025
MPORT=8891
ODPORT=8893

K=$T/keys
mkdir -m 700 "$K"
"$CTL" dkim genkey example.com rsa --dir "$K" >/dev/null || bail "genkey rsa"
"$CTL" dkim genkey example.com ed --type ed25519 --dir "$K" >/dev/null || bail "genkey ed25519"
printf 'example.com rsa %s\n' "$K/example.com.rsa.key" >"$T/keys.rsa"
printf 'example.com ed %s\n' "$K/example.com.ed.key" >"$T/keys.ed"
cat "$T/keys.rsa" "$T/keys.ed" >"$T/keys.dual"

conf() {	# conf NAME KEYTABLE|-: an ippool.conf
	cat >"$T/$1.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user =
hourly_limit = 0
dkim = $([ "$2" = - ] && echo no || echo yes)
[pool tx]
ips = $(netip 3)
CONF
	[ "$2" = - ] || printf '[dkim]\nkeytable = %s\n' "$2" >>"$T/$1.conf"
}
conf tag -
conf rsa "$T/keys.rsa"
conf ed "$T/keys.ed"
conf dual "$T/keys.dual"

sink_start out "$(netip 20)"
pf_setup b $PORT <<CONF
smtpd_client_connection_count_limit = 0
default_process_limit = 100
CONF
pf_start b

drained() { [ "$(sink_count out)" -ge "$1" ] && [ "$(pf_queue_count b)" -eq 0 ]; }

# run NAME MILTER-SOCKET|-: prints "NAME RATE"
run() {
	local name=$1 sock=$2 t0 t1 n signed
	if [ "$sock" = - ]; then
		pf_set b "smtpd_milters ="
	else
		pf_set b "smtpd_milters = $sock"
	fi
	pf_reload b
	sleep 1
	sink_clear out
	t0=$(date +%s.%N)
	smtp-source -s $SESS -m "$N" -l $LEN -f bench@example.com -t someone@example.net \
		"$(netip 1):$PORT" >"$T/source-$name.log" 2>&1
	t1=$(date +%s.%N)
	wait_for 300 drained "$N" || echo "# $name: only $(sink_count out) of $N delivered" >&2
	n=$(sink_count out)
	signed=$(sink_files out | head -50 | xargs grep -l '^DKIM-Signature:' 2>/dev/null | wc -l)
	echo "# $name: $n delivered, $signed of the first 50 carry DKIM-Signature" >&2
	awk -v n="$N" -v a="$t0" -v b="$t1" -v name="$name" \
		'BEGIN { printf "%s %.0f\n", name, n / (b - a) }'
}

{
	run bare -
	milter_start "$T/tag.conf" tag
	run ippool-tag "inet:$(netip 1):$MPORT"
	milter_stop
	milter_start "$T/rsa.conf" rsa
	run ippool-rsa2048 "inet:$(netip 1):$MPORT"
	milter_stop
	milter_start "$T/ed.conf" ed
	run ippool-ed25519 "inet:$(netip 1):$MPORT"
	milter_stop
	milter_start "$T/dual.conf" dual
	run ippool-dual "inet:$(netip 1):$MPORT"
	milter_stop
	opendkim_start example.com rsa "$K/example.com.rsa.key" $ODPORT
	run opendkim-rsa2048 "inet:$(netip 1):$ODPORT"
	kill "$ODKIM_PID"
} >"$T/rates"

od=$(awk '$1 == "opendkim-rsa2048" { print $2 }' "$T/rates")
echo "smtp-source -s $SESS -m $N -l $LEN, $(nproc) cores; messages/s accepted:"
awk -v od="$od" '{ printf "  %-18s %6d msg/s   %.2fx OpenDKIM rsa-2048\n", $1, $2, (od > 0 ? $2 / od : 0) }' "$T/rates"
pf_stop b
