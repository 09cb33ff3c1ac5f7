#!/usr/bin/env python3
"""The first vertical slice, as a user sees it: tern in a real terminal.

Runs the real binary in a private tmux server, types keys and reads the
screen: the account bar, the empty index, the status line, the key help,
account switching, rebinding, resizing, and leaving with q or a signal
with the terminal given back.
"""

import os
import re
import shutil
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tap import Tap  # noqa: E402
from termtest import Term, private_home, tern_bin, write_config  # noqa: E402

DEMO = """\
[general]
theme = default

[account demo-imap]
type = imap
host = localhost
port = 10143
tls = starttls
user = alice
password = alicepw

[account demo-pop]
type = pop3
host = localhost
port = 10995
tls = implicit
user = bob
password = bobpw
"""

t = Tap()
if shutil.which("tmux") is None:
    t.bail("tmux is not installed (apt-get install tmux)")
home, env = private_home()
conf = write_config(home, DEMO)


def last_lines(term, n):
    return term.lines()[-n:]


def check_main_screen():
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf], env)
        term.wait_for(r"No messages\.")
        lines = term.lines()
        bar = lines[0]
        assert "tern" in bar and "1:demo-imap" in bar and "2:demo-pop" in bar, bar
        status = lines[28]
        assert "demo-imap [imap, tls starttls]" in status, status
        assert "?:help" in status, status
        assert term.pane("#{alternate_on}") == "1", "tern did not use the alternate screen"
        # No server listens there: the failure is shown, tern goes on.
        term.wait_for(r"localhost:10143: cannot connect")
        # Unbound key.
        term.send("x")
        term.wait_for(r"Key is not bound\.  Press '\?' for help\.")
        # Message keys on an empty index.
        term.send("d")
        term.wait_for(r"No messages\.\s*$")
        # Quit restores the terminal.
        term.send("q")
        rc = term.wait_exit()
        assert rc == 0, "exit status %d" % rc
        term.wait_pane("#{alternate_on}", "0")   # the screen is given back
        term.wait_pane("#{cursor_flag}", "1")    # with a visible cursor


def check_switch_accounts():
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf], env)
        term.wait_for(r"demo-imap \[imap, tls starttls\]")
        term.send("]")
        term.wait_for(r"demo-pop \[pop3, tls implicit\]")
        term.wait_for(r"POP3 download is not implemented in this build yet")
        term.wait_for(r"Account demo-pop\.")
        term.send("]")
        term.wait_for(r"demo-imap \[imap, tls starttls\]")
        term.send("[")
        term.wait_for(r"demo-pop \[pop3, tls implicit\]")
        term.send("q")
        assert term.wait_exit() == 0


def check_help():
    with Term(100, 40) as term:
        term.start([tern_bin(), "-F", conf], env)
        term.wait_for(r"No messages\.")
        term.send("?")
        screen = term.wait_for(r"Keys in the index")
        for row in (r"j <Down>\s+next-entry\s+move to the next entry",
                    r"q\s+quit\s+quit tern",
                    r"d\s+delete-message",
                    r"\$\s+sync-mailbox",
                    r"\]\s+next-account",
                    r"\?\s+help\s+show this help"):
            term.wait_for(row, timeout=2)
        assert "Help: index" in term.lines()[38], term.lines()[38]
        # q leaves help, it does not quit.
        term.send("q")
        term.wait_for(r"No messages\.")
        assert term.pane("#{pane_dead}") == "0", "q in help quit tern"
        term.send("q")
        assert term.wait_exit() == 0
        return screen


def check_start_account():
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf, "-A", "demo-pop"], env)
        term.wait_for(r"demo-pop \[pop3, tls implicit\]")
        term.send("q")
        assert term.wait_exit() == 0


def check_keybindings():
    keys = os.path.join(home, "keys")
    with open(keys, "w") as f:
        f.write("# mine\nbind index x help\nbind index q noop\nbind index Q quit\n")
    conf2 = os.path.join(home, "config2")
    with open(conf2, "w") as f:
        f.write(DEMO.replace("theme = default", "theme = default\nkeybindings = %s" % keys))
    os.chmod(conf2, 0o600)
    with Term(100, 40) as term:
        term.start([tern_bin(), "-F", conf2], env)
        term.wait_for(r"No messages\.")
        term.send("x")
        term.wait_for(r"Keys in the index")
        term.wait_for(r"\? x\s+help\s+show this help")
        term.wait_for(r"Q\s+quit\s+quit tern")
        term.send("q")  # still leaves help: only the index's q was unbound
        term.wait_for(r"No messages\.")
        term.send("q")
        term.wait_for(r"Key is not bound")
        term.send("Q")
        assert term.wait_exit() == 0


