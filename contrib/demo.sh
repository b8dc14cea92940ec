#!/bin/bash
# demo.sh - ippool in about a minute, on loopback, touching nothing of the
# machine's own mail setup: the site's Postfix (a private instance) with
# ippool-milter, ippool-policyd, one Postfix instance per pool set up by
# "ippoolctl postfix-setup", the embedded Berkeley DB store, and an
# smtp-sink standing in for the recipients' mail servers.  Sample mail
# shows the pool tag, DKIM, suppression, the hourly limit, and each
# recipient leaving from a pool address chosen by its provider's warm-up
# state: spilling to the shared pool, then waiting in the queue.
# Run by "./quickstart demo"; usage: contrib/demo.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
export top_builddir=$(cd "${1:-$top}" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it starts private Postfix instances)" >&2
	exit 1
fi
. "$top/tests/e2e/lib.sh" >/dev/null

section() { printf '\n== %s\n' "$*"; }
show() { printf '   %s\n' "$@"; }
indent() { sed 's/^/   /'; }

# --- a DKIM key for shop.example ----------------------------------------------
mkdir -m 700 "$T/keys"
"$CTL" dkim genkey shop.example demo --dir "$T/keys" >"$T/genkey.out" 2>&1
grep '^shop.example demo ' "$T/genkey.out" >"$T/dkim.keys"
dkim_record "$T/genkey.out" >"$T/records"

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$(netip 1)
user =
hourly_limit = 2
$(policy_section)
[pool tx]
ips = $(netip 3) $(netip 4)
spillover = shared
senders = noreply@shop.example @shop.example
helo = out.shop.example
port = 10031
[pool news]
ips = $(netip 5)
senders = @news.example
port = 10032
[pool shared]
ips = $(netip 6)
mode = standard
port = 10033
[warmup]
schedule = 2 4
spill_days = 1
[dkim]
keytable = $T/dkim.keys
CONF

section "configuration"
indent <"$T/ippool.conf"
show "" "(a warm-up schedule of 2 then 4 messages a day per address and provider,"
show " so that spilling and waiting show with a handful of messages)"
"$MILTER" -n -c "$T/ippool.conf" && "$POLICYD" -n -c "$T/ippool.conf" \
	&& show "ippool-milter -n, ippool-policyd -n: configuration OK"

sink_start out "$(netip 20)"
pf_setup main 10025 </dev/null
for p in tx news shared; do pf_setup "$p" "$(sed -n "/^\[pool $p\]/,/^\[/s/^port = //p" "$T/ippool.conf")" </dev/null; done
section "ippoolctl postfix-setup: the site's Postfix and one instance per pool"
CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" >"$T/setup.out" 2>&1
grep -E 'main.cf: (smtpd_relay_restrictions|smtpd_milters|sender_dependent)|master.cf: add ippool_(tx_1|relay_tx) ' "$T/setup.out" \
	| sed "s|$T/||" | cut -c1-150 | indent
show "... $(tail -1 "$T/setup.out")"
milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
for p in main tx news shared; do pf_start "$p"; done
show "site Postfix on $(netip 1):10025; pool instances on 10031 (tx), 10032 (news), 10033 (shared)"

smtp() { send "$(netip 1)" 10025 "$@"; }
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"news\"}}").decode())')

section "sending through the site's Postfix"
show "noreply@shop.example -> 6 gmail.com recipients (capacity: 2 per tx address at gmail today)"
show "  $(smtp noreply@shop.example g1@gmail.com --to g1@gmail.com,g2@gmail.com,g3@gmail.com,g4@gmail.com,g5@gmail.com,g6@gmail.com \
	--header 'From: <noreply@shop.example>' --header 'Subject: six gmail recipients')"
show "orders@shop.example -> y1@yahoo.com, claiming pool news in its own X-Settings header"
show "  $(smtp orders@shop.example y1@yahoo.com --header 'From: <orders@shop.example>' --add-header "X-Settings: $forged")"
show "offers@news.example -> 3 yahoo.com recipients (pool news: one address, no spillover)"
show "  $(smtp offers@news.example n1@yahoo.com --to n1@yahoo.com,n2@yahoo.com,n3@yahoo.com)"
CTLC suppress add gone@example.com --reason bounce >/dev/null
show "ippoolctl suppress add gone@example.com --reason bounce; then mail to it:"
show "  $(smtp noreply@shop.example gone@example.com)"
for i in 1 2 3; do
	show "message $i to busy@outlook.com (hourly_limit = 2): $(smtp noreply@shop.example busy@outlook.com)"
done

# recipients delivered so far (one dump can hold several)
delivered() { cat "$T"/sink-out/* 2>/dev/null | grep -c '^X-Rcpt-Args: '; }
wait_for 30 sh -c "[ \$(cat '$T'/sink-out/* 2>/dev/null | grep -c '^X-Rcpt-Args: ') -ge 11 ]"
section "delivered (as the recipients' servers saw it): $(delivered) recipients"
printf '   %-20s %-15s %-9s %-7s %s\n' RECIPIENT "SOURCE IP" POOL X-SETTINGS DKIM
addr_pool() {
	case $1 in
	"$(netip 3)"|"$(netip 4)") echo tx ;;
	"$(netip 5)") echo news ;;
	"$(netip 6)") echo shared ;;
	*) echo "?" ;;
	esac
}
for f in $(sink_files out); do
	ip=$(msg_source_ip "$f")
	tag=$(msg_header "$f" X-Settings)
	verdict=$("$PY" "$top/tests/e2e/dkimverify.py" "$T/records" "$f" 2>/dev/null | awk '{ print $NF }' | head -1)
	for to in $(sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f"); do
		printf '   %-20s %-15s %-9s %-10s %s\n' "$to" "$ip" "$(addr_pool "$ip")" \
			"$(xsettings_pool "$tag" 2>/dev/null)" "${verdict:-unsigned}"
	done
done | sort
show "" "gmail: 2 from each tx address (day 1 capacity), then the shared pool took the rest"
show "(spillover while tx is in its first spill_days); yahoo counts separately."

section "waiting in the news instance's queue (no spillover: the 3rd yahoo recipient waits)"
postqueue -c "$T/pf-news/etc" -p | grep -E '^\(|@' | indent
grep 'status=deferred' "$T/pf-news/maillog" | tail -1 | sed 's/.*: to=/to=/' | cut -c1-150 | indent
section "ippoolctl ingest of the pool instances' logs, then ippoolctl warmup status"
CTLC ingest "$T"/pf-tx/maillog "$T"/pf-news/maillog "$T"/pf-shared/maillog 2>/dev/null | indent
CTLC warmup status | awk 'NR == 1 || $5 != "0" || $6 != "0"' | indent
show "(deliveries confirmed from the logs count as SENT; rows with no traffic left out)"
section "ippool-milter log"
grep -E 'pool=|suppressed|hourly limit|DKIM' "$T/milter-m.log" | cut -c1-160 | indent
section "done"
show "everything ran under $T and is removed now; README explains wiring your own Postfix"
t_failed=0
