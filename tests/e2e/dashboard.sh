#!/bin/bash
# dashboard.sh - contrib/grafana/ippool.json against a real Prometheus: the
# site of metrics.sh (a main Postfix with ippool-milter, pool instances
# asking ippool-policyd: tx managed with spillover to the standard pool
# shared, news managed with none, so its excess waits) carries mail in
# rounds while "ippoolctl ingest --follow --metrics-file" reads the pool
# instances' logs (plus a provider's deferral and a bounce); a private
# Prometheus (Debian's, scrape_interval 1s) scrapes both daemons and the
# ingest textfile (served over HTTP, as node_exporter's textfile
# collector would).  contrib/grafana/render.py then asks Prometheus every
# panel's expressions for the run's range: every one answers without an
# error, the panels this traffic must fill have the exact series, and the
# page renders in headless Chromium to a picture that is not blank, with
# no console error.  render.py itself: an expression Prometheus refuses
# fails it naming the panel and the expression; template variables and
# $__rate_interval are substituted as Grafana does; stat, gauge and table
# panels draw.
#
# DASHBOARD_PNG=FILE keeps the picture (doc/dashboard.png is made so, with
# DASHBOARD_MESSAGES=300 DASHBOARD_ROUNDS=12 DASHBOARD_PAUSE=10: README,
# "Monitoring"); DASHBOARD_MESSAGES (default 16, at least 16),
# DASHBOARD_ROUNDS (4) and DASHBOARD_PAUSE (seconds between rounds, 2)
# set the traffic.
. "$(dirname "$0")/lib.sh"
need_root
need postfix smtp-sink prometheus "$MILTER" "$POLICYD" "$CTL" "$PY"
if ! command -v chromium >/dev/null 2>&1; then
	[ "${IPPOOL_REQUIRE_E2E:-0}" = 1 ] && bail "chromium is missing (apt-get install chromium)"
	skip_all "chromium is missing (Debian package chromium)"
fi
R=$src/contrib/grafana/render.py
DASH=$src/contrib/grafana/ippool.json
NMSG=${DASHBOARD_MESSAGES:-16}
ROUNDS=${DASHBOARD_ROUNDS:-4}
PAUSE=${DASHBOARD_PAUSE:-2}
[ "$NMSG" -ge 16 ] || bail "DASHBOARD_MESSAGES must be at least 16"
# capacity per IP and ISP on day 1: tx's mail to gmail spills over,
# news's (mostly to gmail) waits
CAP=$(( NMSG / 6 > 2 ? NMSG / 6 : 2 ))

M=$(netip 1)
genkey tx.example s1 >"$T/keytable"
genkey news.example s1 >>"$T/keytable"
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
socket = inet:8891@$M
user =
hourly_limit = 2
metrics = inet:9466@$M
metrics_clients = 127.0.0.1/32 $M/32
$(policy_section)
[pool tx]
ips = $(netip 3)
spillover = shared
senders = @tx.example
port = 10031
[pool news]
ips = $(netip 4)
senders = @news.example
port = 10033
[pool shared]
ips = $(netip 5)
mode = standard
port = 10032
[warmup]
schedule = $CAP
spill_days = 1
[dkim]
keytable = $T/keytable
CONF

not_before_midnight 300
# promq EXPR: the value of a query answering one sample ("" for none)
promq() {
	"$PY" - "http://$M:19090" "$1" <<'PYEOF'
import json, sys, urllib.parse, urllib.request
u = "%s/api/v1/query?%s" % (sys.argv[1], urllib.parse.urlencode({"query": sys.argv[2]}))
r = json.load(urllib.request.urlopen(u, timeout=10))["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")
PYEOF
}
promq_is() { [ "$(promq "$1")" = "$2" ]; }

sink_start out "$(netip 20)"
pf_setup main 10025 </dev/null
# the pool instances side by side (each is a few postconf runs)
setups=()
for p in tx:10031 news:10033 shared:10032; do
	pf_setup "${p%:*}" "${p#*:}" </dev/null &
	setups+=($!)
