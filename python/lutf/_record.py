"""Runs LNet tools on a real node for ``scripts/record-transcripts``: ``python3 -m lutf._record``.

Reads one JSON request per line on standard input and answers each with one JSON line:
``{"argv": [...], "input": ..., "env": {...}}`` runs a command and answers ``{rc, stdout, stderr,
ms}``; ``{"op": "clean"}`` gives the node LUTF's clean slate (``lutf node-clean``). Commands of the
simulator (``lutf sim link IF up|down``, ``lutf sim load MODULE``) run as what they stand for on a
real node (``ip link set IF up|down``, ``modprobe MODULE``).
"""

import json
import os
import subprocess
import sys
import time


def translate(argv):
    """The real command a simulator command stands for (others as they are)."""
    if len(argv) >= 3 and os.path.basename(argv[0]) == "lutf" and argv[1] == "sim":
        if argv[2] == "link" and len(argv) == 5:
            return ["ip", "link", "set", argv[3], argv[4]]
        if argv[2] == "load":
            return ["modprobe"] + argv[3:]
        if argv[2] == "unload":
            return ["rmmod"] + (argv[3:] or ["lnet"])
    return argv


def run(argv, input=None, env=None):
    started = time.monotonic()
    try:
        done = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=300,
                              env={**os.environ, **env} if env else None, errors="surrogateescape")
        out = {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    except FileNotFoundError as error:
        out = {"rc": 127, "stdout": "", "stderr": "%s\n" % error}
    except subprocess.TimeoutExpired:
        out = {"rc": 124, "stdout": "", "stderr": "timed out after 300 s\n"}
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


def settle_routing(lnetctl, value):
    """After ``set routing 0|1``: waits (15 s at most) until forwarding is on or off, then 3 s
    more, for the other nodes' gateway checks (every second) to see it: where a test waits for
    the routes (LNet.wait_route), the simulated run it replays did not need to."""
    want = "enable: 1" if value == "1" else "enable: 0"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        shown = subprocess.run([lnetctl, "routing", "show"], capture_output=True, text=True).stdout
        if want in shown or (value != "1" and not shown.strip()):
            break
        time.sleep(0.2)  # the next look; the deadline bounds the wait
    time.sleep(3)


def main():
    lutf = os.environ.get("LUTF_BINARY", "lutf")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("op") == "clean":
            answer = run([lutf, "node-clean"])
            # Quick router checks, as LNet.set_routing and LNet.wait_route make them for the tests
            # (forwarding ~4 s after `set routing 1`, not 110 s): the recorded commands are the
            # simulated run's, which has no such waits.
            for name, value in (("alive_router_check_interval", "1"), ("router_ping_timeout", "3")):
                try:
                    with open("/sys/module/lnet/parameters/" + name, "w") as handle:
                        handle.write(value)
                except OSError:
                    pass
        else:
            argv = translate(request["argv"])
            answer = run(argv, request.get("input"), request.get("env"))
            answer["argv"] = argv
            if argv[1:3] == ["set", "routing"] and answer["rc"] == 0:
                settle_routing(argv[0], argv[3] if len(argv) > 3 else "")
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
