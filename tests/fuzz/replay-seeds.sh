#!/bin/sh
# Replay every fuzz target's seed corpus through its entry point (TAP).
# A crash, an ASan/UBSan report or a non-zero exit fails the target.
: "${TERN_BUILDDIR:=.}" "${TERN_SRCDIR:=.}"
n=0
fail=0
for dir in "$TERN_SRCDIR"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	n=$((n + 1))
	bin="$TERN_BUILDDIR/tests/fuzz/fuzz_$name"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: $bin not built"
		fail=1
		continue
	fi
	if out=$("$bin" "$dir"* 2>&1); then
		echo "ok $n - fuzz target $name replays $(ls "$dir" | wc -l) seeds"
	else
		echo "not ok $n - fuzz target $name failed on its seeds"
		echo "$out" | sed 's/^/# /' | tail -40
		fail=1
	fi
done
echo "1..$n"
exit $fail
