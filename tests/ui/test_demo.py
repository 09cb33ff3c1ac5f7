#!/usr/bin/env python3
"""The demo as ./autogen.sh demo runs it: tests/server/demo.sh starts the
private Dovecot, opens tern on the two demo accounts, and leaves nothing
running once tern quits."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import Term, srcdir, tern_bin  # noqa: E402

t = Tap()
if shutil.which("tmux") is None or shutil.which("dovecot") is None:
    t.bail("tmux and dovecot are needed (apt-get install tmux dovecot-imapd dovecot-pop3d)")


def demo_processes():
    out = subprocess.run(["pgrep", "-af", "tern-demo"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "pgrep" not in l]


def demo_dirs():
    return sorted(d for d in os.listdir("/tmp") if d.startswith("tern-demo."))


before_dirs = demo_dirs()
state = {}


def check_opens():
    term = Term(120, 35)
    state["term"] = term
    term.start(["sh", os.path.join(srcdir(), "tests", "server", "demo.sh")],
               {"TERN_BIN": tern_bin(), "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    term.wait_for(r"1:demo-imap", timeout=60)
    lines = term.lines()
    assert "2:demo-pop" in lines[0], lines[0]
    assert "demo-imap [imap, tls starttls]" in lines[33], term.framed()
    term.send("]")
    term.wait_for(r"demo-pop \[pop3, tls implicit\]")
    assert demo_processes(), "no demo Dovecot while tern runs"


def check_quit_stops_server():
    term = state["term"]
    term.send("q")
    assert term.wait_exit(timeout=30) == 0
    term.wait_for(r"demo: stopping the demo server")
    # The shell's trap stops Dovecot; wait for it with a deadline.
    import time
    deadline = time.monotonic() + 15
    while demo_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not demo_processes(), "left running: %r" % demo_processes()
    assert demo_dirs() == before_dirs, "left behind: %r" % demo_dirs()


t.run("the demo opens tern on demo-imap and demo-pop", check_opens)
t.run("quitting tern stops the server and leaves nothing", check_quit_stops_server)
if "term" in state:
    state["term"].close()
t.done()
