#!/bin/bash
# corpus.sh - every fuzzing harness replays its corpus, tests/fuzz/corpus/NAME/,
# once: the seeds and every input that once crashed a parser stay regression
# tests.  The harnesses are libFuzzer programs in a --enable-fuzzing build and
# plain replay programs (tests/fuzz/replay.c) otherwise; both run each file
# named on the command line once and fail on a crash or a failed check.
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-.}
names=$(cd "$src/tests/fuzz/corpus" && ls)
echo "1..$(echo "$names" | wc -l)"
n=0
for name in $names; do
	n=$((n + 1))
	bin=$build/tests/fuzz/fuzz_$name
	files=("$src/tests/fuzz/corpus/$name"/*)
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$name: $bin not built"
		continue
	fi
	if [ ! -f "${files[0]}" ]; then
		echo "not ok $n - fuzz_$name: empty corpus"
		continue
	fi
	out=$("$bin" "${files[@]}" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $n - fuzz_$name: ${#files[@]} corpus inputs"
	else
		echo "not ok $n - fuzz_$name: exit $rc replaying its corpus"
		echo "$out" | grep -v '^Running: \|^Executed ' | tail -30 | sed 's/^/# /'
	fi
done
