#!/bin/bash
# protect.sh - recipient protection through real Postfix: suppressed,
# expired, per-sender-domain scope, del; the hourly limit with exact 451
# text, release of unused reservations, the clock moved past the hour;
# local submissions (sendmail(1), non_smtpd_milters): protected recipients
# removed, a message left without any is held.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink swaks sendmail "$MILTER" "$CTL"

NOW=1795425900			# 2026-11-23 09:25:00 UTC
export IPPOOL_NOW=@$NOW
PORT=10025
milter_conf <<CONF
hourly_limit = 3
[pool tx]
ips = $(netip 3)
CONF
sink_start out "$(netip 20)"
pf_setup main $PORT <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
non_smtpd_milters = inet:$(netip 1):$MPORT
CONF
milter_start "$T/ippool.conf"
pf_start main

# --- suppression ---------------------------------------------------------
CTLC suppress add gone@Example.COM --reason bounce --ttl 2d >/dev/null
CTLC suppress add perm@example.com --permanent >/dev/null
is "$(smtp a@tx.example gone@EXAMPLE.com)" \
	"550 5.7.1 <gone@example.com>: recipient suppressed (bounce) until 2026-11-25 09:25 UTC" \
	"suppressed recipient: 550 5.7.1 with reason and end (domain case-insensitive)"
is "$(smtp a@tx.example perm@EXAMPLE.com)" \
	"550 5.7.1 <perm@example.com>: recipient suppressed (manual) permanently" \
	"permanent suppression: 550 5.7.1 ... permanently"
is "$(smtp a@tx.example Perm@example.com)" \
	"550 5.7.1 <Perm@example.com>: recipient suppressed (manual) permanently" \
	"one mailbox, one key: Perm@ is perm@ (the reply shows it as written)"

# one suppressed and one good recipient: the good one gets the message
deliver out "$(netip 1)" $PORT a@tx.example fine@example.com \
	--to fine@example.com,perm@example.com >"$T/f"
f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "message with a suppressed and a good recipient: accepted"
is "$(grep -c '^X-Rcpt-Args: <fine@example.com>' "$f")" 1 "  delivered to the good recipient"
is "$(grep -c '^X-Rcpt-Args: <perm@example.com>' "$f")" 0 "  not to the suppressed one"

# expired: created two hours ago with a one-hour lifetime
IPPOOL_NOW=@$((NOW - 7200)) CTLC suppress add old@example.com --ttl 1h >/dev/null
like "$(CTLC suppress show old@example.com)" 'expired' "ippoolctl marks it expired"
like "$(smtp a@tx.example old@example.com)" '^250 ' "expired suppression: accepted without a purge"

# unsubscribe scope: only mail from news.example is refused
CTLC suppress add carol@example.org --reason unsubscribe --sender-domain news.example \
	--permanent >/dev/null
is "$(smtp editor@news.example carol@example.org)" \
	"550 5.7.1 <carol@example.org>: recipient suppressed (unsubscribe) permanently" \
	"unsubscribed from news.example: 550"
like "$(smtp boss@other.example carol@example.org)" '^250 ' \
	"same recipient, another sender domain: accepted"

# del lifts it
CTLC suppress del gone@example.com >/dev/null
like "$(smtp a@tx.example gone@example.com)" '^250 ' "after suppress del: accepted again"
CTLC suppress del carol@example.org --sender-domain news.example >/dev/null
like "$(smtp editor@news.example carol@example.org)" '^250 ' "after del of the scoped entry: accepted"

# --- hourly limit (3) ----------------------------------------------------
for i in 1 2 3; do
	like "$(smtp a@tx.example hot@example.com)" '^250 ' "hourly limit: message $i of 3 accepted"
done
is "$(smtp a@tx.example hot@example.com)" \
	"451 4.7.1 <hot@example.com>: hourly limit of 3 messages reached, retry after 10:25 UTC" \
	"message 4: 451 4.7.1 with the time a slot frees"
like "$(CTLC limits show hot@example.com | head -1)" \
	'^hot@example.com: 3 of 3 in the last 60 minutes \(3 accepted, 0 in progress\)$' \
	"ippoolctl limits show: 3 of 3"

# a reservation whose message is not accepted is released
for i in 1 2 3 4; do
	smtp a@tx.example cold@example.com --quit-after RCPT >/dev/null
done
like "$(CTLC limits show cold@example.com | head -1)" '^cold@example.com: 0 of 3 ' \
	"RCPT without DATA, four times: every reservation released"
for i in 1 2 3; do
	like "$(smtp a@tx.example cold@example.com)" '^250 ' "  then message $i of 3 accepted"
done

# the clock moves 61 minutes: a slot is free again
milter_stop
IPPOOL_NOW=@$((NOW + 3660)) milter_start "$T/ippool.conf"
like "$(smtp a@tx.example hot@example.com)" '^250 ' "61 minutes later: accepted again"
is "$(IPPOOL_NOW=@$((NOW + 3660)) CTLC limits show hot@example.com | head -1 | cut -d'(' -f1)" \
	"hot@example.com: 1 of 3 in the last 60 minutes " "  the old entries left the window"
CTLC limits reset cold@example.com >/dev/null
like "$(IPPOOL_NOW=@$((NOW + 3660)) CTLC limits show cold@example.com | head -1)" \
	'^cold@example.com: 0 of 3 ' "ippoolctl limits reset clears the window"
milter_stop
milter_start "$T/ippool.conf"

# --- local submissions: never refused at RCPT ----------------------------
printf 'Subject: local-1\n\nhello\n' | sendmail -C "$T/pf-main/etc" -f app@tx.example \
	perm@example.com friend@example.com
ok $? "sendmail(1) to a suppressed and a good recipient: submitted"
f=$(sink_find out "Subject: local-1")
is "$(grep -c '^X-Rcpt-Args: <friend@example.com>' "$f")" 1 "  delivered to the good recipient"
is "$(grep -c '^X-Rcpt-Args: <perm@example.com>' "$f")" 0 "  the suppressed one was removed"
wait_for 5 grep -q 'to=<perm@example.com>: removed from a local submission: suppressed (manual) permanently' \
	"$T/milter-m.log"
ok $? "  the removal is logged"

printf 'Subject: held\n\nhello\n' | sendmail -C "$T/pf-main/etc" -f app@tx.example perm@example.com
ok $? "sendmail(1) to a suppressed recipient only: submitted"
wait_for 10 sh -c "postqueue -c '$T/pf-main/etc' -j | grep -q '\"queue_name\": *\"hold\"'"
ok $? "  the message is held, not delivered, not lost"
wait_for 5 grep -q 'held: ippool: every recipient is suppressed or over its hourly limit' "$T/milter-m.log"
ok $? "  the hold is logged with its reason"

done_testing
