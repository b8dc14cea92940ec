#!/bin/bash
# json.sh - what a script reads: --json from check, suppress show, limits
# show, sender status, warmup classify, postfix-setup --dry-run (on
# private Postfix configuration directories) and the ingest summary, each
# parsed with Python's json and its values asserted; sender status exits 1
# for a paused sender domain, 0 for one that sends.
. "$(dirname "$0")/lib.sh"
need_root
need postfix "$CTL"

NOW=1795435200			# 2026-11-23 12:00:00 UTC
export IPPOOL_NOW=@$NOW
cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[milter]
user =
hourly_limit = 3
[pool tx]
ips = $(netip 3)
CONF
C() { "$CTL" -c "$T/ippool.conf" "$@"; }
J() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- check --json ------------------------------------------------------------
out=$(C check --json); rc=$?
is "$rc" 0 "check --json: exit 0"
is "$(J 'd["config"], d["pools"], d["keytable"], d["store"]["suppress"], d["store"]["backend"]' <<<"$out")" \
	"$T/ippool.conf [{'name': 'tx', 'ips': 1}] None 0 Berkeley DB environment $T/store" \
	"  config, pools, keytable, the store's counts"

# --- the ingest summary, and sender status with its exit -------------------------
"$PY" - "$NOW" >"$T/guard.log" <<'PYEOF'
import sys, datetime
now = int(sys.argv[1])
def stamp(t):
    return datetime.datetime.utcfromtimestamp(t).strftime('%Y-%m-%dT%H:%M:%S.000000+00:00')
n = 0
for dom, sent, bounced in (("promo.example", 100, 9), ("other.example", 120, 2)):
    for i in range(sent + bounced):
        n += 1
        t = now - 3600 + n
        qid = "4QGRD%06dX" % n
        print(f"{stamp(t)} mta postfix/qmgr[4000]: {qid}: from=<list@{dom}>, size=2048, nrcpt=1 (queue active)")
        if i < sent:
            print(f"{stamp(t)} mta postfix/smtp[4001]: {qid}: to=<r{n}@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)")
        else:
            print(f"{stamp(t)} mta postfix/smtp[4001]: {qid}: to=<b{n}@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command))")
print("not a log line")
PYEOF
is "$(C ingest --json "$T/guard.log" 2>/dev/null)" \
	'{"read":463,"applied":462,"already_applied":0,"ignored":0,"skipped":1,"failed":0,"refused":null}' \
	"ingest --json: the summary as one JSON object"
is "$(C ingest --json "$T/guard.log" 2>/dev/null | J 'd["applied"], d["already_applied"]')" "0 462" \
	"  read again: nothing applied, all already applied"
out=$(C sender status promo.example); rc=$?
is "$rc" 1 "sender status of a paused sender domain: exit 1"
like "$out" ': PAUSED$' "  and it says PAUSED"
C sender status other.example >/dev/null
is "$?" 0 "sender status of a sending domain: exit 0"
out=$(C sender status promo.example --json); rc=$?
is "$rc:$(J 'd[0]["domain"], d[0]["delivered"], d[0]["hard_bounces"], d[0]["paused"], d[0]["paused_by"]' <<<"$out")" \
	"1:promo.example 100 9 True bounces" "sender status DOMAIN --json: exit 1, paused by bounces"
out=$(C sender status --json); rc=$?
is "$rc:$(J 'sorted((x["domain"], x["paused"]) for x in d)' <<<"$out")" \
	"1:[('other.example', False), ('promo.example', True)]" "sender status --json (all): exit 1 when one is paused"

# --- suppress show --json ---------------------------------------------------------
out=$(C suppress show b101@example.com --json); rc=$?
is "$rc:$(J 'len(d), d[0]["address"], d[0]["reason"], d[0]["expired"], d[0]["sender_domain"]' <<<"$out")" \
	"0:1 b101@example.com bounce False None" "suppress show ADDR --json: the entry"
out=$(C suppress show nobody@example.com --json); rc=$?
is "$rc:$out" "1:[]" "suppress show --json of an address not suppressed: [] and exit 1"

# --- limits show --json -----------------------------------------------------------
out=$(C limits show r5@gmail.com --json); rc=$?
is "$rc:$(J 'd["address"], d["limit"], d["count"], d["entries"], d["next_accepted"]' <<<"$out")" \
	"0:r5@gmail.com 3 0 [] None" "limits show ADDR --json"
C limits show --json -x r5@gmail.com >/dev/null 2>&1
is "$?" 64 "limits show with an unknown option: exit 64"

# --- warmup classify --json -------------------------------------------------------
out=$(C warmup classify --json gmail.com x@outlook.com); rc=$?
is "$rc:$(J '[(x["domain"], x["isp"], x["how"]) for x in d]' <<<"$out")" \
	"0:[('gmail.com', 'gmail', 'domain'), ('x@outlook.com', 'microsoft', 'domain')]" \
	"warmup classify --json: domain, ISP, how"

# --- postfix-setup --dry-run --json --------------------------------------------
PORT=10025
pf_setup main $PORT </dev/null
pf_setup tx 10031 </dev/null
sum() { cat "$T"/pf-*/etc/main.cf "$T"/pf-*/etc/master.cf | md5sum; }
before=$(sum)
out=$(C postfix-setup --dry-run --json --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc"); rc=$?
is "$rc" 0 "postfix-setup --dry-run --json: exit 0"
is "$(sum)" "$before" "  changes no file"
is "$(J 'd["dry_run"], d["changes"] == len(d["actions"]), d["changes"] > 5' <<<"$out")" "True True True" \
	"  every change is one action"
is "$(J '[a["entry"] for a in d["actions"] if a.get("service") == "ippool_tx_1/unix"][0]' <<<"$out")" \
	"ippool_tx_1 unix - - n - - smtp -o smtp_bind_address=$(netip 3) -o syslog_name=postfix/ippool-tx-1 -o inet_protocols=ipv4" \
	"  the transport of tx IP 1, as master.cf will have it"
is "$(J '[(a["action"], a["file"], a["value"]) for a in d["actions"] if a.get("parameter") == "smtpd_milters" and a["dir"].endswith("pf-main/etc")]' <<<"$out")" \
	"[('set', 'main.cf', '{ unix:/run/ippool/milter.sock, default_action=tempfail }')]" \
	"  the milter in the main instance's main.cf"
C postfix-setup --json --main-dir "$T/pf-main/etc" --pool-dir "$T/pf-%s/etc" >/dev/null 2>"$T/nodry.err"
is "$?:$(head -1 "$T/nodry.err")" "64:ippoolctl: postfix-setup: --json goes with --dry-run" \
	"postfix-setup --json without --dry-run: a usage error"

done_testing
