"""lctl from test scripts: debug log capture between marks, drop/delay rules, ``list_nids``."""

import time

import lutf

from . import _tools

__all__ = ["LCtl"]


class LCtl(lutf.BaseTest):
    """lctl on one node (``LCtl(target=agent)`` for an agent)."""

    def run(self, *args, check=True):
        _, out, _ = _tools.run("lctl", args, check=check)
        return out

    def list_nids(self, all=False):
        return self.run("list_nids", *(["all"] if all else [])).split()

    def mark(self, text):
        self.run("mark", text)

    def set_debug(self, value):
        """``lctl set_param debug=VALUE`` (e.g. ``+net``)."""
        self.run("set_param", "debug=%s" % value)

    def debug_mask(self):
        return self.run("get_param", "-n", "debug").strip()

    def start_capture(self, label=None):
        """Marks the debug log and returns the marker for :meth:`stop_capture`."""
        marker = "lutf-capture-%s-%f" % (label or "log", time.time())
        self.mark(marker)
        return marker

    def stop_capture(self, marker):
        """The debug log lines after ``marker`` (the buffer is dumped and cleared, as ``lctl dk``)."""
        lines = [l for l in self.run("dk").splitlines() if not l.startswith("Debug log:")]
        for index, line in enumerate(lines):
            if line.endswith("DEBUG MARKER: " + marker):
                return lines[index + 1:]
        return lines

    def add_drop_rule(self, src="*", dst="*", rate=1):
        self.run("net_drop_add", "-s", src, "-d", dst, "-r", rate)

    def del_drop_rules(self):
        self.run("net_drop_del", "-a", check=False)

    def drop_rules(self):
        """The rules as ``net_drop_list`` prints them (one line each)."""
        return [l for l in self.run("net_drop_list", check=False).splitlines() if "->" in l and not l.startswith("0@<0:0>")]

    def add_delay_rule(self, src, dst, latency, rate=1):
        self.run("net_delay_add", "-s", src, "-d", dst, "-r", rate, "-l", latency)

    def del_delay_rules(self):
        self.run("net_delay_del", "-a", check=False)
