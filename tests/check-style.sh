#!/bin/sh
# Every C file matches .clang-format (TAP, one point per file).
: "${TERN_SRCDIR:=.}"
cd "$TERN_SRCDIR" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "Bail out! clang-format is not installed (apt-get install clang-format)"
	exit 1
fi
n=0
fail=0
for f in $(find lib net src ui tests/unit tests/fuzz bench -name '*.[ch]' | sort); do
	n=$((n + 1))
	if out=$(clang-format --dry-run -Werror "$f" 2>&1); then
		echo "ok $n - $f is formatted"
	else
		echo "not ok $n - $f differs from .clang-format (run clang-format -i $f)"
		printf '%s\n' "$out" | head -20 | sed 's/^/#   /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
