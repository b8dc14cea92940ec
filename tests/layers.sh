#!/bin/bash
# layers.sh - lib/ is in layers and dependencies run downward only: every
# #include "x.h" of a file in lib/LAYER/ names a header of LAYER or of a
# layer it may use (the same rule Makefile.am's include paths enforce at
# compile time; this test also catches "../mail/x.h"-style paths).
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
declare -A may=(
	[util]="util"
	[conf]="conf util"
	[store]="store conf util"
	[mail]="mail store conf util"
	[ingest]="ingest mail store conf util"
	[dkim]="dkim util"
	[daemon]="daemon store conf util"
)
n=0 fail=0
for dir in "$src"/lib/*/; do
	layer=$(basename "$dir")
	if [ -z "${may[$layer]:-}" ]; then
		n=$((n + 1)); fail=$((fail + 1))
		echo "not ok $n - lib/$layer is not a known layer (add it to tests/layers.sh and Makefile.am)"
		continue
	fi
	for f in "$dir"*.[ch]; do
		bad=
		while read -r inc; do
			[ "$inc" = autoconfig.h ] && continue
			case $inc in */*) bad="$bad $inc"; continue ;; esac
			found=
			for l in ${may[$layer]}; do
				[ -f "$src/lib/$l/$inc" ] && found=$l && break
			done
			[ -n "$found" ] || bad="$bad $inc"
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
		n=$((n + 1))
		if [ -n "$bad" ]; then
			fail=$((fail + 1))
			echo "not ok $n - ${f#$src/} includes what lib/$layer may not use:$bad"
		else
			echo "ok $n - ${f#$src/}"
		fi
	done
done
echo "1..$n"
[ "$fail" -eq 0 ]