done
for p in "${setups[@]}"; do wait "$p" || bail "pf_setup failed"; done
CTLC postfix-setup --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" >"$T/setup.out" 2>&1
is "$?" 0 "postfix-setup for the four instances"
milter_start "$T/ippool.conf"
policyd_start "$T/ippool.conf"
for p in main tx news shared; do pf_start "$p"; done

# --- Prometheus, scraping the two daemons and the ingest textfile -----------
mkdir -p "$T/textfile"
: >"$T/extra.log"
"$CTL" -c "$T/ippool.conf" ingest --follow --metrics-file "$T/textfile/ippool.prom" \
	"$T/pf-tx/maillog" "$T/pf-news/maillog" "$T/pf-shared/maillog" "$T/extra.log" >"$T/ingest.out" 2>&1 &
PIDS+=($!)
"$PY" -m http.server --bind "$M" --directory "$T/textfile" 19100 >"$T/textfile.log" 2>&1 &
PIDS+=($!)
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ippool-milter
    static_configs: [{targets: ['$M:9466']}]
  - job_name: ippool-policyd
    static_configs: [{targets: ['$M:9465']}]
  - job_name: ippool-ingest
    metrics_path: /ippool.prom
    static_configs: [{targets: ['$M:19100']}]
YML
promtool check config "$T/prometheus.yml" >"$T/promtool.out" 2>&1
is "$?" 0 "promtool check config: the scrape configuration"
t_start=$(date +%s)
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="$M:19090" --log.level=warn >"$T/prometheus.log" 2>&1 &
PIDS+=($!)
wait_for 30 http_get "http://$M:19090/-/ready"
wait_for 20 promq_is 'count(up == 1)' 3
ok $? "Prometheus is up and scrapes all three targets"

# --- traffic, in rounds -------------------------------------------------------------
CTLC suppress add bad@gmail.com >/dev/null
# the messages: tx's to gmail, microsoft and apple (none to yahoo, where
# the provider below pauses its IP), news's a third, mostly to gmail, some
# to yahoo; one to a suppressed recipient, three to one mailbox (hourly_limit
# 2; same+N@: recipient_delimiter +)
"$PY" - "$NMSG" >"$T/traffic" <<'PYEOF'
import sys
n = int(sys.argv[1])
isps = ["gmail.com", "outlook.com", "gmail.com", "icloud.com"]
out = []
for i in range(n - 4):
    if i % 3 == 2:
        out.append("news@news.example r%d@%s" % (i, "yahoo.com" if i % 4 == 3 else "gmail.com"))
    else:
        out.append("a@tx.example r%d@%s" % (i, isps[i % len(isps)]))
