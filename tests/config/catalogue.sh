#!/bin/bash
# catalogue.sh - every file in tests/config/bad/ must be refused by every
# program with exactly the "# expect: LINE: message" lines it carries, and
# exit status 78 (EX_CONFIG); every file in tests/config/good/ must pass.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src}
n=0
fail=0

check() {	# check DESCRIPTION WANT_STATUS WANT_STDERR -- command...
	local desc=$1 want_rc=$2 want=$3 got rc
	shift 4
	got=$("$@" 2>&1 >/dev/null)
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "#   status $rc (want $want_rc)"
		printf '#   got:  %s\n' "$got"
		printf '#   want: %s\n' "$want"
		fail=$((fail + 1))
	fi
}

for f in "$src"/tests/config/bad/*.conf; do
	name=$(basename "$f" .conf)
	want=$(sed -n "s|^# expect: |$f:|p" "$f")
	if [ -z "$want" ]; then
		n=$((n + 1)); echo "not ok $n - $name: no '# expect:' line"; continue
	fi
	check "ippool-milter -n refuses $name" 78 "$want" -- "$bld/milter/ippool-milter" -n -c "$f"
	check "ippoolctl check refuses $name" 78 "$want" -- "$bld/ctl/ippoolctl" -c "$f" check
	if [ -x "$bld/policy/ippool-policyd" ]; then
		check "ippool-policyd -n refuses $name" 78 "$want" -- "$bld/policy/ippool-policyd" -n -c "$f"
	fi
done
# -n also makes the start's checks of the host (the run user exists, the
# DKIM keys load, a reload as that user would work; tests/e2e/dkim-reload.sh):
# here the files are checked for their own rules, in a copy that names no
# user and no keys.
neutral=$(mktemp -d "${TMPDIR:-/tmp}/catalogue-XXXXXX") || exit 99
trap 'rm -rf "$neutral"' EXIT
for f in "$src"/tests/config/good/*.conf; do
	name=$(basename "$f" .conf)
	awk '/^(user|dkim|keytable)[ \t]*=/ { next }
	    { print }
	    /^\[milter\]/ { print "user ="; print "dkim = no"; m = 1 }
	    END { if (!m) { print "[milter]"; print "user ="; print "dkim = no" } }' \
	    "$f" >"$neutral/$name.conf"
	g=$neutral/$name.conf
	check "ippool-milter -n accepts $name" 0 "" -- "$bld/milter/ippool-milter" -n -c "$g"
	if [ -x "$bld/policy/ippool-policyd" ]; then
		check "ippool-policyd -n accepts $name" 0 "" -- "$bld/policy/ippool-policyd" -n -c "$g"
	fi
done
echo "1..$n"
[ "$fail" -eq 0 ]
