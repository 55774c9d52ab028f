"""Sends 15 MiB values to two agents and back while the test harness pauses the master (SIGSTOP,
5 s, SIGCONT) and keeps both cores busy: no agent may be declared dead, and the test passes."""

import time

import lutf

TIMEOUT = 180


def echo(data):
    return data


def run(params):
    nodes = [lutf.get_target("mds"), lutf.get_target("oss")]
    big = "lnet " * (3 << 20)  # 15 MiB
    started = time.monotonic()
    rounds = 0
    while rounds < 2 or time.monotonic() - started < 15:
        for node in nodes:
            assert lutf.call(node, echo, big) == big, "a 15 MiB value came back changed"
        rounds += 1
        if rounds == 1:
            with open(params["marker"], "w") as f:
                f.write("heavy calls under way\n")
    print(f"{rounds} rounds of 15 MiB to {len(nodes)} agents in {time.monotonic() - started:.1f} s")
