"""Two agents wait at a barrier for a third, which the harness kills: both get BarrierBroken."""

import os
import threading
import time

import lutf

TIMEOUT = 60


class Party(lutf.BaseTest):
    def wait(self, parties, marker):
        with open("%s.arrived.%s" % (marker, lutf.me.name), "w") as f:
            f.write("arrived")
        try:
            lutf.barrier("doomed", parties=parties, timeout=40)
        except lutf.BarrierBroken as error:
            return {"broken": str(error), "at": time.time()}
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
        try:
            results[node.name] = Party(target=node).wait([w.name for w in waiters] + [victim.name], params["marker"])
        except Exception as error:  # reported below
            results[node.name] = {"broken": None, "error": repr(error)}

    threads = [threading.Thread(target=wait, args=(n,)) for n in waiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    with open(params["marker"] + ".broken", "w") as f:
        f.write("\n".join(str(r.get("at", "")) for r in results.values()))
    for node in waiters:
        broken = results.get(node.name, {}).get("broken")
        # Killed while waiting ("died"), or just before its peers arrived ("is dead").
        assert broken and victim.name in broken and ("died" in broken or "is dead" in broken), results
    return {"status": "PASS", "results": results}
