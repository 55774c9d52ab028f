"""Finds the other test host of this run: the process started for the next test."""

import os
import time


def _read(pid, name):
    with open("/proc/%s/%s" % (pid, name), "rb") as f:
        return f.read().split(b"\0")


def next_host(timeout=10):
    """The pid of the one other `lutf._host` process on this run's channel, waiting for it."""
    mine = ("LUTF_TOKEN=" + os.environ["LUTF_TOKEN"]).encode()
    channel = ("LUTF_CHANNEL=" + os.environ["LUTF_CHANNEL"]).encode()
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if b"lutf._host" not in _read(pid, "cmdline"):
                    continue
                env = _read(pid, "environ")
            except OSError:
                continue
            if channel in env and mine not in env:
                found.append(int(pid))
        if found:
            assert len(found) == 1, "more than one host waiting: %s" % found
            return found[0]
        assert time.monotonic() < deadline, "no host for the next test within %s s" % timeout
        time.sleep(0.05)  # the next look; the deadline bounds the wait
