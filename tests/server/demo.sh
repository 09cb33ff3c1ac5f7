#!/bin/sh
# demo.sh - start a private Dovecot with demo mail, open tern on it, and
# stop the server when tern exits.  ./autogen.sh demo runs it after the
# build; tests/ui/test_demo.py runs it too.  $TERN_BIN names the binary
# (default: ./tern in the source tree).
set -eu
cd "$(dirname "$0")/../.."
srcdir=$(pwd)
tern=${TERN_BIN:-$srcdir/tern}
py=$(command -v python3)

fixdir=$(mktemp -d /tmp/tern-demo.XXXXXX)
chmod 755 "$fixdir"
cleanup() {
	"$py" tests/server/fixture.py stop "$fixdir/srv" >/dev/null 2>&1 || true
	rm -rf "$fixdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "demo: starting a private Dovecot in $fixdir/srv"
"$py" tests/server/fixture.py start "$fixdir/srv" >/dev/null
"$py" tests/server/fixture.py populate "$fixdir/srv" alice --count 2000 --seed 7 >/dev/null
"$py" tests/server/fixture.py populate "$fixdir/srv" bob --count 300 --seed 8 >/dev/null
# shellcheck disable=SC1091
. "$fixdir/srv/fixture.env"
mkdir -p "$fixdir/home/config/tern"
conf="$fixdir/home/config/tern/config"
cat >"$conf" <<CONF
# Demo accounts on the private Dovecot in $fixdir/srv.
[general]
theme = default

[account demo-imap]
type = imap
host = localhost
port = $TERN_FX_IMAP_PORT
tls = starttls
user = alice
password = $TERN_FX_PASS_ALICE
ca_file = $TERN_FX_CA_FILE

[account demo-pop]
type = pop3
host = localhost
port = $TERN_FX_POP3S_PORT
tls = implicit
user = bob
password = $TERN_FX_PASS_BOB
ca_file = $TERN_FX_CA_FILE
maildir = $fixdir/home/data/demo-pop
keep_on_server = yes
CONF
chmod 600 "$conf"
echo "demo: opening tern on demo-imap and demo-pop (q quits)"
rc=0
XDG_CONFIG_HOME="$fixdir/home/config" XDG_DATA_HOME="$fixdir/home/data" \
XDG_CACHE_HOME="$fixdir/home/cache" XDG_STATE_HOME="$fixdir/home/state" \
TERN_THEME_PATH="$srcdir/themes" "$tern" -F "$conf" || rc=$?
echo "demo: stopping the demo server"
exit $rc
