#!/bin/bash
# units.sh - the systemd units of contrib/ as configure generated them:
# "systemd-analyze security --offline" rates each under 3.0, and each unit's
# ExecStartPre/ExecStart line, run as the unit runs it, brings its daemon
# up and it answers.  systemd is not PID 1 here, so the unit's sandbox is
# rebuilt from its own lines where that is possible without it: a private
# mount namespace in which every file system is read-only but the unit's
# writable paths (ProtectSystem=strict with ReadWritePaths and
# RuntimeDirectory, mapped onto the test's directories), its
# CapabilityBoundingSet, NoNewPrivileges and UMask (setpriv), started as
# root as a unit without User= is.  A capability or a writable path the
# daemon needs and the unit lacks fails here.
. "$(dirname "$0")/lib.sh"
need_root
need "$POLICYD" "$MILTER" "$CTL" "$PY" setpriv unshare

UNITS=$bld/contrib
RUNUSER=nobody
RUNGROUP=$(id -gn $RUNUSER)

# unit_get UNIT KEY: the values of KEY in the unit, one line each
unit_get() { sed -n "s/^$2=//p" "$UNITS/ippool-$1.service"; }

# --- the units as generated -----------------------------------------------------
for u in milter policyd ingest; do
	f=$UNITS/ippool-$u.service
	[ -f "$f" ]
	ok $? "ippool-$u.service generated from contrib/ippool-$u.service.in"
	! grep -q '@[a-z]*@' "$f"
	ok $? "  every @dir@ substituted"
	like "$(unit_get "$u" ExecStart)" '^/[^ ]*/(ippool-milter|ippool-policyd|ippoolctl) ' \
		"  ExecStart names the installed program by configure's sbindir"
done
is "$(unit_get ingest ExecReload)" '/bin/kill -HUP $MAINPID' "the ingest unit has an ExecReload"
is "$(unit_get ingest RestartForceExitStatus)" SIGHUP "  after which systemd starts it again"

if command -v systemd-analyze >/dev/null 2>&1; then
	for u in milter policyd ingest; do
		out=$(systemd-analyze security --offline=yes "$UNITS/ippool-$u.service" 2>&1)
		level=$(sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
		awk -v l="$level" 'BEGIN { exit !(l != "" && l + 0 < 3.0) }'
		ok $? "systemd-analyze security rates ippool-$u.service under 3.0 (${level:-no rating})"
		[ -n "$level" ] || sed 's/^/# /' <<<"$out" | tail -5
	done
else
	for u in milter policyd ingest; do
		t_n=$((t_n + 1))
		echo "ok $t_n - ippool-$u.service exposure # SKIP systemd-analyze is missing (the systemd package)"
	done
fi

# --- running the units' command lines ----------------------------------------------
# The unit's paths on this host are the test's: /run/ippool is $T/run,
# [store] path $T/store, made as systemd and the README's adduser make them.
mkdir -p "$T/run" "$T/store" "$T/etc"
chmod "$(unit_get milter RuntimeDirectoryMode)" "$T/run"
chown $RUNUSER:"$RUNGROUP" "$T/store"
chmod 750 "$T/store"
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = unix:$T/run/milter.sock
user = $RUNUSER
[policy]
policy = inet:10040@$(netip 1)
socketmap = inet:10041@$(netip 1)
metrics = inet:9465@$(netip 1)
relay = [$(netip 20)]:2525
[pool tx]
ips = $(netip 3)
senders = @tx.example
[dkim]
keytable = $T/keys/keytable
CONF
# the README's key setup: root:GROUP 0640 keys in a root:GROUP 0750
# directory, read as root at the start, as the run user on a reload
K=$T/keys
install -d -m 750 -o root -g "$RUNGROUP" "$K"
"$CTL" -c "$T/ippool.conf" dkim genkey example.com ed2026 --type ed25519 --dir "$K" \
    | grep '^example.com ' >"$K/keytable" || bail "genkey failed"
chgrp "$RUNGROUP" "$K/keytable"
chmod 640 "$K/keytable"

# unit_cmd UNIT KEY: the unit's command line for this test: the build's
# program, the test's configuration (-c), the test's Postfix log
unit_cmd() {
	local line prog args
	line=$(unit_get "$1" "$2")
	prog=${line%% *}
	args=${line#"$prog"}
	case ${prog##*/} in
	ippool-milter) prog=$MILTER ;;
	ippool-policyd) prog=$POLICYD ;;
	ippoolctl) prog=$CTL ;;
	*) bail "unit $1: unknown program $prog" ;;
	esac
	echo "$prog -c $T/ippool.conf${args//\/var\/log\/postfix.log/$T/postfix.log}"
}

