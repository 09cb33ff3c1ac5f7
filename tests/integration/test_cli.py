#!/usr/bin/env python3
"""tern's command line without a terminal: version, help, config checks,
and clear errors for what is wrong or not there."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import private_home, tern_bin, write_config  # noqa: E402

t = Tap()
home, env = private_home()
full_env = dict(os.environ, **env)


def tern(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([tern_bin()] + list(args), env=full_env, stdin=stdin,
                          capture_output=True, text=True, timeout=30)


def check_version():
    r = tern("--version")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].startswith("tern "), lines
    for lib in ("ncurses", "OpenSSL 3.", "GMime 3.", "SQLite 3.", "libevent 2.", "GLib 2."):
        assert any(lib in l for l in lines), "%s missing from %r" % (lib, lines)


def check_help():
    r = tern("--help")
    assert r.returncode == 0 and "usage: tern" in r.stdout, r
    r = tern("--bogus")
    assert r.returncode == 2 and "usage: tern" in r.stderr, r
    r = tern("frobnicate")
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr, r


def check_config_check():
    path = write_config(home, "[general]\nsort = reverse-date\n\n"
                        "[account work]\ntype = imap\nhost = imap.example.com\n"
                        "user = alice\npassword = Zz9-secret\ntls = off\n")
    r = tern("-F", path, "--config-check")
    assert r.returncode == 0, r
    assert "[account work]" in r.stdout and "host = imap.example.com" in r.stdout, r.stdout
    assert "port = 143" in r.stdout, r.stdout
    assert "sort = reverse-date" in r.stdout, r.stdout
    assert "password = (set, not shown)" in r.stdout, r.stdout
    assert "Zz9-secret" not in r.stdout + r.stderr
    # The default location is found too.
    r = tern("--config-check")
    assert r.returncode == 0 and "[account work]" in r.stdout, r


def check_bad_config():
    path = os.path.join(home, "bad")
    with open(path, "w") as f:
        f.write("[general]\ntheme = x\n\n[account a]\ntype = imap\nhost = h\nuser = u\nbogus = 1\n")
    os.chmod(path, 0o600)
    r = tern("-F", path, "--config-check")
    assert r.returncode == 1, r
    assert r.stderr.strip() == "tern: %s:8: [account a] bogus: unknown key" % path, r.stderr
    # The interface refuses to start too.
    r = tern("-F", path)
    assert r.returncode == 1 and ":8: [account a] bogus" in r.stderr, r


def check_readable_config():
    path = os.path.join(home, "open")
    with open(path, "w") as f:
        f.write("[account a]\ntype = imap\nhost = h\nuser = u\npassword = pw\n")
    os.chmod(path, 0o644)
    r = tern("-F", path, "--config-check")
    assert r.returncode == 1, r
    assert "password: refused" in r.stderr and "chmod 600" in r.stderr, r.stderr
    with open(path, "w") as f:
        f.write("[account a]\ntype = imap\nhost = h\nuser = u\n")
    r = tern("-F", path, "--config-check")
    assert r.returncode == 0, r
    assert "warning: %s is readable by group or others" % path in r.stderr, r.stderr


def check_missing_config():
    r = tern("-F", os.path.join(home, "nope"), "--config-check")
    assert r.returncode == 1 and "No such file or directory" in r.stderr, r


def check_not_a_terminal():
    r = tern()
    assert r.returncode == 1 and "needs a terminal" in r.stderr, r


def check_unknown_account():
    path = write_config(home, "[account a]\ntype = maildir\nmaildir = /tmp/x\n")
    r = tern("-F", path, "-A", "zzz")
    assert r.returncode == 1 and "no account named 'zzz'" in r.stderr, r


def check_headless_not_yet():
    for cmd in ("fetch",):
        r = tern(cmd)
        assert r.returncode == 2 and "not implemented in this build yet" in r.stderr, (cmd, r)


def check_install():
    build = os.environ.get("TERN_BUILDDIR")
    assert build, "TERN_BUILDDIR is not set (run through make check)"
    dest = os.path.join(home, "inst")
    r = subprocess.run(["make", "-s", "-C", build, "install", "DESTDIR=" + dest],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    found = {}
    for root, _dirs, files in os.walk(dest):
        for f in files:
            found[f] = os.path.join(root, f)
    for name in ("tern", "tern.1", "default.theme", "mono.theme", "solarized-dark.theme"):
        assert name in found, "%s not installed (found %r)" % (name, sorted(found))
    assert found["tern"].endswith("/bin/tern") and os.access(found["tern"], os.X_OK)
    assert "/man1/" in found["tern.1"]
    assert "/tern/themes/" in found["default.theme"]
    with open(found["tern.1"]) as f:
        man = f.read()
    for section in (".Sh SYNOPSIS", ".Sh KEYS", ".Sh CONFIGURATION", ".Sh FILES"):
        assert section in man, section
    r = subprocess.run([found["tern"], "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("tern "), r


t.run("make install puts the binary, the themes and the man page in place", check_install)
t.run("--version names tern and every library it runs on", check_version)
t.run("--help, a bad option and an unknown command", check_help)
t.run("--config-check prints what it understood, never a password", check_config_check)
t.run("a bad key is refused with file:line and the key", check_bad_config)
t.run("a password in a readable config is refused; a readable config warns", check_readable_config)
t.run("a missing -F file is a clear error", check_missing_config)
t.run("the interface without a terminal says so", check_not_a_terminal)
t.run("-A with an unknown account is a clear error", check_unknown_account)
t.run("headless commands not built yet say so and exit 2", check_headless_not_yet)
shutil.rmtree(home)
t.done()
