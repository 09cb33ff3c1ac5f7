#!/usr/bin/env python3
"""tern list, headless: a Maildir's index lines sorted, threaded and
limited, checked against what Python's email package reads from the same
generated corpus."""

import email
import email.policy
import email.utils
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import private_home, srcdir, tern_bin  # noqa: E402

t = Tap()
home, env = private_home()
full_env = dict(os.environ, **env)
top = tempfile.mkdtemp(prefix="tern-list-")
md = os.path.join(top, "Mail")
subprocess.run([sys.executable, os.path.join(srcdir(), "tests", "server", "corpus.py"),
                "--count", "600", "--seed", "11", md], check=True, capture_output=True)

# The truth, from Python's own parser.
truth = []
for sub in ("cur", "new"):
    for name in os.listdir(os.path.join(md, sub)):
        with open(os.path.join(md, sub, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        frm = str(msg.get("From", ""))
        date = email.utils.parsedate_to_datetime(str(msg["Date"])).timestamp()
        text = "\n".join(part.get_content() for part in msg.walk()
                         if part.get_content_maintype() == "text"
                         and not part.is_multipart())
        truth.append({"from": frm, "date": date, "subject": str(msg.get("Subject", "")),
                      "body": text})


def tern(*args):
    return subprocess.run([tern_bin(), "list"] + list(args), env=full_env,
                          capture_output=True, text=True, timeout=120)


def rows(out):
    return [l for l in out.splitlines() if l.strip()]


def check_all():
    r = tern("-f", md)
    assert r.returncode == 0, r.stderr
    lines = rows(r.stdout)
    assert len(lines) == len(truth), (len(lines), len(truth))
    nums = [int(l.split()[0]) for l in lines]
    assert nums == list(range(1, len(truth) + 1))


def check_limit_alice():
    r = tern("-f", md, "--sort=date", "--limit", "~f alice")
    assert r.returncode == 0, r.stderr
    lines = rows(r.stdout)
    want = [m for m in truth if "alice" in m["from"].lower()]
    assert want, "the corpus has no mail from alice"
    assert len(lines) == len(want), (len(lines), len(want))
    assert all("Alice Example" in l for l in lines), lines[:3]
    # In date order: the subjects come out as the truth sorted by date.
    got = [l.split(") ", 1)[1] for l in lines]
    exp = [m["subject"] for m in sorted(want, key=lambda m: m["date"])]
    assert got == exp, list(zip(got, exp))[:5]


def check_reverse_and_combined():
    fwd = rows(tern("-f", md, "--limit", "~f alice ~s lunch").stdout)
    rev = rows(tern("-f", md, "--sort=reverse-date", "--limit", "~f alice ~s lunch").stdout)
    want = [m for m in truth if "alice" in m["from"].lower() and "lunch" in m["subject"].lower()]
    assert len(fwd) == len(want) and len(rev) == len(want), (len(fwd), len(rev), len(want))
    strip = lambda l: l.split(None, 1)[1]
    assert [strip(l) for l in fwd] == [strip(l) for l in reversed(rev)]
    neg = rows(tern("-f", md, "--limit", "!~f alice").stdout)
    assert len(neg) == len(truth) - len([m for m in truth if "alice" in m["from"].lower()])
    either = rows(tern("-f", md, "--limit", "~f alice | ~f bob").stdout)
    assert len(either) == len([m for m in truth if "alice" in m["from"].lower()
                               or "bob" in m["from"].lower()])


def check_body():
    word = "Terraform"
    r = tern("-f", md, "--limit", "~b %s" % word)
    assert r.returncode == 0, r.stderr
    got = len(rows(r.stdout))
    want = len([m for m in truth if word.lower() in m["body"].lower()])
    assert want > 0, "the corpus has no body with %s" % word
    # Decoded text parts: base64 and quoted-printable bodies count too.
    assert got == want, (got, want)


def check_threads():
    r = tern("-f", md, "--threads")
    assert r.returncode == 0, r.stderr
    lines = rows(r.stdout)
    assert len(lines) == len(truth)
    assert any(re.search(r"[├└]─>", l) for l in lines), "no thread tree drawn"


def check_errors():
    r = tern("-f", md, "--limit", "~f alice (")
    assert r.returncode == 2 and "column" in r.stderr, r
    r = tern("-f", md, "--sort=sideways")
    assert r.returncode == 2 and "not a sort order" in r.stderr, r
    r = tern("-f", os.path.join(top, "nope"))
    assert r.returncode == 1 and "is not a Maildir" in r.stderr, r
    r = tern("-f", md + ":NoSuchFolder")
    assert r.returncode == 1 and "NoSuchFolder" in r.stderr, r
    r = tern()
    assert r.returncode == 2 and "usage: tern list" in r.stderr, r


def check_folder():
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, ".Work", sub))
    r = tern("-f", md + ":Work")
    assert r.returncode == 0 and r.stdout == "", r


t.run("every message is listed once, numbered", check_all)
t.run("--sort=date --limit '~f alice' prints exactly alice's mail in date order", check_limit_alice)
t.run("reverse sort, AND, NOT and OR patterns", check_reverse_and_combined)
t.run("~b searches message bodies", check_body)
t.run("--threads draws thread trees", check_threads)
t.run("bad patterns, sorts, paths and folders are clear errors", check_errors)
t.run("MAILDIR:FOLDER lists another folder", check_folder)
shutil.rmtree(top)
shutil.rmtree(home)
t.done()
