#!/bin/bash
# run.sh - "make bench": messages per second through a private Postfix to
# an smtp-sink, every way measured in the same run, round by round in turn:
#
#   bare        Postfix alone
#   null        + a milter that does nothing (bench/nullmilter.c: the
#               steps ippool-milter asks for, no body): the floor of
#               any milter, the protocol's own cost on both sides
#   null-body   the same, also taking the body (the floor of signing)
#   ippool      + ippool-milter: tag, bounce-rate check, suppression check
#               and hourly-limit reservation for every recipient
#   ippool-redis  the same with [store] backend = redis (a private
#               redis-server on a unix socket, appendfsync everysec)
#   ippool-rsa  + the same, signing rsa-2048
#   ippool-sync + the same with [store] sync = yes (every transaction on
#               disk at commit: a committed suppression survives a crash
#               of the machine)
#   ippool-ed   + the same, signing ed25519
#   ippool-dual + the same, signing with both keys
#   opendkim    + OpenDKIM 2.11 signing rsa-2048
#   opendkim-ed + OpenDKIM 2.11 signing ed25519
#
# smtp-source -s SESSIONS -m MESSAGES -l SIZE -N (a new recipient each
# message); the rate is messages accepted per second (milters answer
# before Postfix does).  Prints the rates, ratios to bare Postfix and to
# OpenDKIM with each key type, checks that every message was tagged or
# signed, and the milters' peak RSS.  Not part of "make check": timings depend on the
# machine.  Usage: bench/run.sh BUILD_DIR   (env: SESSIONS MESSAGES SIZE ROUNDS)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
export top_builddir=$(cd "${1:-$top}" && pwd)
SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-3000}
SIZE=${SIZE:-2048}
ROUNDS=${ROUNDS:-3}
WARMUP=500
[ "$(id -u)" = 0 ] || { echo "bench: run as root (private Postfix instances)" >&2; exit 1; }
# OpenDKIM refuses keys under a world-writable directory such as /tmp
mkdir -p "$top_builddir/bench/tmp"
chmod 755 "$top_builddir/bench/tmp"
export TMPDIR=$top_builddir/bench/tmp
. "$top/tests/e2e/lib.sh" >/dev/null
for c in opendkim smtp-source bc redis-server; do
	command -v "$c" >/dev/null || { echo "bench: $c is not installed" >&2; exit 1; }
done

MODES="bare null null-body ippool ippool-redis ippool-rsa ippool-sync ippool-ed ippool-dual opendkim opendkim-ed"
declare -A port sink total label
n=0
for m in $MODES; do
	n=$((n + 1))
	port[$m]=$((10024 + n))
	sink[$m]=$((20 + n))
	total[$m]=0
done
label[bare]="bare Postfix"
label[null]="+ null milter"
label[null-body]="+ null milter, with the body"
label[ippool]="+ ippool-milter (no DKIM)"
label[ippool-redis]="+ ippool-milter on Redis"
label[ippool-rsa]="+ ippool-milter rsa-2048"
label[ippool-sync]="+ ippool-milter rsa-2048, sync = yes"
label[ippool-ed]="+ ippool-milter ed25519"
label[ippool-dual]="+ ippool-milter rsa + ed25519"
label[opendkim]="+ OpenDKIM rsa-2048"
label[opendkim-ed]="+ OpenDKIM ed25519"

# keys: one RSA and one Ed25519 for bench.example
mkdir -m 700 "$T/keys"
"$CTL" dkim genkey bench.example rsa --dir "$T/keys" >/dev/null || exit 1
"$CTL" dkim genkey bench.example ed --type ed25519 --dir "$T/keys" >/dev/null || exit 1
printf 'bench.example rsa %s\n' "$T/keys/bench.example.rsa.key" >"$T/keys.ippool-rsa"
printf 'bench.example ed %s\n' "$T/keys/bench.example.ed.key" >"$T/keys.ippool-ed"
cat "$T/keys.ippool-rsa" "$T/keys.ippool-ed" >"$T/keys.ippool-dual"
cp "$T/keys.ippool-rsa" "$T/keys.ippool-sync"

cc -O2 -Wall -o "$T/nullmilter" "$top/bench/nullmilter.c" -lmilter -pthread || exit 1
declare -A mpid
REDIS_ARGS="--appendonly yes --appendfsync everysec"
redis_start
mport=8890
for m in $MODES; do
	sink_start "$m" "$(netip ${sink[$m]})"
	milter=
	case $m in
	ippool*)
		mport=$((mport + 1))
		milter="smtpd_milters = inet:$(netip 1):$mport"
		if [ "$m" = ippool-redis ]; then
			store="backend = redis
redis = unix:$REDIS_SOCK"
		else
			store="path = $T/store-$m"
			[ "$m" = ippool-sync ] && store="$store
sync = yes"
		fi
		cat >"$T/$m.conf" <<CONF
