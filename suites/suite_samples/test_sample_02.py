"""A remote object: the constructor and every method run on the target agent."""

import os
import socket

import lutf


class NodeProbe(lutf.BaseTest):
    def __init__(self, label, target=None):
        super().__init__(target)
        self.label = label
        self.calls = 0

    def describe(self):
        self.calls += 1
        return {
            "label": self.label,
            "node": lutf.me.name,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "calls": self.calls,
            "nested": {"list": [1, 2.5, "three", None, True], "tuple": (4, 5)},
        }


def run():
    target = lutf.get_target("OSS")
    probe = NodeProbe("first", target=target)
    first = probe.describe()
    second = probe.describe()
    assert first["node"] == target.name, first
    assert first["pid"] != os.getpid(), "the method ran in this process, not on the agent"
    assert second["calls"] == 2, "state is kept on the agent between calls: %r" % second
    assert first["nested"] == {"list": [1, 2.5, "three", None, True], "tuple": [4, 5]}, first["nested"]
    assert first["label"] == "first"
