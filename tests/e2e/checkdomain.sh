#!/bin/bash
# checkdomain.sh - "ippoolctl check-domain" against test zones served by a
# real DNS server (dnsmasq) inside a network namespace whose resolv.conf
# points at it, so ippoolctl and libspf2 use the system resolver as in
# production.  A ready domain passes every check (exit 0); an SPF record
# lacking one pool IP, a missing DMARC record, a mismatched DKIM key and a
# missing MX are each reported (exit 1); a subdomain inherits the
# organizational domain's DMARC record and its parent's key (the
# organizational domain by the Public Suffix List: brand.info.pl, not
# info.pl, for mail.brand.info.pl); the DNS
# server down means "could not check" (exit 2).
. "$(dirname "$0")/lib.sh"
need_root
need ip dnsmasq "$CTL"

ns_setup cd

# --- keys and the keytable ---------------------------------------------------
# the record's strings as dnsmasq wants them: "a","b"
record() { sed -n 's/^[^ ]* IN TXT //p' "$T/genkey-$1-$2.out" | sed 's/" "/","/g'; }
{
	genkey ready.test s1
	genkey ready.test ed1 --type ed25519
	for d in partial nodmarc nomx fallback badkey; do genkey $d.test s1 --bits 1024; done
	genkey brand.info.pl s1 --bits 1024
} >"$T/keytable"
genkey badkey.test other --bits 1024 >/dev/null	# published, not in the keytable

cat >"$T/ippool.conf" <<CONF
[store]
path = $T/store
[pool tx]
ips = 192.0.2.10 192.0.2.11
senders = @ready.test @sub.ready.test @partial.test @nodmarc.test @nomx.test @badkey.test @mail.brand.info.pl
[pool lab]
ips = 10.0.0.1 127.0.0.5
senders = @lab.test
[pool default]
ips = 192.0.2.30
[dkim]
keytable = $T/keytable
CONF

# --- the zones ----------------------------------------------------------------
spf2='"v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"'
cat >"$T/dnsmasq.conf" <<CONF
no-poll
local=/test/
local=/pl/
# ready.test: everything right
mx-host=ready.test,mx.ready.test,10
txt-record=ready.test,$spf2
txt-record=s1._domainkey.ready.test,$(record ready.test s1)
txt-record=ed1._domainkey.ready.test,$(record ready.test ed1)
txt-record=_dmarc.ready.test,"v=DMARC1; p=reject; rua=mailto:dmarc@ready.test"
# sub.ready.test: own MX and SPF; DMARC and DKIM key from ready.test
mx-host=sub.ready.test,mx.ready.test,10
txt-record=sub.ready.test,$spf2
# partial.test: SPF lacks 192.0.2.11
mx-host=partial.test,mx.partial.test,10
txt-record=partial.test,"v=spf1 ip4:192.0.2.10 -all"
txt-record=s1._domainkey.partial.test,$(record partial.test s1)
txt-record=_dmarc.partial.test,"v=DMARC1; p=quarantine"
# nodmarc.test: no _dmarc record
mx-host=nodmarc.test,mx.nodmarc.test,10
txt-record=nodmarc.test,$spf2
txt-record=s1._domainkey.nodmarc.test,$(record nodmarc.test s1)
# nomx.test: no MX
txt-record=nomx.test,$spf2
txt-record=s1._domainkey.nomx.test,$(record nomx.test s1)
txt-record=_dmarc.nomx.test,"v=DMARC1; p=none"
# badkey.test: the published key is another key
mx-host=badkey.test,mx.badkey.test,10
txt-record=badkey.test,$spf2
txt-record=s1._domainkey.badkey.test,$(record badkey.test other)
txt-record=_dmarc.badkey.test,"v=DMARC1; p=reject"
# fallback.test: no pool lists it, so postmaster@ selects pool default
mx-host=fallback.test,mx.fallback.test,10
txt-record=fallback.test,"v=spf1 ip4:192.0.2.30 -all"
txt-record=s1._domainkey.fallback.test,$(record fallback.test s1)
txt-record=_dmarc.fallback.test,"v=DMARC1; p=reject"
# mail.brand.info.pl: info.pl is a public suffix, so brand.info.pl is the
# organizational domain; info.pl's own record must not be taken
mx-host=mail.brand.info.pl,mx.brand.info.pl,10
txt-record=mail.brand.info.pl,$spf2
txt-record=s1._domainkey.brand.info.pl,$(record brand.info.pl s1)
txt-record=_dmarc.brand.info.pl,"v=DMARC1; p=quarantine"
txt-record=_dmarc.info.pl,"v=DMARC1; p=none"
# lab.test: a pool of private and loopback addresses; an ESC in its SPF record
mx-host=lab.test,mx.lab.test,10
txt-record=lab.test,"v=spf1 ip4:10.0.0.1 \e[2J-all"
# return domains ([feedback], fb.conf): bounce.ready.test right; none for
# sub.ready.test; bounce.mail.brand.info.pl's SPF lacks 192.0.2.11;
# bounce.fallback.test's MX is another site's
host-record=mx.ready.test,192.0.2.10
mx-host=bounce.ready.test,mx.ready.test,10
txt-record=bounce.ready.test,$spf2
host-record=mx.brand.info.pl,192.0.2.11
mx-host=bounce.mail.brand.info.pl,mx.brand.info.pl,10
txt-record=bounce.mail.brand.info.pl,"v=spf1 ip4:192.0.2.10 -all"
host-record=mx.elsewhere.test,198.51.100.7
mx-host=bounce.fallback.test,mx.elsewhere.test,10
txt-record=bounce.fallback.test,"v=spf1 ip4:192.0.2.30 -all"
CONF
dns_start --conf-file="$T/dnsmasq.conf"