# the special ones spread over the rounds; the one mailbox under three
# sub-addresses (one policyd lookup each: Postfix caches a route by address)
m = len(out) + 4
for k, line in enumerate(["news@news.example same+1@outlook.com", "a@tx.example bad@gmail.com",
                          "news@news.example same+2@outlook.com", "news@news.example same+3@outlook.com"]):
    out.insert((k + 1) * m // 5, line)
for line in out:
    print(line)
PYEOF
# send ROUND: the round's messages over one SMTP session; one line per
# message: its reply code
send_round() {
	"$PY" - "$M" 10025 "$T/traffic" "$1" "$ROUNDS" <<'PYEOF'
import smtplib, sys
host, port, path, k, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
lines = [l.split() for l in open(path) if l.strip()]
mine = lines[k * len(lines) // rounds:(k + 1) * len(lines) // rounds]
s = smtplib.SMTP(host, port, local_hostname="client.example.test", timeout=30)
for frm, to in mine:
    msg = "From: <%s>\r\nTo: <%s>\r\nSubject: dashboard\r\n\r\nhello\r\n" % (frm, to)
    try:
        s.sendmail(frm, [to], msg)
        print("250", frm, to)
    except smtplib.SMTPRecipientsRefused as e:
        print(list(e.recipients.values())[0][0], frm, to)
    except smtplib.SMTPResponseException as e:
        print(e.smtp_code, frm, to)
        s.rset()
s.quit()
PYEOF
}
: >"$T/replies"
# provider N: what a provider answered the tx IP, in its log: a deferral
# at yahoo that backs the IP off there (later ones find it paused
# already), and a bounce; every third round and at the end (a counter's
# series begins at its first increment, and only a second one makes a
# rate)
provider() {
	local stamp q=4Bq9Zx$1Abc
	stamp=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
	{
		echo "$stamp mta-tx.example.test postfix/ippool-tx-1/qmgr[4243]: ${q}E: from=<a@tx.example>, size=420, nrcpt=1 (queue active)"
		echo "$stamp mta-tx.example.test postfix/ippool-tx-1/smtp[4242]: ${q}D: to=<y$1@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.0, status=deferred (host mta7.am0.yahoodns.net[98.136.96.74] said: 421 4.7.0 [TSS04] Messages from $(netip 3) temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command))"
		echo "$stamp mta-tx.example.test postfix/ippool-tx-1/smtp[4242]: ${q}E: to=<gone$1@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mta7.am0.yahoodns.net[98.136.96.74] said: 550 5.1.1 <gone$1@yahoo.com>: no such user (in reply to RCPT TO command))"
	} >>"$T/extra.log"
}
nprov=0
for ((k = 0; k < ROUNDS; k++)); do
	send_round "$k" >>"$T/replies" || diag "round $k: the SMTP session failed"
	[ $((k % 3)) = 0 ] && { nprov=$((nprov + 1)); provider "$nprov"; }
	[ "$k" -lt $((ROUNDS - 1)) ] && sleep "$PAUSE"
done
nprov=$((nprov + 1)); provider "$nprov"
total=$(wc -l <"$T/traffic")
accepted=$(grep -c '^250 ' "$T/replies")
is "$(wc -l <"$T/replies")/$accepted" "$total/$((total - 2))" \
	"$total messages sent, all but two accepted"
is "$(grep -v '^250 ' "$T/replies" | sort | tr '\n' ' ')" \
	"451 news@news.example same+3@outlook.com 550 a@tx.example bad@gmail.com " \
	"  refused: the third to one mailbox in the hour (451), the suppressed recipient (550)"

# what policyd must do: per pool and ISP, CAP recipients from the pool's
# IP; tx's excess spills over, news's waits
exp=$("$PY" - "$T/replies" "$CAP" <<'PYEOF'
import collections, sys
cap = int(sys.argv[2])
isp = {"gmail.com": "gmail", "yahoo.com": "yahoo", "outlook.com": "microsoft", "icloud.com": "apple"}
n, seen = collections.Counter(), set()
for l in open(sys.argv[1]):
    code, frm, to = l.split()
    if code == "250" and to not in seen:
        seen.add(to)
        n[(frm.split("@")[1].split(".")[0], isp[to.split("@")[1]])] += 1
own = sum(min(c, cap) for c in n.values())
spill = sum(c - cap for (p, _), c in n.items() if p == "tx" and c > cap)
wait = sum(c - cap for (p, _), c in n.items() if p == "news" and c > cap)
print(own, spill, wait)
PYEOF
)
read -r want_own want_spill want_wait <<<"$exp"
diag "routed $want_own from the pools' own IPs, $want_spill spilled, $want_wait waiting (capacity $CAP)"
[ "$want_spill" -gt 0 ] && [ "$want_wait" -gt 0 ]
ok $? "the traffic makes mail spill over and wait"
wait_for 60 delivered $((accepted - want_wait))
ok $? "the accepted mail delivered, but for what waits ($((accepted - want_wait)))"

# --- Prometheus has it all --------------------------------------------------------
wait_for 30 promq_is 'sum(ippool_milter_messages_total{outcome="accepted"})' "$accepted"
ok $? "Prometheus: $accepted messages accepted (ippool_milter_messages_total)"
wait_for 30 promq_is 'sum(ippool_policyd_spilled_total)' "$want_spill"
ok $? "  $want_spill spilled (ippool_policyd_spilled_total)"
wait_for 30 promq_is 'sum(ippool_policyd_routed_total)' "$want_own"
ok $? "  $want_own routed from the pools' own IPs (ippool_policyd_routed_total)"
wait_for 30 promq_is 'sum(ippool_ingest_findings_total{kind="sent"})' "$((accepted - want_wait))"
ok $? "  every delivery ingested (ippool_ingest_findings_total from the textfile)"
wait_for 30 promq_is 'sum(ippool_ingest_findings_total{kind="bounced"})' "$nprov"
ok $? "  the $nprov bounces ingested"
wait_for 30 promq_is "count(ippool_warmup_paused_until_timestamp_seconds{ip=\"$(netip 3)\",isp=\"yahoo\"} > time())" 1
ok $? "  the tx IP paused at yahoo"
d=$(promq 'sum(ippool_policyd_deferred_total{pool="news"})')
[ "${d:-0}" -ge "$want_wait" ]
ok $? "  news's excess deferred for capacity ($d lookups for $want_wait recipients: Postfix retries)"
sleep 2		# two more scrapes, so every counter has its last value twice

# --- render.py on the dashboard --------------------------------------------------
t_end=$(date +%s)
"$PY" "$R" -p "http://$M:19090" --from "$((t_start - 10))" --to "$t_end" --scrape-interval 1s \
	--summary "$T/summary" -o "$T/dashboard.html" "$DASH" 2>"$T/render.err"
is "$?" 0 "render.py: exit 0"
[ -s "$T/render.err" ] && sed 's/^/# /' "$T/render.err"
ntargets=$("$PY" -c 'import json,sys; print(sum(len(p.get("targets", [])) for p in json.load(open(sys.argv[1]))["panels"]))' "$DASH")
npanels=$("$PY" -c 'import json,sys; print(sum(p["type"] != "row" for p in json.load(open(sys.argv[1]))["panels"]))' "$DASH")
is "$(cut -f4 "$T/summary" | sort | uniq -c | tr -s ' ')" " $ntargets ok" \
	"Prometheus answered all $ntargets expressions of the dashboard without an error"
# got ID REF: "SERIES/WITH-VALUES" of a panel's target
got() { awk -F'\t' -v id="$1" -v ref="$2" '$1 == id && $3 == ref { print $5 "/" $6 }' "$T/summary"; }
filled() { local n; n=$(got "$1" "$2"); [ "${n#*/}" -ge 1 ]; }
# the panels by id: 18 messages, 9 routed, 10 spilled/waiting, 21 DKIM, 26
# store latency, 24 up, 3 warm-up day, 4 capacity, 6 paused, 7 backoffs,
# 11 deferrals and bounces, 12 deliveries, 19 refusals, 20 tags, 15 bounce rate
is "$(got 24 A)" "2/2" "Daemons up: the milter and policyd"
is "$(got 3 A)" "10/10" "Warm-up day: the two managed IPs at the five ISPs (gmail, yahoo, microsoft, apple, others)"
is "$(got 9 A)" "15/15" "Routed: one series per pool and ISP (3 x 5: policyd starts each at 0)"
# top ID REF: the largest value of a panel's target
top() { awk -F'\t' -v id="$1" -v ref="$2" '$1 == id && $3 == ref { print $8 }' "$T/summary"; }
for pr in "18 A:messages by direction and outcome" "9 A:routed" "10 A:spilled" "10 B:waiting" \
	"21 A:DKIM signatures" "26 A:store latency" "4 A:capacity used" "4 B:capacity" "6 A:paused IPs" \
	"11 A:deferrals and bounces" "12 A:deliveries" "19 A:refused recipients" \
	"20 A:tags by pool" "15 A:bounce rate" "22 A:milter latency" "27 A:policy latency"; do
	id=${pr%% *}; ref=${pr#* }; ref=${ref%%:*}
	filled "$id" "$ref" && "$PY" -c 'import sys; sys.exit(not float(sys.argv[1]) > 0)' "$(top "$id" "$ref")"
	ok $? "panel $id $ref (${pr#*:}): a series with values, one above 0 ($(got "$id" "$ref") series, max $(top "$id" "$ref"))"
done
is "$(got 24 A) $(top 24 A)" "2/2 1" "Daemons up: the milter and policyd, 1"
is "$(got 19 B) $(top 19 B)" "2/2 0" "Refusals, messages: held and refused_guard at 0 (nothing held or paused)"
is "$(got 16 A)" "0/0" "Sender domains paused: none"
# ingest starts every (pool, IP, ISP) series at 0, so increase() sees the first backoff
"$PY" -c 'import sys; sys.exit(not float(sys.argv[1]) >= 1)' "$(top 7 A)"
ok $? "Backoffs: the first backoff of the tx IP at yahoo is seen (max $(top 7 A); the series were primed at 0)"
for legend in 'outbound accepted' 'spilled tx -&gt; shared gmail' 'waiting news gmail' 'rsa-sha256' \
	'recipients refused_suppressed' 'recipients refused_hourly_limit' "tx $(netip 3) yahoo" 'ippool-milter'; do
	grep -qF "$legend" "$T/dashboard.html"
	ok $? "  the page's legends: \"$legend\""
done
is "$(grep -o '<div class="p"' "$T/dashboard.html" | wc -l)/$(grep -o '<svg ' "$T/dashboard.html" | wc -l)" \
	"$npanels/$npanels" "the page: all $npanels panels, each a chart"
! grep -Eqi '(src|href) *=|url\(|@import|<script|<link' "$T/dashboard.html"
ok $? "the page fetches nothing: no src, href, url(), @import, script or link"

# --- in a browser ---------------------------------------------------------------
# shot PNG SCALE: a screenshot of the whole page (1600 px wide, 78 grid
# rows), console messages in PNG.log
shot() {
	rm -f "$1"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
		--enable-logging=stderr --v=0 --hide-scrollbars --force-device-scale-factor="$2" \
		--screenshot="$1" --window-size=1600,2980 "file://$T/dashboard.html" >"$1.log" 2>&1
}
# checked at half scale: pngcheck.py reads every pixel in Python
shot "$T/dashboard.png" 0.5
ok $? "chromium renders the page"
! grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$T/dashboard.png.log"
ok $? "  no console errors"
px=$("$PY" "$src/tests/e2e/pngcheck.py" "$T/dashboard.png")
[[ $px =~ ^800x1490\ nonwhite=([0-9]+)\ colours=([0-9]+) ]] \
	&& [ "${BASH_REMATCH[1]}" -gt 1000000 ] && [ "${BASH_REMATCH[2]}" -ge 500 ]
ok $? "  the picture is not blank: dark panels, lines and text ($px)"
if [ -n "${DASHBOARD_PNG:-}" ]; then
	shot "$T/full.png" 1 && cp "$T/full.png" "$DASHBOARD_PNG" && diag "kept $DASHBOARD_PNG"
fi

# --- render.py's own checks ----------------------------------------------------------
# an expression Prometheus refuses: exit 1, the panel and the expression named
cat >"$T/bad.json" <<'JSON'
{"title": "bad", "panels": [
 {"id": 1, "type": "timeseries", "title": "Fine", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
  "targets": [{"refId": "A", "expr": "up"}]},
 {"id": 7, "type": "timeseries", "title": "Broken", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
  "targets": [{"refId": "B", "expr": "sum by (job) (rate(ippool_milter_messages_total[5m])"}]}]}
JSON
"$PY" "$R" -p "http://$M:19090" --from now-1m --scrape-interval 1s -o "$T/bad.html" "$T/bad.json" 2>"$T/bad.err"
is "$?" 1 "render.py: an expression Prometheus refuses: exit 1"
like "$(head -1 "$T/bad.err")" '^render\.py: panel 7 "Broken" \(B\): expr sum by \(job\) \(rate\(ippool_milter_messages_total\[5m\]\): Prometheus: bad_data: .*unclosed left parenthesis' \
	"  the panel, its refId, the expression and Prometheus's error on standard error"
is "$(grep -c '^render\.py: panel ' "$T/bad.err")" 1 "  only that one"
# Grafana's variables; stat, gauge and table panels
cat >"$T/vars.json" <<'JSON'
{"title": "vars", "templating": {"list": [
  {"name": "pool", "type": "query", "query": "label_values(ippool_policyd_routed_total, pool)"},
  {"name": "isps", "type": "custom", "multi": true, "query": "gmail,yahoo", "current": {"value": ["gmail", "yahoo"]}},
  {"name": "win", "type": "interval", "query": "1m,10m", "current": {"value": "auto"}}]},
 "panels": [
 {"id": 1, "type": "stat", "title": "Routed from $pool", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 6},
  "targets": [{"refId": "A", "expr": "sum(ippool_policyd_routed_total{pool=\"$pool\"})"}]},
 {"id": 2, "type": "gauge", "title": "Accepted share", "gridPos": {"x": 6, "y": 0, "w": 6, "h": 6},
  "fieldConfig": {"defaults": {"unit": "percentunit", "min": 0, "max": 1}},
  "targets": [{"refId": "A", "expr": "count(up == 1) / 4"}]},
 {"id": 3, "type": "table", "title": "Routed", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 6},
  "targets": [{"refId": "A", "expr": "sum by (pool, isp) (ippool_policyd_routed_total{isp=~\"$isps\"})"}]},
 {"id": 4, "type": "timeseries", "title": "Rates", "gridPos": {"x": 0, "y": 6, "w": 24, "h": 6},
  "targets": [{"refId": "A", "expr": "sum(rate(ippool_policyd_routed_total[$__rate_interval]))"},
              {"refId": "B", "expr": "sum(increase(ippool_policyd_routed_total[$win])) * 0 + $__range_s"}]}]}
JSON
"$PY" "$R" -p "http://$M:19090" --from now-2m --scrape-interval 1s --summary "$T/vars.summary" \
	-o "$T/vars.html" "$T/vars.json" 2>"$T/vars.err"
is "$?" 0 "render.py: a dashboard with variables, stat, gauge and table panels"
is "$(cut -f10 "$T/vars.summary" | tr '\n' '|')" \
	'sum(ippool_policyd_routed_total{pool="news"})|count(up == 1) / 4|sum by (pool, isp) (ippool_policyd_routed_total{isp=~"(gmail|yahoo)"})|sum(rate(ippool_policyd_routed_total[4s]))|sum(increase(ippool_policyd_routed_total[1s])) * 0 + 120|' \
	"  \$pool from label_values() (the first, sorted), a multi-value \$isps as a regex, \$__rate_interval 4s (4 scrapes), an auto interval and \$__range_s"
want_news=$(promq 'sum(ippool_policyd_routed_total{pool="news"})')
like "$(tr '<' '\n' <"$T/vars.html" | grep -c "^text[^>]*font-weight=\"bold\"[^>]*>$want_news\$")" '^[1-9]' \
	"  the stat shows news's $want_news routed"
grep -q 'font-weight="bold" text-anchor="middle">75%</text>' "$T/vars.html"
ok $? "  the gauge shows 3 targets up of 4 as 75%"
grep -q ">isp<" "$T/vars.html" && grep -q ">pool<" "$T/vars.html"
ok $? "  the table has a column per label"
printf '{"panels":[{"id":5,"type":"piechart","title":"Pie","targets":[{"expr":"up"}]}]}' >"$T/pie.json"
"$PY" "$R" -p "http://$M:19090" -o /dev/null "$T/pie.json" 2>"$T/pie.err"
is "$?" 65 "render.py: a panel type it does not draw: exit 65"
like "$(cat "$T/pie.err")" 'panel 5 "Pie": type .piechart. is not one render\.py draws' "  named"
"$PY" "$R" -p "http://$(netip 2):9" -o /dev/null "$DASH" 2>"$T/down.err"
is "$?" 69 "render.py: Prometheus unreachable: exit 69"
like "$(cat "$T/down.err")" "cannot reach Prometheus at http://$(netip 2):9" "  named"

done_testing
