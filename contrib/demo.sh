#!/bin/bash
# demo.sh - ippool in one minute, on loopback, touching nothing of the
# machine's own mail setup: a private Postfix with ippool-milter on the
# embedded Berkeley DB store, a few sample messages, and what happened to
# each.  Run by "./quickstart demo"; usage: contrib/demo.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top
export top_builddir=$(cd "${1:-$top}" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it starts a private Postfix instance)" >&2
	exit 1
fi
. "$top/tests/e2e/lib.sh" >/dev/null

section() { printf '\n== %s\n' "$*"; }
show() { printf '   %s\n' "$@"; }

MPORT=8891
PORT=10025
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:$MPORT@$(netip 1)
user =
hourly_limit = 2
[pool tx]
ips = $(netip 3) $(netip 4)
senders = noreply@shop.example @shop.example
[pool bulk]
ips = $(netip 5)
senders = @news.example
[pool default]
ips = $(netip 6)
CONF
CTLC() { "$CTL" -c "$T/ippool.conf" "$@"; }

section "configuration ($T/ippool.conf)"
sed 's/^/   /' "$T/ippool.conf"
"$MILTER" -n -c "$T/ippool.conf" && show "ippool-milter -n: configuration OK"

sink_start out "$(netip 20)"
pf_setup main $PORT <<CONF
smtpd_milters = inet:$(netip 1):$MPORT
non_smtpd_milters = inet:$(netip 1):$MPORT
CONF
milter_start "$T/ippool.conf"
pf_start main
section "running"
show "Postfix (private instance) on $(netip 1):$PORT, ippool-milter on $(netip 1):$MPORT," \
	"delivering to an smtp-sink on $(netip 20):2525"

smtp() { send "$(netip 1)" $PORT "$@"; }
forged=$("$PY" -c 'import base64;print(base64.b64encode(b"{\"Version\":\"1.0\",\"OutboundIp\":{\"IpPoolId\":\"bulk\"}}").decode())')

section "sending"
show "noreply@shop.example -> alice@gmail.com: $(smtp noreply@shop.example alice@gmail.com)"
show "offers@news.example  -> bob@yahoo.com:   $(smtp offers@news.example bob@yahoo.com)"
show "me@elsewhere.example -> carol@outlook.com: $(smtp me@elsewhere.example carol@outlook.com)"
show "orders@shop.example claiming pool bulk in its own X-Settings header:" \
	"  $(smtp orders@shop.example dave@gmail.com --add-header "X-Settings: $forged")"
CTLC suppress add gone@example.com --reason bounce >/dev/null
show "ippoolctl suppress add gone@example.com --reason bounce, then a message to it:" \
	"  $(smtp noreply@shop.example gone@example.com)"
for i in 1 2 3; do
	show "message $i of 3 to busy@example.com (hourly_limit = 2): $(smtp noreply@shop.example busy@example.com)"
done

sink_wait out 6 20
section "delivered (smtp-sink dumps), X-Settings decoded with ippoolctl decode"
for f in $(sink_files out); do
	to=$(sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p' "$f" | head -1)
	from=$(sed -n 's/^X-Mail-Args: <\(.*\)>.*/\1/p' "$f" | head -1)
	tags=$(msg_header "$f" X-Settings)
	show "$from -> $to: $(printf '%s\n' "$tags" | grep -c .) X-Settings header: $("$CTL" decode "$tags")"
done

section "ippool-milter log"
grep -E 'pool=|suppressed|hourly limit' "$T/milter-m.log" | sed 's/^/   /'
section "ippoolctl limits show busy@example.com"
CTLC limits show busy@example.com | sed 's/^/   /'
section "ippoolctl suppress list"
CTLC suppress list | sed 's/^/   /'
section "done"
show "everything ran under $T and is removed now; see README for wiring your own Postfix"
t_failed=0
