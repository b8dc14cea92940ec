#!/bin/bash
# report.sh - "ippoolctl report" and "warmup simulate --svg" on real data:
# five days of ippool-policyd routing decisions (socketmap queries, the
# clock moved a day each time) and the pool instances' log lines for
# them fed to "ippoolctl ingest"; the report's numbers are the ones fed
# in; the HTML page is self-contained, escapes what it shows, and it and
# the SVG render in headless Chromium without console errors to a
# picture that is not blank.
. "$(dirname "$0")/lib.sh"
need_root
need "$CTL" "$POLICYD" "$PY"
if ! command -v chromium >/dev/null 2>&1; then
	[ "${IPPOOL_REQUIRE_E2E:-0}" = 1 ] && bail "chromium is missing (apt-get install chromium)"
	skip_all "chromium is missing (Debian package chromium)"
fi
P=$src/tests/e2e/proto.py

T0=1795435200			# 2026-11-23 12:00:00 UTC
DAYS=5
# a config file name with HTML in it: the page must show it escaped
CONF="$T/ippool&<b>.conf"
{
	printf '[store]\npath = %s\n[milter]\nuser =\n' "$T/store"
	policy_section
	cat <<CONF
[warmup]
schedule = 20, 40, 80, 160, 320
[pool tx]
ips = $(netip 3), $(netip 4)
port = 10031
spillover = shared
[pool shared]
mode = standard
ips = $(netip 9)
port = 10032
CONF
} >"$CONF"
CTLR() { "$CTL" -c "$CONF" "$@"; }
stamp() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000+00:00; }

