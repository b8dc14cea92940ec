#!/bin/bash
# login.sh - ippool-milter seen through miltertest (the MTA side of the
# milter protocol, scriptable): SASL login selection via {auth_authen},
# what the milter negotiates, header removal and addition at EOM; and the
# daemon side: a stale unix socket is replaced, the socket is handed to
# the configured user, privileges are dropped, -V and -n behave.
. "$(dirname "$0")/lib.sh"
need_root
need miltertest "$MILTER"

mkdir -p "$T/run"
SOCK=$T/run/milter.sock
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = unix:$SOCK
user = nobody
[pool tx]
ips = $(netip 3)
senders = noreply@example.com
logins = app1
[pool bulk]
ips = $(netip 4)
logins = app2
senders = @news.example
[pool default]
ips = $(netip 5)
CONF

like "$("$MILTER" -V)" '^ippool-milter [0-9]+\.[0-9]+' "-V prints the version"
"$MILTER" -n -c "$T/ippool.conf"
is "$?" 0 "-n on a good config: exit 0"

# a stale socket, as a crashed milter leaves it
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
test -S "$SOCK"
ok $? "a stale socket is in place"
milter_start "$T/ippool.conf"
ok 0 "milter started over the stale socket"
is "$(stat -c '%U %a' "$SOCK")" "nobody 660" "socket belongs to the configured user, mode 660"
is "$(ps -o user= -p "$MILTER_PID" | tr -d ' ')" nobody "privileges dropped to the configured user"
is "$(stat -c '%U' "$T/store")" nobody "store directory created for that user"

tx=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"tx\"}}").decode())')
bulk=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"bulk\"}}").decode())')

cat >"$T/login.lua" <<'LUA'
-- one message: MAIL with optional {auth_authen}, headers, EOM; print what
-- the milter did, one line per check, for the shell to assert on
-- sock, login, sender, want, ntags come from miltertest -D
local conn = mt.connect(sock, 20, 0.1)
if conn == nil then error("connect failed") end
local function say(k, v) mt.echo(k .. "=" .. tostring(v)) end
say("addhdrs", mt.test_action(conn, SMFIF_ADDHDRS))
say("chghdrs", mt.test_action(conn, SMFIF_CHGHDRS))
say("addrcpt", mt.test_action(conn, SMFIF_ADDRCPT))
say("chgbody", mt.test_action(conn, SMFIF_CHGBODY))
say("nobody", mt.test_option(conn, SMFIP_NOBODY))
say("nohelo", mt.test_option(conn, SMFIP_NOHELO))
say("norcpt", mt.test_option(conn, SMFIP_NORCPT))
say("delrcpt", mt.test_action(conn, SMFIF_DELRCPT))
say("quarantine", mt.test_action(conn, SMFIF_QUARANTINE))
say("noeoh", mt.test_option(conn, SMFIP_NOEOH))
-- a client in internal_hosts (loopback by default), as Postfix says it
if login ~= "" then
	mt.macro(conn, SMFIC_MAIL, "{auth_authen}", login, "{client_addr}", "127.0.0.1")
else
	mt.macro(conn, SMFIC_MAIL, "{client_addr}", "127.0.0.1")
end
if mt.mailfrom(conn, sender) ~= nil then error("mailfrom failed") end
say("mail", mt.getreply(conn) == SMFIR_CONTINUE)
if mt.rcptto(conn, "<someone@gmail.com>") ~= nil then error("rcptto failed") end
say("rcpt", mt.getreply(conn) == SMFIR_CONTINUE)
if mt.header(conn, "From", "<x@example.com>") ~= nil then error("header failed") end
for i = 1, tonumber(ntags) do
	mt.header(conn, "X-Settings", "forged" .. i)
end
if mt.eom(conn) ~= nil then error("eom failed") end
say("eom", mt.getreply(conn) == SMFIR_ACCEPT or mt.getreply(conn) == SMFIR_CONTINUE)
say("added", mt.eom_check(conn, MT_HDRADD, "X-Settings", want))
say("value", mt.getheader(conn, "X-Settings", 0))
for i = 1, tonumber(ntags) do
	say("deleted" .. i, mt.eom_check(conn, MT_HDRDELETE, "X-Settings"))
end
mt.disconnect(conn)
LUA

run() {
	miltertest -D sock="unix:$SOCK" -D login="$1" -D sender="$2" -D want="$3" \
		-D ntags="$4" -s "$T/login.lua" 2>&1
}

out=$(run app1 "<stranger@else.example>" "$tx" 0)
diag "$(echo $out)"
like "$out" 'addhdrs=true' "negotiates the add-header action"
like "$out" 'chghdrs=true' "negotiates the change-header action"
like "$out" 'addrcpt=false' "does not ask to add recipients"
like "$out" 'chgbody=false' "does not ask to change the body"
like "$out" 'nobody=true' "skips the body step"
like "$out" 'nohelo=true' "skips the HELO step"
like "$out" 'norcpt=false' "takes the RCPT step (suppression, hourly limit)"
like "$out" 'delrcpt=true' "asks to remove recipients (local submissions)"
like "$out" 'quarantine=true' "asks to hold messages (local submissions)"
like "$out" 'noeoh=true' "skips the end-of-header step"
like "$out" 'added=true' "login app1 (unmapped sender): X-Settings added"
like "$out" "value=$tx" "login app1 selects pool tx"

out=$(run app2 "<noreply@example.com>" "$bulk" 0)
like "$out" "value=$bulk" "login app2 wins over sender noreply@example.com (tx)"

out=$(run someone-else "<noreply@example.com>" "$tx" 0)
like "$out" "value=$tx" "unknown login: the sender decides"

out=$(run "" "<a@news.example>" "$bulk" 2)
like "$out" "value=$bulk" "no login: @domain decides"
like "$out" 'deleted1=true' "client tag #1 deleted"
like "$out" 'deleted2=true' "client tag #2 deleted"

# the milter logs where it listens and each message's pool
grep -q "listening on unix:$SOCK" "$T/milter-m.log"
ok $? "logs its socket"
grep -q 'pool=tx by=login' "$T/milter-m.log"
ok $? "logs selection by login"

# a second milter on the same live socket must refuse, not steal it
"$MILTER" -f -c "$T/ippool.conf" >"$T/second.log" 2>&1 &
second=$!
if wait_for 10 sh -c "! kill -0 $second 2>/dev/null"; then
	wait "$second"
	rc=$?
else
	kill -9 "$second"
	rc=0
fi
ok $((rc == 0)) "a second milter on a live socket exits with an error (status $rc)"
like "$(cat "$T/second.log")" "socket $SOCK is in use by a running process" \
	"and says why"
kill -0 "$MILTER_PID"
ok $? "the first milter keeps running"
out=$(run app1 "<x@else.example>" "$tx" 0)
like "$out" "value=$tx" "and keeps answering"

milter_stop
done_testing
