#!/bin/bash
# manlint.sh - every manual page is clean under "mandoc -Tlint" (references
# to ippool's own pages, which are not installed yet, excepted).
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v mandoc >/dev/null; then
	echo "1..0 # SKIP mandoc is not installed"
	exit 0
fi
n=0
fail=0
for page in "$src"/man/*.[1-8]; do
	n=$((n + 1))
	out=$(mandoc -Tlint "$page" 2>&1 | grep -v -e 'referenced manual not found' \
		-e 'outdated mandoc.db')
	if [ -z "$out" ]; then
		echo "ok $n - $(basename "$page") is lint-clean"
	else
		echo "not ok $n - $(basename "$page") is lint-clean"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
