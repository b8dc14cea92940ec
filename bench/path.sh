#!/bin/bash
# path.sh - "make bench-path": the whole path as deployed, messages
# DELIVERED AT THE SINK per second, against its structural limit measured
# in the same run, modes round by round in turn:
#
#   direct      one bare Postfix -> smtp-sink (relayhost)
#   chained     bare main Postfix -> content_filter relay transport -> bare
#               relay instance -> smtp-sink: the same two hops as ippool,
#               no milter, no policy, no socketmap
#   chained-null  the same pair with a milter that does nothing
#               (bench/nullmilter.c, ippool-milter's steps, a unix
#               socket): the floor of any milter on this path; the ratio
#               of ippool to it is what ippool itself costs
#   ippool      main Postfix + ippool-milter (tag, limits, suppression) +
#               ippool-policyd (FILTER at RCPT, sender map) -> FILTER ->
#               pool instance -> socketmap route lookup (warm-up
#               reservation) -> smtp-sink, from the IP policyd chose
#   ippool-rsa  the same with the milter signing rsa-2048
#
# The ippool instances are set up the way an administrator does it:
# "ippoolctl postfix-setup --main-dir DIR --pool-dir TEMPLATE" on private
# instance directories (tests/e2e/routing.sh does the same), which writes
# the main instance's milter, policy check, sender map and relay
# transport, and the pool instance's socketmap transport_maps, IP
# transports and listener with its own resolver.  The chained mode's main
# instance gets, as its content_filter, a copy of the very relay transport
# line postfix-setup wrote (master.cf), so both two-hop modes hand over
# the same way.  Every instance's policyd "relay" (or relayhost) is its
# mode's sink, so nothing leaves the machine.  The sockets are DESIGN.md's
# defaults: the milter on a unix socket (mode 0660, Postfix in its group),
# policy and socketmap on inet; an inet milter socket cost about 0.9 ms
# more CPU per message in the main instance and 0.2 ms in the milter
# here (smtp-source opens a connection per message, and so does smtpd to
# the milter).
#
# Postfix tuning, the same for every instance of every mode: the lines in
# TUNE below on top of tests/e2e/lib.sh's pf_setup (no chroot, no TLS):
#   default_process_limit = 100 (Postfix's default, stated: 20 inbound
#     sessions plus up to 20 deliveries per hop stay well under it);
#   smtpd_client_connection_count_limit = 0: all clients are local (the
#     load generator, and the main instance into the relay/pool instance),
#     the default 50 would not bind at 20 sessions but says what is meant;
#   in_flow_delay, smtp connection caching (on demand), destination
#     concurrency (20): Postfix's defaults, as a site runs them.  Nothing
#     is tuned for ippool's modes only.
#
# Load: smtp-source, SESSIONS sessions split over four processes, one per
# ISP domain (gmail.com, outlook.com, yahoo.com, icloud.com), MESSAGES
# messages of SIZE bytes per round, a new recipient each message (-N,
# and a local part naming the round so no recipient repeats in the run).
# A round's time runs from the first message sent until the last one is
# a file in the mode's sink directory (polled every 50 ms).  A warm-up
# round of WARMUP messages per mode is not counted.  Checks that every
# message of each mode arrived; for the ippool modes, that each came from
# a pool IP, carries one X-Settings tag naming its pool (and an
# rsa-sha256 signature in ippool-rsa), and that the deliveries from each
# (IP, ISP) equal the units policyd reserved there; prints a WARNING line
# when not.  Not part of "make check": timings depend on the machine.
#
# Usage: bench/path.sh BUILD_DIR   (env: SESSIONS MESSAGES SIZE ROUNDS WARMUP;
# MODES, a subset of the five, runs only those; PERF=FILE records a
# call-graph profile (perf record -g) of the processes of every mode run,
# Postfix instances, milters and policyds, over the counted rounds, with
# FILE.pids naming each process's instance: "PID INSTANCE COMMAND")
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
export top_builddir=$(cd "${1:-$top}" && pwd)
SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-2000}
SIZE=${SIZE:-2048}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-200}
[ "$(id -u)" = 0 ] || { echo "bench-path: run as root (private Postfix instances)" >&2; exit 1; }
mkdir -p "$top_builddir/bench/tmp"
chmod 755 "$top_builddir/bench/tmp"
export TMPDIR=$top_builddir/bench/tmp
. "$top/tests/e2e/lib.sh" >/dev/null
for c in postfix smtp-source smtp-sink bc "$MILTER" "$POLICYD" "$CTL"; do
	command -v "$c" >/dev/null || { echo "bench-path: $c is not installed" >&2; exit 1; }