def check_plaintext_marked():
    conf3 = os.path.join(home, "config3")
    with open(conf3, "w") as f:
        f.write(DEMO.replace("tls = starttls", "tls = off"))
    os.chmod(conf3, 0o600)
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf3], env)
        term.wait_for(r"1:demo-imap \(PLAINTEXT\)")
        term.send("q")
        assert term.wait_exit() == 0


def check_resize():
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf], env)
        term.wait_for(r"No messages\.")
        term.resize(70, 20)
        term.wait_for(r"demo-imap \[imap")
        deadline_lines = term.lines()
        assert "demo-imap [imap" in deadline_lines[18], "\n" + term.framed()
        term.resize(20, 3)
        term.wait_for(r"Window too small")
        term.resize(90, 25)
        term.wait_for(r"No messages\.")
        assert "demo-imap [imap" in term.lines()[23], "\n" + term.framed()
        term.send("q")
        assert term.wait_exit() == 0


def check_sigterm():
    with Term(100, 30) as term:
        term.start([tern_bin(), "-F", conf], env)
        term.wait_for(r"No messages\.")
        os.kill(term.pid(), signal.SIGTERM)
        assert term.wait_exit() == 0
        term.wait_pane("#{alternate_on}", "0")


def check_terminal_gone():
    """Closing the terminal (the window, an ssh session) ends tern
    instead of leaving it spinning on a dead descriptor."""
    import time
    term = Term(100, 30)
    term.start([tern_bin(), "-F", conf], env)
    term.wait_for(r"No messages\.")
    pid = term.pid()
    term.close()                        # the pane and its pty go away
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError("tern (pid %d) still ran after its terminal closed" % pid)


def check_no_accounts():
    empty_home, empty_env = private_home()
    with Term(100, 30) as term:
        term.start([tern_bin()], empty_env)
        term.wait_for(r"No accounts configured\.")
        term.send("]")
        term.wait_for(r"There is no other account\.")
        term.send("q")
        assert term.wait_exit() == 0
    shutil.rmtree(empty_home)


def check_offer_maildir():
    import subprocess
    from termtest import srcdir
    off_home, off_env = private_home()
    md = os.path.join(off_home, "Maildir")
    subprocess.run([sys.executable, os.path.join(srcdir(), "tests", "server", "corpus.py"),
                    "--count", "30", md], check=True, capture_output=True)
    off_env = dict(off_env, MAIL="")
    with Term(100, 30) as term:
        term.start([tern_bin()], off_env)
        term.wait_for(r"No configuration found\.  Open %s\? \(\[y\]/n\)" % re.escape(md))
        term.send("y")
        term.wait_for(r"1:Maildir")
        term.wait_for(r"Maildir \[maildir\] INBOX \[Msgs:30 ")
        term.send("q")
        assert term.wait_exit() == 0
    with Term(100, 30) as term:
        term.start([tern_bin()], off_env)
        term.wait_for(r"No configuration found")
        term.send("n")
        term.wait_for(r"Not opened\.")
        term.wait_for(r"No accounts configured\.")
        term.send("q")
        assert term.wait_exit() == 0
    shutil.rmtree(off_home)


t.run("main screen: account bar, empty index, status line; q restores the terminal",
      check_main_screen)
t.run("] and [ switch accounts", check_switch_accounts)
t.run("? shows the key help from the keymap; q leaves it", check_help)
t.run("-A starts on the named account", check_start_account)
t.run("a keybindings file rebinds keys and help shows it", check_keybindings)
t.run("a tls = off account is marked in the account bar", check_plaintext_marked)
t.run("the screen follows a resize", check_resize)
t.run("SIGTERM quits cleanly", check_sigterm)
t.run("closing the terminal ends tern", check_terminal_gone)
t.run("with no config, the index says how to add an account", check_no_accounts)
t.run("with no config, tern offers ~/Maildir and opens it on y", check_offer_maildir)
shutil.rmtree(home)
t.done()
