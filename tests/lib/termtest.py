"""Drive the real tern binary in a private tmux server.

Every Term gets its own tmux server (-L with a unique socket name, -f
/dev/null so no user config leaks in) and one pane of a fixed size.
Waiting always polls capture-pane against a deadline; nothing sleeps a
fixed time.  On a failed wait the screen is captured for the log.
"""

import os
import re
import shlex
import subprocess
import tempfile
import time

_counter = 0


def tern_bin():
    """The tern binary under test: $TERN_BIN, else the build tree's."""
    path = os.environ.get("TERN_BIN")
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "tern"))


def srcdir():
    """The source tree's root."""
    if os.environ.get("TERN_SRCDIR"):
        return os.environ["TERN_SRCDIR"]
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", ".."))


class WaitTimeout(AssertionError):
    """A wait's deadline passed; the message holds the screen."""


class Term:
    """One program running in one tmux pane."""

    def __init__(self, cols=100, rows=30):
        global _counter
        _counter += 1
        self.socket = "tern-test-%d-%d" % (os.getpid(), _counter)
        self.cols = cols
        self.rows = rows
        self.started = False

    def _tmux(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
            check=check, capture_output=True, text=True)

    def start(self, argv, env=None, cwd=None):
        """Run argv (a list) in a new pane; env adds to a clean environment."""
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "TERM": "screen-256color",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        for key in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS",
                    "TERN_THEME_PATH"):
            if key in os.environ:
                base[key] = os.environ[key]
        if env:
            base.update(env)
        # tmux passes only its own environment to the pane's command, so
        # the command sets what it needs itself.  A shell around the
        # program records its exit status in a file (tmux's own
        # pane_dead_status is not always filled in) and then keeps the
        # pane alive, so the terminal state tern left can be read.
        self.status_file = tempfile.mktemp(prefix="tern-status-")
        cmd = "exec env -i %s /bin/sh -c %s sh %s" % (
            " ".join(shlex.quote("%s=%s" % kv) for kv in sorted(base.items())),
            shlex.quote('"$@"; echo $? > %s; exec sleep 3600' % shlex.quote(self.status_file)),
            " ".join(shlex.quote(a) for a in argv))
        self._tmux("new-session", "-d", "-s", "t", "-x", str(self.cols),
                   "-y", str(self.rows), "-c", cwd or os.getcwd(), cmd)
        self.started = True
        return self

    def send(self, *keys):
        """Type keys (tmux key names such as Enter, Up, C-c, or text)."""
        for key in keys:
            self._tmux("send-keys", "-t", "t", key)

    def type(self, text):
        """Type literal text."""
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self):
        """The pane's visible text, one string with newlines."""
        return self._tmux("capture-pane", "-p", "-t", "t").stdout

    def lines(self):
        """The pane's visible lines, padded to the pane's height."""
        lines = self.screen().split("\n")[: self.rows]
        return lines + [""] * (self.rows - len(lines))

    def pane(self, fmt):
        """A tmux format value for the pane (e.g. '#{pane_dead}')."""
        return self._tmux("display-message", "-p", "-t", "t", fmt).stdout.strip()

    def wait_for(self, pattern, timeout=10.0, gone=False):
        """Wait until pattern (a regex) is on the screen (or gone from it)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while True:
            text = self.screen()
            if bool(rx.search(text)) != gone:
                return text
            if time.monotonic() > deadline:
                raise WaitTimeout("%s %r within %.1fs; screen:\n%s" % (
                    "still saw" if gone else "did not see", pattern, timeout,
                    self.framed(text)))
            time.sleep(0.02)

    def wait_exit(self, timeout=10.0):
        """Wait for the program to exit; returns its exit status (a shell's:
        128 + N when killed by signal N)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.status_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    os.unlink(self.status_file)
                    return int(text)
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise WaitTimeout("program still running after %.1fs; "
                                  "screen:\n%s" % (timeout, self.framed()))
            time.sleep(0.02)

    def wait_pane(self, fmt, value, timeout=5.0):
        """Wait until a tmux format of the pane has value (the terminal
        may still be parsing the program's last output)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.pane(fmt)
            if got == value:
                return
            if time.monotonic() > deadline:
                raise WaitTimeout("%s is %r, not %r; screen:\n%s" % (
                    fmt, got, value, self.framed()))
            time.sleep(0.02)

    def pid(self):
        """The program's pid (the shell's child)."""
        shell = self.pane("#{pane_pid}")
        out = subprocess.run(["pgrep", "-P", shell], capture_output=True,
                             text=True).stdout.split()
        if not out:
            raise AssertionError("no program running under pane shell %s" % shell)
        return int(out[0])

    def resize(self, cols, rows):
        """Change the pane's size (the program gets SIGWINCH)."""
        self._tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))
        self.cols, self.rows = cols, rows

    def framed(self, text=None):
        """The screen with a frame, for failure messages."""
        text = self.screen() if text is None else text
        body = text.split("\n")[: self.rows]
        edge = "+" + "-" * self.cols + "+"
        return "\n".join([edge] + ["|%-*s|" % (self.cols, l) for l in body]
                         + [edge])

    def close(self):
        """Kill the private tmux server and whatever runs in it."""
        if self.started:
            self._tmux("kill-server", check=False)
            self.started = False
            sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"),
                                "tmux-%d" % os.getuid(), self.socket)
            if os.path.exists(sock):
                os.unlink(sock)
            if os.path.exists(self.status_file):
                os.unlink(self.status_file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def private_home():
    """A temporary directory with XDG dirs, so tests never touch $HOME."""
    home = tempfile.mkdtemp(prefix="tern-home-")
    env = {"HOME": home}
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        os.makedirs(os.path.join(home, sub))
        env[var] = os.path.join(home, sub)
    return home, env


def write_config(home, text, mode=0o600):
    """Write a tern config under home; returns its path."""
    path = os.path.join(home, "config", "tern", "config")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path
