#!/bin/sh
# The layers go one way: ui/ -> src/ -> net/ -> lib/.  Nothing in lib/
# includes from the layers above it, nothing in net/ from src/ or ui/,
# nothing in src/ from ui/; nothing outside ui/ includes curses, and
# nothing in lib/ or net/ uses GLib.  Each .c file's own header exists
# beside it.  The build enforces the same with per-layer include paths
# (Makefile.am); this check says it readably.  (TAP)
: "${TERN_SRCDIR:=.}"
cd "$TERN_SRCDIR" || exit 1
n=0
fail=0

# report NAME OUTPUT: OUTPUT empty means the check passed.
report() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/#   /'
		fail=1
	fi
}

# Every C file under the folders "$@", subfolders included.
c_files() {
	find "$@" -name '*.[ch]' 2>/dev/null | sort
}

# Quoted includes under $1/ that name a header living in one of $2 (dirs).
includes_from() {
	for f in $(c_files "$1"); do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do
			for d in $2; do
				[ -e "$d/$h" ] && echo "$f includes $d/$h"
			done
		done
	done
}

curses_in() {
	grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(n?curses|ncursesw/[a-z]+|term|panel|menu|form)\.h>' \
		"$@" 2>/dev/null
}

report "lib/ includes nothing from net/, src/ or ui/" "$(includes_from lib 'net src ui')"
report "net/ includes nothing from src/ or ui/" "$(includes_from net 'src ui')"
# src/main.c is the exception: it wires the layers together and starts
# the interface, so it alone may include ui/ui.h.
report "src/ includes nothing from ui/ (but main.c's ui.h)" \
	"$(includes_from src 'ui' | grep -vx 'src/main.c includes ui/ui.h')"
report "only ui/ includes curses" "$(curses_in $(c_files lib net src))"
report "lib/ and net/ use no GLib" \
	"$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(glib|gio|gmime)' $(c_files lib net))"

missing=""
for f in $(c_files lib net src ui | grep '\.c$'); do
	case "$f" in
	src/main.c) continue ;;	# the program, not a module
	ui/index.c|ui/help.c|ui/pager.c|ui/textview.c) h=ui/view.h ;; # views
	*) h="${f%.c}.h" ;;
	esac
	[ -e "$h" ] || missing="$missing$f has no $h
"
done
report "every module has its header" "$missing"

unsorted=""
for f in $(c_files lib net src ui tests/unit tests/fuzz bench | grep '\.c$'); do
	first=$(grep -m1 '^#include' "$f")
	[ "$first" = '#include "config.h"' ] || unsorted="$unsorted$f: first include is $first
"
done
report "config.h is included first everywhere" "$unsorted"

echo "1..$n"
exit $fail
