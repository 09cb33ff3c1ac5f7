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

BUILD_PKGS="build-essential autoconf automake pkg-config \
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
	sh tests/server/demo.sh
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
	make -j"$(nproc 2>/dev/null || echo 2)" check
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
