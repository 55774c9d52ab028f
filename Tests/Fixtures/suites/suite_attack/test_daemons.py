"""Leaves a daemon (double fork, setsid) behind from the script and from a remote function on an
agent, each writing its pid to MARKER.script / MARKER.agent: LUTF must end both when the test
ends (the Swift test checks the pids are gone)."""

import os
import time

import lutf


def daemon(marker):
    """Starts `sleep 600` as a daemon that left its process group and session; returns at once."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            with open(marker + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.rename(marker + ".tmp", marker)
            os.execvp("sleep", ["sleep", "600"])
        os._exit(0)
    os.waitpid(pid, 0)
    for _ in range(100):
        if os.path.exists(marker):
            return int(open(marker).read())
        time.sleep(0.05)
    raise RuntimeError("the daemon did not start")


def run(params):
    marker = params["marker"]
    daemon(marker + ".script")
    lutf.call(lutf.agents()[0], daemon, marker + ".agent")
