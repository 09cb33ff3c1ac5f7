"""A small TAP producer for tern's Python tests.

Each test file builds a Tap, runs its checks through it and ends with
done(); automake's tap-driver.sh counts the points.  A check that raises
is reported as "not ok" with the exception, so one failure never hides
the checks after it.
"""

import sys
import traceback


class Tap:
    """Numbered TAP output with diagnostics on failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        """Report one check; diag (a string) is printed when it fails."""
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name), flush=True)
            if diag:
                self.diag(diag)
        return cond

    def skip(self, name, reason):
        """Report a check that cannot run here, with the reason."""
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, reason), flush=True)

    def diag(self, text):
        """Print diagnostic lines (shown in the test's .log)."""
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def run(self, name, fn, *args):
        """Run fn(*args); it passes unless it raises.  Returns its value."""
        try:
            val = fn(*args)
        except Exception:  # noqa: BLE001 - every failure becomes a TAP line
            self.ok(False, name, traceback.format_exc())
            return None
        self.ok(True, name)
        return val

    def bail(self, reason):
        """Stop the whole file: something it needs is missing."""
        print("Bail out! %s" % reason, flush=True)
        sys.exit(1)

    def done(self):
        """Print the plan and exit non-zero if anything failed."""
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)
