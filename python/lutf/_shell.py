"""The interactive LUTF prompt: ``lutf shell`` (``python -m lutf._shell``).

A Python prompt with ``lutf`` imported and connected: ``lutf.suites`` (and their scripts) can be
listed, shown, run and reloaded; ``lutf.results()`` prints this session's results; remote
objects and everything else of the test-script API work as in scripts.
"""

import code
import os
import signal
import sys
import uuid

import lutf
from lutf import _context

BANNER = """LUTF shell: Python with lutf imported and connected to the master.
  lutf.agents()                                    the live agents
  lutf.get_environment()                           the run's environment
  lutf.suites / lutf.suites.list()                 suites (dict-like)
  lutf.suites['samples'].scripts                   a suite's scripts (dict-like)
  lutf.suites['samples'].scripts['sample_02'].run()   run one script (prints and returns the result)
  lutf.suites['samples'].run()                     run a whole suite
  script.show() / script.reload() / lutf.suites.reload()
  lutf.results()                                   this session's results (results.yml)
  Helper(target=lutf.agent('mds1'))                remote objects, as in test scripts
Ctrl-C stops the running test; Ctrl-D leaves (and stops an embedded cluster)."""


class Script:
    """A test script: ``run(params=None)``, ``show()``, ``reload()``."""

    def __init__(self, suite, info):
        self.suite = suite
        self.key = info["key"]
        self.path = info["path"]
        self.skip_list = info.get("skip_list", False)
        self.expected_failure = info.get("expected_failure", False)

    def run(self, params=None):
        """Runs the script on the cluster as ``lutf run`` would; prints and returns the result."""
        results = _run(self.suite, self.key, params)
        return results[0] if results else None

    def show(self):
        """Prints the script's source."""
        print(_context.request("shell_show", suite=self.suite, key=self.key), end="")

    def reload(self):
        """Picks up an edited script (each run already imports it afresh)."""
        info = [s for s in _suite_info(self.suite)["scripts"] if s["key"] == self.key]
        if not info:
            raise lutf.NotFoundError("script %s/%s is gone" % (self.suite, self.key))
        self.__init__(self.suite, info[0])
        return self

    def __repr__(self):
        marks = [m for m, on in (("skip list", self.skip_list), ("expected failure", self.expected_failure)) if on]
        return "<script %s/%s%s>" % (self.suite, self.key, " (%s)" % ", ".join(marks) if marks else "")


class _Scripts(dict):
    def __repr__(self):
        return "{%s}" % ", ".join(repr(k) for k in self)


class Suite:
    """A suite: ``scripts`` (dict-like), ``run()``."""

    def __init__(self, info):
        self.name = info["name"]
        self.directory = info["directory"]
        self.scripts = _Scripts((s["key"], Script(self.name, s)) for s in info["scripts"])

    def run(self, params=None):
        """Runs every script of the suite; prints each result and returns them."""
        return _run(self.name, None, params)

    def __repr__(self):
        return "<suite %s: %d scripts>" % (self.name, len(self.scripts))


class Suites(dict):
    """``lutf.suites``: the suites by name; ``reload()`` reads them from disk again."""

    def reload(self):
        self.clear()
        for info in _context.request("shell_suites"):
            self[info["name"]] = Suite(info)
        return self

    def list(self):
        return list(self.keys())

    def __repr__(self):
        return "{%s}" % ", ".join("%r: %r" % item for item in self.items())


def _suite_info(name):
    for info in _context.request("shell_suites"):
        if info["name"] == name:
            return info
    raise lutf.NotFoundError("no suite '%s'" % name)


def _run(suite, key, params):
    rid = uuid.uuid4().hex
    fields = {"suite": suite, "params": lutf.to_wire(params or {}, "params"), "rid": rid}
    if key is not None:
        fields["key"] = key
    try:
        results = _context.request("shell_run", **fields)
    except KeyboardInterrupt:
        _context.request("shell_cancel", rid=rid)
        print("\ninterrupted: the test was stopped")
        return None
    for r in results:
        line = "%s %s %.2fs" % (r["name"], r["status"], r["duration"])
        if r.get("error"):
            line += "  " + r["error"].splitlines()[0]
        print(line)
    return results


class _Text(str):
    """A string the prompt shows as it is (no quotes, real newlines)."""

    def __repr__(self):
        return str(self).rstrip("\n")


def results():
    """This session's results, as results.yml text."""
    return _Text(_context.request("shell_results"))


class _Console(code.InteractiveConsole):
    def __init__(self, locals, interactive):
        super().__init__(locals)
        self.interactive = interactive

    def raw_input(self, prompt=""):
        if self.interactive:
            return input(prompt)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")


def main():
    # lutf ignores SIGINT while the shell runs; here Ctrl-C is KeyboardInterrupt again.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _context.connect(on_close=lambda: os._exit(0))
    lutf.suites = Suites().reload()
    lutf.results = results
    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline

            history = os.path.expanduser("~/.lutf_history")
            try:
                readline.read_history_file(history)
            except OSError:
                pass
            import atexit

            atexit.register(lambda: readline.write_history_file(history))
        except ImportError:
            pass
    console = _Console({"lutf": lutf, "__name__": "__lutf_shell__"}, interactive)
    console.interact(banner=BANNER if interactive else "", exitmsg="")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
