#!/bin/bash
# cli.sh - ippoolctl's command line, without root or daemons: the
# configuration path the build reads; every command and subcommand answers
# --help on stdout with exit 0; a misplaced flag is refused, never taken
# as data; every exit status the commands use is in ippoolctl(8)'s EXIT
# STATUS; "ippoolctl config [-n]" prints the effective configuration;
# "suppress import" reads a header row (any order, a BOM, unknown columns
# refused with FILE:LINE), and without one the export's order; the
# synopses of the manual page agree with the usage lines.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src}
CTL=$bld/ctl/ippoolctl
n=0
fail=0
ok() {		# ok STATUS DESCRIPTION
	local rc=$1; shift
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then echo "ok $n - $*"; else echo "not ok $n - $*"; fail=$((fail + 1)); fi
}
is() {		# is GOT WANT DESCRIPTION
	local got=$1 want=$2; shift 2
	[ "$got" = "$want" ]
	ok $? "$*"
	[ "$got" = "$want" ] || printf '#   got:  %s\n#   want: %s\n' "$got" "$want"
}
T=$(mktemp -d "${TMPDIR:-/tmp}/cli-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

# --- the configuration path ------------------------------------------------------
if [ -x "$bld/config.status" ] && ! "$bld/config.status" --config | grep -q -- --sysconfdir; then
	grep -q '(default /etc/ippool/ippool.conf)' <("$CTL" --help)
	ok $? "a default build reads /etc/ippool/ippool.conf, as README, manual pages and units say"
fi

# --- --help everywhere --------------------------------------------------------------
for c in decode check config ingest limits sendmail-mc sender suppress dkim \
    check-domain warmup postfix-setup "suppress add" "suppress import" "sender status" \
    "warmup simulate" "dkim genkey" "limits show" store "store export" "store backup"; do
	out=$("$CTL" -c /nonexistent $c --help 2>"$T/err"); rc=$?
	[ "$rc" = 0 ] && [[ $out == "usage: ippoolctl "*" ${c%% *} "* ]] && [ ! -s "$T/err" ]
	ok $? "ippoolctl $c --help: usage on stdout, exit 0"
done

# --- misplaced flags ----------------------------------------------------------------
# (sender status, limits show and check take --json; limits reset does not)
out=$("$CTL" -c /nonexistent limits reset --json 2>&1); rc=$?
is "$rc" 64 "limits reset --json: a usage error (exit 64), not an address named --json"
[[ $out == *'unknown option "--json"'* ]]
ok $? "  saying which option"
for args in "limits show --json" "limits reset --json" "decode -x" "check -x" "check --json x"; do
	"$CTL" -c /nonexistent $args >/dev/null 2>&1
	is "$?" 64 "ippoolctl $args: exit 64"
done
out=$("$CTL" check -c /nonexistent 2>&1); rc=$?
is "$rc:$out" "64:ippoolctl: -c is an option of ippoolctl itself: put it before the command (ippoolctl -c FILE check ...)" \
	"a global option after the command says where it belongs"
out=$("$CTL" ingest -v x 2>&1); rc=$?
[ "$rc" = 64 ] && [[ $out == *"put it before the command"* ]]
ok $? "  -v too"

# --- EXIT STATUS lists every status the commands use ------------------------------------
man_st=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$src/man/ippoolctl.8" | sed -n 's/^\.It \([0-9]*\)$/\1/p' | sort -n | tr '\n' ' ')
used=$(grep -oh 'EX_[A-Z]*' "$src"/ctl/*.c | sort -u | while read -r e; do
	case $e in
	EX_CONFIG) echo 78 ;;
	*) printf '#include <sysexits.h>\n%s\n' "$e" | cpp -P 2>/dev/null | tail -1 ;;
	esac; done)
for st in 0 1 2 $used; do
	[[ " $man_st" == *" $st "* ]]
	ok $? "ippoolctl(8) EXIT STATUS lists $st"
done

# the daemons' pages too: every status their code exits with (msg_fatal: 70)
for prog in milter:ippool-milter policy:ippool-policyd; do
	dir=${prog%%:*} page=${prog#*:}
	man_st=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$src/man/$page.8" | sed -n 's/^\.It \([0-9]*\)$/\1/p' | sort -n | tr '\n' ' ')
	used=$(grep -ohE '\b(IPP_)?EX_[A-Z]+\b' "$src/$dir"/*.c "$src"/lib/daemon/*.c | sort -u | while read -r e; do
		case $e in
		EX_CONFIG|IPP_EX_CONFIG) echo 78 ;;
		*) printf '#include <sysexits.h>\n%s\n' "$e" | cpp -P 2>/dev/null | tail -1 ;;
		esac; done | sort -un)
	for st in 0 $(printf '70\n%s\n' $used | sort -un); do
		[[ " $man_st" == *" $st "* ]]
		ok $? "$page(8) EXIT STATUS lists $st"
	done
done

# --- ippoolctl config [-n] -----------------------------------------------------------------
cat >"$T/c.conf" <<'EOF'
[store]
path = /tmp/ippool-cli-store
[milter]
hourly_limit = 20     # a comment
[pool tx]
ips = 192.0.2.1
    192.0.2.2
[isp corp]
domains = corp.example
EOF
is "$("$CTL" -c "$T/c.conf" config -n)" "[store]
path = /tmp/ippool-cli-store

[milter]
hourly_limit = 20

[pool tx]
ips = 192.0.2.1 192.0.2.2

[isp corp]
domains = corp.example" "config -n: only what the file sets, continuations joined"
"$CTL" -c "$T/c.conf" config >"$T/all"
is "$?" 0 "config: exit 0"
grep -qx 'suppress_ttl = 14d' "$T/all" && grep -qx 'hourly_limit = 20' "$T/all" \
	&& grep -qx 'domains = gmail.com googlemail.com' "$T/all" && grep -qx '# keytable is not set' "$T/all"
ok $? "config: defaults, the file's values, the built-in ISPs, unset keys marked"
"$CTL" -c "$T/all" config >"$T/all2" 2>&1
cmp -s "$T/all" "$T/all2"
ok $? "config: its output is a configuration that prints the same"
printf '[milter]\nhourly_limit = many\n' >"$T/bad.conf"
out=$("$CTL" -c "$T/bad.conf" config 2>&1); rc=$?
[ "$rc" = 78 ] && [[ $out == "$T/bad.conf:2: "* ]]
ok $? "config with a bad file: FILE:LINE, exit 78"

# --- suppress import: a header row names the columns ---------------------------------------
printf '[store]\npath = %s/store\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n' "$T" >"$T/s.conf"
export IPPOOL_NOW=@1795435200	# 2026-11-23 12:00:00 UTC
S() { "$CTL" -c "$T/s.conf" suppress "$@"; }
printf 'address,reason\nbob@example.com,complaint\n' >"$T/h1.csv"
S import "$T/h1.csv" >/dev/null
is "$(S export | grep '^bob@')" "bob@example.com,,complaint,2026-11-23T12:00:00Z,2026-12-07T12:00:00Z,import $T/h1.csv:2" \
	"import: address,reason by the header's names (the reason is not taken as a sender domain)"
printf '\xef\xbb\xbfaddress\ncarol@example.com\n' >"$T/h2.csv"
out=$(S import "$T/h2.csv" 2>&1)
is "$?:$out" "0:imported 1 entry" "import: a header of just address, after a UTF-8 BOM"
printf 'Source, Expires ,address\nmanual ticket 7,permanent,dave@example.com\n' >"$T/h3.csv"
S import "$T/h3.csv" >/dev/null
is "$(S export | grep '^dave@')" "dave@example.com,,manual,2026-11-23T12:00:00Z,permanent,manual ticket 7" \
	"import: columns in any order, names in any case and spacing"
printf 'address,colour\nerin@example.com,red\n' >"$T/h4.csv"
out=$(S import "$T/h4.csv" 2>&1)
is "$?:$out" "65:$T/h4.csv:1: unknown column \"colour\" in the header (columns: address,sender_domain,reason,created,expires,source)
ippoolctl: suppress import: 1 bad line: nothing imported" "import: an unknown column is refused with FILE:LINE, nothing imported"
printf 'address,reason\nfrank@example.com,bounce,extra\n' >"$T/h5.csv"
out=$(S import "$T/h5.csv" 2>&1)
is "$?:$(head -1 <<<"$out")" "65:$T/h5.csv:2: 3 fields, but the header names 2 columns" \
	"import: a row longer than the header is refused"
printf 'gina@example.com,news.example,unsubscribe\n' >"$T/h6.csv"
S import "$T/h6.csv" >/dev/null
is "$(S export | grep '^gina@' | cut -d, -f1-3)" "gina@example.com,news.example,unsubscribe" \
	"import: without a header, the export's order"
S export >"$T/exp.csv"; S purge >/dev/null
out=$(S import "$T/exp.csv" 2>&1)
is "$?:$out" "0:imported 4 entries" "import: the export's own header"
# stored in batches of 1000 rows: an address met again in its batch or a
# later one is extended as by another import, never shortened
{
	echo 'address,expires'
	for i in $(seq 1 2500); do
		echo "u$i@big.example,2026-12-01T00:00:00Z"
		[ "$i" = 20 ] && printf 'u10@big.example,permanent\nu10@big.example,2026-12-02T00:00:00Z\n'
	done
	echo 'u1500@big.example,2026-12-05T00:00:00Z'
	echo 'u2400@big.example,2026-11-30T00:00:00Z'
} >"$T/big.csv"
out=$(S import - <"$T/big.csv" 2>&1)
is "$?:$out" "0:imported 2504 entries" "import: 2504 rows from the standard input"
is "$(S export | grep -c '@big\.example,')" 2500 "import: 2500 addresses stored, each once"
is "$(S export | grep -E '^u(10|1500|2400|2500)@big' | cut -d, -f1,5 | sort | tr '\n' ' ')" \
	"u10@big.example,permanent u1500@big.example,2026-12-05T00:00:00Z u2400@big.example,2026-12-01T00:00:00Z u2500@big.example,2026-12-01T00:00:00Z " \
	"import: a repeated address in the same batch and in a later one extended, never shortened"
unset IPPOOL_NOW

# --- output is printable: control characters from outside are escaped ----------------------
esc=$(printf '\033[2J' | base64 -w0)
out=$("$CTL" -c /nonexistent decode "$esc" 2>&1); rc=$?
is "$rc:$out" "65:ippoolctl: decode: not JSON: '[' or '{' expected near '\\x1b' at position 1" \
	"decode: an ESC in an X-Settings value is shown as \\x1b"
esc=$(printf '{"Version":"1.0","OutboundIp":{"IpPoolId":"tx"},"x":"\\u001b]0;t\\u0007"}' | base64 -w0)
out=$("$CTL" -c /nonexistent decode "$esc" 2>&1)
ok $([[ $out == *'\u001b]0;t\u0007'* ]] && ! grep -q $'\033' <<<"$out"; echo $?) \
	"decode: an escaped ESC stays escaped in the JSON printed"
printf '{"table":"suppress","key":"a|esc@example.com","value":"manual\\t1795435200\\t0\\toperator \\u001b[31mred"}\n' >"$T/esc.jsonl"
"$CTL" -c "$T/s.conf" store import "$T/esc.jsonl" >/dev/null
out=$(IPPOOL_NOW=@1795435200 "$CTL" -c "$T/s.conf" suppress show esc@example.com 2>&1)
is "$out" 'esc@example.com: manual since 2026-11-23T12:00:00Z, permanently (operator \x1b[31mred)' \
	"suppress show: an ESC in a stored source is shown as \\x1b"
printf '{"table":"suppress","key":"a|raw@example.com","value_hex":"6d616e75616c0931373935343335323030093009ff"}\n' >"$T/raw.jsonl"
"$CTL" -c "$T/s.conf" store import "$T/raw.jsonl" >/dev/null
out=$("$CTL" -c "$T/s.conf" suppress list --json 2>&1); rc=$?
is "$rc:$(grep -c '"source": "\\\\xff"' <<<"$out")" "0:1" \
	"suppress list --json: a stored source that is not UTF-8 is shown as \\xff, not a store failure"
printf '{"table":"stats","key":"z|a\\u0000b","value":"v\\u0000w"}\n' >"$T/nul.jsonl"
"$CTL" -c "$T/s.conf" store import "$T/nul.jsonl" >/dev/null
is "$("$CTL" -c "$T/s.conf" store export 2>/dev/null | grep '"z|a')" '{"table":"stats","key":"z|a\u0000b","value":"v\u0000w"}' \
	"store export/import: NUL bytes in keys and values travel as \\u0000"

# --- the manual page agrees with the usage lines -----------------------------------------------
synopsis() {	# synopsis COMMAND...: the page's .It line for it, as text
	mandoc -Tascii "$src/man/ippoolctl.8" 2>/dev/null | col -b | sed -n "s/^ *\($*\( \[.*\)\)$/\1/p" | head -1
}
usage_of() { "$CTL" "$@" --help | head -1 | sed 's/^usage: ippoolctl \[-c FILE\] \[-v\] //'; }
is "$(synopsis dkim genkey DOMAIN SELECTOR)" "$(usage_of dkim)" \
	"dkim genkey: the page's synopsis is the usage line (--dir does not need --bits)"
is "$(synopsis postfix-setup | tr a-z A-Z)" "$(usage_of postfix-setup | tr a-z A-Z)" \
	"postfix-setup: the page's synopsis is the usage line"
para=$(mandoc -Tascii "$src/man/ippoolctl.8" 2>/dev/null | col -b | sed -n '/^ *warmup status /,/^ *warmup set /p')
opened=$(printf '%s' "$para" | tr -cd '(' | wc -c); closed=$(printf '%s' "$para" | tr -cd ')' | wc -c)
is "$opened" "$closed" "warmup status: its parentheses balance"
! grep -q 'an unchanged key file is kept even when the user' "$src/man/ippool-milter.8"
ok $? "ippool-milter(8) no longer says an unchanged key is kept whatever the user can read"
grep -q '^socket = unix:/run/ippool/milter.sock' "$src/contrib/ippool.conf.example" \
	&& grep -q 'smtpd_milters = { unix:/run/ippool/milter.sock, default_action=tempfail }' "$src/README"
ok $? "the README's postfix-setup milter line is what the example configuration makes it write"

echo "1..$n"
[ "$fail" -eq 0 ]
