#!/usr/bin/env python3
"""An IMAP account in the interface, against the private Dovecot: open
the Inbox over STARTTLS, change flags and expunge (checked on the server
with Python's imaplib), see new mail arrive by IDLE, reopen from the
cache, and answer an untrusted certificate's question."""

import imaplib
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "server"))

from tap import Tap  # noqa: E402
from termtest import Term, private_home, tern_bin, write_config  # noqa: E402
from fixture import Fixture  # noqa: E402

t = Tap()
if shutil.which("tmux") is None or shutil.which("dovecot") is None:
    t.bail("tmux and dovecot are needed (apt-get install tmux dovecot-imapd)")

fx = Fixture()
fx.start()
fx.populate("alice", 300, seed=5)
home, env = private_home()
COUNT = 300


def conf_text(ca=True, extra=""):
    return ("[account mail]\ntype = imap\nhost = localhost\nport = %d\n"
            "tls = starttls\nuser = alice\npassword = %s\n%s%s"
            % (fx.imap_port, fx.users["alice"],
               "ca_file = %s\n" % fx.ca_file if ca else "", extra))


conf = write_config(home, conf_text())


def server():
    """A logged-in imaplib connection with INBOX selected."""
    m = imaplib.IMAP4_SSL("localhost", fx.imaps_port, ssl_context=fx.ssl_context())
    m.login("alice", fx.users["alice"])
    m.select("INBOX")
    return m


def server_flags(uid):
    m = server()
    typ, data = m.uid("FETCH", str(uid), "(FLAGS)")
    m.logout()
    return data[0].decode() if data and data[0] else ""


def newest_uid():
    m = server()
    typ, data = m.uid("SEARCH", None, "ALL")
    m.logout()
    return max(int(x) for x in data[0].split())