done
[ "$SESSIONS" -ge 4 ] || { echo "bench-path: SESSIONS must be at least 4 (one per ISP)" >&2; exit 1; }
# days roll at 00:00 UTC and warm-up counts are per day
not_before_midnight 600

ALL_MODES="direct chained chained-null ippool ippool-rsa"
MODES=${MODES:-$ALL_MODES}
for m in $MODES; do
	case " $ALL_MODES " in *" $m "*) ;;
	*) echo "bench-path: unknown mode $m ($ALL_MODES)" >&2; exit 1 ;;
	esac
done
has_mode() { [[ " $MODES " == *" $1 "* ]]; }
DOMAINS="gmail.com outlook.com yahoo.com icloud.com"
declare -A port sink total label isp
label[direct]="one bare Postfix -> sink"
label[chained]="bare main -> bare relay -> sink"
label[chained-null]="the same + a null milter"
label[ippool]="ippool path (no DKIM)"
label[ippool-rsa]="ippool path, rsa-2048"
isp[gmail.com]=gmail isp[outlook.com]=microsoft isp[yahoo.com]=yahoo isp[icloud.com]=apple
port[direct]=10025 port[chained]=10026 port[ippool]=10028 port[ippool-rsa]=10029
port[chained-null]=10033
n=0
for m in $ALL_MODES; do
	n=$((n + 1))
	sink[$m]=$((20 + n))
	total[$m]=0
done
TUNE="default_process_limit = 100
smtpd_client_connection_count_limit = 0"
M=$(netip 1)

for m in $ALL_MODES; do sink_start "$m" "$(netip ${sink[$m]})"; done

# --- direct ------------------------------------------------------------------
pf_setup direct "${port[direct]}" <<CONF
$TUNE
relayhost = [$(netip ${sink[direct]})]:2525
CONF

# --- the ippool modes, by ippoolctl postfix-setup ---------------------------------
# ippool_conf MODE POOL IP1 IP2 PORTBASE MILTERPORT POOLPORT
ippool_conf() {
	cat <<CONF
[store]
path = $T/store-$1
[milter]
socket = unix:$T/milter-$1.sock
user =
hourly_limit = 100
[policy]
policy = inet:$5@$M
socketmap = inet:$(($5 + 1))@$M
metrics = inet:$(($5 + 2))@$M
relay = [$(netip ${sink[$1]})]:2525
user =
[pool $2]
ips = $3 $4
senders = @bench.example
port = $7
[warmup]
schedule = 1000000000
CONF
}
mkdir -m 700 "$T/keys"
"$CTL" dkim genkey bench.example rsa --dir "$T/keys" >/dev/null || bail "dkim genkey failed"
ippool_conf ippool tx "$(netip 3)" "$(netip 4)" 10040 8891 10031 >"$T/ippool.conf"
ippool_conf ippool-rsa txr "$(netip 5)" "$(netip 6)" 10050 8892 10032 >"$T/ippool-rsa.conf"
printf '[dkim]\nkeytable = %s\n' "$T/keys.rsa" >>"$T/ippool-rsa.conf"
printf 'bench.example rsa %s\n' "$T/keys/bench.example.rsa.key" >"$T/keys.rsa"
declare -A pool=([ippool]=tx [ippool-rsa]=txr) poolport=([ippool]=10031 [ippool-rsa]=10032)
declare -A mpid ppid
mport=8890
for m in ippool ippool-rsa; do
	mport=$((mport + 1))
	pf_setup "$m" "${port[$m]}" <<<"$TUNE"
	pf_setup "${pool[$m]}" "${poolport[$m]}" <<<"$TUNE"
	"$CTL" -c "$T/$m.conf" postfix-setup --main-dir "$T/pf-$m/etc" \
		--pool-dir "$T/pf-%s/etc" >"$T/setup-$m.out" 2>&1 \
		|| { sed 's/^/# /' "$T/setup-$m.out"; bail "postfix-setup failed for $m"; }
	milter_start "$T/$m.conf" "$m"
	mpid[$m]=$MILTER_PID
	# the socket is 0660 in the milter's group; Postfix's user is in it
	# on a real site (README), here the group is Postfix's own
	chgrp postfix "$T/milter-$m.sock" || bail "cannot give the milter socket to Postfix's group"
	policyd_start "$T/$m.conf" "$m"
	ppid[$m]=$POLICYD_PID
