#!/bin/bash
# crash.sh - the store survives a SIGKILL of the milter in the middle of
# traffic: 20 clients send to five recipients with a limit of 3 while
# ippoolctl commits suppressions; the milter is killed with SIGKILL and
# restarted (Berkeley DB recovery runs because a process died); no
# committed suppression is lost, no window is over its limit, no recipient
# received more than its limit, and mail flows again.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"

PORT=10025
milter_conf <<CONF
hourly_limit = 3
[pool tx]
ips = $(netip 3)
CONF
site_start

# suppressions committed while traffic runs; each one is recorded only
# after ippoolctl reported success
(
	for i in $(seq 1 400); do
		CTLC suppress add "s$i@example.com" --permanent >/dev/null 2>&1 && echo "s$i@example.com"
	done
) >"$T/committed" &
adder=$!

client() {	# client N: three messages to the five recipients
	local n=$1 k
	for k in 1 2 3; do
		send "$(netip 1)" $PORT "c$n@tx.example" "r$(((n + k) % 5))@example.com" >>"$T/client.$n"
	done
}
for n in $(seq 1 20); do client "$n" & done
sleep 1.5
{ kill -9 "$MILTER_PID"; wait "$MILTER_PID"; } 2>/dev/null
diag "milter killed with SIGKILL after $(wc -l <"$T/committed") suppressions"
sleep 1
milter_start "$T/ippool.conf"
ok 0 "milter restarted after SIGKILL"
for p in $(jobs -pr); do
	case " ${PIDS[*]} " in *" $p "*) continue ;; esac
	wait "$p"
done

n=$(wc -l <"$T/committed")
ok $((n >= 50 ? 0 : 1)) "ippoolctl kept committing suppressions across the crash ($n)"
lost=0
while read -r a; do
	CTLC suppress show "$a" >/dev/null 2>&1 || { lost=$((lost + 1)); diag "lost: $a"; }
done <"$T/committed"
is "$lost" 0 "no committed suppression lost"
is "$(CTLC suppress list | grep -c 'permanently')" "$n" "the list holds exactly the committed ones"

over=0
for r in 0 1 2 3 4; do
	line=$(CTLC limits show "r$r@example.com" | head -1)
	acc=$(sed -n 's/.*(\([0-9]*\) accepted.*/\1/p' <<<"$line")
	delivered=$(grep -l "^X-Rcpt-Args: <r$r@example.com>" $(sink_files out) 2>/dev/null | wc -l)
	diag "r$r: $line; delivered $delivered"
	[ "${acc:-99}" -le 3 ] && [ "$delivered" -le 3 ] || over=$((over + 1))
done
is "$over" 0 "no window over its limit, no recipient got more than 3"
is "$(grep -h '^250 ' "$T"/client.* | wc -l)" "$(sink_count out)" \
	"every accepted message was delivered, nothing more"

reply=$(send "$(netip 1)" $PORT after@tx.example fresh@example.com)
like "$reply" '^250 ' "mail flows after the restart"
reply=$(send "$(netip 1)" $PORT after@tx.example s1@example.com)
like "$reply" '^550 5.7.1 <s1@example.com>: recipient suppressed' "suppressions apply after the restart"

done_testing