# --- five days: route, then log what the pool instances did ---------------
want_sent=0 want_def=0 want_bnc=0 want_own=0 want_spill=0 want_wait=0
for d in $(seq 0 $((DAYS - 1))); do
	now=$((T0 + d * 86400))
	IPPOOL_NOW=@$now policyd_start "$CONF" d$d
	n=$((120 + d * 40))
	args=()
	for i in $(seq 1 "$n"); do
		if [ $((i % 3)) = 0 ]; then dom=yahoo.com; else dom=gmail.com; fi
		args+=(tx "r$d-$i@$dom")
	done
	"$PY" "$P" sm "$(netip 1):10041" "${args[@]}" >"$T/answers.$d"
	policyd_stop
	: >"$T/maillog.$d"
	i=0
	while read -r ok what; do
		i=$((i + 1))
		rcpt=${args[$((2 * i - 1))]}
		case $what in
		retry:*) want_wait=$((want_wait + 1)); continue ;;
		ippool_tx_*) want_own=$((want_own + 1)) ;;
		ippool_shared_*) want_spill=$((want_spill + 1)) ;;
		*) continue ;;
		esac
		tr=${what%%:*}; pool=${tr#ippool_}; idx=${pool##*_}; pool=${pool%_*}
		t=$(stamp $((now + i)))
		qid=$(printf '4QR%02d%05dX' "$d" "$i")
		if [ $((i % 17)) = 0 ]; then
			want_bnc=$((want_bnc + 1))
			echo "$t mta postfix/ippool-$pool-$idx/smtp[5001]: $qid: to=<$rcpt>, relay=mx.example[192.0.2.50]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.example[192.0.2.50] said: 550 5.1.1 User unknown (in reply to RCPT TO command))"
		elif [ $((i % 11)) = 0 ]; then
			want_def=$((want_def + 1))
			echo "$t mta postfix/ippool-$pool-$idx/smtp[5001]: $qid: to=<$rcpt>, relay=mx.example[192.0.2.50]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=4.2.2, status=deferred (host mx.example[192.0.2.50] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))"
		else
			want_sent=$((want_sent + 1))
			echo "$t mta postfix/ippool-$pool-$idx/smtp[5001]: $qid: to=<$rcpt>, relay=mx.example[192.0.2.50]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)"
		fi >>"$T/maillog.$d"
	done <"$T/answers.$d"
	IPPOOL_NOW=@$((now + 3600)) CTLR ingest "$T/maillog.$d" >/dev/null 2>"$T/ingest.err"
done
diag "fed: sent $want_sent, deferred $want_def, bounced $want_bnc; own $want_own, spilled $want_spill, waited $want_wait"
[ "$want_spill" -gt 0 ] && [ "$want_own" -gt 0 ]
ok $? "the data has mail through the pool's own IPs and spilled over"

# --- the numbers -----------------------------------------------------------
export IPPOOL_NOW=@$((T0 + (DAYS - 1) * 86400 + 7200))
CTLR report --days 7 --json >"$T/report.json"
ok $? "report --json"
sums=$("$PY" - "$T/report.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
t = {k: 0 for k in ("sent", "deferred", "bounced", "complained", "own", "spilled", "waited")}
for e in r["ips"]:
    for d in e["days"]:
        for k in ("sent", "deferred", "bounced", "complained"):
            t[k] += d[k]
for e in r["routing"]:
    for d in e["days"]:
        for k in ("own", "spilled", "waited"):
            t[k] += d[k]
print(" ".join("%s=%d" % (k, t[k]) for k in t), r["from"], r["to"], len(r["ips"][0]["days"]))
PYEOF
)
is "$sums" "sent=$want_sent deferred=$want_def bounced=$want_bnc complained=0 own=$want_own spilled=$want_spill waited=$want_wait 2026-11-21 2026-11-27 7" \
	"the report counts what was routed and logged, per day over 7 days"
like "$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["ips"] if e["pool"] == "tx" and e["isp"] == "gmail"][0]
print(" ".join("%s/%s/%s" % (d["warmup_day"], d["capacity"], d["schedule"]) for d in e["days"]))' "$T/report.json")" \
	'^None/None/None None/None/None 1/20/20 2/40/40 3/80/80 ' \
	"warm-up day, capacity and schedule per day of an IP at an ISP"
out=$(CTLR report --days 7 --pool tx)
like "$out" "2026-11-23 tx +$(netip 3) +gmail +1 +[0-9]+ +[0-9]+ +[0-9]+ +0 +20" "the table: a day of an IP at an ISP"
like "$out" "2026-11-23 tx +gmail +[0-9]+ +[0-9]+ +0 +[0-9.]+%" "  and where the pool's mail went"
! grep -q ' shared ' <<<"$out"
ok $? "--pool: only that pool"
CTLR report --days 0 >/dev/null 2>&1
is "$?" 64 "--days 0: usage"

# --- the page ------------------------------------------------------------
CTLR report --days 7 --html "$T/report.html"
ok $? "report --html"
! grep -Eqi '(src|href) *=|url\(|@import|<script|<link' "$T/report.html"
ok $? "the page fetches nothing: no src, href, url(), @import, script or link"
grep -q 'ippool&amp;&lt;b&gt;.conf' "$T/report.html" && ! grep -q '<b>' "$T/report.html"
ok $? "what the page shows from the config is escaped"
is "$(grep -o '<svg ' "$T/report.html" | wc -l)" 9 \
	"charts: volume by ISP, routing, rates of tx, the warm-up of each of its IPs at each ISP; volume and rates of shared (no routing of its own)"
CTLR warmup simulate tx --volume 150 --days 10 --isp gmail --isp yahoo --svg "$T/simulate.svg" \
	--json >"$T/simulate.json"
ok $? "warmup simulate --svg --json"
is "$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(len(r), [x["isp"] for x in r], r[0]["days"][0]["spilled"], r[0]["days"][0]["ips"][0]["capacity"])' "$T/simulate.json")" \
	"2 ['gmail', 'yahoo'] 110 20" "simulate --json: per ISP and day, sent per IP, capacity, spilled"

# --- both in a browser ------------------------------------------------------
render() {	# render FILE PNG: screenshot, console messages in $PNG.log
	timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
		--enable-logging=stderr --v=0 --hide-scrollbars \
		--screenshot="$2" --window-size=1200,1600 "file://$1" >"$2.log" 2>&1
}
for f in report.html simulate.svg; do
	render "$T/$f" "$T/$f.png"
	ok $? "$f: chromium renders it"
	! grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$T/$f.png.log"
	ok $? "  no console errors"
	px=$("$PY" "$src/tests/e2e/pngcheck.py" "$T/$f.png")
	diag "$f: $px"
	[[ $px =~ nonwhite=([0-9]+)\ colours=([0-9]+) ]] \
		&& [ "${BASH_REMATCH[1]}" -gt 50000 ] && [ "${BASH_REMATCH[2]}" -ge 8 ]
	ok $? "  the picture is not blank ($px)"
done
timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
	--dump-dom "file://$T/report.html" 2>/dev/null >"$T/dom.html"
is "$(grep -o '<svg ' "$T/dom.html" | wc -l)" 9 "the browser's DOM has every chart"

# IPPOOL_REPORT_KEEP=DIR: keep the page, the SVG and their pictures (the
# README's doc/report.png is made this way)
if [ -n "${IPPOOL_REPORT_KEEP:-}" ]; then
	cp "$T/report.html" "$T/report.html.png" "$T/simulate.svg" "$T/simulate.svg.png" \
	    "$IPPOOL_REPORT_KEEP"/
fi

done_testing
