#!/bin/bash
# feedback-corpus.sh - "ippoolctl feedback --dry-run --json" over every
# message of tests/data/feedback: the findings are exactly those of
# FILE.expect, the exit status is 0 and nothing but ippoolctl's own log
# lines reach stderr (no GLib warning, no sanitizer report).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$src}
CTL=$bld/ctl/ippoolctl
T=$(mktemp -d "${TMPDIR:-/tmp}/ippool-corpus-XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
printf '[store]\npath = %s/store\n[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n' "$T" >"$T/ippool.conf"
n=0
failed=0
for f in "$src"/tests/data/feedback/*.eml; do
	name=$(basename "$f" .eml)
	"$CTL" -c "$T/ippool.conf" feedback --dry-run --json "$f" >"$T/out" 2>"$T/err"
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq 0 ] && cmp -s "$T/out" "${f%.eml}.expect" \
	    && ! grep -qv '^ippoolctl: feedback: ' "$T/err"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc)"
		diff "${f%.eml}.expect" "$T/out" | sed 's/^/# /'
		sed 's/^/# stderr: /' "$T/err"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
