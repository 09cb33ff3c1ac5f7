#!/usr/bin/env python3
"""tern check ACCOUNT against the private Dovecot: IMAPS, STARTTLS and
plaintext log in and print capabilities and TLS details; a wrong
password and an untrusted certificate end with exit 1 and one line,
the certificate's details (fingerprint included) printed."""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "server"))

from tap import Tap  # noqa: E402
from termtest import private_home, tern_bin, write_config  # noqa: E402
from fixture import Fixture  # noqa: E402

t = Tap()
fx = Fixture()
fx.start()
home, env = private_home()
full_env = dict(os.environ, **env)


def account(name, port, tls, password=None, ca=True):
    return ("[account %s]\ntype = imap\nhost = localhost\nport = %d\ntls = %s\n"
            "user = alice\npassword = %s\n%s\n"
            % (name, port, tls, password or fx.users["alice"],
               "ca_file = %s" % fx.ca_file if ca else ""))


conf = write_config(home, "".join([
    account("imaps", fx.imaps_port, "implicit"),
    account("starttls", fx.imap_port, "starttls"),
    account("plain", fx.imap_port, "off"),
    account("badpw", fx.imaps_port, "implicit", password="wrong"),
    account("untrusted", fx.imaps_port, "implicit", ca=False),
]))


def check(name):
    return subprocess.run([tern_bin(), "-F", conf, "check", name], env=full_env,
                          capture_output=True, text=True, timeout=60)


def fingerprint():
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256",
                          "-in", os.path.join(fx.dir, "server.pem")],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].upper()


def ok_tls(name):
    r = check(name)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^tls: TLSv1\.[23], \S+ \(\d+ bits\), certificate verified",
                     r.stdout, re.M), r.stdout
    caps = re.search(r"^capabilities: (.*)$", r.stdout, re.M).group(1).upper().split()
    for cap in ("IMAP4REV1", "IDLE", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS"):
        assert cap in caps, (cap, caps)
    assert "logged in as alice" in r.stdout, r.stdout


def check_plain():
    r = check("plain")
    assert r.returncode == 0, r.stderr
    assert "tls: none" in r.stdout, r.stdout


def check_badpw():
    r = check("badpw")
    assert r.returncode == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tern: badpw: "), r.stderr
    assert "wrong" not in r.stderr.replace("badpw", ""), "the password leaked"


def check_untrusted():
    r = check("untrusted")
    assert r.returncode == 1, r
    assert fingerprint() in r.stderr.upper(), (fingerprint(), r.stderr)
    assert re.search(r"not trusted", r.stderr), r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("tern: untrusted: "), r.stderr


def check_unknown():
    r = check("nope")
    assert r.returncode == 1 and "no account named 'nope'" in r.stderr, r


try:
    t.run("check over IMAPS prints TLS details and capabilities", ok_tls, "imaps")
    t.run("check over STARTTLS prints TLS details and capabilities", ok_tls, "starttls")
    t.run("check with tls = off says nothing is encrypted", check_plain)
    t.run("a wrong password is one line and exit 1, never the password", check_badpw)
    t.run("an untrusted certificate is rejected with its fingerprint", check_untrusted)
    t.run("an unknown account is a clear error", check_unknown)
finally:
    fx.stop()
    shutil.rmtree(home)
t.done()
