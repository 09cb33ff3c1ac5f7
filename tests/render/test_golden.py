#!/usr/bin/env python3
"""tern show against the hand-made messages in tests/render (TAP).

Every NAME.eml is rendered with `tern show --width 80` and compared with
NAME.out beside it.  A NAME--VARIANT.args file (extra arguments, one per
line) and/or NAME--VARIANT.conf (lines added to the [general] section of
the configuration) render NAME.eml again into NAME--VARIANT.out.  The runs use a
private HOME, an empty mailcap (so HTML goes through tern's own
converter) and an empty GnuPG keyring (so signatures are from an unknown
key); every run must finish within its deadline, which is what catches a
hang on the 10,000-deep and 100,000-part messages.

TERN_UPDATE_GOLDEN=1 rewrites the .out files instead of comparing; the
result must be read before it is committed.
"""

import difflib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import srcdir, tern_bin  # noqa: E402

DEADLINE = 60  # seconds for one rendering, sanitizers included

t = Tap()
here = os.path.join(srcdir(), "tests", "render")
update = os.environ.get("TERN_UPDATE_GOLDEN") == "1"
tmp = tempfile.mkdtemp(prefix="tern-golden-")
gnupg = os.path.join(tmp, "gnupg")
os.mkdir(gnupg, 0o700)
mailcap = os.path.join(tmp, "mailcap")
open(mailcap, "w").close()
conf = os.path.join(tmp, "config")
with open(conf, "w") as f:
    f.write("[general]\nmailcap = %s\n" % mailcap)
os.chmod(conf, 0o600)
env = dict(os.environ, HOME=tmp, GNUPGHOME=gnupg, LC_ALL="C.UTF-8", TZ="UTC")


def cases():
    """(name of the .out, path of the .eml, extra arguments, extra config)."""
    out = []
    for eml in sorted(glob.glob(os.path.join(here, "*.eml"))):
        name = os.path.basename(eml)[:-4]
        out.append((name, eml, [], ""))
    variants = set(os.path.basename(p).rsplit(".", 1)[0]
                   for p in glob.glob(os.path.join(here, "*--*.args")) +
                   glob.glob(os.path.join(here, "*--*.conf")))
    for name in sorted(variants):
        extra, more = [], ""
        base = os.path.join(here, name)
        if os.path.exists(base + ".args"):
            with open(base + ".args") as f:
                extra = [l.strip() for l in f if l.strip()]
        if os.path.exists(base + ".conf"):
            with open(base + ".conf") as f:
                more = f.read()
        out.append((name, os.path.join(here, name.split("--")[0] + ".eml"), extra, more))
    return out


def check(name, eml, extra, more):
    cfg = conf
    if more:
        cfg = os.path.join(tmp, name + ".config")
        with open(cfg, "w") as f:
            f.write("[general]\nmailcap = %s\n%s" % (mailcap, more))
        os.chmod(cfg, 0o600)
    start = time.monotonic()
    r = subprocess.run([tern_bin(), "show", "-F", cfg, "--width", "80"] + extra + [eml],
                       env=env, capture_output=True, timeout=DEADLINE)
    took = time.monotonic() - start
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace"))
    assert r.stderr == b"", r.stderr.decode(errors="replace")
    got = r.stdout.decode("utf-8")  # must be valid UTF-8
    for ch in got:
        assert ch == "\n" or (ord(ch) >= 0x20 and ord(ch) != 0x7f and not 0x80 <= ord(ch) < 0xa0), \
            "control character %r reached the output" % ch
    path = os.path.join(here, name + ".out")
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write(got)
        return
    with open(path, encoding="utf-8") as f:
        want = f.read()
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            name + ".out", "tern show"))
        raise AssertionError("rendering differs (%.2fs):\n%s" % (took, diff))


all_cases = cases()
if not all_cases:
    t.bail("no messages in " + here)
for name, eml, extra, more in all_cases:
    t.run("%s renders as %s.out" % (os.path.basename(eml), name), check, name, eml, extra, more)
subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)
shutil.rmtree(tmp, ignore_errors=True)
t.done()