done

# --- chained: the same relay hop, bare -------------------------------------------
relay=$(postconf -c "$T/pf-ippool/etc" -M ippool_relay_tx/unix)
[ -n "$relay" ] || bail "postfix-setup wrote no ippool_relay_tx transport"
pf_setup chained "${port[chained]}" <<CONF
$TUNE
content_filter = ippool_relay_tx:[$M]:10027
CONF
postconf -c "$T/pf-chained/etc" -M "ippool_relay_tx/unix = $relay"
pf_setup relay 10027 <<CONF
$TUNE
relayhost = [$(netip ${sink[chained]})]:2525
CONF

# --- chained-null: the same pair, and a milter that does nothing -------------------
# (bench/nullmilter.c, asking for ippool-milter's steps, on a unix socket
# as ippool's): the floor of any milter on this path, so that the ratio
# to it is ippool's own cost
cc -O2 -Wall -o "$T/nullmilter" "$top/bench/nullmilter.c" -lmilter -pthread \
	|| bail "cannot build bench/nullmilter.c"
"$T/nullmilter" "unix:$T/milter-null.sock" >"$T/nullmilter.log" 2>&1 &
mpid[chained-null]=$!
PIDS+=($!)
wait_for 10 test -S "$T/milter-null.sock" || bail "the null milter did not start"
chgrp postfix "$T/milter-null.sock" && chmod 660 "$T/milter-null.sock" \
	|| bail "cannot give the null milter's socket to Postfix's group"
pf_setup chained-null "${port[chained-null]}" <<CONF
$TUNE
content_filter = ippool_relay_tx:[$M]:10034
smtpd_milters = { unix:$T/milter-null.sock, default_action=tempfail }
CONF
postconf -c "$T/pf-chained-null/etc" -M "ippool_relay_tx/unix = $relay"
pf_setup relay-null 10034 <<CONF
$TUNE
relayhost = [$(netip ${sink[chained-null]})]:2525
CONF