cd_run() {	# cd_run DOMAIN [options]: output in OUT, status in RC
	OUT=$(in_ns "$CTL" -c "$T/ippool.conf" check-domain "$@" 2>"$T/cd.err")
	RC=$?
	printf '%s\n' "$OUT" | sed "s/^/# $1: /" >>"$T/cd.log"
}
line() { printf '%s\n' "$OUT" | grep "^$1" | head -1; }

# --- a ready domain ---------------------------------------------------------------
cd_run ready.test
is "$RC" 0 "ready.test: exit 0"
like "$(line 'mx:')" '^mx: ok: 10 mx\.ready\.test$' "ready.test: MX found"
like "$(line 'spf:')" '^spf: ok: "v=spf1 ip4:192\.0\.2\.10 ip4:192\.0\.2\.11 -all"$' "ready.test: exactly one SPF record"
is "$(line 'spf 192.0.2.10')" "spf 192.0.2.10 (pool tx): ok: pass" "ready.test: libspf2 passes pool IP 192.0.2.10"
is "$(line 'spf 192.0.2.11')" "spf 192.0.2.11 (pool tx): ok: pass" "ready.test: libspf2 passes pool IP 192.0.2.11"
is "$(printf '%s\n' "$OUT" | grep -c '^spf 192.0.2.30')" 0 "ready.test: IPs of pools it does not use are not checked"
like "$(line 'dkim s1')" '^dkim s1 \(rsa-2048\): ok: s1\._domainkey\.ready\.test matches .*/ready\.test\.s1\.key$' \
	"ready.test: RSA key record matches"
like "$(line 'dkim ed1')" '^dkim ed1 \(ed25519\): ok: ed1\._domainkey\.ready\.test matches ' \
	"ready.test: Ed25519 key record matches"
is "$(line 'dmarc:')" "dmarc: ok: _dmarc.ready.test: p=reject" "ready.test: DMARC p=reject"
like "$(line 'alignment:')" '^alignment: ok: d=ready\.test is the From: domain' "ready.test: aligned"
like "$(line 'verdict:')" '^verdict: ready' "ready.test: verdict ready"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 0 "ready.test: no problem line"

# the same as JSON
cd_run ready.test --json
is "$RC" 0 "ready.test --json: exit 0"
is "$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"], d["problems"], len(d["checks"]), [c["result"] for c in d["checks"] if c["check"]=="spf" and "ip" in c])')" \
	"ready 0 8 ['pass', 'pass']" "ready.test --json: verdict, problem count, checks, SPF results"

# --- a subdomain: parent's key, inherited DMARC, relaxed alignment -----------
cd_run sub.ready.test
is "$RC" 0 "sub.ready.test: exit 0"
like "$(line 'dkim s1')" 'ok: s1\._domainkey\.ready\.test matches' "sub.ready.test: checks its parent's key"
is "$(line 'dmarc:')" "dmarc: ok: _dmarc.ready.test: p=reject (inherited from the organizational domain)" \
	"sub.ready.test: DMARC inherited from ready.test"
