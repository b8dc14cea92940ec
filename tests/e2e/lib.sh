# lib.sh - the end-to-end harness, sourced by tests/e2e/*.sh and the demo.
#
# Every run gets its own directory and its own loopback /24 (127.A.B.0),
# so tests run in parallel without port clashes: a private Postfix
# (postfix -c DIR: own queue, own maillog_file, every service non-chroot),
# smtp-sink dumps on other addresses of the /24, ippool daemons on the
# first address.  Output is TAP; the whole run is torn down on exit.

set -u

src=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bld=${top_builddir:-$src}
MILTER=$bld/milter/ippool-milter
POLICYD=$bld/policy/ippool-policyd
CTL=$bld/ctl/ippoolctl
PY=/usr/bin/python3		# Debian's, with python3-dkim (pyenv's may lack it)

# --- TAP -----------------------------------------------------------------
t_n=0
t_failed=0
ok() {		# ok CONDITION-STATUS DESCRIPTION
	local rc=$1; shift
	t_n=$((t_n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $t_n - $*"
	else
		echo "not ok $t_n - $*"
		t_failed=$((t_failed + 1))
	fi
}
is() {		# is GOT WANT DESCRIPTION
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf '#   got:  %s\n#   want: %s\n' "$got" "$want"
	fi
}
like() {	# like GOT ERE DESCRIPTION
	local got=$1 re=$2; shift 2
	if [[ $got =~ $re ]]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf '#   got:  %s\n#   want: /%s/\n' "$got" "$re"
	fi
}
diag() { printf '# %s\n' "$*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 99; }
done_testing() {
	sanitizer_check
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
}
# Under --enable-sanitizers the daemons report to their logs, which a
# passing test removes: stop them (the leak check runs as they exit) and
# fail on any report.
DAEMONS=()
sanitizer_check() {
	local p hits live=() jobs=" $(jobs -p | tr '\n' ' ') "
	[ ${#DAEMONS[@]} -gt 0 ] || return 0
	for p in "${DAEMONS[@]}"; do	# those still running (a PID may be reused)
		case $jobs in *" $p "*) live+=("$p") ;; esac
	done
	for p in "${live[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${live[@]}"; do
		wait_for 10 sh -c "! kill -0 $p 2>/dev/null"
		wait "$p" 2>/dev/null
	done
	hits=$(grep -h -E 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' \
	    "$T"/milter-*.log "$T"/policyd-*.log 2>/dev/null | head -5)
	[ -z "$hits" ]
	ok $? "no sanitizer report in the daemons' logs"
	[ -z "$hits" ] || sed 's/^/# /' <<<"$hits"
}

# --- prerequisites ---------------------------------------------------------
# make distcheck runs the unit tests only; the end-to-end ones run in the
# ordinary build (quickstart test).
[ "${IPPOOL_SKIP_E2E:-0}" = 1 ] && { echo "1..0 # SKIP IPPOOL_SKIP_E2E=1"; exit 0; }
need() {	# need COMMAND... : skip (or fail in CI) when one is missing
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		[ -x "$c" ] && continue
		if [ "${IPPOOL_REQUIRE_E2E:-0}" = 1 ]; then
			bail "$c is missing (IPPOOL_REQUIRE_E2E=1)"
		fi
		skip_all "$c is missing"
	done
}
need_root() {
	if [ "$(id -u)" != 0 ]; then
		[ "${IPPOOL_REQUIRE_E2E:-0}" = 1 ] && bail "end-to-end tests need root"
		skip_all "end-to-end tests need root (private Postfix instances)"
	fi
}

# --- the run's directory and addresses --------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/ippool-e2e-XXXXXX") || bail "mktemp failed"
chmod 755 "$T"			# postfix and the dropped-privilege daemons traverse it
# a /24 of 127/8 of our own: 127.A.B.0, A in 1..250 (127.0.0.x stays the host's)
NET=127.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
netip() { echo "$NET.$1"; }
PIDS=()
MOUNTS=()			# file systems a test mounted under $T

cleanup() {
	local p d
	for d in "$T"/pf-*; do
		[ -d "$d/etc" ] && postfix -c "$d/etc" stop >/dev/null 2>&1
	done
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_for 3 sh -c "! kill -0 $p 2>/dev/null" || kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for d in "${MOUNTS[@]}"; do
		umount "$d" 2>/dev/null || umount -l "$d"
	done
	ns_cleanup
	if [ "$t_failed" -gt 0 ] || [ -n "${IPPOOL_KEEP_TMP:-}" ]; then
		echo "# kept $T for inspection" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

# not_before_midnight SECONDS: if the UTC day ends within SECONDS, wait for
# the next one (a test that counts a day's warm-up must not straddle two)
not_before_midnight() {
	local now left
	now=$(date -u +%s)
	left=$(( 86400 - now % 86400 ))
	if [ "$left" -lt "$1" ]; then
		diag "waiting $left s for 00:00 UTC"
		sleep $(( left + 2 ))
	fi
}

# http_get URL: the HTTP status, then the body (GET, 10 s timeout)
http_get() {
	"$PY" -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    print(r.status); print(r.read().decode(), end="")
except urllib.error.HTTPError as e:
    print(e.code)' "$1"
}

# Wait until COMMAND succeeds, for up to SECONDS (tenths polled).
wait_for() {	# wait_for SECONDS COMMAND...
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --- a network namespace with a DNS server of its own ----------------------
# ns_setup NAME: the network namespace $NS (ippool-NAME-PID-N) with lo up,
# whose /etc/netns/$NS/resolv.conf points the system resolver at
# 127.0.0.1, one try of one second (a server that is down fails fast);
# skips the test where no namespace can be made.  Removed at exit, after
# the processes the test started.
NS=
ns_setup() {
	NS=ippool-$1-$$-$RANDOM
	ip netns add "$NS" || { NS=; skip_all "cannot create a network namespace"; }
	ip -n "$NS" link set lo up || bail "cannot bring lo up in $NS"
	mkdir -p "/etc/netns/$NS"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS/resolv.conf"
}
in_ns() { ip netns exec "$NS" "$@"; }
ns_cleanup() {
	[ -n "$NS" ] || return 0
	ip netns del "$NS" 2>/dev/null
	rm -rf "/etc/netns/$NS"
}
# dns_start [dnsmasq options...]: dnsmasq in $NS answering on 127.0.0.1:53
# from what the options say only (no /etc/hosts, no upstream servers),
# logging to $T/dnsmasq.log; DNS_PID is its process (ip netns exec runs it
# in this very process).  Waits until it listens.
dns_start() {
	ip netns exec "$NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=127.0.0.1 --port=53 --user=root --pid-file="$T/dnsmasq.pid" \
		--log-facility="$T/dnsmasq.log" "$@" >>"$T/dnsmasq.out" 2>&1 &
	DNS_PID=$!
	PIDS+=($DNS_PID)
	if ! wait_for 10 dns_listening || ! kill -0 "$DNS_PID" 2>/dev/null; then
		sed 's/^/# /' "$T/dnsmasq.out"
		bail "dnsmasq did not start"
	fi
}
dns_listening() { in_ns ss -Hlun 'sport = :53' | grep -q .; }
dns_stop() { kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; }

# --- smtp-sink ------------------------------------------------------------
# sink_start NAME ADDR [PORT]: dumps each message to $T/sink-NAME/
# (an IPv6 ADDR in brackets: "[fd00::20]").
sink_start() {
	local name=$1 addr=$2 port=${3:-2525}
	mkdir -p "$T/sink-$name"
	smtp-sink -u root -d "$T/sink-$name/%Y%m%d%H%M%S." "$addr:$port" 256 \
		>"$T/sink-$name.log" 2>&1 &
	PIDS+=($!)
	wait_for 5 port_open "${addr//[][]/}" "$port" || bail "smtp-sink on $addr:$port did not start"
}
sink_count() { find "$T/sink-$1" -type f | wc -l; }
sink_has() { [ "$(sink_count "$1")" -ge "$2" ]; }
sink_files() { find "$T/sink-$1" -type f -printf '%T@ %p\n' | sort -n | cut -d' ' -f2; }
sink_clear() { find "$T/sink-$1" -type f -delete; }
# The newest dump of a sink, once COUNT messages have arrived.
sink_wait() {	# sink_wait NAME COUNT [SECONDS]
	local name=$1 count=$2 secs=${3:-20}
	wait_for "$secs" sink_has "$name" "$count"
}

# sink_find NAME TEXT [SECONDS]: the dump holding TEXT, once it is there.
sink_find() {
	local name=$1 text=$2 secs=${3:-20} i f
	for ((i = 0; i < secs * 10; i++)); do
		f=$(grep -lF -- "$text" "$T/sink-$name"/* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	echo none
	return 1
}

# deliver SINK ADDR PORT FROM TO [swaks options]: send one message marked
# with a unique X-Test-Id header and print the path of its dump at SINK
# ("none" if it did not arrive); the SMTP reply is left in LAST_REPLY.
# Deliveries can complete out of order: the mark, not the newest file,
# says which dump is this message's.
DELIVER_N=0
deliver() {
	local sink=$1 addr=$2 port=$3 id; shift 3
	DELIVER_N=$((DELIVER_N + 1))
	id="$$.$DELIVER_N.$RANDOM"
	LAST_REPLY=$(send "$addr" "$port" "$@" --add-header "X-Test-Id: $id")
	case $LAST_REPLY in
	2*) sink_find "$sink" "X-Test-Id: $id" ;;
	*) echo none ;;
	esac
}

# A header of a dumped message: every value, one per line (unfolded).
msg_header() {	# msg_header FILE NAME
	"$PY" - "$1" "$2" <<'PYEOF'
import sys, email, email.policy
raw = open(sys.argv[1], 'rb').read()
# smtp-sink puts its own X-Client-Addr etc. before the message
msg = email.message_from_bytes(raw, policy=email.policy.compat32)
for v in msg.get_all(sys.argv[2]) or []:
    print(' '.join(v.split()))
PYEOF
}
# The pool named by an X-Settings value, decoded independently of ippool.
xsettings_pool() {
	"$PY" -c 'import sys,base64,json; print(json.loads(base64.b64decode(sys.argv[1], validate=True))["OutboundIp"]["IpPoolId"])' "$1"
}
# the client address smtp-sink saw (it writes IPv6 as "ipv6:ADDR")
msg_source_ip() { sed -n 's/^X-Client-Addr: \(ipv6:\)\{0,1\}//p' "$1" | head -1; }
# check_tag FILE POOL WHAT: two TAP checks, exactly one X-Settings header
# in the dump, and it names POOL
check_tag() {
	local f=$1 pool=$2 what=$3 tags
	tags=$(msg_header "$f" X-Settings 2>/dev/null)
	is "$(printf '%s\n' "$tags" | grep -c .)" 1 "$what: exactly one X-Settings header"
	is "$(xsettings_pool "$(printf '%s\n' "$tags" | head -1)" 2>/dev/null)" "$pool" \
		"$what: X-Settings names pool $pool"
}
# dkim_record GENKEY-OUTPUT: the TXT record "ippoolctl dkim genkey" printed,
# as "NAME<TAB>VALUE" with its strings joined (tests/e2e/dkimverify.py's input)
dkim_record() {
	awk '/ IN TXT /{ n = $1; s = ""; while (match($0, /"[^"]*"/)) {
		s = s substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) }
		printf "%s\t%s\n", n, s }' "$1"
}

# hmac_key FILE: an HMAC key file as DESIGN.md wants one ([feedback] key,
# [unsubscribe] key): 32 random bytes, root and the daemons' group (nobody's
# in the tests), mode 0640.
hmac_key() {
	head -c 32 /dev/urandom >"$1" && chown root:"$(id -gn nobody)" "$1" && chmod 640 "$1"
}

# genkey DOMAIN SELECTOR [options]: "ippoolctl dkim genkey" into $K (made
# mode 700 on first use), its output kept in $T/genkey-DOMAIN-SELECTOR.out
# and its TXT record appended to $T/records (dkimverify.py's input); prints
# the key's keytable line.
K=$T/keys
genkey() {
	[ -d "$K" ] || mkdir -m 700 "$K" || bail "cannot create $K"
	"$CTL" dkim genkey "$@" --dir "$K" >"$T/genkey-$1-$2.out" || bail "genkey $* failed"
	dkim_record "$T/genkey-$1-$2.out" >>"$T/records"
	grep "^$1 $2 " "$T/genkey-$1-$2.out"
}

# --- a private Postfix instance --------------------------------------------
# pf_setup NAME PORT: $T/pf-NAME/etc with a main.cf relaying everything to
# the sink at $(netip 20):2525; "key = value" lines on stdin are set too.
pf_setup() {
	local name=$1 port=$2 d=$T/pf-$1
	mkdir -p "$d/etc" "$d/spool" "$d/data"
	chown postfix "$d/data"
	cat >"$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = $T
myhostname = mta-$name.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
relayhost = [$(netip 20)]:2525
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s
delay_warning_time = 0
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
milter_protocol = 6
milter_default_action = tempfail
EOF
	cp /usr/share/postfix/master.cf.dist "$d/etc/master.cf"
	# the caller's lines replace defaults instead of repeating them
	local line
	while IFS= read -r line; do
		[ -n "$line" ] && postconf -c "$d/etc" -e "$line"
	done
	# every service non-chroot; smtpd on our port instead of 25
	postconf -c "$d/etc" -F '*/*/chroot = n'
	postconf -c "$d/etc" -MX smtp/inet
	# listen on our own address only (inet_interfaces must name configured
	# interface addresses; a master.cf host:port binds any 127/8 address)
	postconf -c "$d/etc" -M "$(netip 1):$port/inet = $(netip 1):$port inet n - n - - smtpd"
	pf_cool "$d/etc"
	# postfix reports its errors only to a terminal
	script -qc "postfix -c $d/etc check" /dev/null >"$d/check.log" 2>&1
	if [ -s "$d/check.log" ]; then
		sed 's/^/# /' "$d/check.log"
		bail "postfix check failed for $name"
	fi
}
# pf_cool DIR: Postfix reads a main.cf changed less than a second ago
# only once it is that old, 300 ms at a time ("pausing to let file cool
# down"), up to 2 s a read; our instances are written before they are
# read, so their files are dated back instead of waited for
pf_cool() {
	local past=$(( $(date +%s) - 2 ))
	touch -c -d "@$past" "$1/main.cf" "$1/master.cf"
}
pf_start() {
	local d=$T/pf-$1
	pf_cool "$d/etc"
	script -qc "postfix -c $d/etc start" /dev/null >"$d/start.log" 2>&1
	if ! wait_for 10 postfix -c "$d/etc" status; then
		sed 's/^/# /' "$d/start.log"
		bail "postfix $1 did not start"
	fi
}
pf_stop() { postfix -c "$T/pf-$1/etc" stop >/dev/null 2>&1; }
pf_reload() { postfix -c "$T/pf-$1/etc" reload >/dev/null 2>&1; }
pf_flush() { postqueue -c "$T/pf-$1/etc" -f >/dev/null 2>&1; }
# flush_until SECONDS INSTANCE... -- COMMAND...: flush every 2 s until COMMAND
# succeeds (a flush right after "postfix reload" may reach the old qmgr)
flush_until() {
	local secs=$1 i p; shift
	local inst=()
	while [ "$1" != "--" ]; do inst+=("$1"); shift; done
	shift
	for ((i = 0; i < secs; i += 2)); do
		for p in "${inst[@]}"; do pf_flush "$p"; done
		wait_for 2 "$@" && return 0
	done
	return 1
}
pf_queue_count() {
	postqueue -c "$T/pf-$1/etc" -j 2>/dev/null | wc -l
}
pf_log() { cat "$T/pf-$1/maillog" 2>/dev/null; }
pf_set() {	# pf_set NAME "key = value" ...
	local name=$1; shift
	postconf -c "$T/pf-$name/etc" -e "$@"
}

# --- SMTP client -------------------------------------------------------------
# send ADDR PORT FROM TO [swaks options...]: prints the final server reply
# line of the transaction (the reply to DATA's end, or the first error).
send() {
	local addr=$1 port=$2 from=$3 to=$4 out; shift 4
	out=$(swaks --server "$addr:$port" --from "$from" --to "$to" \
		--helo client.example.test --timeout 20 "$@" 2>&1)
	printf '%s\n' "$out" >>"$T/swaks.log"
	# server replies are "<-  " (ok) or "<** " (error); keep the last one
	printf '%s\n' "$out" | sed -n 's/^<[-*~]\{1,2\} *//p' | grep -v '^221' | tail -1
}
# smtp FROM TO [swaks options...]: send (above) to the MTA under test, on
# $(netip 1):$PORT (PORT set by the script; SMTP_PORT=N for another port).
smtp() { send "$(netip 1)" "${SMTP_PORT:-$PORT}" "$@"; }

# --- ippool daemons ---------------------------------------------------------
# milter_conf: $T/ippool.conf made of the [store] and [milter] lines every
# milter test starts with (milter on $(netip 1):$MPORT), then stdin, which
# may go on with [milter] keys.
MPORT=8891
milter_conf() {
	{
		printf '[store]\npath = %s\n[milter]\nsocket = inet:%s@%s\nuser =\n' \
		    "$T/store" "$MPORT" "$(netip 1)"
		cat
	} >"$T/ippool.conf"
}
CTLC() { "$CTL" -c "$T/ippool.conf" "$@"; }	# ippoolctl on the test's config
# --- routing: where each delivery at the sink named "out" came from -------
# pairs: every delivery as "SOURCE-IP RECIPIENT"
pairs() {
	local f ip
	for f in $(sink_files out); do
		ip=$(msg_source_ip "$f")
		sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f" | sed "s/^/$ip /"
	done
}
from_ip() { pairs | awk -v r="$1" '$2 == r { print $1 }'; }
count_from() { pairs | awk -v re="$1" -v ip="$2" '$2 ~ re && $1 == ip' | wc -l; }
delivered() { [ "$(pairs | wc -l)" -ge "$1" ]; }
# status_field IP ISP FIELD [IPPOOL_NOW]: one field of "warmup status"
status_field() {
	IPPOOL_NOW=${4:-} CTLC warmup status --json | "$PY" -c '
import json, sys
ip, isp, field = sys.argv[1:4]
for r in json.load(sys.stdin):
    if r["ip"] == ip and r["isp"] == isp:
        v = r[field]
        print("null" if v is None else v)' "$1" "$2" "$3"
}
# policy_section: the [policy] section of a test running ippool-policyd, its
# listeners on $(netip 1) and the site's relay the sink at $(netip 20):2525
policy_section() {
	printf '[policy]\npolicy = inet:10040@%s\nsocketmap = inet:10041@%s\n' "$(netip 1)" "$(netip 1)"
	printf 'metrics = inet:9465@%s\nrelay = [%s]:2525\nuser =\n' "$(netip 1)" "$(netip 20)"
}

# milter_start CONF [NAME]: ippool-milter in the foreground, logging to
# $T/milter-NAME.log; waits until it accepts connections.
milter_start() {
	local conf=$1 name=${2:-m} before=0
	[ -f "$T/milter-$name.log" ] && before=$(wc -l <"$T/milter-$name.log")
	"$MILTER" -f -c "$conf" >>"$T/milter-$name.log" 2>&1 &
	MILTER_PID=$!
	PIDS+=($MILTER_PID)
	DAEMONS+=($MILTER_PID)
	# "started" is logged once the socket is handed over, privileges are
	# dropped and the store is open
	if ! wait_for 20 log_since "$T/milter-$name.log" "$before" "ippool-milter .* started"; then
		sed 's/^/# /' "$T/milter-$name.log"
		bail "milter did not start"
	fi
}
# site_start: the site as most milter tests need it: the sink "out" at
# $(netip 20), the main Postfix on $(netip 1):$PORT with the milter, and
# the milter on $T/ippool.conf
site_start() {
	sink_start out "$(netip 20)"
	echo "smtpd_milters = inet:$(netip 1):$MPORT" | pf_setup main "$PORT"
	milter_start "$T/ippool.conf"
	pf_start main
}
# log_since FILE LINES ERE: ERE matches a line after the first LINES lines
log_since() { tail -n +$(($2 + 1)) "$1" 2>/dev/null | grep -Eq "$3"; }
milter_stop() {
	kill "${1:-$MILTER_PID}" 2>/dev/null
	wait "${1:-$MILTER_PID}" 2>/dev/null
}

# --- a private Sendmail 8.17 (../shared/notes/sendmail-probe.md) -----------
# Debian's sendmail-bin conflicts with postfix: it is unpacked, never
# installed, once per build tree, into $SM_ROOT.
SM_ROOT=${IPPOOL_SENDMAIL_ROOT:-$bld/tests/sendmail-root}
sm_fetch() {
	local dl=$SM_ROOT/debs f
	[ -x "$SM_ROOT/root/usr/libexec/sendmail/sendmail" ] && return 0
	mkdir -p "$dl" || return 1
	(cd "$dl" && apt-get download -q sendmail-bin sendmail-base sendmail-cf libwrap0 \
		>"$SM_ROOT/download.log" 2>&1) || return 1
	for f in "$dl"/*.deb; do dpkg -x "$f" "$SM_ROOT/root" || return 1; done
	# a setgid binary ignores LD_LIBRARY_PATH (libwrap.so.0 lives there)
	chmod ug-s "$SM_ROOT/root/usr/libexec/sendmail/"*
}
need_sendmail() {
	need m4 unshare
	# each Sendmail runs in a UTS namespace of its own (see sm_env)
	unshare -u true 2>/dev/null || skip_all "cannot create a UTS namespace (unshare -u)"
	if ! sm_fetch; then
		[ "${IPPOOL_REQUIRE_E2E:-0}" = 1 ] && bail "cannot fetch Sendmail packages (see $SM_ROOT/download.log)"
		skip_all "cannot fetch Sendmail packages (apt-get download)"
	fi
}
SM_BIN=$SM_ROOT/root/usr/libexec/sendmail/sendmail
# every sendmail run gets a dotted host name (else a 60 s stall at start)
sm_env() {
	unshare -u sh -c 'hostname mta.example.test && exec env LD_LIBRARY_PATH="$0" "$@"' \
		"$SM_ROOT/root/usr/lib/x86_64-linux-gnu" "$@"
}

# sm_setup NAME PORT: $T/sm-NAME/test.cf built by m4 from a private .mc
# (own queue, listener $(netip 1):PORT, smart host: the sink at
# $(netip 20):2525) followed by the .mc lines on stdin.
sm_setup() {
	local name=$1 port=$2 d=$T/sm-$1
	mkdir -p "$d/mqueue"
	chmod 700 "$d/mqueue"
	: >"$d/sendmail.st"
	printf 'postmaster: root\n' >"$d/aliases"
	: >"$d/helpfile"
	printf 'passwd files\nhosts files\naliases files\n' >"$d/service.switch"
	{
		cat <<MC
divert(-1)
# private test instance $name
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mta.example.test')dnl
define(\`QUEUE_DIR', \`$d/mqueue')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
define(\`STATUS_FILE', \`$d/sendmail.st')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`HELP_FILE', \`$d/helpfile')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confTO_QUEUERETURN', \`5d')dnl
define(\`SMART_HOST', \`esmtp:[$(netip 20)]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h 2525')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h 2525')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=$(netip 1), Name=MTA')dnl
MC
		cat
		printf 'MAILER(`local'"'"')dnl\nMAILER(`smtp'"'"')dnl\n'
	} >"$d/test.mc"
	if ! m4 -D_CF_DIR_="$SM_ROOT/root/usr/share/sendmail/cf/" \
		"$SM_ROOT/root/usr/share/sendmail/cf/m4/cf.m4" "$d/test.mc" >"$d/test.cf" 2>"$d/m4.err" \
		|| [ -s "$d/m4.err" ]; then
		sed 's/^/# /' "$d/m4.err"
		bail "m4 could not build sendmail.cf for $name"
	fi
	sm_env "$SM_BIN" -C "$d/test.cf" -bi >/dev/null 2>&1
}
# sm_start NAME: the daemon in its own UTS and PID namespaces (a dotted
# host name avoids Sendmail's 60 s stall; killing the namespace's first
# process takes every child down).
sm_start() {
	local name=$1 d=$T/sm-$1 port
	port=$(sed -n "s/^O DaemonPortOptions=Port=\([0-9]*\),.*/\1/p" "$d/test.cf")
	unshare -u -p -f --kill-child sh -c \
		"hostname mta.example.test; exec env LD_LIBRARY_PATH='$SM_ROOT/root/usr/lib/x86_64-linux-gnu' '$SM_BIN' -bD -C '$d/test.cf' -X '$d/transcript'" \
		>"$d/daemon.log" 2>&1 &
	eval "SM_PID_$name=$!"
	PIDS+=($!)
	wait_for 40 port_open "$(netip 1)" "$port" || { sed 's/^/# /' "$d/daemon.log"; bail "sendmail $name did not start"; }
}
sm_stop() { local v="SM_PID_$1"; kill "${!v}" 2>/dev/null; wait "${!v}" 2>/dev/null; }

# opendkim_start DOMAIN SELECTOR KEYFILE PORT [ALGORITHM]: OpenDKIM signing
# DOMAIN (rsa-sha256 unless told) on $(netip 1):PORT, as a peer to compare with; its key is copied under
# $T (mode 700) since it refuses keys anyone else could replace.
opendkim_start() {
	local domain=$1 selector=$2 key=$3 port=$4 alg=${5:-rsa-sha256} d=$T/odk-$4
	mkdir -m 700 "$d"
	cp "$key" "$d/key"
	cat >"$d/opendkim.conf" <<EOF
Syslog no
Mode s
Domain $domain
Selector $selector
KeyFile $d/key
SignatureAlgorithm $alg
Canonicalization relaxed/relaxed
Socket inet:$port@$(netip 1)
InternalHosts 127.0.0.0/8
RequireSafeKeys false
EOF
	opendkim -f -x "$d/opendkim.conf" >"$d/log" 2>&1 &
	ODKIM_PID=$!
	PIDS+=($ODKIM_PID)
	wait_for 10 port_open "$(netip 1)" "$port" || { cat "$d/log" >&2; bail "opendkim did not start"; }
}

# policyd_start CONF [NAME]: ippool-policyd in the foreground, logging to
# $T/policyd-NAME.log (IPPOOL_NOW from the caller's environment); waits
# until its socketmap listener accepts connections (a unix one: until it
# logs that it started).
policyd_start() {
	local conf=$1 name=${2:-p} sm port addr before=0 up
	[ -f "$T/policyd-$name.log" ] && before=$(wc -l <"$T/policyd-$name.log")
	"$POLICYD" -f -c "$conf" >>"$T/policyd-$name.log" 2>&1 &
	POLICYD_PID=$!
	PIDS+=($POLICYD_PID)
	DAEMONS+=($POLICYD_PID)
	sm=$(sed -n 's/^socketmap *= *//p' "$conf" | head -1)
	port=${sm#inet:}; port=${port%@*}; addr=${sm#*@}
	case $sm in
	unix:*) up=(log_since "$T/policyd-$name.log" "$before" "ippool-policyd .* started") ;;
	*) up=(port_open "$addr" "$port") ;;
	esac
	wait_for 10 "${up[@]}" || { cat "$T/policyd-$name.log" >&2; bail "policyd did not start"; }
}
policyd_stop() {
	kill "${1:-$POLICYD_PID}" 2>/dev/null
	wait "${1:-$POLICYD_PID}" 2>/dev/null
}

# --- a private Redis -----------------------------------------------------
# redis_start: redis-server on the unix socket $REDIS_SOCK only (no TCP
# port, no persistence unless REDIS_ARGS asks), logging to $T/redis.log;
# waits until it answers.  Again after redis_stop: the same socket, the
# same (empty, unless persistent) data set.
REDIS_SOCK=$T/redis.sock
redis_start() {
	mkdir -p "$T/redis"
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 777 \
	    --dir "$T/redis" --save '' --appendonly no --logfile "$T/redis.log" \
	    ${REDIS_ARGS:-} &
	REDIS_PID=$!
	PIDS+=($REDIS_PID)
	wait_for 10 redis-cli -s "$REDIS_SOCK" ping || { cat "$T/redis.log" >&2; bail "redis-server did not start"; }
}
redis_stop() {
	kill "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	rm -f "$REDIS_SOCK"
}
rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
