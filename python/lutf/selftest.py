"""lnet_selftest runs between groups of nodes: ``Selftest`` drives ``lst`` and parses its stats.

``Selftest(target=agent).run(...)`` runs the console on that agent (any node of the cluster can
be the console); the groups are NID lists of the nodes taking part.
"""

import random
import re

import lutf

from . import _tools
from ._errors import remote_type

__all__ = ["Selftest", "SelftestError", "parse_stat"]


@remote_type
class SelftestError(lutf.LUTFError):
    """A selftest session failed: which ``lst`` step, and what it said."""

    code = "selftest"


_BLOCK = re.compile(r"^\[LNet (Rates|Bandwidth) of (.+)\]$")
_LINE = re.compile(r"^\[([RW])\]((?:\s+(?:Avg|Min|Max):\s+[-\d.]+\s+\S+)+)\s*$")


def parse_stat(text):
    """``lst stat`` output as ``{group: {"rates"|"bandwidth": {"R"|"W": {"avg","min","max"}}}}``
    (the last sample of each group wins)."""
    result = {}
    group = kind = None
    for line in text.splitlines():
        line = line.rstrip()
        header = _BLOCK.match(line)
        if header:
            kind = "rates" if header.group(1) == "Rates" else "bandwidth"
            group = header.group(2)
            result.setdefault(group, {}).setdefault(kind, {})
            continue
        values = _LINE.match(line)
        if values and group:
            parsed = {}
            for label, number in re.findall(r"(Avg|Min|Max):\s+([-\d.]+)", values.group(2)):
                parsed[label.lower()] = float(number)
            result[group][kind][values.group(1)] = parsed
    return result


class Selftest(lutf.BaseTest):
    """An lnet_selftest console on one node."""

    def lst(self, *args, key=None):
        """Runs ``lst ARGS`` (with ``LST_SESSION=key`` if given) and returns ``{rc, stdout, stderr}``."""
        # Per call, not in os.environ: the worker runs calls on several threads at once.
        env = {"LST_SESSION": str(key)} if key is not None else None
        rc, out, err = _tools.run("lst", args, check=False, env=env)
        return {"rc": rc, "stdout": out, "stderr": err}

    def _lst(self, key, *args):
        result = self.lst(*args, key=key)
        if result["rc"] != 0:
            raise SelftestError(
                "lst %s failed (exit %d): %s"
                % (" ".join(map(str, args)), result["rc"], (result["stderr"] or result["stdout"]).strip())
            )
        return result["stdout"]

    def run(self, clients, servers, test="brw", mode="write", size="1M", concurrency=8, seconds=2):
        """Runs ``test`` from the ``clients`` NIDs to the ``servers`` NIDs for ``seconds`` (one stat
        sample per second) and returns ``{"servers": stats, "clients": stats, "errors": n}`` with the
        stats of :func:`parse_stat`."""
        _tools.load_modules("lnet_selftest")
        key = random.randint(1, 2**31 - 1)
        self._lst(key, "new_session", "--force", "lutf%d" % key)
        try:
            self._lst(key, "add_group", "clients", *clients)
            self._lst(key, "add_group", "servers", *servers)
            self._lst(key, "add_batch", "bulk")
            params = [test] + ([mode, "size=%s" % size] if test == "brw" else [])
            self._lst(
                key, "add_test", "--batch", "bulk", "--concurrency", concurrency, "--from", "clients", "--to", "servers",
                *params
            )
            self._lst(key, "run", "bulk")
            out = self._lst(key, "stat", "--delay", 1, "--count", max(1, int(seconds)), "servers", "clients")
            errors = self._lst(key, "show_error", "servers", "clients")
            self._lst(key, "stop", "bulk")
        finally:
            self._end(key)
        stats = parse_stat(out)
        error_nodes = sum(int(n) for n in re.findall(r"Total (\d+) error nodes", errors))
        return {"servers": stats.get("servers", {}), "clients": stats.get("clients", {}), "errors": error_nodes}

    def _end(self, key):
        try:
            self._lst(key, "end_session")
        except SelftestError:
            pass