# sandbox UNIT RW-PATH... -- COMMAND...: COMMAND as the unit runs it, in
# place of the calling shell (call it in a subshell or with &, whose $! is
# then the daemon's PID)
sandbox() {
	local u=$1 rw=() caps bset=-all c
	shift
	while [ "$1" != -- ]; do rw+=("$1"); shift; done
	shift
	caps=$(unit_get "$u" CapabilityBoundingSet)
	for c in $caps; do
		c=${c#CAP_}
		bset="$bset,+${c,,}"
	done
	nnp=()
	[ "$(unit_get "$u" NoNewPrivileges)" = yes ] && nnp=(--no-new-privs)
	exec unshare --mount --propagation private bash -c '
		rw=$1 um=$2; shift 2
		for p in $rw; do mount --bind "$p" "$p" || exit 71; done
		for mp in $(awk "{ print \$5 }" /proc/self/mountinfo | sort -u); do
			case $mp in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
			case " $rw " in *" $mp "*) continue ;; esac
			mount -o remount,bind,ro "$mp" 2>/dev/null
		done
		umask "$um"
		exec "$@"' sandbox "${rw[*]}" "$(unit_get "$u" UMask)" \
	    setpriv "${nnp[@]}" --bounding-set "$bset" --inh-caps -all --ambient-caps -all -- "$@"
}

# the sandbox itself: read-only outside the unit's paths, the bounding set applied
out=$(sandbox milter "$T/run" -- sh -c "touch $T/ro-probe 2>&1; touch $T/run/rw-probe && echo rw ok; grep CapBnd /proc/self/status")
like "$out" 'Read-only file system' "sandbox: the file system is read-only outside the unit's paths"
like "$out" 'rw ok' "  and writable in them"
like "$out" 'CapBnd:[[:space:]]+00000000000000c1' "  the bounding set is the unit's (chown, setgid, setuid)"