is "$(line 'alignment:')" "alignment: ok: d=ready.test is aligned with sub.ready.test (relaxed, the DMARC default)" \
	"sub.ready.test: relaxed alignment"

# --- under a public suffix of two labels: the Public Suffix List --------------
cd_run mail.brand.info.pl
is "$RC" 0 "mail.brand.info.pl: exit 0"
is "$(line 'dmarc:')" "dmarc: ok: _dmarc.brand.info.pl: p=quarantine (inherited from the organizational domain)" \
	"mail.brand.info.pl: DMARC of brand.info.pl (info.pl is a public suffix)"
is "$(line 'alignment:')" "alignment: ok: d=brand.info.pl is aligned with mail.brand.info.pl (relaxed, the DMARC default)" \
	"mail.brand.info.pl: relaxed alignment with brand.info.pl"

# --- SPF lacks one pool IP ----------------------------------------------------------
cd_run partial.test
is "$RC" 1 "partial.test: exit 1"
is "$(line 'spf 192.0.2.10')" "spf 192.0.2.10 (pool tx): ok: pass" "partial.test: 192.0.2.10 passes"
is "$(line 'spf 192.0.2.11')" \
	"spf 192.0.2.11 (pool tx): problem: fail: mail from 192.0.2.11 for postmaster@partial.test is not authorized by SPF" \
	"partial.test: 192.0.2.11 reported fail"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 1 "partial.test: exactly one problem"
like "$(line 'verdict:')" '^verdict: problems: 1 problem$' "partial.test: verdict"

# --- no DMARC -------------------------------------------------------------------------
cd_run nodmarc.test
is "$RC" 1 "nodmarc.test: exit 1"
is "$(line 'dmarc:')" "dmarc: problem: no DMARC record at _dmarc.nodmarc.test" "nodmarc.test: DMARC missing"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 1 "nodmarc.test: exactly one problem"

# --- the published DKIM key is not ours -----------------------------------------------
cd_run badkey.test
is "$RC" 1 "badkey.test: exit 1"
like "$(line 'dkim s1')" '^dkim s1 \(rsa-1024\): problem: the key published at s1\._domainkey\.badkey\.test does not match .*/badkey\.test\.s1\.key: signatures will fail$' \
	"badkey.test: mismatched key reported"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 1 "badkey.test: exactly one problem"

# --- no MX ------------------------------------------------------------------------------
cd_run nomx.test
is "$RC" 1 "nomx.test: exit 1"
like "$(line 'mx:')" '^mx: problem: ' "nomx.test: missing MX reported"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 1 "nomx.test: exactly one problem"

# --- no pool lists the domain: the pool postmaster@ selects ----------------------------
cd_run fallback.test
is "$RC" 0 "fallback.test: exit 0"
is "$(line 'spf 192.0.2.30')" "spf 192.0.2.30 (pool default): ok: pass" "fallback.test: pool default's IP checked"

# --- a domain without any key ----------------------------------------------------------
cd_run unknown.test
is "$RC" 1 "unknown.test: exit 1"
like "$(line 'dkim:')" "^dkim: problem: no key for unknown\\.test or a parent domain in $T/keytable" \
	"unknown.test: no key reported"

# --- a pool of private addresses: said so, not checked --------------------------------
cd_run lab.test
is "$(line 'spf 10.0.0.1')" "spf 10.0.0.1 (pool lab): unknown: pool lab uses private address 10.0.0.1: SPF cannot be checked for it (receivers see the address it is translated to)" \
	"lab.test: a private pool address is said to be uncheckable"
is "$(line 'spf 127.0.0.5')" "spf 127.0.0.5 (pool lab): unknown: pool lab uses loopback address 127.0.0.5: SPF cannot be checked for it (receivers see the address it is translated to)" \
	"lab.test: a loopback one too, not \"ok: pass\""
is "$(printf '%s\n' "$OUT" | grep -c ': ok: pass')" 0 "lab.test: no SPF pass claimed for them"
is "$(line 'spf:')" 'spf: ok: "v=spf1 ip4:10.0.0.1 \x1b[2J-all"' "lab.test: the ESC in the TXT record is printed as \\x1b"
grep -q $'\033' <<<"$OUT"
is "$?" 1 "lab.test: no raw ESC reaches the terminal"
cd_run lab.test --json
is "$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print([c["detail"] for c in d["checks"] if c["check"]=="spf" and "ip" not in c])')" \
	"['\"v=spf1 ip4:10.0.0.1 \\\\x1b[2J-all\"']" "lab.test --json: the record escaped the same way"