[store]
$store
[milter]
socket = inet:$mport@$(netip 1)
user =
hourly_limit = 10
[pool tx]
ips = $(netip 3)
senders = @bench.example
CONF
		[ -f "$T/keys.$m" ] && printf '[dkim]\nkeytable = %s\n' "$T/keys.$m" >>"$T/$m.conf"
		milter_start "$T/$m.conf" "$m"
		mpid[$m]=$MILTER_PID
		;;
	null | null-body)
		mport=$((mport + 1))
		"$T/nullmilter" "inet:$mport@$(netip 1)" "$([ $m = null-body ] && echo sign)" \
			>"$T/$m.log" 2>&1 &
		mpid[$m]=$!
		PIDS+=($!)
		wait_for 10 port_open "$(netip 1)" "$mport" || { echo "bench: $m did not start" >&2; exit 1; }
		milter="smtpd_milters = inet:$(netip 1):$mport"
		;;
	opendkim)
		mport=$((mport + 1))
		opendkim_start bench.example rsa "$T/keys/bench.example.rsa.key" "$mport"
		mpid[$m]=$ODKIM_PID
		milter="smtpd_milters = inet:$(netip 1):$mport"
		;;
	opendkim-ed)
		mport=$((mport + 1))
		opendkim_start bench.example ed "$T/keys/bench.example.ed.key" "$mport" ed25519-sha256
		mpid[$m]=$ODKIM_PID
		milter="smtpd_milters = inet:$(netip 1):$mport"
		;;
	esac
	pf_setup "$m" "${port[$m]}" <<CONF
$milter
relayhost = [$(netip ${sink[$m]})]:2525
default_process_limit = 100
smtpd_client_connection_count_limit = 0
CONF
	pf_start "$m"
done

source_run() {	# source_run MODE COUNT: seconds taken
	local start end
	start=$(date +%s.%N)
	smtp-source -s "$SESSIONS" -m "$2" -l "$SIZE" -N -f sender@bench.example \
		-t rcpt@example.com -M client.bench.example "$(netip 1):${port[$1]}" >/dev/null 2>&1
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, Postfix $(postconf -dh mail_version 2>/dev/null)," \
	"$(openssl version | cut -d' ' -f1-2), OpenDKIM $(opendkim -V 2>/dev/null | sed -n 's/.*OpenDKIM Filter v\([0-9.]*\).*/\1/p'), Linux $(uname -r)"
echo "bench: $ROUNDS rounds of $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, modes in turn"
for m in $MODES; do source_run "$m" $WARMUP >/dev/null; done	# not counted
for r in $(seq 1 "$ROUNDS"); do
	line="  round $r:"
	for m in $MODES; do
		s=$(source_run "$m" "$MESSAGES")
		total[$m]=$(echo "${total[$m]} + $s" | bc -l)
		line="$line $m $(printf '%.0f' "$(echo "$MESSAGES / $s" | bc -l)")"
	done
	echo "$line"
done

# every message through a milter carries its marks and no other: the
# X-Settings tag (ippool only) and exactly the signatures of its key types
# (an OpenDKIM that failed to start while another milter held its port
# once measured that milter instead, unnoticed)
want=$((ROUNDS * MESSAGES + WARMUP))
for m in $MODES; do
	sink_wait "$m" "$want" 120
	case $m in
	bare | null | null-body) continue ;;
	ippool | ippool-redis) marks="tag" ;;
	ippool-rsa | ippool-sync) marks="tag rsa" ;;
	ippool-ed) marks="tag ed" ;;
	ippool-dual) marks="tag rsa ed" ;;
	opendkim) marks="rsa" ;;
	opendkim-ed) marks="ed" ;;
	esac
	got=$("$PY" - "$T/sink-$m" <<'PYEOF'
import os, sys, email, email.policy
d = sys.argv[1]
for name in os.listdir(d):
    msg = email.message_from_bytes(open(os.path.join(d, name), "rb").read(),
                                   policy=email.policy.compat32)
    have = ["tag"] * len(msg.get_all("X-Settings") or [])
    for sig in msg.get_all("DKIM-Signature") or []:
        sig = "".join(sig.split())
        have += ["rsa"] if "a=rsa-sha256;" in sig else ["ed"] if "a=ed25519-sha256;" in sig else ["other"]
    print(" ".join(sorted(have)))
PYEOF
	)
	marks=$(tr ' ' '\n' <<<"$marks" | sort | paste -sd' ')
	good=$(grep -c -x -F "$marks" <<<"$got")
	[ "$good" = "$want" ] || echo "bench: WARNING: $m: $good of $want messages with exactly the marks \"$marks\""
done

rate() { echo "$ROUNDS * $MESSAGES / ${total[$1]}" | bc -l; }
echo
# "vs null": against the null milter that takes what the row's milter
# takes (the body when it signs): what the milter's own work costs
printf '%-38s %8s %9s %9s %13s %12s\n' "" "msg/s" "vs bare" "vs null" "vs ODKIM rsa" "vs ODKIM ed"
for m in $MODES; do
	case $m in
	bare | null | null-body) vsnull=- ;;
	ippool | ippool-redis) vsnull=$(printf '%.2fx' "$(echo "$(rate "$m") / $(rate null)" | bc -l)") ;;
	*) vsnull=$(printf '%.2fx' "$(echo "$(rate "$m") / $(rate null-body)" | bc -l)") ;;
	esac
	printf '%-38s %8.0f %8.2fx %9s %12.2fx %11.2fx\n' "${label[$m]}" "$(rate "$m")" \
		"$(echo "$(rate "$m") / $(rate bare)" | bc -l)" "$vsnull" \
		"$(echo "$(rate "$m") / $(rate opendkim)" | bc -l)" \
		"$(echo "$(rate "$m") / $(rate opendkim-ed)" | bc -l)"
done
for m in $MODES; do
	[ -n "${mpid[$m]:-}" ] || continue
	if [ -r "/proc/${mpid[$m]}/status" ]; then
		printf 'peak RSS of the milter (%s): %s\n' "$m" \
			"$(awk '/VmHWM/ { print $2 " " $3 }' "/proc/${mpid[$m]}/status")"
	else
		echo "bench: WARNING: the milter of $m (pid ${mpid[$m]}) exited before the end of the run"
	fi
done
t_failed=0
