"""Two agents wait at a barrier for a third, which the harness kills: both get BarrierBroken."""

import os
import threading
import time

import lutf

TIMEOUT = 60


class Party(lutf.BaseTest):
    def wait(self, parties):
        started = time.time()
        try:
            lutf.barrier("doomed", parties=parties, timeout=40)
        except lutf.BarrierBroken as error:
            return {"broken": str(error), "after": time.time() - started}
        return {"broken": None}

    def pid(self):
        return os.getppid()


def run(params):
    waiters = lutf.require_agents(3)
    victim = waiters.pop()
    with open(params["marker"] + ".victim", "w") as f:
        f.write(str(Party(target=victim).pid()))
    results = {}

    def wait(node):
        results[node.name] = Party(target=node).wait([w.name for w in waiters] + [victim.name])

    threads = [threading.Thread(target=wait, args=(n,)) for n in waiters]
    for t in threads:
        t.start()
    with open(params["marker"] + ".waiting", "w") as f:
        f.write("waiting")
    for t in threads:
        t.join(50)
    for node in waiters:
        broken = results[node.name]["broken"]
        assert broken and victim.name in broken and "died" in broken, results
    return {"status": "PASS", "results": results}
