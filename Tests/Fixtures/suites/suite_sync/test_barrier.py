"""Three nodes meet at a barrier; the test script is a party too."""

import threading
import time

import lutf


class Party(lutf.BaseTest):
    def arrive(self, delay):
        time.sleep(delay)
        lutf.barrier("meet", parties=self.parties, timeout=20)
        return time.time()

    def __init__(self, parties, target=None):
        super().__init__(target)
        self.parties = parties


def run():
    nodes = lutf.require_agents(3)
    names = [n.name for n in nodes] + ["master"]
    times = {}

    def go(node, delay):
        times[node.name] = Party(names, target=node).arrive(delay)

    threads = [threading.Thread(target=go, args=(n, 0.2 * i)) for i, n in enumerate(nodes)]
    for t in threads:
        t.start()
    lutf.barrier("meet", parties=names, timeout=20)
    released = time.time()
    for t in threads:
        t.join(30)
    assert len(times) == 3, times
    # Nobody left before the last one arrived (0.4 s in).
    assert max(times.values()) - min(times.values()) < 0.5, times
    assert all(t >= released - 0.5 for t in times.values()), (times, released)
    try:
        lutf.barrier("alone", parties=names, timeout=1)
    except lutf.BarrierBroken as error:
        assert "never arrived" in str(error) and nodes[0].name in str(error), str(error)
    else:
        return lutf.FAIL
