"""Three nodes meet at a barrier; the test script is a party too."""

import threading
import time

import lutf


class Party(lutf.BaseTest):
    def arrive(self, delay):
        time.sleep(delay)  # staggered arrivals, not a wait for anything
        arrived = time.time()
        lutf.barrier("meet", parties=self.parties, timeout=20)
        return arrived, time.time()

    def __init__(self, parties, target=None):
        super().__init__(target)
        self.parties = parties


def run():
    nodes = lutf.require_agents(3)
    names = [n.name for n in nodes] + ["master"]
    times, errors = {}, {}

    def go(node, delay):
        try:
            times[node.name] = Party(names, target=node).arrive(delay)
        except Exception as error:  # reported below
            errors[node.name] = error

    threads = [threading.Thread(target=go, args=(n, 0.2 * i)) for i, n in enumerate(nodes)]
    for t in threads:
        t.start()
    arrived = time.time()
    lutf.barrier("meet", parties=names, timeout=20)
    released = time.time()
    for t in threads:
        t.join(30)
    assert not errors and len(times) == 3, (times, errors)
    # Nobody, the master included, left before the last party arrived (the nodes share a clock).
    last_arrival = max([a for a, _ in times.values()] + [arrived])
    assert min(left for _, left in times.values()) >= last_arrival, (times, arrived)
    assert released >= last_arrival, (released, last_arrival)
    try:
        lutf.barrier("alone", parties=names, timeout=1)
    except lutf.BarrierBroken as error:
        assert "never arrived" in str(error) and nodes[0].name in str(error), str(error)
    else:
        return lutf.FAIL
