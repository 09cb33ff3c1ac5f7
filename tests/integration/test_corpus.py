#!/usr/bin/env python3
"""TAP test for tests/server/corpus.py, the Maildir corpus generator.

Runs the generator in temporary directories and checks that it is
deterministic, that every message parses cleanly with Python's email
package, that the Maildir file names carry correct sizes, and that the
corpus contains the MIME features the other tests rely on.
"""

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from tap import Tap  # noqa: E402

CORPUS = os.path.normpath(os.path.join(HERE, "..", "server", "corpus.py"))
NAME_RE = re.compile(r"^(\d+)\.M(\d+)P0\.tern,S=(\d+),W=(\d+)(:2,([A-Z]*))?$")


def run(args, python=None):
    return subprocess.run([python or sys.executable, CORPUS] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600)


def listing(maildir):
    """{relative path: bytes} of every message file."""
    out = {}
    for sub in ("cur", "new"):
        for name in sorted(os.listdir(os.path.join(maildir, sub))):
            with open(os.path.join(maildir, sub, name), "rb") as f:
                out[sub + "/" + name] = f.read()
    return out


def main():
    t = Tap()
    if not os.path.exists(CORPUS):
        t.bail("missing " + CORPUS)
    top = tempfile.mkdtemp(prefix="tern-corpus-")
    try:
        checks(t, top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    t.done()


def checks(t, top):
    a = os.path.join(top, "a")
    b = os.path.join(top, "b")
    c = os.path.join(top, "c")

    r = run(["--seed", "7", "--count", "300", a])
    t.ok(r.returncode == 0, "generator exits 0", r.stderr)
    t.ok(r.stdout.strip().startswith("wrote 300 messages (")
         and r.stdout.strip().endswith(") to " + a)
         and r.stdout.count("\n") == 1,
         "one summary line on stdout", r.stdout)
    r2 = run(["--count", "300", "--seed", "7", b])
    t.ok(r2.returncode == 0 and r2.stdout.replace(b, a) == r.stdout,
         "second run with the same seed", r2.stderr + r2.stdout)
    la = listing(a)
    lb = listing(b)
    t.ok(len(la) == 300, "300 message files", "got %d" % len(la))
    t.ok(list(la) == list(lb), "same seed gives the same file names")
    t.ok(la == lb, "same seed gives byte-identical files")
    t.ok(os.listdir(os.path.join(a, "tmp")) == [], "tmp/ is left empty")

    other = "/usr/bin/python3"
    if os.path.exists(other) and \
            os.path.realpath(other) != os.path.realpath(sys.executable):
        d = os.path.join(top, "d")
        r4 = run(["--seed", "7", "--count", "300", d], python=other)
        t.ok(r4.returncode == 0 and listing(d) == la,
             "same corpus from " + other, r4.stderr)
        shutil.rmtree(d)
    else:
        t.skip("same corpus from another interpreter", "only one python3")

    r3 = run(["--seed", "8", "--count", "300", c])
    lc = listing(c)
    t.ok(r3.returncode == 0 and set(lc) != set(la)
         and set(lc.values()) != set(la.values()),
         "a different seed gives a different corpus", r3.stderr)
    shutil.rmtree(b)
    shutil.rmtree(c)

    check_names(t, a, la)
    check_messages(t, la)

    # --large
    e = os.path.join(top, "e")
    r5 = run(["--count", "5", "--large", "1", e])
    le = listing(e) if r5.returncode == 0 else {}
    sizes = sorted(len(v) for v in le.values())
    t.ok(r5.returncode == 0 and len(le) == 5 and sizes[-1] > 3 * 1024 * 1024
         and sizes[-1] < 13 * 1024 * 1024 and sizes[-2] < 1024 * 1024,
         "--large 1 makes exactly one message of 3-12 MB",
         r5.stderr + repr(sizes))
    big = max(le.values(), key=len) if le else b""
    msg = email.message_from_bytes(big, policy=email.policy.default)
    att = [p for p in msg.walk() if p.get_filename()]
    t.ok(not msg.defects and len(att) == 1
         and len(att[0].get_content()) > 2 * 1024 * 1024,
         "the large message has one big attachment that decodes",
         repr(msg.defects))
    for name, data in le.items():
        m = NAME_RE.match(os.path.basename(name))
        if not m or int(m.group(3)) != len(data) or \
                int(m.group(4)) != len(data) + data.count(b"\n"):
            t.ok(False, "sizes in the name of the large corpus", name)
            break
    else:
        t.ok(True, "sizes in the names of the large corpus")
    shutil.rmtree(e)

    # defaults and the start date
    f = os.path.join(top, "f")
    r6 = run(["--start-date", "2025-06-30", f])
    lf = listing(f) if r6.returncode == 0 else {}
    t.ok(r6.returncode == 0 and len(lf) == 200,
         "default --count is 200", r6.stderr)
    first = min(int(NAME_RE.match(os.path.basename(n)).group(1)) for n in lf) \
        if lf else 0
    t.ok(1751241600 <= first < 1751241600 + 86400,
         "--start-date sets the first day", repr(first))
    shutil.rmtree(f)

    # bad arguments
    g = os.path.join(top, "g")
    bad = [[], ["--count", "x", g], ["--count", "-1", g], ["--seed", "1.5", g],
           ["--start-date", "2024-13-01", g], ["--start-date", "1.1.2024", g],
           ["--bogus", g], [g, "extra"], ["--count", "2", "--large", "3", g],
           ["--cou", "3", g]]
    for args in bad:
        rb = run(args)
        t.ok(rb.returncode == 2 and rb.stderr.count("\n") == 1
             and rb.stdout == "",
             "bad arguments %r exit 2 with one line" % (args,),
             "rc=%d stderr=%r" % (rb.returncode, rb.stderr))
    t.ok(not os.path.exists(g), "nothing written on bad arguments")
    plain = os.path.join(top, "plainfile")
    open(plain, "w").close()
    rb = run(["--count", "1", plain])
    t.ok(rb.returncode == 2 and rb.stderr.count("\n") == 1,
         "a MAILDIR that is a file is refused", rb.stderr)


def check_names(t, maildir, files):
    bad = []
    seqs = []
    times = []
    new = 0
    flagged = {"S": 0, "F": 0, "R": 0}
    for name, data in files.items():
        sub, base = name.split("/")
        m = NAME_RE.match(base)
        if not m:
            bad.append("bad name " + name)
            continue
        if (sub == "new") != (m.group(5) is None):
            bad.append("info suffix in the wrong directory: " + name)
        if int(m.group(3)) != len(data):
            bad.append("S= is not the size: " + name)
        if int(m.group(4)) != len(data) + data.count(b"\n"):
            bad.append("W= is not the CRLF size: " + name)
        if b"\r" in data:
            bad.append("CR in file: " + name)
        fl = m.group(6) or ""
        if fl != "".join(sorted(fl)) or set(fl) - set("DFPRST"):
            bad.append("flags not sorted/known: " + name)
        for k in flagged:
            flagged[k] += k in fl
        new += sub == "new"
        st = os.stat(os.path.join(maildir, name))
        if int(st.st_mtime) != int(m.group(1)):
            bad.append("mtime is not the delivery time: " + name)
        seqs.append(int(m.group(2)))
        times.append((int(m.group(2)), int(m.group(1))))
    t.ok(not bad, "file names carry S=, W=, flags and mtime",
         "\n".join(bad[:20]))
    t.ok(sorted(seqs) == list(range(1, len(files) + 1)),
         "sequence numbers 1..N")
    times.sort()
    t.ok(all(times[k][1] <= times[k + 1][1] for k in range(len(times) - 1)),
         "delivery times increase with the sequence")
    n = len(files)
    t.ok(0.02 * n <= new <= 0.06 * n, "3-5 % of the messages in new/",
         "%d in new/" % new)
    t.ok(0.55 * n <= flagged["S"] <= 0.85 * n and 0 < flagged["F"] < 0.15 * n
         and 0 < flagged["R"] < 0.25 * n,
         "a realistic share of seen, flagged and answered messages",
         repr(flagged))


# rare enough that a corpus of 300 may lack them; only reported
OPTIONAL = ("gb2312", "iso-8859-2")


def check_messages(t, files):
    problems = []
    seen = {"alternative": 0, "rfc2231": 0, "flowed": 0, "delsp": 0,
            "iso-8859-1": 0, "windows-1252": 0, "rfc2047 subject": 0,
            "reply": 0, "base64 text": 0, "quoted-printable": 0,
            "message/rfc822": 0, "attachment": 0, "list-id": 0,
            "folded subject": 0, "alice": 0, "rfc2231 continuation": 0,
            "gb2312": 0, "iso-8859-2": 0}
    ids = set()
    parents = {}
    max_refs = 0
    for name, data in files.items():
        for ln in data.split(b"\n"):
            if len(ln) > 998:
                problems.append("%s: line of %d octets" % (name, len(ln)))
                break
        head = data.split(b"\n\n", 1)[0]
        if not head.isascii():
            problems.append(name + ": 8-bit header")
        msg = email.message_from_bytes(data, policy=email.policy.default)
        for part in msg.walk():
            if part.defects:
                problems.append("%s: %s: %r" % (name,
                                                part.get_content_type(),
                                                part.defects))
        for h in ("Date", "From", "Message-ID"):
            if msg[h] is None:
                problems.append("%s: no %s" % (name, h))
        for h in ("From", "To", "Cc", "Subject", "Date", "Content-Type",
                  "Content-Disposition"):
            v = msg[h]
            if v is not None and getattr(v, "defects", None):
                problems.append("%s: %s: %r" % (name, h, v.defects))
        if msg["Date"] is not None and msg["Date"].datetime is None:
            problems.append(name + ": Date does not parse")
        mid = str(msg["Message-ID"])
        if mid in ids:
            problems.append(name + ": duplicate Message-ID " + mid)
        ids.add(mid)
        if "alice@example.com" in str(msg["From"]):
            seen["alice"] += 1
        raw_subject = re.search(rb"^Subject:(.*(\n[ \t].*)*)", head,
                                re.M).group(1)
        if b"=?" in raw_subject:
            seen["rfc2047 subject"] += 1
        if b"\n" in raw_subject:
            seen["folded subject"] += 1
        if msg["List-Id"]:
            seen["list-id"] += 1
        if msg["References"] and msg["In-Reply-To"]:
            seen["reply"] += 1
            parents[mid] = msg["In-Reply-To"].strip()
            if msg["In-Reply-To"].split()[0] not in msg["References"]:
                problems.append(name + ": In-Reply-To not in References")
            max_refs = max(max_refs, len(msg["References"].split()))
            if len(msg["References"].split()) > 10:
                problems.append(name + ": more than 10 References")
        for part in msg.walk():
            ct = part.get_content_type()
            cs = (part.get_content_charset() or "").lower()
            if ct == "multipart/alternative":
                seen["alternative"] += 1
            if ct == "message/rfc822":
                seen["message/rfc822"] += 1
            if part.get_param("format") == "flowed":
                seen["flowed"] += 1
                if str(part.get_param("delsp")).lower() == "yes":
                    seen["delsp"] += 1
            if cs in ("iso-8859-1", "windows-1252", "gb2312",
                      "iso-8859-2") and ct == "text/plain":
                seen[cs] += 1
            cte = str(part.get("Content-Transfer-Encoding", "")).lower()
            if ct.startswith("text/") and cte in ("base64",
                                                  "quoted-printable"):
                seen["base64 text" if cte == "base64" else cte] += 1
            fn = part.get_filename()
            if fn:
                seen["attachment"] += 1
                raw = dict((k.lower(), v) for k, v in part.raw_items())
                if not fn.isascii() and \
                        "filename*" in raw.get("content-disposition", ""):
                    seen["rfc2231"] += 1
                    if "filename*1*" in raw["content-disposition"]:
                        seen["rfc2231 continuation"] += 1
            if not part.is_multipart() and ct != "message/rfc822":
                try:
                    part.get_content()
                except Exception as ex:  # noqa: BLE001
                    problems.append("%s: %s does not decode: %s" % (
                        name, ct, ex))
    t.ok(not problems, "every message parses without defects",
         "\n".join(problems[:30]))
    missing = [k for k, v in seen.items() if not v and k not in OPTIONAL]
    t.ok(not missing, "the corpus has every MIME feature",
         "missing: %s\n%r" % (missing, seen))
    t.diag("feature counts: %r" % seen)

    # thread depth: follow In-Reply-To chains inside the corpus
    depth = {}

    def d(m, n=0):
        while m in parents and n < 100:
            m = parents[m]
            n += 1
        return n
    for m in parents:
        depth[m] = d(m)
    deepest = max(depth.values()) if depth else 0
    t.ok(0.25 * len(files) <= seen["reply"] <= 0.55 * len(files),
         "about 40 % replies", "%d replies" % seen["reply"])
    t.ok(deepest >= 5 and max_refs == 10,
         "some threads are deep (References reach the cap of 10)",
         "deepest chain %d, most References %d" % (deepest, max_refs))


if __name__ == "__main__":
    main()