# --- [feedback]: the return domain takes mail here and passes SPF -------------
head -c 32 /dev/urandom >"$T/fb.key"
chmod 600 "$T/fb.key"
{ cat "$T/ippool.conf"; printf '[feedback]\nkey = %s\ndomains = ready.test sub.ready.test mail.brand.info.pl fallback.test\n' "$T/fb.key"; } >"$T/fb.conf"
fb_run() {	# fb_run DOMAIN: check-domain on fb.conf, OUT and RC
	OUT=$(in_ns "$CTL" -c "$T/fb.conf" check-domain "$@" 2>"$T/cd.err")
	RC=$?
	printf '%s\n' "$OUT" | sed "s/^/# fb $1: /" >>"$T/cd.log"
}
fb_run ready.test
is "$RC" 0 "[feedback] ready.test: exit 0"
is "$(line 'return-mx')" "return-mx bounce.ready.test: ok: 10 mx.ready.test (192.0.2.10: an address of pool tx)" \
	"  the return domain's MX reaches the site"
is "$(line 'return-spf bounce')" 'return-spf bounce.ready.test: ok: "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"' \
	"  the return domain has one SPF record"
is "$(printf '%s\n' "$OUT" | grep '^return-spf 192' | tr '\n' '|')" \
	"return-spf 192.0.2.10 (pool tx): ok: pass|return-spf 192.0.2.11 (pool tx): ok: pass|" \
	"  which passes both pool IPs"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 0 "  no problem line"
fb_run ready.test --json
is "$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"], len(d["checks"]), [c.get("domain") for c in d["checks"] if c["check"]=="return-mx"])')" \
	"ready 12 ['bounce.ready.test']" "  --json: the return checks with their domain"
cd_run ready.test
is "$(printf '%s\n' "$OUT" | grep -c '^return-')" 0 "  without [feedback]: no return-path check"

fb_run sub.ready.test
is "$RC" 1 "[feedback] sub.ready.test, no records for its return domain: exit 1"
is "$(line 'return-mx')" \
	"return-mx bounce.sub.ready.test: problem: no MX record at bounce.sub.ready.test: bounces and complaints sent to the return path do not reach this site" \
	"  the missing MX, with the exact message"
is "$(line 'return-spf bounce')" 'return-spf bounce.sub.ready.test: problem: no SPF record (TXT "v=spf1 ...") at bounce.sub.ready.test' \
	"  the missing SPF record"

fb_run mail.brand.info.pl
is "$RC" 1 "[feedback] mail.brand.info.pl, return domain's SPF lacks a pool IP: exit 1"
like "$(line 'return-mx')" '^return-mx bounce\.mail\.brand\.info\.pl: ok: 10 mx\.brand\.info\.pl \(192\.0\.2\.11: ' "  its MX is fine"
is "$(line 'return-spf 192.0.2.11')" \
	"return-spf 192.0.2.11 (pool tx): problem: fail: mail from 192.0.2.11 for postmaster@bounce.mail.brand.info.pl is not authorized by SPF" \
	"  192.0.2.11 fails SPF at the return domain, with the exact message"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 1 "  exactly one problem"

fb_run fallback.test
is "$RC" 1 "[feedback] fallback.test, return domain's MX is another site's: exit 1"
is "$(line 'return-mx')" \
	"return-mx bounce.fallback.test: problem: no MX host of bounce.fallback.test resolves to an address of this host or of its pools (mx.elsewhere.test 198.51.100.7): feedback does not reach ippoolctl feedback" \
	"  the MX elsewhere, with the exact message"
is "$(line 'return-spf 192.0.2.30')" "return-spf 192.0.2.30 (pool default): ok: pass" "  its SPF passes pool default's IP"

# --- the DNS server is down: could not check ---------------------------------------------
dns_stop
cd_run ready.test
is "$RC" 2 "DNS server down: exit 2"
is "$(printf '%s\n' "$OUT" | grep -c ': problem: ')" 0 "DNS server down: nothing reported as a problem"
like "$(line 'mx:')" '^mx: unknown: ready\.test: DNS lookup failed temporarily$' "DNS server down: MX unknown"
like "$(line 'verdict:')" '^verdict: unknown: ' "DNS server down: verdict unknown"

done_testing