def wait_until(cond, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


term = Term(120, 30)


def check_open():
    term.start([tern_bin(), "-F", conf], env)
    term.wait_for(r"mail \[imap, tls starttls\] INBOX \[Msgs:%d " % COUNT, timeout=30)
    assert re.match(r"\s+%d " % COUNT, term.lines()[27]), term.framed()


def check_flag_on_server():
    uid = newest_uid()
    term.send("*")
    before = "\\Flagged" in server_flags(uid)
    term.send("F")
    wait_until(lambda: ("\\Flagged" in server_flags(uid)) != before,
               "the flag to reach the server")
    term.send("F")
    wait_until(lambda: ("\\Flagged" in server_flags(uid)) == before,
               "the flag to be cleared on the server")


def check_pager_marks_seen():
    uid = newest_uid()
    m = server()
    m.uid("STORE", str(uid), "-FLAGS", "(\\Seen)")
    m.logout()
    term.send("Enter")
    term.wait_for(r"^Subject: ")
    wait_until(lambda: "\\Seen" in server_flags(uid), "\\Seen on the server")
    term.send("q")


def check_delete_expunge():
    global COUNT
    m = server()
    typ, data = m.uid("SEARCH", None, "DELETED")
    already = len(data[0].split())
    m.logout()
    uid = newest_uid()
    term.send("*")
    term.send("d")
    wait_until(lambda: "\\Deleted" in server_flags(uid), "\\Deleted on the server")
    term.send("$")
    COUNT -= 1 + already
    term.wait_for(r"INBOX \[Msgs:%d " % COUNT, timeout=15)
    m = server()
    typ, data = m.uid("SEARCH", None, "ALL")
    m.logout()
    assert str(uid).encode() not in data[0].split(), "still on the server"
    assert len(data[0].split()) == COUNT, (len(data[0].split()), COUNT)


def check_new_mail_by_idle():
    global COUNT
    msg = (b"From: Idle Tester <idle@example.com>\nTo: alice@example.com\n"
           b"Subject: arrived while idling\nMessage-ID: <idle-1@example.com>\n"
           b"Date: Sat, 21 Nov 2026 12:00:00 +0000\n\nhello\n")
    fx.deliver("alice", [msg])
    COUNT += 1
    term.wait_for(r"1 new message in INBOX\.", timeout=40)
    term.wait_for(r"INBOX \[Msgs:%d " % COUNT)
    term.send("*")
    term.wait_for(r"arrived while idling")


def check_reopen_from_cache():
    global COUNT
    term.send("q")
    assert term.wait_exit() == 0, term.framed()
    dbs = os.listdir(os.path.join(env["XDG_DATA_HOME"], "tern"))
    assert "mail.db" in dbs, dbs
    # While tern is away, another client flags one message and removes
    # another: the reopened cache must catch up (QRESYNC).
    m = server()
    typ, data = m.uid("SEARCH", None, "SUBJECT", "\"arrived while idling\"")
    idle_uid = data[0].split()[0].decode()
    m.uid("STORE", idle_uid, "+FLAGS", "(\\Flagged)")
    typ, data = m.uid("SEARCH", None, "ALL")
    victim = data[0].split()[0].decode()
    m.uid("STORE", victim, "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    COUNT -= 1
    with Term(120, 30) as t2:
        t2.start([tern_bin(), "-F", conf], env)
        t2.wait_for(r"INBOX \[Msgs:%d " % COUNT, timeout=30)
        t2.send("*")
        t2.wait_for(r"^\s+%d .! .*arrived while idling" % COUNT)
        t2.send("q")
        assert t2.wait_exit() == 0, t2.framed()


def check_list_headless():
    r = subprocess.run([tern_bin(), "list", "-F", conf, "mail", "--limit", "~s idling"],
                       env=dict(os.environ, **env), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "arrived while idling" in r.stdout and len(r.stdout.splitlines()) == 1, r.stdout
    # tern show renders a message of the IMAP account by UID.
    m = server()
    typ, data = m.uid("SEARCH", None, "SUBJECT", "\"arrived while idling\"")
    m.logout()
    uid = data[0].split()[0].decode()
    r = subprocess.run([tern_bin(), "show", "-F", conf, "mail:INBOX", uid],
                       env=dict(os.environ, **env), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Subject: arrived while idling" in r.stdout and "hello" in r.stdout, r.stdout


def check_certificate_question():
    home2, env2 = private_home()
    conf2 = write_config(home2, conf_text(ca=False))
    with Term(120, 30) as t2:
        t2.start([tern_bin(), "-F", conf2], env2)
        t2.wait_for(r"the server's certificate is not trusted", timeout=20)
        t2.wait_for(r"SHA-256|sha256|Fingerprint|fingerprint")
        t2.wait_for(r"\(r\)eject, accept \(o\)nce, accept \(a\)lways\?")
        t2.send("r")
        t2.wait_for(r"Cannot open INBOX: .*not trusted", timeout=10)
        t2.send("q")
        assert t2.wait_exit() == 0, t2.framed()
    with Term(120, 30) as t2:
        t2.start([tern_bin(), "-F", conf2], env2)
        t2.wait_for(r"\(r\)eject, accept \(o\)nce", timeout=20)
        t2.send("o")
        t2.wait_for(r"INBOX \[Msgs:%d " % COUNT, timeout=30)
        t2.send("q")
        assert t2.wait_exit() == 0, t2.framed()
    shutil.rmtree(home2)


def check_password_prompt():
    home3, env3 = private_home()
    text = conf_text().replace("password = %s\n" % fx.users["alice"], "")
    conf3 = write_config(home3, text)
    pw = fx.users["alice"]
    with Term(120, 30) as t3:
        t3.start([tern_bin(), "-F", conf3], env3)
        t3.wait_for(r"Password for alice@localhost:", timeout=20)
        t3.type(pw)
        screen = t3.wait_for(r"Password for alice@localhost: \*{%d}$" % len(pw))
        assert pw not in screen, "the password was shown"
        t3.send("Enter")
        t3.wait_for(r"INBOX \[Msgs:%d " % COUNT, timeout=30)
        assert pw not in t3.screen()
        t3.send("q")
        assert t3.wait_exit() == 0, t3.framed()
    shutil.rmtree(home3)


def check_offline_body_search():
    with Term(120, 30) as t2:
        t2.start([tern_bin(), "-F", conf], env)
        t2.wait_for(r"INBOX \[Msgs:%d " % COUNT, timeout=30)
        t2.send("*")
        t2.send("Enter")                # read it: its text is indexed
        t2.wait_for(r"^hello")
        t2.send("q")
        fx.stop()                       # the server goes away
        t2.wait_for(r"closed the session|Disconnected|connection", timeout=20)
        t2.send("l")
        t2.type("~b hello")
        t2.send("Enter")
        t2.wait_for(r"Offline: the body search looked only in messages read before")
        t2.wait_for(r"limit: ~b hello \(1 shown\)")
        t2.wait_for(r"arrived while idling")
        t2.send("q")
        assert t2.wait_exit() == 0, t2.framed()


try:
    t.run("an IMAP Inbox opens over STARTTLS with every message", check_open)
    t.run("F sets and clears \\Flagged on the server", check_flag_on_server)
    t.run("opening a message marks it \\Seen on the server", check_pager_marks_seen)
    t.run("d and $ expunge the message on the server", check_delete_expunge)
    t.run("new mail arrives by IDLE without a key press", check_new_mail_by_idle)
    t.run("a restart reopens from the cache", check_reopen_from_cache)
    t.run("tern list and tern show work on an IMAP account", check_list_headless)
    t.run("an untrusted certificate is a question: reject, then accept once",
          check_certificate_question)
    t.run("with no password configured, tern asks for it (and shows stars)",
          check_password_prompt)
    t.run("offline, a body search answers from the full-text index", check_offline_body_search)
finally:
    term.close()
    fx.stop()
    shutil.rmtree(home)
t.done()