for d in "$T"/pf-*/etc; do
	i=${d%/etc}; i=${i##*/pf-}
	script -qc "postfix -c $d check" /dev/null >"$T/check-$i.log" 2>&1
	[ -s "$T/check-$i.log" ] && { sed 's/^/# /' "$T/check-$i.log"; bail "postfix check failed for $i"; }
	pf_start "$i"
done

# --- CPU per message, by component -------------------------------------------------
# A process's CPU time (utime + stime, and for a Postfix master the
# children it reaped), in clock ticks; an instance's: its master and
# every live child (all Postfix daemons are the master's children).
ticks() {	# ticks PID...
	local p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && sed 's/^.*) //' "/proc/$p/stat"
	done | awk '{ t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}
pf_ticks() {	# pf_ticks INSTANCE
	local master
	master=$(tr -d ' ' <"$T/pf-$1/spool/pid/master.pid")
	ticks "$master" $(pgrep -P "$master")
}
sink_pid() { pgrep -f "^smtp-sink -u root -d $T/sink-$1/" | head -1; }
declare -A comps cpu
comps[direct]="main:direct sink:direct"
comps[chained]="main:chained relay:relay sink:chained"
comps[chained-null]="main:chained-null relay:relay-null milter:chained-null sink:chained-null"
for m in ippool ippool-rsa; do
	comps[$m]="main:$m relay:${pool[$m]} milter:$m policyd:$m sink:$m"
done
COMPONENTS="main relay milter policyd sink"
comp_ticks() {	# comp_ticks KIND:NAME
	case $1 in
	main:* | relay:*) pf_ticks "${1#*:}" ;;
	milter:*) ticks "${mpid[${1#*:}]}" ;;
	policyd:*) ticks "${ppid[${1#*:}]}" ;;
	sink:*) ticks "$(sink_pid "${1#*:}")" ;;
	esac
}
declare -A before
cpu_mark() {	# cpu_mark MODE: remember every component's ticks
	local c
	for c in ${comps[$1]}; do before[$c]=$(comp_ticks "$c"); done
}
cpu_add() {	# cpu_add MODE: add the ticks since cpu_mark to the mode's totals
	local c
	for c in ${comps[$1]}; do
		cpu[$1:${c%%:*}]=$(( ${cpu[$1:${c%%:*}]:-0} + $(comp_ticks "$c") - ${before[$c]} ))
	done
}

# --- load ----------------------------------------------------------------------
sent=0				# messages sent to every mode so far
# source_run MODE COUNT TAG: SECS, the seconds from the first message sent
# until COUNT more messages are files in the mode's sink
source_run() {
	local m=$1 count=$2 tag=$3 want start end i=0 d s c pids=() got last now since
	want=$((sent + count))
	start=$(date +%s.%N)
	for d in $DOMAINS; do
		# sessions and messages split over the four processes
		s=$(( SESSIONS / 4 + (i < SESSIONS % 4) ))
		c=$(( count / 4 + (i < count % 4) ))
		i=$((i + 1))
		smtp-source -s "$s" -m "$c" -l "$SIZE" -N -f sender@bench.example \
			-t "$tag@$d" -M client.bench.example "$M:${port[$m]}" \
			>>"$T/source-$m.log" 2>&1 &
		pids+=($!)
	done
	# until all are there, or nothing arrived for 30 s
	last=-1
	while got=$(ls -U "$T/sink-$m" | wc -l); [ "$got" -lt "$want" ]; do
		now=$(date +%s)
		[ "$got" != "$last" ] && { last=$got; since=$now; }
		if [ $((now - since)) -gt 30 ]; then
			echo "bench-path: WARNING: $m: $got of $want messages in the sink, none for 30 s" \
				"($(grep -c fatal "$T/source-$m.log") smtp-source errors, $T/source-$m.log)" >&2
			break
		fi
		sleep 0.05
	done
	end=$(date +%s.%N)
	wait "${pids[@]}"
	SECS=$(echo "$end - $start" | bc -l)
}

