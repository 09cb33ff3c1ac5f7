#!/usr/bin/env python3
"""Reading a local Maildir in the interface, as a user would: tern -f DIR
on a generated corpus.  Moving, opening a message, flagging, deleting and
expunging (checked on disk), limiting, searching, threading and changing
folders, each by typing mutt's keys and reading the screen."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import Term, private_home, srcdir, tern_bin  # noqa: E402

t = Tap()
if shutil.which("tmux") is None:
    t.bail("tmux is not installed (apt-get install tmux)")
home, env = private_home()
md = os.path.join(tempfile.mkdtemp(prefix="tern-mdui-"), "Mail")
subprocess.run([sys.executable, os.path.join(srcdir(), "tests", "server", "corpus.py"),
                "--count", "400", "--seed", "7", md], check=True, capture_output=True)
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(md, ".Archive", sub))
term = Term(120, 30)
state = {}


def files(folder=""):
    out = []
    base = os.path.join(md, "." + folder) if folder else md
    for sub in ("cur", "new"):
        out += [(sub, f) for f in os.listdir(os.path.join(base, sub))]
    return out


def status():
    return term.lines()[28]


def selected_subject():
    """The subject of the message under the cursor, via the pager."""
    term.send("Enter")
    screen = term.wait_for(r"Subject: ")
    subj = re.search(r"^Subject: (.*)$", screen, re.M).group(1).strip()
    term.send("q")
    term.wait_for(r"\[maildir\] INBOX")
    return subj


def check_open():
    term.start([tern_bin(), "-f", md], env)
    term.wait_for(r"--- Mail \[maildir\] INBOX \[Msgs:400 ")
    lines = term.lines()
    assert "1:Mail" in lines[0], lines[0]
    # The newest message is at the bottom, under the cursor.
    assert re.match(r"\s+400 ", lines[27]), term.framed()


def check_pager():
    term.send("k")
    term.send("Enter")
    screen = term.wait_for(r"^From: ", timeout=5)
    assert re.search(r"^Date: ", screen, re.M), screen
    assert re.search(r"^Subject: ", screen, re.M), screen
    term.send("h")
    term.wait_for(r"^Message-ID: ")     # all headers
    term.send("h")
    term.wait_for(r"^Message-ID: ", gone=True)
    term.send("q")
    term.wait_for(r"\[maildir\] INBOX")


def deleted_count():
    return int(re.search(r"Del:(\d+)\]", status()).group(1))


def check_flag_and_delete_on_disk():
    before = len(files())
    marked = deleted_count()            # the corpus has some already
    term.send("=")                       # first message
    term.send("F")
    term.wait_for(r"^\s+1 .!", timeout=5)
    # The flag reached the file name.
    flagged = [f for _s, f in files() if re.search(r":2,[A-Z]*F", f)]
    assert flagged, "no file has the F flag"
    term.send("F")                       # and back
    term.wait_for(r"^\s+1 .!", gone=True)
    trashed_before = len([f for _s, f in files() if re.search(r":2,[A-Z]*T", f)])
    term.send("d")                       # delete the first message
    term.wait_for(r"^\s+1 D", timeout=5)
    term.wait_for(r"Del:%d\]" % (marked + 1))
    trashed = [f for _s, f in files() if re.search(r":2,[A-Z]*T", f)]
    assert len(trashed) == trashed_before + 1, (len(trashed), trashed_before)
    term.send("k")
    term.send("u")
    term.wait_for(r"Del:%d\]" % marked)
    term.send("d")
    term.wait_for(r"Del:%d\]" % (marked + 1))
    term.send("$")
    term.wait_for(r"%d messages? expunged\." % (marked + 1))
    term.wait_for(r"INBOX \[Msgs:%d " % (400 - marked - 1))
    term.wait_for(r"Del:0\]")
    assert len(files()) == before - marked - 1, (len(files()), before)
    state["count"] = 400 - marked - 1


def check_toggle_new():
    n = state["count"]
    term.send("*")                       # last message
    term.wait_for(r"^\s+%d " % n)
    line = term.lines()[27]
    was_new = line[6] == "N"
    term.send("N")
    term.wait_for(r"^\s+%d %s" % (n, " " if was_new else "N"), timeout=5)
    term.send("N")
    term.wait_for(r"^\s+%d %s" % (n, "N" if was_new else " "), timeout=5)


def check_limit():
    term.send("l")
    term.wait_for(r"Limit to messages matching:")
    term.type("~f alice")
    term.send("Enter")
    screen = term.wait_for(r"limit: ~f alice \(\d+ shown\)")
    rows = [l for l in term.lines()[1:28] if l.strip()]
    assert rows and all("Alice Example" in l for l in rows), "\n".join(rows)
    # A bad pattern says where it is wrong and keeps the limit.
    term.send("l")
    term.send("C-u")
    term.type("~f alice ~q")
    term.send("Enter")
    term.wait_for(r"column 10: ")
    term.send("l")
    term.send("C-u")
    term.type("all")
    term.send("Enter")
    term.wait_for(r"limit:", gone=True)
    return screen


def check_search():
    term.send("=")
    term.send("/")
    term.type("~s Lunch")
    term.send("Enter")
    term.wait_for(r"Search for:", gone=True)
    assert "unch" in selected_subject()
    term.send("/")
    term.type("~s no-such-subject-anywhere")
    term.send("Enter")
    term.wait_for(r"Not found\.")


def check_threads():
    term.send("o")
    term.wait_for(r"Sort \(d\)ate")
    term.send("t")
    term.wait_for(r"Threads on\.")
    term.wait_for(r"\(date/threads\)")
    term.wait_for(r"[├└]─>", timeout=5)
    term.send("o")
    term.send("s")
    term.wait_for(r"Sorted by subject\.")
    term.wait_for(r"\(subject/threads\)")
    term.send("o")
    term.send("t")
    term.wait_for(r"Threads off\.")


def check_change_folder():
    term.send("c")
    term.wait_for(r"Open folder \(Tab completes\):")
    term.type("Arc")
    term.send("Tab")
    term.wait_for(r"Open folder \(Tab completes\): Archive")
    term.send("Enter")
    term.wait_for(r"\[maildir\] Archive \[Msgs:0 ")
    term.wait_for(r"No messages\.")
    term.send("c")
    term.type("INBOX")
    term.send("Enter")
    term.wait_for(r"\[maildir\] INBOX \[Msgs:%d " % state["count"])


def check_quit():
    term.send("q")
    assert term.wait_exit() == 0


t.run("tern -f opens a Maildir with the newest message selected", check_open)
t.run("Enter shows the message, h toggles all headers, q returns", check_pager)
t.run("F flags and d deletes in the file names; $ expunges the file", check_flag_and_delete_on_disk)
t.run("N toggles new", check_toggle_new)
t.run("l limits with a pattern; a bad pattern names its column", check_limit)
t.run("/ searches with a pattern", check_search)
t.run("o t threads, o s sorts by subject", check_threads)
t.run("c opens another folder with Tab completion", check_change_folder)
t.run("q quits", check_quit)
term.close()
shutil.rmtree(os.path.dirname(md))
shutil.rmtree(home)
t.done()
