#!/bin/bash
# sockets.sh - the daemons' unix sockets are never world-accessible:
# ippool-policyd's policy and socketmap sockets and ippool-milter's socket
# have mode 0660 and belong to the run user and its primary group; a
# member of that group gets an answer, another local user is refused; a
# stale socket is replaced, a live one is not (a second daemon exits 69).
. "$(dirname "$0")/lib.sh"
need_root
need "$POLICYD" "$MILTER" "$PY" setpriv

mkdir -p "$T/run"
PSOCK=$T/run/policy.sock
SSOCK=$T/run/socketmap.sock
MSOCK=$T/run/milter.sock
RUNGROUP=$(id -gn nobody)
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = unix:$MSOCK
user = nobody
[policy]
policy = unix:$PSOCK
socketmap = unix:$SSOCK
metrics = inet:9465@$(netip 1)
relay = [$(netip 20)]:2525
[pool tx]
ips = $(netip 3)
senders = @tx.example
CONF

# sm_ask [SETPRIV-ARGS...]: one socketmap lookup on $SSOCK, as root or as
# another user; prints the reply, or the error
sm_ask() {
	"${@:-env}" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("refused:", e.strerror); sys.exit(0)
s.settimeout(10)
q = b"tx a@gmail.com"
s.sendall(b"%d:%s," % (len(q), q))
print(s.recv(512).decode())' "$SSOCK"
}

# a stale socket, as a crashed policyd leaves it
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$PSOCK"
policyd_start "$T/ippool.conf"
ok 0 "policyd started over a stale socket"
for s in "$PSOCK" "$SSOCK"; do
	is "$(stat -c '%U %G %a' "$s")" "nobody $RUNGROUP 660" \
		"policyd: $(basename "$s") belongs to the run user and its group, mode 660"
done
is "$(ps -o user= -p "$POLICYD_PID" | tr -d ' ')" nobody "policyd runs as the run user"
like "$(sm_ask)" '^[0-9]+:OK ippool_tx_1:' "socketmap over the unix socket answers"
like "$(sm_ask setpriv --reuid=nobody --regid="$RUNGROUP" --clear-groups)" '^[0-9]+:OK ' \
	"  the run user gets an answer"
like "$(sm_ask setpriv --reuid=daemon --regid=daemon --clear-groups)" '^refused: Permission denied' \
	"  another local user is refused"

# a second policyd on the same live sockets must refuse, not steal them
"$POLICYD" -f -c "$T/ippool.conf" >"$T/second.log" 2>&1
is "$?" 69 "a second policyd on a live socket exits 69"
like "$(cat "$T/second.log")" "socket $PSOCK is in use by a running process: is another ippool-policyd running\?" \
	"  and says why"
kill -0 "$POLICYD_PID"
ok $? "the first policyd keeps running"
policyd_stop

# the milter's socket, created by libmilter, the same way
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$MSOCK"
milter_start "$T/ippool.conf"
ok 0 "milter started over a stale socket"
is "$(stat -c '%U %G %a' "$MSOCK")" "nobody $RUNGROUP 660" \
	"milter: its socket belongs to the run user and its group, mode 660"
"$MILTER" -f -c "$T/ippool.conf" >"$T/second.log" 2>&1
is "$?" 69 "a second milter on a live socket exits 69"
like "$(cat "$T/second.log")" "socket $MSOCK is in use by a running process: is another ippool-milter running\?" \
	"  and says why"
milter_stop

# no run user (stay as started): the socket is still 0660
sed -i 's/^user = nobody$/user =/' "$T/ippool.conf"
policyd_start "$T/ippool.conf" q
is "$(stat -c '%U %a' "$SSOCK")" "root 660" "no run user: the socket stays the starter's, mode 660"
policyd_stop

# a bad IPPOOL_NOW stops the start-up, before any thread, with a clear message
out=$(IPPOOL_NOW=tomorrow "$POLICYD" -f -c "$T/ippool.conf" 2>&1); rc=$?
is "$rc" 78 "policyd: a bad IPPOOL_NOW exits 78"
like "$out" 'fatal: IPPOOL_NOW="tomorrow": expected @SECONDS, \+SECONDS or -SECONDS' "  saying so"
out=$(IPPOOL_NOW=tomorrow "$MILTER" -f -c "$T/ippool.conf" 2>&1); rc=$?
is "$rc" 78 "milter: a bad IPPOOL_NOW exits 78"
like "$out" 'fatal: IPPOOL_NOW="tomorrow"' "  saying so"
out=$(IPPOOL_NOW=tomorrow "$CTL" -c "$T/ippool.conf" warmup status 2>&1); rc=$?
is "$rc" 64 "ippoolctl: a bad IPPOOL_NOW exits 64"
like "$out" '^ippoolctl: IPPOOL_NOW="tomorrow"' "  saying so"
done_testing
