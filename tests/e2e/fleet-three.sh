#!/bin/bash
# fleet-three.sh - three MTA hosts on one Redis: three private Postfix
# instances, each with its own ippool-milter.  30 clients at once, 10 at
# each host, to one recipient with hourly_limit = 10: exactly 10 accepted
# fleet-wide.  A suppression added at host a refuses at b and c; a hard
# bounce ingested at host a suppresses at host c, and the same log line
# ingested at host b is already applied (the mark is shared); Redis
# stopped: every host 4xx; Redis back: all accept without a restart.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks redis-server redis-cli "$MILTER" "$CTL"

REDIS_ARGS="--appendonly yes --appendfsync always"
redis_start
HOSTS="a b c"
mport() { case $1 in a) echo 8891 ;; b) echo 8892 ;; c) echo 8893 ;; esac; }
sport() { case $1 in a) echo 10025 ;; b) echo 10026 ;; c) echo 10027 ;; esac; }
sink_start out "$(netip 20)"
for h in $HOSTS; do
	cat >"$T/$h.conf" <<CONF
[store]
backend = redis
redis = unix:$REDIS_SOCK
redis_prefix = three:
redis_timeout = 5s
[milter]
socket = inet:$(mport $h)@$(netip 1)
user =
hourly_limit = 10
[pool tx]
ips = $(netip 3)
CONF
	pf_setup $h "$(sport $h)" <<CONF
smtpd_milters = inet:$(netip 1):$(mport $h)
CONF
	milter_start "$T/$h.conf" $h
	pf_start $h
done
send_at() { send "$(netip 1)" "$(sport "$1")" "$2" "$3"; }

pids=()
for h in $HOSTS; do
	for ((i = 0; i < 10; i++)); do
		send_at $h "$h$i@tx.example" ten@example.com >"$T/burst.$h.$i" &
		pids+=($!)
	done
done
for p in "${pids[@]}"; do wait "$p"; done
replies=$(cat "$T"/burst.*)
is "$(grep -c '^250 ' <<<"$replies")" 10 "30 clients at once at three hosts, hourly_limit = 10: exactly 10 accepted"
is "$(grep -c '^451 4.7.1 <ten@example.com>: hourly limit of 10 messages reached' <<<"$replies")" 20 \
	"  and 20 told 451 4.7.1 hourly limit"
for h in $HOSTS; do
	diag "host $h: $(grep -c '^250 ' "$T"/burst.$h.*  | grep -c ':1$') accepted"
done

"$CTL" -c "$T/a.conf" suppress add gone@example.com --permanent >/dev/null
ok $? "ippoolctl at host a: suppress add gone@example.com"
for h in b c; do
	is "$(send_at $h x@tx.example gone@example.com)" \
		"550 5.7.1 <gone@example.com>: recipient suppressed (manual) permanently" \
		"  host $h refuses it"
done

printf '%s mta postfix/smtp[3001]: 4QAAA1Bxyz1: to=<dead@example.org>, relay=mx.example.org[192.0.2.9]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.9] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)" >"$T/maillog"
is "$("$CTL" -c "$T/a.conf" ingest "$T/maillog")" \
	"ingest: 1 lines read, 1 applied, 0 already applied, 0 ignored, 0 skipped" \
	"a hard bounce ingested at host a"
like "$(send_at c x@tx.example dead@example.org)" '^550 5\.7\.1 <dead@example\.org>: recipient suppressed \(bounce\)' \
	"  host c refuses the address"
is "$("$CTL" -c "$T/b.conf" ingest "$T/maillog")" \
	"ingest: 1 lines read, 0 applied, 1 already applied, 0 ignored, 0 skipped" \
	"  the same line at host b: already applied"

redis_stop
for h in $HOSTS; do
	like "$(send_at $h x@tx.example down@example.com)" '^451 4\.3\.0 ' "Redis stopped: host $h answers 451 4.3.0"
done
redis_start
for h in $HOSTS; do
	like "$(send_at $h x@tx.example "back-$h@example.com")" '^250 ' "Redis back: host $h accepts, without a restart"
done
is "$(send_at b x@tx.example gone@example.com | cut -c1-9)" "550 5.7.1" \
	"  the suppression survived the Redis restart (appendfsync always)"

done_testing
