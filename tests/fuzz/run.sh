#!/bin/bash
# run.sh - "make fuzz": each libFuzzer harness for FUZZ_SECONDS seconds,
# one after the other, starting from its seed corpus.  New inputs go to a
# working corpus and crash files to the build tree (tests/fuzz/work/NAME,
# tests/fuzz/crash/NAME-*), never into the source tree.  One PASS or FAIL
# line per harness with its executions, a summary in tests/fuzz/fuzz-suite.log
# ("# PASS: N" / "# FAIL: M", as automake's test-suite.log, which quickstart
# counts); exit 1 when any harness found a crash.
#   run.sh SRCDIR BUILDDIR SECONDS HARNESS...
src=$1 build=$2 secs=$3
shift 3
log=$build/tests/fuzz/fuzz-suite.log
pass=0 fail=0
: >"$log.tmp"
for h in "$@"; do
	name=${h##*/fuzz_}
	work=$build/tests/fuzz/work/$name
	crash=$build/tests/fuzz/crash
	mkdir -p "$work" "$crash"
	out=$build/tests/fuzz/$name.fuzzlog
	"$build/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$crash/$name-" \
	    "$work" "$src/tests/fuzz/corpus/$name" >"$out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out" | tail -1)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		line="PASS: fuzz_$name: ${execs:-?} executions in ${secs} s, ${cov:-cov: ?}"
	else
		fail=$((fail + 1))
		line="FAIL: fuzz_$name: exit $rc after ${execs:-?} executions; see $out"
		ls "$crash/$name-"* 2>/dev/null | sed 's/^/#   artifact: /' >>"$log.tmp"
		grep -m1 -A12 'ERROR\|runtime error\|assertion failed\|deadly signal' "$out" \
		    | sed 's/^/#   /' >>"$log.tmp"
	fi
	echo "$line"
	echo "$line" >>"$log.tmp"
done
{
	echo "# TOTAL: $((pass + fail))"
	echo "# PASS: $pass"
	echo "# FAIL: $fail"
	cat "$log.tmp"
} >"$log"
rm -f "$log.tmp"
[ $fail -eq 0 ]
