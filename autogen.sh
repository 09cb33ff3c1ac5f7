#!/bin/sh
# autogen.sh - bootstrap the build; with an argument, do everything.
#
#   ./autogen.sh          bootstrap only (then ./configure && make)
#   ./autogen.sh check    install what is missing, build, run every test
#   ./autogen.sh demo     install what is missing, build, start a private
#                         Dovecot with demo mail and open tern on it
#
# Packages come from Debian's registry by name; only missing ones are
# installed, with one apt-get update first.
set -eu

cd "$(dirname "$0")"
srcdir=$(pwd)

BUILD_PKGS="build-essential autoconf automake libtool pkg-config \
libncurses-dev libssl-dev libgmime-3.0-dev libsqlite3-dev libevent-dev \
libglib2.0-dev zlib1g-dev"
RUN_PKGS="dovecot-imapd dovecot-pop3d tmux openssl python3 ca-certificates \
clang-format"
CHECK_PKGS="clang libclang-rt-14-dev"

say() { printf '%s\n' "autogen: $*"; }
die() { printf '%s\n' "autogen: $*" >&2; exit 1; }

# Print the packages of "$@" that are not installed.
missing_packages() {
	for p in "$@"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$st" in
		*"install ok installed"*) ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

# Install whatever of "$@" is missing (Debian only).
install_packages() {
	command -v dpkg-query >/dev/null 2>&1 ||
		die "not a Debian system: install the packages named in README by hand"
	# shellcheck disable=SC2086
	missing=$(missing_packages "$@")
	[ -z "$missing" ] && return 0
	say "installing: $missing"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		die "not root and no sudo: run as root, or apt-get install $missing"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq || die "apt-get update failed"
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing \
		>/tmp/tern-apt.log 2>&1 ||
		{ tail -20 /tmp/tern-apt.log >&2; die "apt-get install failed (log: /tmp/tern-apt.log)"; }
}

bootstrap() {
	mkdir -p m4 build-aux
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
}

# Configure (once) and build in the source tree.
build() {
	bootstrap
	if [ ! -f Makefile ] || [ configure -nt config.status ]; then
		./configure --enable-werror >/dev/null ||
			die "configure failed (see config.log)"
	fi
	make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null ||
		die "build failed"
	say "built $srcdir/tern"
}

# Start the private Dovecot with demo mail and run tern against it.
demo() {
	fixdir=$(mktemp -d /tmp/tern-demo.XXXXXX)
	chmod 755 "$fixdir"
	cleanup() {
		python3 tests/server/fixture.py stop "$fixdir" >/dev/null 2>&1 || true
		rm -rf "$fixdir"
	}
	trap cleanup EXIT INT TERM HUP
	say "starting a private Dovecot in $fixdir"
	python3 tests/server/fixture.py start "$fixdir/srv" >/dev/null ||
		die "the demo server did not start"
	python3 tests/server/fixture.py populate "$fixdir/srv" alice --count 2000 --seed 7 >/dev/null
	python3 tests/server/fixture.py populate "$fixdir/srv" bob --count 300 --seed 8 >/dev/null
	# shellcheck disable=SC1091
	. "$fixdir/srv/fixture.env"
	mkdir -p "$fixdir/home/config/tern"
	conf="$fixdir/home/config/tern/config"
	cat >"$conf" <<CONF
# Demo accounts on the private Dovecot ($fixdir/srv).
[general]
theme = default

[account demo-imap]
type = imap
host = localhost
port = $TERN_FX_IMAP_PORT
tls = starttls
user = alice
password = ${TERN_FX_PASS_ALICE}
ca_file = $TERN_FX_CA_FILE

[account demo-pop]
type = pop3
host = localhost
port = $TERN_FX_POP3S_PORT
tls = implicit
user = bob
password = ${TERN_FX_PASS_BOB}
ca_file = $TERN_FX_CA_FILE
maildir = $fixdir/home/data/demo-pop
keep_on_server = yes
CONF
	chmod 600 "$conf"
	say "opening tern on demo-imap and demo-pop (q quits)"
	XDG_CONFIG_HOME="$fixdir/home/config" XDG_DATA_HOME="$fixdir/home/data" \
	XDG_CACHE_HOME="$fixdir/home/cache" XDG_STATE_HOME="$fixdir/home/state" \
	TERN_THEME_PATH="$srcdir/themes" ./tern -F "$conf" || true
	say "stopping the demo server"
}

case "${1:-}" in
"")
	bootstrap
	say "now run ./configure && make"
	;;
check)
	# shellcheck disable=SC2086
	install_packages $BUILD_PKGS $RUN_PKGS $CHECK_PKGS
	build
	say "running the test suite"
	make check
	;;
demo)
	# shellcheck disable=SC2086
	install_packages $BUILD_PKGS $RUN_PKGS
	build
	demo
	;;
*)
	die "usage: ./autogen.sh [check | demo]"
	;;
esac