# cap_eff PID: the effective capabilities of a running process
cap_eff() { sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$1/status"; }

# milter_ask: the milter's answer to an option negotiation on its socket
milter_ask() {
	"$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
body = b"O" + struct.pack(">III", 6, 0x1ff, 0x1fffff)
s.sendall(struct.pack(">I", len(body)) + body)
n = struct.unpack(">I", s.recv(4))[0]
r = s.recv(n)
print("reply", chr(r[0]), "version", struct.unpack(">I", r[1:5])[0])' "$T/run/milter.sock"
}

# unit_start UNIT UP-COMMAND...: the unit's ExecStartPre, then its ExecStart
# in the background ($UPID), both in its sandbox; waits for UP-COMMAND
unit_start() {
	local u=$1 rc
	shift
	# shellcheck disable=SC2046
	(sandbox "$u" "$T/run" "$T/store" -- $(unit_cmd "$u" ExecStartPre)) >"$T/$u-pre.log" 2>&1
	rc=$?
	ok $rc "$u: ExecStartPre (-n) passes in the unit's sandbox"
	[ $rc -eq 0 ] || sed 's/^/# /' "$T/$u-pre.log"
	# shellcheck disable=SC2046
	sandbox "$u" "$T/run" "$T/store" -- $(unit_cmd "$u" ExecStart) >"$T/$u-u.log" 2>&1 &
	UPID=$!
	PIDS+=($UPID)
	DAEMONS+=($UPID)
	wait_for 20 "$@"
	rc=$?
	ok $rc "$u: ExecStart brings it up"
	[ $rc -eq 0 ] || sed 's/^/# /' "$T/$u-u.log"
}

# --- ippool-milter -------------------------------------------------------------------
unit_start milter grep -q 'ippool-milter .* started' "$T/milter-u.log"
MPID=$UPID
! grep -q 'warning' "$T/milter-u.log"
ok $? "  without a warning (keys read, a reload would work)"
is "$(stat -c '%U %G %a' "$T/run/milter.sock" 2>&1)" "$RUNUSER $RUNGROUP 660" \
	"  its socket in the RuntimeDirectory belongs to the run user (CAP_CHOWN), mode 660"
is "$(ps -o user= -p $MPID | tr -d ' ')" $RUNUSER "  it runs as the run user (CAP_SETUID, CAP_SETGID)"
is "$(cap_eff $MPID)" 0000000000000000 "  with no capability left"
is "$(milter_ask 2>&1)" "reply O version 6" "  and answers a milter negotiation on its socket"
ls "$T/store"/__db.* >/dev/null 2>&1
ok $? "  its store is open in the writable store directory"
kill -HUP $MPID
wait_for 10 grep -q 'configuration .* reloaded' "$T/milter-u.log"
rc=$?
ok $rc "  ExecReload (SIGHUP) reloads it, keys included, as the run user"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/milter-u.log"
kill -0 $MPID 2>/dev/null
ok $? "  and it keeps running"
kill $MPID
wait $MPID 2>/dev/null
# a [store] path that is not among the unit's ReadWritePaths
# shellcheck disable=SC2046
out=$( (sandbox milter "$T/run" -- timeout 20 $(unit_cmd milter ExecStart)) 2>&1)
like "$out" "fatal: store directory $T/store is on a read-only file system: under systemd, add it to the unit's ReadWritePaths" \
	"  a store outside the unit's writable paths: the start fails, saying what to do"

# --- ippool-policyd ------------------------------------------------------------------
unit_start policyd port_open "$(netip 1)" 10041
PPID_=$UPID
is "$(ps -o user= -p $PPID_ | tr -d ' ')" $RUNUSER "  it runs as the run user"
is "$(cap_eff $PPID_)" 0000000000000000 "  with no capability left"
like "$("$PY" "$src/tests/e2e/proto.py" sm "$(netip 1):10041" tx a@gmail.com 2>&1)" \
	'OK ippool_tx_1:' "  it answers a socketmap lookup (warm-up capacity reserved in the store)"
like "$("$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).status)' \
	"http://$(netip 1):9465/metrics" 2>&1)" '^200$' \
	"  and serves /metrics"
kill $PPID_
wait $PPID_ 2>/dev/null

# --- ippool-ingest -------------------------------------------------------------------
now=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
printf '%s mta postfix/smtp[1005]: 4QAAA1Bxyz1: to=<gone@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 <gone@example.com>: User unknown (in reply to RCPT TO command))\n' \
	"$now" >"$T/postfix.log"
chmod 600 "$T/postfix.log"		# as postlogd writes it: root only
# shellcheck disable=SC2046
sandbox ingest "$T/store" -- $(unit_cmd ingest ExecStart) >"$T/ingest-u.log" 2>&1 &
IPID=$!
PIDS+=($IPID)
wait_for 20 sh -c "'$CTL' -c '$T/ippool.conf' suppress show gone@example.com"
rc=$?
ok $rc "ingest: ExecStart reads the root-only log and suppresses the bounced address"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/ingest-u.log"
is "$(ps -o user= -p $IPID | tr -d ' ')" $RUNUSER "  it runs as the run user"
kill -HUP $IPID
wait $IPID 2>/dev/null
is $? 129 "  ExecReload (SIGHUP) ends it by that signal, which RestartForceExitStatus restarts"

done_testing