echo "bench-path: $(nproc) cores, Postfix $(postconf -dh mail_version), $(openssl version | cut -d' ' -f1,2), Linux $(uname -r)"
echo "bench-path: $ROUNDS rounds of $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, modes in turn (rate: delivered at the sink)"
for m in $MODES; do source_run "$m" "$WARMUP" w; done	# not counted
sent=$WARMUP
if [ -n "${PERF:-}" ]; then
	for m in $MODES; do
		for c in ${comps[$m]}; do
			case $c in
			main:* | relay:*)
				mp=$(tr -d ' ' <"$T/pf-${c#*:}/spool/pid/master.pid")
				for p in $mp $(pgrep -P "$mp"); do echo "$p ${c#*:} $(cat /proc/$p/comm)"; done ;;
			milter:*) echo "${mpid[${c#*:}]} ${c#*:} $(cat "/proc/${mpid[${c#*:}]}/comm")" ;;
			policyd:*) echo "${ppid[${c#*:}]} ${c#*:} ippool-policyd" ;;
			esac
		done
	done >"$PERF.pids"
	perf record -q -g -o "$PERF" -p "$(awk '{ print $1 }' "$PERF.pids" | paste -sd,)" \
		>"$T/perf.log" 2>&1 &
	perf_pid=$!
	PIDS+=($perf_pid)
fi
for r in $(seq 1 "$ROUNDS"); do
	line="  round $r:"
	for m in $MODES; do
		cpu_mark "$m"
		source_run "$m" "$MESSAGES" "r$r"
		cpu_add "$m"
		total[$m]=$(echo "${total[$m]} + $SECS" | bc -l)
		line="$line $m $(printf '%.0f' "$(echo "$MESSAGES / $SECS" | bc -l)")"
	done
	sent=$((sent + MESSAGES))
	echo "$line"
done
if [ -n "${PERF:-}" ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid"
	echo "bench-path: profile in $PERF (perf report -i $PERF), its processes in $PERF.pids"
fi

# --- checks ----------------------------------------------------------------------
want=$sent
for m in $MODES; do
	got=$(ls -U "$T/sink-$m" | wc -l)
	[ "$got" = "$want" ] || echo "bench-path: WARNING: $m: $got of $want messages at the sink"
done
# every ippool delivery: source IP, recipient's ISP, tags (one line each)
for m in ippool ippool-rsa; do
	has_mode "$m" || continue
	"$PY" - "$T/sink-$m" "${pool[$m]}" >"$T/deliveries-$m" <<'PYEOF'
import sys, os, base64, json, email, email.policy
d, pool = sys.argv[1], sys.argv[2]
isp = {"gmail.com": "gmail", "outlook.com": "microsoft", "yahoo.com": "yahoo", "icloud.com": "apple"}
for name in os.listdir(d):
    raw = open(os.path.join(d, name), "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    ip = (msg.get("X-Client-Addr") or "").strip()
    rcpt = (msg.get("X-Rcpt-Args") or "").strip().split(">")[0].lstrip("<")
    tags = msg.get_all("X-Settings") or []
    ok = "tag-ok"
    try:
        if len(tags) != 1 or json.loads(base64.b64decode("".join(tags[0].split()), validate=True))["OutboundIp"]["IpPoolId"] != pool:
            ok = "tag-bad"
    except Exception:
        ok = "tag-bad"
    sig = "rsa" if any("a=rsa-sha256;" in "".join(s.split()) for s in msg.get_all("DKIM-Signature") or []) else "nosig"
    print(ip, isp.get(rcpt.rpartition("@")[2], "unknown"), ok, sig)
PYEOF
	bad=$(awk '$3 != "tag-ok"' "$T/deliveries-$m" | wc -l)
	[ "$bad" = 0 ] || echo "bench-path: WARNING: $m: $bad messages without exactly one X-Settings naming pool ${pool[$m]}"
	if [ "$m" = ippool-rsa ]; then
		bad=$(awk '$4 != "rsa"' "$T/deliveries-$m" | wc -l)
		[ "$bad" = 0 ] || echo "bench-path: WARNING: $m: $bad messages without an rsa-sha256 DKIM signature"
	fi
	# policyd's reservations, (IP, ISP) by (IP, ISP), against the deliveries;
	# a block policyd holds counts as reserved until its units not handed
	# out go back, a second or two after the last lookup (ippool-policyd(8),
	# "Reservation and settlement"): read again until then
	awk '{ print $1, $2 }' "$T/deliveries-$m" | sort | uniq -c | awk '{ print $2, $3, $1 }' | sort >"$T/delivered-$m"
	for try in 1 2 3 4 5 6 7 8 9 10; do
		"$CTL" -c "$T/$m.conf" warmup status --json >"$T/status-$m.json" 2>"$T/status-$m.err" \
			|| echo "bench-path: WARNING: $m: ippoolctl warmup status failed: $(cat "$T/status-$m.err")"
		"$PY" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["reserved"] or r["sent"]:
        print(r["ip"], r["isp"], r["reserved"] + r["sent"])' "$T/status-$m.json" | sort >"$T/reserved-$m"
		cmp -s "$T/reserved-$m" "$T/delivered-$m" && break
		sleep 0.5
	done
	from_pool=$(awk -v a="$(netip 3) $(netip 4) $(netip 5) $(netip 6)" \
		'BEGIN { n = split(a, x); for (i = 1; i <= n; i++) ok[x[i]] = 1 } ok[$1]' "$T/deliveries-$m" | wc -l)
	[ "$from_pool" = "$want" ] || echo "bench-path: WARNING: $m: $from_pool of $want messages came from a pool IP"
	if ! cmp -s "$T/reserved-$m" "$T/delivered-$m"; then
		echo "bench-path: WARNING: $m: deliveries per (IP, ISP) differ from policyd's reservations:"
		diff "$T/reserved-$m" "$T/delivered-$m" | sed 's/^/    /'
	else
		echo "bench-path: $m: all $want deliveries from the IP policyd reserved them on:" \
			"$(awk '{ printf "%s%s %s %s", s, $1, $2, $3; s = ", " }' "$T/delivered-$m")"
	fi
done

rate() { echo "$ROUNDS * $MESSAGES / ${total[$1]}" | bc -l; }
ratio() {	# ratio MODE REFERENCE: "0.85x", or "-" without that row
	if has_mode "$2"; then
		printf '%.2fx' "$(echo "$(rate "$1") / $(rate "$2")" | bc -l)"
	else
		printf -- -
	fi
}
echo
printf '%-34s %8s %10s %11s %11s\n' "" "msg/s" "vs direct" "vs chained" "vs +null"
for m in $MODES; do
	printf '%-34s %8.0f %10s %11s %11s\n' "${label[$m]}" "$(rate "$m")" \
		"$(ratio "$m" direct)" "$(ratio "$m" chained)" "$(ratio "$m" chained-null)"
done
# CPU time per delivered message: on a machine whose cores are all busy
# this, not the rate, says what each hop costs
tps=$(getconf CLK_TCK)
echo
printf '%-34s %8s' "CPU ms per message" "total"
for c in $COMPONENTS; do printf ' %8s' "$c"; done
echo
for m in $MODES; do
	sum=0
	for c in $COMPONENTS; do sum=$(( sum + ${cpu[$m:$c]:-0} )); done
	printf '%-34s %8.2f' "${label[$m]}" "$(echo "$sum * 1000 / $tps / ($ROUNDS * $MESSAGES)" | bc -l)"
	for c in $COMPONENTS; do
		if [ -n "${cpu[$m:$c]:-}" ]; then
			printf ' %8.2f' "$(echo "${cpu[$m:$c]} * 1000 / $tps / ($ROUNDS * $MESSAGES)" | bc -l)"
		else
			printf ' %8s' -
		fi
	done
	echo
done
for m in ippool ippool-rsa; do
	has_mode "$m" || continue
	printf 'peak RSS (%s): milter %s, policyd %s\n' "$m" \
		"$(awk '/VmHWM/ { print $2 " " $3 }' "/proc/${mpid[$m]}/status")" \
		"$(awk '/VmHWM/ { print $2 " " $3 }' "/proc/${ppid[$m]}/status")"
done
t_failed=0
