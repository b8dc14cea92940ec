#!/bin/bash
# concurrency.sh - the hourly limit is exact under concurrency: 30 clients
# at once to one fresh address with a limit of 5 get exactly 5 acceptances,
# through one milter's threads and through two milter processes (two
# Postfix instances) sharing one store.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks "$MILTER" "$CTL"

write_conf() {	# write_conf FILE MILTERPORT
	cat >"$1" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$2@$(netip 1)
user =
hourly_limit = 5
[pool tx]
ips = $(netip 3)
CONF
}
write_conf "$T/a.conf" 8891
write_conf "$T/b.conf" 8892
sink_start out "$(netip 20)"
pf_setup a 10025 <<CONF
smtpd_milters = inet:$(netip 1):8891
CONF
milter_start "$T/a.conf" a
pf_start a

# burst N PORT RCPT: N clients at once; prints one reply line each
burst() {
	local n=$1 port=$2 rcpt=$3 i
	for ((i = 0; i < n; i++)); do
		send "$(netip 1)" "$port" "c$i@tx.example" "$rcpt" >"$T/reply.$port.$rcpt.$i" &
	done
	wait_children
	cat "$T"/reply."$port"."$rcpt".*
}
wait_children() {
	local p
	for p in $(jobs -pr); do
		case " ${PIDS[*]} " in *" $p "*) continue ;; esac
		wait "$p"
	done
}

replies=$(burst 30 10025 burst1@example.com)
is "$(grep -c '^250 ' <<<"$replies")" 5 "one milter, 30 clients at once, limit 5: exactly 5 accepted"
is "$(grep -c '^451 4.7.1 <burst1@example.com>: hourly limit of 5 messages reached' <<<"$replies")" 25 \
	"  and 25 told 451 4.7.1"
like "$("$CTL" -c "$T/a.conf" limits show burst1@example.com | head -1)" \
	'^burst1@example.com: 5 of 5 in the last 60 minutes \(5 accepted, 0 in progress\)$' \
	"  the window holds 5 accepted"

# a second Postfix with its own milter process, same store
pf_setup b 10026 <<CONF
smtpd_milters = inet:$(netip 1):8892
CONF
sed -i "s|^queue_directory = .*|queue_directory = $T/pf-b/spool|" "$T/pf-b/etc/main.cf"
milter_start "$T/b.conf" b
pf_start b
for ((i = 0; i < 15; i++)); do
	send "$(netip 1)" 10025 "a$i@tx.example" burst2@example.com >"$T/two.a.$i" &
	send "$(netip 1)" 10026 "b$i@tx.example" burst2@example.com >"$T/two.b.$i" &
done
wait_children
replies=$(cat "$T"/two.*)
is "$(grep -c '^250 ' <<<"$replies")" 5 \
	"two milter processes, 15 + 15 clients at once, limit 5: exactly 5 accepted"
is "$(grep -c '^451 4.7.1 ' <<<"$replies")" 25 "  and 25 told 451 4.7.1"
na=$(grep -c 'to=<burst2@example.com>: hourly limit of 5 reached' "$T/milter-a.log")
nb=$(grep -c 'to=<burst2@example.com>: hourly limit of 5 reached' "$T/milter-b.log")
ok $((na == 0 || nb == 0)) "  both milter processes refused from the shared window ($na + $nb)"
sink_wait out 10 30
is "$(sink_count out)" 10 "10 messages delivered in all, no more"

done_testing
