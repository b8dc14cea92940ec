#!/bin/bash
# contrib.sh - the monitoring files in contrib/: the alert rules pass
# "promtool check rules" and their unit tests ("promtool test rules",
# tests/prometheus/ippool-rules.test.yml: series in, alerts out), and every
# metric the Grafana dashboard's expressions name is one the manual pages
# document (tests/e2e/metrics.sh checks them against real output too).
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
n=0 fail=0
t() {	# t DESCRIPTION COMMAND...: one TAP line; the command's output on failure
	local desc=$1 out; shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		fail=$((fail + 1))
		echo "not ok $n - $desc"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}
if ! command -v promtool >/dev/null; then
	if [ -n "${CI:-}" ]; then echo "Bail out! promtool missing (Debian package prometheus)"; exit 99; fi
	echo "1..0 # SKIP promtool missing (Debian package prometheus)"; exit 0
fi
t "promtool check rules contrib/prometheus/ippool-rules.yml" \
	promtool check rules "$src/contrib/prometheus/ippool-rules.yml"
t "promtool test rules tests/prometheus/ippool-rules.test.yml" \
	bash -c "cd '$src/tests/prometheus' && promtool test rules ippool-rules.test.yml"
t "contrib/grafana/ippool.json is JSON with panels" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["panels"] else 1)' \
	"$src/contrib/grafana/ippool.json"
t "every metric the dashboard names is documented in the METRICS sections" \
	python3 "$src/tests/dashboard.py" "$src/contrib/grafana/ippool.json" \
	"$src/man/ippool-milter.8" "$src/man/ippool-policyd.8" "$src/man/ippoolctl.8"
# a checker that cannot fail checks nothing
printf '{"panels":[{"title":"x","targets":[{"expr":"rate(ippool_no_such_total[5m])"}]}]}' >"${TMPDIR:-/tmp}/dash-$$.json"
t "  and a dashboard naming an unknown metric is refused" \
	bash -c "! python3 '$src/tests/dashboard.py' '${TMPDIR:-/tmp}/dash-$$.json' '$src/man/ippool-milter.8'"
rm -f "${TMPDIR:-/tmp}/dash-$$.json"
echo "1..$n"
[ "$fail" -eq 0 ]
